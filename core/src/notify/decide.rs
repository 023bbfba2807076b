//! The decision: which notifications an event calls for, and to whom. Compiled with the
//! `notifications` feature (a build that never keeps the outbox, such as the browser npm
//! module, leaves it out).

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::alerts::AlertId;
use crate::event::{Event, SchedulePayload};
use crate::request::{RequestRecord, ReviewResult, Status};
use crate::schedule::{AssignmentType, EndReason, Origin, Schedule};
use crate::state::State;
use crate::time::Instant;
use crate::wire::{Action, NotificationLevel, RecipientType, RequestKind, RuleId, SubjectSet};
use crate::{GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR};

use super::{MAX_RECIPIENTS, Notification, NotificationKind};

mod review_mail;

/// Security Administrator, a default recipient of role assignment and activation alerts.
const SECURITY_ADMINISTRATOR: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";

/// Who a rule's default recipients are, resolved only when a mail is sent.
enum Defaults<'a> {
    /// Active Privileged Role, Security and Global Administrators.
    Admins,
    /// Active Privileged Role and Global Administrators (who decide extensions).
    Deciders,
    /// The approvers of a request's current stage.
    Approvers(&'a RequestRecord),
    /// A principal, or a group's members.
    Assignee(&'a str),
    /// The approvers a role's first stage names (the default approvers when none).
    RoleApprovers(&'a [SubjectSet]),
}

/// The three rules (admin, requestor, approver) of one trigger.
struct Trigger {
    admin: RuleId,
    requestor: RuleId,
    approver: RuleId,
}

fn trigger(kind: AssignmentType, activation: bool) -> Trigger {
    use RuleId::*;
    match (activation, kind) {
        (true, _) => Trigger {
            admin: NotificationAdminEndUserAssignment,
            requestor: NotificationRequestorEndUserAssignment,
            approver: NotificationApproverEndUserAssignment,
        },
        (false, AssignmentType::Eligible) => Trigger {
            admin: NotificationAdminAdminEligibility,
            requestor: NotificationRequestorAdminEligibility,
            approver: NotificationApproverAdminEligibility,
        },
        (false, AssignmentType::Active) => Trigger {
            admin: NotificationAdminAdminAssignment,
            requestor: NotificationRequestorAdminAssignment,
            approver: NotificationApproverAdminAssignment,
        },
    }
}

fn schedule_kind(kind: RequestKind) -> AssignmentType {
    match kind {
        RequestKind::Eligibility => AssignmentType::Eligible,
        RequestKind::Assignment => AssignmentType::Active,
    }
}

struct Draft<'a> {
    state: &'a State,
    at: Instant,
    seq: usize,
    out: Vec<Notification>,
}

/// What a notification concerns.
struct About<'a> {
    principal: &'a str,
    role: &'a str,
    scope: &'a str,
    request: Option<&'a str>,
    schedule: Option<&'a str>,
}

impl Draft<'_> {
    /// Adds one notification under `rule`, unless the rule's level suppresses it.
    fn send(
        &mut self,
        rule: RuleId,
        kind: NotificationKind,
        critical: bool,
        defaults: Defaults<'_>,
        about: &About<'_>,
    ) {
        let settings = &self.state.policy(about.role, about.scope).settings;
        let Some(n) = settings.notifications.iter().find(|n| n.rule == rule) else {
            return;
        };
        match n.level {
            NotificationLevel::None => return,
            NotificationLevel::Critical if !critical => return,
            _ => {}
        }
        // Default recipients are resolved only for a mail that is sent: resolving
        // administrators reads every holder of three roles.
        let mut recipients: BTreeSet<String> = if n.default_recipients {
            self.resolve(defaults)
        } else {
            BTreeSet::new()
        };
        recipients.extend(n.additional_recipients.iter().cloned());
        if recipients.is_empty() {
            return;
        }
        let truncated = recipients.len() > MAX_RECIPIENTS;
        let recipients: Vec<String> = recipients.into_iter().take(MAX_RECIPIENTS).collect();
        let number = self.seq.saturating_add(self.out.len()).saturating_add(1);
        let role_name = self.state.directory().role_name(about.role);
        let who = self
            .state
            .directory()
            .principal(about.principal)
            .and_then(|p| p.display_name.as_deref())
            .unwrap_or(about.principal);
        self.out.push(Notification {
            id: format!("notification-{number}"),
            created_date_time: self.at,
            kind,
            rule_id: rule,
            recipient_type: rule.recipient().unwrap_or(RecipientType::Admin),
            critical,
            recipients,
            truncated,
            subject: subject(kind, who, role_name),
            principal_id: about.principal.into(),
            role_definition_id: about.role.into(),
            request_id: about.request.map(Into::into),
            schedule_id: about.schedule.map(Into::into),
            alert_id: None,
            review_id: None,
        });
    }

    /// The "Roles are being assigned outside of PIM" alert's mail, to the active Privileged
    /// Role, Security and Global Administrators, while the alert is enabled and not dismissed.
    fn send_outside_pim_alert(&mut self, s: &SchedulePayload) {
        let alert = AlertId::RolesAssignedOutsidePim;
        let settings = self.state.alert_settings();
        if !settings.is_enabled(alert) || settings.dismissed.contains(&alert) {
            return;
        }
        let recipients = self.admins();
        if recipients.is_empty() {
            return;
        }
        let truncated = recipients.len() > MAX_RECIPIENTS;
        let recipients: Vec<String> = recipients.into_iter().take(MAX_RECIPIENTS).collect();
        let number = self.seq.saturating_add(self.out.len()).saturating_add(1);
        let role_name = self.state.directory().role_name(&s.role_definition_id);
        let who = self
            .state
            .directory()
            .principal(&s.principal_id)
            .and_then(|p| p.display_name.as_deref())
            .unwrap_or(&s.principal_id);
        let kind = NotificationKind::RoleAssignedOutsidePim;
        self.out.push(Notification {
            id: format!("notification-{number}"),
            created_date_time: self.at,
            kind,
            rule_id: trigger(s.kind, false).admin,
            recipient_type: RecipientType::Admin,
            critical: true,
            recipients,
            truncated,
            subject: subject(kind, who, role_name),
            principal_id: s.principal_id.clone(),
            role_definition_id: s.role_definition_id.clone(),
            request_id: None,
            schedule_id: Some(s.id.clone()),
            alert_id: Some(alert),
            review_id: None,
        });
    }

    fn resolve(&self, defaults: Defaults<'_>) -> BTreeSet<String> {
        match defaults {
            Defaults::Admins => self.admins(),
            Defaults::Deciders => {
                self.holders(&[PRIVILEGED_ROLE_ADMINISTRATOR, GLOBAL_ADMINISTRATOR])
            }
            Defaults::Approvers(r) => self.approvers(
                r.current_step()
                    .map(|s| s.primary_approvers.as_slice())
                    .unwrap_or(&[]),
            ),
            Defaults::RoleApprovers(named) => self.approvers(named),
            Defaults::Assignee(p) => self.assignee(p),
        }
    }

    fn address(&self, principal: &str) -> String {
        self.state
            .directory()
            .principal(principal)
            .and_then(|p| p.mail.clone())
            .unwrap_or_else(|| principal.into())
    }

    /// A principal's own address, or its members' when it is a group.
    fn assignee(&self, principal: &str) -> BTreeSet<String> {
        let is_group = self
            .state
            .directory()
            .principal(principal)
            .is_some_and(|p| p.kind == crate::directory::PrincipalKind::Group);
        if is_group {
            self.state
                .directory()
                .transitive_members(principal)
                .iter()
                .map(|m| self.address(m))
                .collect()
        } else {
            BTreeSet::from([self.address(principal)])
        }
    }

    /// Active holders of the given roles at the tenant scope.
    fn holders(&self, roles: &[&str]) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for p in self.state.active_holders(roles, self.at) {
            out.insert(self.address(&p));
        }
        out
    }

    fn admins(&self) -> BTreeSet<String> {
        self.holders(&[
            PRIVILEGED_ROLE_ADMINISTRATOR,
            SECURITY_ADMINISTRATOR,
            GLOBAL_ADMINISTRATOR,
        ])
    }

    /// The approvers of a request's current stage; with none named, Privileged Role
    /// Administrators (Entra mails the default approvers only if no explicit approvers are set).
    fn approvers(&self, named: &[SubjectSet]) -> BTreeSet<String> {
        if named.is_empty() {
            return self.holders(&[PRIVILEGED_ROLE_ADMINISTRATOR]);
        }
        let mut out = BTreeSet::new();
        for s in named {
            match s {
                SubjectSet::SingleUser { user_id, .. } => {
                    out.insert(self.address(user_id));
                }
                SubjectSet::GroupMembers { group_id, .. } => {
                    for m in self.state.directory().transitive_members(group_id) {
                        out.insert(self.address(&m));
                    }
                }
            }
        }
        out
    }
}

fn subject(kind: NotificationKind, who: &str, role: &str) -> String {
    use NotificationKind::*;
    match kind {
        RoleAssigned => format!("PIM: {who} was assigned the {role} role"),
        ActivationApprovalRequested => {
            format!("PIM: Approval required: {who} requests to activate {role}")
        }
        ActivationApproved => format!("PIM: The request of {who} to activate {role} was approved"),
        ActivationDenied => format!("PIM: The request of {who} to activate {role} was denied"),
        ActivationRequestExpired => format!("PIM: The request of {who} to activate {role} expired"),
        RoleActivated => format!("PIM: {who} activated the {role} role"),
        ExtensionApprovalRequested => {
            format!("PIM: Approval required: {who} requests to extend or renew {role}")
        }
        ExtensionDecided => {
            format!("PIM: The extension or renewal of {role} for {who} was decided")
        }
        RoleUpdated => format!("PIM: The {role} assignment of {who} was updated"),
        ExpiresInFourteenDays => format!("PIM: The {role} role of {who} expires in 14 days"),
        ExpiresInOneDay => format!("PIM: The {role} role of {who} expires in 1 day"),
        Expired => format!("PIM: The {role} role of {who} expired"),
        BreakGlassActivated => format!("PIM: Break glass: {who} activated the {role} role"),
        RoleAssignedOutsidePim => {
            format!("PIM: Alert: {who} was assigned the {role} role outside of PIM")
        }
        // Review mails are named after the review (review_mail.rs).
        AccessReviewStarted => format!("PIM: Please review access to the {role} role"),
        AccessReviewReminder => format!("PIM: Reminder: review access to the {role} role"),
        AccessReviewCompleted => format!("PIM: The access review of the {role} role completed"),
    }
}

fn about_request(r: &RequestRecord) -> About<'_> {
    About {
        principal: &r.principal_id,
        role: &r.role_definition_id,
        scope: &r.scope,
        request: Some(&r.id),
        schedule: r.target_schedule_id.as_deref(),
    }
}

fn about_schedule(s: &Schedule) -> About<'_> {
    About {
        principal: &s.principal_id,
        role: &s.role_definition_id,
        scope: &s.scope,
        request: s.request_id.as_deref(),
        schedule: Some(&s.id),
    }
}

fn about_created(s: &SchedulePayload) -> About<'_> {
    About {
        principal: &s.principal_id,
        role: &s.role_definition_id,
        scope: &s.scope,
        request: s.request_id.as_deref(),
        schedule: Some(&s.id),
    }
}

/// The notifications an event yields, computed against the state before it is applied;
/// `seq` is the number of notifications so far.
pub(crate) fn notifications_for(state: &State, event: &Event, seq: usize) -> Vec<Notification> {
    let mut d = Draft {
        state,
        at: event.at(),
        seq,
        out: Vec::new(),
    };
    match event {
        Event::RequestSubmitted { .. } => on_request_submitted(&mut d, event),
        Event::ScheduleCreated { .. } => on_schedule_created(&mut d, event),
        Event::RequestStatusChanged { .. } => on_request_status_changed(&mut d, event),
        Event::ApprovalRecorded { .. } => on_approval_recorded(&mut d, event),
        Event::ReminderDue { .. } => on_reminder_due(&mut d, event),
        Event::ScheduleEnded { .. } => on_schedule_ended(&mut d, event),
        Event::ReviewInstanceStarted { .. }
        | Event::ReviewReminderDue { .. }
        | Event::ReviewInstanceEnded { .. } => review_mail::on_review(&mut d, event),
        _ => {}
    }
    d.out
}

/// The notifications when a request is submitted: approvers, deciders, or admins and the assignee.
fn on_request_submitted(d: &mut Draft<'_>, event: &Event) {
    use NotificationKind as K;
    let Event::RequestSubmitted { request, .. } = event else {
        return;
    };
    let r = &RequestRecord::from(request.clone());
    match (r.action, r.status) {
        (Action::SelfActivate, Status::PendingApproval) => {
            let t = trigger(AssignmentType::Active, true);
            d.send(
                t.approver,
                K::ActivationApprovalRequested,
                true,
                Defaults::Approvers(r),
                &about_request(r),
            );
        }
        (Action::SelfExtend | Action::SelfRenew, Status::PendingAdminDecision) => {
            let t = trigger(schedule_kind(r.kind), false);
            d.send(
                t.approver,
                K::ExtensionApprovalRequested,
                true,
                Defaults::Deciders,
                &about_request(r),
            );
        }
        (
            Action::AdminExtend | Action::AdminRenew | Action::AdminUpdate,
            Status::Provisioned | Status::Granted,
        ) => {
            let t = trigger(schedule_kind(r.kind), false);
            d.send(
                t.admin,
                K::RoleUpdated,
                false,
                Defaults::Admins,
                &about_request(r),
            );
            d.send(
                t.requestor,
                K::RoleUpdated,
                false,
                Defaults::Assignee(&r.principal_id),
                &about_request(r),
            );
        }
        _ => {}
    }
}

/// The notifications when a requested schedule is created: the role is assigned or activated.
fn on_schedule_created(d: &mut Draft<'_>, event: &Event) {
    use NotificationKind as K;
    let Event::ScheduleCreated { schedule, .. } = event else {
        return;
    };
    if schedule.outside_pim {
        d.send_outside_pim_alert(schedule);
        return;
    }
    if schedule.request_id.is_none() {
        return;
    }
    let s = schedule;
    let activation = s.origin == Origin::Activated;
    let t = trigger(s.kind, activation);
    let kind = if activation {
        K::RoleActivated
    } else {
        K::RoleAssigned
    };
    if s.break_glass {
        let settings = &d.state.policy(&s.role_definition_id, &s.scope).settings;
        let named = settings
            .approval
            .stages
            .first()
            .map_or(&[][..], |st| &st.approvers);
        let k = K::BreakGlassActivated;
        d.send(t.admin, k, true, Defaults::Admins, &about_created(s));
        d.send(
            t.approver,
            k,
            true,
            Defaults::RoleApprovers(named),
            &about_created(s),
        );
    }
    if !activation || s.start_date_time <= d.at {
        d.send(t.admin, kind, false, Defaults::Admins, &about_created(s));
        d.send(
            t.requestor,
            kind,
            false,
            Defaults::Assignee(&s.principal_id),
            &about_created(s),
        );
    }
}

/// The notifications when a request's status changes: canceled, timed out, provisioned.
fn on_request_status_changed(d: &mut Draft<'_>, event: &Event) {
    use NotificationKind as K;
    let state = d.state;
    let Event::RequestStatusChanged {
        request_id, status, ..
    } = event
    else {
        return;
    };
    let Some(r) = state.request_record(request_id) else {
        return;
    };
    let t = trigger(schedule_kind(r.kind), r.action == Action::SelfActivate);
    match (status, r.action) {
        (Status::Provisioned, Action::SelfActivate) => {
            d.send(
                t.admin,
                K::RoleActivated,
                false,
                Defaults::Admins,
                &about_request(r),
            );
            d.send(
                t.requestor,
                K::RoleActivated,
                false,
                Defaults::Assignee(&r.principal_id),
                &about_request(r),
            );
        }
        (Status::TimedOut, _) => {
            d.send(
                t.requestor,
                K::ActivationRequestExpired,
                false,
                Defaults::Assignee(&r.principal_id),
                &about_request(r),
            );
        }
        _ => {}
    }
}

/// The notifications when an approver answers: the requestor and the other approvers.
fn on_approval_recorded(d: &mut Draft<'_>, event: &Event) {
    use NotificationKind as K;
    let state = d.state;
    let Event::ApprovalRecorded {
        request_id,
        review_result,
        status,
        partial: false,
        ..
    } = event
    else {
        // A partial answer under a quorum asks nobody new and decides nothing.
        return;
    };
    let Some(r) = state.request_record(request_id) else {
        return;
    };
    let activation = r.action == Action::SelfActivate;
    let t = trigger(schedule_kind(r.kind), activation);
    let kind = match (activation, review_result) {
        (true, ReviewResult::Deny) => K::ActivationDenied,
        (true, _) => K::ActivationApproved,
        (false, _) => K::ExtensionDecided,
    };
    if *status == Status::PendingApproval {
        // The next stage's approvers are asked; the request's steps still show the
        // answered stage, so resolve the stage after it.
        let mut next = r.clone();
        if let Some(step) = next
            .approval_steps
            .iter_mut()
            .find(|s| s.review_result == ReviewResult::NotReviewed)
        {
            step.review_result = *review_result;
        }
        d.send(
            t.approver,
            K::ActivationApprovalRequested,
            true,
            Defaults::Approvers(&next),
            &about_request(r),
        );
    } else {
        // Every approver learns of the decision, then the requestor, as Entra does.
        // Extensions and renewals were asked of the deciding administrators.
        let deciders = if activation {
            Defaults::Approvers(r)
        } else {
            Defaults::Deciders
        };
        d.send(t.approver, kind, false, deciders, &about_request(r));
        d.send(
            t.requestor,
            kind,
            false,
            Defaults::Assignee(&r.principal_id),
            &about_request(r),
        );
    }
}

/// The notifications when an assigned schedule's end is near.
fn on_reminder_due(d: &mut Draft<'_>, event: &Event) {
    use NotificationKind as K;
    let state = d.state;
    let Event::ReminderDue {
        schedule_id,
        days_before,
        ..
    } = event
    else {
        return;
    };
    if let Some(s) = state.schedule(schedule_id) {
        let t = trigger(s.kind, false);
        let kind = if *days_before >= 14 {
            K::ExpiresInFourteenDays
        } else {
            K::ExpiresInOneDay
        };
        d.send(t.admin, kind, false, Defaults::Admins, &about_schedule(&s));
        d.send(
            t.requestor,
            kind,
            false,
            Defaults::Assignee(&s.principal_id),
            &about_schedule(&s),
        );
    }
}

/// The notifications when a schedule expires.
fn on_schedule_ended(d: &mut Draft<'_>, event: &Event) {
    use NotificationKind as K;
    let state = d.state;
    let Event::ScheduleEnded {
        schedule_id,
        reason: EndReason::Expired,
        ..
    } = event
    else {
        return;
    };
    if let Some(s) = state
        .schedule(schedule_id)
        .filter(|s| s.origin == Origin::Assigned)
    {
        let t = trigger(s.kind, false);
        d.send(
            t.admin,
            K::Expired,
            false,
            Defaults::Admins,
            &about_schedule(&s),
        );
        d.send(
            t.requestor,
            K::Expired,
            false,
            Defaults::Assignee(&s.principal_id),
            &about_schedule(&s),
        );
    }
}
