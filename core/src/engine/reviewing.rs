//! Access review commands, the snapshot an instance takes when it starts, and the events time
//! causes (instances starting and ending, auto-apply).

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use chrono::TimeDelta;

use super::Engine;
use super::commands::{CallContext, Outcome, given};
use crate::directory::PrincipalKind;
use crate::error::{CommandError, Decision, DecisionError, ErrorCode, FailedRule};
use crate::event::Event;
use crate::id::{PrincipalId, ReviewId};
use crate::review::{
    ApplyResult, InstanceStatus, Review, ReviewAssignmentType, ReviewDecision, ReviewDefinition,
    ReviewInstance, ReviewItem, ReviewerType, final_decision,
};
use crate::schedule::{AssignmentType, EndReason, Origin};
use crate::time::Instant;

impl Engine {
    /// A review as it stands at `now`: an instance whose end has passed shows `Completed`
    /// even before `tick` records it.
    pub fn review_at(&self, id: &str, now: Instant) -> Option<Review> {
        let mut r = self.state.review(id)?.clone();
        for i in &mut r.instances {
            if i.status == InstanceStatus::InProgress && i.end_date_time <= now {
                i.status = InstanceStatus::Completed;
            }
        }
        Some(r)
    }

    /// Every review that is not deleted, at `now`, in creation order.
    pub fn reviews_at(&self, now: Instant) -> Vec<Review> {
        self.state
            .reviews()
            .iter()
            .filter(|r| !r.deleted)
            .filter_map(|r| self.review_at(&r.id, now))
            .collect()
    }

    /// The access an instance starting at `t` reviews, one item per principal, sorted.
    pub(crate) fn review_snapshot(&self, def: &ReviewDefinition, t: Instant) -> Vec<ReviewItem> {
        let mut items: Vec<ReviewItem> = Vec::new();
        // Each principal's item, by the principal: one lookup per schedule, not a search.
        let mut item_of: hashbrown::HashMap<PrincipalId, usize> = hashbrown::HashMap::new();
        let last_sign_in = |p: &str| self.state.alert_settings().sign_ins.get(p).copied();
        let kind = match def.assignment_type {
            ReviewAssignmentType::Eligible => Some(AssignmentType::Eligible),
            ReviewAssignmentType::Active => Some(AssignmentType::Active),
            ReviewAssignmentType::All => None,
        };
        for s in self.state.schedules_of_role(&def.role_definition_id, kind) {
            if s.origin != Origin::Assigned || s.scope != def.scope_id || !s.in_effect(t) {
                continue;
            }
            let Some(p) = self.state.directory().principal(&s.principal_id) else {
                continue;
            };
            if p.kind == PrincipalKind::ServicePrincipal && !def.include_service_principals {
                continue;
            }
            // Entra: with "Members (self)", role-assignable groups aren't part of the review.
            if p.kind == PrincipalKind::Group && def.reviewers.kind == ReviewerType::SelfReview {
                continue;
            }
            if let Some(days) = def.inactive_days {
                let cutoff = t.checked_sub_signed(TimeDelta::days(i64::from(days)));
                if last_sign_in(&p.id).is_some_and(|l| cutoff.is_none_or(|c| l > c)) {
                    continue;
                }
            }
            if let Some(item) = item_of.get(&p.id).and_then(|i| items.get_mut(*i)) {
                item.schedule_ids.push(s.id.clone());
                continue;
            }
            item_of.insert(p.id.clone(), items.len());
            let reviewers = match def.reviewers.kind {
                ReviewerType::Selected => def.reviewers.ids.clone(),
                ReviewerType::SelfReview => vec![p.id.clone()],
                ReviewerType::Manager => match (&p.manager_id, p.kind) {
                    (Some(m), PrincipalKind::User) => vec![m.clone()],
                    _ => def.reviewers.fallback_reviewers.clone(),
                },
            };
            let recommendation = (def.settings.recommendations_enabled
                && p.kind == PrincipalKind::User)
                .then(|| {
                    let since = t
                        .checked_sub_signed(def.settings.recommendation_look_back_duration.delta());
                    if last_sign_in(&p.id).is_some_and(|l| since.is_none_or(|s| l >= s)) {
                        ReviewDecision::Approve
                    } else {
                        ReviewDecision::Deny
                    }
                });
            items.push(ReviewItem {
                principal_id: p.id.clone(),
                schedule_ids: vec![s.id.clone()],
                reviewers,
                recommendation,
                decision: ReviewDecision::NotReviewed,
                reviewed_by: None,
                reviewed_date_time: None,
                justification: None,
                apply_result: ApplyResult::New,
            });
        }
        items.sort_by(|a, b| a.principal_id.cmp(&b.principal_id));
        items
    }

    /// The events that apply an ended instance's results: denied access is removed through
    /// ordinary `scheduleEnded` events (and the activations drawn from removed eligibilities end).
    pub(crate) fn apply_review_events(
        &self,
        review: &Review,
        instance: &ReviewInstance,
        by: Option<&PrincipalId>,
        at: Instant,
    ) -> Vec<Event> {
        let mut results = Vec::new();
        let mut removals = Vec::new();
        for item in &instance.items {
            if final_decision(item, &review.definition.settings) != ReviewDecision::Deny {
                continue;
            }
            let mut found = false;
            for id in &item.schedule_ids {
                let Some(s) = self
                    .state
                    .schedule(id)
                    .filter(|s| s.ended.is_none() && s.not_over(at))
                else {
                    continue;
                };
                found = true;
                removals.push(Event::ScheduleEnded {
                    at,
                    by: by.cloned(),
                    schedule_id: s.id.clone(),
                    reason: EndReason::Removed,
                    request_id: None,
                });
                for a in self
                    .state
                    .activations_from(&s.id)
                    .filter(|a| a.not_over(at))
                {
                    removals.push(Event::ScheduleEnded {
                        at,
                        by: by.cloned(),
                        schedule_id: a.id.clone(),
                        reason: EndReason::EligibilityEnded,
                        request_id: None,
                    });
                }
            }
            results.push((
                item.principal_id.clone(),
                if found {
                    ApplyResult::AppliedSuccessfully
                } else {
                    ApplyResult::AppliedSuccessfullyButObjectNotFound
                },
            ));
        }
        let mut events = vec![Event::ReviewApplied {
            at,
            by: by.cloned(),
            review_id: review.id.clone(),
            index: instance.index,
            results,
        }];
        events.extend(removals);
        events
    }

    fn review_admin(&self, ctx: &CallContext, now: Instant) -> Option<Outcome> {
        match &ctx.caller {
            Some(c) if !self.is_admin(c, now) => Some(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                format!("`{c}` is not a Privileged Role or Global Administrator"),
            ))),
            _ => None,
        }
    }

    fn live_review(&self, id: &str) -> Result<&Review, CommandError> {
        self.state
            .review(id)
            .ok_or_else(|| CommandError::InvalidField {
                field: "reviewId",
                reason: format!("unknown access review `{id}`"),
            })
    }

    pub(crate) fn create_review(
        &self,
        def: &ReviewDefinition,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        super::commands::check_new_id("definition.id", def.id.as_deref())?;
        super::commands::horizon("startDateTime", def.start_date_time)?;
        if self
            .state
            .directory()
            .role(&def.role_definition_id)
            .is_none()
        {
            return Err(CommandError::UnknownRole(def.role_definition_id.clone()));
        }
        def.validate().map_err(|e| CommandError::InvalidField {
            field: "definition",
            reason: format!("{e}"),
        })?;
        let named = def.reviewers.ids.iter().map(|id| id.as_str());
        let fallback = def
            .reviewers
            .fallback_reviewers
            .iter()
            .map(|id| id.as_str());
        for id in named.chain(fallback).chain(def.additional_recipients()) {
            if self.state.directory().principal(id).is_none() {
                return Err(CommandError::UnknownPrincipal(id.into()));
            }
        }
        if let Some(refused) = self.review_admin(ctx, now) {
            return Ok(refused);
        }
        let id = match &def.id {
            Some(id) if self.state.review_id_taken(id) => {
                return Err(CommandError::DuplicateId(id.as_str().into()));
            }
            Some(id) => id.clone(),
            None => {
                let mut id = format!("review-{}", self.state.reviews().len().saturating_add(1));
                while self.state.review_id_taken(&id) {
                    id.push('x');
                }
                ReviewId::from(id)
            }
        };
        let start = def.start_date_time.unwrap_or(now).max(now);
        super::commands::horizon("startDateTime", Some(start))?;
        super::commands::horizon("recurrence.endDateTime", def.recurrence.end_date_time)?;
        let mut definition = def.clone();
        definition.id = Some(id.clone());
        definition.start_date_time = Some(start);
        let mut events = vec![Event::ReviewCreated {
            at: now,
            by: ctx.caller.clone(),
            definition: definition.clone(),
        }];
        if start <= now
            && let Some(end) = definition.instance_end(start)
        {
            events.push(Event::ReviewInstanceStarted {
                at: now,
                review_id: id,
                index: 0,
                end_date_time: end,
                items: self.review_snapshot(&definition, now),
            });
        }
        Ok(Outcome {
            decision: Decision::default(),
            events,
        })
    }

    /// The instance that reviewers may answer now.
    fn open_instance<'a>(
        &self,
        review: &'a Review,
        now: Instant,
    ) -> Result<&'a ReviewInstance, DecisionError> {
        match review.current() {
            Some(i) if i.status == InstanceStatus::InProgress && now < i.end_date_time => Ok(i),
            _ => Err(DecisionError::new(
                ErrorCode::InvalidRequest,
                format!("access review `{}` has no instance in progress", review.id),
            )),
        }
    }

    pub(crate) fn decide_review(
        &self,
        review_id: &str,
        principal: &str,
        decision: ReviewDecision,
        justification: Option<&str>,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let review = self.live_review(review_id)?;
        if decision == ReviewDecision::NotReviewed {
            return Err(CommandError::InvalidField {
                field: "decision",
                reason: "a decision is `Approve`, `Deny` or `DontKnow`".into(),
            });
        }
        let instance = match self.open_instance(review, now) {
            Ok(i) => i,
            Err(e) => return Ok(Outcome::refused(e)),
        };
        let Some(item) = instance.items.iter().find(|i| i.principal_id == principal) else {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::RoleAssignmentDoesNotExist,
                format!("`{principal}` is not under review in `{review_id}`"),
            )));
        };
        let Some(reviewer) = ctx.caller.as_deref() else {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                "a review decision needs a calling user",
            )));
        };
        let allowed = item
            .reviewers
            .iter()
            .any(|r| r == reviewer || self.state.directory().is_member(reviewer, r));
        if !allowed {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                format!("`{reviewer}` is not a reviewer of `{principal}` in `{review_id}`"),
            )));
        }
        if decision == ReviewDecision::Approve
            && review
                .definition
                .settings
                .justification_required_on_approval
            && !given(justification)
        {
            return Ok(Outcome::refused(DecisionError::policy(vec![
                FailedRule::JustificationRule,
            ])));
        }
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::ReviewDecided {
                at: now,
                by: reviewer.into(),
                review_id: review_id.into(),
                index: instance.index,
                principal_id: principal.into(),
                decision,
                justification: justification
                    .filter(|j| !j.trim().is_empty())
                    .map(Into::into),
            }],
        })
    }

    pub(crate) fn stop_review(
        &self,
        review_id: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let review = self.live_review(review_id)?;
        if let Some(refused) = self.review_admin(ctx, now) {
            return Ok(refused);
        }
        let instance = match self.open_instance(review, now) {
            Ok(i) => i,
            Err(e) => return Ok(Outcome::refused(e)),
        };
        Ok(Outcome {
            decision: Decision::default(),
            events: self.end_instance_events(review, instance, ctx.caller.as_ref(), now),
        })
    }

    /// The instance ends; with auto-apply its results are applied at once.
    pub(crate) fn end_instance_events(
        &self,
        review: &Review,
        instance: &ReviewInstance,
        by: Option<&PrincipalId>,
        at: Instant,
    ) -> Vec<Event> {
        let mut events = vec![Event::ReviewInstanceEnded {
            at,
            by: by.cloned(),
            review_id: review.id.clone(),
            index: instance.index,
        }];
        if review.definition.settings.auto_apply_decisions_enabled {
            events.extend(self.apply_review_events(review, instance, by, at));
        }
        events
    }

    pub(crate) fn reset_review(
        &self,
        review_id: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let review = self.live_review(review_id)?;
        if let Some(refused) = self.review_admin(ctx, now) {
            return Ok(refused);
        }
        let instance = match self.open_instance(review, now) {
            Ok(i) => i,
            Err(e) => return Ok(Outcome::refused(e)),
        };
        if instance
            .items
            .iter()
            .all(|i| i.decision == ReviewDecision::NotReviewed)
        {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::InvalidRequest,
                "there is no decision to reset",
            )));
        }
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::ReviewReset {
                at: now,
                by: ctx.caller.clone(),
                review_id: review_id.into(),
                index: instance.index,
            }],
        })
    }

    pub(crate) fn apply_review(
        &self,
        review_id: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        let review = self.live_review(review_id)?;
        if let Some(refused) = self.review_admin(ctx, now) {
            return Ok(refused);
        }
        if review.definition.settings.auto_apply_decisions_enabled {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::InvalidRequest,
                "results are applied automatically for this review",
            )));
        }
        let Some(instance) = review.current() else {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::InvalidRequest,
                "the review has no instance yet",
            )));
        };
        let mut events = Vec::new();
        match instance.status {
            InstanceStatus::InProgress if now >= instance.end_date_time => {
                events.push(Event::ReviewInstanceEnded {
                    at: now,
                    by: None,
                    review_id: review.id.clone(),
                    index: instance.index,
                });
            }
            InstanceStatus::Completed => {}
            InstanceStatus::InProgress => {
                return Ok(Outcome::refused(DecisionError::new(
                    ErrorCode::InvalidRequest,
                    "the instance is still in progress: stop it first",
                )));
            }
            InstanceStatus::Applied => {
                return Ok(Outcome::refused(DecisionError::new(
                    ErrorCode::InvalidRequest,
                    "the results are already applied",
                )));
            }
        }
        events.extend(self.apply_review_events(review, instance, ctx.caller.as_ref(), now));
        Ok(Outcome {
            decision: Decision::default(),
            events,
        })
    }

    pub(crate) fn delete_review(
        &self,
        review_id: &str,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        self.live_review(review_id)?;
        if let Some(refused) = self.review_admin(ctx, now) {
            return Ok(refused);
        }
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::ReviewDeleted {
                at: now,
                by: ctx.caller.clone(),
                review_id: review_id.into(),
            }],
        })
    }
}
