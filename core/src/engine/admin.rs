//! Administrator actions (assign, update, remove, extend, renew) and the principal's own
//! extension and renewal requests, which an administrator decides.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use chrono::TimeDelta;

use super::Engine;
use super::commands::{CallContext, Outcome, RequestedWindow, given, requested_window};
use crate::directory::PrincipalKind;
use crate::error::{CommandError, Decision, DecisionError, ErrorCode, FailedRule};
use crate::event::Event;
use crate::policy::{ExpirationSetting, MINIMUM_WINDOW, Requirements};
use crate::request::{RequestRecord, Status};
use crate::schedule::{AssignmentType, EndReason, Origin, Schedule};
use crate::time::Instant;
use crate::wire::{Action, ExpirationType, RequestKind, ScheduleRequestBody};
use crate::{GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR};

/// How long before its end an assignment may be extended by its holder: Entra allows a self-extension in the last 14 days.
pub const EXTEND_WINDOW: TimeDelta = TimeDelta::days(14);
/// How long after its end an assignment may be renewed: Entra allows a self-renewal within 30 days after expiry.
pub const RENEW_WINDOW: TimeDelta = TimeDelta::days(30);

fn kind_of(kind: RequestKind) -> AssignmentType {
    match kind {
        RequestKind::Assignment => AssignmentType::Active,
        RequestKind::Eligibility => AssignmentType::Eligible,
    }
}

impl Engine {
    /// The principal's own assigned schedule that a request targets: the one named by
    /// `targetScheduleId`, else the one at the same role and scope selected by `pick`. Out of
    /// line: inlined into each command's path it grew the browser module by kilobytes.
    #[inline(never)]
    fn target_schedule(
        &self,
        kind: AssignmentType,
        body: &ScheduleRequestBody,
        scope: &str,
        pick: impl Fn(&Schedule) -> bool,
    ) -> Option<Schedule> {
        let matches = |s: &Schedule| {
            s.kind == kind
                && s.origin == Origin::Assigned
                && s.principal_id == body.principal_id
                && s.role_definition_id == body.role_definition_id
                && s.scope == scope
                && pick(s)
        };
        match &body.target_schedule_id {
            Some(id) => self.state.schedule(id).filter(matches),
            None => self
                .state
                .schedules_of_where(&body.principal_id, |f| {
                    f.kind == kind
                        && f.origin == Origin::Assigned
                        && f.role == body.role_definition_id.as_str()
                })
                .filter(matches)
                .max_by_key(|s| {
                    (
                        s.end_date_time.is_none(),
                        s.end_date_time,
                        s.start_date_time,
                    )
                }),
        }
    }

    fn expiration_of(
        &self,
        kind: AssignmentType,
        role: &str,
        scope: &str,
    ) -> (ExpirationSetting, Requirements) {
        let s = &self.policy(role, scope).settings;
        match kind {
            AssignmentType::Eligible => (s.eligibility_expiration, s.eligibility_requirements),
            AssignmentType::Active => (s.assignment_expiration, s.assignment_requirements),
        }
    }

    /// Every rule an administrator's assignment window and request must pass.
    fn admin_rules(
        &self,
        kind: AssignmentType,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        (start, end): (Instant, Option<Instant>),
        measured_from: Instant,
    ) -> Option<DecisionError> {
        let (expiration, requirements) = self.expiration_of(kind, &body.role_definition_id, scope);
        if end.is_some_and(|e| e.signed_duration_since(start) < MINIMUM_WINDOW) {
            return Some(DecisionError::new(
                ErrorCode::ActiveDurationTooShort,
                "the active duration is too short: the minimum is 5 minutes",
            ));
        }
        let mut failed = Vec::new();
        let too_long =
            end.is_some_and(|e| e.signed_duration_since(measured_from) > expiration.maximum);
        if expiration.required && (end.is_none() || too_long) {
            failed.push(FailedRule::ExpirationRule);
        }
        if requirements.mfa && !ctx.mfa {
            failed.push(FailedRule::MfaRule);
        }
        if requirements.justification && !given(body.justification.as_deref()) {
            failed.push(FailedRule::JustificationRule);
        }
        if requirements.ticket && !body.ticket_info.as_ref().is_some_and(|t| t.is_given()) {
            failed.push(FailedRule::TicketingRule);
        }
        let conflict = (kind == AssignmentType::Eligible)
            .then(|| self.eligible_conflict(body, scope, (start, end), measured_from))
            .flatten();
        if conflict.is_some() {
            failed.push(FailedRule::PimSeparationOfDutiesRule);
        }
        (!failed.is_empty()).then(|| {
            let mut e = DecisionError::policy(failed);
            if let Some(c) = conflict {
                e.message = format!("{}; {c}", e.message);
            }
            e
        })
    }

    /// pim's separation of duties on an eligible assignment: a conflicting eligibility the
    /// principal (or a group it is in) holds during the window, described.
    fn eligible_conflict(
        &self,
        body: &ScheduleRequestBody,
        scope: &str,
        (start, end): (Instant, Option<Instant>),
        now: Instant,
    ) -> Option<String> {
        let (principal, role) = (body.principal_id.as_str(), body.role_definition_id.as_str());
        let conflicts = &self.policy(role, scope).settings.eligible_conflicts;
        let held = self.held_roles(AssignmentType::Eligible, principal, role, now);
        crate::duties::conflict(conflicts, &held, start, end).map(crate::duties::describe)
    }

    pub(crate) fn admin_request(
        &self,
        kind: RequestKind,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let schedule_kind = kind_of(kind);
        let default_start = match body.action {
            Action::AdminUpdate => self
                .target_schedule(schedule_kind, body, scope, |s| {
                    s.ended.is_none() && s.not_over(now)
                })
                .map_or(now, |s| s.start_date_time),
            _ => now,
        };
        let window = requested_window(body.schedule_info.as_ref(), default_start, now)?;
        let window = RequestedWindow {
            // An update keeps a start that has already passed.
            start: if body.action == Action::AdminUpdate {
                body.schedule_info
                    .as_ref()
                    .and_then(|i| i.start_date_time)
                    .unwrap_or(default_start)
            } else {
                window.start
            },
            ..window
        };
        let request = self.new_request(kind, body, scope, ctx, window, now);
        let caller_is_admin = match &ctx.caller {
            None => true,
            Some(c) => self.is_admin(c, now),
        };
        if !caller_is_admin {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::AuthorizationFailed,
                    format!(
                        "`{}` is not a Privileged Role or Global Administrator",
                        ctx.caller.as_deref().unwrap_or_default()
                    ),
                ),
                now,
            ));
        }
        let principal = self.state.directory().principal(&body.principal_id);
        if schedule_kind == AssignmentType::Eligible
            && principal.is_some_and(|p| p.kind == PrincipalKind::ServicePrincipal)
        {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::InvalidRequest,
                    "service principals can hold only active assignments",
                ),
                now,
            ));
        }
        if principal.is_some_and(|p| p.kind == PrincipalKind::Group && !p.is_role_assignable) {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::InvalidRequest,
                    format!("group `{}` is not role-assignable", body.principal_id),
                ),
                now,
            ));
        }
        match body.action {
            Action::AdminAssign => self.admin_assign(schedule_kind, body, scope, ctx, request, now),
            Action::AdminUpdate | Action::AdminExtend => {
                self.admin_change(schedule_kind, body, scope, ctx, request, now)
            }
            Action::AdminRemove => self.admin_remove(schedule_kind, body, scope, ctx, request, now),
            _ => self.admin_renew(schedule_kind, body, scope, ctx, request, now),
        }
    }

    fn admin_assign(
        &self,
        kind: AssignmentType,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        mut request: RequestRecord,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let (start, end) = (request.start_date_time, request.end_date_time);
        let exists = self
            .state
            .indexed(kind, &body.principal_id, &body.role_definition_id)
            .any(|s| {
                s.origin == Origin::Assigned
                    && s.ended.is_none()
                    && s.scope == scope
                    && s.not_over(now)
                    && s.overlaps(start, end)
            });
        if exists {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::RoleAssignmentExists,
                    "the role assignment already exists",
                ),
                now,
            ));
        }
        if self.has_pending(
            &body.principal_id,
            &body.role_definition_id,
            scope,
            request.kind,
            &[],
            now,
        ) {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::PendingRoleAssignmentRequest,
                    "a request for this assignment is already pending",
                ),
                now,
            ));
        }
        if let Some(error) = self.admin_rules(kind, body, scope, ctx, (start, end), start) {
            return Ok(self.rejected(request, error, now));
        }
        let schedule = Schedule::assigned(
            self.state.schedule_id_for(&request.id, 1),
            kind,
            &body.principal_id,
            &body.role_definition_id,
            scope.into(),
            (start, end),
            Some(request.id.clone()),
        );
        request.status = if start <= now {
            Status::Provisioned
        } else {
            Status::Granted
        };
        request.completed_date_time = (start <= now).then_some(now);
        request.target_schedule_id = Some(schedule.id.clone());
        Ok(granted(
            request,
            vec![schedule_created(now, ctx, schedule)],
            now,
        ))
    }

    /// `adminUpdate` (new window) and `adminExtend` (later end of a time-bound assignment).
    fn admin_change(
        &self,
        kind: AssignmentType,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        mut request: RequestRecord,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let extend = body.action == Action::AdminExtend;
        let target = self.target_schedule(kind, body, scope, |s| {
            s.ended.is_none() && s.not_over(now) && (!extend || s.end_date_time.is_some())
        });
        let Some(target) = target else {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::RoleAssignmentDoesNotExist,
                    "no assignment to change at that role and scope",
                ),
                now,
            ));
        };
        request.target_schedule_id = Some(target.id.clone());
        let start = if extend {
            target.start_date_time
        } else {
            request.start_date_time
        };
        let end = request.end_date_time;
        request.start_date_time = start;
        if extend && end.is_none_or(|e| target.end_date_time.is_some_and(|t| e <= t)) {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::InvalidRequest,
                    "an extension needs an end later than the current one",
                ),
                now,
            ));
        }
        if end.is_some_and(|e| e <= now) {
            return Ok(self.rejected(
                request,
                DecisionError::new(ErrorCode::ActiveDurationTooShort, "the new end has passed"),
                now,
            ));
        }
        let measured_from = if extend { now } else { start };
        if let Some(error) = self.admin_rules(kind, body, scope, ctx, (start, end), measured_from) {
            return Ok(self.rejected(request, error, now));
        }
        let in_effect_after = start <= now && end.is_none_or(|e| e > now);
        if !in_effect_after && self.is_last_protected(&target, now) {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::AuthorizationFailed,
                    format!(
                        "the last active {} assignment cannot be moved out of effect",
                        self.state.directory().role_name(&target.role_definition_id)
                    ),
                ),
                now,
            ));
        }
        request.status = Status::Provisioned;
        request.completed_date_time = Some(now);
        let mut events = vec![Event::ScheduleUpdated {
            at: now,
            by: ctx.caller.clone(),
            schedule_id: target.id.clone(),
            start_date_time: start,
            end_date_time: end,
            request_id: Some(request.id.clone()),
        }];
        if kind == AssignmentType::Eligible {
            events.extend(self.truncate_activations(&target, (start, end), ctx, now, &request.id));
        }
        Ok(granted(request, events, now))
    }

    /// Ends or shortens activations drawn from `eligibility` that would outlive `new_end`.
    /// A moved start later than now ends them all: the eligibility is no longer in effect.
    fn truncate_activations(
        &self,
        eligibility: &Schedule,
        (new_start, new_end): (Instant, Option<Instant>),
        ctx: &CallContext,
        now: Instant,
        request_id: &str,
    ) -> Vec<Event> {
        let new_end = match (new_end, new_start > now) {
            (_, true) => now,
            (Some(e), false) => e,
            (None, false) => return Vec::new(),
        };
        self.activations_of(eligibility, now)
            .filter(|a| a.end_date_time.is_none_or(|e| e > new_end) || new_start > now)
            .map(|a| {
                if new_end <= now || a.start_date_time >= new_end {
                    Event::ScheduleEnded {
                        at: now,
                        by: ctx.caller.clone(),
                        schedule_id: a.id.clone(),
                        reason: EndReason::EligibilityEnded,
                        request_id: Some(request_id.into()),
                    }
                } else {
                    Event::ScheduleUpdated {
                        at: now,
                        by: ctx.caller.clone(),
                        schedule_id: a.id.clone(),
                        start_date_time: a.start_date_time,
                        end_date_time: Some(new_end),
                        request_id: Some(request_id.into()),
                    }
                }
            })
            .collect()
    }

    /// Running or scheduled activations drawn from an eligibility.
    fn activations_of<'a>(
        &'a self,
        eligibility: &'a Schedule,
        now: Instant,
    ) -> impl Iterator<Item = Schedule> + 'a {
        self.state
            .activations_from(&eligibility.id)
            .filter(move |a| a.not_over(now))
    }

    fn admin_remove(
        &self,
        kind: AssignmentType,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        mut request: RequestRecord,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let target =
            self.target_schedule(kind, body, scope, |s| s.ended.is_none() && s.not_over(now));
        let Some(target) = target else {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::RoleAssignmentDoesNotExist,
                    "no assignment to remove at that role and scope",
                ),
                now,
            ));
        };
        request.target_schedule_id = Some(target.id.clone());
        request.start_date_time = target.start_date_time;
        request.end_date_time = target.end_date_time;
        if target.start_date_time <= now
            && now.signed_duration_since(target.start_date_time) < MINIMUM_WINDOW
        {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::ActiveDurationTooShort,
                    "an assignment cannot be removed within 5 minutes of its start",
                ),
                now,
            ));
        }
        if self.is_last_protected(&target, now) {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::AuthorizationFailed,
                    format!(
                        "the last active {} assignment cannot be removed",
                        self.state.directory().role_name(&target.role_definition_id)
                    ),
                ),
                now,
            ));
        }
        request.status = Status::Revoked;
        request.completed_date_time = Some(now);
        let mut events = vec![Event::ScheduleEnded {
            at: now,
            by: ctx.caller.clone(),
            schedule_id: target.id.clone(),
            reason: EndReason::Removed,
            request_id: Some(request.id.clone()),
        }];
        if kind == AssignmentType::Eligible {
            events.extend(
                self.activations_of(&target, now)
                    .map(|a| Event::ScheduleEnded {
                        at: now,
                        by: ctx.caller.clone(),
                        schedule_id: a.id.clone(),
                        reason: EndReason::EligibilityEnded,
                        request_id: Some(request.id.clone()),
                    }),
            );
        }
        Ok(granted(request, events, now))
    }

    /// Whether removing `target` would leave no active Global (or Privileged Role)
    /// Administrator assignment in the tenant.
    fn is_last_protected(&self, target: &Schedule, now: Instant) -> bool {
        let role = target.role_definition_id.as_str();
        if target.kind != AssignmentType::Active
            || target.origin != Origin::Assigned
            || target.scope != "/"
            || (role != GLOBAL_ADMINISTRATOR && role != PRIVILEGED_ROLE_ADMINISTRATOR)
        {
            return false;
        }
        !self.state.active_by_role(&[role]).any(|s| {
            s.id != target.id
                && s.origin == Origin::Assigned
                && s.scope == "/"
                && s.ended.is_none()
                && s.in_effect(now)
        })
    }

    fn admin_renew(
        &self,
        kind: AssignmentType,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        mut request: RequestRecord,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let target = self.target_schedule(kind, body, scope, |s| renewable(s, now));
        let Some(target) = target else {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::RoleAssignmentDoesNotExist,
                    "no assignment that expired in the last 30 days at that role and scope",
                ),
                now,
            ));
        };
        let (start, end) = (request.start_date_time, request.end_date_time);
        if let Some(error) = self.admin_rules(kind, body, scope, ctx, (start, end), start) {
            return Ok(self.rejected(request, error, now));
        }
        let schedule = Schedule::assigned(
            self.state.schedule_id_for(&request.id, 1),
            kind,
            &target.principal_id,
            &target.role_definition_id,
            target.scope.clone(),
            (start, end),
            Some(request.id.clone()),
        );
        request.target_schedule_id = Some(schedule.id.clone());
        request.status = if start <= now {
            Status::Provisioned
        } else {
            Status::Granted
        };
        request.completed_date_time = (start <= now).then_some(now);
        Ok(granted(
            request,
            vec![schedule_created(now, ctx, schedule)],
            now,
        ))
    }

    /// `selfExtend` (within 14 days of the end) and `selfRenew` (within 30 days after it):
    /// the request waits for an administrator's decision.
    pub(crate) fn self_extend_or_renew(
        &self,
        kind: RequestKind,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let schedule_kind = kind_of(kind);
        let extend = body.action == Action::SelfExtend;
        let window = requested_window(body.schedule_info.as_ref(), now, now)?;
        let mut request = self.new_request(kind, body, scope, ctx, window, now);
        if ctx.caller.as_deref() != Some(body.principal_id.as_str()) {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::AuthorizationFailed,
                    "only the principal itself may ask to extend or renew its assignment",
                ),
                now,
            ));
        }
        let target = if extend {
            self.target_schedule(schedule_kind, body, scope, |s| {
                s.ended.is_none() && s.not_over(now) && s.end_date_time.is_some()
            })
        } else {
            self.target_schedule(schedule_kind, body, scope, |s| renewable(s, now))
        };
        let Some(target) = target else {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::RoleAssignmentDoesNotExist,
                    if extend {
                        "no time-bound assignment to extend at that role and scope"
                    } else {
                        "no assignment that expired in the last 30 days at that role and scope"
                    },
                ),
                now,
            ));
        };
        let asked_end = match self.asked_end(kind, body, scope, &target, &window, now) {
            Ok(end) => end,
            Err(error) => return Ok(self.rejected(request, error, now)),
        };
        request.target_schedule_id = Some(target.id.clone());
        request.start_date_time = if extend {
            target.start_date_time
        } else {
            window.start
        };
        request.end_date_time = asked_end;
        request.status = Status::PendingAdminDecision;
        request.completed_date_time = None;
        let decision = Decision {
            status: Some(Status::PendingAdminDecision),
            start_date_time: Some(request.start_date_time),
            end_date_time: asked_end,
            request: Some(request.clone()),
            error: None,
        };
        Ok(Outcome {
            decision,
            events: vec![Event::RequestSubmitted {
                at: now,
                request: request.into(),
            }],
        })
    }

    /// The end a self-extension or self-renewal asks for (another period as long as the one
    /// ending, when none is stated), or why it cannot be asked: outside the extension window,
    /// already pending, not later than the current end, or against the expiration rule.
    fn asked_end(
        &self,
        kind: RequestKind,
        body: &ScheduleRequestBody,
        scope: &str,
        target: &Schedule,
        window: &RequestedWindow,
        now: Instant,
    ) -> Result<Option<Instant>, DecisionError> {
        let schedule_kind = kind_of(kind);
        let extend = body.action == Action::SelfExtend;
        let end = target.end_date_time.unwrap_or(now);
        if extend && end.signed_duration_since(now) > EXTEND_WINDOW {
            return Err(DecisionError::new(
                ErrorCode::InvalidRequest,
                "an assignment can be extended only within 14 days of its end",
            ));
        }
        if self.has_pending(
            &body.principal_id,
            &body.role_definition_id,
            scope,
            kind,
            &[Action::SelfExtend, Action::SelfRenew],
            now,
        ) {
            return Err(DecisionError::new(
                ErrorCode::PendingRoleAssignmentRequest,
                "a request for this assignment is already pending",
            ));
        }
        // Without a stated end, ask for another period as long as the one ending.
        let length = end.signed_duration_since(target.start_date_time);
        let asked_end = if window.expiration == ExpirationType::NotSpecified {
            let from = if extend { end } else { window.start };
            from.checked_add_signed(length)
        } else {
            window.end
        };
        if extend && asked_end.is_some_and(|e| e <= end) {
            return Err(DecisionError::new(
                ErrorCode::InvalidRequest,
                "an extension needs an end later than the current one",
            ));
        }
        // What the administrator will grant must fit the role's assignment expiration rule.
        let (expiration, _) = self.expiration_of(schedule_kind, &body.role_definition_id, scope);
        let too_long = asked_end.is_some_and(|e| e.signed_duration_since(now) > expiration.maximum);
        if expiration.required && (asked_end.is_none() || too_long) {
            return Err(DecisionError::policy(vec![FailedRule::ExpirationRule]));
        }
        Ok(asked_end)
    }
}

/// Whether a schedule expired (not removed) within the last 30 days.
fn renewable(s: &Schedule, now: Instant) -> bool {
    matches!(s.ended, None | Some(EndReason::Expired))
        && s.end_date_time
            .is_some_and(|e| e <= now && now.signed_duration_since(e) <= RENEW_WINDOW)
}

fn schedule_created(now: Instant, ctx: &CallContext, schedule: Schedule) -> Event {
    Event::ScheduleCreated {
        at: now,
        by: ctx.caller.clone(),
        schedule: schedule.into(),
    }
}

/// An accepted request: its submission, then the events that carry it out.
fn granted(request: RequestRecord, then: Vec<Event>, now: Instant) -> Outcome {
    let decision = Decision {
        status: Some(request.status),
        start_date_time: Some(request.start_date_time),
        end_date_time: request.end_date_time,
        request: Some(request.clone()),
        error: None,
    };
    let mut events = vec![Event::RequestSubmitted {
        at: now,
        request: request.into(),
    }];
    events.extend(then);
    Outcome { decision, events }
}
