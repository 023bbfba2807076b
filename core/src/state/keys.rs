//! The (principal, role) indexes of the schedules: each entry holds only the slots, and its key
//! is read back from the first schedule it lists, so a million keys cost no copy of their ids.
//! Looked up with borrowed strings, so reads allocate nothing.

use core::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::Slots;
use crate::schedule::Schedule;

/// Schedule slots by the (principal, role) of the schedules in them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ByHolder {
    // INVARIANT: every entry is non-empty and all its slots are schedules of one (principal,
    // role), whose hash (with `hasher`) is the entry's.
    table: HashTable<Slots<u32>>,
    hasher: DefaultHashBuilder,
}

/// The (principal, role) of the schedule in `slot`.
fn key_at(rows: &[Schedule], slot: u32) -> Option<(&str, &str)> {
    rows.get(slot as usize)
        .map(|s| (s.principal_id.as_str(), s.role_definition_id.as_str()))
}

fn first_key<'a>(rows: &'a [Schedule], slots: &Slots<u32>) -> Option<(&'a str, &'a str)> {
    slots.as_slice().first().and_then(|s| key_at(rows, *s))
}

impl ByHolder {
    /// The slots `principal` holds directly for `role`.
    pub(crate) fn get(&self, rows: &[Schedule], principal: &str, role: &str) -> &[u32] {
        let hash = self.hasher.hash_one((principal, role));
        self.table
            .find(hash, |slots| {
                first_key(rows, slots) == Some((principal, role))
            })
            .map_or(&[], Slots::as_slice)
    }

    /// Adds `slot`, a schedule already in `rows`, under its (principal, role).
    pub(crate) fn push(&mut self, rows: &[Schedule], slot: u32) {
        let Some(key) = key_at(rows, slot) else {
            return;
        };
        let hash = self.hasher.hash_one(key);
        if let Some(slots) = self
            .table
            .find_mut(hash, |slots| first_key(rows, slots) == Some(key))
        {
            slots.push(slot);
            return;
        }
        let hasher = &self.hasher;
        self.table.insert_unique(hash, Slots::One(slot), |slots| {
            hasher.hash_one(first_key(rows, slots).unwrap_or_default())
        });
    }

    /// Takes `slot`, a schedule in `rows`, out from under its (principal, role).
    pub(crate) fn remove(&mut self, rows: &[Schedule], slot: u32) {
        let Some(key) = key_at(rows, slot) else {
            return;
        };
        let hash = self.hasher.hash_one(key);
        let Ok(mut entry) = self
            .table
            .find_entry(hash, |slots| first_key(rows, slots) == Some(key))
        else {
            return;
        };
        entry.get_mut().retain(|s| *s != slot);
        if entry.get().is_empty() {
            entry.remove();
        }
    }
}
