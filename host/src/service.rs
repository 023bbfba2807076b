//! `Service`: one guest instance over one store. Commands are decided by the guest, committed to
//! the store (durably, with optimistic concurrency), then applied to the guest. A trap rebuilds
//! the instance from storage.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use pim_core::scenario::{Backend, BackendError};
use pim_core::time::Instant;
use pim_core::{
    CallContext, Command, Decision, Event, Outcome, Projections, Query, QueryResult, SettleError,
};

use crate::guest::{CheckCode, Guest, GuestError, GuestInstance};
use crate::store::{Snapshot, Store, StoreError};
use crate::trusted_time::{ClockFault, DEFAULT_MAX_SKEW, Reference};

/// How many times `submit` re-decides a command after another writer moved the log.
const MAX_ATTEMPTS: usize = 16;
/// The most batches (instants with something due) one tick may commit before the service
/// gives up.
const MAX_TICK_ROUNDS: usize = pim_core::settle::MAX_ROUNDS;

/// How many stored events one `apply` call carries when catching up with the log: small
/// enough that a batch's text and decoded events (which the guest's linear memory keeps the
/// room of) stay a few megabytes beside a large tenant, large enough that the calls cost
/// nothing beside the events.
const CATCH_UP_BATCH: usize = 4_000;

/// Why a service call failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The guest refused or failed.
    #[error(transparent)]
    Guest(#[from] GuestError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The guest's state and the store disagree.
    #[error("the guest holds {guest} events but the store expected {store}")]
    OutOfStep {
        /// Events in the guest.
        guest: u64,
        /// Events the store says it holds.
        store: u64,
    },
    /// Time kept causing events past a sane bound (a bug in the guest).
    #[error(transparent)]
    Settle(pim_core::Unsettled),
    /// The host's clock is not trusted, so nothing is written (docs/semantics.md, "Time: which
    /// clock pim trusts").
    #[error(transparent)]
    Clock(ClockFault),
    /// The log failed verification while the service ran: it answers reads from the state it
    /// had verified and refuses every write until restarted on a sound log.
    #[error(
        "the event log failed verification at sequence {}: {}; this host refuses writes until \
         it is restarted on a sound log",
        .0.seq,
        .0.message
    )]
    LogIntegrity(IntegrityFault),
}

/// Why a running service stopped writing: the first break it found in the log under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityFault {
    /// The first bad sequence number.
    pub seq: u64,
    /// What is wrong with it.
    pub message: String,
}

impl ServiceError {
    /// Whether the caller's input is at fault (Graph's `InvalidRequest`), not the host.
    pub fn is_invalid_request(&self) -> bool {
        self.invalid_message().is_some()
    }

    /// The first bad sequence number, if the log failed verification (at load, or under a
    /// running service).
    pub fn broken_at(&self) -> Option<u64> {
        match self {
            ServiceError::LogIntegrity(f) => Some(f.seq),
            ServiceError::Store(e) => e.broken_at(),
            _ => None,
        }
    }

    /// Whether this is a write refused by a read-only store.
    pub fn is_read_only(&self) -> bool {
        matches!(self, ServiceError::Store(StoreError::ReadOnly))
    }

    /// The message of an input error.
    pub fn invalid_message(&self) -> Option<String> {
        match self {
            ServiceError::Guest(e @ GuestError::Refused { message, .. })
                if Refusal::of(e) == Some(Refusal::Input) =>
            {
                Some(message.clone())
            }
            ServiceError::Guest(e @ GuestError::TooLarge { .. }) => Some(e.to_string()),
            _ => None,
        }
    }
}

/// The code the guest refuses with when an event does not fit its state (docs/abi.md).
const APPLY_ERROR_CODE: &str = pim_core::abi::codes::APPLY_ERROR;

/// Whose fault a guest's refusal is, from its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// An event did not fit the instance's state (`ApplyError`): the log or the instance is at
    /// fault, and the instance is rebuilt from storage.
    Apply,
    /// Any other code (`InvalidRequest`, …): the caller's input is at fault.
    Input,
}

impl Refusal {
    /// The kind of refusal `e` is, if it is one. The one place the host reads a code's text.
    pub fn of(e: &GuestError) -> Option<Self> {
        match e {
            GuestError::Refused { code, .. } if code == APPLY_ERROR_CODE => Some(Refusal::Apply),
            GuestError::Refused { .. } => Some(Refusal::Input),
            _ => None,
        }
    }
}

/// A guest instance and the store it mirrors.
#[derive(Debug)]
pub struct Service<S: Store> {
    guest: Arc<Guest>,
    projections: Projections,
    instance: GuestInstance,
    store: S,
    head: u64,
    rebuilds: u64,
    latest: Option<Instant>,
    /// Why writes are refused (the host's clock is not trusted), if they are.
    clock_fault: Option<ClockFault>,
    /// How far `now` may be behind the log's latest event and still be raised to it.
    max_skew: chrono::TimeDelta,
    /// Set once when the log fails verification under the running service; shared with the
    /// services reading the same log for it ([`Service::share_integrity`]).
    fault: Arc<OnceLock<IntegrityFault>>,
    /// What the last [`Service::reload`] started from: the snapshot's sequence number (0 for
    /// none) and how many events it then applied from the log.
    loaded: (u64, u64),
}

impl<S: Store> Service<S> {
    /// Opens a service: the newest snapshot made by this guest, if any, then the events after it.
    pub fn open(guest: Arc<Guest>, store: S) -> Result<Self, ServiceError> {
        Service::open_with(guest, store, Projections::ALL)
    }

    /// Opens a service whose guest keeps only `projections`: a gateway that only answers
    /// `check` opens with [`Projections::CHECK_ONLY`] and holds neither audit records nor
    /// notifications. Its snapshots are kept apart from those of a full service.
    pub fn open_with(
        guest: Arc<Guest>,
        store: S,
        projections: Projections,
    ) -> Result<Self, ServiceError> {
        let instance = guest.instantiate()?;
        let mut service = Service {
            guest,
            projections,
            instance,
            store,
            head: 0,
            rebuilds: 0,
            latest: None,
            clock_fault: None,
            max_skew: chrono::TimeDelta::from_std(DEFAULT_MAX_SKEW)
                .unwrap_or(chrono::TimeDelta::MAX),
            fault: Arc::default(),
            loaded: (0, 0),
        };
        service.reload()?;
        if let Some(f) = service.integrity_fault() {
            return Err(ServiceError::LogIntegrity(f.clone()));
        }
        Ok(service)
    }

    /// Drops the instance and rebuilds it from storage: checks the whole log's chain, then
    /// restores the snapshot (if its head hash is the log's) and applies the rest of the log.
    /// A broken chain leaves the instance as it was: a running service keeps its verified
    /// state, stops writing and answers reads.
    pub fn reload(&mut self) -> Result<(), ServiceError> {
        if let Some(f) = self.integrity_fault() {
            return Err(ServiceError::LogIntegrity(f.clone()));
        }
        if let Err(e) = self.store.verify() {
            return Err(self.integrity(e));
        }
        let snapshot = self.store.latest_snapshot(&self.snapshot_key())?;
        let (instance, head) = match snapshot {
            Some(s) => (GuestInstance::restore(&self.guest, &s.memory)?, s.seq),
            None => (self.fresh_instance()?, 0),
        };
        self.instance = instance;
        self.head = head;
        let state = self.instance.state()?;
        self.latest = state
            .clock
            .and_then(|c| pim_core::time::parse_instant(&c).ok());
        if state.events != head {
            // A snapshot that does not match its own sequence number: start from the log.
            tracing::warn!(
                snapshot = head,
                held = state.events,
                "ignoring a stale snapshot"
            );
            self.instance = self.fresh_instance()?;
            self.head = 0;
            self.latest = None;
        }
        let from = self.head;
        self.catch_up()?;
        self.loaded = (from, self.head.saturating_sub(from));
        Ok(())
    }

    /// What the last load started from: the snapshot's sequence number (0: none, the whole
    /// log was applied) and how many events of the log it applied after it.
    pub fn loaded(&self) -> (u64, u64) {
        self.loaded
    }

    /// Applies what other writers appended since this service last looked. If the log fails
    /// verification, the service keeps its state and stops following the log (reads answer
    /// the verified state; writes are refused).
    pub fn catch_up(&mut self) -> Result<(), ServiceError> {
        if self.integrity_fault().is_some() {
            return Ok(());
        }
        match self.store.events_after(self.head) {
            Ok(events) => self.apply_stored(&events),
            Err(e) => match e.broken_at() {
                Some(bad) => {
                    // The events before the break chain: apply them, then stop following.
                    let verified = self.store.events_between(self.head, bad.saturating_sub(1));
                    self.integrity(e);
                    match verified {
                        Ok(events) => self.apply_stored(&events),
                        Err(_) => Ok(()),
                    }
                }
                None => Err(e.into()),
            },
        }
    }

    /// Applies events read from the store after the head.
    fn apply_stored(&mut self, events: &[Event]) -> Result<(), ServiceError> {
        if events.is_empty() {
            return Ok(());
        }
        // In batches, so each call stays well inside the input and fuel limits. No `recover`
        // here: it reloads, and reloading catches up.
        for batch in events.chunks(CATCH_UP_BATCH) {
            let summary = self.instance.apply(batch)?;
            self.saw(batch);
            self.head = self.head.saturating_add(batch.len() as u64);
            if summary.events != self.head {
                return Err(ServiceError::OutOfStep {
                    guest: summary.events,
                    store: self.head,
                });
            }
        }
        Ok(())
    }

    /// An empty instance keeping this service's projections.
    fn fresh_instance(&self) -> Result<GuestInstance, GuestError> {
        let mut instance = self.guest.instantiate()?;
        if self.projections != Projections::ALL {
            instance.reset(self.projections)?;
        }
        Ok(instance)
    }

    /// Snapshots are the guest's memory, projections included, so a service keeping fewer
    /// projections files its snapshots under a key of its own.
    fn snapshot_key(&self) -> String {
        let digest = self.guest.digest();
        match (self.projections.audit, self.projections.notifications) {
            (true, true) => digest.to_owned(),
            (audit, notifications) => {
                format!("{digest}+audit={audit}+notifications={notifications}")
            }
        }
    }

    /// If `r` is an error that poisoned the instance, rebuilds it from storage before
    /// returning the error.
    fn recover<T>(&mut self, r: Result<T, GuestError>) -> Result<T, ServiceError> {
        match r {
            Err(e) if e.poisons() || Refusal::of(&e) == Some(Refusal::Apply) => {
                self.rebuilds = self.rebuilds.saturating_add(1);
                if let Err(again) = self.reload() {
                    tracing::error!(error = %again, "rebuilding the guest failed");
                }
                Err(e.into())
            }
            r => Ok(r?),
        }
    }

    /// The guest module this service runs.
    pub fn guest(&self) -> &Arc<Guest> {
        &self.guest
    }

    /// How many times a trap made the service rebuild its instance.
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }

    /// The last sequence number applied.
    pub fn head(&self) -> u64 {
        self.head
    }

    /// Whether the store refuses writes (`serve --read-only`): whatever else writes to the
    /// store's database checks this first.
    pub fn is_read_only(&self) -> bool {
        self.store.is_read_only()
    }

    /// The break in the log this service (or one sharing with it) found while running, if any.
    pub fn integrity_fault(&self) -> Option<&IntegrityFault> {
        self.fault.get()
    }

    /// Shares integrity faults with `other` (a reader of the same log): a break either finds
    /// stops both from writing.
    pub fn share_integrity(&mut self, other: &Service<S>) {
        self.fault = other.fault.clone();
    }

    /// Checks the whole stored chain again: an edit or a deletion below what this service has
    /// already read shows only here. A break becomes this service's integrity fault (writes
    /// refused, reads answered from the verified state), and is returned.
    pub fn recheck_chain(&mut self) -> Result<(), ServiceError> {
        match self.store.verify() {
            Ok(_) => Ok(()),
            Err(e) => Err(self.integrity(e)),
        }
    }

    /// Records a broken chain (`e` names the sequence) as this service's fault, logs it once,
    /// and returns the error to answer with; other errors pass through.
    fn integrity(&mut self, e: StoreError) -> ServiceError {
        let Some(seq) = e.broken_at() else {
            return e.into();
        };
        let fault = IntegrityFault {
            seq,
            message: e.to_string(),
        };
        if self.fault.set(fault.clone()).is_ok() {
            tracing::error!(
                seq,
                error = %e,
                "the event log failed verification: refusing writes, answering reads from the verified state"
            );
        }
        ServiceError::LogIntegrity(fault)
    }

    /// The store.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// The guest instance (for direct calls; a trap is not recovered here).
    pub fn instance_mut(&mut self) -> &mut GuestInstance {
        &mut self.instance
    }

    /// Decides a command on the current state; changes nothing.
    pub fn execute(
        &mut self,
        command: &Command,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, ServiceError> {
        let r = self.instance.execute(command, ctx, now);
        self.recover(r)
    }

    /// Commits events decided on the current state: durable first, then applied. Nothing is
    /// written while the clock is faulted ([`Service::set_clock_fault`]).
    pub fn commit(&mut self, events: &[Event]) -> Result<(), ServiceError> {
        if events.is_empty() {
            return Ok(());
        }
        self.writable()?;
        let metrics = crate::metrics::metrics();
        let head = match self.store.append(self.head, events) {
            Ok(head) => head,
            Err(e) => {
                if matches!(e, StoreError::Conflict { .. }) {
                    metrics.conflicts.inc();
                }
                return Err(self.integrity(e));
            }
        };
        metrics.commits.inc();
        metrics.committed_events.inc_by(events.len() as u64);
        let r = self.instance.apply(events);
        self.recover(r)?;
        self.head = head;
        self.saw(events);
        Ok(())
    }

    fn saw(&mut self, events: &[Event]) {
        if let Some(t) = events.iter().map(Event::at).max() {
            self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
        }
    }

    /// `now`, or the log's latest time if another host's clock ran a little ahead of ours
    /// (at most `max_skew`): the engine refuses time going backwards. A clock further behind
    /// the log is a fault, never hidden: stamping at the log's time would carry on a future
    /// someone else wrote.
    pub fn monotonic(&self, now: Instant) -> Result<Instant, ServiceError> {
        match self.latest {
            Some(latest) if latest - now > self.max_skew => Err(ServiceError::Clock(ClockFault {
                reading: now,
                expected: latest,
                against: Reference::Log,
                max_skew: self.max_skew,
            })),
            Some(latest) => Ok(latest.max(now)),
            None => Ok(now),
        }
    }

    // --- Time (docs/semantics.md, "Time: which clock pim trusts") ---

    /// The latest instant among the events applied.
    pub fn latest(&self) -> Option<Instant> {
        self.latest
    }

    /// Refuses every write while `fault` is set (the host's clock is not trusted).
    pub fn set_clock_fault(&mut self, fault: Option<ClockFault>) {
        self.clock_fault = fault;
    }

    /// Why writes are refused, if they are.
    pub fn clock_fault(&self) -> Option<&ClockFault> {
        self.clock_fault.as_ref()
    }

    /// Sets how far behind the log's latest event `now` may be (default two minutes).
    pub fn set_max_skew(&mut self, max_skew: chrono::TimeDelta) {
        self.max_skew = max_skew;
    }

    /// Refuses a write while the clock is not trusted, on a broken log, or on a read-only
    /// store.
    fn writable(&self) -> Result<(), ServiceError> {
        if let Some(fault) = &self.clock_fault {
            return Err(ServiceError::Clock(fault.clone()));
        }
        if let Some(f) = self.integrity_fault() {
            return Err(ServiceError::LogIntegrity(f.clone()));
        }
        if self.store.is_read_only() {
            return Err(StoreError::ReadOnly.into());
        }
        Ok(())
    }

    /// Decides a command and commits its events. If another writer moved the log first, catches
    /// up and decides again on the new state, so a decision is never committed on stale state.
    pub fn submit(
        &mut self,
        command: &Command,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Decision, ServiceError> {
        self.writable()?;
        self.catch_up()?;
        self.writable()?;
        let mut attempt = 0;
        loop {
            let now = self.monotonic(now)?;
            let outcome = self.execute(command, ctx, now)?;
            match self.commit(&outcome.events) {
                Err(ServiceError::Store(StoreError::Conflict { .. })) if attempt < MAX_ATTEMPTS => {
                    attempt += 1;
                    self.catch_up()?;
                }
                Err(e) => return Err(e),
                Ok(()) => return Ok(outcome.decision),
            }
        }
    }

    /// Commits what time alone causes up to `now`; returns how many events that was. The core's
    /// `tick` yields one instant's events at a time (one change can schedule the next), so this
    /// commits batches until time has settled (`pim_core::settle`).
    pub fn tick(&mut self, now: Instant) -> Result<usize, ServiceError> {
        self.writable()?;
        let mut total = 0usize;
        pim_core::settle(
            self,
            MAX_TICK_ROUNDS,
            |svc| {
                svc.catch_up()?;
                svc.due(now)
            },
            |svc, events| {
                let n = svc.commit_due(&events, now)?;
                total = total.saturating_add(n);
                Ok(())
            },
        )
        .map_err(|e| match e {
            SettleError::Unsettled(why) => ServiceError::Settle(why),
            SettleError::Failed(e) => e,
        })?;
        Ok(total)
    }

    /// What time alone causes up to `now` (or the log's latest time, if a little later) on the
    /// current state.
    fn due(&mut self, now: Instant) -> Result<Vec<Event>, ServiceError> {
        let now = self.monotonic(now)?;
        let r = self.instance.tick(now);
        self.recover(r)
    }

    /// Commits a tick's events; returns how many were committed. If another writer moved the
    /// log first, catches up and commits what is due on the new state instead.
    fn commit_due(&mut self, events: &[Event], now: Instant) -> Result<usize, ServiceError> {
        let mut events = Cow::Borrowed(events);
        let mut attempt = 0;
        loop {
            if events.is_empty() {
                return Ok(0);
            }
            match self.commit(&events) {
                Err(ServiceError::Store(StoreError::Conflict { .. })) if attempt < MAX_ATTEMPTS => {
                    attempt += 1;
                    self.catch_up()?;
                    events = Cow::Owned(self.due(now)?);
                }
                Err(e) => return Err(e),
                Ok(()) => return Ok(events.len()),
            }
        }
    }

    /// Answers a query on the current state.
    pub fn query(&mut self, query: &Query, now: Instant) -> Result<QueryResult, ServiceError> {
        let r = self.instance.query(query, now);
        self.recover(r)
    }

    /// The gateway question through the lean export, to the millisecond (`pim_check_ms`): the
    /// answer's end is in unix milliseconds.
    pub fn check(
        &mut self,
        principal: &str,
        role: &str,
        scope: &str,
        now: Instant,
    ) -> Result<CheckCode, ServiceError> {
        let r = self
            .instance
            .check_millis(principal, role, scope, now.timestamp_millis());
        self.recover(r)
    }

    /// Saves a snapshot of the instance's memory at the current head.
    pub fn snapshot(&mut self) -> Result<Snapshot, ServiceError> {
        self.writable()?;
        let snapshot = Snapshot {
            seq: self.head,
            guest: self.snapshot_key(),
            memory: self.instance.memory_image(),
        };
        self.store.save_snapshot(&snapshot)?;
        Ok(snapshot)
    }
}

fn backend_error(e: ServiceError) -> BackendError {
    match e.invalid_message() {
        Some(m) => BackendError::Invalid(m),
        None => match e {
            ServiceError::Guest(GuestError::Refused { message, .. }) => BackendError::Host(message),
            e => BackendError::Host(e.to_string()),
        },
    }
}

/// The scenario runner drives a service like any other host.
impl<S: Store> Backend for Service<S> {
    fn execute(
        &mut self,
        command: &Command,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, BackendError> {
        Service::execute(self, command, ctx, now).map_err(backend_error)
    }

    fn commit(&mut self, events: &[Event]) -> Result<(), BackendError> {
        Service::commit(self, events).map_err(backend_error)
    }

    fn tick(&mut self, now: Instant) -> Result<Vec<Event>, BackendError> {
        let r = self.instance.tick(now);
        self.recover(r).map_err(backend_error)
    }

    fn query(&mut self, query: &Query, now: Instant) -> Result<QueryResult, BackendError> {
        Service::query(self, query, now).map_err(backend_error)
    }

    fn restart(&mut self) -> Result<(), BackendError> {
        self.reload().map_err(backend_error)
    }
}
