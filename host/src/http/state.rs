//! `AppState`: what the handlers share (the writing service, the readers, the trusted time,
//! the callers), and the service calls every handler makes through it. Every call takes its
//! instant from [`TrustedTime`], after catching up with the log, so a decision, a tick, a query
//! and a check made together use the same instant; while the clock is not trusted the services
//! write nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pim_core::time::Instant;
use pim_core::{CallContext, Command, Decision, Query, QueryResult};

use super::auth::Authenticator;
use super::config::{ConfigError, ServerConfig};
use super::error::ApiError;
use super::rate_limit::WriteLimiter;
use crate::clock::Clock;
use crate::service::{Service, ServiceError};
use crate::store::Store;
use crate::trusted_time::{DEFAULT_MAX_SKEW, SystemMonotonic, TrustedTime};

/// What the handlers share.
pub struct AppState<S: Store> {
    /// The instance that decides and commits.
    service: Mutex<Service<S>>,
    /// Instances that answer queries, each over its own connection to the same log; they catch
    /// up with the log before every answer. Empty: the writer answers too.
    readers: Vec<Mutex<Service<S>>>,
    next_reader: AtomicUsize,
    time: Arc<TrustedTime>,
    auth: Authenticator,
    writes: WriteLimiter,
    read_only: bool,
    policy_ids: crate::graph::PolicyIds,
    forward_auth: super::ForwardAuthConfig,
    metrics: Option<super::config::MetricsConfig>,
    /// The newest head any of this host's services has seen: what the event stream
    /// (`GET /v1.0/pim/events`) waits on.
    heads: tokio::sync::watch::Sender<u64>,
    /// Set at shutdown: the event streams end (a graceful shutdown waits for them).
    closing: std::sync::atomic::AtomicBool,
    /// The demo callers (principal, token) the console offers, under `serve --demo` only.
    demo_callers: Vec<(String, String)>,
}

impl<S: Store> AppState<S> {
    /// State over a writing service, reading services (one instance per worker; may be
    /// empty), a wall clock (judged against the system's monotonic clock with the default
    /// skew, no peers) and the config's callers and write limit. A config that does not pass
    /// [`ServerConfig::validate`] (e.g. a token twice) is refused; an OpenID Connect key file
    /// is read now, a key URL on [`AppState::load_keys`].
    pub fn new(
        service: Service<S>,
        readers: Vec<Service<S>>,
        clock: Arc<dyn Clock>,
        config: &ServerConfig,
    ) -> Result<Arc<Self>, ConfigError> {
        let time = TrustedTime::new(clock, Arc::new(SystemMonotonic::new()), DEFAULT_MAX_SKEW);
        AppState::with_time(service, readers, Arc::new(time), config)
    }

    /// State as [`AppState::new`], taking time from `time`.
    pub fn with_time(
        mut service: Service<S>,
        readers: Vec<Service<S>>,
        time: Arc<TrustedTime>,
        config: &ServerConfig,
    ) -> Result<Arc<Self>, ConfigError> {
        service.set_max_skew(time.max_skew());
        let readers = readers.into_iter().map(|mut r| {
            r.set_max_skew(time.max_skew());
            Mutex::new(r)
        });
        let read_only = service.is_read_only();
        Ok(Arc::new(AppState {
            read_only,
            service: Mutex::new(service),
            readers: readers.collect(),
            next_reader: AtomicUsize::new(0),
            time,
            auth: Authenticator::new(config)?,
            writes: WriteLimiter::new(config.rate_limit),
            forward_auth: config.forward_auth.clone(),
            metrics: config.metrics.clone(),
            heads: tokio::sync::watch::Sender::new(0),
            closing: std::sync::atomic::AtomicBool::new(false),
            demo_callers: if config.demo_sign_in {
                let tokens = config.tokens.iter();
                tokens
                    .map(|t| (t.principal.clone(), t.token.clone()))
                    .collect()
            } else {
                Vec::new()
            },
            policy_ids: crate::graph::PolicyIds::new(
                config
                    .tenant_id
                    .as_deref()
                    .unwrap_or(crate::graph::DEFAULT_TENANT_ID),
            ),
        }))
    }

    /// Where every call takes its instant from.
    pub fn time(&self) -> &Arc<TrustedTime> {
        &self.time
    }

    /// Loads the OpenID Connect issuer's signing keys now, if one is configured.
    pub async fn load_keys(&self) -> Result<(), ConfigError> {
        Ok(self.auth.load_keys().await?)
    }

    /// Who sends a request with `headers`, and whether they may make a `method` request now.
    pub(super) async fn caller(
        &self,
        method: &axum::http::Method,
        headers: &axum::http::HeaderMap,
    ) -> Result<CallContext, ApiError> {
        let ctx = self.auth.caller(headers).await?;
        self.writes
            .check(method, ctx.caller.as_deref().unwrap_or_default())?;
        Ok(ctx)
    }

    /// Who sends a request with `headers`, as a read whatever its method (a forward-auth
    /// check: proxies pass the original request's method on).
    pub(super) async fn caller_reading(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<CallContext, ApiError> {
        self.auth.caller(headers).await
    }

    /// The forward-auth routes of the config.
    pub(super) fn forward_auth(&self) -> &super::ForwardAuthConfig {
        &self.forward_auth
    }

    /// How Graph's policy and policy-assignment ids are derived in this tenant.
    pub fn policy_ids(&self) -> crate::graph::PolicyIds {
        self.policy_ids.clone()
    }

    /// Whether the service's store is read-only (`serve --read-only`): the router then
    /// refuses every write.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Who may scrape `/metrics` (`None`: nobody, the route answers 404).
    pub(super) fn metrics_config(&self) -> Option<&super::config::MetricsConfig> {
        self.metrics.as_ref()
    }

    /// The newest head this host's services have seen, changing as they see newer ones.
    pub(super) fn heads(&self) -> tokio::sync::watch::Receiver<u64> {
        self.heads.subscribe()
    }

    /// Ends the event streams (at shutdown): each ends at its next look, woken now.
    pub fn close_streams(&self) {
        self.closing.store(true, Ordering::Relaxed);
        self.heads.send_modify(|_| {});
    }

    /// Whether [`AppState::close_streams`] was called.
    pub(super) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Relaxed)
    }

    /// Records that a service of this host is at `head`.
    fn saw_head(&self, head: u64) {
        self.heads.send_if_modified(|newest| {
            let newer = head > *newest;
            if newer {
                *newest = head;
            }
            newer
        });
    }

    /// The demo callers (principal, token) the console offers as a sign-in picker: those of
    /// `serve --demo`, else none.
    pub fn demo_callers(&self) -> &[(String, String)] {
        &self.demo_callers
    }
}

impl<S: Store + 'static> AppState<S> {
    /// Runs `f` on the service, caught up with the log, at the trusted instant, off the async
    /// threads; while the clock is not trusted the service refuses to write.
    pub async fn with_service<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Service<S>, Instant) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        let answer = tokio::task::spawn_blocking(move || {
            let mut service = state.service.lock().unwrap_or_else(|p| p.into_inner());
            let now = state.instant(&mut service)?;
            let answer = f(&mut service, now);
            state.saw_head(service.head());
            answer
        })
        .await?;
        Ok(answer?)
    }

    /// Runs `f` on a reader caught up with the log (the writer if there are no readers): an
    /// idle one that has seen this host's newest head answers on the calling thread (a read
    /// takes microseconds, less than the hop to a blocking thread and back); otherwise the
    /// first idle one, else the next in turn, on a blocking thread, where a long catch-up or
    /// a wait for a busy reader cannot hold up the async threads.
    pub async fn with_reader<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Service<S>, Instant) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.readers.is_empty() {
            return self.with_service(f).await;
        }
        let f = match self.read_here(f) {
            Ok(answer) => return answer,
            Err(f) => f,
        };
        let state = self.clone();
        let answer = tokio::task::spawn_blocking(move || {
            let start = state.next_reader.fetch_add(1, Ordering::Relaxed);
            let mut reader = match state.idle_reader(start, |_| true) {
                Some(r) => r,
                // INVARIANT: `readers` is not empty here, so the index is in range.
                None => state.readers[start % state.readers.len()]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()),
            };
            state.read_on(&mut reader, f)
        })
        .await?;
        Ok(answer?)
    }

    /// Runs `f` at once on an idle reader already at this host's newest head (so its catch-up
    /// is a look at the store, not a replay) over a store that may be called from an async
    /// thread (SQLite, memory: not PostgreSQL); gives `f` back when there is none.
    fn read_here<T, F>(&self, f: F) -> Result<Result<T, ApiError>, F>
    where
        F: FnOnce(&mut Service<S>, Instant) -> Result<T, ServiceError>,
    {
        let newest = *self.heads.borrow();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let here =
            |r: &mut Service<S>| r.head() >= newest && r.store_mut().reads_on_async_threads();
        match self.idle_reader(start, here) {
            Some(mut reader) => Ok(self.read_on(&mut reader, f).map_err(ApiError::from)),
            None => Err(f),
        }
    }

    /// The first idle reader from the `start`th in turn that `accept` takes.
    fn idle_reader(
        &self,
        start: usize,
        mut accept: impl FnMut(&mut Service<S>) -> bool,
    ) -> Option<std::sync::MutexGuard<'_, Service<S>>> {
        let n = self.readers.len();
        (0..n).find_map(|i| {
            let mut reader = self.readers.get((start + i) % n)?.try_lock().ok()?;
            accept(&mut reader).then_some(reader)
        })
    }

    /// Runs `f` on `reader`, caught up, at the trusted instant.
    fn read_on<T>(
        &self,
        reader: &mut Service<S>,
        f: impl FnOnce(&mut Service<S>, Instant) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let now = self.instant(reader)?;
        self.saw_head(reader.head());
        f(reader, now)
    }

    /// Catches `service` up with the log and reads the trusted time against the log's latest
    /// event: the instant of this call, and whether `service` may write.
    fn instant(&self, service: &mut Service<S>) -> Result<Instant, ServiceError> {
        service.catch_up()?;
        let reading = self.time.read(service.latest());
        service.set_clock_fault(reading.fault);
        Ok(reading.now)
    }

    /// Decides and commits `command` for `ctx`; a refusal is an [`ApiError::Refused`].
    pub async fn submit(
        self: &Arc<Self>,
        ctx: CallContext,
        command: Command,
    ) -> Result<Decision, ApiError> {
        // A token whose principal the directory does not know is refused before the engine
        // decides, in the same call on the writer (one round trip, on the state it decides on).
        let outcome = self
            .with_service(move |svc, now| match &ctx.caller {
                Some(me) if !in_directory(svc, me, now)? => Ok(Err(me.to_string())),
                _ => svc.submit(&command, &ctx, now).map(Ok),
            })
            .await?;
        let decision = outcome.map_err(|me| {
            tracing::warn!(caller = %me, "refused: the caller is not in the directory");
            ApiError::UnknownPrincipal(me)
        })?;
        accepted(decision)
    }

    /// Answers `query` on a reader.
    pub async fn query(self: &Arc<Self>, query: Query) -> Result<QueryResult, ApiError> {
        self.with_reader(move |s, now| s.query(&query, now)).await
    }
}

/// Whether the directory knows `principal` (the core's `access` query answers for it).
fn in_directory<S: Store>(
    svc: &mut Service<S>,
    principal: &str,
    now: Instant,
) -> Result<bool, ServiceError> {
    let q = Query::Access {
        principal_id: principal.into(),
    };
    Ok(matches!(svc.query(&q, now)?, QueryResult::Access(Some(_))))
}

/// The decision if the engine accepted the command, else its refusal.
pub(super) fn accepted(decision: Decision) -> Result<Decision, ApiError> {
    match decision.error {
        Some(e) => Err(ApiError::Refused(e)),
        None => Ok(decision),
    }
}
