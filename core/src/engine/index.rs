//! The gateway check's grant index, looked up with borrowed strings so that the check allocates
//! nothing.

use alloc::vec::Vec;
use core::hash::{Hash, Hasher};

use hashbrown::{Equivalent, HashMap};

use crate::id::{PrincipalId, RoleDefinitionId, ScopeId};
use crate::schedule::{AssignmentType, Origin, Schedule};
use crate::state::Slots;

/// A compact (principal, interned role) key for the gateway check's grant index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GrantKey {
    pub principal: PrincipalId,
    pub role: u32,
}

/// The borrowed form of [`GrantKey`]; hashes identically.
pub(crate) struct GrantKeyRef<'a> {
    pub principal: &'a str,
    pub role: u32,
}

impl Hash for GrantKeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.principal.hash(state);
        self.role.hash(state);
    }
}

impl Equivalent<GrantKey> for GrantKeyRef<'_> {
    fn equivalent(&self, key: &GrantKey) -> bool {
        self.role == key.role && self.principal == key.principal
    }
}

/// One active grant as the check reads it: everything inline, no pointers to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grant {
    pub start: crate::time::Instant,
    pub end: Option<crate::time::Instant>,
    /// Interned scope; 0 is `/`.
    pub scope: u32,
    /// Activated (true) or assigned.
    pub activated: bool,
    /// The schedule's slot.
    pub slot: u32,
}

impl Hash for GrantKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.principal.as_str().hash(state);
        self.role.hash(state);
    }
}

/// The gateway check's index: for every active schedule not ended by an event, a compact copy
/// of its window and interned scope under (principal, interned role).
#[derive(Debug, Clone)]
pub(crate) struct GrantIndex {
    // INVARIANT: `grants` holds exactly one `Grant` for every active schedule that has not
    // ended by an event, in line with the schedule's window; `sync` is the only writer.
    grants: HashMap<GrantKey, Slots<Grant>>,
    role_ids: HashMap<RoleDefinitionId, u32>,
    scope_ids: HashMap<ScopeId, u32>,
    scope_names: Vec<ScopeId>,
}

impl GrantIndex {
    /// An empty index; scope 0 is `/`.
    pub fn new() -> Self {
        GrantIndex {
            grants: HashMap::new(),
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
        let scope = match self.scope_ids.get(s.scope.as_str()) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(self.scope_names.len()).unwrap_or(u32::MAX);
                self.scope_ids.insert(s.scope.clone(), id);
                self.scope_names.push(s.scope.clone());
                id
            }
        };
        let grant = Grant {
            start: s.start_date_time,
            end: s.end_date_time,
            scope,
            activated: s.origin == Origin::Activated,
            slot,
        };
        let key = GrantKey {
            principal: s.principal_id.clone(),
            role,
        };
        if s.ended.is_none() {
            let list = self.grants.entry(key).or_default();
            list.retain(|g| g.slot != slot);
            list.push(grant);
        } else if let Some(list) = self.grants.get_mut(&key) {
            list.retain(|g| g.slot != slot);
            if list.is_empty() {
                self.grants.remove(&key);
            }
        }
    }

    /// The grants `principal` holds directly for the interned `role`.
    pub fn grants_of(&self, principal: &str, role: u32) -> &[Grant] {
        self.grants
            .get(&GrantKeyRef { principal, role })
            .map(Slots::as_slice)
            .unwrap_or(&[])
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
    use super::{Grant, GrantKey, Slots};
    use crate::schedule::Schedule;
    use core::mem::size_of;

    /// The sizes docs/performance.md accounts a tenant's bytes with; a change that grows one
    /// grows every tenant, and must say so there.
    #[test]
    fn rows_and_entries_keep_their_sizes() {
        assert_eq!(size_of::<Schedule>(), 88, "a schedule's row");
        assert_eq!(size_of::<Slots<u32>>(), 16, "an index entry of slots");
        assert_eq!(size_of::<GrantKey>(), 16, "a grant key");
        assert_eq!(size_of::<Grant>(), 36, "a grant");
        assert_eq!(size_of::<Slots<Grant>>(), 40, "a key's grants");
        let timeline = size_of::<(crate::time::Instant, crate::state::Due)>();
        assert_eq!(timeline, 24, "a timeline entry");
    }
}
