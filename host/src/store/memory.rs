//! The in-memory store: for tests and throw-away runs. Clones share one log, like two
//! connections to one database.

use std::sync::{Arc, Mutex};

use pim_core::Event;

use super::chain::{Chain, ChainHead, GENESIS};
use super::{ClockWitness, Snapshot, Store, StoreError};

#[derive(Debug, Default)]
struct Log {
    events: Vec<Event>,
    snapshot: Option<Snapshot>,
    /// Clock witnesses by host.
    witnesses: std::collections::BTreeMap<String, ClockWitness>,
}

/// An event log in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    log: Arc<Mutex<Log>>,
}

impl MemoryStore {
    /// An empty log.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store for MemoryStore {
    fn reads_on_async_threads(&self) -> bool {
        true
    }
    fn head(&mut self) -> Result<u64, StoreError> {
        Ok(self.log().events.len() as u64)
    }

    fn events_after(&mut self, seq: u64) -> Result<Vec<Event>, StoreError> {
        let log = self.log();
        let from = usize::try_from(seq).unwrap_or(usize::MAX);
        Ok(log.events.get(from..).unwrap_or_default().to_vec())
    }

    fn append(&mut self, expected: u64, events: &[Event]) -> Result<u64, StoreError> {
        let mut log = self.log();
        let actual = log.events.len() as u64;
        if actual != expected {
            return Err(StoreError::Conflict { expected, actual });
        }
        log.events.extend_from_slice(events);
        Ok(log.events.len() as u64)
    }

    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.log().snapshot = Some(snapshot.clone());
        Ok(())
    }

    fn latest_snapshot(&mut self, guest: &str) -> Result<Option<Snapshot>, StoreError> {
        Ok(self.log().snapshot.clone().filter(|s| s.guest == guest))
    }

    /// The plain chain over the events as the SQLite store would store them; memory cannot be
    /// tampered with from outside, so this only gives the head's hash.
    fn verify(&mut self) -> Result<ChainHead, StoreError> {
        let chain = Chain::plain();
        let mut head = ChainHead {
            seq: 0,
            hash: GENESIS,
        };
        for e in &self.log().events {
            let seq = head.seq.saturating_add(1);
            let body = serde_json::to_string(e).map_err(|err| StoreError::Corrupt {
                seq,
                reason: err.to_string(),
            })?;
            head = ChainHead {
                seq,
                hash: chain.link(&head.hash, seq, body.as_bytes()),
            };
        }
        Ok(head)
    }

    // --- Clock witnesses ---

    fn put_witness(&mut self, w: &ClockWitness) -> Result<(), StoreError> {
        self.log().witnesses.insert(w.host.clone(), w.clone());
        Ok(())
    }

    fn witnesses(&mut self) -> Result<Vec<ClockWitness>, StoreError> {
        Ok(self.log().witnesses.values().cloned().collect())
    }

    fn remove_witness(&mut self, host: &str) -> Result<(), StoreError> {
        self.log().witnesses.remove(host);
        Ok(())
    }
}
