//! Commands: Graph-shaped requests, approval decisions, cancels, role settings and directory
//! changes. `execute` decides and returns the events to persist; nothing changes until the host
//! applies them.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use chrono::TimeDelta;
use serde::{Deserialize, Deserializer, Serialize};

use super::Engine;
use crate::directory::{Principal, PrincipalKind, RoleDefinition};
use crate::error::{CommandError, Decision, DecisionError, ErrorCode};
use crate::event::Event;
use crate::id::{PrincipalId, RequestId, ReviewId, RoleDefinitionId, ScopeId};
use crate::policy::Policy;
use crate::request::{RequestRecord, ReviewResult, Status};
use crate::schedule::{AssignmentType, Schedule, normalise_scope};
use crate::time::{Instant, format_instant};
use crate::wire::{
    Action, DirectorySnapshot, ExpirationType, PolicyRule, PolicyScopeType, RequestKind,
    RequestSchedule, ScheduleRequestBody,
};

/// The longest justification accepted, in characters.
pub const MAX_JUSTIFICATION: usize = 500;
/// The longest ticket number or ticket system accepted, in characters.
pub const MAX_TICKET: usize = 100;
/// The longest id accepted, in bytes.
pub const MAX_ID: usize = 256;
/// How far ahead an activation may be scheduled.
pub const MAX_ACTIVATION_LEAD: TimeDelta = TimeDelta::days(30);

/// Who is calling, and what their session proves.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallContext {
    /// The calling principal; `None` is the host itself (tenant load, bootstrap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<PrincipalId>,
    /// Whether the caller's session satisfied multi-factor authentication.
    #[serde(default)]
    pub mfa: bool,
    /// Conditional Access authentication-context claims the session satisfied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth_context: Vec<String>,
}

impl CallContext {
    /// A call by `principal`.
    pub fn user(principal: &str) -> Self {
        CallContext {
            caller: Some(principal.into()),
            ..CallContext::default()
        }
    }

    /// A call by the host itself.
    pub fn system() -> Self {
        CallContext::default()
    }

    /// The same caller, with MFA satisfied.
    pub fn with_mfa(mut self) -> Self {
        self.mfa = true;
        self
    }
}

/// A command, in wire form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
#[non_exhaustive]
pub enum Command {
    /// Loads directory objects and existing assignments (host only).
    ImportDirectory {
        /// What to load.
        directory: alloc::boxed::Box<DirectorySnapshot>,
    },
    /// Changes a role's settings at a scope.
    SetPolicy {
        /// The role.
        role_definition_id: RoleDefinitionId,
        /// The scope; `/` when absent.
        #[serde(default = "root_scope")]
        scope_id: ScopeId,
        /// `DirectoryRole` unless stated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope_type: Option<PolicyScopeType>,
        /// The rules to change; others keep their value.
        rules: Vec<PolicyRule>,
    },
    /// A Graph schedule request.
    Request {
        /// Assignment (active, activation) or eligibility request.
        kind: RequestKind,
        /// The Graph body.
        body: alloc::boxed::Box<ScheduleRequestBody>,
    },
    /// An approver's (or, for extend and renew, an administrator's) answer.
    Decide {
        /// The request.
        request_id: RequestId,
        /// `Approve` or `Deny`.
        #[serde(deserialize_with = "review_result")]
        review_result: ReviewResult,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
    },
    /// Cancels a pending or scheduled request.
    Cancel {
        /// The request.
        request_id: RequestId,
    },
    /// Changes an alert's configuration.
    ConfigureAlert {
        /// Which alert (Graph id).
        alert_id: crate::alerts::AlertId,
        /// The settings to change.
        configuration: crate::alerts::AlertConfiguration,
    },
    /// Dismisses an alert until the next refresh.
    DismissAlert {
        /// Which alert.
        alert_id: crate::alerts::AlertId,
    },
    /// Refreshes alerts (all when the list is empty), re-activating dismissed ones.
    RefreshAlerts {
        /// Which alerts.
        #[serde(default)]
        alert_ids: Vec<crate::alerts::AlertId>,
    },
    /// Remediates an alert: one incident, or all of them.
    RemediateAlert {
        /// Which alert.
        alert_id: crate::alerts::AlertId,
        /// Which incident; all when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incident_id: Option<String>,
    },
    /// Records a sign-in the directory reported (host only).
    RecordSignIn {
        /// Who signed in.
        principal_id: PrincipalId,
        /// When; now when absent.
        #[serde(
            default,
            with = "crate::time::instant_opt",
            skip_serializing_if = "Option::is_none"
        )]
        sign_in_date_time: Option<Instant>,
    },
    /// Records an assignment the directory reports that PIM did not make (host only).
    RecordOutsideAssignment {
        /// The assignment.
        assignment: crate::wire::AssignmentEntry,
    },
    /// Sets how long audit records stay visible, in days (1–3650); `null` keeps them all.
    SetAuditRetention {
        /// Days.
        days: Option<u32>,
    },
    /// Creates an access review.
    CreateReview {
        /// The definition.
        definition: alloc::boxed::Box<crate::review::ReviewDefinition>,
    },
    /// A reviewer's decision on one principal's access.
    DecideReview {
        /// The review.
        review_id: ReviewId,
        /// Whose access.
        principal_id: PrincipalId,
        /// `Approve`, `Deny` or `DontKnow`.
        decision: crate::review::ReviewDecision,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
    },
    /// Ends the instance in progress now.
    StopReview {
        /// The review.
        review_id: ReviewId,
    },
    /// Clears the decisions of the instance in progress.
    ResetReview {
        /// The review.
        review_id: ReviewId,
    },
    /// Applies an ended instance's results (when auto-apply is off).
    ApplyReview {
        /// The review.
        review_id: ReviewId,
    },
    /// Deletes a review.
    DeleteReview {
        /// The review.
        review_id: ReviewId,
    },
    /// Changes a group's direct members.
    ChangeMembership {
        /// The group.
        group_id: PrincipalId,
        /// Members to add.
        #[serde(default)]
        add: Vec<PrincipalId>,
        /// Members to remove.
        #[serde(default)]
        remove: Vec<PrincipalId>,
    },
}

fn root_scope() -> ScopeId {
    ScopeId::from("/")
}

/// Accepts `Approve`/`Approved` and `Deny`/`Denied`: Graph's pages spell it both ways.
fn review_result<'de, D: Deserializer<'de>>(d: D) -> Result<ReviewResult, D::Error> {
    let text = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
    match text.to_ascii_lowercase().as_str() {
        "approve" | "approved" => Ok(ReviewResult::Approve),
        "deny" | "denied" => Ok(ReviewResult::Deny),
        _ => Err(serde::de::Error::unknown_variant(
            &text,
            &["Approve", "Deny"],
        )),
    }
}

/// What a command decided, and the events that carry it out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// Events to persist and apply, in order. A refusal carries its audit event
    /// (`requestRejected` or `commandRefused`); a dry run carries none.
    pub events: Vec<Event>,
}

impl Outcome {
    pub(crate) fn refused(error: DecisionError) -> Self {
        Outcome {
            decision: Decision::refused(error),
            events: Vec::new(),
        }
    }
}

/// The window a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestedWindow {
    pub start: Instant,
    pub end: Option<Instant>,
    pub expiration: ExpirationType,
}

impl Engine {
    /// Decides a command at `now`. `Err` means the input is malformed or names something that
    /// does not exist; a refusal by the rules is an `Ok` outcome whose decision carries the
    /// error and every failed rule, and whose events record the refusal for the audit trail
    /// (`requestRejected` for a schedule request, `commandRefused` for anything else; a dry
    /// run records nothing).
    pub fn execute(
        &self,
        command: &Command,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let mut outcome = self.judge(command, ctx, now)?;
        if let Some(error) = &outcome.decision.error
            && outcome.events.is_empty()
            && super::refusal::is_audited(command)
        {
            let event = super::refusal::refused_event(command, ctx, error, now);
            outcome.events.push(event);
        }
        Ok(outcome)
    }

    /// Decides a command by the rules, before a refusal is recorded.
    fn judge(
        &self,
        command: &Command,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if let Some(last) = self.clock()
            && now < last
        {
            return Err(CommandError::ClockBackwards { now, last });
        }
        check_id("caller", ctx.caller.as_deref())?;
        horizon("now", Some(now))?;
        if let Some(caller) = &ctx.caller
            && self.state.directory().principal(caller).is_none()
        {
            return Err(CommandError::UnknownPrincipal(caller.clone()));
        }
        // A schedule request by a group is refused once its body is read, so the refusal is
        // kept as the request that was made (`requestRejected`).
        if let Some(refusal) = self.group_caller(ctx)
            && !matches!(command, Command::Request { .. })
        {
            return Ok(Outcome::refused(refusal));
        }
        match command {
            Command::ImportDirectory { directory } => self.import(directory, ctx, now),
            Command::SetPolicy {
                role_definition_id,
                scope_id,
                scope_type,
                rules,
            } => self.set_policy(role_definition_id, scope_id, *scope_type, rules, ctx, now),
            Command::Request { kind, body } => self.request_command(*kind, body, ctx, now),
            Command::Decide {
                request_id,
                review_result,
                justification,
            } => {
                check_text(justification.as_deref())?;
                self.decide(
                    request_id,
                    *review_result,
                    justification.as_deref(),
                    ctx,
                    now,
                )
            }
            Command::Cancel { request_id } => self.cancel(request_id, ctx, now),
            Command::ChangeMembership {
                group_id,
                add,
                remove,
            } => self.change_membership(group_id, add, remove, ctx, now),
            Command::ConfigureAlert {
                alert_id,
                configuration,
            } => self.configure_alert(*alert_id, configuration, ctx, now),
            Command::DismissAlert { alert_id } => self.dismiss_alert(*alert_id, ctx, now),
            Command::RefreshAlerts { alert_ids } => self.refresh_alerts(alert_ids, ctx, now),
            Command::RemediateAlert {
                alert_id,
                incident_id,
            } => self.remediate_alert(*alert_id, incident_id.as_deref(), ctx, now),
            Command::RecordSignIn {
                principal_id,
                sign_in_date_time,
            } => self.record_sign_in(principal_id, *sign_in_date_time, ctx, now),
            Command::CreateReview { definition } => self.create_review(definition, ctx, now),
            Command::DecideReview {
                review_id,
                principal_id,
                decision,
                justification,
            } => {
                check_text(justification.as_deref())?;
                self.decide_review(
                    review_id,
                    principal_id,
                    *decision,
                    justification.as_deref(),
                    ctx,
                    now,
                )
            }
            Command::StopReview { review_id } => self.stop_review(review_id, ctx, now),
            Command::ResetReview { review_id } => self.reset_review(review_id, ctx, now),
            Command::ApplyReview { review_id } => self.apply_review(review_id, ctx, now),
            Command::DeleteReview { review_id } => self.delete_review(review_id, ctx, now),
            Command::SetAuditRetention { days } => self.set_audit_retention(*days, ctx, now),
            Command::RecordOutsideAssignment { assignment } => {
                self.record_outside_assignment(assignment, ctx, now)
            }
        }
    }

    fn request_command(
        &self,
        kind: RequestKind,
        body: &ScheduleRequestBody,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        check_id("principalId", Some(&body.principal_id))?;
        check_id("roleDefinitionId", Some(&body.role_definition_id))?;
        check_new_id("id", body.id.as_deref())?;
        check_id("targetScheduleId", body.target_schedule_id.as_deref())?;
        check_text(body.justification.as_deref())?;
        if let Some(t) = &body.ticket_info {
            for (field, value) in [
                ("ticketInfo.ticketNumber", &t.ticket_number),
                ("ticketInfo.ticketSystem", &t.ticket_system),
            ] {
                if value
                    .as_ref()
                    .is_some_and(|v| v.chars().count() > MAX_TICKET)
                {
                    return Err(CommandError::InvalidField {
                        field,
                        reason: format!("must not exceed {MAX_TICKET} characters"),
                    });
                }
            }
        }
        if let Some(id) = &body.id
            && self.state.request_record(id).is_some()
        {
            return Err(CommandError::DuplicateId(id.as_str().into()));
        }
        if self
            .state
            .directory()
            .principal(&body.principal_id)
            .is_none()
        {
            return Err(CommandError::UnknownPrincipal(body.principal_id.clone()));
        }
        if self
            .state
            .directory()
            .role(&body.role_definition_id)
            .is_none()
        {
            return Err(CommandError::UnknownRole(body.role_definition_id.clone()));
        }
        let scope = normalise_scope(
            body.directory_scope_id.as_deref(),
            body.app_scope_id.as_deref(),
        )
        .map_err(|reason| CommandError::InvalidField {
            field: "directoryScopeId",
            reason: reason.into(),
        })?;
        if kind == RequestKind::Eligibility
            && matches!(body.action, Action::SelfActivate | Action::SelfDeactivate)
        {
            return Err(misplaced_action(body.action));
        }
        let outcome = if let Some(error) = self.group_caller(ctx) {
            let window = requested_window(body.schedule_info.as_ref(), now, now)?;
            let request = self.new_request(kind, body, &scope, ctx, window, now);
            self.rejected(request, error, now)
        } else {
            self.route_request(kind, body, &scope, ctx, now)?
        };
        if body.is_validation_only {
            // A dry run creates no request: report the decision without a request id.
            return Ok(Outcome {
                decision: Decision {
                    request: None,
                    ..outcome.decision
                },
                events: Vec::new(),
            });
        }
        Ok(outcome)
    }

    /// Routes a schedule request to the rules of its kind and action.
    fn route_request(
        &self,
        kind: RequestKind,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        Ok(match (kind, body.action) {
            (RequestKind::Assignment, Action::SelfActivate) => {
                self.self_activate(body, scope, ctx, now)?
            }
            (RequestKind::Assignment, Action::SelfDeactivate) => {
                self.self_deactivate(body, scope, ctx, now)?
            }
            (RequestKind::Eligibility, Action::SelfActivate | Action::SelfDeactivate) => {
                return Err(misplaced_action(body.action));
            }
            (_, Action::SelfExtend | Action::SelfRenew) => {
                self.self_extend_or_renew(kind, body, scope, ctx, now)?
            }
            (_, _) => self.admin_request(kind, body, scope, ctx, now)?,
        })
    }

    /// The refusal of a call made as a group: a group cannot authenticate, and letting its id
    /// act would let every member act through it.
    fn group_caller(&self, ctx: &CallContext) -> Option<DecisionError> {
        let caller = ctx.caller.as_ref()?;
        let kind = self.state.directory().principal(caller)?.kind;
        (kind == PrincipalKind::Group).then(|| {
            DecisionError::new(
                ErrorCode::AuthorizationFailed,
                format!("`{caller}` is a group: a caller is a user or a service principal"),
            )
        })
    }

    /// Builds the record of a request as made.
    pub(crate) fn new_request(
        &self,
        kind: RequestKind,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        window: RequestedWindow,
        now: Instant,
    ) -> RequestRecord {
        let status = Status::Failed;
        RequestRecord {
            id: body
                .id
                .clone()
                .unwrap_or_else(|| self.state.next_id("request", 0)),
            kind,
            action: body.action,
            principal_id: body.principal_id.clone(),
            role_definition_id: body.role_definition_id.clone(),
            scope: scope.into(),
            created_by: ctx.caller.clone(),
            created_date_time: now,
            justification: body.justification.clone().filter(|j| !j.trim().is_empty()),
            ticket_info: body.ticket_info.clone(),
            start_date_time: window.start,
            end_date_time: window.end,
            target_schedule_id: None,
            activated_using: None,
            status,
            completed_date_time: (!status.is_pending() && status != Status::Granted).then_some(now),
            requested_duration: body
                .schedule_info
                .as_ref()
                .and_then(|i| i.expiration.as_ref())
                .filter(|e| e.kind == Some(crate::wire::ExpirationType::AfterDuration))
                .and_then(|e| e.duration),
            approval_steps: Vec::new(),
        }
    }

    /// A refusal that is kept in the audit trail as a failed request.
    pub(crate) fn rejected(
        &self,
        request: RequestRecord,
        error: DecisionError,
        now: Instant,
    ) -> Outcome {
        let event = Event::RequestRejected {
            at: now,
            request: request.into(),
            code: error.code,
            failed_rules: error.failed_rules.clone(),
        };
        Outcome {
            decision: Decision::refused(error),
            events: vec![event],
        }
    }

    fn import(
        &self,
        dir: &DirectorySnapshot,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if ctx.caller.is_some() {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                "only the host itself may import directory objects",
            )));
        }
        let mut events = Vec::new();
        let known = self.import_principals(dir, now, &mut events)?;
        let is_group = |id: &str| match known.get(id) {
            Some(kind) => *kind == PrincipalKind::Group,
            None => self
                .state
                .directory()
                .principal(id)
                .is_some_and(|p| p.kind == PrincipalKind::Group),
        };
        if let Some(refused) = imported_nesting(dir, is_group) {
            return Ok(Outcome::refused(refused));
        }
        let mut roles: Vec<&str> = Vec::new();
        for r in &dir.role_definitions {
            check_new_id("roleDefinitions.id", Some(&r.id))?;
            if roles.contains(&r.id.as_str()) {
                return Err(CommandError::DuplicateId(r.id.as_str().into()));
            }
            roles.push(&r.id);
            events.push(Event::RoleDefinitionAdded {
                at: now,
                role: RoleDefinition {
                    id: r.id.clone(),
                    display_name: r.display_name.clone(),
                },
            });
        }
        for (issued, a) in (0u64..).zip(&dir.assignments) {
            events.push(self.import_assignment(a, &known, &roles, issued, now)?);
        }
        Ok(Outcome {
            decision: Decision::default(),
            events,
        })
    }

    /// The `principalAdded` events of an import's users, service principals and groups, and
    /// the kind of each principal imported.
    fn import_principals(
        &self,
        dir: &DirectorySnapshot,
        now: Instant,
        events: &mut Vec<Event>,
    ) -> Result<hashbrown::HashMap<PrincipalId, PrincipalKind>, CommandError> {
        let mut known: hashbrown::HashMap<PrincipalId, PrincipalKind> = hashbrown::HashMap::new();
        let mut add = |p: Principal, members: Vec<PrincipalId>| {
            check_new_id("id", Some(&p.id))?;
            if known.insert(p.id.clone(), p.kind).is_some()
                || self.state.directory().principal(&p.id).is_some()
            {
                return Err(CommandError::DuplicateId(p.id.into_string()));
            }
            events.push(Event::PrincipalAdded {
                at: now,
                principal: p,
                members,
            });
            Ok(())
        };
        for u in &dir.users {
            add(
                Principal {
                    id: u.id.clone(),
                    kind: PrincipalKind::User,
                    display_name: u.display_name.clone(),
                    mail: u.mail.clone().or_else(|| u.user_principal_name.clone()),
                    manager_id: u.manager_id.clone(),
                    is_role_assignable: false,
                },
                Vec::new(),
            )?;
        }
        for s in &dir.service_principals {
            add(
                plain_principal(
                    &s.id,
                    PrincipalKind::ServicePrincipal,
                    &s.display_name,
                    false,
                ),
                Vec::new(),
            )?;
        }
        for g in &dir.groups {
            add(
                plain_principal(
                    &g.id,
                    PrincipalKind::Group,
                    &g.display_name,
                    g.is_role_assignable,
                ),
                g.members.clone(),
            )?;
        }
        let exists =
            |id: &str| known.contains_key(id) || self.state.directory().principal(id).is_some();
        for g in &dir.groups {
            if let Some(m) = g.members.iter().find(|m| !exists(m)) {
                return Err(CommandError::UnknownPrincipal(m.clone()));
            }
        }
        Ok(known)
    }

    /// The `scheduleCreated` event of one imported assignment, validated.
    fn import_assignment(
        &self,
        a: &crate::wire::AssignmentEntry,
        known: &hashbrown::HashMap<PrincipalId, PrincipalKind>,
        roles: &[&str],
        issued: u64,
        now: Instant,
    ) -> Result<Event, CommandError> {
        let kind = known
            .get(a.principal_id.as_str())
            .copied()
            .or_else(|| {
                self.state
                    .directory()
                    .principal(&a.principal_id)
                    .map(|p| p.kind)
            })
            .ok_or_else(|| CommandError::UnknownPrincipal(a.principal_id.clone()))?;
        if self.state.directory().role(&a.role_definition_id).is_none()
            && !roles.contains(&a.role_definition_id.as_str())
        {
            return Err(CommandError::UnknownRole(a.role_definition_id.clone()));
        }
        if kind == PrincipalKind::ServicePrincipal && a.kind == AssignmentType::Eligible {
            return Err(CommandError::InvalidField {
                field: "assignments.type",
                reason: format!(
                    "service principal `{}` can hold only active assignments",
                    a.principal_id
                ),
            });
        }
        let scope = normalise_scope(a.directory_scope_id.as_deref(), a.app_scope_id.as_deref())
            .map_err(|reason| CommandError::InvalidField {
                field: "assignments.directoryScopeId",
                reason: reason.into(),
            })?;
        let start = a.start_date_time.unwrap_or(now);
        horizon("assignments.startDateTime", Some(start))?;
        horizon("assignments.endDateTime", a.end_date_time)?;
        if a.end_date_time.is_some_and(|e| e <= start) {
            return Err(CommandError::InvalidField {
                field: "assignments.endDateTime",
                reason: "must be after the start".into(),
            });
        }
        Ok(Event::ScheduleCreated {
            at: now,
            by: None,
            schedule: Schedule::assigned(
                self.state.next_id("schedule", issued),
                a.kind,
                &a.principal_id,
                &a.role_definition_id,
                scope,
                (start, a.end_date_time),
                None,
            )
            .into(),
        })
    }

    fn set_policy(
        &self,
        role: &str,
        scope: &str,
        scope_type: Option<PolicyScopeType>,
        rules: &[PolicyRule],
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if self.state.directory().role(role).is_none() {
            return Err(CommandError::UnknownRole(role.into()));
        }
        normalise_scope(Some(scope), None).map_err(|reason| CommandError::InvalidField {
            field: "scopeId",
            reason: reason.into(),
        })?;
        if let Some(caller) = &ctx.caller
            && !self.is_admin(caller, now)
        {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                format!("`{caller}` is not a Privileged Role or Global Administrator"),
            )));
        }
        let base = self
            .state
            .policies_of(role)
            .iter()
            .find(|p| p.scope_id == scope);
        let policy = Policy::updated(base, role, scope, scope_type, rules)?;
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::PolicySet {
                at: now,
                by: ctx.caller.clone(),
                role_definition_id: role.into(),
                scope_id: scope.into(),
                scope_type: policy.scope_type,
                rules: policy.rules,
            }],
        })
    }

    fn set_audit_retention(
        &self,
        days: Option<u32>,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(CommandError::InvalidField {
                field: "days",
                reason: "retention must be 1 to 3650 days, or null to keep every record".into(),
            });
        }
        if let Some(caller) = &ctx.caller
            && !self.is_admin(caller, now)
        {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                format!("`{caller}` may not change audit retention"),
            )));
        }
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::AuditRetentionSet {
                at: now,
                by: ctx.caller.clone(),
                days,
            }],
        })
    }

    /// The directory's refusal of a group among the members of a role-assignable group:
    /// Entra does not support nesting in role-assignable groups.
    fn nesting_refusal<'a>(
        &self,
        group: &str,
        mut members: impl Iterator<Item = &'a PrincipalId>,
    ) -> Option<DecisionError> {
        let dir = self.state.directory();
        if !dir.principal(group).is_some_and(|g| g.is_role_assignable) {
            return None;
        }
        let nested = members.find(|m| {
            dir.principal(m)
                .is_some_and(|p| p.kind == PrincipalKind::Group)
        })?;
        Some(DecisionError::new(
            ErrorCode::DirectoryBadRequest,
            format!(
                "`{nested}` is a group: group nesting is not supported for role-assignable group `{group}`"
            ),
        ))
    }

    fn change_membership(
        &self,
        group: &str,
        add: &[PrincipalId],
        remove: &[PrincipalId],
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        match self.state.directory().principal(group) {
            Some(p) if p.kind == PrincipalKind::Group => {}
            _ => return Err(CommandError::UnknownGroup(group.into())),
        }
        if let Some(m) = add
            .iter()
            .find(|m| self.state.directory().principal(m).is_none())
        {
            return Err(CommandError::UnknownPrincipal(m.clone()));
        }
        if let Some(caller) = &ctx.caller
            && !self.is_admin(caller, now)
        {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                format!("`{caller}` may not change group membership"),
            )));
        }
        if let Some(refused) = self.nesting_refusal(group, add.iter()) {
            return Ok(Outcome::refused(refused));
        }
        let mut events = vec![Event::MembershipChanged {
            at: now,
            by: ctx.caller.clone(),
            group_id: group.into(),
            added: add.to_vec(),
            removed: remove.to_vec(),
        }];
        events.extend(self.ended_by_leaving(group, add, remove, ctx, now));
        Ok(Outcome {
            decision: Decision::default(),
            events,
        })
    }

    /// Membership changes take effect at once: activations of a group's eligibility end for
    /// principals that are no longer (transitively) in that group. Only a removed principal, or
    /// a member of a removed group, can have left one: only their schedules are read.
    fn ended_by_leaving(
        &self,
        group: &str,
        add: &[PrincipalId],
        remove: &[PrincipalId],
        ctx: &CallContext,
        now: Instant,
    ) -> Vec<Event> {
        let directory = self.state.directory();
        // Built by insertion: collecting into a set would compile a sort into the browser module.
        let mut leaving = BTreeSet::new();
        for r in remove {
            leaving.insert(r.clone());
            leaving.extend(directory.transitive_members(r));
        }
        let held = self
            .state
            .group_activations_of(leaving.iter().map(|p| p.as_str()));
        if held.is_empty() {
            return Vec::new();
        }
        let mut after = directory.clone();
        after.change_members(group, add, remove);
        held.into_iter()
            .filter(|s| s.not_over(now))
            .filter(|s| {
                s.via_group
                    .as_ref()
                    .is_some_and(|via| !after.is_member(&s.principal_id, via))
            })
            .map(|s| Event::ScheduleEnded {
                at: now,
                by: ctx.caller.clone(),
                schedule_id: s.id.clone(),
                reason: crate::schedule::EndReason::EligibilityEnded,
                request_id: None,
            })
            .collect()
    }
}

/// Reads the window a request asks for. A start in the past is taken as `now`; an absent
/// start is `default_start`.
pub(crate) fn requested_window(
    info: Option<&RequestSchedule>,
    default_start: Instant,
    now: Instant,
) -> Result<RequestedWindow, CommandError> {
    let info = info.cloned().unwrap_or_default();
    if info.recurrence.as_ref().is_some_and(|r| !r.is_null()) {
        return Err(CommandError::InvalidField {
            field: "scheduleInfo.recurrence",
            reason: "recurrence is not supported by PIM".into(),
        });
    }
    // The start asked for is checked before a past start is taken as now.
    horizon("scheduleInfo.startDateTime", info.start_date_time)?;
    let start = info.start_date_time.unwrap_or(default_start).max(now);
    horizon("scheduleInfo.startDateTime", Some(start))?;
    horizon("scheduleInfo.expiration.endDateTime", exp_end(&info))?;
    let exp = info.expiration.unwrap_or_default();
    let kind = exp.kind.unwrap_or(match (exp.duration, exp.end_date_time) {
        (Some(_), _) => ExpirationType::AfterDuration,
        (None, Some(_)) => ExpirationType::AfterDateTime,
        (None, None) => ExpirationType::NotSpecified,
    });
    let end = match kind {
        ExpirationType::AfterDuration => {
            let d = exp.duration.ok_or(CommandError::InvalidField {
                field: "scheduleInfo.expiration.duration",
                reason: "required when the type is `afterDuration`".into(),
            })?;
            Some(
                start
                    .checked_add_signed(d.delta())
                    .ok_or(CommandError::InvalidField {
                        field: "scheduleInfo.expiration.duration",
                        reason: "overflows the calendar".into(),
                    })?,
            )
        }
        ExpirationType::AfterDateTime => {
            Some(exp.end_date_time.ok_or(CommandError::InvalidField {
                field: "scheduleInfo.expiration.endDateTime",
                reason: "required when the type is `afterDateTime`".into(),
            })?)
        }
        ExpirationType::NoExpiration | ExpirationType::NotSpecified => None,
    };
    horizon("scheduleInfo.expiration", end)?;
    Ok(RequestedWindow {
        start,
        end,
        expiration: kind,
    })
}

/// An activation or deactivation sent as an eligibility request.
fn misplaced_action(action: Action) -> CommandError {
    CommandError::InvalidField {
        field: "action",
        reason: format!("`{action}` belongs to assignment schedule requests, not eligibility ones"),
    }
}

fn exp_end(info: &RequestSchedule) -> Option<Instant> {
    info.expiration.as_ref().and_then(|e| e.end_date_time)
}

/// Refuses instants outside the years the engine accepts (1970 to 8999, see
/// [`crate::time::check_range`]).
pub(crate) fn horizon(field: &'static str, t: Option<Instant>) -> Result<(), CommandError> {
    match t.map(crate::time::check_range) {
        Some(Err(e)) => Err(CommandError::InvalidField {
            field,
            reason: e.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Refuses an id the caller chooses for something new (a request, an access review, a directory
/// object): such an id becomes a storage key and a URL path segment, so it must be 1 to
/// [`MAX_ID`] ASCII letters, digits, `-`, `_` and `.`, and neither `.` nor hold `..`.
pub(crate) fn check_new_id(field: &'static str, id: Option<&str>) -> Result<(), CommandError> {
    check_id(field, id)?;
    let fail = |reason: &str| {
        Err(CommandError::InvalidField {
            field,
            reason: reason.into(),
        })
    };
    match id {
        Some(id)
            if !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) =>
        {
            fail("may hold only ASCII letters, digits, `-`, `_` and `.`")
        }
        Some(id) if id == "." || id.contains("..") => fail("must not be `.` or hold `..`"),
        _ => Ok(()),
    }
}

fn check_id(field: &'static str, id: Option<&str>) -> Result<(), CommandError> {
    match id {
        Some("") => Err(CommandError::InvalidField {
            field,
            reason: "must not be empty".into(),
        }),
        Some(id) if id.len() > MAX_ID => Err(CommandError::InvalidField {
            field,
            reason: format!("must not exceed {MAX_ID} bytes"),
        }),
        _ => Ok(()),
    }
}

fn check_text(text: Option<&str>) -> Result<(), CommandError> {
    match text {
        Some(t) if t.chars().count() > MAX_JUSTIFICATION => Err(CommandError::InvalidField {
            field: "justification",
            reason: format!("must not exceed {MAX_JUSTIFICATION} characters"),
        }),
        _ => Ok(()),
    }
}

/// Whether a justification was given.
pub(crate) fn given(text: Option<&str>) -> bool {
    text.is_some_and(|t| !t.trim().is_empty())
}

/// Display helper for messages.
pub(crate) fn show(t: Instant) -> String {
    format_instant(&t).to_string()
}

/// The directory's refusal of an import that puts a group among the members of a
/// role-assignable group (Entra does not support nesting there).
fn imported_nesting(
    dir: &DirectorySnapshot,
    is_group: impl Fn(&str) -> bool,
) -> Option<DecisionError> {
    dir.groups
        .iter()
        .filter(|g| g.is_role_assignable)
        .find_map(|g| {
            let nested = g.members.iter().find(|m| is_group(m))?;
            Some(DecisionError::new(
                ErrorCode::DirectoryBadRequest,
                format!(
                    "`{nested}` is a group: group nesting is not supported for role-assignable group `{}`",
                    g.id
                ),
            ))
        })
}

/// A group or service principal as an import makes it: no mail, no manager.
fn plain_principal(
    id: &str,
    kind: PrincipalKind,
    display_name: &Option<String>,
    is_role_assignable: bool,
) -> Principal {
    Principal {
        id: id.into(),
        kind,
        display_name: display_name.clone(),
        mail: None,
        manager_id: None,
        is_role_assignable,
    }
}
