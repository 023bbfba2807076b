//! `TrustedTime`: the one place a serving host takes `now` from, and the judge of whether its
//! wall clock may stamp events (docs/semantics.md, "Time: which clock pim trusts").
//!
//! A wall reading is trusted when it agrees, within `max_skew`, with the median of the live
//! peers' clocks (hosts on the same store, through their [`ClockWitness`] rows), else with
//! this host's own last trusted reading carried forward by a monotonic clock that counts
//! suspend, else (a host's first reading with no live peer) by default. A reading behind the
//! log's latest event by more than `max_skew` is never trusted. While the clock is not
//! trusted the host refuses to write and answers reads at its trusted estimate; it recovers by
//! itself when a reading agrees again.

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeDelta;
use pim_core::time::{Instant, format_instant};

use crate::clock::Clock;
use crate::store::{ClockWitness, Store, StoreError};

/// The default `max_skew`: how far a reading may be from the trusted estimate.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(120);
/// The default time between two witness rounds (read the peers, write this host's row).
pub const WITNESS_INTERVAL: Duration = Duration::from_secs(2);
/// A peer is live while its latest beat was first seen less than this many intervals ago.
pub const LIVE_INTERVALS: u32 = 5;

/// A clock that never steps and keeps counting while the machine is suspended: the elapsed
/// time between two readings is real time.
pub trait Monotonic: Send + Sync {
    /// Time since an arbitrary origin fixed for the process.
    fn now(&self) -> Duration;
}

/// The system's monotonic clock: `CLOCK_BOOTTIME` on Linux (counts suspend), else
/// [`std::time::Instant`] (which on some systems stops during suspend: a resume then looks
/// like a wall-clock step and is refused until the anchor and the wall agree again).
#[derive(Debug, Clone, Copy)]
pub struct SystemMonotonic {
    #[cfg(not(target_os = "linux"))]
    origin: std::time::Instant,
}

impl SystemMonotonic {
    /// The system's monotonic clock.
    pub fn new() -> Self {
        SystemMonotonic {
            #[cfg(not(target_os = "linux"))]
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for SystemMonotonic {
    fn default() -> Self {
        SystemMonotonic::new()
    }
}

impl Monotonic for SystemMonotonic {
    #[cfg(target_os = "linux")]
    fn now(&self) -> Duration {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        Duration::new(
            u64::try_from(t.tv_sec).unwrap_or(0),
            u32::try_from(t.tv_nsec).unwrap_or(0),
        )
    }

    #[cfg(not(target_os = "linux"))]
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A monotonic clock that moves only when told to: for tests.
#[derive(Debug, Default)]
pub struct ManualMonotonic {
    now: Mutex<Duration>,
}

impl ManualMonotonic {
    /// A clock at zero.
    pub fn new() -> Self {
        ManualMonotonic::default()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.saturating_add(by);
    }
}

impl Monotonic for ManualMonotonic {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a reading was compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// The median of this many live peers' clocks.
    Peers(usize),
    /// This host's last trusted reading, carried forward by its monotonic clock.
    Anchor,
    /// The log's latest event.
    Log,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Peers(1) => f.write_str("the clock of the 1 live peer host"),
            Reference::Peers(n) => write!(f, "the median clock of {n} live peer hosts"),
            Reference::Anchor => {
                f.write_str("this host's last trusted reading plus the time elapsed since")
            }
            Reference::Log => f.write_str("the latest event in the log"),
        }
    }
}

/// Why a wall-clock reading is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockFault {
    /// The wall clock's reading.
    pub reading: Instant,
    /// What it should be near.
    pub expected: Instant,
    /// Where `expected` comes from.
    pub against: Reference,
    /// The skew allowed.
    pub max_skew: TimeDelta,
}

impl ClockFault {
    /// `reading - expected` in whole seconds (positive: the clock is ahead).
    pub fn offset_seconds(&self) -> i64 {
        (self.reading - self.expected).num_seconds()
    }
}

impl fmt::Display for ClockFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = self.offset_seconds();
        let side = if offset >= 0 { "ahead of" } else { "behind" };
        write!(
            f,
            "this host's clock is not trusted: it reads {}, {} s {side} {} ({}); it writes \
             nothing until its clock is within {} s again",
            format_instant(&self.reading),
            offset.unsigned_abs(),
            self.against,
            format_instant(&self.expected),
            self.max_skew.num_seconds()
        )
    }
}

impl std::error::Error for ClockFault {}

/// What [`judge`] weighs.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The wall clock's reading.
    pub wall: Instant,
    /// The live peers' clocks, extrapolated to now.
    pub peers: Vec<Instant>,
    /// The last trusted reading carried forward to now, if this host has one.
    pub anchored: Option<Instant>,
    /// The log's latest event, if any.
    pub log_latest: Option<Instant>,
    /// The skew allowed.
    pub max_skew: TimeDelta,
}

/// The instant to use and whether the wall clock may stamp events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The instant every decision, tick, query and check of this call uses.
    pub now: Instant,
    /// Why writes are refused, if they are.
    pub fault: Option<ClockFault>,
}

/// The median of `times` (the mean of the middle two for an even count); `None` if empty.
pub fn median(times: &[Instant]) -> Option<Instant> {
    let mut sorted = times.to_vec();
    sorted.sort();
    let n = sorted.len();
    let upper = *sorted.get(n / 2)?;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = sorted[n / 2 - 1];
    Some(lower + (upper - lower) / 2)
}

/// The trust rule. The estimate is the peers' median, else the anchor, else the reading
/// itself; the reading is trusted when within `max_skew` of the estimate and not behind the
/// log's latest event by more than `max_skew`. `now` is the reading (trusted) or the estimate
/// (not), raised to the log's latest event when that is ahead by at most `max_skew` (hosts'
/// clocks differ a little; the engine refuses time going backwards).
pub fn judge(e: &Evidence) -> Reading {
    let (estimate, against) = match (median(&e.peers), e.anchored) {
        (Some(m), _) => (m, Some(Reference::Peers(e.peers.len()))),
        (None, Some(a)) => (a, Some(Reference::Anchor)),
        (None, None) => (e.wall, None),
    };
    let fault = |expected, against| ClockFault {
        reading: e.wall,
        expected,
        against,
        max_skew: e.max_skew,
    };
    let mut result = match against {
        Some(against) if (e.wall - estimate).abs() > e.max_skew => Reading {
            now: estimate,
            fault: Some(fault(estimate, against)),
        },
        _ => Reading {
            now: e.wall,
            fault: None,
        },
    };
    if let Some(latest) = e.log_latest {
        if latest - result.now > e.max_skew {
            if result.fault.is_none() {
                result.fault = Some(fault(latest, Reference::Log));
            }
        } else {
            result.now = result.now.max(latest);
        }
    }
    result
}

/// A peer as this host last saw it.
#[derive(Debug, Clone)]
struct Peer {
    beat: u64,
    at: Instant,
    /// This host's monotonic time when it first saw `beat`.
    seen: Duration,
    /// Whether this host has seen the beat change (a row alone may be a dead host's).
    confirmed: bool,
}

#[derive(Debug, Default)]
struct State {
    /// The last trusted reading: (wall, monotonic).
    anchor: Option<(Instant, Duration)>,
    peers: BTreeMap<String, Peer>,
    /// The latest event instant any caller reported.
    log_latest: Option<Instant>,
    /// The last judgement.
    last: Option<Reading>,
    /// How many times the clock went from trusted to not trusted.
    faults: u64,
    beat: u64,
}

/// This host's clock state, for `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockHealth {
    /// Whether the clock may stamp events.
    pub trusted: bool,
    /// The wall clock minus the trusted estimate, in seconds.
    pub offset_seconds: i64,
    /// Why it is not trusted.
    pub reason: Option<String>,
    /// How many times the clock went from trusted to not trusted since the host started.
    pub faults: u64,
    /// How many peer hosts are live.
    pub live_peers: usize,
    /// The skew allowed, in seconds.
    pub max_skew_seconds: i64,
}

/// The wall clock judged against the peers, the anchor and the log.
pub struct TrustedTime {
    wall: Arc<dyn Clock>,
    mono: Arc<dyn Monotonic>,
    max_skew: TimeDelta,
    interval: Duration,
    host: String,
    state: Mutex<State>,
}

impl fmt::Debug for TrustedTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedTime")
            .field("host", &self.host)
            .field("max_skew", &self.max_skew)
            .finish_non_exhaustive()
    }
}

impl TrustedTime {
    /// Trusted time over a wall clock and a monotonic clock, allowing `max_skew`, with a random
    /// host id and the default witness interval.
    pub fn new(wall: Arc<dyn Clock>, mono: Arc<dyn Monotonic>, max_skew: Duration) -> Self {
        TrustedTime {
            wall,
            mono,
            max_skew: TimeDelta::from_std(max_skew).unwrap_or(TimeDelta::MAX),
            interval: WITNESS_INTERVAL,
            host: random_host_id(),
            state: Mutex::new(State::default()),
        }
    }

    /// The same with another witness interval (liveness is measured in intervals).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// This host's id in the witness table.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The skew allowed.
    pub fn max_skew(&self) -> TimeDelta {
        self.max_skew
    }

    /// The time between two witness rounds.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the wall clock and judges it, given the log's latest event as the caller's
    /// service holds it. A trusted reading becomes the anchor; a change of verdict is logged.
    pub fn read(&self, log_latest: Option<Instant>) -> Reading {
        let mut state = self.state();
        if let Some(l) = log_latest {
            state.log_latest = Some(state.log_latest.map_or(l, |s| s.max(l)));
        }
        self.judge_locked(&mut state)
    }

    fn judge_locked(&self, state: &mut State) -> Reading {
        let mono = self.mono.now();
        let wall = self.wall.now();
        let evidence = Evidence {
            wall,
            peers: self.live_peers(state, mono),
            anchored: state
                .anchor
                .map(|(w, m)| w + TimeDelta::from_std(mono.saturating_sub(m)).unwrap_or_default()),
            log_latest: state.log_latest,
            max_skew: self.max_skew,
        };
        let reading = judge(&evidence);
        if state.anchor.is_none() && reading.fault.is_none() {
            self.first_reading(&evidence);
        }
        if reading.fault.is_none() {
            state.anchor = Some((wall, mono));
        }
        self.transition(state, &reading);
        state.last = Some(reading.clone());
        reading
    }

    /// A first reading with no live peer is trusted: warn when it is far past the log.
    fn first_reading(&self, e: &Evidence) {
        if e.peers.is_empty()
            && let Some(latest) = e.log_latest
            && e.wall - latest > TimeDelta::days(1)
        {
            tracing::warn!(
                clock = %format_instant(&e.wall),
                log_latest = %format_instant(&latest),
                "this host's clock is more than a day past the log's latest event and no peer \
                 host can confirm it; it is trusted (a lone host cannot tell a wrong clock from \
                 a long downtime)"
            );
        }
    }

    fn transition(&self, state: &mut State, reading: &Reading) {
        let was = state.last.as_ref().map(|r| r.fault.is_some());
        match (&reading.fault, was) {
            (Some(fault), Some(false) | None) => {
                state.faults = state.faults.saturating_add(1);
                tracing::warn!(
                    offset_seconds = fault.offset_seconds(),
                    faults = state.faults,
                    "clock fault: {fault}"
                );
            }
            (None, Some(true)) => tracing::warn!(
                clock = %format_instant(&reading.now),
                "clock trusted again: writes resume"
            ),
            _ => {}
        }
    }

    /// The live peers' clocks, extrapolated to `mono`.
    fn live_peers(&self, state: &State, mono: Duration) -> Vec<Instant> {
        let window = self.interval.saturating_mul(LIVE_INTERVALS);
        state
            .peers
            .values()
            .filter(|p| p.confirmed && mono.saturating_sub(p.seen) <= window)
            .map(|p| p.at + TimeDelta::from_std(mono.saturating_sub(p.seen)).unwrap_or_default())
            .collect()
    }

    /// Takes in the witness rows read from the store: a peer whose beat changed since the last
    /// look is live from now on (for [`LIVE_INTERVALS`] intervals); rows that are gone are
    /// forgotten. This host's own row is ignored.
    pub fn observe(&self, witnesses: &[ClockWitness]) {
        let mono = self.mono.now();
        let mut state = self.state();
        state
            .peers
            .retain(|host, _| witnesses.iter().any(|w| &w.host == host));
        for w in witnesses.iter().filter(|w| w.host != self.host) {
            let fresh = Peer {
                beat: w.beat,
                at: w.at,
                seen: mono,
                confirmed: false,
            };
            let peer = state.peers.entry(w.host.clone()).or_insert(fresh);
            if peer.beat != w.beat {
                *peer = Peer {
                    beat: w.beat,
                    at: w.at,
                    seen: mono,
                    confirmed: true,
                };
            }
        }
    }

    /// Whether every peer row seen so far has been seen to beat (or there is none).
    pub fn peers_settled(&self) -> bool {
        self.state().peers.values().all(|p| p.confirmed)
    }

    /// This host's next witness row, if its clock is trusted now; `None` otherwise (a host
    /// whose clock is faulted must not sway the others).
    pub fn witness(&self) -> Option<ClockWitness> {
        let mut state = self.state();
        let reading = self.judge_locked(&mut state);
        if reading.fault.is_some() {
            return None;
        }
        state.beat = state.beat.saturating_add(1);
        Some(ClockWitness {
            host: self.host.clone(),
            at: self.wall_of(&state),
            beat: state.beat,
        })
    }

    /// The anchor's wall reading (the reading just trusted).
    fn wall_of(&self, state: &State) -> Instant {
        state.anchor.map_or_else(|| self.wall.now(), |(w, _)| w)
    }

    /// The clock's state, judged now.
    pub fn health(&self) -> ClockHealth {
        let mut state = self.state();
        let reading = self.judge_locked(&mut state);
        let live_peers = self.live_peers(&state, self.mono.now()).len();
        ClockHealth {
            trusted: reading.fault.is_none(),
            offset_seconds: reading.fault.as_ref().map_or(0, ClockFault::offset_seconds),
            reason: reading.fault.as_ref().map(ToString::to_string),
            faults: state.faults,
            live_peers,
            max_skew_seconds: self.max_skew.num_seconds(),
        }
    }
}

/// One witness round: reads the peers' rows, then writes this host's if its clock is trusted.
pub fn witness_round<S: Store>(time: &TrustedTime, store: &mut S) -> Result<(), StoreError> {
    time.observe(&store.witnesses()?);
    // A read-only host (`serve --read-only`) reads its peers' witnesses but writes none.
    if !store.is_read_only()
        && let Some(w) = time.witness()
    {
        store.put_witness(&w)?;
    }
    Ok(())
}

/// Before a host's first reading: watches the peers' rows for up to `rounds` rounds (calling
/// `wait` between two), until every peer has been seen to beat, so a host starting with a wrong
/// clock meets its live peers before it trusts itself. Rows of dead hosts cost the full wait.
pub fn warm_up<S: Store>(
    time: &TrustedTime,
    store: &mut S,
    rounds: u32,
    mut wait: impl FnMut(),
) -> Result<(), StoreError> {
    time.observe(&store.witnesses()?);
    for _ in 1..rounds {
        if time.peers_settled() {
            break;
        }
        wait();
        time.observe(&store.witnesses()?);
    }
    Ok(())
}

/// A random id for this process: no two hosts on one store share one.
fn random_host_id() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests;
