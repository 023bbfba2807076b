//! Audit records, derived from events with Entra's activity names (as PIM's audit history shows them): who did
//! what to whom, when, and why.

mod refusal;

use alloc::format;
use alloc::string::String;

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::event::{Event, SchedulePayload};
use crate::id::{PrincipalId, RoleDefinitionId, ScheduleId, ScopeId};
use crate::request::{RequestRecord, ReviewResult, Status};
use crate::schedule::{AssignmentType, EndReason, Origin, Schedule};
use crate::state::State;
use crate::time::Instant;
use crate::wire::{Action, RequestKind, TicketInfo};

wire_enum! {
    /// Whether the audited operation succeeded.
    pub enum AuditResult {
        /// It did.
        Success => "success",
        /// It was refused.
        Failure => "failure",
        /// It ran out of time.
        Timeout => "timeout",
    }
}

/// One audit record, shaped after Graph's `directoryAudit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditRecord {
    /// Sequence id.
    pub id: String,
    /// When.
    #[serde(with = "crate::time::instant")]
    pub activity_date_time: Instant,
    /// Entra's activity name, e.g. `Add member to role requested (PIM activation)`.
    pub activity_display_name: String,
    /// `RoleManagement`, `GroupManagement` or `UserManagement`.
    pub category: String,
    /// `Add`, `Update`, `Delete`, `Assign`, `Unassign`.
    pub operation_type: String,
    /// Outcome.
    pub result: AuditResult,
    /// Why: the justification, or the refusal's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_reason: Option<String>,
    /// Who did it; absent when time or the host did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiated_by: Option<PrincipalId>,
    /// Whom it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_principal_id: Option<PrincipalId>,
    /// Which role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_definition_id: Option<RoleDefinitionId>,
    /// The role's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_display_name: Option<String>,
    /// Where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeId>,
    /// The request or access review (Graph's `correlationId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The schedule concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<ScheduleId>,
    /// The ticket given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_info: Option<TicketInfo>,
}

wire_enum! {
    /// The audit category of a record (Entra's `category`), decided by the event that made it.
    pub enum Category {
        /// Role assignments, activations, role settings and PIM alerts.
        RoleManagement => "RoleManagement",
        /// Groups and their members.
        GroupManagement => "GroupManagement",
        /// Users, sign-ins, access reviews and everything else.
        UserManagement => "UserManagement",
    }
}

/// What a record is about, beyond its activity: every field optional.
#[derive(Default)]
struct About<'a> {
    reason: Option<String>,
    by: Option<&'a PrincipalId>,
    target: Option<&'a str>,
    role: Option<&'a str>,
    scope: Option<&'a str>,
    correlation: Option<&'a str>,
    schedule: Option<&'a str>,
    ticket: Option<&'a TicketInfo>,
}

struct Draft<'a> {
    state: &'a State,
    at: Instant,
    seq: usize,
    /// The category of the records pushed next.
    category: Category,
    out: Vec<AuditRecord>,
}

impl Draft<'_> {
    fn push(&mut self, activity: String, operation: &str, result: AuditResult, about: About<'_>) {
        let About {
            reason,
            by,
            target,
            role,
            scope,
            correlation,
            schedule,
            ticket,
        } = about;
        let n = self.seq.saturating_add(self.out.len()).saturating_add(1);
        let category = self.category.as_str();
        self.out.push(AuditRecord {
            id: format!("audit-{n}"),
            activity_date_time: self.at,
            activity_display_name: activity,
            category: category.into(),
            operation_type: operation.into(),
            result,
            result_reason: reason,
            initiated_by: by.cloned(),
            target_principal_id: target.map(Into::into),
            role_definition_id: role.map(Into::into),
            role_display_name: role.map(|r| self.state.directory().role_name(r).into()),
            scope: scope.map(Into::into),
            correlation_id: correlation.map(Into::into),
            schedule_id: schedule.map(Into::into),
            ticket_info: ticket.cloned(),
        });
    }

    /// A record about the tenant itself (settings, alerts, retention): no principal, role or
    /// request concerned.
    fn tenant(
        &mut self,
        activity: String,
        operation: &str,
        reason: Option<String>,
        by: Option<&PrincipalId>,
    ) {
        self.push(
            activity,
            operation,
            AuditResult::Success,
            About {
                reason,
                by,
                ..About::default()
            },
        );
    }

    fn request(
        &mut self,
        activity: String,
        operation: &str,
        result: AuditResult,
        r: &RequestRecord,
        by: Option<&PrincipalId>,
        reason: Option<String>,
    ) {
        self.push(
            activity,
            operation,
            result,
            About {
                reason: reason.or_else(|| r.justification.clone()),
                by,
                target: Some(&r.principal_id),
                role: Some(&r.role_definition_id),
                scope: Some(&r.scope),
                correlation: Some(&r.id),
                schedule: r.target_schedule_id.as_deref(),
                ticket: r.ticket_info.as_ref(),
            },
        );
    }

    fn schedule<'s>(
        &mut self,
        activity: String,
        operation: &str,
        s: impl Into<Held<'s>>,
        by: Option<&PrincipalId>,
        request: Option<&str>,
    ) {
        let s = s.into();
        let r = request.and_then(|id| self.state.request_record(id));
        self.push(
            activity,
            operation,
            AuditResult::Success,
            About {
                reason: r.and_then(|r| r.justification.clone()),
                by,
                target: Some(s.principal),
                role: Some(s.role),
                scope: Some(s.scope),
                correlation: request,
                schedule: Some(s.id),
                ticket: r.and_then(|r| r.ticket_info.as_ref()),
            },
        );
    }
}

/// The activity name a request gets when it is made.
fn requested_activity(r: &RequestRecord) -> String {
    let eligible = r.kind == RequestKind::Eligibility;
    let d = r.duration_word();
    String::from(match (r.action, eligible) {
        (Action::SelfActivate, _) => "Add member to role requested (PIM activation)",
        (Action::SelfDeactivate, _) => "Remove member from role requested (PIM deactivate)",
        (Action::AdminAssign, true) => {
            return format!("Add eligible member to role in PIM requested ({d})");
        }
        (Action::AdminAssign, false) => {
            return format!("Add member to role in PIM requested ({d})");
        }
        (Action::AdminRemove, true) => {
            return format!("Remove eligible member from role in PIM requested ({d})");
        }
        (Action::AdminRemove, false) => {
            return format!("Remove member from role in PIM requested ({d})");
        }
        (Action::AdminExtend | Action::SelfExtend, true) => {
            "Update eligible member in PIM requested (extend)"
        }
        (Action::AdminExtend | Action::SelfExtend, false) => {
            "Update member in PIM requested (extend)"
        }
        (Action::AdminRenew | Action::SelfRenew, true) => {
            "Add eligible member to role in PIM requested (renew)"
        }
        (Action::AdminRenew | Action::SelfRenew, false) => {
            "Add member to role in PIM requested (renew)"
        }
        (Action::AdminUpdate, _) => "Process role update request",
    })
}

/// The activity name of a request being canceled.
fn canceled_activity(r: &RequestRecord) -> String {
    let eligible = r.kind == RequestKind::Eligibility;
    let dw = r.duration_word();
    match (r.action, eligible) {
        (Action::SelfActivate, _) => "Add member to role canceled (PIM activation)".into(),
        (Action::SelfExtend | Action::AdminExtend, true) => {
            "Update eligible member in PIM canceled (extend)".into()
        }
        (Action::SelfExtend | Action::AdminExtend, false) => {
            "Update member in PIM canceled (extend)".into()
        }
        (Action::SelfRenew | Action::AdminRenew, true) => {
            "Add eligible member to role in PIM canceled (renew)".into()
        }
        (Action::SelfRenew | Action::AdminRenew, false) => {
            "Add member to role in PIM canceled (renew)".into()
        }
        (_, true) => format!("Add eligible member to role in PIM canceled ({dw})"),
        (_, false) => format!("Add member to role in PIM canceled ({dw})"),
    }
}

/// The operation type of a request's "requested" record: the verb its activity name starts
/// with (`Add`, `Remove` or `Update`), so a removal is never recorded as an addition.
fn requested_operation(action: Action) -> &'static str {
    match action {
        Action::SelfActivate | Action::AdminAssign | Action::AdminRenew | Action::SelfRenew => {
            "Add"
        }
        Action::SelfDeactivate | Action::AdminRemove => "Remove",
        Action::SelfExtend | Action::AdminExtend | Action::AdminUpdate => "Update",
    }
}

/// The activity name of a schedule coming into effect.
/// The names a schedule's record carries, borrowed from a stored schedule or from a new one's
/// payload (so a `scheduleCreated` event is audited without copying its schedule).
struct Held<'a> {
    id: &'a str,
    principal: &'a str,
    role: &'a str,
    scope: &'a str,
}

impl<'a> From<&'a Schedule> for Held<'a> {
    fn from(s: &'a Schedule) -> Self {
        Held {
            id: &s.id,
            principal: &s.principal_id,
            role: &s.role_definition_id,
            scope: &s.scope,
        }
    }
}

impl<'a> From<&'a SchedulePayload> for Held<'a> {
    fn from(s: &'a SchedulePayload) -> Self {
        Held {
            id: &s.id,
            principal: &s.principal_id,
            role: &s.role_definition_id,
            scope: &s.scope,
        }
    }
}

fn completed_activity(s: &SchedulePayload, renewal: bool) -> String {
    let d = s.duration_word();
    match (s.kind, s.origin, renewal) {
        (_, Origin::Activated, _) => "Add member to role completed (PIM activation)".into(),
        (AssignmentType::Eligible, _, true) => {
            "Restore eligible member from role in PIM completed".into()
        }
        (AssignmentType::Active, _, true) => "Restore member from role in PIM completed".into(),
        (AssignmentType::Eligible, _, false) => {
            format!("Add eligible member to role in PIM completed ({d})")
        }
        (AssignmentType::Active, _, false) => format!("Add member to role in PIM completed ({d})"),
    }
}

/// The audit records an event yields; `seq` is the number of records so far.
pub(crate) fn records_for(state: &State, event: &Event, seq: usize) -> Vec<AuditRecord> {
    let mut d = Draft {
        state,
        at: event.at(),
        seq,
        category: Category::UserManagement,
        out: Vec::new(),
    };
    match event {
        Event::PrincipalAdded { .. }
        | Event::RoleDefinitionAdded { .. }
        | Event::MembershipChanged { .. } => directory_records(&mut d, event),
        Event::RequestSubmitted { .. }
        | Event::RequestRejected { .. }
        | Event::ApprovalRecorded { .. }
        | Event::RequestStatusChanged { .. } => request_records(&mut d, event),
        Event::ScheduleCreated { .. }
        | Event::ScheduleUpdated { .. }
        | Event::ScheduleEnded { .. }
        | Event::ReminderDue { .. } => schedule_records(&mut d, event),
        Event::PolicySet { .. }
        | Event::AlertConfigured { .. }
        | Event::AlertDismissed { .. }
        | Event::AlertsRefreshed { .. }
        | Event::AuditRetentionSet { .. }
        | Event::SignInRecorded { .. } => governance_records(&mut d, event),
        Event::ReviewCreated { .. }
        | Event::ReviewInstanceStarted { .. }
        | Event::ReviewInstanceEnded { .. }
        | Event::ReviewReminderDue { .. }
        | Event::ReviewDeleted { .. } => review_records(&mut d, event),
        Event::ReviewDecided { .. } | Event::ReviewReset { .. } | Event::ReviewApplied { .. } => {
            review_decision_records(&mut d, event)
        }
        Event::CommandRefused { .. } => refusal::refusal_records(&mut d, event),
    }
    if d.out.is_empty() {
        d.category = Category::UserManagement;
        d.tenant("Process request".into(), "Update", None, None);
    }
    d.out
}

/// The audit records of principals, role definitions and group members.
fn directory_records(d: &mut Draft<'_>, event: &Event) {
    d.category = Category::UserManagement;
    let ok = AuditResult::Success;
    match event {
        Event::PrincipalAdded { principal, .. } => {
            let what = match principal.kind {
                crate::directory::PrincipalKind::User => "Add user",
                crate::directory::PrincipalKind::Group => "Add group",
                crate::directory::PrincipalKind::ServicePrincipal => "Add service principal",
            };
            if principal.kind == crate::directory::PrincipalKind::Group {
                d.category = Category::GroupManagement;
            }
            d.push(
                what.into(),
                "Add",
                ok,
                About {
                    target: Some(&principal.id),
                    ..About::default()
                },
            );
        }
        Event::RoleDefinitionAdded { role, .. } => {
            d.push(
                "Role definition created".into(),
                "Add",
                ok,
                About {
                    role: Some(&role.id),
                    ..About::default()
                },
            );
        }
        Event::MembershipChanged {
            by,
            group_id,
            added,
            removed,
            ..
        } => {
            d.category = Category::GroupManagement;
            for m in added {
                d.push(
                    "Add member to group".into(),
                    "Assign",
                    ok,
                    About {
                        by: by.as_ref(),
                        target: Some(m),
                        scope: Some(group_id),
                        ..About::default()
                    },
                );
            }
            for m in removed {
                d.push(
                    "Remove member from group".into(),
                    "Unassign",
                    ok,
                    About {
                        by: by.as_ref(),
                        target: Some(m),
                        scope: Some(group_id),
                        ..About::default()
                    },
                );
            }
            if added.is_empty() && removed.is_empty() {
                d.push(
                    "Update group".into(),
                    "Update",
                    ok,
                    About {
                        by: by.as_ref(),
                        scope: Some(group_id),
                        ..About::default()
                    },
                );
            }
        }
        _ => {}
    }
}

/// The audit records of schedule requests: submitted, refused, answered, changed status.
fn request_records(d: &mut Draft<'_>, event: &Event) {
    d.category = Category::RoleManagement;
    let ok = AuditResult::Success;
    let state = d.state;
    match event {
        Event::RequestSubmitted { request, .. } => {
            let request = &RequestRecord::from(request.clone());
            let by = request.created_by.as_ref();
            let operation = requested_operation(request.action);
            d.request(
                requested_activity(request),
                operation,
                ok,
                request,
                by,
                None,
            );
            if request.status == Status::PendingApproval {
                d.request(
                    "Add member to role approval requested (PIM activation)".into(),
                    "Add",
                    ok,
                    request,
                    by,
                    None,
                );
            }
        }
        Event::RequestRejected { request, code, .. } => {
            let request = &RequestRecord::from(request.clone());
            let by = request.created_by.as_ref();
            d.request(
                requested_activity(request),
                requested_operation(request.action),
                AuditResult::Failure,
                request,
                by,
                Some(code.as_str().into()),
            );
        }
        Event::ApprovalRecorded {
            request_id,
            approver,
            review_result,
            justification,
            ..
        } => {
            if let Some(r) = state.request_record(request_id) {
                let activation = r.action == Action::SelfActivate;
                let name = match (activation, review_result) {
                    (true, ReviewResult::Deny) => {
                        "Add member to role request denied (PIM activation)"
                    }
                    (true, _) => "Add member to role request approved (PIM activation)",
                    (false, ReviewResult::Deny) => {
                        "Update member in PIM denied by admin (extend/renew)"
                    }
                    (false, _) => "Update member in PIM approved by admin (extend/renew)",
                };
                d.request(
                    name.into(),
                    "Update",
                    ok,
                    r,
                    Some(approver),
                    justification.clone(),
                );
            }
        }
        Event::RequestStatusChanged {
            request_id,
            status,
            by,
            ..
        } => {
            if let Some(r) = state.request_record(request_id) {
                let eligible = r.kind == RequestKind::Eligibility;
                let dw = r.duration_word();
                let (name, result) = match (status, r.action) {
                    (Status::TimedOut, _) => (
                        "PIM activation request expired".into(),
                        AuditResult::Timeout,
                    ),
                    (Status::Canceled, _) => (canceled_activity(r), ok),
                    (Status::Provisioned, Action::SelfActivate) => {
                        ("Add member to role completed (PIM activation)".into(), ok)
                    }
                    (Status::Provisioned, _) if eligible => (
                        format!("Add eligible member to role in PIM completed ({dw})"),
                        ok,
                    ),
                    (Status::Provisioned, _) => {
                        (format!("Add member to role in PIM completed ({dw})"), ok)
                    }
                    _ => {
                        d.category = Category::UserManagement;
                        ("Process request".into(), ok)
                    }
                };
                d.request(name, "Update", result, r, by.as_ref(), None);
            }
        }
        _ => {}
    }
}

/// The audit records of schedules: created, updated, ended, reminded.
fn schedule_records(d: &mut Draft<'_>, event: &Event) {
    d.category = Category::RoleManagement;
    let state = d.state;
    match event {
        Event::ScheduleCreated { by, schedule, .. } => {
            let request = schedule.request_id.as_deref();
            let renewal = request
                .and_then(|id| state.request_record(id))
                .is_some_and(|r| matches!(r.action, Action::AdminRenew | Action::SelfRenew));
            let name = if schedule.request_id.is_none() {
                match schedule.kind {
                    AssignmentType::Active => format!(
                        "Add member to role outside of PIM ({})",
                        schedule.duration_word()
                    ),
                    AssignmentType::Eligible => format!(
                        "Add eligible member to role in PIM completed ({})",
                        schedule.duration_word()
                    ),
                }
            } else if schedule.start_date_time > d.at {
                d.category = Category::UserManagement;
                "Process request".into()
            } else {
                completed_activity(schedule, renewal)
            };
            d.schedule(name, "Assign", schedule, by.as_ref(), request);
        }
        Event::ScheduleUpdated {
            by,
            schedule_id,
            request_id,
            ..
        } => {
            if let Some(s) = state.schedule(schedule_id) {
                d.schedule(
                    "Process role update request".into(),
                    "Update",
                    &s,
                    by.as_ref(),
                    request_id.as_deref(),
                );
            }
        }
        Event::ScheduleEnded {
            by,
            schedule_id,
            reason,
            request_id,
            ..
        } => {
            if let Some(s) = state.schedule(schedule_id) {
                let dw = s.duration_word();
                let name = match (s.origin, s.kind, reason) {
                    (Origin::Activated, _, EndReason::Expired) => {
                        "Remove member from role (PIM activation expired)".into()
                    }
                    (Origin::Activated, _, EndReason::Canceled) => {
                        "Add member to role canceled (PIM activation)".into()
                    }
                    (Origin::Activated, _, _) => {
                        "Remove member from role completed (PIM deactivate)".into()
                    }
                    (_, AssignmentType::Eligible, EndReason::Canceled) => {
                        format!("Add eligible member to role in PIM canceled ({dw})")
                    }
                    (_, AssignmentType::Active, EndReason::Canceled) => {
                        format!("Add member to role in PIM canceled ({dw})")
                    }
                    (_, AssignmentType::Eligible, _) => {
                        format!("Remove eligible member from role in PIM completed ({dw})")
                    }
                    (_, AssignmentType::Active, _) => {
                        format!("Remove member from role in PIM completed ({dw})")
                    }
                };
                d.schedule(name, "Unassign", &s, by.as_ref(), request_id.as_deref());
            }
        }
        Event::ReminderDue {
            schedule_id,
            days_before,
            ..
        } => {
            d.category = Category::UserManagement;
            if let Some(s) = state.schedule(schedule_id) {
                d.schedule(
                    match days_before {
                        1 => String::from("Expiry reminder sent (1 day before)"),
                        n => format!("Expiry reminder sent ({n} days before)"),
                    },
                    "Update",
                    &s,
                    None,
                    None,
                );
            }
        }
        _ => {}
    }
}

/// The audit records of role settings, alert settings, audit retention and sign-ins.
fn governance_records(d: &mut Draft<'_>, event: &Event) {
    d.category = Category::RoleManagement;
    let ok = AuditResult::Success;
    let state = d.state;
    match event {
        Event::PolicySet {
            by,
            role_definition_id,
            scope_id,
            ..
        } => {
            d.push(
                "Update role setting in PIM".into(),
                "Update",
                ok,
                About {
                    by: by.as_ref(),
                    role: Some(role_definition_id),
                    scope: Some(scope_id),
                    ..About::default()
                },
            );
        }
        Event::AlertConfigured {
            by,
            alert_id,
            configuration,
            ..
        } => {
            let name = match configuration.is_enabled {
                Some(true) if !state.alert_settings().is_enabled(*alert_id) => "Enable PIM alert",
                Some(false) if state.alert_settings().is_enabled(*alert_id) => "Disable PIM alert",
                _ => "Update PIM alert setting",
            };
            d.tenant(
                name.into(),
                "Update",
                Some(alert_id.as_str().into()),
                by.as_ref(),
            );
        }
        Event::AlertDismissed { by, alert_id, .. } => {
            d.tenant(
                "Deactivate PIM alert".into(),
                "Update",
                Some(alert_id.as_str().into()),
                by.as_ref(),
            );
        }
        Event::AlertsRefreshed { by, alert_ids, .. } => {
            for a in alert_ids {
                d.tenant(
                    "Refresh PIM alert".into(),
                    "Update",
                    Some(a.as_str().into()),
                    by.as_ref(),
                );
            }
        }
        Event::AuditRetentionSet { by, days, .. } => {
            let reason = days.map_or(String::from("keep all records"), |d| format!("{d} days"));
            d.tenant(
                "Update audit retention in PIM".into(),
                "Update",
                Some(reason),
                by.as_ref(),
            );
        }
        Event::SignInRecorded { principal_id, .. } => {
            d.category = Category::UserManagement;
            d.push(
                "Sign-in recorded".into(),
                "Update",
                ok,
                About {
                    target: Some(principal_id),
                    ..About::default()
                },
            );
        }
        _ => {}
    }
}

/// The audit records of access reviews: created, instances started and ended, deleted.
fn review_records(d: &mut Draft<'_>, event: &Event) {
    d.category = Category::UserManagement;
    let ok = AuditResult::Success;
    let state = d.state;
    match event {
        Event::ReviewCreated { by, definition, .. } => {
            d.push(
                "Create access review".into(),
                "Add",
                ok,
                About {
                    reason: definition.display_name.clone(),
                    by: by.as_ref(),
                    role: Some(&definition.role_definition_id),
                    scope: Some(&definition.scope_id),
                    correlation: definition.id.as_deref(),
                    ..About::default()
                },
            );
        }
        Event::ReviewInstanceStarted {
            review_id, items, ..
        } => {
            let role = state
                .review(review_id)
                .map(|r| r.definition.role_definition_id.clone());
            d.push(
                "Access review started".into(),
                "Update",
                ok,
                About {
                    reason: Some(format!("{} principals under review", items.len())),
                    role: role.as_deref(),
                    correlation: Some(review_id),
                    ..About::default()
                },
            );
        }
        Event::ReviewReminderDue { review_id, .. } => {
            let role = state
                .review(review_id)
                .map(|r| r.definition.role_definition_id.clone());
            d.push(
                "Access review reminder due".into(),
                "Update",
                ok,
                About {
                    role: role.as_deref(),
                    correlation: Some(review_id),
                    ..About::default()
                },
            );
        }
        Event::ReviewInstanceEnded { by, review_id, .. } => {
            d.push(
                "Access review ended".into(),
                "Update",
                ok,
                About {
                    by: by.as_ref(),
                    correlation: Some(review_id),
                    ..About::default()
                },
            );
        }
        Event::ReviewDeleted { by, review_id, .. } => {
            d.push(
                "Delete access review".into(),
                "Delete",
                ok,
                About {
                    by: by.as_ref(),
                    correlation: Some(review_id),
                    ..About::default()
                },
            );
        }
        _ => {}
    }
}

/// The audit records of access review decisions: decided, reset, applied.
fn review_decision_records(d: &mut Draft<'_>, event: &Event) {
    d.category = Category::UserManagement;
    let ok = AuditResult::Success;
    let state = d.state;
    match event {
        Event::ReviewDecided {
            by,
            review_id,
            principal_id,
            decision,
            justification,
            ..
        } => {
            let name = match decision {
                crate::review::ReviewDecision::Approve => "Approve decision",
                crate::review::ReviewDecision::Deny => "Deny decision",
                crate::review::ReviewDecision::DontKnow => "Don't know decision",
                crate::review::ReviewDecision::NotReviewed => "Reset decision",
            };
            let role = state
                .review(review_id)
                .map(|r| r.definition.role_definition_id.clone());
            d.push(
                name.into(),
                "Update",
                ok,
                About {
                    reason: justification.clone(),
                    by: Some(by),
                    target: Some(principal_id),
                    role: role.as_deref(),
                    correlation: Some(review_id),
                    ..About::default()
                },
            );
        }
        Event::ReviewReset { by, review_id, .. } => {
            d.push(
                "Reset decision".into(),
                "Update",
                ok,
                About {
                    by: by.as_ref(),
                    correlation: Some(review_id),
                    ..About::default()
                },
            );
        }
        Event::ReviewApplied {
            by,
            review_id,
            results,
            ..
        } => {
            let name = if by.is_some() {
                "Apply decision"
            } else {
                "Auto apply review"
            };
            d.push(
                name.into(),
                "Update",
                ok,
                About {
                    reason: Some(format!("{} denied principals", results.len())),
                    by: by.as_ref(),
                    correlation: Some(review_id),
                    ..About::default()
                },
            );
        }
        _ => {}
    }
}

/// The CSV header of [`to_csv`].
pub const CSV_HEADER: &str = "id,activityDateTime,activityDisplayName,category,operationType,result,resultReason,initiatedBy,targetPrincipalId,roleDefinitionId,roleDisplayName,scope,correlationId,scheduleId,ticketNumber,ticketSystem";

/// Audit records as CSV (RFC 4180, CRLF line ends, header first). Fields that a spreadsheet
/// would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) are
/// prefixed with `'`, so an exported justification cannot execute in the reader's spreadsheet.
pub fn to_csv(records: &[AuditRecord]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for r in records {
        push_csv_row(&mut out, r);
    }
    out
}

/// Appends one record to `out` as a CSV row of [`CSV_HEADER`]'s columns, CRLF included, with
/// the same quoting and formula neutralising as [`to_csv`]: the one CSV writer every export
/// uses (a host that streams its export writes the header, then one row per record).
pub fn push_csv_row(out: &mut String, r: &AuditRecord) {
    let time = crate::time::format_instant(&r.activity_date_time);
    let ticket = r.ticket_info.as_ref();
    let fields: [Option<&str>; 16] = [
        Some(&r.id),
        Some(&time),
        Some(&r.activity_display_name),
        Some(&r.category),
        Some(&r.operation_type),
        Some(r.result.as_str()),
        r.result_reason.as_deref(),
        r.initiated_by.as_deref(),
        r.target_principal_id.as_deref(),
        r.role_definition_id.as_deref(),
        r.role_display_name.as_deref(),
        r.scope.as_deref(),
        r.correlation_id.as_deref(),
        r.schedule_id.as_deref(),
        ticket.and_then(|t| t.ticket_number.as_deref()),
        ticket.and_then(|t| t.ticket_system.as_deref()),
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, f.unwrap_or_default());
    }
    out.push_str("\r\n");
}

fn csv_field(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

/// Audit records as JSON Lines: one JSON object per line.
pub fn to_jsonl(records: &[AuditRecord]) -> String {
    let mut out = String::new();
    for r in records {
        if let Ok(line) = serde_json::to_string(r) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(reason: &str) -> AuditRecord {
        AuditRecord {
            id: "audit-1".into(),
            activity_date_time: crate::time::parse_instant("2026-03-02T09:00:00Z").expect("valid"),
            activity_display_name: "Add member to role requested (PIM activation)".into(),
            category: "RoleManagement".into(),
            operation_type: "Add".into(),
            result: AuditResult::Success,
            result_reason: Some(reason.into()),
            initiated_by: Some("user1".into()),
            target_principal_id: Some("user1".into()),
            role_definition_id: None,
            role_display_name: None,
            scope: Some("/".into()),
            correlation_id: None,
            schedule_id: None,
            ticket_info: None,
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let csv = to_csv(&[record("fix \"mail\", now"), record("=HYPERLINK(\"x\")")]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert!(
            lines[1].contains(",\"fix \"\"mail\"\", now\","),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains(",\"'=HYPERLINK(\"\"x\"\")\","),
            "{}",
            lines[2]
        );
        assert_eq!(lines[1].matches(',').count(), 15 + 1, "one quoted comma");
    }

    #[test]
    fn csv_neutralises_every_formula_prefix() {
        for (reason, field) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("+1", "\"'+1\""),
            ("-1", "\"'-1\""),
            ("@x", "\"'@x\""),
            ("\tx", "\"'\tx\""),
            ("\rx", "\"'\rx\""),
            ("a=1", "a=1"),
        ] {
            let csv = to_csv(&[record(reason)]);
            let row = csv
                .strip_prefix(CSV_HEADER)
                .and_then(|rest| rest.strip_prefix("\r\n"))
                .expect("the header comes first");
            assert!(
                row.contains(&format!(",{field},")),
                "{reason:?} exported as {row:?}"
            );
        }
    }

    #[test]
    fn jsonl_is_one_object_per_line() {
        let out = to_jsonl(&[record("a"), record("b")]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        let back: AuditRecord = serde_json::from_str(lines[1]).expect("round trip");
        assert_eq!(back.result_reason.as_deref(), Some("b"));
    }
}
