//! The directory: users, groups, service principals and role definitions, with transitive group
//! membership kept precomputed so the gateway check never walks the group graph.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use crate::id::{PrincipalId, RoleDefinitionId};
use hashbrown::{HashMap, HashSet};
use serde::{Deserialize, Serialize};

use crate::{GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR};

wire_enum! {
    /// What kind of directory object a principal is.
    pub enum PrincipalKind {
        /// A person.
        User => "user",
        /// A group.
        Group => "group",
        /// An application identity.
        ServicePrincipal => "servicePrincipal",
    }
}

/// A user, group or service principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Principal {
    /// Object id.
    pub id: PrincipalId,
    /// Kind.
    pub kind: PrincipalKind,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// Manager (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<PrincipalId>,
    /// Whether a group may hold Entra roles (groups only). Such a group never has a group as a
    /// member: the engine refuses that change as Entra's directory does.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub is_role_assignable: bool,
}

/// A role definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleDefinition {
    /// Id.
    pub id: RoleDefinitionId,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Built-in Entra roles the engine knows without being told (id, display name).
pub const BUILT_IN_ROLES: &[(&str, &str)] = &[
    (GLOBAL_ADMINISTRATOR, "Global Administrator"),
    (
        PRIVILEGED_ROLE_ADMINISTRATOR,
        "Privileged Role Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
];

/// Users, groups, service principals and role definitions.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    principals: HashMap<PrincipalId, Principal>,
    members: HashMap<PrincipalId, Vec<PrincipalId>>,
    // INVARIANT: `parents[m]` lists the groups that have `m` as a direct member.
    parents: HashMap<PrincipalId, Vec<PrincipalId>>,
    roles: HashMap<RoleDefinitionId, RoleDefinition>,
    // INVARIANT: `member_of[p]` is every group that contains `p` directly or through nested
    // groups, recomputed on every membership change.
    member_of: HashMap<PrincipalId, Vec<PrincipalId>>,
}

impl Directory {
    /// A directory that knows only the built-in roles.
    pub fn new() -> Self {
        let mut d = Directory::default();
        for (id, name) in BUILT_IN_ROLES {
            d.roles.insert(
                RoleDefinitionId::from(*id),
                RoleDefinition {
                    id: RoleDefinitionId::from(*id),
                    display_name: Some(String::from(*name)),
                },
            );
        }
        d
    }

    /// A principal by id.
    pub fn principal(&self, id: &str) -> Option<&Principal> {
        self.principals.get(id)
    }

    /// A role definition by id.
    pub fn role(&self, id: &str) -> Option<&RoleDefinition> {
        self.roles.get(id)
    }

    /// A role's display name, or its id.
    pub fn role_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.roles
            .get(id)
            .and_then(|r| r.display_name.as_deref())
            .unwrap_or(id)
    }

    /// Every principal.
    pub fn principals(&self) -> impl Iterator<Item = &Principal> {
        self.principals.values()
    }

    /// Every role definition.
    pub fn roles(&self) -> impl Iterator<Item = &RoleDefinition> {
        self.roles.values()
    }

    /// Adds or replaces a principal.
    pub(crate) fn put_principal(&mut self, p: Principal) {
        if p.kind == PrincipalKind::Group {
            self.members.entry(p.id.clone()).or_default();
        }
        self.principals.insert(p.id.clone(), p);
    }

    /// Adds or replaces a role definition.
    pub(crate) fn put_role(&mut self, r: RoleDefinition) {
        self.roles.insert(r.id.clone(), r);
    }

    /// The direct members of a group.
    pub fn direct_members(&self, group: &str) -> &[PrincipalId] {
        self.members.get(group).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Changes a group's direct members and updates transitive membership: only the principals
    /// below the group (before and after the change) are recomputed, by walking up from each.
    pub(crate) fn change_members(
        &mut self,
        group: &str,
        add: &[PrincipalId],
        remove: &[PrincipalId],
    ) {
        let mut affected = self.below(group);
        let list = self.members.entry(group.into()).or_default();
        if !remove.is_empty() {
            let gone: HashSet<&str> = remove.iter().map(PrincipalId::as_str).collect();
            list.retain(|m| !gone.contains(m.as_str()));
        }
        let mut present: HashSet<PrincipalId> = list.iter().cloned().collect();
        for m in add {
            if present.insert(m.clone()) {
                list.push(m.clone());
            }
        }
        for m in remove {
            if let Some(p) = self.parents.get_mut(m) {
                p.retain(|g| g != group);
            }
        }
        for m in add {
            let p = self.parents.entry(m.clone()).or_default();
            if !p.iter().any(|g| g == group) {
                p.push(group.into());
            }
        }
        affected.extend(self.below(group));
        for p in affected {
            let groups = self.above(&p);
            if groups.is_empty() {
                self.member_of.remove(&p);
            } else {
                self.member_of.insert(p, groups);
            }
        }
    }

    /// Every group that contains `principal`, directly or through nesting.
    pub fn groups_of(&self, principal: &str) -> &[PrincipalId] {
        self.member_of
            .get(principal)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Whether `principal` is in `group`, directly or through nesting.
    pub fn is_member(&self, principal: &str, group: &str) -> bool {
        self.groups_of(principal).iter().any(|g| g == group)
    }

    /// Every user and service principal in `group`, through nesting.
    pub fn transitive_members(&self, group: &str) -> BTreeSet<PrincipalId> {
        let mut out = self.below(group);
        out.retain(|m| !self.members.contains_key(m.as_str()));
        out
    }

    /// Everything below `group`: members, and members of nested groups (cycles are cut).
    fn below(&self, group: &str) -> BTreeSet<PrincipalId> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<&str> = alloc::vec![group];
        let mut seen: HashSet<&str> = HashSet::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            for m in self.direct_members(g) {
                if m != group {
                    out.insert(m.clone());
                }
                if self.members.contains_key(m.as_str()) {
                    stack.push(m);
                }
            }
        }
        out
    }

    /// Every group above `principal`, sorted (cycles are cut).
    fn above(&self, principal: &str) -> Vec<PrincipalId> {
        let mut out: BTreeSet<PrincipalId> = BTreeSet::new();
        let mut stack: Vec<&str> = alloc::vec![principal];
        while let Some(p) = stack.pop() {
            for g in self.parents.get(p).map(Vec::as_slice).unwrap_or(&[]) {
                if g != principal && out.insert(g.clone()) {
                    stack.push(g);
                }
            }
        }
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn group(id: &str) -> Principal {
        Principal {
            id: id.into(),
            kind: PrincipalKind::Group,
            display_name: None,
            mail: None,
            manager_id: None,
            is_role_assignable: true,
        }
    }

    #[test]
    fn membership_is_transitive_and_survives_cycles() {
        let mut d = Directory::new();
        d.put_principal(group("a"));
        d.put_principal(group("b"));
        d.change_members("a", &["b".into()], &[]);
        d.change_members("b", &["u".into(), "a".into()], &[]);
        assert!(d.is_member("u", "a"));
        assert!(d.is_member("u", "b"));
        assert_eq!(
            d.transitive_members("a").into_iter().collect::<Vec<_>>(),
            vec!["u"]
        );
        d.change_members("b", &[], &["u".into()]);
        assert!(!d.is_member("u", "a"));
    }
}
