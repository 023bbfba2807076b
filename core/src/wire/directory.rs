//! Directory facts and role settings as a tenant is loaded: users, groups, service principals,
//! role definitions, existing assignments and per-role policies.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::PolicyRule;
use crate::id::{PrincipalId, RoleDefinitionId, ScopeId};
use crate::time::Instant;

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserEntry {
    /// Object id.
    pub id: PrincipalId,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Sign-in name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// E-mail address, used for notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// The user's manager, for access reviews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<PrincipalId>,
}

/// A group. Members may be users, service principals or groups; membership is transitive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupEntry {
    /// Object id.
    pub id: PrincipalId,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Direct members.
    #[serde(default)]
    pub members: Vec<PrincipalId>,
    /// Whether the group may hold Entra roles.
    #[serde(default)]
    pub is_role_assignable: bool,
}

/// A service principal (an application identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServicePrincipalEntry {
    /// Object id.
    pub id: PrincipalId,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A role definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleDefinitionEntry {
    /// Role definition id (Entra's template id for built-in roles).
    pub id: RoleDefinitionId,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

wire_enum! {
    /// Eligible or active.
    pub enum AssignmentType {
        /// The principal must activate to use the role.
        Eligible => "eligible",
        /// The principal holds the role.
        Active => "active",
    }
}

/// An assignment that already exists when a tenant is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignmentEntry {
    /// Eligible or active.
    #[serde(rename = "type")]
    pub kind: AssignmentType,
    /// Who holds it.
    pub principal_id: PrincipalId,
    /// Which role.
    pub role_definition_id: RoleDefinitionId,
    /// Directory scope; `/` when both scopes are absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_scope_id: Option<ScopeId>,
    /// Application scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_scope_id: Option<String>,
    /// Start; the load time when absent.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date_time: Option<Instant>,
    /// End; permanent when absent.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date_time: Option<Instant>,
}

/// The directory a tenant starts with.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DirectorySnapshot {
    /// Users.
    #[serde(default)]
    pub users: Vec<UserEntry>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<GroupEntry>,
    /// Service principals.
    #[serde(default)]
    pub service_principals: Vec<ServicePrincipalEntry>,
    /// Role definitions beyond the built-in ones the engine knows.
    #[serde(default)]
    pub role_definitions: Vec<RoleDefinitionEntry>,
    /// Assignments that exist already.
    #[serde(default)]
    pub assignments: Vec<AssignmentEntry>,
}

wire_enum! {
    /// `unifiedRoleManagementPolicy.scopeType`.
    pub enum PolicyScopeType {
        /// Tenant-wide.
        Directory => "Directory",
        /// A directory role (Entra roles): PRA and GA are default approvers.
        DirectoryRole => "DirectoryRole",
        /// PIM for Groups: no default approvers.
        Group => "Group",
    }
}

/// The role settings of one role at one scope, as a list of Graph rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyEntry {
    /// The role.
    pub role_definition_id: RoleDefinitionId,
    /// The scope; `/` when absent.
    #[serde(default = "root_scope")]
    pub scope_id: ScopeId,
    /// `DirectoryRole` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_type: Option<PolicyScopeType>,
    /// Rules to change; rules not listed keep their current value.
    pub rules: Vec<PolicyRule>,
}

fn root_scope() -> ScopeId {
    ScopeId::from("/")
}
