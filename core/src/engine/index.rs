//! Hash keys for the (principal, role) indexes, looked up with borrowed strings so that the
//! gateway check allocates nothing.

use alloc::string::String;
use core::hash::{Hash, Hasher};

use hashbrown::Equivalent;

/// An owned (principal, role) key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalRole {
    principal: String,
    role: String,
}

impl PrincipalRole {
    /// A key for `principal` holding `role`.
    pub fn new(principal: &str, role: &str) -> Self {
        PrincipalRole {
            principal: principal.into(),
            role: role.into(),
        }
    }
}

/// A compact (principal, interned role) key for the gateway check's grant index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GrantKey {
    pub principal: String,
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

/// The borrowed form of [`PrincipalRole`]; hashes identically.
pub(crate) struct PrincipalRoleRef<'a> {
    pub principal: &'a str,
    pub role: &'a str,
}

impl Hash for GrantKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.principal.as_str().hash(state);
        self.role.hash(state);
    }
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
