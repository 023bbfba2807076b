//! Access: how much of the tenant a caller may read, from the directory roles it holds now.
//!
//! The engine decides every change itself (who may approve, assign, configure). Reading is the
//! host's business, but which roles read what is a fact of the tenant, so it is decided here,
//! once, for every host: administrators and the read-only security roles read every PIM
//! object; anyone else in the directory reads their own; a principal the directory does not
//! know reads nothing.

use serde::{Deserialize, Serialize};

use crate::directory::PrincipalKind;
use crate::engine::Engine;
use crate::id::PrincipalId;
use crate::time::Instant;

/// Entra's built-in Global Reader role definition id.
pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
/// Entra's built-in Security Reader role definition id.
pub const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
/// Entra's built-in Security Operator role definition id.
pub const SECURITY_OPERATOR: &str = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f";
/// Entra's built-in Security Administrator role definition id.
pub const SECURITY_ADMINISTRATOR: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";

/// The roles that read every PIM object but change none: Graph's least privileged roles for
/// PIM's read operations besides Privileged Role Administrator.
pub const READER_ROLES: &[&str] = &[
    GLOBAL_READER,
    SECURITY_READER,
    SECURITY_OPERATOR,
    SECURITY_ADMINISTRATOR,
];

wire_enum! {
    /// How much a caller may read.
    pub enum AccessLevel {
        /// An active Global or Privileged Role Administrator: reads and manages everything.
        Administrator => "administrator",
        /// An active Global Reader, Security Reader, Security Operator or Security
        /// Administrator: reads everything.
        Reader => "reader",
        /// Anyone else in the directory: reads their own objects.
        Member => "member",
    }
}

/// What a principal in the directory may read now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Access {
    /// Who.
    pub principal_id: PrincipalId,
    /// A user, group or service principal.
    pub kind: PrincipalKind,
    /// How much they read.
    pub level: AccessLevel,
}

impl Access {
    /// Whether the caller reads every object, not only their own.
    pub fn reads_all(&self) -> bool {
        matches!(self.level, AccessLevel::Administrator | AccessLevel::Reader)
    }
}

impl Engine {
    /// What `principal` may read at `now`; `None` when the directory does not know them.
    /// Roles count only when active at the tenant scope (`/`).
    pub fn access(&self, principal: &str, now: Instant) -> Option<Access> {
        let known = self.state().directory().principal(principal)?;
        let holds = |role: &str| self.check(principal, role, "/", now).active;
        let level = if self.is_admin(principal, now) {
            AccessLevel::Administrator
        } else if READER_ROLES.iter().any(|r| holds(r)) {
            AccessLevel::Reader
        } else {
            AccessLevel::Member
        };
        Some(Access {
            principal_id: known.id.clone(),
            kind: known.kind,
            level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{CallContext, Command};

    fn engine_with(assignments: serde_json::Value) -> Engine {
        let mut engine = Engine::new();
        let now = crate::time::parse_instant("2026-03-02T09:00:00Z").expect("an instant");
        let directory = serde_json::from_value(serde_json::json!({
            "users": [{ "id": "ga" }, { "id": "reader" }, { "id": "user" }],
            "assignments": assignments,
        }))
        .expect("a directory");
        let command = Command::ImportDirectory {
            directory: alloc::boxed::Box::new(directory),
        };
        let outcome = engine
            .execute(&command, &CallContext::system(), now)
            .expect("decided");
        for e in &outcome.events {
            engine.apply(e).expect("applies");
        }
        engine
    }

    #[test]
    fn roles_active_at_the_tenant_scope_set_the_level() {
        let engine = engine_with(serde_json::json!([
            { "type": "active", "principalId": "ga",
              "roleDefinitionId": crate::GLOBAL_ADMINISTRATOR },
            { "type": "active", "principalId": "reader", "roleDefinitionId": GLOBAL_READER },
            { "type": "eligible", "principalId": "user", "roleDefinitionId": SECURITY_READER },
        ]));
        let now = crate::time::parse_instant("2026-03-02T10:00:00Z").expect("an instant");
        let level = |p: &str| engine.access(p, now).map(|a| a.level);
        assert_eq!(level("ga"), Some(AccessLevel::Administrator));
        assert_eq!(level("reader"), Some(AccessLevel::Reader));
        // Eligible is not active: an eligible Security Reader reads only their own.
        assert_eq!(level("user"), Some(AccessLevel::Member));
        assert_eq!(level("stranger"), None);
    }
}
