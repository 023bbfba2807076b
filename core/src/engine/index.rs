//! The gateway check's grant index, looked up with borrowed strings so that the check allocates
//! nothing.

use alloc::vec::Vec;
use core::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use crate::id::{PrincipalId, RoleDefinitionId, ScopeId};
use crate::schedule::{AssignmentType, Origin, Schedule};
use crate::state::{Listed, Lists};
use crate::time::Instant;

/// One active grant as the check reads it: everything inline, no pointers to follow
/// (32 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grant {
    pub start: Instant,
    pub end: Option<Instant>,
    /// The schedule's slot.
    pub slot: u32,
    /// The interned scope (0 is `/`) in the low 31 bits; the top bit marks an activation.
    scope_and_origin: u32,
}

impl Grant {
    const ACTIVATED: u32 = 1 << 31;

    /// The interned scope; 0 is `/`.
    pub fn scope(&self) -> u32 {
        self.scope_and_origin & !Grant::ACTIVATED
    }

    /// Activated (true) or assigned.
    pub fn activated(&self) -> bool {
        self.scope_and_origin & Grant::ACTIVATED != 0
    }
}

/// One (principal, interned role) and its grants: the one grant most keys have inline, so a
/// key with its grant is 48 bytes in the table.
#[derive(Debug, Clone)]
struct Entry {
    principal: PrincipalId,
    role: u32,
    grants: Listed<Grant>,
}

/// The gateway check's index: for every active schedule not ended by an event, a compact copy
/// of its window and interned scope under (principal, interned role).
#[derive(Debug, Clone)]
pub(crate) struct GrantIndex {
    // INVARIANT: `grants` holds exactly one `Grant` for every active schedule that has not
    // ended by an event (its scope interned below 2^31), in line with the schedule's window,
    // under the hash (with `hasher`) of its (principal, interned role); `sync` is the only
    // writer.
    grants: HashTable<Entry>,
    lists: Lists<Grant>,
    hasher: DefaultHashBuilder,
    role_ids: HashMap<RoleDefinitionId, u32>,
    scope_ids: HashMap<ScopeId, u32>,
    scope_names: Vec<ScopeId>,
}

impl GrantIndex {
    /// An empty index; scope 0 is `/`.
    pub fn new() -> Self {
        GrantIndex {
            grants: HashTable::new(),
            lists: Lists::default(),
            hasher: DefaultHashBuilder::default(),
            role_ids: HashMap::new(),
            scope_ids: HashMap::from_iter([(ScopeId::from("/"), 0)]),
            scope_names: alloc::vec![ScopeId::from("/")],
        }
    }

    /// Brings the grant for the schedule in `slot` in line with the schedule.
    pub fn sync(&mut self, slot: u32, s: &Schedule) {
        if s.kind != AssignmentType::Active {
            return;
        }
        let next_role = u32::try_from(self.role_ids.len()).unwrap_or(u32::MAX);
        let role = *self
            .role_ids
            .entry(s.role_definition_id.clone())
            .or_insert(next_role);
        // Past 2^31 scopes a new scope's grants are not indexed: the check fails closed.
        let Some(scope) = self.scope_id(&s.scope) else {
            return;
        };
        let grant = Grant {
            start: s.start_date_time,
            end: s.end_date_time,
            slot,
            scope_and_origin: if s.origin == Origin::Activated {
                scope | Grant::ACTIVATED
            } else {
                scope
            },
        };
        let hash = self.hasher.hash_one((s.principal_id.as_str(), role));
        let GrantIndex {
            grants,
            lists,
            hasher,
            ..
        } = self;
        let found = grants.find_entry(hash, |e| e.role == role && e.principal == s.principal_id);
        match (found, s.ended.is_none()) {
            (Ok(mut entry), true) => {
                let e = entry.get_mut();
                if lists.retain(&mut e.grants, |g| g.slot != slot) {
                    lists.push(&mut e.grants, grant);
                } else {
                    e.grants = Listed::One(grant);
                }
            }
            (Ok(mut entry), false) => {
                if !lists.retain(&mut entry.get_mut().grants, |g| g.slot != slot) {
                    entry.remove();
                }
            }
            (Err(absent), true) => {
                let entry = Entry {
                    principal: s.principal_id.clone(),
                    role,
                    grants: Listed::One(grant),
                };
                absent.into_table().insert_unique(hash, entry, |e| {
                    hasher.hash_one((e.principal.as_str(), e.role))
                });
            }
            (Err(_), false) => {}
        }
    }

    /// The interned id of `scope` (made on first sight), below 2^31.
    fn scope_id(&mut self, scope: &ScopeId) -> Option<u32> {
        if let Some(id) = self.scope_ids.get(scope.as_str()) {
            return Some(*id);
        }
        let id = u32::try_from(self.scope_names.len())
            .ok()
            .filter(|id| *id < Grant::ACTIVATED)?;
        self.scope_ids.insert(scope.clone(), id);
        self.scope_names.push(scope.clone());
        Some(id)
    }

    /// The grants `principal` holds directly for the interned `role`.
    pub fn grants_of(&self, principal: &str, role: u32) -> &[Grant] {
        let hash = self.hasher.hash_one((principal, role));
        self.grants
            .find(hash, |e| {
                e.role == role && e.principal.as_str() == principal
            })
            .map_or(&[], |e| self.lists.slice(&e.grants))
    }

    /// The interned id of `role`, if any active schedule ever named it.
    pub fn role_id(&self, role: &str) -> Option<u32> {
        self.role_ids.get(role).copied()
    }

    /// The scope an interned id stands for.
    pub fn scope_name(&self, id: u32) -> Option<&str> {
        self.scope_names.get(id as usize).map(ScopeId::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::{Entry, Grant};
    use crate::schedule::Schedule;
    use crate::state::Slots;
    use core::mem::size_of;

    #[test]
    fn a_keys_grants_follow_their_schedules() {
        use super::GrantIndex;
        use crate::schedule::{AssignmentType, EndReason};
        let at = |t: &str| crate::time::parse_instant(t).expect("an instant");
        let grant = |id: &str, scope: &str| {
            Schedule::assigned(
                id.into(),
                AssignmentType::Active,
                "u",
                "r",
                scope.into(),
                (at("2026-01-01T00:00:00Z"), None),
                None,
            )
        };
        let mut index = GrantIndex::new();
        let (a, mut b, c) = (grant("a", "/"), grant("b", "/au"), grant("c", "/"));
        index.sync(0, &a);
        index.sync(1, &b);
        index.sync(2, &c);
        let role = index.role_id("r").expect("interned");
        let slots = |index: &GrantIndex| -> alloc::vec::Vec<u32> {
            index.grants_of("u", role).iter().map(|g| g.slot).collect()
        };
        assert_eq!(slots(&index), [0, 1, 2]);
        b.end_date_time = Some(at("2026-02-01T00:00:00Z"));
        index.sync(1, &b);
        let moved = index.grants_of("u", role).iter().find(|g| g.slot == 1);
        assert_eq!(
            moved.and_then(|g| g.end),
            b.end_date_time,
            "a window change is synced"
        );
        assert_eq!(
            index.scope_name(moved.map_or(0, |g| g.scope())),
            Some("/au")
        );
        for (slot, mut s) in [(0, a), (2, c)] {
            s.ended = Some(EndReason::Removed);
            index.sync(slot, &s);
        }
        assert_eq!(
            slots(&index),
            [1],
            "ended schedules leave, one grant stays inline"
        );
        b.ended = Some(EndReason::Expired);
        index.sync(1, &b);
        assert!(index.grants_of("u", role).is_empty());
        assert!(index.grants_of("v", role).is_empty());
    }

    /// The sizes docs/performance.md accounts a tenant's bytes with; a change that grows one
    /// grows every tenant, and must say so there.
    #[test]
    fn rows_and_entries_keep_their_sizes() {
        assert_eq!(size_of::<Schedule>(), 88, "a schedule's row");
        assert_eq!(size_of::<Slots<u32>>(), 16, "an index entry of slots");
        assert_eq!(size_of::<Grant>(), 32, "a grant");
        assert_eq!(size_of::<Entry>(), 48, "a key and its grants");
        let timeline = size_of::<(crate::time::Instant, crate::state::Due)>();
        assert_eq!(timeline, 24, "a timeline entry");
    }
}
