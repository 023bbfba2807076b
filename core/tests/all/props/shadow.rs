//! The shadow model: schedules and group membership, kept from the event log alone.

use std::collections::{BTreeMap, BTreeSet};

use pim_core::event::Event;
use pim_core::schedule::{AssignmentType, Schedule, scope_covers};
use pim_core::{Instant, PrincipalId, ScheduleId};

#[derive(Debug, Clone, Default)]
pub(crate) struct Shadow {
    pub(crate) schedules: BTreeMap<ScheduleId, Schedule>,
    members: BTreeMap<PrincipalId, Vec<PrincipalId>>,
}

impl Shadow {
    pub(crate) fn apply(&mut self, e: &Event) {
        match e {
            Event::PrincipalAdded {
                principal, members, ..
            } if principal.kind == pim_core::directory::PrincipalKind::Group => {
                self.members.insert(principal.id.clone(), members.clone());
            }
            Event::MembershipChanged {
                group_id,
                added,
                removed,
                ..
            } => {
                let list = self.members.entry(group_id.clone()).or_default();
                list.retain(|m| !removed.contains(m));
                for m in added {
                    if !list.contains(m) {
                        list.push(m.clone());
                    }
                }
            }
            Event::ScheduleCreated { schedule, .. } => {
                self.schedules
                    .insert(schedule.id.clone(), schedule.clone().into());
            }
            Event::ScheduleUpdated {
                schedule_id,
                start_date_time,
                end_date_time,
                ..
            } => {
                if let Some(s) = self.schedules.get_mut(schedule_id) {
                    s.start_date_time = *start_date_time;
                    s.end_date_time = *end_date_time;
                    s.ended = None;
                }
            }
            Event::ScheduleEnded {
                at,
                schedule_id,
                reason,
                ..
            } => self.end(schedule_id, *at, *reason),
            _ => {}
        }
    }

    fn end(&mut self, schedule_id: &str, at: Instant, reason: pim_core::schedule::EndReason) {
        if let Some(s) = self.schedules.get_mut(schedule_id) {
            s.ended = Some(reason);
            if s.end_date_time.is_none_or(|e| at < e) {
                s.end_date_time = Some(at);
            }
            if s.start_date_time > at {
                s.start_date_time = at;
            }
        }
    }

    /// Every group containing `p`, directly or through nesting.
    pub(crate) fn groups_of(&self, p: &str) -> BTreeSet<PrincipalId> {
        let mut out = BTreeSet::new();
        let mut frontier = vec![PrincipalId::from(p)];
        while let Some(x) = frontier.pop() {
            for (g, members) in &self.members {
                if members.contains(&x) && out.insert(g.clone()) {
                    frontier.push(g.clone());
                }
            }
        }
        out.remove(p);
        out
    }

    /// Active schedules (assignments and activations) that give `p` the role at the scope at `t`.
    pub(crate) fn covering(
        &self,
        p: &str,
        groups: &BTreeSet<PrincipalId>,
        role: &str,
        scope: &str,
        t: Instant,
    ) -> Vec<&Schedule> {
        self.schedules
            .values()
            .filter(|s| {
                s.kind == AssignmentType::Active
                    && s.role_definition_id == role
                    && scope_covers(&s.scope, scope)
                    && s.in_effect(t)
                    && (s.principal_id == p || groups.contains(&s.principal_id))
            })
            .collect()
    }
}
