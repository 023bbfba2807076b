//! Microsoft Graph's PIM JSON shapes: the one wire contract of every binding.
//!
//! Requests are `unifiedRoleAssignmentScheduleRequest` and `unifiedRoleEligibilityScheduleRequest`
//! bodies; role settings are lists of `unifiedRoleManagementPolicyRule` objects. Unknown fields are
//! refused, enum values are read case-insensitively, times are RFC 3339 and durations ISO 8601.

mod directory;
mod pim_rules;
mod rules;

pub use directory::*;
pub use pim_rules::*;
pub use rules::*;

use alloc::string::String;
use serde::{Deserialize, Serialize};

use crate::id::{PrincipalId, RequestId, RoleDefinitionId, ScheduleId, ScopeId};
use crate::time::{Instant, IsoDuration};

wire_enum! {
    /// `unifiedRoleScheduleRequestActions`: what a schedule request asks for.
    pub enum Action {
        /// An administrator assigns a role (eligible or active).
        AdminAssign => "adminAssign",
        /// An administrator changes an existing assignment.
        AdminUpdate => "adminUpdate",
        /// An administrator removes an assignment.
        AdminRemove => "adminRemove",
        /// An administrator extends an expiring assignment.
        AdminExtend => "adminExtend",
        /// An administrator renews an expired assignment.
        AdminRenew => "adminRenew",
        /// A principal activates an eligibility.
        SelfActivate => "selfActivate",
        /// A principal deactivates a running activation.
        SelfDeactivate => "selfDeactivate",
        /// A principal asks for an expiring assignment to be extended.
        SelfExtend => "selfExtend",
        /// A principal asks for an expired assignment to be renewed.
        SelfRenew => "selfRenew",
    }
}

impl Action {
    /// Whether an administrator performs this action (as opposed to the principal itself).
    pub const fn is_admin(self) -> bool {
        matches!(
            self,
            Action::AdminAssign
                | Action::AdminUpdate
                | Action::AdminRemove
                | Action::AdminExtend
                | Action::AdminRenew
        )
    }
}

wire_enum! {
    /// `expirationPattern.type`.
    pub enum ExpirationType {
        /// No expiration was stated.
        NotSpecified => "notSpecified",
        /// Permanent.
        NoExpiration => "noExpiration",
        /// Ends at `endDateTime`.
        AfterDateTime => "afterDateTime",
        /// Ends `duration` after the start.
        AfterDuration => "afterDuration",
    }
}

wire_enum! {
    /// Which kind of schedule request a body is.
    pub enum RequestKind {
        /// `unifiedRoleAssignmentScheduleRequest`: active assignments and activations.
        Assignment => "assignment",
        /// `unifiedRoleEligibilityScheduleRequest`: eligible assignments.
        Eligibility => "eligibility",
    }
}

/// A Graph schedule request body (`unifiedRoleAssignmentScheduleRequest` or
/// `unifiedRoleEligibilityScheduleRequest`), as POSTed to Graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleRequestBody {
    /// Graph's type annotation, accepted and ignored.
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    /// A request id chosen by the caller; the engine assigns one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequestId>,
    /// What is asked for.
    pub action: Action,
    /// The user, group or service principal the request is for.
    pub principal_id: PrincipalId,
    /// The role definition.
    pub role_definition_id: RoleDefinitionId,
    /// The directory scope (`/` = tenant, `/administrativeUnits/{id}`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_scope_id: Option<ScopeId>,
    /// The application scope, for app-specific roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_scope_id: Option<String>,
    /// The requester's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// When the assignment starts and how it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_info: Option<RequestSchedule>,
    /// The ticket that motivates the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_info: Option<TicketInfo>,
    /// Evaluate only: report the decision without changing anything.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub is_validation_only: bool,
    /// The existing schedule an update, removal, extension or renewal targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_schedule_id: Option<ScheduleId>,
    /// Graph's unused `customData`, accepted and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
}

/// `requestSchedule`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestSchedule {
    /// Graph's type annotation, accepted and ignored.
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    /// When the assignment becomes active; absent = now.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date_time: Option<Instant>,
    /// How the assignment ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<ExpirationPattern>,
    /// Recurrence: unsupported in PIM, so only `null` is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<serde_json::Value>,
}

/// `expirationPattern`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpirationPattern {
    /// Graph's type annotation, accepted and ignored.
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    /// How the end is given.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ExpirationType>,
    /// The end, for `afterDateTime`.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date_time: Option<Instant>,
    /// The length, for `afterDuration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<IsoDuration>,
}

/// `ticketInfo`: information only; PIM never checks a ticketing system.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TicketInfo {
    /// Graph's type annotation, accepted and ignored.
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    /// The ticket number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    /// The ticketing system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_system: Option<String>,
}

impl TicketInfo {
    /// A ticket counts as given when it has a non-blank number.
    pub fn is_given(&self) -> bool {
        self.ticket_number
            .as_deref()
            .is_some_and(|n| !n.trim().is_empty())
    }
}
