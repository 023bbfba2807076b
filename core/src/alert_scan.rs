//! The alert scan: every security alert as it stands at an instant, a pure function of the
//! tenant's [`State`]. The alert definitions, settings and their ranges are in
//! [`crate::alerts`].

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::vec::Vec;

use chrono::TimeDelta;

use crate::GLOBAL_ADMINISTRATOR;
use crate::alerts::{Alert, AlertId, Incident, RENEWAL_LOOK_BACK};
use crate::id::{PrincipalId, RoleDefinitionId};
use crate::schedule::{AssignmentType, Origin, Schedule};
use crate::state::State;
use crate::time::Instant;

fn assigned_in_effect(s: &Schedule, now: Instant) -> bool {
    s.origin == Origin::Assigned && s.ended.is_none() && s.in_effect(now)
}

/// Every alert as it stands at `now`, in Graph id order.
pub fn alerts(state: &State, now: Instant) -> Vec<Alert> {
    AlertId::ALL.iter().map(|a| alert(state, *a, now)).collect()
}

/// One alert as it stands at `now`.
pub fn alert(state: &State, id: AlertId, now: Instant) -> Alert {
    Scan { state }.alert(id, now)
}

/// The most activations one time frame holds: their number and the first and last start.
struct Run {
    count: usize,
    first: Instant,
    last: Instant,
}

/// The densest run of `starts` (sorted) whose first and last are at most `frame` apart; the
/// earliest such run on ties.
fn densest_run(starts: &[Instant], frame: TimeDelta) -> Option<Run> {
    let mut best: Option<Run> = None;
    let mut lo = 0usize;
    for (hi, end) in starts.iter().enumerate() {
        while starts
            .get(lo)
            .is_some_and(|s| end.signed_duration_since(*s) > frame)
        {
            lo = lo.saturating_add(1);
        }
        let count = hi.saturating_sub(lo).saturating_add(1);
        if best.as_ref().is_none_or(|b| count > b.count) {
            best = starts.get(lo).map(|first| Run {
                count,
                first: *first,
                last: *end,
            });
        }
    }
    best
}

/// The alert scan over one state.
struct Scan<'s> {
    state: &'s State,
}

impl Scan<'_> {
    fn alert(&self, id: AlertId, now: Instant) -> Alert {
        let settings = &self.state.alert_settings();
        let enabled = settings.is_enabled(id);
        let incidents = if enabled {
            self.incidents(id, now)
        } else {
            Vec::new()
        };
        let dismissed = settings.dismissed.contains(&id);
        Alert {
            alert_definition_id: id,
            display_name: id.display_name().into(),
            severity_level: id.severity(),
            is_active: enabled && !dismissed && !incidents.is_empty(),
            is_enabled: enabled,
            is_dismissed: dismissed,
            is_remediatable: id.is_remediatable(),
            incident_count: incidents.len(),
            incidents,
            configuration: settings.configuration(id),
            last_scanned_date_time: now,
        }
    }

    fn incidents(&self, id: AlertId, now: Instant) -> Vec<Incident> {
        match id {
            AlertId::TooManyGlobalAdmins => self.too_many_global_admins(now),
            AlertId::SequentialActivationRenewals => self.frequent_activations(now),
            AlertId::RedundantAssignment => self.unused_roles(now),
            AlertId::StaleSignIn => self.stale_accounts(now),
            AlertId::SeparationOfDutiesViolation => self.duty_conflicts(now),
            AlertId::BreakGlassActivation => self.unreviewed_break_glass(),
            AlertId::RolesAssignedOutsidePim => self
                .state
                .schedules()
                .filter(|s| s.outside_pim && assigned_in_effect(s, now))
                .map(|s| Incident {
                    assignee_id: Some(s.principal_id.clone()),
                    role_definition_id: Some(s.role_definition_id.clone()),
                    schedule_id: Some(s.id.clone()),
                    assignment_created_date_time: Some(s.start_date_time),
                    ..Incident::new(s.id.clone())
                })
                .collect(),
            AlertId::NoMfaOnRoleActivation => {
                let roles: BTreeSet<RoleDefinitionId> = self
                    .state
                    .schedules()
                    .filter(|s| s.kind == AssignmentType::Eligible && assigned_in_effect(s, now))
                    .filter(|s| {
                        let settings = &self.state.policy(&s.role_definition_id, &s.scope).settings;
                        !settings.activation_requirements.mfa
                            && settings.activation_auth_context.is_none()
                    })
                    .map(|s| s.role_definition_id)
                    .collect();
                roles
                    .into_iter()
                    .map(|r| Incident {
                        role_definition_id: Some(r.clone()),
                        ..Incident::new(r)
                    })
                    .collect()
            }
        }
    }

    /// pim's separation of duties: for every principal (groups expanded to their members)
    /// holding, at `now`, two roles of the same kind that the settings of either name as
    /// conflicting, an incident on the later of the two grants (the one remediation removes).
    fn duty_conflicts(&self, now: Instant) -> Vec<Incident> {
        let dir = self.state.directory();
        let mut held: BTreeMap<PrincipalId, Vec<Schedule>> = BTreeMap::new();
        for s in self.state.schedules() {
            if s.ended.is_some() || !s.in_effect(now) {
                continue;
            }
            let members = dir.transitive_members(&s.principal_id);
            if members.is_empty() {
                held.entry(s.principal_id.clone())
                    .or_default()
                    .push(s.clone());
            }
            for m in members {
                held.entry(m).or_default().push(s.clone());
            }
        }
        let mut out: BTreeMap<alloc::string::String, Incident> = BTreeMap::new();
        for (principal, list) in &held {
            for (i, a) in list.iter().enumerate() {
                for b in list.iter().skip(i.saturating_add(1)) {
                    if !self.conflict(a, b) {
                        continue;
                    }
                    let later = if (b.start_date_time, &b.id) >= (a.start_date_time, &a.id) {
                        b
                    } else {
                        a
                    };
                    let id = format!("{principal}:{}", later.id);
                    out.entry(id.clone()).or_insert_with(|| Incident {
                        assignee_id: Some(principal.clone()),
                        role_definition_id: Some(later.role_definition_id.clone()),
                        schedule_id: Some(later.id.clone()),
                        assignment_created_date_time: Some(later.start_date_time),
                        ..Incident::new(id)
                    });
                }
            }
        }
        out.into_values().collect()
    }

    /// pim's break-glass activations whose access review has not decided every item, each an
    /// incident, whenever they were.
    fn unreviewed_break_glass(&self) -> Vec<Incident> {
        let done = |s: &Schedule| {
            let id = crate::engine::break_glass_review_id(&s.id);
            self.state
                .review(&id)
                .and_then(|r| r.current())
                .is_some_and(|i| {
                    i.items
                        .iter()
                        .all(|it| it.decision != crate::review::ReviewDecision::NotReviewed)
                })
        };
        self.state
            .schedules()
            .filter(|s| s.break_glass && !done(s))
            .map(|s| Incident {
                assignee_id: Some(s.principal_id.clone()),
                role_definition_id: Some(s.role_definition_id.clone()),
                schedule_id: Some(s.id.clone()),
                last_activation_date_time: Some(s.start_date_time),
                ..Incident::new(s.id.clone())
            })
            .collect()
    }

    /// Whether two grants of one principal conflict: same kind, different roles, and either
    /// role's settings name the other.
    fn conflict(&self, a: &Schedule, b: &Schedule) -> bool {
        let names = |x: &Schedule, y: &Schedule| {
            let settings = &self.state.policy(&x.role_definition_id, &x.scope).settings;
            let list = match x.kind {
                AssignmentType::Active => &settings.active_conflicts,
                AssignmentType::Eligible => &settings.eligible_conflicts,
            };
            list.contains(&y.role_definition_id)
        };
        a.kind == b.kind
            && a.role_definition_id != b.role_definition_id
            && (names(a, b) || names(b, a))
    }

    /// The Global Administrator role assignments, and all role assignments (eligible or active,
    /// each assignment once; activations are not assignments), at `now`. The alert fires when
    /// the GA count reaches its threshold and the GA share of all assignments reaches its
    /// percentage; each GA holder is an incident.
    fn too_many_global_admins(&self, now: Instant) -> Vec<Incident> {
        let mut total: u64 = 0;
        let mut count: u64 = 0;
        let mut admins: BTreeMap<PrincipalId, Instant> = BTreeMap::new();
        for s in self
            .state
            .schedules()
            .filter(|s| assigned_in_effect(s, now))
        {
            total = total.saturating_add(1);
            if s.role_definition_id == GLOBAL_ADMINISTRATOR {
                count = count.saturating_add(1);
                let first = (admins.entry(s.principal_id.clone())).or_insert(s.start_date_time);
                *first = (*first).min(s.start_date_time);
            }
        }
        let s = &self.state.alert_settings();
        let reaches_count = count >= u64::from(s.global_admin_count);
        // count / total >= pct / 100, in integers.
        let reaches_share = total > 0
            && count.saturating_mul(100)
                >= total.saturating_mul(u64::from(s.global_admin_percentage));
        if !(reaches_count && reaches_share) {
            return Vec::new();
        }
        admins
            .into_iter()
            .map(|(p, since)| Incident {
                assignee_id: Some(p.clone()),
                role_definition_id: Some(GLOBAL_ADMINISTRATOR.into()),
                assignment_created_date_time: Some(since),
                ..Incident::new(p)
            })
            .collect()
    }

    /// Principals who activated the same role `renewal_count` times or more within one renewal
    /// time frame (the starts of the first and the last at most the time frame apart), in the
    /// last 30 days. The incident reports the most activations any one time frame holds, and
    /// the first such sequence's first and last activation.
    fn frequent_activations(&self, now: Instant) -> Vec<Incident> {
        let s = &self.state.alert_settings();
        let since = now.checked_sub_signed(RENEWAL_LOOK_BACK).unwrap_or(now);
        let mut by_pair: BTreeMap<(PrincipalId, RoleDefinitionId), Vec<Instant>> = BTreeMap::new();
        for a in self.state.schedules().filter(|a| {
            a.origin == Origin::Activated && a.start_date_time >= since && a.start_date_time <= now
        }) {
            by_pair
                .entry((a.principal_id, a.role_definition_id))
                .or_default()
                .push(a.start_date_time);
        }
        let mut out = Vec::new();
        for ((principal, role), mut starts) in by_pair {
            starts.sort_unstable();
            let Some(run) = densest_run(&starts, s.renewal_interval) else {
                continue;
            };
            if u32::try_from(run.count).unwrap_or(u32::MAX) < s.renewal_count {
                continue;
            }
            let count = u32::try_from(run.count).unwrap_or(u32::MAX);
            out.push(Incident {
                assignee_id: Some(principal.clone()),
                role_definition_id: Some(role.clone()),
                last_activation_date_time: starts.last().copied(),
                sequential_activation_count: Some(count),
                activation_count: Some(count),
                sequence_start_date_time: Some(run.first),
                sequence_end_date_time: Some(run.last),
                ..Incident::new(format!("{principal}|{role}"))
            });
        }
        out
    }

    /// Eligible assignments whose holder went over the threshold without activating the role:
    /// the assignment and the last activation (if any) both more than the threshold ago.
    fn unused_roles(&self, now: Instant) -> Vec<Incident> {
        let window = TimeDelta::days(self.state.alert_settings().unused_days);
        let cutoff = now.checked_sub_signed(window).unwrap_or(now);
        self.state
            .schedules()
            .filter(|s| {
                s.kind == AssignmentType::Eligible
                    && assigned_in_effect(s, now)
                    && s.start_date_time < cutoff
            })
            .filter_map(|s| {
                let last = self
                    .state
                    .indexed(
                        AssignmentType::Active,
                        &s.principal_id,
                        &s.role_definition_id,
                    )
                    .chain(self.ended_activations(&s.principal_id, &s.role_definition_id))
                    .filter(|a| a.origin == Origin::Activated && a.start_date_time <= now)
                    .map(|a| a.start_date_time)
                    .max();
                if last.is_some_and(|l| l >= cutoff) {
                    return None;
                }
                Some(Incident {
                    assignee_id: Some(s.principal_id.clone()),
                    role_definition_id: Some(s.role_definition_id.clone()),
                    schedule_id: Some(s.id.clone()),
                    assignment_created_date_time: Some(s.start_date_time),
                    last_activation_date_time: last,
                    ..Incident::new(s.id.clone())
                })
            })
            .collect()
    }

    fn ended_activations<'a>(
        &'a self,
        principal: &'a str,
        role: &'a str,
    ) -> impl Iterator<Item = Schedule> + 'a {
        self.state
            .schedules_of(principal)
            .filter(move |a| a.role_definition_id == role && a.ended.is_some())
    }

    /// Users holding a role who have not signed in during the past threshold (the instant
    /// exactly the threshold ago included): their last sign-in (or, never signed in, their
    /// oldest assignment) is more than the threshold ago.
    fn stale_accounts(&self, now: Instant) -> Vec<Incident> {
        let window = TimeDelta::days(self.state.alert_settings().stale_days);
        let cutoff = now.checked_sub_signed(window).unwrap_or(now);
        let mut oldest: BTreeMap<PrincipalId, Instant> = BTreeMap::new();
        for s in self
            .state
            .schedules()
            .filter(|s| assigned_in_effect(s, now))
        {
            let is_user = self
                .state
                .directory()
                .principal(&s.principal_id)
                .is_some_and(|p| p.kind == crate::directory::PrincipalKind::User);
            if is_user {
                let e = oldest
                    .entry(s.principal_id.clone())
                    .or_insert(s.start_date_time);
                *e = (*e).min(s.start_date_time);
            }
        }
        oldest
            .into_iter()
            .filter_map(|(p, since)| {
                let last = self.state.alert_settings().sign_ins.get(&p).copied();
                let stale = match last {
                    Some(l) => l < cutoff,
                    None => since < cutoff,
                };
                stale.then(|| Incident {
                    assignee_id: Some(p.clone()),
                    assignment_created_date_time: Some(since),
                    last_sign_in_date_time: last,
                    ..Incident::new(p)
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_instant;

    fn at(s: &str) -> Instant {
        parse_instant(s).expect("an instant")
    }

    #[test]
    fn the_densest_run_counts_starts_within_one_time_frame_boundary_included() {
        let starts = [
            at("2026-05-04T08:00:00Z"),
            at("2026-05-04T08:30:00Z"),
            at("2026-05-04T09:00:00Z"),
            at("2026-05-04T12:00:00Z"),
        ];
        let run = densest_run(&starts, TimeDelta::hours(1)).expect("a run");
        assert_eq!(run.count, 3);
        assert_eq!((run.first, run.last), (starts[0], starts[2]));
        let run = densest_run(&starts, TimeDelta::minutes(59)).expect("a run");
        assert_eq!(run.count, 2, "08:00 to 09:00 is over 59 minutes");
        assert_eq!((run.first, run.last), (starts[0], starts[1]));
        assert!(densest_run(&[], TimeDelta::hours(1)).is_none());
    }
}
