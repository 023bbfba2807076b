//! Activation: the stateless evaluation web forms use, and self-activation and
//! self-deactivation against the engine's state.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::Engine;
use super::commands::{
    CallContext, MAX_ACTIVATION_LEAD, Outcome, RequestedWindow, given, requested_window, show,
};
use crate::duties::{self, HeldRole};
use crate::error::{CommandError, Decision, DecisionError, ErrorCode, FailedRule};
use crate::event::Event;
use crate::id::PrincipalId;
use crate::justification;
use crate::policy::{MINIMUM_WINDOW, RoleSettings};
use crate::rate_limit::{self, PastActivation};
use crate::request::{ApprovalStep, ReviewResult, Status};
use crate::schedule::{AssignmentType, EndReason, Origin, Schedule, scope_covers};
use crate::time::{Instant, IsoDuration};
use crate::wire::{
    Action, ExpirationType, OutsideWindow, RequestKind, RequestSchedule, ScheduleRequestBody,
    TicketInfo,
};

/// The eligibility an activation draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EligibilityWindow {
    /// When the eligibility starts.
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// When it ends; absent when permanent.
    #[serde(default, with = "crate::time::instant_opt")]
    pub end_date_time: Option<Instant>,
}

/// What an activation form holds: the parts of a `selfActivate` body that rules look at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationInput {
    /// Start and expiration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_info: Option<RequestSchedule>,
    /// The reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_info: Option<TicketInfo>,
    /// For pim's rate limit: the principal's other activations of the role, at any scope.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_activations: Vec<PastActivation>,
    /// For pim's separation of duties: the other roles the principal holds active.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_roles: Vec<HeldRole>,
}

/// The verdict on an activation form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationDecision {
    /// The status the request would get: `Provisioned`, `Granted` (future start) or
    /// `PendingApproval`; absent when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The refusal, when refused: the code that wins, with every failed policy rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DecisionError>,
    /// Every failed policy rule, whatever else is wrong.
    pub failed_rules: Vec<FailedRule>,
    /// Whether the authentication-context claim is missing.
    pub missing_auth_context: bool,
    /// Whether approval is needed.
    pub requires_approval: bool,
    /// Whether this is a break-glass activation (pim's `Pim_BreakGlass_EndUser_Assignment`):
    /// no approval, rate limit or activation window, announced, alerted and reviewed.
    pub break_glass: bool,
    /// Whether the start falls outside every window of pim's
    /// `Pim_ActivationWindow_EndUser_Assignment` (refused, or sent for approval, as the rule says).
    pub outside_activation_window: bool,
    /// The window that would be granted.
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// Its end.
    #[serde(with = "crate::time::instant")]
    pub end_date_time: Instant,
    /// Whether the end was cut to the eligibility's end.
    pub capped_at_eligibility_end: bool,
    /// The role's activation maximum.
    pub maximum_duration: IsoDuration,
}

/// Evaluates an activation form against role settings and an eligibility, without state:
/// the same rules `selfActivate` applies, every failed rule reported at once.
pub fn evaluate_activation(
    settings: &RoleSettings,
    eligibility: &EligibilityWindow,
    input: &ActivationInput,
    ctx: &CallContext,
    now: Instant,
) -> Result<ActivationDecision, CommandError> {
    let window = requested_window(input.schedule_info.as_ref(), now, now)?;
    Ok(evaluate(settings, eligibility, &window, input, ctx, now))
}

fn evaluate(
    settings: &RoleSettings,
    eligibility: &EligibilityWindow,
    window: &RequestedWindow,
    input: &ActivationInput,
    ctx: &CallContext,
    now: Instant,
) -> ActivationDecision {
    let max = settings.activation.maximum;
    let start = window.start;
    let default_end = start.checked_add_signed(max).unwrap_or(start);
    let mut failed = Vec::new();
    let requested_end = match window.expiration {
        ExpirationType::NoExpiration => {
            failed.push(FailedRule::ExpirationRule);
            default_end
        }
        ExpirationType::NotSpecified => default_end,
        _ => window.end.unwrap_or(default_end),
    };
    if requested_end.signed_duration_since(start) > max
        && !failed.contains(&FailedRule::ExpirationRule)
    {
        failed.push(FailedRule::ExpirationRule);
    }
    let mut end = requested_end;
    let mut capped = false;
    if let Some(e) = eligibility.end_date_time
        && e < end
    {
        end = e;
        capped = true;
    }
    let glass = ctx
        .caller
        .as_deref()
        .is_some_and(|c| settings.break_glass.principal_ids.iter().any(|p| p == c));
    let (outside_window, window_approval) = window_rule(settings, start, glass, &mut failed);
    let approval = (settings.approval.required || window_approval) && !glass;
    enablement_rules(settings, input, ctx, (glass, approval), &mut failed);
    if glass
        && (start > now
            || requested_end.signed_duration_since(start)
                > settings.break_glass.maximum_duration.delta())
    {
        failed.push(FailedRule::PimBreakGlassRule);
    }
    let conflict = pim_rules(settings, input, (start, end), glass, &mut failed);
    let missing_acrs = settings
        .activation_auth_context
        .as_ref()
        .is_some_and(|c| !ctx.auth_context.iter().any(|x| x == c));
    let outside = start < eligibility.start_date_time
        || eligibility.end_date_time.is_some_and(|e| start >= e);
    let error = if start.signed_duration_since(now) > MAX_ACTIVATION_LEAD {
        Some(DecisionError::new(
            ErrorCode::InvalidRequest,
            "an activation may be scheduled at most 30 days ahead",
        ))
    } else if outside {
        Some(DecisionError::new(
            ErrorCode::RoleAssignmentDoesNotExist,
            format!("no eligibility is in effect at `{}`", show(start)),
        ))
    } else if end.signed_duration_since(start) < MINIMUM_WINDOW {
        Some(DecisionError::new(
            ErrorCode::ActiveDurationTooShort,
            "the active duration is too short: the minimum is 5 minutes",
        ))
    } else if !failed.is_empty() {
        let mut e = DecisionError::policy(failed.clone());
        if let Some(c) = conflict {
            e.message = format!("{}; {c}", e.message);
        }
        Some(e)
    } else if missing_acrs {
        Some(DecisionError::new(
            ErrorCode::RoleAssignmentRequestAcrsValidationFailed,
            format!(
                "the session lacks the authentication context `{}` this role requires",
                settings
                    .activation_auth_context
                    .as_deref()
                    .unwrap_or_default()
            ),
        ))
    } else {
        None
    };
    let status = error.is_none().then(|| {
        if approval {
            Status::PendingApproval
        } else if start <= now {
            Status::Provisioned
        } else {
            Status::Granted
        }
    });
    ActivationDecision {
        status,
        error,
        failed_rules: failed,
        missing_auth_context: missing_acrs,
        requires_approval: approval,
        break_glass: glass,
        outside_activation_window: outside_window,
        start_date_time: start,
        end_date_time: end,
        capped_at_eligibility_end: capped,
        maximum_duration: IsoDuration(max),
    }
}

/// pim's activation windows on a start (a break-glass one is exempt): whether it is outside,
/// and whether that sends it for approval; under `deny` the failed rule is added to `failed`.
fn window_rule(
    settings: &RoleSettings,
    start: Instant,
    glass: bool,
    failed: &mut Vec<FailedRule>,
) -> (bool, bool) {
    let Some(w) = settings.activation_window.as_ref().filter(|_| !glass) else {
        return (false, false);
    };
    if w.admits(start) {
        return (false, false);
    }
    let approval = w.outside_window == OutsideWindow::RequireApproval;
    if !approval {
        failed.push(FailedRule::PimActivationWindowRule);
    }
    (true, approval)
}

/// Graph's enablement rule on an activation (and the requestor justification approval asks
/// for, when the activation needs approval, or a break-glass activation needs): each failed
/// rule is added to `failed`.
fn enablement_rules(
    settings: &RoleSettings,
    input: &ActivationInput,
    ctx: &CallContext,
    (glass, approval): (bool, bool),
    failed: &mut Vec<FailedRule>,
) {
    let req = &settings.activation_requirements;
    if req.mfa && !ctx.mfa {
        failed.push(FailedRule::MfaRule);
    }
    let needs_reason = req.justification
        || glass
        || (approval && settings.approval.requestor_justification_required);
    if needs_reason && !given(input.justification.as_deref()) {
        failed.push(FailedRule::JustificationRule);
    }
    if req.ticket && !input.ticket_info.as_ref().is_some_and(TicketInfo::is_given) {
        failed.push(FailedRule::TicketingRule);
    }
}

/// pim's own rules on an activation from `start` to `end` (a break-glass one has no rate
/// limit): each failed one is added to `failed`; a separation-of-duties conflict is described.
fn pim_rules(
    settings: &RoleSettings,
    input: &ActivationInput,
    (start, end): (Instant, Instant),
    glass: bool,
    failed: &mut Vec<FailedRule>,
) -> Option<String> {
    let justification = input.justification.as_deref();
    if justification::fails(
        &settings.justification,
        justification,
        input.ticket_info.as_ref(),
    ) {
        failed.push(FailedRule::PimJustificationRule);
    }
    if !glass && rate_limit::fails(&settings.rate_limit, &input.recent_activations, start, end) {
        failed.push(FailedRule::PimRateLimitRule);
    }
    let conflict = duties::conflict(
        &settings.active_conflicts,
        &input.held_roles,
        start,
        Some(end),
    )?;
    failed.push(FailedRule::PimSeparationOfDutiesRule);
    Some(duties::describe(conflict))
}

impl Engine {
    /// The eligibility `principal` would activate for `role` at `scope` starting at `start`:
    /// their own or a group's, the one lasting longest.
    // Out of line: inlined into each command's path it grew the browser module by kilobytes.
    #[inline(never)]
    pub(crate) fn find_eligibility(
        &self,
        principal: &str,
        role: &str,
        scope: &str,
        start: Instant,
    ) -> Option<(Schedule, Option<&PrincipalId>)> {
        let own = self
            .state
            .indexed(AssignmentType::Eligible, principal, role)
            .map(|s| (s, None));
        let inherited = self
            .state
            .directory()
            .groups_of(principal)
            .iter()
            .flat_map(|g| {
                self.state
                    .indexed(AssignmentType::Eligible, g, role)
                    .map(move |s| (s, Some(g)))
            });
        own.chain(inherited)
            .filter(|(s, _)| {
                s.ended.is_none() && scope_covers(&s.scope, scope) && s.in_effect(start)
            })
            .max_by(|(a, ag), (b, bg)| {
                let end = |s: &Schedule| s.end_date_time.map_or((1, None), |e| (0, Some(e)));
                end(a)
                    .cmp(&end(b))
                    .then(bg.is_some().cmp(&ag.is_some()))
                    .then(b.id.cmp(&a.id))
            })
    }

    pub(crate) fn self_activate(
        &self,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let window = requested_window(body.schedule_info.as_ref(), now, now)?;
        let mut request = self.new_request(RequestKind::Assignment, body, scope, ctx, window, now);
        let principal = body.principal_id.as_str();
        let role = body.role_definition_id.as_str();
        if ctx.caller.as_deref() != Some(principal) {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::AuthorizationFailed,
                    "only the principal itself may activate its eligibility",
                ),
                now,
            ));
        }
        let Some((eligibility, via_group)) =
            self.find_eligibility(principal, role, scope, window.start)
        else {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::RoleAssignmentDoesNotExist,
                    format!("`{principal}` has no eligibility for `{role}` at `{scope}`"),
                ),
                now,
            ));
        };
        let settings = &self.policy(role, scope).settings;
        let input = ActivationInput {
            schedule_info: None,
            justification: body.justification.clone(),
            ticket_info: body.ticket_info.clone(),
            recent_activations: self.past_activations(principal, role),
            held_roles: self.held_roles(AssignmentType::Active, principal, role, now),
        };
        let elig = EligibilityWindow {
            start_date_time: eligibility.start_date_time,
            end_date_time: eligibility.end_date_time,
        };
        let verdict = evaluate(settings, &elig, &window, &input, ctx, now);
        request.end_date_time = Some(verdict.end_date_time);
        request.activated_using = Some(eligibility.id.clone());
        if let Some(error) = self.activation_conflict(principal, role, scope, &verdict, now) {
            return Ok(self.rejected(request, error, now));
        }
        let (Some(status), None) = (verdict.status, verdict.error.clone()) else {
            let error = verdict
                .error
                .unwrap_or_else(|| DecisionError::new(ErrorCode::InvalidRequest, "refused"));
            return Ok(self.rejected(request, error, now));
        };
        request.status = status;
        request.completed_date_time = (status == Status::Provisioned).then_some(now);
        let mut events = Vec::new();
        if status == Status::PendingApproval {
            request.approval_steps = approval_steps(settings, now);
            events.push(Event::RequestSubmitted {
                at: now,
                request: request.into(),
            });
        } else {
            let mut schedule = self.activation_schedule(
                &request,
                &eligibility,
                via_group,
                verdict.start_date_time,
                verdict.end_date_time,
            );
            schedule.break_glass = verdict.break_glass;
            request.target_schedule_id = Some(schedule.id.clone());
            events.push(Event::RequestSubmitted {
                at: now,
                request: request.clone().into(),
            });
            let review = schedule
                .break_glass
                .then(|| self.break_glass_review(&schedule, now));
            events.push(Event::ScheduleCreated {
                at: now,
                by: ctx.caller.clone(),
                schedule: schedule.into(),
            });
            events.extend(review.into_iter().flatten());
        }
        let decision = Decision {
            status: Some(status),
            start_date_time: Some(verdict.start_date_time),
            end_date_time: Some(verdict.end_date_time),
            request: events.first().and_then(|e| match e {
                Event::RequestSubmitted { request, .. } => Some(request.clone().into()),
                _ => None,
            }),
            error: None,
        };
        Ok(Outcome { decision, events })
    }

    /// Why an activation in the verdict's window cannot go ahead now: the role is already
    /// active there, or a request for it is already pending.
    fn activation_conflict(
        &self,
        principal: &str,
        role: &str,
        scope: &str,
        verdict: &ActivationDecision,
        now: Instant,
    ) -> Option<DecisionError> {
        let exists = self
            .state
            .indexed(AssignmentType::Active, principal, role)
            .any(|s| {
                s.ended.is_none()
                    && s.scope == scope
                    && s.not_over(now)
                    && s.overlaps(verdict.start_date_time, Some(verdict.end_date_time))
            });
        if exists {
            return Some(DecisionError::new(
                ErrorCode::RoleAssignmentExists,
                format!("`{principal}` already holds `{role}` at `{scope}` in that window"),
            ));
        }
        let pending = self.has_pending(
            principal,
            role,
            scope,
            RequestKind::Assignment,
            &[Action::SelfActivate],
            now,
        );
        pending.then(|| {
            DecisionError::new(
                ErrorCode::PendingRoleAssignmentRequest,
                "a request for this role and scope is already pending",
            )
        })
    }

    /// The activation schedule a granted request creates.
    pub(crate) fn activation_schedule(
        &self,
        request: &crate::request::RequestRecord,
        eligibility: &Schedule,
        via_group: Option<&PrincipalId>,
        start: Instant,
        end: Instant,
    ) -> Schedule {
        Schedule {
            id: self.state.schedule_id_for(&request.id, 1),
            kind: AssignmentType::Active,
            origin: Origin::Activated,
            principal_id: request.principal_id.clone(),
            role_definition_id: request.role_definition_id.clone(),
            scope: request.scope.clone(),
            start_date_time: start,
            end_date_time: Some(end),
            activated_using: Some(eligibility.id.clone()),
            via_group: via_group.cloned(),
            request_id: Some(request.id.clone()),
            ended: None,
            outside_pim: false,
            break_glass: false,
        }
    }

    /// Whether a request for the same principal, role, scope and kind, with one of `actions`
    /// (any action when empty), is still waiting for a decision.
    pub(crate) fn has_pending(
        &self,
        principal: &str,
        role: &str,
        scope: &str,
        kind: RequestKind,
        actions: &[Action],
        now: Instant,
    ) -> bool {
        self.state.open_requests_of(principal).any(|r| {
            r.role_definition_id == role
                && r.scope == scope
                && r.kind == kind
                && (actions.is_empty() || actions.contains(&r.action))
                && self.state.effective_status(r, now).is_pending()
        })
    }

    pub(crate) fn self_deactivate(
        &self,
        body: &ScheduleRequestBody,
        scope: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let principal = body.principal_id.as_str();
        let role = body.role_definition_id.as_str();
        let window = RequestedWindow {
            start: now,
            end: None,
            expiration: ExpirationType::NotSpecified,
        };
        let mut request = self.new_request(RequestKind::Assignment, body, scope, ctx, window, now);
        if ctx.caller.as_deref() != Some(principal) {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::AuthorizationFailed,
                    "only the principal itself may deactivate its activation",
                ),
                now,
            ));
        }
        let target = self
            .state
            .indexed(AssignmentType::Active, principal, role)
            .filter(|s| {
                s.origin == Origin::Activated
                    && s.ended.is_none()
                    && s.scope == scope
                    && s.not_over(now)
            })
            .min_by_key(|s| s.start_date_time);
        let Some(target) = target else {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::RoleAssignmentDoesNotExist,
                    format!("`{principal}` has no activation of `{role}` at `{scope}`"),
                ),
                now,
            ));
        };
        request.target_schedule_id = Some(target.id.clone());
        request.start_date_time = target.start_date_time.min(now);
        request.end_date_time = Some(now);
        if target.start_date_time <= now
            && now.signed_duration_since(target.start_date_time) < MINIMUM_WINDOW
        {
            return Ok(self.rejected(
                request,
                DecisionError::new(
                    ErrorCode::ActiveDurationTooShort,
                    "an activation cannot be deactivated within 5 minutes of its start",
                ),
                now,
            ));
        }
        request.status = Status::Revoked;
        request.completed_date_time = Some(now);
        let decision = Decision {
            status: Some(Status::Revoked),
            start_date_time: Some(request.start_date_time),
            end_date_time: Some(now),
            request: Some(request.clone()),
            error: None,
        };
        let events = vec![
            Event::RequestSubmitted {
                at: now,
                request: request.clone().into(),
            },
            Event::ScheduleEnded {
                at: now,
                by: ctx.caller.clone(),
                schedule_id: target.id.clone(),
                reason: EndReason::Deactivated,
                request_id: Some(request.id),
            },
        ];
        Ok(Outcome { decision, events })
    }
}

/// pim's quorum for stage `i`, when the settings ask more than Entra's one first answer.
fn stage_quorum(settings: &RoleSettings, i: usize) -> Option<crate::request::StageQuorum> {
    let q = &settings.quorum;
    let stage = q.stages.get(i);
    let minimum = stage.map_or(1, |s| s.minimum_approvals);
    let groups = stage
        .map(|s| s.required_group_ids.clone())
        .unwrap_or_default();
    (minimum > 1 || !groups.is_empty() || !q.is_denial_final).then_some(
        crate::request::StageQuorum {
            minimum_approvals: minimum,
            required_group_ids: groups,
            is_denial_final: q.is_denial_final,
        },
    )
}

/// The approval stages of a new activation request, as the role settings name them; the first
/// stage's time-out runs from `now`.
fn approval_steps(settings: &RoleSettings, now: Instant) -> Vec<ApprovalStep> {
    settings
        .approval
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| ApprovalStep {
            stage: u32::try_from(i).unwrap_or(u32::MAX),
            time_out_date_time: (i == 0)
                .then(|| now.checked_add_signed(stage.timeout))
                .flatten(),
            review_result: ReviewResult::NotReviewed,
            reviewed_by: None,
            reviewed_date_time: None,
            justification: None,
            primary_approvers: stage.approvers.clone(),
            is_approver_justification_required: stage.approver_justification_required,
            time_out_in_days: i32::try_from(stage.timeout.num_days()).unwrap_or(1),
            quorum: stage_quorum(settings, i),
            approvals: Vec::new(),
        })
        .collect()
}
