//! `Store`: the durable event log (and memory snapshots of the guest) behind a host.
//!
//! Events are numbered 1, 2, 3, … in commit order. An append names the sequence number the
//! caller last saw (`expected`): if another writer appended since, the append fails with
//! [`StoreError::Conflict`] and writes nothing, so two hosts on one log never both commit a
//! decision made on stale state (optimistic concurrency).
//!
//! Every stored event carries a link of a hash chain (see [`chain`] and docs/event-log.md): a
//! missing, reordered or edited event is [`StoreError::Broken`], naming the first bad sequence
//! number, at load and whenever a store reads or appends past it.

mod any;
pub mod chain;
mod memory;
pub mod postgres;
pub mod postgres_tls;
mod sqlite;

pub use any::{AnyStore, Database};
pub use chain::{Breach, Chain, ChainHead};
pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use sqlite::{STORE_SCHEMA, SqliteStore, StoreOptions};

use pim_core::Event;
use pim_core::time::Instant;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended since `expected`; nothing was written.
    #[error("the log moved on: expected sequence {expected}, found {actual}")]
    Conflict {
        /// The sequence number the caller expected to append after.
        expected: u64,
        /// The log's last sequence number.
        actual: u64,
    },
    /// A stored event does not parse (a corrupt or foreign database).
    #[error("stored event {seq} is unreadable: {reason}")]
    Corrupt {
        /// Its sequence number.
        seq: u64,
        /// Why.
        reason: String,
    },
    /// The log was written in a newer format than this build reads.
    #[error("the event log is in format {found}; this pim-host reads formats up to {supported}")]
    NewerFormat {
        /// The format the log records.
        found: u32,
        /// The newest format this build reads.
        supported: u32,
    },
    /// The hash chain is broken: event `seq` is missing or was changed (docs/event-log.md).
    #[error("the event log is broken at sequence {seq}: {breach}")]
    Broken {
        /// The first event that does not chain.
        seq: u64,
        /// How.
        breach: Breach,
    },
    /// A write to a store opened read-only.
    #[error("this host opened the log read-only and writes nothing")]
    ReadOnly,
    /// A read-only open of a database that has no hash chain yet.
    #[error(
        "the database has no hash chain yet (store schema {found}); open it once with a writing \
         pim-host to add it"
    )]
    Unmigrated {
        /// The store schema it records (1: before the chain).
        found: u32,
    },
    /// The database was laid out by a newer host than this one.
    #[error(
        "the database is in store schema {found}; this pim-host reads schemas up to {supported}"
    )]
    NewerSchema {
        /// The schema the database records.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// The chain's kind or key is not the one this host was given.
    #[error("the log's chain is {recorded}, but this host was given {given} (see {var})", var = chain::KEY_VARIABLE)]
    ChainMismatch {
        /// What the database records.
        recorded: String,
        /// What the host was given.
        given: String,
    },
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// The PostgreSQL database failed (or could not be reached).
    #[error("postgresql: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// The connection string cannot be used (an unknown `sslmode`, an unreadable
    /// `sslrootcert`).
    #[error("postgresql connection string: {0}")]
    Config(String),
}

/// A copy of a guest instance's linear memory after applying events `1..=seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The last event the image holds.
    pub seq: u64,
    /// The digest of the guest module the image belongs to.
    pub guest: String,
    /// The memory image.
    pub memory: Vec<u8>,
}

/// A durable, ordered event log.
pub trait Store: Send {
    /// The last sequence number (0 for an empty log).
    fn head(&mut self) -> Result<u64, StoreError>;
    /// The events after `seq`, oldest first.
    fn events_after(&mut self, seq: u64) -> Result<Vec<Event>, StoreError>;
    /// The events after `seq` up to `last` (included), oldest first: what a reader applies
    /// of a log broken after `last`.
    fn events_between(&mut self, seq: u64, last: u64) -> Result<Vec<Event>, StoreError> {
        let mut events = self.events_after(seq)?;
        events.truncate(usize::try_from(last.saturating_sub(seq)).unwrap_or(usize::MAX));
        Ok(events)
    }
    /// Appends `events` after `expected` and returns the new head. The events are durable when
    /// this returns; on [`StoreError::Conflict`] nothing was written.
    fn append(&mut self, expected: u64, events: &[Event]) -> Result<u64, StoreError>;
    /// Stores a snapshot (replacing older ones).
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError>;
    /// The newest snapshot made by the guest with this digest.
    fn latest_snapshot(&mut self, guest: &str) -> Result<Option<Snapshot>, StoreError>;
    /// Checks the whole log's hash chain from the first event and returns where it ends; the
    /// first event that does not chain is [`StoreError::Broken`].
    fn verify(&mut self) -> Result<ChainHead, StoreError>;
    /// Whether this store refuses every write (`serve --read-only`). Anything that writes to
    /// the store's database (events, snapshots, or tables of its own) checks this first.
    fn is_read_only(&self) -> bool {
        false
    }
    /// The kind of database, as `/healthz` reports it: `memory`, `sqlite` or `postgres`.
    fn kind(&self) -> &'static str {
        "memory"
    }
    /// Whether a read may call this store from an async runtime's own thread: its calls are
    /// short and start no runtime of their own. PostgreSQL's synchronous client runs a
    /// runtime of its own, which may not start inside another, so its calls always go to a
    /// blocking thread; the default is that safe answer.
    fn reads_on_async_threads(&self) -> bool {
        false
    }

    // --- Clock witnesses (docs/semantics.md, "Time: which clock pim trusts") ---

    /// Records `witness`, replacing the row of the same host. A store no other host shares
    /// keeps none: the default writes nothing.
    fn put_witness(&mut self, witness: &ClockWitness) -> Result<(), StoreError> {
        let _ = witness;
        Ok(())
    }
    /// Every host's latest witness (this host's too). The default: none.
    fn witnesses(&mut self) -> Result<Vec<ClockWitness>, StoreError> {
        Ok(Vec::new())
    }
    /// Removes `host`'s witness (a host shutting down). The default does nothing.
    fn remove_witness(&mut self, host: &str) -> Result<(), StoreError> {
        let _ = host;
        Ok(())
    }
}

/// One serving host's latest clock reading, as it wrote it to the shared store: hosts on one
/// log check their clocks against each other's (`crate::trusted_time`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockWitness {
    /// The host's id, random per process.
    pub host: String,
    /// The host's wall clock when it wrote the row (a reading it trusted).
    pub at: Instant,
    /// A counter the host raises on every write: a beat that changes means the host is alive.
    pub beat: u64,
}

/// A stored snapshot, kept only while the log's link at its sequence is still the one it was
/// taken at (`link`: the log's link there now). A database failure is an error; any other
/// mismatch (the log was rewritten, the event is gone) leaves the snapshot out.
pub(crate) fn linked_snapshot(
    snapshot: Snapshot,
    taken_at: Option<chain::Hash>,
    link: Result<chain::Hash, StoreError>,
) -> Result<Option<Snapshot>, StoreError> {
    match link {
        Ok(link) if Some(link) == taken_at => Ok(Some(snapshot)),
        Err(e @ (StoreError::Database(_) | StoreError::Postgres(_))) => Err(e),
        _ => {
            tracing::warn!(
                seq = snapshot.seq,
                "ignoring a snapshot whose head hash is not the log's"
            );
            Ok(None)
        }
    }
}

impl StoreError {
    /// The first bad sequence number, if the log failed verification.
    pub fn broken_at(&self) -> Option<u64> {
        match self {
            StoreError::Broken { seq, .. } => Some(*seq),
            _ => None,
        }
    }
}
