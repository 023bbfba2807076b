//! pim's break-glass activation (`Pim_BreakGlass_EndUser_Assignment`): the access review each one
//! opens of itself. The rule's other effects are where they belong: the activation evaluation
//! (no approval or rate limit, a short maximum, a justification), the notifications and the
//! security alert.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use super::Engine;
use crate::directory::PrincipalKind;
use crate::event::Event;
use crate::id::{PrincipalId, ReviewId};
use crate::review::{
    ApplyResult, Recurrence, ReviewAssignmentType, ReviewDecision, ReviewDefinition, ReviewItem,
    ReviewSettings, ReviewerType, Reviewers,
};
use crate::schedule::Schedule;
use crate::time::Instant;
use crate::wire::SubjectSet;
use crate::{GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR};

/// The id of the review a break-glass activation opens.
pub(crate) fn break_glass_review_id(schedule_id: &str) -> ReviewId {
    ReviewId::from(format!("break-glass-{schedule_id}"))
}

impl Engine {
    /// Who reviews a break-glass activation: the users and groups the role's first approval
    /// stage names, else the active Privileged Role and Global Administrators.
    fn break_glass_reviewers(&self, s: &Schedule, now: Instant) -> Vec<PrincipalId> {
        let settings = &self.policy(&s.role_definition_id, &s.scope).settings;
        let named: Vec<PrincipalId> = settings
            .approval
            .stages
            .first()
            .map(|stage| {
                stage
                    .approvers
                    .iter()
                    .map(|a| match a {
                        SubjectSet::SingleUser { user_id, .. } => user_id.clone(),
                        SubjectSet::GroupMembers { group_id, .. } => group_id.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut out = if named.is_empty() {
            self.default_approvers(now)
        } else {
            named
        };
        out.retain(|p| *p != s.principal_id);
        out
    }

    /// The users actively holding Privileged Role or Global Administrator at the tenant scope
    /// at `now` (groups expanded), sorted.
    fn default_approvers(&self, now: Instant) -> Vec<PrincipalId> {
        let dir = self.state.directory();
        let mut out = alloc::collections::BTreeSet::new();
        let roles = [PRIVILEGED_ROLE_ADMINISTRATOR, GLOBAL_ADMINISTRATOR];
        for s in self.state.active_by_role(&roles) {
            if s.ended.is_some() {
                continue;
            }
            if s.scope != "/" || !s.in_effect(now) {
                continue;
            }
            let members = dir.transitive_members(&s.principal_id);
            if members.is_empty() {
                out.insert(s.principal_id.clone());
            }
            out.extend(members);
        }
        out.into_iter()
            .filter(|p| {
                dir.principal(p)
                    .is_some_and(|p| p.kind == PrincipalKind::User)
            })
            .collect()
    }

    /// The events that open the access review of break-glass activation `s`: a one-time
    /// review of that activation alone, started at once, that ends after the rule's
    /// `reviewDurationInDays`.
    pub(crate) fn break_glass_review(&self, s: &Schedule, now: Instant) -> Vec<Event> {
        let settings = &self.policy(&s.role_definition_id, &s.scope).settings;
        let reviewers = self.break_glass_reviewers(s, now);
        let id = break_glass_review_id(&s.id);
        let definition = ReviewDefinition {
            id: Some(id.clone()),
            display_name: Some(format!("Break-glass activation {}", s.id)),
            role_definition_id: s.role_definition_id.clone(),
            scope_id: s.scope.clone(),
            assignment_type: ReviewAssignmentType::Active,
            include_service_principals: false,
            inactive_days: None,
            reviewers: Reviewers {
                kind: ReviewerType::Selected,
                ids: reviewers.clone(),
                fallback_reviewers: Vec::new(),
            },
            recurrence: Recurrence {
                duration_in_days: settings.break_glass.review_duration_in_days,
                ..Recurrence::default()
            },
            start_date_time: Some(now),
            // The reviewers are asked by mail at once and reminded halfway.
            settings: ReviewSettings {
                recommendations_enabled: false,
                mail_notifications_enabled: true,
                reminder_notifications_enabled: true,
                ..ReviewSettings::default()
            },
            additional_notification_recipients: Vec::new(),
        };
        let Some(end) = definition.instance_end(now) else {
            return Vec::new();
        };
        let item = ReviewItem {
            principal_id: s.principal_id.clone(),
            schedule_ids: vec![s.id.clone()],
            reviewers,
            recommendation: None,
            decision: ReviewDecision::NotReviewed,
            reviewed_by: None,
            reviewed_date_time: None,
            justification: None,
            apply_result: ApplyResult::New,
        };
        vec![
            Event::ReviewCreated {
                at: now,
                by: None,
                definition,
            },
            Event::ReviewInstanceStarted {
                at: now,
                review_id: id,
                index: 0,
                end_date_time: end,
                items: vec![item],
            },
        ]
    }
}
