//! Graph's ids for objects pim keeps without one: role management policies and their
//! assignments (one per role and scope), and approval steps (one per stage of a request).
//! Each is derived (UUID version 5) from what it stands for, so every host of a tenant names
//! the same object the same way and an id survives a restart.

use uuid::Uuid;

/// The tenant id used when the config names none.
pub const DEFAULT_TENANT_ID: &str = "00000000-0000-0000-0000-0000000000f1";

/// The namespace of pim's derived ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_6a3e_2c4d_4e8f_9a0b_1c2d_3e4f_5a6b);

/// Names policies and policy assignments as Graph does:
/// `DirectoryRole_{tenantId}_{policy}` and `{policyId}_{roleDefinitionId}`.
#[derive(Debug, Clone)]
pub struct PolicyIds {
    tenant_id: String,
}

impl PolicyIds {
    /// Ids within tenant `tenant_id`.
    pub fn new(tenant_id: &str) -> Self {
        PolicyIds {
            tenant_id: tenant_id.to_owned(),
        }
    }

    /// The id of the policy of `role` at `scope`.
    pub fn policy(&self, role: &str, scope: &str) -> String {
        let name = format!("policy\n{role}\n{scope}");
        let id = Uuid::new_v5(&NAMESPACE, name.as_bytes());
        format!("DirectoryRole_{}_{id}", self.tenant_id)
    }

    /// The id of the assignment of `role`'s policy at `scope`.
    pub fn assignment(&self, role: &str, scope: &str) -> String {
        format!("{}_{role}", self.policy(role, scope))
    }
}

/// The id of stage `stage` of request `request`'s approval.
pub fn step_id(request: &str, stage: u32) -> String {
    let name = format!("step\n{request}\n{stage}");
    Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_distinct_and_shaped_like_graphs() {
        let ids = PolicyIds::new(DEFAULT_TENANT_ID);
        let p = ids.policy("r1", "/");
        assert_eq!(p, ids.policy("r1", "/"));
        assert_ne!(p, ids.policy("r1", "/administrativeUnits/a"));
        assert_ne!(p, ids.policy("r2", "/"));
        assert!(
            p.starts_with(&format!("DirectoryRole_{DEFAULT_TENANT_ID}_")),
            "{p}"
        );
        let guid = p.rsplit('_').next().unwrap_or_default();
        assert!(Uuid::parse_str(guid).is_ok(), "{p}");
        assert_eq!(ids.assignment("r1", "/"), format!("{p}_r1"));
        let s = step_id("req", 0);
        assert!(Uuid::parse_str(&s).is_ok());
        assert_ne!(s, step_id("req", 1));
        assert_ne!(s, step_id("req2", 0));
    }
}
