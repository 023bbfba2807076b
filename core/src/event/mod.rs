//! Events: the only way state changes. The host persists them in order; replaying the log into
//! a fresh engine rebuilds identical state. The events and their payloads are the stored log's
//! format, versioned by [`LOG_FORMAT_VERSION`].

mod payload;
mod refusal;

pub use payload::{ApprovalStagePayload, RequestPayload, SchedulePayload};
pub use refusal::RefusedAction;

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::alerts::{AlertConfiguration, AlertId};
use crate::directory::{Principal, RoleDefinition};
use crate::error::{ErrorCode, FailedRule};
use crate::id::{PrincipalId, RequestId, ReviewId, RoleDefinitionId, ScheduleId, ScopeId};
use crate::request::{ReviewResult, Status};
use crate::review::{ApplyResult, ReviewDecision, ReviewDefinition, ReviewItem};
use crate::schedule::EndReason;
use crate::time::Instant;
use crate::wire::{PolicyRule, PolicyScopeType};

/// The version of the stored log's format: what [`Event`] and its payloads serialize to. A
/// host records it beside the log and refuses a log of a newer version; an older version is
/// upcast to this one as it is read (docs/event-log.md).
pub const LOG_FORMAT_VERSION: u32 = 1;

/// One state change, stamped with the time it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
#[non_exhaustive]
pub enum Event {
    /// A user, group or service principal joined the directory (or changed).
    PrincipalAdded {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        principal: Principal,
        /// The group's direct members, for groups.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        members: Vec<PrincipalId>,
    },
    /// A role definition became known.
    RoleDefinitionAdded {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Which.
        role: RoleDefinition,
    },
    /// A group's direct members changed.
    MembershipChanged {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who changed it; `None` is the host or the directory itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The group.
        group_id: PrincipalId,
        /// Members added.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        added: Vec<PrincipalId>,
        /// Members removed.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        removed: Vec<PrincipalId>,
    },
    /// A role's settings at a scope were set (all 17 rules).
    PolicySet {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The role.
        role_definition_id: RoleDefinitionId,
        /// The scope.
        scope_id: ScopeId,
        /// Directory role or group.
        scope_type: PolicyScopeType,
        /// All 17 rules.
        rules: Vec<PolicyRule>,
    },
    /// A schedule request was accepted (its status says where it stands).
    RequestSubmitted {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// The request.
        request: RequestPayload,
    },
    /// A schedule request was refused; kept for the audit trail only.
    RequestRejected {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// The request as it was made.
        request: RequestPayload,
        /// Why.
        code: ErrorCode,
        /// Every failed rule.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failed_rules: Vec<FailedRule>,
    },
    /// A privileged command was refused by the engine's rules; kept for the audit trail only
    /// (nothing else changes). Refused schedule requests are `requestRejected` instead.
    CommandRefused {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who asked; `None` is the host itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// What was attempted.
        action: RefusedAction,
        /// The request, access review, alert or group acted on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target_id: Option<String>,
        /// Whose access or record it concerned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        principal_id: Option<PrincipalId>,
        /// Which role.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_definition_id: Option<RoleDefinitionId>,
        /// Which scope.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope_id: Option<ScopeId>,
        /// Why, as the refusal's code.
        code: ErrorCode,
        /// Why, in words.
        message: String,
    },
    /// An approver answered one stage of a request.
    ApprovalRecorded {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// The request.
        request_id: RequestId,
        /// The stage answered.
        stage: u32,
        /// Who answered.
        approver: PrincipalId,
        /// The answer.
        review_result: ReviewResult,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        /// The request's status afterwards.
        status: Status,
        /// Under pim's quorum rule: the answer is one of several the stage needs and leaves it
        /// waiting.
        #[serde(default, skip_serializing_if = "core::ops::Not::not")]
        partial: bool,
        /// The window granted, when the answer completed the approval.
        #[serde(
            default,
            with = "crate::time::instant_opt",
            skip_serializing_if = "Option::is_none"
        )]
        start_date_time: Option<Instant>,
        /// Its end.
        #[serde(
            default,
            with = "crate::time::instant_opt",
            skip_serializing_if = "Option::is_none"
        )]
        end_date_time: Option<Instant>,
    },
    /// A request's status changed (scheduled start reached, canceled, timed out, failed).
    RequestStatusChanged {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// The request.
        request_id: RequestId,
        /// The new status.
        status: Status,
        /// Who caused it; `None` is time itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
    },
    /// A schedule (eligibility, assignment or activation) was created.
    ScheduleCreated {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who caused it; `None` is the host (tenant load).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The schedule.
        schedule: SchedulePayload,
    },
    /// A schedule's window changed (update, extension, truncation).
    ScheduleUpdated {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who caused it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The schedule.
        schedule_id: ScheduleId,
        /// The new start.
        #[serde(with = "crate::time::instant")]
        start_date_time: Instant,
        /// The new end.
        #[serde(default, with = "crate::time::instant_opt")]
        end_date_time: Option<Instant>,
        /// The request that caused it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<RequestId>,
    },
    /// A schedule ended: expired, deactivated, removed, or cut short with its eligibility.
    ScheduleEnded {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who caused it; `None` is time itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The schedule.
        schedule_id: ScheduleId,
        /// Why.
        reason: EndReason,
        /// The request that caused it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<RequestId>,
    },
    /// An alert's configuration changed (the complete configuration after the change).
    AlertConfigured {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// Which alert.
        alert_id: AlertId,
        /// Its configuration.
        configuration: AlertConfiguration,
    },
    /// An administrator dismissed an alert: it stays inactive until refreshed.
    AlertDismissed {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// Which alert.
        alert_id: AlertId,
    },
    /// Alerts were refreshed: dismissed ones are scanned again.
    AlertsRefreshed {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// Which alerts.
        alert_ids: Vec<AlertId>,
    },
    /// The directory reported a sign-in (a fact the host records for the stale-account alert
    /// and review recommendations).
    SignInRecorded {
        /// When it was recorded.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who signed in.
        principal_id: PrincipalId,
        /// When they signed in.
        #[serde(with = "crate::time::instant")]
        sign_in_date_time: Instant,
    },
    /// An assigned schedule's end is near: reminders go out 14 days and 1 day before.
    ReminderDue {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// The schedule.
        schedule_id: ScheduleId,
        /// Days before its end.
        days_before: u32,
    },
    /// How long audit records stay visible changed.
    AuditRetentionSet {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// Days; `None` keeps every record.
        #[serde(default)]
        days: Option<u32>,
    },
    /// An access review was created.
    ReviewCreated {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The definition, with its id and first start.
        definition: ReviewDefinition,
    },
    /// An instance started and took its snapshot of access.
    ReviewInstanceStarted {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// The review.
        review_id: ReviewId,
        /// The instance number.
        index: u32,
        /// Its planned end.
        #[serde(with = "crate::time::instant")]
        end_date_time: Instant,
        /// The access under review.
        items: Vec<ReviewItem>,
    },
    /// A reviewer decided on one principal's access.
    ReviewDecided {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// The reviewer.
        by: PrincipalId,
        /// The review.
        review_id: ReviewId,
        /// The instance number.
        index: u32,
        /// Whose access.
        principal_id: PrincipalId,
        /// The decision.
        decision: ReviewDecision,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
    },
    /// An instance ended (at its end, or stopped by an administrator).
    ReviewInstanceEnded {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who stopped it; `None` when its end came.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The review.
        review_id: ReviewId,
        /// The instance number.
        index: u32,
    },
    /// An instance's midpoint passed while it was in progress, with reminders on: the
    /// reviewers who have not finished are reminded.
    ReviewReminderDue {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// The review.
        review_id: ReviewId,
        /// The instance number.
        index: u32,
    },
    /// An administrator cleared an instance's decisions.
    ReviewReset {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The review.
        review_id: ReviewId,
        /// The instance number.
        index: u32,
    },
    /// An instance's results were applied; removals follow as `scheduleEnded` events.
    ReviewApplied {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who; `None` for auto-apply.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The review.
        review_id: ReviewId,
        /// The instance number.
        index: u32,
        /// What applying did, per denied principal.
        results: Vec<(PrincipalId, ApplyResult)>,
    },
    /// A review was deleted: no further instances.
    ReviewDeleted {
        /// When.
        #[serde(with = "crate::time::instant")]
        at: Instant,
        /// Who.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<PrincipalId>,
        /// The review.
        review_id: ReviewId,
    },
}

impl Event {
    /// Every event kind's name, as it appears in `type`.
    pub const KINDS: &'static [&'static str] = &[
        "principalAdded",
        "roleDefinitionAdded",
        "membershipChanged",
        "policySet",
        "requestSubmitted",
        "requestRejected",
        "commandRefused",
        "approvalRecorded",
        "requestStatusChanged",
        "scheduleCreated",
        "scheduleUpdated",
        "scheduleEnded",
        "alertConfigured",
        "alertDismissed",
        "alertsRefreshed",
        "signInRecorded",
        "reminderDue",
        "auditRetentionSet",
        "reviewCreated",
        "reviewInstanceStarted",
        "reviewDecided",
        "reviewInstanceEnded",
        "reviewReset",
        "reviewApplied",
        "reviewDeleted",
        "reviewReminderDue",
    ];

    /// When the event happened.
    pub fn at(&self) -> Instant {
        match self {
            Event::PrincipalAdded { at, .. }
            | Event::RoleDefinitionAdded { at, .. }
            | Event::MembershipChanged { at, .. }
            | Event::PolicySet { at, .. }
            | Event::RequestSubmitted { at, .. }
            | Event::RequestRejected { at, .. }
            | Event::CommandRefused { at, .. }
            | Event::ApprovalRecorded { at, .. }
            | Event::RequestStatusChanged { at, .. }
            | Event::ScheduleCreated { at, .. }
            | Event::ScheduleUpdated { at, .. }
            | Event::ScheduleEnded { at, .. }
            | Event::AlertConfigured { at, .. }
            | Event::AlertDismissed { at, .. }
            | Event::AlertsRefreshed { at, .. }
            | Event::SignInRecorded { at, .. }
            | Event::ReminderDue { at, .. }
            | Event::AuditRetentionSet { at, .. }
            | Event::ReviewCreated { at, .. }
            | Event::ReviewInstanceStarted { at, .. }
            | Event::ReviewDecided { at, .. }
            | Event::ReviewInstanceEnded { at, .. }
            | Event::ReviewReminderDue { at, .. }
            | Event::ReviewReset { at, .. }
            | Event::ReviewApplied { at, .. }
            | Event::ReviewDeleted { at, .. } => *at,
        }
    }
}
