//! The payloads of events that record a new request or schedule. They are the stored format's
//! own types, not the read models that queries return ([`RequestRecord`], [`Schedule`]): a read
//! model may grow or change its fields without touching a single stored log, and a change here
//! is a change of the log format (docs/event-log.md).

use crate::id::{PrincipalId, RequestId, RoleDefinitionId, ScheduleId, ScopeId};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::request::{ApprovalStep, RequestRecord, ReviewResult, StageQuorum, Status};
use crate::schedule::{AssignmentType, EndReason, Origin, Schedule};
use crate::time::{Instant, IsoDuration};
use crate::wire::{Action, RequestKind, SubjectSet, TicketInfo};

/// A schedule request as the log records it when it is submitted or rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestPayload {
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
    /// Requested (or granted) start.
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// Requested (or granted) end; `None` is permanent.
    #[serde(default, with = "crate::time::instant_opt")]
    pub end_date_time: Option<Instant>,
    /// The schedule the request acts on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_schedule_id: Option<ScheduleId>,
    /// For activations: the eligibility schedule activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_using: Option<ScheduleId>,
    /// The status it was submitted with.
    pub status: Status,
    /// When it reached a final status, for requests decided at once.
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
    /// Its approval stages; empty when no approval is needed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approval_steps: Vec<ApprovalStagePayload>,
}

/// One approval stage of a submitted request, as the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalStagePayload {
    /// Stage number, from 0.
    pub stage: u32,
    /// When the stage times out, for the first stage.
    #[serde(default, with = "crate::time::instant_opt")]
    pub time_out_date_time: Option<Instant>,
    /// The answer so far (`NotReviewed` when submitted).
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
    /// Who may answer, as the role settings named them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_approvers: Vec<SubjectSet>,
    /// Whether the approver must justify the answer.
    #[serde(default)]
    pub is_approver_justification_required: bool,
    /// How many days the stage may wait once current.
    #[serde(default)]
    pub time_out_in_days: i32,
    /// pim's quorum for the stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<StageQuorum>,
}

/// A schedule as the log records it when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchedulePayload {
    /// Id.
    pub id: ScheduleId,
    /// Eligible or active.
    pub kind: AssignmentType,
    /// Assigned or activated.
    pub origin: Origin,
    /// Who holds it.
    pub principal_id: PrincipalId,
    /// Which role.
    pub role_definition_id: RoleDefinitionId,
    /// Normalised scope.
    pub scope: ScopeId,
    /// When it starts.
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// When it ends; `None` is permanent.
    #[serde(default, with = "crate::time::instant_opt")]
    pub end_date_time: Option<Instant>,
    /// For activations: the eligibility schedule activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_using: Option<ScheduleId>,
    /// For activations of a group's eligibility: that group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_group: Option<PrincipalId>,
    /// The request that created it; `None` when the tenant was loaded with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Why it ended, for a schedule created already ended (never written today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<EndReason>,
    /// Made in the directory outside PIM.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub outside_pim: bool,
    /// A break-glass activation.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub break_glass: bool,
}

impl SchedulePayload {
    /// `permanent` or `timebound`, as Entra's audit activity names say.
    pub fn duration_word(&self) -> &'static str {
        if self.end_date_time.is_some() {
            "timebound"
        } else {
            "permanent"
        }
    }
}

impl From<RequestRecord> for RequestPayload {
    fn from(r: RequestRecord) -> Self {
        RequestPayload {
            id: r.id,
            kind: r.kind,
            action: r.action,
            principal_id: r.principal_id,
            role_definition_id: r.role_definition_id,
            scope: r.scope,
            created_by: r.created_by,
            created_date_time: r.created_date_time,
            justification: r.justification,
            ticket_info: r.ticket_info,
            start_date_time: r.start_date_time,
            end_date_time: r.end_date_time,
            target_schedule_id: r.target_schedule_id,
            activated_using: r.activated_using,
            status: r.status,
            completed_date_time: r.completed_date_time,
            requested_duration: r.requested_duration,
            approval_steps: r.approval_steps.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<RequestPayload> for RequestRecord {
    fn from(r: RequestPayload) -> Self {
        RequestRecord {
            id: r.id,
            kind: r.kind,
            action: r.action,
            principal_id: r.principal_id,
            role_definition_id: r.role_definition_id,
            scope: r.scope,
            created_by: r.created_by,
            created_date_time: r.created_date_time,
            justification: r.justification,
            ticket_info: r.ticket_info,
            start_date_time: r.start_date_time,
            end_date_time: r.end_date_time,
            target_schedule_id: r.target_schedule_id,
            activated_using: r.activated_using,
            status: r.status,
            completed_date_time: r.completed_date_time,
            requested_duration: r.requested_duration,
            approval_steps: r.approval_steps.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<ApprovalStep> for ApprovalStagePayload {
    fn from(s: ApprovalStep) -> Self {
        ApprovalStagePayload {
            stage: s.stage,
            time_out_date_time: s.time_out_date_time,
            review_result: s.review_result,
            reviewed_by: s.reviewed_by,
            reviewed_date_time: s.reviewed_date_time,
            justification: s.justification,
            primary_approvers: s.primary_approvers,
            is_approver_justification_required: s.is_approver_justification_required,
            time_out_in_days: s.time_out_in_days,
            quorum: s.quorum,
        }
    }
}

impl From<ApprovalStagePayload> for ApprovalStep {
    fn from(s: ApprovalStagePayload) -> Self {
        ApprovalStep {
            stage: s.stage,
            time_out_date_time: s.time_out_date_time,
            review_result: s.review_result,
            reviewed_by: s.reviewed_by,
            reviewed_date_time: s.reviewed_date_time,
            justification: s.justification,
            primary_approvers: s.primary_approvers,
            is_approver_justification_required: s.is_approver_justification_required,
            time_out_in_days: s.time_out_in_days,
            quorum: s.quorum,
            approvals: Vec::new(),
        }
    }
}

impl From<Schedule> for SchedulePayload {
    fn from(s: Schedule) -> Self {
        SchedulePayload {
            id: s.id,
            kind: s.kind,
            origin: s.origin,
            principal_id: s.principal_id,
            role_definition_id: s.role_definition_id,
            scope: s.scope,
            start_date_time: s.start_date_time,
            end_date_time: s.end_date_time,
            activated_using: s.activated_using,
            via_group: s.via_group,
            request_id: s.request_id,
            ended: s.ended,
            outside_pim: s.outside_pim,
            break_glass: s.break_glass,
        }
    }
}

impl From<SchedulePayload> for Schedule {
    fn from(s: SchedulePayload) -> Self {
        Schedule {
            id: s.id,
            kind: s.kind,
            origin: s.origin,
            principal_id: s.principal_id,
            role_definition_id: s.role_definition_id,
            scope: s.scope,
            start_date_time: s.start_date_time,
            end_date_time: s.end_date_time,
            activated_using: s.activated_using,
            via_group: s.via_group,
            request_id: s.request_id,
            ended: s.ended,
            outside_pim: s.outside_pim,
            break_glass: s.break_glass,
        }
    }
}
