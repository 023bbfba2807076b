//! Approval decisions and cancellation.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use super::Engine;
use super::commands::{CallContext, Outcome, given};
use crate::directory::PrincipalKind;
use crate::error::{CommandError, Decision, DecisionError, ErrorCode, FailedRule};
use crate::event::Event;
use crate::policy::MINIMUM_WINDOW;
use crate::request::{ApprovalStep, RequestRecord, ReviewResult, Status};
use crate::schedule::{AssignmentType, EndReason, Schedule};
use crate::time::Instant;
use crate::wire::{Action, OutsideWindow, SubjectSet};

impl Engine {
    /// Whether `approver` may answer request `r` now; the refusal says why not.
    pub(crate) fn may_approve(
        &self,
        approver: &str,
        r: &RequestRecord,
        now: Instant,
    ) -> Result<(), DecisionError> {
        let deny = |m: &str| Err(DecisionError::new(ErrorCode::AuthorizationFailed, m));
        match self.state.directory().principal(approver).map(|p| p.kind) {
            Some(PrincipalKind::User) => {}
            Some(PrincipalKind::ServicePrincipal) => {
                return deny("service principals cannot approve");
            }
            _ => return deny("only users can approve"),
        }
        if approver == r.principal_id || r.created_by.as_deref() == Some(approver) {
            return deny("approvers cannot approve their own requests");
        }
        let allowed = match r.status {
            Status::PendingAdminDecision => self.is_admin(approver, now),
            _ => match r.current_step() {
                Some(step) if !step.primary_approvers.is_empty() => {
                    step.primary_approvers.iter().any(|s| match s {
                        SubjectSet::SingleUser { user_id, .. } => user_id == approver,
                        SubjectSet::GroupMembers { group_id, .. } => {
                            self.state.directory().is_member(approver, group_id)
                        }
                    })
                }
                // No approver named: Privileged Role and Global Administrators approve.
                Some(_) => self.is_admin(approver, now),
                None => false,
            },
        };
        if allowed {
            Ok(())
        } else {
            deny("the caller is not an approver of this request")
        }
    }

    pub(crate) fn decide(
        &self,
        request_id: &str,
        result: ReviewResult,
        justification: Option<&str>,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let r = self
            .state
            .request_record(request_id)
            .ok_or_else(|| CommandError::UnknownRequest(request_id.into()))?;
        let status = self.state.effective_status(r, now);
        if !status.is_pending() {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::InvalidRequest,
                format!("request `{request_id}` is not waiting for a decision (it is `{status}`)"),
            )));
        }
        let Some(approver) = ctx.caller.as_deref() else {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                "a decision needs a calling user",
            )));
        };
        if let Err(e) = self.may_approve(approver, r, now) {
            return Ok(Outcome::refused(e));
        }
        let step = r.current_step();
        let stage = step.map_or(0, |s| s.stage);
        let justification_required = match r.status {
            Status::PendingAdminDecision => false,
            _ => step.is_some_and(|s| s.is_approver_justification_required),
        };
        if justification_required && !given(justification) {
            return Ok(Outcome::refused(DecisionError::policy(vec![
                FailedRule::JustificationRule,
            ])));
        }
        if step.is_some_and(|s| s.approvals.iter().any(|a| a.reviewed_by == approver)) {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::InvalidRequest,
                format!("`{approver}` has already answered this stage"),
            )));
        }
        let partial = step.is_some_and(|s| self.leaves_waiting(s, approver, result));
        let record = |status, start, end| Event::ApprovalRecorded {
            at: now,
            request_id: request_id.into(),
            stage,
            approver: approver.into(),
            review_result: result,
            justification: justification
                .filter(|j| !j.trim().is_empty())
                .map(Into::into),
            status,
            partial,
            start_date_time: start,
            end_date_time: end,
        };
        let more_stages = r
            .approval_steps
            .iter()
            .filter(|s| s.review_result == ReviewResult::NotReviewed)
            .count()
            > 1;
        let (status, events) = match result {
            _ if partial => (
                Status::PendingApproval,
                vec![record(Status::PendingApproval, None, None)],
            ),
            ReviewResult::Deny => (Status::Denied, vec![record(Status::Denied, None, None)]),
            _ if more_stages => (
                Status::PendingApproval,
                vec![record(Status::PendingApproval, None, None)],
            ),
            _ => self.carry_out(r, ctx, now, &record),
        };
        let mut after = r.clone();
        if let Some(Event::ApprovalRecorded {
            start_date_time: Some(s),
            end_date_time,
            ..
        }) = events.first()
        {
            after.start_date_time = *s;
            after.end_date_time = *end_date_time;
        }
        after.status = status;
        let decision = Decision {
            status: Some(status),
            start_date_time: (status != Status::Denied).then_some(after.start_date_time),
            end_date_time: after.end_date_time.filter(|_| status != Status::Denied),
            request: Some(after),
            error: None,
        };
        Ok(Outcome { decision, events })
    }

    /// Under pim's quorum rule, whether `approver`'s answer leaves the stage waiting: a denial
    /// that is not final, or an approval short of the number or of a required group.
    fn leaves_waiting(&self, step: &ApprovalStep, approver: &str, result: ReviewResult) -> bool {
        let Some(q) = &step.quorum else {
            return false;
        };
        if result == ReviewResult::Deny {
            return !q.is_denial_final;
        }
        let approvers: Vec<&str> = step
            .approvals
            .iter()
            .filter(|a| a.review_result == ReviewResult::Approve)
            .map(|a| a.reviewed_by.as_str())
            .chain(core::iter::once(approver))
            .collect();
        let count = u32::try_from(approvers.len()).unwrap_or(u32::MAX);
        let dir = self.state.directory();
        let groups_met = q
            .required_group_ids
            .iter()
            .all(|g| approvers.iter().any(|a| dir.is_member(a, g)));
        count < q.minimum_approvals || !groups_met
    }

    /// Whether pim's activation window, rate limit or separation of duties, checked again at
    /// approval with the window the activation gets, refuse it: what changed while the request
    /// waited counts.
    fn pim_rules_refuse(
        &self,
        r: &RequestRecord,
        start: Instant,
        end: Instant,
        now: Instant,
    ) -> bool {
        let (principal, role) = (r.principal_id.as_str(), r.role_definition_id.as_str());
        let settings = &self.policy(role, &r.scope).settings;
        let past = self.past_activations(principal, role);
        let held = self.held_roles(AssignmentType::Active, principal, role, now);
        // An approved activation may start outside the windows only where the rule sends such
        // starts for approval; under `deny` the start it gets at approval must be inside.
        let outside_window = settings
            .activation_window
            .as_ref()
            .is_some_and(|w| w.outside_window == OutsideWindow::Deny && !w.admits(start));
        outside_window
            || crate::rate_limit::fails(&settings.rate_limit, &past, start, end)
            || crate::duties::conflict(&settings.active_conflicts, &held, start, Some(end))
                .is_some()
    }

    /// The final approval: creates the activation, extends or renews the assignment.
    fn carry_out(
        &self,
        r: &RequestRecord,
        ctx: &CallContext,
        now: Instant,
        record: &dyn Fn(Status, Option<Instant>, Option<Instant>) -> Event,
    ) -> (Status, Vec<Event>) {
        match r.action {
            Action::SelfActivate => self.approve_activation(r, ctx, now, record),
            Action::SelfExtend => self.approve_extension(r, ctx, now, record),
            Action::SelfRenew => self.approve_renewal(r, ctx, now, record),
            _ => (Status::Failed, vec![record(Status::Failed, None, None)]),
        }
    }

    /// An approved activation: the window, bounded by the maximum in force now, and its
    /// schedule; it fails when the eligibility is gone or too little of the window remains.
    fn approve_activation(
        &self,
        r: &RequestRecord,
        ctx: &CallContext,
        now: Instant,
        record: &dyn Fn(Status, Option<Instant>, Option<Instant>) -> Event,
    ) -> (Status, Vec<Event>) {
        let failed = || (Status::Failed, vec![record(Status::Failed, None, None)]);
        // The window starts at approval (or at the requested start, if later), so
        // waiting for an approver never eats the requested duration.
        let start = r.start_date_time.max(now);
        // The role's maximum in force at approval bounds the window, even if it was
        // lowered while the request waited.
        let maximum = self
            .policy(&r.role_definition_id, &r.scope)
            .settings
            .activation
            .maximum;
        let length = r
            .end_date_time
            .map(|e| e.signed_duration_since(r.start_date_time))
            .unwrap_or_default()
            .min(maximum);
        let Some((elig, via_group)) =
            self.find_eligibility(&r.principal_id, &r.role_definition_id, &r.scope, start)
        else {
            return failed();
        };
        let mut end = start.checked_add_signed(length).unwrap_or(start);
        if let Some(e) = elig.end_date_time {
            end = end.min(e);
        }
        if end.signed_duration_since(start) < MINIMUM_WINDOW
            || self.pim_rules_refuse(r, start, end, now)
        {
            return failed();
        }
        let status = if start <= now {
            Status::Provisioned
        } else {
            Status::Granted
        };
        let mut schedule = self.activation_schedule(r, &elig, via_group, start, end);
        schedule.id = self.state.schedule_id_for(&r.id, 0);
        (
            status,
            vec![
                record(status, Some(start), Some(end)),
                Event::ScheduleCreated {
                    at: now,
                    by: ctx.caller.clone(),
                    schedule: schedule.into(),
                },
            ],
        )
    }

    /// An approved self-extension: the assignment's new end.
    fn approve_extension(
        &self,
        r: &RequestRecord,
        ctx: &CallContext,
        now: Instant,
        record: &dyn Fn(Status, Option<Instant>, Option<Instant>) -> Event,
    ) -> (Status, Vec<Event>) {
        let failed = || (Status::Failed, vec![record(Status::Failed, None, None)]);
        let Some(target) = r
            .target_schedule_id
            .as_deref()
            .and_then(|id| self.state.schedule(id))
        else {
            return failed();
        };
        if matches!(target.ended, Some(e) if e != EndReason::Expired) {
            return failed();
        }
        (
            Status::Provisioned,
            vec![
                record(
                    Status::Provisioned,
                    Some(target.start_date_time),
                    r.end_date_time,
                ),
                Event::ScheduleUpdated {
                    at: now,
                    by: ctx.caller.clone(),
                    schedule_id: target.id.clone(),
                    start_date_time: target.start_date_time,
                    end_date_time: r.end_date_time,
                    request_id: Some(r.id.clone()),
                },
            ],
        )
    }

    /// An approved self-renewal: a new assignment from now (or the requested start).
    fn approve_renewal(
        &self,
        r: &RequestRecord,
        ctx: &CallContext,
        now: Instant,
        record: &dyn Fn(Status, Option<Instant>, Option<Instant>) -> Event,
    ) -> (Status, Vec<Event>) {
        let failed = || (Status::Failed, vec![record(Status::Failed, None, None)]);
        let Some(target) = r
            .target_schedule_id
            .as_deref()
            .and_then(|id| self.state.schedule(id))
        else {
            return failed();
        };
        // A renewal grants the end that was asked for; if the decision came so late
        // that less than the minimum window remains, it fails.
        let start = r.start_date_time.max(now);
        let end = r.end_date_time;
        if end.is_some_and(|e| e.signed_duration_since(start) < MINIMUM_WINDOW) {
            return failed();
        }
        let status = if start <= now {
            Status::Provisioned
        } else {
            Status::Granted
        };
        let schedule = Schedule::assigned(
            self.state.schedule_id_for(&r.id, 0),
            target.kind,
            &target.principal_id,
            &target.role_definition_id,
            target.scope.clone(),
            (start, end),
            Some(r.id.clone()),
        );
        (
            status,
            vec![
                record(status, Some(start), end),
                Event::ScheduleCreated {
                    at: now,
                    by: ctx.caller.clone(),
                    schedule: schedule.into(),
                },
            ],
        )
    }

    pub(crate) fn cancel(
        &self,
        request_id: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let r = self
            .state
            .request_record(request_id)
            .ok_or_else(|| CommandError::UnknownRequest(request_id.into()))?;
        let status = self.state.effective_status(r, now);
        let allowed = match ctx.caller.as_deref() {
            None => true,
            Some(c) => {
                c == r.principal_id || r.created_by.as_deref() == Some(c) || self.is_admin(c, now)
            }
        };
        if !allowed {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                "only the requestor or an administrator may cancel a request",
            )));
        }
        if !(status.is_pending() || status == Status::Granted) {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "only pending or scheduled requests can be canceled; `{request_id}` is `{status}`"
                ),
            )));
        }
        let mut events: Vec<Event> = vec![Event::RequestStatusChanged {
            at: now,
            request_id: request_id.into(),
            status: Status::Canceled,
            by: ctx.caller.clone(),
        }];
        if status == Status::Granted
            && let Some(s) = r
                .target_schedule_id
                .as_deref()
                .and_then(|id| self.state.schedule(id))
            && s.ended.is_none()
        {
            events.push(Event::ScheduleEnded {
                at: now,
                by: ctx.caller.clone(),
                schedule_id: s.id.clone(),
                reason: EndReason::Canceled,
                request_id: Some(request_id.into()),
            });
        }
        let mut after = r.clone();
        after.status = Status::Canceled;
        Ok(Outcome {
            decision: Decision {
                status: Some(Status::Canceled),
                request: Some(after),
                ..Decision::default()
            },
            events,
        })
    }
}
