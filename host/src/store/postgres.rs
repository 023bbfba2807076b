//! The PostgreSQL store: the same contract as the SQLite one, for many hosts on one log.
//!
//! An append runs in one transaction: it reads the head, refuses a stale `expected`
//! ([`StoreError::Conflict`]), and inserts the events with their links of the hash chain. Two
//! hosts appending after the same sequence number both insert row `expected + 1`; the primary
//! key lets one commit and the other fails with a unique violation, reported as a conflict
//! (nothing of it was written). The transaction also sends `NOTIFY pim_events, '<head>'`, so
//! hosts that `LISTEN` learn of the commit when it happens ([`follow`]).
//!
//! The tables come from the SQL files under `host/migrations/postgres/`, applied in order under
//! an advisory lock and recorded in `schema_migrations` ([`migrate`]). `meta` records the log
//! format (`log_format`) and the chain's kind and key id, as SQLite's `meta` does.
//!
//! Connections use TLS when the connection string asks for it (`sslmode=verify-full`, with
//! `sslrootcert`; [`super::postgres_tls`]), else none.
//! The client is the synchronous `postgres` crate; it runs its own small runtime, so a store
//! is used from blocking threads (as every store already is, under `spawn_blocking`).

use std::time::Duration;

use pim_core::{Event, LOG_FORMAT_VERSION};
use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, GenericClient, NoTls};

use super::StoreOptions;
use super::chain::{Breach, Chain, ChainHead, GENESIS, Hash, Walk, from_hex, to_hex};
use super::postgres_tls::{Target, connector};
use super::{ClockWitness, Snapshot, Store, StoreError};

/// The migrations, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "event_log",
        include_str!("../../migrations/postgres/0001_event_log.sql"),
    ),
    (
        2,
        "outbox",
        include_str!("../../migrations/postgres/0002_outbox.sql"),
    ),
];

/// The newest migration this build knows.
pub fn newest() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// The channel appends notify on; the payload is the new head.
pub const CHANNEL: &str = "pim_events";

/// The advisory lock key migrations hold (any fixed number; "pim" in ASCII).
const MIGRATION_LOCK: i64 = 0x70_69_6d;

/// An event log in a PostgreSQL database.
pub struct PostgresStore {
    /// `None` only while dropping (see the `Drop` impl).
    client: Option<Client>,
    /// Where to reconnect.
    url: String,
    chain: Chain,
    read_only: bool,
    /// The last position this connection verified (read, checked or appended itself).
    verified: Option<ChainHead>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("chain", &self.chain)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            close_off_async(client);
        }
    }
}

/// The client closes its connection on a runtime of its own, which must not start on an async
/// thread (where a store may be dropped at shutdown): it is dropped on a thread of its own.
pub(crate) fn close_off_async(client: Client) {
    let _ = std::thread::spawn(move || drop(client)).join();
}

/// Opens a connection to `url` (a `postgres://` URL or key=value string), over TLS when its
/// `sslmode` asks for it ([`super::postgres_tls`]).
pub fn connect(url: &str) -> Result<Client, StoreError> {
    let target = Target::parse(url)?;
    let mut config: postgres::Config = target.rest.parse()?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    Ok(match &target.tls {
        None => config.ssl_mode(SslMode::Disable).connect(NoTls)?,
        Some(roots) => config
            .ssl_mode(SslMode::Require)
            .connect(connector(roots)?)?,
    })
}

/// Applies the migrations not yet recorded in `schema_migrations`, each in its own
/// transaction, under an advisory lock so hosts starting together apply each once. Returns the
/// versions applied.
pub fn migrate(client: &mut Client) -> Result<Vec<i32>, StoreError> {
    let mut applied = Vec::new();
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )?;
    let recorded: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )?
        .get(0);
    let supported = newest();
    if recorded > supported {
        return Err(StoreError::NewerSchema {
            found: u32::try_from(recorded).unwrap_or(0),
            supported: u32::try_from(supported).unwrap_or(0),
        });
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > recorded) {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )?;
        applied.push(*version);
    }
    tx.commit()?;
    Ok(applied)
}

impl PostgresStore {
    /// Connects to `url` and opens the log as `options` say: a writable open applies the
    /// migrations and records the log format and the chain on an empty database; a read-only
    /// open writes nothing and refuses a database not migrated yet.
    pub fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let mut client = connect(url)?;
        if options.read_only {
            let migrated: bool = client
                .query_one(
                    "SELECT to_regclass('schema_migrations') IS NOT NULL
                        AND to_regclass('meta') IS NOT NULL",
                    &[],
                )?
                .get(0);
            if !migrated {
                return Err(StoreError::Unmigrated { found: 0 });
            }
        } else {
            migrate(&mut client)?;
            record_meta(&mut client, &options.chain)?;
        }
        check_format(&mut client)?;
        check_chain(&mut client, &options.chain)?;
        Ok(PostgresStore {
            client: Some(client),
            url: url.to_owned(),
            chain: options.chain.clone(),
            read_only: options.read_only,
            verified: None,
        })
    }

    /// The chain's kind: `sha256` or `hmac-sha256`.
    pub fn chain_kind(&self) -> &'static str {
        self.chain.kind()
    }

    /// The connection, opened again if the last one closed (the server restarted or dropped
    /// it): the call that found it broken failed, the next one reconnects. A failed append is
    /// never retried here: whether it committed is for the caller to learn from the log.
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            tracing::warn!("reconnecting to the database");
            let fresh = connect(&self.url)?;
            if let Some(old) = self.client.replace(fresh) {
                close_off_async(old);
            }
        }
        // INVARIANT: `client` was set just above if it was `None`.
        Ok(self.client.as_mut().unwrap_or_else(|| unreachable!()))
    }

    fn refuse_if_read_only(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        Ok(())
    }

    /// Where the chain stands after event `seq`, from its stored link; if this connection
    /// verified `seq` itself, the stored link must still be the one it verified.
    fn anchor(&mut self, seq: u64) -> Result<ChainHead, StoreError> {
        let hash = stored_link(self.client()?, seq)?;
        if self
            .verified
            .is_some_and(|v| v.seq == seq && v.hash != hash)
        {
            return Err(broken(seq, Breach::Altered));
        }
        Ok(ChainHead { seq, hash })
    }

    /// The append's transaction; a unique violation on `events.seq` is another host's commit.
    fn append_in(&mut self, expected: u64, events: &[Event]) -> Result<ChainHead, StoreError> {
        let verified = self.verified;
        let chain = self.chain.clone();
        let mut tx = self.client()?.transaction()?;
        let actual = head_of(&mut tx)?;
        if actual > expected {
            return Err(StoreError::Conflict { expected, actual });
        }
        if actual < expected {
            // The log lost events this host had read: its tail was cut.
            return Err(broken(actual + 1, Breach::Missing { found: None }));
        }
        let mut prev = stored_link(&mut tx, expected)?;
        if verified.is_some_and(|v| v.seq == expected && v.hash != prev) {
            return Err(broken(expected, Breach::Altered));
        }
        let insert =
            tx.prepare("INSERT INTO events (seq, at, body, hash) VALUES ($1, $2, $3, $4)")?;
        let mut seq = expected;
        for e in events {
            seq = seq.saturating_add(1);
            let body = serde_json::to_string(e).map_err(|err| StoreError::Corrupt {
                seq,
                reason: err.to_string(),
            })?;
            prev = chain.link(&prev, seq, body.as_bytes());
            let at = pim_core::time::format_instant(&e.at());
            tx.execute(&insert, &[&to_i64(seq), &at, &body, &to_hex(&prev)])?;
        }
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &seq.to_string()])?;
        tx.commit()?;
        Ok(ChainHead { seq, hash: prev })
    }
}

fn broken(seq: u64, breach: Breach) -> StoreError {
    StoreError::Broken { seq, breach }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn head_of(client: &mut impl GenericClient) -> Result<u64, StoreError> {
    let head: i64 = client
        .query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM events", &[])?
        .get(0);
    Ok(u64::try_from(head).unwrap_or(0))
}

/// The stored link of event `seq` ([`GENESIS`] for 0).
fn stored_link(client: &mut impl GenericClient, seq: u64) -> Result<Hash, StoreError> {
    if seq == 0 {
        return Ok(GENESIS);
    }
    let row = client.query_opt("SELECT hash FROM events WHERE seq = $1", &[&to_i64(seq)])?;
    match row {
        None => Err(broken(seq, Breach::Missing { found: None })),
        Some(row) => from_hex(row.get::<_, &str>(0)).ok_or(broken(seq, Breach::NoLink)),
    }
}

fn meta(client: &mut impl GenericClient, key: &str) -> Result<Option<String>, StoreError> {
    Ok(client
        .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
        .map(|r| r.get(0)))
}

/// On a log without them yet: the log format and the chain given (never overwriting).
fn record_meta(client: &mut Client, chain: &Chain) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    let insert = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
    tx.execute(insert, &[&"log_format", &LOG_FORMAT_VERSION.to_string()])?;
    // The chain is the one of the first host that opened the log, while it holds no events.
    if meta(&mut tx, "chain")?.is_none() && head_of(&mut tx)? == 0 {
        tx.execute(insert, &[&"chain", &chain.kind()])?;
        if let Some(id) = chain.key_id() {
            tx.execute(insert, &[&"key_id", &id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// A log written in a newer format than this build reads is refused.
fn check_format(client: &mut Client) -> Result<(), StoreError> {
    let found = meta(client, "log_format")?
        .map_or(Ok(1), |v| v.parse::<u32>())
        .unwrap_or(u32::MAX);
    if found > LOG_FORMAT_VERSION {
        return Err(StoreError::NewerFormat {
            found,
            supported: LOG_FORMAT_VERSION,
        });
    }
    Ok(())
}

/// The chain's kind and key as `meta` records them must be the ones given.
fn check_chain(client: &mut Client, chain: &Chain) -> Result<(), StoreError> {
    let kind = meta(client, "chain")?.unwrap_or_default();
    let key_id = meta(client, "key_id")?;
    if kind != chain.kind() || key_id != chain.key_id() {
        let describe = |kind: &str, id: Option<&str>| match id {
            Some(id) => format!("{kind} with key {id}"),
            None => format!("{kind} without a key"),
        };
        return Err(StoreError::ChainMismatch {
            recorded: describe(&kind, key_id.as_deref()),
            given: describe(chain.kind(), chain.key_id().as_deref()),
        });
    }
    Ok(())
}

/// Walks the stored events after `from` up to `last`, checking each link; `each` sees every
/// event's body.
fn walk(
    client: &mut Client,
    chain: &Chain,
    (from, last): (ChainHead, u64),
    mut each: impl FnMut(u64, &[u8]) -> Result<(), StoreError>,
) -> Result<ChainHead, StoreError> {
    let rows = client.query(
        "SELECT seq, body, hash FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq",
        &[&to_i64(from.seq), &to_i64(last)],
    )?;
    let mut walk = Walk::after(chain, from);
    for row in rows {
        let body: &str = row.get(1);
        walk.step(row.get(0), body.as_bytes(), row.get(2))
            .map_err(|(seq, breach)| broken(seq, breach))?;
        each(walk.head().seq, body.as_bytes())?;
    }
    Ok(walk.head())
}

impl Store for PostgresStore {
    fn head(&mut self) -> Result<u64, StoreError> {
        head_of(self.client()?)
    }

    fn events_after(&mut self, seq: u64) -> Result<Vec<Event>, StoreError> {
        self.events_between(seq, u64::MAX)
    }

    /// The events after `seq`, each checked against the chain from event `seq`'s link.
    fn events_between(&mut self, seq: u64, last: u64) -> Result<Vec<Event>, StoreError> {
        let from = self.anchor(seq)?;
        let chain = self.chain.clone();
        let mut events = Vec::new();
        let head = walk(self.client()?, &chain, (from, last), |seq, body| {
            let event = serde_json::from_slice(body).map_err(|e| StoreError::Corrupt {
                seq,
                reason: e.to_string(),
            })?;
            events.push(event);
            Ok(())
        })?;
        self.verified = Some(head);
        Ok(events)
    }

    fn append(&mut self, expected: u64, events: &[Event]) -> Result<u64, StoreError> {
        self.refuse_if_read_only()?;
        match self.append_in(expected, events) {
            Ok(head) => {
                self.verified = Some(head);
                Ok(head.seq)
            }
            Err(StoreError::Postgres(e))
                if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                    || e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE) =>
            {
                // Another host committed after `expected` between our read and our insert (a
                // unique violation on `seq`; under serializable isolation, as on CockroachDB,
                // a serialization failure): nothing of this append was written.
                let actual = head_of(self.client()?)?;
                Err(StoreError::Conflict { expected, actual })
            }
            Err(e) => Err(e),
        }
    }

    /// Stores the snapshot with the link of the event it was taken at.
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.refuse_if_read_only()?;
        let head = self.anchor(snapshot.seq)?;
        let mut tx = self.client()?.transaction()?;
        tx.execute("DELETE FROM snapshots", &[])?;
        tx.execute(
            "INSERT INTO snapshots (seq, guest, memory, head_hash) VALUES ($1, $2, $3, $4)",
            &[
                &to_i64(snapshot.seq),
                &snapshot.guest,
                &snapshot.memory,
                &head.hex(),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The newest snapshot, if the link it was taken at is still the log's link at its
    /// sequence number (else none: the caller replays the log, which names any break).
    fn latest_snapshot(&mut self, guest: &str) -> Result<Option<Snapshot>, StoreError> {
        let row = self.client()?.query_opt(
            "SELECT seq, memory, head_hash FROM snapshots WHERE guest = $1
             ORDER BY seq DESC LIMIT 1",
            &[&guest],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let snapshot = Snapshot {
            seq: u64::try_from(row.get::<_, i64>(0)).unwrap_or(0),
            guest: guest.to_owned(),
            memory: row.get(1),
        };
        let taken_at = from_hex(row.get::<_, &str>(2));
        let link = stored_link(self.client()?, snapshot.seq);
        super::linked_snapshot(snapshot, taken_at, link)
    }

    fn verify(&mut self) -> Result<ChainHead, StoreError> {
        let genesis = ChainHead {
            seq: 0,
            hash: GENESIS,
        };
        let chain = self.chain.clone();
        let head = walk(self.client()?, &chain, (genesis, u64::MAX), |_, _| Ok(()))?;
        self.verified = Some(head);
        Ok(head)
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn kind(&self) -> &'static str {
        "postgres"
    }

    // --- Clock witnesses ---

    fn put_witness(&mut self, w: &ClockWitness) -> Result<(), StoreError> {
        self.refuse_if_read_only()?;
        self.client()?.execute(
            "INSERT INTO clock_witnesses (host, at, beat) VALUES ($1, $2, $3)
             ON CONFLICT (host) DO UPDATE SET at = excluded.at, beat = excluded.beat",
            &[
                &w.host,
                &pim_core::time::format_instant(&w.at),
                &to_i64(w.beat),
            ],
        )?;
        Ok(())
    }

    fn witnesses(&mut self) -> Result<Vec<ClockWitness>, StoreError> {
        let rows = self.client()?.query(
            "SELECT host, at, beat FROM clock_witnesses ORDER BY host",
            &[],
        )?;
        let mut witnesses = Vec::new();
        for row in rows {
            // A row that does not parse is another build's or a corrupt one: no witness.
            if let Ok(at) = pim_core::time::parse_instant(row.get::<_, &str>(1)) {
                let beat = u64::try_from(row.get::<_, i64>(2)).unwrap_or(0);
                witnesses.push(ClockWitness {
                    host: row.get(0),
                    at,
                    beat,
                });
            }
        }
        Ok(witnesses)
    }

    fn remove_witness(&mut self, host: &str) -> Result<(), StoreError> {
        self.refuse_if_read_only()?;
        self.client()?
            .execute("DELETE FROM clock_witnesses WHERE host = $1", &[&host])?;
        Ok(())
    }
}

/// How long a follower waits for a notification before it looks anyway (a notification lost
/// with a dropped connection is caught up within this).
pub const SLOW_POLL: Duration = Duration::from_secs(5);

/// How long a follower waits before reconnecting after the connection failed.
pub const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// What this process's follower knows, for `/healthz` (one follower per serving process).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowerStatus {
    /// Whether it is listening now.
    pub connected: bool,
    /// The newest head a notification named.
    pub heard: u64,
    /// The head the readers were at after its last catch-up.
    pub caught_up: u64,
    /// How long its last catch-up took after the notification arrived, in milliseconds.
    pub last_catch_up_millis: u64,
}

static FOLLOWER: std::sync::Mutex<Option<FollowerStatus>> = std::sync::Mutex::new(None);

/// This process's follower's status (`None`: no follower runs).
pub fn follower_status() -> Option<FollowerStatus> {
    *FOLLOWER.lock().unwrap_or_else(|p| p.into_inner())
}

/// Updates this process's follower status.
pub fn report_follower(update: impl FnOnce(&mut FollowerStatus)) {
    let mut status = FOLLOWER.lock().unwrap_or_else(|p| p.into_inner());
    update(status.get_or_insert_with(FollowerStatus::default));
}

/// Follows the log's commits by `LISTEN pim_events`: calls `caught_up` with the head each
/// notification names (0 when it looks without one: after connecting and every
/// [`SLOW_POLL`]), reconnecting after [`RECONNECT_AFTER`] when the connection drops. Runs
/// until `caught_up` returns false; blocks, so it runs on a thread of its own.
pub fn follow(url: &str, mut caught_up: impl FnMut(u64) -> bool) {
    loop {
        match listen(url, &mut caught_up) {
            Ok(()) => return,
            Err(e) => {
                report_follower(|s| s.connected = false);
                tracing::warn!(error = %e, "following the log: reconnecting");
                if !caught_up(0) {
                    return;
                }
                std::thread::sleep(RECONNECT_AFTER);
            }
        }
    }
}

/// One connection's worth of [`follow`]: `Ok` when `caught_up` asked to stop.
fn listen(url: &str, caught_up: &mut impl FnMut(u64) -> bool) -> Result<(), StoreError> {
    let mut client = connect(url)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    report_follower(|s| s.connected = true);
    // What was committed while this follower was not listening.
    if !caught_up(0) {
        return Ok(());
    }
    loop {
        let next = client.notifications().timeout_iter(SLOW_POLL).next()?;
        let seq = match next {
            Some(n) => {
                // Commits that came together are caught up at once: the newest head.
                let mut seq: u64 = n.payload().parse().unwrap_or(0);
                let mut notifications = client.notifications();
                let mut pending = notifications.iter();
                while let Some(n) = pending.next()? {
                    seq = seq.max(n.payload().parse().unwrap_or(0));
                }
                seq
            }
            None => {
                // A timeout, or a connection that closed: a query tells them apart.
                client.simple_query("SELECT 1")?;
                0
            }
        };
        if !caught_up(seq) {
            return Ok(());
        }
    }
}
