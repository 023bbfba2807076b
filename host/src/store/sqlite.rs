//! The SQLite store: WAL journal, `synchronous=FULL` (a commit is on disk before `append`
//! returns), and a `BEGIN IMMEDIATE` transaction that checks the head before writing, so two
//! processes on one database never both append after the same sequence number. Each event row
//! stores its link of the hash chain (`hash`, see [`super::chain`]), computed in that same
//! transaction from the stored head row; each snapshot stores the link it was taken at
//! (`head_hash`). The table `meta` records the store schema ([`STORE_SCHEMA`]) and the chain's
//! kind; `PRAGMA user_version` records the events' format (`pim_core::LOG_FORMAT_VERSION`).

use std::path::Path;
use std::time::Duration;

use pim_core::{Event, LOG_FORMAT_VERSION};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::chain::{Breach, Chain, ChainHead, GENESIS, Hash, Walk, from_hex, to_hex};
use super::{ClockWitness, Snapshot, Store, StoreError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq  INTEGER PRIMARY KEY,
    at   TEXT NOT NULL,
    body TEXT NOT NULL,
    hash TEXT
);
CREATE TABLE IF NOT EXISTS snapshots (
    seq       INTEGER NOT NULL,
    guest     TEXT NOT NULL,
    memory    BLOB NOT NULL,
    head_hash TEXT,
    PRIMARY KEY (guest, seq)
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// Clock witnesses: one row per serving host (docs/semantics.md, "Time: which clock pim
/// trusts"). Kept apart from the log: rows are overwritten, never part of the history.
const WITNESS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS clock_witnesses (
    host TEXT PRIMARY KEY,
    at   TEXT NOT NULL,
    beat INTEGER NOT NULL
);
";

/// The layout of the store's tables, recorded in `meta` under `store_schema`: 1 is the layout
/// before the hash chain (no `meta` table), 2 adds `events.hash`, `snapshots.head_hash` and
/// `meta`.
pub const STORE_SCHEMA: u32 = 2;

/// How to open a [`SqliteStore`].
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Open the database read-only (SQLite's `SQLITE_OPEN_READ_ONLY`): nothing is created,
    /// migrated or written, every write is [`StoreError::ReadOnly`].
    pub read_only: bool,
    /// The chain's kind and key (plain SHA-256 by default).
    pub chain: Chain,
}

/// An event log in a SQLite database.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    chain: Chain,
    read_only: bool,
    /// The last position this connection verified (read, checked or appended itself).
    verified: Option<ChainHead>,
    /// `(data_version, head)`: at that `PRAGMA data_version` the log ended at `head`, as a read
    /// to its end found. While no other connection commits the version stays, so a read after
    /// `head` finds nothing new, and is answered without reading the log.
    quiet: Option<(i64, u64)>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, with the plain chain.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        SqliteStore::open_with(path, &StoreOptions::default())
    }

    /// Opens the database at `path` as `options` say. A writable open creates the tables and
    /// migrates a database without a chain (computing it once); a read-only open of such a
    /// database is [`StoreError::Unmigrated`].
    pub fn open_with(path: &Path, options: &StoreOptions) -> Result<Self, StoreError> {
        if options.read_only {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = Connection::open_with_flags(path, flags)?;
            return SqliteStore::init_read_only(conn, options.chain.clone());
        }
        SqliteStore::init(Connection::open(path)?, options.chain.clone())
    }

    /// A private in-memory database (the real SQL, no file).
    pub fn in_memory() -> Result<Self, StoreError> {
        SqliteStore::init(Connection::open_in_memory()?, Chain::plain())
    }

    fn init(mut conn: Connection, chain: Chain) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(WITNESS_SCHEMA)?;
        SqliteStore::check_format(&conn, true)?;
        migrate(&mut conn, &chain)?;
        Ok(SqliteStore::over(conn, chain, false))
    }

    fn init_read_only(conn: Connection, chain: Chain) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(30))?;
        SqliteStore::check_format(&conn, false)?;
        match store_schema(&conn)? {
            None => return Err(StoreError::Unmigrated { found: 1 }),
            Some(found) if found > STORE_SCHEMA => {
                return Err(StoreError::NewerSchema {
                    found,
                    supported: STORE_SCHEMA,
                });
            }
            Some(_) => {}
        }
        check_chain(&conn, &chain)?;
        Ok(SqliteStore::over(conn, chain, true))
    }

    fn over(conn: Connection, chain: Chain, read_only: bool) -> Self {
        SqliteStore {
            conn,
            chain,
            read_only,
            verified: None,
            quiet: None,
        }
    }

    /// SQLite's count of commits by other connections to this database (`PRAGMA data_version`):
    /// unchanged means nobody else wrote since the last look.
    fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The chain's kind: `sha256` or `hmac-sha256`.
    pub fn chain_kind(&self) -> &'static str {
        self.chain.kind()
    }

    /// Records the log format in `PRAGMA user_version` (when `write`), or refuses a log written
    /// in a newer format than this build reads. Version 0 is a log written before the format
    /// was recorded, which is format 1.
    fn check_format(conn: &Connection, write: bool) -> Result<(), StoreError> {
        let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > LOG_FORMAT_VERSION {
            return Err(StoreError::NewerFormat {
                found,
                supported: LOG_FORMAT_VERSION,
            });
        }
        if write && found < LOG_FORMAT_VERSION {
            // Format 1 is the first: nothing to upcast yet (docs/event-log.md).
            conn.pragma_update(None, "user_version", LOG_FORMAT_VERSION)?;
        }
        Ok(())
    }

    fn head_of(conn: &Connection) -> Result<u64, StoreError> {
        let head: i64 =
            conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?;
        Ok(u64::try_from(head).unwrap_or(0))
    }

    /// Where the chain stands after event `seq`, from its stored link; if this connection
    /// verified `seq` itself, the stored link must still be the one it verified.
    fn anchor(&self, seq: u64) -> Result<ChainHead, StoreError> {
        let hash = stored_link(&self.conn, seq)?;
        if self
            .verified
            .is_some_and(|v| v.seq == seq && v.hash != hash)
        {
            return Err(broken(seq, Breach::Altered));
        }
        Ok(ChainHead { seq, hash })
    }

    fn refuse_if_read_only(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        Ok(())
    }
}

fn broken(seq: u64, breach: Breach) -> StoreError {
    StoreError::Broken { seq, breach }
}

/// The stored link of event `seq` ([`GENESIS`] for 0).
fn stored_link(conn: &Connection, seq: u64) -> Result<Hash, StoreError> {
    if seq == 0 {
        return Ok(GENESIS);
    }
    let stored: Option<Option<String>> = conn
        .query_row(
            "SELECT hash FROM events WHERE seq = ?1",
            [to_i64(seq)],
            |r| r.get(0),
        )
        .optional()?;
    match stored {
        None => Err(broken(seq, Breach::Missing { found: None })),
        Some(link) => link
            .as_deref()
            .and_then(from_hex)
            .ok_or(broken(seq, Breach::NoLink)),
    }
}

/// Walks the stored events after `from` up to `last`, checking each link; `each` sees every
/// event's body.
fn walk(
    conn: &Connection,
    chain: &Chain,
    (from, last): (ChainHead, u64),
    mut each: impl FnMut(u64, &[u8]) -> Result<(), StoreError>,
) -> Result<ChainHead, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, body, hash FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query([to_i64(from.seq), to_i64(last)])?;
    let mut walk = Walk::after(chain, from);
    while let Some(row) = rows.next()? {
        // A body or link of another SQL type does not chain (it is reported, not an error).
        let body = row.get_ref(1)?.as_bytes().unwrap_or_default();
        let link = row.get_ref(2)?.as_str_or_null().ok().flatten();
        walk.step(row.get(0)?, body, link)
            .map_err(|(seq, breach)| broken(seq, breach))?;
        each(walk.head().seq, body)?;
    }
    Ok(walk.head())
}

/// The store schema `meta` records (`None`: none recorded, schema 1).
fn store_schema(conn: &Connection) -> Result<Option<u32>, StoreError> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(None);
    }
    let value = meta(conn, "store_schema")?;
    Ok(value.map(|v| v.parse().unwrap_or(u32::MAX)))
}

fn meta(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// Brings the database to [`STORE_SCHEMA`] in one `BEGIN IMMEDIATE` transaction (so two
/// hosts opening it at once migrate it once), then checks the chain is the one given.
fn migrate(conn: &mut Connection, chain: &Chain) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    match store_schema(&tx)? {
        Some(found) if found > STORE_SCHEMA => {
            return Err(StoreError::NewerSchema {
                found,
                supported: STORE_SCHEMA,
            });
        }
        Some(_) => {}
        None => add_chain(&tx, chain)?,
    }
    check_chain(&tx, chain)?;
    tx.commit()?;
    Ok(())
}

/// Schema 1 to 2: the columns, every event's link (a gap refuses the migration), each
/// snapshot's head link, and `meta`.
fn add_chain(conn: &Connection, chain: &Chain) -> Result<(), StoreError> {
    if !has_column(conn, "events", "hash")? {
        conn.execute_batch("ALTER TABLE events ADD COLUMN hash TEXT")?;
    }
    if !has_column(conn, "snapshots", "head_hash")? {
        conn.execute_batch("ALTER TABLE snapshots ADD COLUMN head_hash TEXT")?;
    }
    let mut links = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT seq, body FROM events ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS;
        while let Some(row) = rows.next()? {
            let expected = links.len() as u64 + 1;
            let seq: i64 = row.get(0)?;
            if u64::try_from(seq).ok() != Some(expected) {
                let found = u64::try_from(seq).ok();
                return Err(broken(expected, Breach::Missing { found }));
            }
            prev = chain.link(
                &prev,
                expected,
                row.get_ref(1)?.as_bytes().unwrap_or_default(),
            );
            links.push(prev);
        }
    }
    let mut update = conn.prepare("UPDATE events SET hash = ?1 WHERE seq = ?2")?;
    for (i, link) in links.iter().enumerate() {
        update.execute(params![to_hex(link), to_i64(i as u64 + 1)])?;
    }
    conn.execute(
        "UPDATE snapshots SET head_hash = CASE WHEN seq = 0 THEN ?1
            ELSE (SELECT hash FROM events WHERE events.seq = snapshots.seq) END",
        [to_hex(&GENESIS)],
    )?;
    set_meta(conn, "store_schema", &STORE_SCHEMA.to_string())?;
    set_meta(conn, "chain", chain.kind())?;
    match chain.key_id() {
        Some(id) => set_meta(conn, "key_id", &id)?,
        None => {
            conn.execute("DELETE FROM meta WHERE key = 'key_id'", [])?;
        }
    }
    Ok(())
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
        [table, column],
        |r| r.get(0),
    )?)
}

/// The chain's kind and key as `meta` records them must be the ones given.
fn check_chain(conn: &Connection, chain: &Chain) -> Result<(), StoreError> {
    let kind = meta(conn, "chain")?.unwrap_or_default();
    let key_id = meta(conn, "key_id")?;
    if kind != chain.kind() || key_id != chain.key_id() {
        return Err(StoreError::ChainMismatch {
            recorded: describe(&kind, key_id.as_deref()),
            given: describe(chain.kind(), chain.key_id().as_deref()),
        });
    }
    Ok(())
}

fn describe(kind: &str, key_id: Option<&str>) -> String {
    match key_id {
        Some(id) => format!("{kind} with key {id}"),
        None => format!("{kind} without a key"),
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn head(&mut self) -> Result<u64, StoreError> {
        SqliteStore::head_of(&self.conn)
    }

    /// The events after `seq`, each checked against the chain from event `seq`'s link; a gap
    /// or a changed event is [`StoreError::Broken`] naming it.
    fn events_after(&mut self, seq: u64) -> Result<Vec<Event>, StoreError> {
        self.events_between(seq, u64::MAX)
    }

    fn events_between(&mut self, seq: u64, last: u64) -> Result<Vec<Event>, StoreError> {
        let version = self.data_version()?;
        if self.quiet == Some((version, seq)) {
            // Nobody committed since a read found the log ending at `seq` (an edit by another
            // connection is a commit too, so it is still found at the next read).
            return Ok(Vec::new());
        }
        let from = self.anchor(seq)?;
        let mut events = Vec::new();
        let head = walk(&self.conn, &self.chain, (from, last), |seq, body| {
            let event = serde_json::from_slice(body).map_err(|e| StoreError::Corrupt {
                seq,
                reason: e.to_string(),
            })?;
            events.push(event);
            Ok(())
        })?;
        self.verified = Some(head);
        // Read before the walk: a commit during it changes the version, so the next read
        // looks again.
        self.quiet = (last == u64::MAX).then_some((version, head.seq));
        Ok(events)
    }

    fn append(&mut self, expected: u64, events: &[Event]) -> Result<u64, StoreError> {
        self.refuse_if_read_only()?;
        // This connection's own commits leave `data_version` as it is: look again after one.
        self.quiet = None;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actual = SqliteStore::head_of(&tx)?;
        if actual > expected {
            return Err(StoreError::Conflict { expected, actual });
        }
        if actual < expected {
            // The log lost events this host had read: its tail was cut.
            return Err(broken(actual + 1, Breach::Missing { found: None }));
        }
        let mut prev = stored_link(&tx, expected)?;
        if self
            .verified
            .is_some_and(|v| v.seq == expected && v.hash != prev)
        {
            return Err(broken(expected, Breach::Altered));
        }
        let mut seq = expected;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (seq, at, body, hash) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in events {
                seq = seq.saturating_add(1);
                let body = serde_json::to_string(e).map_err(|err| StoreError::Corrupt {
                    seq,
                    reason: err.to_string(),
                })?;
                prev = self.chain.link(&prev, seq, body.as_bytes());
                let at = pim_core::time::format_instant(&e.at());
                insert.execute(params![to_i64(seq), at, body, to_hex(&prev)])?;
            }
        }
        tx.commit()?;
        self.verified = Some(ChainHead { seq, hash: prev });
        Ok(seq)
    }

    /// Stores the snapshot with the link of the event it was taken at.
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.refuse_if_read_only()?;
        let head = self.anchor(snapshot.seq)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM snapshots", [])?;
        tx.execute(
            "INSERT INTO snapshots (seq, guest, memory, head_hash) VALUES (?1, ?2, ?3, ?4)",
            params![
                to_i64(snapshot.seq),
                snapshot.guest,
                snapshot.memory,
                head.hex()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The newest snapshot, if the link it was taken at is still the log's link at its
    /// sequence number (else none: the caller replays the log, which names any break).
    fn latest_snapshot(&mut self, guest: &str) -> Result<Option<Snapshot>, StoreError> {
        let found = self
            .conn
            .query_row(
                "SELECT seq, memory, head_hash FROM snapshots WHERE guest = ?1
                 ORDER BY seq DESC LIMIT 1",
                [guest],
                |r| {
                    let snapshot = Snapshot {
                        seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        guest: guest.to_owned(),
                        memory: r.get(1)?,
                    };
                    Ok((snapshot, r.get::<_, Option<String>>(2)?))
                },
            )
            .optional()?;
        let Some((snapshot, head_hash)) = found else {
            return Ok(None);
        };
        let taken_at = head_hash.as_deref().and_then(from_hex);
        let link = stored_link(&self.conn, snapshot.seq);
        super::linked_snapshot(snapshot, taken_at, link)
    }

    fn verify(&mut self) -> Result<ChainHead, StoreError> {
        let genesis = ChainHead {
            seq: 0,
            hash: GENESIS,
        };
        let head = walk(&self.conn, &self.chain, (genesis, u64::MAX), |_, _| Ok(()))?;
        self.verified = Some(head);
        Ok(head)
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn reads_on_async_threads(&self) -> bool {
        true
    }

    // --- Clock witnesses ---

    fn put_witness(&mut self, w: &ClockWitness) -> Result<(), StoreError> {
        self.refuse_if_read_only()?;
        self.conn
            .prepare_cached(
                "INSERT INTO clock_witnesses (host, at, beat) VALUES (?1, ?2, ?3)
                 ON CONFLICT (host) DO UPDATE SET at = excluded.at, beat = excluded.beat",
            )?
            .execute(params![
                w.host,
                pim_core::time::format_instant(&w.at),
                to_i64(w.beat)
            ])?;
        Ok(())
    }

    fn witnesses(&mut self) -> Result<Vec<ClockWitness>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT host, at, beat FROM clock_witnesses ORDER BY host")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut witnesses = Vec::new();
        for row in rows {
            let (host, at, beat) = row?;
            // A row that does not parse is another build's or a corrupt one: no witness.
            if let Ok(at) = pim_core::time::parse_instant(&at) {
                let beat = u64::try_from(beat).unwrap_or(0);
                witnesses.push(ClockWitness { host, at, beat });
            }
        }
        Ok(witnesses)
    }

    fn remove_witness(&mut self, host: &str) -> Result<(), StoreError> {
        self.refuse_if_read_only()?;
        self.conn
            .execute("DELETE FROM clock_witnesses WHERE host = ?1", [host])?;
        Ok(())
    }
}
