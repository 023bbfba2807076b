//! The (principal, role) indexes of the schedules: each entry holds only the slots, and its key
//! is read back from the first schedule it lists, so a million keys cost no copy of their ids.
//! An entry is 8 bytes: the one slot most keys have, inline, or the number of a list kept
//! beside the table for the keys with more. Looked up with borrowed strings, so reads allocate
//! nothing.

use core::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::rows::Rows;
use super::slots::{Listed, Lists};

/// Schedule slots by the (principal, role) of the schedules in them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ByHolder {
    // INVARIANT: every entry holds at least one slot and all its slots are schedules of one
    // (principal, role), whose hash (with `hasher`) is the entry's.
    table: HashTable<Listed<u32>>,
    lists: Lists<u32>,
    hasher: DefaultHashBuilder,
}

fn first_key<'a>(
    rows: &'a Rows,
    lists: &Lists<u32>,
    held: &Listed<u32>,
) -> Option<(&'a str, &'a str)> {
    lists.slice(held).first().and_then(|s| rows.holder(*s))
}

impl ByHolder {
    /// The slots `principal` holds directly for `role`.
    pub(crate) fn get(&self, rows: &Rows, principal: &str, role: &str) -> &[u32] {
        let hash = self.hasher.hash_one((principal, role));
        let lists = &self.lists;
        self.table
            .find(hash, |held| {
                first_key(rows, lists, held) == Some((principal, role))
            })
            .map_or(&[], |held| lists.slice(held))
    }

    /// Adds `slot`, a schedule already in `rows`, under its (principal, role).
    pub(crate) fn push(&mut self, rows: &Rows, slot: u32) {
        let Some(key) = rows.holder(slot) else {
            return;
        };
        let hash = self.hasher.hash_one(key);
        let ByHolder {
            table,
            lists,
            hasher,
        } = self;
        if let Some(held) = table.find_mut(hash, |held| first_key(rows, lists, held) == Some(key)) {
            lists.push(held, slot);
            return;
        }
        table.insert_unique(hash, Listed::One(slot), |held| {
            hasher.hash_one(first_key(rows, lists, held).unwrap_or_default())
        });
    }

    /// Takes `slot`, a schedule in `rows`, out from under its (principal, role).
    pub(crate) fn remove(&mut self, rows: &Rows, slot: u32) {
        let Some(key) = rows.holder(slot) else {
            return;
        };
        let hash = self.hasher.hash_one(key);
        let ByHolder { table, lists, .. } = self;
        let Ok(mut entry) =
            table.find_entry(hash, |held| first_key(rows, lists, held) == Some(key))
        else {
            return;
        };
        if !lists.retain(entry.get_mut(), |s| *s != slot) {
            entry.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ByHolder, Listed, Rows};
    use crate::schedule::{AssignmentType, Schedule};
    use crate::state::rows::Kept;
    use crate::time::parse_instant;

    fn row(principal: &str, role: &str) -> crate::event::SchedulePayload {
        let start = parse_instant("2026-01-01T00:00:00Z").expect("an instant");
        Schedule::assigned(
            "s".into(),
            AssignmentType::Active,
            principal,
            role,
            "/".into(),
            (start, None),
            None,
        )
        .into()
    }

    /// The number in the principal id `p{k}` of the schedule in `slot`.
    fn key_of(rows: &Rows, slot: u32) -> u32 {
        let (principal, _) = rows.holder(slot).expect("a row");
        principal[1..].parse().expect("a number")
    }

    #[test]
    fn keeps_each_keys_slots_through_growth_and_removal() {
        assert_eq!(
            core::mem::size_of::<Listed<u32>>(),
            8,
            "an entry is 8 bytes"
        );
        // 300 keys; key k holds k % 4 + 1 schedules.
        let mut rows = Rows::default();
        for k in 0..300u32 {
            for _ in 0..k % 4 + 1 {
                rows.push(&row(&alloc::format!("p{k}"), "r"), None, Kept::NONE)
                    .expect("room");
            }
        }
        let mut index = ByHolder::default();
        for slot in 0..rows.len() as u32 {
            index.push(&rows, slot);
        }
        let held = |index: &ByHolder, k: u32| index.get(&rows, &alloc::format!("p{k}"), "r").len();
        assert!((0..300).all(|k| held(&index, k) == (k % 4 + 1) as usize));
        assert_eq!(index.get(&rows, "p1", "other"), &[] as &[u32]);
        // Take every schedule of odd keys out, and the first of every even key.
        let mut first = alloc::collections::BTreeSet::new();
        for slot in 0..rows.len() as u32 {
            let k = key_of(&rows, slot);
            if k % 2 == 1 || first.insert(k) {
                index.remove(&rows, slot);
            }
        }
        for k in 0..300 {
            let want = if k % 2 == 1 { 0 } else { (k % 4) as usize };
            assert_eq!(held(&index, k), want, "key p{k}");
        }
        // The odd keys' 150 lists were given back; adding those keys again reuses them.
        let (lists, free) = index.lists.count();
        assert_eq!(free, 150);
        for slot in 0..rows.len() as u32 {
            if key_of(&rows, slot) % 2 == 1 {
                index.push(&rows, slot);
            }
        }
        assert_eq!(index.lists.count(), (lists, 0), "freed lists are reused");
        assert!((0..300).all(|k| held(&index, k)
            == if k % 2 == 1 {
                (k % 4 + 1) as usize
            } else {
                (k % 4) as usize
            }));
    }
}
