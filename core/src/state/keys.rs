//! Hash keys for the (principal, role) indexes, looked up with borrowed strings so that reads
//! allocate nothing.

use crate::id::{PrincipalId, RoleDefinitionId};
use core::hash::{Hash, Hasher};

use hashbrown::Equivalent;

/// An owned (principal, role) key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalRole {
    principal: PrincipalId,
    role: RoleDefinitionId,
}

impl PrincipalRole {
    /// A key for `principal` holding `role`.
    pub(crate) fn new(principal: &str, role: &str) -> Self {
        PrincipalRole {
            principal: principal.into(),
            role: role.into(),
        }
    }
}

/// The borrowed form of [`PrincipalRole`]; hashes identically.
pub(crate) struct PrincipalRoleRef<'a> {
    pub principal: &'a str,
    pub role: &'a str,
}

impl Hash for PrincipalRole {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.principal.as_str().hash(state);
        self.role.as_str().hash(state);
    }
}

impl Hash for PrincipalRoleRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.principal.hash(state);
        self.role.hash(state);
    }
}

impl Equivalent<PrincipalRole> for PrincipalRoleRef<'_> {
    fn equivalent(&self, key: &PrincipalRole) -> bool {
        self.principal == key.principal && self.role == key.role
    }
}
