//! The alert scan: every security alert as it stands at an instant, a pure function of the
//! tenant's [`State`]. The alert definitions, settings and their ranges are in
//! [`crate::alerts`].

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::vec::Vec;

use chrono::TimeDelta;

use crate::GLOBAL_ADMINISTRATOR;
use crate::alerts::{Alert, AlertId, Incident, RENEWAL_LOOK_BACK};
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
            AlertId::RolesAssignedOutsidePim => self
                .state
                .schedules()
                .iter()
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
                let roles: BTreeSet<&str> = self
                    .state
                    .schedules()
                    .iter()
                    .filter(|s| s.kind == AssignmentType::Eligible && assigned_in_effect(s, now))
                    .filter(|s| {
                        let settings = &self.state.policy(&s.role_definition_id, &s.scope).settings;
                        !settings.activation_requirements.mfa
                            && settings.activation_auth_context.is_none()
                    })
                    .map(|s| s.role_definition_id.as_str())
                    .collect();
                roles
                    .into_iter()
                    .map(|r| Incident {
                        role_definition_id: Some(r.into()),
                        ..Incident::new(r)
                    })
                    .collect()
            }
        }
    }

    /// Principals holding any role (eligible, or actively assigned), and those holding Global
    /// Administrator, at `now`.
    fn too_many_global_admins(&self, now: Instant) -> Vec<Incident> {
        let mut holders: BTreeSet<&str> = BTreeSet::new();
        let mut admins: BTreeMap<&str, Instant> = BTreeMap::new();
        for s in self
            .state
            .schedules()
            .iter()
            .filter(|s| assigned_in_effect(s, now))
        {
            holders.insert(&s.principal_id);
            if s.role_definition_id == GLOBAL_ADMINISTRATOR {
                let first = admins.entry(&s.principal_id).or_insert(s.start_date_time);
                *first = (*first).min(s.start_date_time);
            }
        }
        let count = u64::try_from(admins.len()).unwrap_or(u64::MAX);
        let total = u64::try_from(holders.len()).unwrap_or(u64::MAX).max(1);
        let s = &self.state.alert_settings();
        let exceeds_count = count > u64::from(s.global_admin_count);
        // count / total > pct / 100, in integers.
        let exceeds_share =
            count.saturating_mul(100) > total.saturating_mul(u64::from(s.global_admin_percentage));
        if !(exceeds_count && exceeds_share) {
            return Vec::new();
        }
        admins
            .into_iter()
            .map(|(p, since)| Incident {
                assignee_id: Some(p.into()),
                role_definition_id: Some(GLOBAL_ADMINISTRATOR.into()),
                assignment_created_date_time: Some(since),
                ..Incident::new(p)
            })
            .collect()
    }

    /// Principals who activated the same role `renewal_count` times in a row, each activation
    /// starting within the renewal interval after the previous one ended, in the last 30 days.
    fn frequent_activations(&self, now: Instant) -> Vec<Incident> {
        let s = &self.state.alert_settings();
        let since = now.checked_sub_signed(RENEWAL_LOOK_BACK).unwrap_or(now);
        let mut by_pair: BTreeMap<(&str, &str), Vec<&Schedule>> = BTreeMap::new();
        for a in self.state.schedules().iter().filter(|a| {
            a.origin == Origin::Activated && a.start_date_time >= since && a.start_date_time <= now
        }) {
            by_pair
                .entry((a.principal_id.as_str(), a.role_definition_id.as_str()))
                .or_default()
                .push(a);
        }
        let mut out = Vec::new();
        for ((principal, role), mut list) in by_pair {
            list.sort_by_key(|a| a.start_date_time);
            let (mut run, mut best) = (1u32, 1u32);
            for pair in list.windows(2) {
                let [prev, next] = pair else { continue };
                let gap_ok = prev.end_date_time.is_none_or(|end| {
                    next.start_date_time.signed_duration_since(end) <= s.renewal_interval
                });
                run = if gap_ok { run.saturating_add(1) } else { 1 };
                best = best.max(run);
            }
            if best >= s.renewal_count {
                out.push(Incident {
                    assignee_id: Some(principal.into()),
                    role_definition_id: Some(role.into()),
                    last_activation_date_time: list.last().map(|a| a.start_date_time),
                    sequential_activation_count: Some(best),
                    ..Incident::new(format!("{principal}|{role}"))
                });
            }
        }
        out
    }

    /// Eligible assignments older than the threshold whose holder has not activated the role
    /// within it.
    fn unused_roles(&self, now: Instant) -> Vec<Incident> {
        let window = TimeDelta::days(self.state.alert_settings().unused_days);
        let cutoff = now.checked_sub_signed(window).unwrap_or(now);
        self.state
            .schedules()
            .iter()
            .filter(|s| {
                s.kind == AssignmentType::Eligible
                    && assigned_in_effect(s, now)
                    && s.start_date_time <= cutoff
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
                if last.is_some_and(|l| l > cutoff) {
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
    ) -> impl Iterator<Item = &'a Schedule> {
        self.state
            .schedules_of(principal)
            .filter(move |a| a.role_definition_id == role && a.ended.is_some())
    }

    /// Users holding a role whose last sign-in (or, never signed in, whose oldest assignment) is
    /// older than the threshold.
    fn stale_accounts(&self, now: Instant) -> Vec<Incident> {
        let window = TimeDelta::days(self.state.alert_settings().stale_days);
        let cutoff = now.checked_sub_signed(window).unwrap_or(now);
        let mut oldest: BTreeMap<&str, Instant> = BTreeMap::new();
        for s in self
            .state
            .schedules()
            .iter()
            .filter(|s| assigned_in_effect(s, now))
        {
            let is_user = self
                .state
                .directory()
                .principal(&s.principal_id)
                .is_some_and(|p| p.kind == crate::directory::PrincipalKind::User);
            if is_user {
                let e = oldest.entry(&s.principal_id).or_insert(s.start_date_time);
                *e = (*e).min(s.start_date_time);
            }
        }
        oldest
            .into_iter()
            .filter_map(|(p, since)| {
                let last = self.state.alert_settings().sign_ins.get(p).copied();
                let stale = match last {
                    Some(l) => l <= cutoff,
                    None => since <= cutoff,
                };
                stale.then(|| Incident {
                    assignee_id: Some(p.into()),
                    assignment_created_date_time: Some(since),
                    last_sign_in_date_time: last,
                    ..Incident::new(p)
                })
            })
            .collect()
    }
}
