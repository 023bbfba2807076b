//! Schedule requests as the engine keeps them: what was asked, by whom, and where it stands.

use crate::id::{PrincipalId, RequestId, RoleDefinitionId, ScheduleId, ScopeId};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::time::{Instant, IsoDuration};
use crate::wire::{Action, RequestKind, SubjectSet, TicketInfo};

wire_enum! {
    /// Graph's request status (`request.status`), plus ARM's `TimedOut`.
    pub enum Status {
        /// Canceled by the requestor or an administrator.
        Canceled => "Canceled",
        /// Denied by an approver.
        Denied => "Denied",
        /// Could not be carried out.
        Failed => "Failed",
        /// Accepted; the schedule starts in the future.
        Granted => "Granted",
        /// Waiting for an administrator (self-extend, self-renew).
        PendingAdminDecision => "PendingAdminDecision",
        /// Waiting for an approver.
        PendingApproval => "PendingApproval",
        /// Accepted, being provisioned.
        PendingProvisioning => "PendingProvisioning",
        /// Waiting for the schedule.
        PendingScheduleCreation => "PendingScheduleCreation",
        /// In effect.
        Provisioned => "Provisioned",
        /// Removed or deactivated.
        Revoked => "Revoked",
        /// Schedule created.
        ScheduleCreated => "ScheduleCreated",
        /// Nobody decided before the approval time-out.
        TimedOut => "TimedOut",
    }
}

impl Status {
    /// Whether the request still waits for a decision.
    pub const fn is_pending(self) -> bool {
        matches!(self, Status::PendingApproval | Status::PendingAdminDecision)
    }
}

wire_enum! {
    /// An approver's answer.
    pub enum ReviewResult {
        /// Not answered yet.
        NotReviewed => "NotReviewed",
        /// Approved.
        Approve => "Approve",
        /// Denied.
        Deny => "Deny",
    }
}

/// One approval stage of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalStep {
    /// Stage number, from 0.
    pub stage: u32,
    /// When the stage times out, once it is the current stage.
    #[serde(default, with = "crate::time::instant_opt")]
    pub time_out_date_time: Option<Instant>,
    /// The answer.
    pub review_result: ReviewResult,
    /// Who answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<PrincipalId>,
    /// When.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reviewed_date_time: Option<Instant>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Who may answer, as the role settings named them when the request was made; empty means
    /// the default approvers (active Privileged Role and Global Administrators).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_approvers: Vec<SubjectSet>,
    /// Whether the approver must justify the answer.
    #[serde(default)]
    pub is_approver_justification_required: bool,
    /// How many days the stage may wait, counted from when it becomes current.
    #[serde(default)]
    pub time_out_in_days: i32,
    /// pim's quorum for the stage, when it needs more than one first answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<StageQuorum>,
    /// Under a quorum: every answer so far, in order (the partial approvals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<StageAnswer>,
}

/// What a stage under pim's quorum rule needs, as the settings said when the request was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageQuorum {
    /// Approvals by distinct approvers.
    pub minimum_approvals: u32,
    /// Groups each needing one approving member.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_group_ids: Vec<PrincipalId>,
    /// Whether one denial denies the request.
    pub is_denial_final: bool,
}

/// One approver's answer to a stage under a quorum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageAnswer {
    /// Who answered.
    pub reviewed_by: PrincipalId,
    /// The answer.
    pub review_result: ReviewResult,
    /// When.
    #[serde(with = "crate::time::instant")]
    pub reviewed_date_time: Instant,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// A schedule request as the engine keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestRecord {
    /// Id.
    pub id: RequestId,
    /// Assignment or eligibility request.
    pub kind: RequestKind,
    /// What was asked.
    pub action: Action,
    /// For whom.
    pub principal_id: PrincipalId,
    /// Which role.
    pub role_definition_id: RoleDefinitionId,
    /// Normalised scope.
    pub scope: ScopeId,
    /// Who asked; `None` is the host itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<PrincipalId>,
    /// When.
    #[serde(with = "crate::time::instant")]
    pub created_date_time: Instant,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_info: Option<TicketInfo>,
    /// Requested (and, once granted, actual) start.
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// Requested (and, once granted, actual) end; `None` is permanent.
    #[serde(default, with = "crate::time::instant_opt")]
    pub end_date_time: Option<Instant>,
    /// The schedule the request created or acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_schedule_id: Option<ScheduleId>,
    /// For activations: the eligibility schedule activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_using: Option<ScheduleId>,
    /// Where it stands.
    pub status: Status,
    /// When it reached a final status.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_date_time: Option<Instant>,
    /// The length asked for, when the expiration was `afterDuration` (Graph answers a
    /// request's `scheduleInfo` as it was asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_duration: Option<IsoDuration>,
    /// Approval stages; empty when no approval is needed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approval_steps: Vec<ApprovalStep>,
}

impl RequestRecord {
    /// The stage waiting for an answer, if any.
    pub fn current_step(&self) -> Option<&ApprovalStep> {
        self.approval_steps
            .iter()
            .find(|s| s.review_result == ReviewResult::NotReviewed)
    }

    /// `permanent` or `timebound`.
    pub fn duration_word(&self) -> &'static str {
        if self.end_date_time.is_some() {
            "timebound"
        } else {
            "permanent"
        }
    }
}
