//! `Store`: the durable event log (and memory snapshots of the guest) behind a host.
//!
//! Events are numbered 1, 2, 3, … in commit order. An append names the sequence number the
//! caller last saw (`expected`): if another writer appended since, the append fails with
//! [`StoreError::Conflict`] and writes nothing, so two hosts on one log never both commit a
//! decision made on stale state (optimistic concurrency).

mod memory;
mod sqlite;

pub use memory::MemoryStore;
pub use sqlite::SqliteStore;

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
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
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
    /// Appends `events` after `expected` and returns the new head. The events are durable when
    /// this returns; on [`StoreError::Conflict`] nothing was written.
    fn append(&mut self, expected: u64, events: &[Event]) -> Result<u64, StoreError>;
    /// Stores a snapshot (replacing older ones).
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError>;
    /// The newest snapshot made by the guest with this digest.
    fn latest_snapshot(&mut self, guest: &str) -> Result<Option<Snapshot>, StoreError>;

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
