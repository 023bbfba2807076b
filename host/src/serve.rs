//! `pim-host serve`: the HTTP API over the guest and a SQLite or PostgreSQL database (see
//! [`Database`]; on PostgreSQL a follower catches the readers up when another host commits),
//! with a demo tenant,
//! a background tick, a clock witness shared with the other hosts on the database, graceful
//! shutdown and a snapshot on the way out. Under `--read-only` it opens the database read-only
//! and writes nothing: no seeding, no tick, no witness of its own, no snapshots, and every write
//! route refused (403 `readOnlyHost`); it still follows what writers append.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pim_core::scenario::{ScenarioFile, Verb};
use pim_core::{CallContext, Command, DecisionError};
use serde_json::json;

use crate::clock::SystemClock;
use crate::guest::Guest;
use crate::http::{ApiError, AppState, ConfigError, ServerConfig, TokenEntry, router};
use crate::service::{Service, ServiceError};
use crate::store::{AnyStore, Chain, Database, Store, StoreError, StoreOptions};
use crate::trusted_time::{
    DEFAULT_MAX_SKEW, LIVE_INTERVALS, SystemMonotonic, TrustedTime, warm_up, witness_round,
};

/// The seed walkthrough the demo tenant comes from.
const SEED: &str = include_str!("../../tests/scenarios/seed-exchange-admin-walkthrough.json");

/// Why the server could not start, seed the demo tenant or run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The config file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `PIM_LOG_KEY` is set but empty.
    #[error(transparent)]
    Key(#[from] crate::store::chain::EmptyKey),
    /// The database could not be opened.
    #[error("cannot open `{database}`")]
    Open {
        /// The database (a URL without its password).
        database: String,
        /// Why.
        source: StoreError,
    },
    /// Loading the log into the guest, or a command while seeding, failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The seed scenario does not fit the wire shapes.
    #[error("the seed scenario is invalid")]
    Seed(#[from] serde_json::Error),
    /// The engine refused a seed command.
    #[error("seeding failed: {}: {}", .0.code, .0.message)]
    SeedRefused(DecisionError),
    /// The listen address could not be bound.
    #[error("cannot listen on `{listen}`")]
    Bind {
        /// The address.
        listen: String,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while serving.
    #[error("serving failed")]
    Io(#[from] std::io::Error),
    /// The notification channels could not be set up.
    #[error("notifications: {0}")]
    Outbox(String),
    /// A clock skew the peers' witnesses cannot resolve.
    #[error(
        "a maximum clock skew of {seconds} s is too small: hosts see each other's clocks only \
         to within a witness interval, so it must be at least {MIN_MAX_SKEW_SECONDS} s"
    )]
    MaxClockSkew {
        /// The skew asked for.
        seconds: u64,
    },
}

/// The smallest `--max-clock-skew` accepted: peers' clocks are known to within a witness
/// interval (2 s) plus the store's latency, and a skew near that would fault correct hosts.
pub const MIN_MAX_SKEW_SECONDS: u64 = 10;

/// The skew allowed: the option, else the config's, else [`DEFAULT_MAX_SKEW`]; at least
/// [`MIN_MAX_SKEW_SECONDS`].
pub fn max_skew(option: Option<u64>, config: Option<u64>) -> Result<Duration, ServeError> {
    match option.or(config) {
        None => Ok(DEFAULT_MAX_SKEW),
        Some(seconds) if seconds < MIN_MAX_SKEW_SECONDS => {
            Err(ServeError::MaxClockSkew { seconds })
        }
        Some(seconds) => Ok(Duration::from_secs(seconds)),
    }
}

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The database: a SQLite file or a PostgreSQL URL.
    pub database: Database,
    /// The config file (tokens, listen address).
    pub config: Option<PathBuf>,
    /// Overrides the config's listen address.
    pub listen: Option<String>,
    /// Seeds the demo tenant into an empty database and adds its tokens.
    pub demo: bool,
    /// Seconds between ticks (expiries, time-outs).
    pub tick_seconds: u64,
    /// Events between memory snapshots (0: only at shutdown).
    pub snapshot_every: u64,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// Guest instances that answer queries, besides the one that decides.
    pub readers: usize,
    /// Seconds this host's clock may be off before it refuses to write (overrides the
    /// config's; default [`DEFAULT_MAX_SKEW`]).
    pub max_clock_skew: Option<u64>,
    /// Opens the database read-only and writes nothing (every write route is refused).
    pub read_only: bool,
}

/// The demo callers: Aymen (Global Administrator) and User1, both with MFA.
pub fn demo_tokens() -> Vec<TokenEntry> {
    ["aymen", "user1"]
        .into_iter()
        .map(|p| TokenEntry {
            token: format!("{p}-token"),
            principal: p.into(),
            mfa: true,
            auth_context: Vec::new(),
        })
        .collect()
}

/// Seeds the walkthrough's tenant (directory, role settings, and Aymen making User1 eligible
/// for Exchange Administrator for 30 days from now) into an empty log; not while the clock is
/// untrusted.
pub fn seed_demo<S: Store>(
    service: &mut Service<S>,
    time: &TrustedTime,
) -> Result<bool, ServeError> {
    if service.head() > 0 {
        return Ok(false);
    }
    let reading = time.read(service.latest());
    if let Some(fault) = reading.fault {
        tracing::warn!("not seeding the demo tenant: {fault}");
        return Ok(false);
    }
    let file = ScenarioFile::from_json(SEED)?;
    let now = reading.now;
    let system = CallContext::system();
    file.tenant()
        .set_up(|c| service.submit(&c, &system, now))
        .map_err(|e| match e {
            pim_core::SetupError::Failed(e) => ServeError::Service(e),
            pim_core::SetupError::Refused(refusal) => ServeError::SeedRefused(refusal),
        })?;
    // The walkthrough's first step, starting now.
    if let Some(step) = file.steps.first()
        && let Verb::Request { kind, body } = &step.verb
    {
        let mut body = serde_json::to_value(body)?;
        body["scheduleInfo"]["startDateTime"] = json!(pim_core::time::format_instant(&now));
        // A GUID, as a Graph client's requests get, so the schedule is named after it.
        body["id"] = json!(uuid::Uuid::new_v4().to_string());
        let command = Command::Request {
            kind: *kind,
            body: Box::new(serde_json::from_value(body)?),
        };
        let ctx = CallContext {
            caller: step.caller.as_deref().map(Into::into),
            mfa: true,
            auth_context: Vec::new(),
        };
        let d = service.submit(&command, &ctx, now)?;
        refused(d)?;
    }
    Ok(true)
}

/// A refused seed command is an error.
fn refused(d: pim_core::Decision) -> Result<(), ServeError> {
    d.error.map_or(Ok(()), |e| Err(ServeError::SeedRefused(e)))
}

/// SIGINT or SIGTERM. The handlers are registered when this is called, not when the future is
/// first polled, so a signal that arrives as soon as the server says it listens is a clean
/// shutdown, not the default action (death by the signal).
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down");
    })
}

/// Ctrl-C (where there are no Unix signals).
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn serve(guest: Arc<Guest>, options: ServeOptions) -> Result<(), ServeError> {
    let mut config = match &options.config {
        Some(p) => ServerConfig::load(p)?,
        None => ServerConfig::default(),
    };
    let skew = max_skew(options.max_clock_skew, config.max_clock_skew_seconds)?;
    let time = Arc::new(TrustedTime::new(
        Arc::new(SystemClock),
        Arc::new(SystemMonotonic::new()),
        skew,
    ));
    let store_options = StoreOptions {
        read_only: options.read_only,
        chain: Chain::from_env()?,
    };
    let (mut service, readers, witnesses) = {
        let (database, store_options, n) =
            (options.database.clone(), store_options, options.readers);
        // The PostgreSQL client blocks on a runtime of its own: not on an async thread.
        tokio::task::spawn_blocking(move || open_all(guest, &database, &store_options, n))
            .await
            .map_err(std::io::Error::other)??
    };
    // Loading is done: meet the live peers right before the first reading, and keep meeting.
    let witnesses = Arc::new(Mutex::new(witnesses));
    meet_peers(&time, &witnesses).await?;
    let witness = spawn_witness(time.clone(), witnesses.clone());
    if options.demo {
        if service.is_read_only() {
            tracing::info!("read-only: the demo tenant is not seeded");
        } else if tokio::task::block_in_place(|| seed_demo(&mut service, &time))? {
            tracing::info!(events = service.head(), "seeded the demo tenant");
        }
        if config.tokens.is_empty() {
            config.tokens = demo_tokens();
            config.demo_sign_in = true;
        }
    }
    if config.tokens.is_empty() && config.oidc.is_none() {
        tracing::warn!("no callers configured: every request will be refused (see --config)");
    }
    let n_readers = readers.len();
    let state = AppState::with_time(service, readers, time.clone(), &config)?;
    spawn_follower(&options.database, &state, n_readers);
    state.load_keys().await?;
    if !options.read_only {
        // What time caused while the host was down is committed before it says it listens;
        // the ticker then runs every `tick_seconds`.
        first_tick(&state).await;
    }
    // The outbox, delivered continuously by a writing host with a channel configured
    // (host/README.md, "Notifications").
    let notifications = config.notifications.as_ref().filter(|_| !options.read_only);
    let outbox = crate::outbox::spawn(state.clone(), &options.database, notifications)
        .await
        .map_err(|e| ServeError::Outbox(e.to_string()))?;
    let shutdown = {
        let (signal, state) = (shutdown_signal()?, state.clone());
        // The event streams never end by themselves: a graceful shutdown ends them.
        async move {
            signal.await;
            state.close_streams();
        }
    };
    let listener = listen(&options, &config).await?;
    if options.read_only {
        tracing::info!("read-only: no ticks, no snapshots, writes refused");
        axum::serve(listener, router(state, options.max_body))
            .with_graceful_shutdown(shutdown)
            .await?;
        witness.abort();
        return Ok(());
    }
    let ticker = spawn_ticker(state.clone(), options.tick_seconds, options.snapshot_every);
    axum::serve(listener, router(state.clone(), options.max_body))
        .with_graceful_shutdown(shutdown)
        .await?;
    ticker.abort();
    if let Some(outbox) = outbox {
        outbox.abort();
    }
    witness.abort();
    let host = time.host().to_owned();
    let gone = tokio::task::spawn_blocking(move || lock(&witnesses).remove_witness(&host)).await;
    if !matches!(gone, Ok(Ok(()))) {
        tracing::warn!(?gone, "could not remove this host's clock witness");
    }
    let seq = state.with_service(|svc, _| Ok(svc.snapshot()?.seq)).await;
    match seq {
        Ok(seq) => tracing::info!(seq, "snapshot saved; bye"),
        Err(e) => tracing::warn!(?e, "no snapshot at shutdown"),
    }
    Ok(())
}

/// On PostgreSQL: a thread that catches the readers up as soon as another host commits
/// (`LISTEN pim_events`, see [`crate::store::postgres::follow`]), so a read rarely waits for a
/// catch-up; it reconnects after a disconnect and looks every few seconds without a
/// notification. It ends when the server's state is gone.
fn spawn_follower(database: &Database, state: &Arc<AppState<AnyStore>>, readers: usize) {
    let Database::Postgres(url) = database else {
        return;
    };
    let (url, state) = (url.clone(), Arc::downgrade(state));
    let handle = tokio::runtime::Handle::current();
    let follower = move || {
        crate::store::postgres::follow(&url, |heard| {
            let Some(state) = state.upgrade() else {
                return false;
            };
            let started = std::time::Instant::now();
            let mut caught_up = 0;
            handle.block_on(async {
                // Each call takes the next reader in turn (the writer when there are none).
                for _ in 0..readers.max(1) {
                    match state.with_reader(|svc, _| Ok(svc.head())).await {
                        Ok(head) => caught_up = head,
                        Err(e) => {
                            tracing::warn!(?e, "following the log: a reader did not catch up");
                        }
                    }
                }
            });
            crate::store::postgres::report_follower(|s| {
                s.heard = s.heard.max(heard).max(caught_up);
                s.caught_up = caught_up;
                s.last_catch_up_millis = started.elapsed().as_millis() as u64;
            });
            true
        });
    };
    if let Err(e) = std::thread::Builder::new()
        .name("pim-follower".into())
        .spawn(follower)
    {
        tracing::warn!(error = %e, "no follower: readers catch up on each request");
    }
}

/// The database's store.
fn store(db: &Database, options: &StoreOptions) -> Result<AnyStore, ServeError> {
    db.open(options).map_err(|source| ServeError::Open {
        database: db.to_string(),
        source,
    })
}

/// The writer, `readers` readers and the store the clock witnesses go through, each on its
/// own connection.
#[allow(clippy::type_complexity)]
fn open_all(
    guest: Arc<Guest>,
    db: &Database,
    options: &StoreOptions,
    readers: usize,
) -> Result<(Service<AnyStore>, Vec<Service<AnyStore>>, AnyStore), ServeError> {
    let service = open(guest, db, options)?;
    let readers = (0..readers)
        .map(|_| open_reader(&service, db, options))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((service, readers, store(db, options)?))
}

/// The deciding service over `db`, loaded after checking the log's chain (a broken chain is an
/// error naming the first bad sequence number).
fn open(
    guest: Arc<Guest>,
    db: &Database,
    options: &StoreOptions,
) -> Result<Service<AnyStore>, ServeError> {
    let store = store(db, options)?;
    let started = std::time::Instant::now();
    let service = Service::open(guest, store)?;
    let (snapshot, applied) = service.loaded();
    let metrics = crate::metrics::metrics();
    metrics
        .loaded_snapshot
        .set(i64::try_from(snapshot).unwrap_or(i64::MAX));
    metrics
        .loaded_events
        .set(i64::try_from(applied).unwrap_or(i64::MAX));
    tracing::info!(
        events = service.head(),
        snapshot,
        applied,
        millis = started.elapsed().as_millis() as u64,
        db = %db,
        kind = db.kind(),
        "loaded"
    );
    Ok(service)
}

/// A reading service over its own connection to `db`, with the writer's guest; a break in the
/// log it finds stops the writer too.
fn open_reader(
    writer: &Service<AnyStore>,
    db: &Database,
    options: &StoreOptions,
) -> Result<Service<AnyStore>, ServeError> {
    let mut reader = Service::open(writer.guest().clone(), store(db, options)?)?;
    reader.share_integrity(writer);
    Ok(reader)
}

/// Binds the listen address (the option, else the config's, else `127.0.0.1:8080`) and
/// prints it (with the demo tokens first, under `--demo`).
async fn listen(
    options: &ServeOptions,
    config: &ServerConfig,
) -> Result<tokio::net::TcpListener, ServeError> {
    let listen = options
        .listen
        .clone()
        .or(config.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(source) => return Err(ServeError::Bind { listen, source }),
    };
    let addr: SocketAddr = listener.local_addr()?;
    if options.demo {
        for t in &config.tokens {
            println!("token for {}: {}", t.principal, t.token);
        }
    }
    // Scripts and tests read this line; nothing is printed to stdout after it.
    println!("listening on http://{addr}");
    tracing::info!(%addr, "listening");
    Ok(listener)
}

/// What one tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// The clock is not trusted: nothing was decided or written.
    Skipped,
    /// `events` were committed; a snapshot was saved at `snapshot`, if one was due.
    Ran {
        /// Events committed.
        events: usize,
        /// The snapshot's sequence number.
        snapshot: Option<u64>,
    },
}

/// One background tick at the trusted instant: commits what time alone causes, then saves a
/// snapshot if `snapshot_every` (0: never) events passed since `last_snapshot`. Skipped while
/// the clock is not trusted.
pub async fn tick_once<S: Store + 'static>(
    state: &Arc<AppState<S>>,
    snapshot_every: u64,
    last_snapshot: u64,
) -> Result<Tick, ApiError> {
    state
        .with_service(move |svc, now| {
            if svc.clock_fault().is_some() {
                return Ok(Tick::Skipped);
            }
            let events = svc.tick(now)?;
            let mut snapshot = None;
            if snapshot_every > 0 && svc.head() >= last_snapshot.saturating_add(snapshot_every) {
                snapshot = Some(svc.snapshot()?.seq);
            }
            Ok(Tick::Ran { events, snapshot })
        })
        .await
}

/// The tick at start, before the server listens.
async fn first_tick<S: Store + 'static>(state: &Arc<AppState<S>>) {
    match tick_once(state, 0, 0).await {
        Ok(Tick::Ran { events, .. }) if events > 0 => tracing::info!(events, "tick"),
        Ok(_) => {}
        Err(e) => tracing::warn!(?e, "tick failed"),
    }
}

/// How often the ticker checks the whole chain again, so an edit below what the host has read
/// is found while it runs (about 0.1 s per 100,000 events), not only at the next start.
const RECHECK_EVERY: Duration = Duration::from_secs(300);

/// Ticks every `every` seconds (at least 1), snapshotting after every `snapshot_every` events
/// (0: never).
fn spawn_ticker<S: Store + 'static>(
    state: Arc<AppState<S>>,
    every: u64,
    snapshot_every: u64,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let period = Duration::from_secs(every.max(1));
        // The first tick ran before the server listened.
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let mut last_snapshot = 0u64;
        let mut last_recheck = std::time::Instant::now();
        loop {
            interval.tick().await;
            if last_recheck.elapsed() >= RECHECK_EVERY {
                last_recheck = std::time::Instant::now();
                if let Err(e) = state.with_service(|svc, _| svc.recheck_chain()).await {
                    tracing::warn!(?e, "the event log's chain no longer verifies");
                }
            }
            match tick_once(&state, snapshot_every, last_snapshot).await {
                Ok(Tick::Ran { events, snapshot }) => {
                    if events > 0 {
                        tracing::info!(events, "tick");
                    }
                    if let Some(seq) = snapshot {
                        last_snapshot = seq;
                        tracing::info!(seq, "snapshot");
                    }
                }
                // The fault itself is logged once, by the trusted time.
                Ok(Tick::Skipped) => {}
                Err(e) => tracing::warn!(?e, "tick failed"),
            }
        }
    })
}

fn lock(store: &Mutex<AnyStore>) -> std::sync::MutexGuard<'_, AnyStore> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Before the first reading: watches the other hosts' clock witnesses until each has beaten
/// (at most [`LIVE_INTERVALS`] rounds), so a host starting with a wrong clock meets its live
/// peers before it trusts itself.
async fn meet_peers(
    time: &Arc<TrustedTime>,
    store: &Arc<Mutex<AnyStore>>,
) -> Result<(), ServeError> {
    let (time, store) = (time.clone(), store.clone());
    let every = time.interval();
    tokio::task::spawn_blocking(move || {
        warm_up(&time, &mut *lock(&store), LIVE_INTERVALS, || {
            std::thread::sleep(every);
        })
    })
    .await
    .map_err(std::io::Error::other)?
    .map_err(|e| ServeError::Service(e.into()))
}

/// Every witness interval: reads the other hosts' clock witnesses and, while this host's clock
/// is trusted, writes its own.
fn spawn_witness(
    time: Arc<TrustedTime>,
    store: Arc<Mutex<AnyStore>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(time.interval());
        loop {
            interval.tick().await;
            let (time, store) = (time.clone(), store.clone());
            let r =
                tokio::task::spawn_blocking(move || witness_round(&time, &mut *lock(&store))).await;
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "clock witness round failed"),
                Err(e) => tracing::warn!(error = %e, "clock witness round failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skew_is_the_option_else_the_config_else_two_minutes_and_never_tiny() {
        assert_eq!(max_skew(None, None).ok(), Some(Duration::from_secs(120)));
        assert_eq!(max_skew(None, Some(30)).ok(), Some(Duration::from_secs(30)));
        assert_eq!(
            max_skew(Some(60), Some(30)).ok(),
            Some(Duration::from_secs(60))
        );
        assert_eq!(max_skew(Some(10), None).ok(), Some(Duration::from_secs(10)));
        let e = max_skew(Some(9), None).expect_err("too small");
        assert!(e.to_string().contains("at least 10 s"), "{e}");
        assert!(max_skew(None, Some(0)).is_err());
    }
}
