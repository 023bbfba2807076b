//! Microsoft Graph's shapes of pim's records: what the HTTP API answers, and what
//! `pim-host export` writes. The core keeps its own records (a request, a schedule, an audit
//! record); this module turns each into the resource Graph documents for it
//! (`unifiedRoleAssignmentScheduleRequest`, `unifiedRoleEligibilitySchedule`,
//! `unifiedRoleAssignmentScheduleInstance`, `unifiedRoleManagementPolicy`, `directoryAudit`,
//! …), with Graph's property names, `identitySet`s and `@odata.type`s. Pure functions: no I/O.

mod ids;
mod resources;

pub use ids::{DEFAULT_TENANT_ID, PolicyIds, step_id};
pub use resources::{
    Names, approval, directory_audit, identity_set, instance, member_type, policy,
    policy_assignment, principal, request, role_assignment, role_definition, schedule, scopes,
};
