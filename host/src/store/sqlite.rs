//! The SQLite store: WAL journal, `synchronous=FULL` (a commit is on disk before `append`
//! returns), and a `BEGIN IMMEDIATE` transaction that checks the head before writing, so two
//! processes on one database never both append after the same sequence number.

use std::path::Path;
use std::time::Duration;

use pim_core::{Event, LOG_FORMAT_VERSION};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{ClockWitness, Snapshot, Store, StoreError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq  INTEGER PRIMARY KEY,
    at   TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    seq    INTEGER NOT NULL,
    guest  TEXT NOT NULL,
    memory BLOB NOT NULL,
    PRIMARY KEY (guest, seq)
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

/// An event log in a SQLite database.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        SqliteStore::init(Connection::open(path)?)
    }

    /// A private in-memory database (the real SQL, no file).
    pub fn in_memory() -> Result<Self, StoreError> {
        SqliteStore::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(WITNESS_SCHEMA)?;
        SqliteStore::check_format(&conn)?;
        Ok(SqliteStore { conn })
    }

    /// Records the log format in `PRAGMA user_version`, or refuses a log written in a newer
    /// format than this build reads. Version 0 is a log written before the format was
    /// recorded, which is format 1.
    fn check_format(conn: &Connection) -> Result<(), StoreError> {
        let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > LOG_FORMAT_VERSION {
            return Err(StoreError::NewerFormat {
                found,
                supported: LOG_FORMAT_VERSION,
            });
        }
        if found < LOG_FORMAT_VERSION {
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
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn head(&mut self) -> Result<u64, StoreError> {
        SqliteStore::head_of(&self.conn)
    }

    fn events_after(&mut self, seq: u64) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, body FROM events WHERE seq > ?1 ORDER BY seq")?;
        let rows = stmt.query_map([to_i64(seq)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut events = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            let event = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                seq: u64::try_from(seq).unwrap_or(0),
                reason: e.to_string(),
            })?;
            events.push(event);
        }
        Ok(events)
    }

    fn append(&mut self, expected: u64, events: &[Event]) -> Result<u64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actual = SqliteStore::head_of(&tx)?;
        if actual != expected {
            return Err(StoreError::Conflict { expected, actual });
        }
        let mut seq = expected;
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO events (seq, at, body) VALUES (?1, ?2, ?3)")?;
            for e in events {
                seq = seq.saturating_add(1);
                let body = serde_json::to_string(e).map_err(|err| StoreError::Corrupt {
                    seq,
                    reason: err.to_string(),
                })?;
                let at = pim_core::time::format_instant(&e.at());
                insert.execute(params![to_i64(seq), at, body])?;
            }
        }
        tx.commit()?;
        Ok(seq)
    }

    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM snapshots", [])?;
        tx.execute(
            "INSERT INTO snapshots (seq, guest, memory) VALUES (?1, ?2, ?3)",
            params![to_i64(snapshot.seq), snapshot.guest, snapshot.memory],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn latest_snapshot(&mut self, guest: &str) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, memory FROM snapshots WHERE guest = ?1 ORDER BY seq DESC LIMIT 1",
                [guest],
                |r| {
                    Ok(Snapshot {
                        seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        guest: guest.to_owned(),
                        memory: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    // --- Clock witnesses ---

    fn put_witness(&mut self, w: &ClockWitness) -> Result<(), StoreError> {
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
        self.conn
            .execute("DELETE FROM clock_witnesses WHERE host = ?1", [host])?;
        Ok(())
    }
}
