//! An index from a record's id to its slot that stores only the slot: the id is read back from
//! the record itself, so a million schedules do not keep a second pointer to each id's text in
//! a map key.

use core::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// Slots by the id of the record in each slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct SlotsById {
    // INVARIANT: each entry is the slot of a record whose id hashes (with `hasher`) to the
    // entry's hash; no two entries' records share an id.
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl SlotsById {
    /// The slot of the record with `id`; `id_at` reads the id of the record in a slot (a
    /// `dyn`, so that every user of this index shares one copy of hashbrown's code).
    pub(crate) fn get<'a>(&self, id: &str, id_at: &dyn Fn(u32) -> Option<&'a str>) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |&slot| id_at(slot) == Some(id))
            .copied()
    }

    /// Records that the record with `id` is in `slot` (replacing any slot `id` had); every
    /// slot already recorded must be readable through `id_at`.
    pub(crate) fn insert<'a>(
        &mut self,
        id: &str,
        slot: u32,
        id_at: &dyn Fn(u32) -> Option<&'a str>,
    ) {
        let hash = self.hasher.hash_one(id);
        if let Some(s) = self.table.find_mut(hash, |&s| id_at(s) == Some(id)) {
            *s = slot;
            return;
        }
        let hasher = &self.hasher;
        self.table.insert_unique(hash, slot, |&s| {
            hasher.hash_one(id_at(s).unwrap_or_default())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::SlotsById;
    use alloc::format;
    use alloc::string::String;
    use alloc::vec::Vec;

    #[test]
    fn finds_every_slot_by_its_records_id_through_growth() {
        // Slot 1000 holds a second record with the id of slot 7.
        let mut ids: Vec<String> = (0..1000).map(|i| format!("s-{i}")).collect();
        ids.push(String::from("s-7"));
        let mut index = SlotsById::default();
        let id_at = &|s: u32| ids.get(s as usize).map(String::as_str);
        for (slot, id) in ids.iter().enumerate().take(1000) {
            index.insert(id, slot as u32, id_at);
        }
        for (slot, id) in ids.iter().enumerate().take(1000) {
            assert_eq!(index.get(id, id_at), Some(slot as u32));
        }
        assert_eq!(index.get("s-1000", id_at), None);
        index.insert("s-7", 1000, id_at);
        assert_eq!(
            index.get("s-7", id_at),
            Some(1000),
            "an id inserted again moves"
        );
        assert_eq!(index.get("s-8", id_at), Some(8));
    }
}
