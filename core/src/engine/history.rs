//! What a principal has held, as pim's own rules read it: earlier activations of a role (for the
//! rate limit) and the other roles held (for separation of duties).

use alloc::vec::Vec;

use super::Engine;
use crate::duties::HeldRole;
use crate::policy::RoleSettings;
use crate::rate_limit::PastActivation;
use crate::schedule::{AssignmentType, Origin};
use crate::state::Facts;
use crate::time::Instant;

impl Engine {
    /// The principal's activations of `role` at any scope that took effect (or are scheduled),
    /// ended ones included.
    pub(crate) fn past_activations(&self, principal: &str, role: &str) -> Vec<PastActivation> {
        self.state
            .facts_of(principal)
            .filter(|f| {
                f.kind == AssignmentType::Active && f.origin == Origin::Activated && f.role == role
            })
            .filter_map(|f| {
                let end = f.end?;
                (f.start < end).then_some(PastActivation {
                    start_date_time: f.start,
                    end_date_time: end,
                })
            })
            .collect()
    }

    /// The roles of `kind` other than `role` that the principal holds directly or through its
    /// groups and that are not over at `now`, each marked when its own settings name `role`
    /// as conflicting.
    pub(crate) fn held_roles(
        &self,
        kind: AssignmentType,
        principal: &str,
        role: &str,
        now: Instant,
    ) -> Vec<HeldRole> {
        let groups = self.state.directory().groups_of(principal);
        let holders = core::iter::once(principal).chain(groups.iter().map(|g| g.as_str()));
        let held = move |f: &Facts<'_>| {
            f.kind == kind && f.role != role && f.not_over(now) && f.end.is_none_or(|e| f.start < e)
        };
        holders
            .flat_map(|p| self.state.schedules_of_where(p, held))
            .map(|s| HeldRole {
                role_definition_id: s.role_definition_id.clone(),
                schedule_id: Some(s.id.clone()),
                start_date_time: Some(s.start_date_time),
                end_date_time: s.end_date_time,
                conflicts_with_requested: conflicts_back(
                    &self.policy(&s.role_definition_id, &s.scope).settings,
                    kind,
                    role,
                ),
            })
            .collect()
    }
}

/// Whether a held role's settings name `role` as conflicting at `kind`.
fn conflicts_back(settings: &RoleSettings, kind: AssignmentType, role: &str) -> bool {
    let list = match kind {
        AssignmentType::Active => &settings.active_conflicts,
        AssignmentType::Eligible => &settings.eligible_conflicts,
    };
    list.iter().any(|r| r == role)
}
