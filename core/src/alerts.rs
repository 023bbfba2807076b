//! Security alerts: the Entra-role alerts of PIM (research §5.1), computed from the state at a
//! given instant, with settings within Entra's ranges, dismissal, refresh and remediation.
//!
//! Alerts are a pure function of the state and `now`: no tick is needed for an alert to fire or
//! clear. Dismissal and configuration are events, so every host agrees.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::GLOBAL_ADMINISTRATOR;
use crate::schedule::{AssignmentType, Origin, Schedule};
use crate::state::State;
use crate::time::{Instant, IsoDuration};

wire_enum! {
    /// The alert definitions of Entra roles (Graph ids).
    pub enum AlertId {
        /// There are too many global administrators.
        TooManyGlobalAdmins => "TooManyGlobalAdminsAssignedToTenantAlert",
        /// Roles are being activated too frequently.
        SequentialActivationRenewals => "SequentialActivationRenewalsAlert",
        /// Administrators aren't using their privileged roles.
        RedundantAssignment => "RedundantAssignmentAlert",
        /// Potential stale accounts in a privileged role.
        StaleSignIn => "StaleSignInAlert",
        /// Roles are being assigned outside of PIM.
        RolesAssignedOutsidePim => "RolesAssignedOutsidePimAlert",
        /// Roles don't require MFA for activation.
        NoMfaOnRoleActivation => "NoMfaOnRoleActivationAlert",
    }
}

wire_enum! {
    /// Graph's `severityLevel`.
    pub enum Severity {
        /// Suggests a preferable policy change.
        Low => "low",
        /// Signals a potential violation.
        Medium => "medium",
        /// Requires immediate action.
        High => "high",
    }
}

impl AlertId {
    /// The portal's name of the alert.
    pub const fn display_name(self) -> &'static str {
        match self {
            AlertId::TooManyGlobalAdmins => "There are too many global administrators",
            AlertId::SequentialActivationRenewals => "Roles are being activated too frequently",
            AlertId::RedundantAssignment => "Administrators aren't using their privileged roles",
            AlertId::StaleSignIn => "Potential stale accounts in a privileged role",
            AlertId::RolesAssignedOutsidePim => "Roles are being assigned outside of PIM",
            AlertId::NoMfaOnRoleActivation => "Roles don't require MFA for activation",
        }
    }

    /// Severity as Graph reports it (research §5.1).
    pub const fn severity(self) -> Severity {
        match self {
            AlertId::SequentialActivationRenewals | AlertId::StaleSignIn => Severity::Medium,
            AlertId::RolesAssignedOutsidePim => Severity::High,
            _ => Severity::Low,
        }
    }

    /// Whether remediation can act on the alert's incidents.
    pub const fn is_remediatable(self) -> bool {
        !matches!(self, AlertId::SequentialActivationRenewals)
    }
}

/// An alert's configuration; fields follow Graph's `*AlertConfiguration` types. Fields not given
/// keep their value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertConfiguration {
    /// Graph's type annotation, accepted and ignored.
    #[serde(rename = "@odata.type", default, skip_serializing)]
    pub odata_type: Option<String>,
    /// Whether the alert is scanned at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// Too many global administrators: the count that must be exceeded (2–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_admin_count_threshold: Option<u32>,
    /// Too many global administrators: the percentage of role holders that must be exceeded
    /// (0–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage_of_global_admins_out_of_roles_threshold: Option<u32>,
    /// Activated too frequently: the renewal time frame (1 second to 30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_interval_between_activations: Option<IsoDuration>,
    /// Activated too frequently: the number of activations in a row (2–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential_activation_counter_threshold: Option<u32>,
    /// Not using roles: days without activation (0–100); stale accounts: days without sign-in
    /// (1–365). Whole days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<IsoDuration>,
}

/// The settings of every alert, complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AlertSettings {
    pub enabled: BTreeMap<AlertId, bool>,
    pub global_admin_count: u32,
    pub global_admin_percentage: u32,
    pub renewal_interval: TimeDelta,
    pub renewal_count: u32,
    pub unused_days: i64,
    pub stale_days: i64,
    pub dismissed: BTreeSet<AlertId>,
    pub sign_ins: BTreeMap<String, Instant>,
}

/// How far back the frequent-activation alert looks (research §3.6).
pub const RENEWAL_LOOK_BACK: TimeDelta = TimeDelta::days(30);

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            enabled: AlertId::ALL.iter().map(|a| (*a, true)).collect(),
            global_admin_count: 3,
            global_admin_percentage: 10,
            renewal_interval: TimeDelta::hours(1),
            renewal_count: 2,
            unused_days: 30,
            stale_days: 30,
            dismissed: BTreeSet::new(),
            sign_ins: BTreeMap::new(),
        }
    }
}

/// Why an alert configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertConfigError {
    /// A setting this alert does not have.
    #[error("alert `{alert}` has no setting `{field}`")]
    NotApplicable {
        /// The alert.
        alert: AlertId,
        /// The setting.
        field: &'static str,
    },
    /// A setting outside Entra's range.
    #[error("`{field}` must be {range}")]
    OutOfRange {
        /// The setting.
        field: &'static str,
        /// The range.
        range: &'static str,
    },
}

fn days_in(
    d: IsoDuration,
    field: &'static str,
    min: i64,
    max: i64,
    range: &'static str,
) -> Result<i64, AlertConfigError> {
    let delta = d.delta();
    let days = delta.num_days();
    if delta != TimeDelta::days(days) || days < min || days > max {
        return Err(AlertConfigError::OutOfRange { field, range });
    }
    Ok(days)
}

impl AlertSettings {
    /// The settings with `config` applied to `alert`, validated.
    pub(crate) fn configured(
        &self,
        alert: AlertId,
        config: &AlertConfiguration,
    ) -> Result<AlertSettings, AlertConfigError> {
        let mut s = self.clone();
        let na = |field| Err(AlertConfigError::NotApplicable { alert, field });
        if let Some(e) = config.is_enabled {
            s.enabled.insert(alert, e);
        }
        if let Some(c) = config.global_admin_count_threshold {
            if alert != AlertId::TooManyGlobalAdmins {
                return na("globalAdminCountThreshold");
            }
            if !(2..=100).contains(&c) {
                return Err(AlertConfigError::OutOfRange {
                    field: "globalAdminCountThreshold",
                    range: "2 to 100",
                });
            }
            s.global_admin_count = c;
        }
        if let Some(p) = config.percentage_of_global_admins_out_of_roles_threshold {
            if alert != AlertId::TooManyGlobalAdmins {
                return na("percentageOfGlobalAdminsOutOfRolesThreshold");
            }
            if p > 100 {
                return Err(AlertConfigError::OutOfRange {
                    field: "percentageOfGlobalAdminsOutOfRolesThreshold",
                    range: "0 to 100",
                });
            }
            s.global_admin_percentage = p;
        }
        if let Some(i) = config.time_interval_between_activations {
            if alert != AlertId::SequentialActivationRenewals {
                return na("timeIntervalBetweenActivations");
            }
            if i.delta() < TimeDelta::seconds(1) || i.delta() > TimeDelta::days(30) {
                return Err(AlertConfigError::OutOfRange {
                    field: "timeIntervalBetweenActivations",
                    range: "1 second to 30 days",
                });
            }
            s.renewal_interval = i.delta();
        }
        if let Some(c) = config.sequential_activation_counter_threshold {
            if alert != AlertId::SequentialActivationRenewals {
                return na("sequentialActivationCounterThreshold");
            }
            if !(2..=100).contains(&c) {
                return Err(AlertConfigError::OutOfRange {
                    field: "sequentialActivationCounterThreshold",
                    range: "2 to 100",
                });
            }
            s.renewal_count = c;
        }
        if let Some(d) = config.duration {
            match alert {
                AlertId::RedundantAssignment => {
                    s.unused_days = days_in(d, "duration", 0, 100, "0 to 100 whole days")?;
                }
                AlertId::StaleSignIn => {
                    s.stale_days = days_in(d, "duration", 1, 365, "1 to 365 whole days")?;
                }
                _ => return na("duration"),
            }
        }
        Ok(s)
    }

    /// The configuration of one alert as Graph shows it.
    pub(crate) fn configuration(&self, alert: AlertId) -> AlertConfiguration {
        let mut c = AlertConfiguration {
            is_enabled: Some(self.is_enabled(alert)),
            ..AlertConfiguration::default()
        };
        match alert {
            AlertId::TooManyGlobalAdmins => {
                c.global_admin_count_threshold = Some(self.global_admin_count);
                c.percentage_of_global_admins_out_of_roles_threshold =
                    Some(self.global_admin_percentage);
            }
            AlertId::SequentialActivationRenewals => {
                c.time_interval_between_activations = Some(IsoDuration(self.renewal_interval));
                c.sequential_activation_counter_threshold = Some(self.renewal_count);
            }
            AlertId::RedundantAssignment => c.duration = Some(IsoDuration::days(self.unused_days)),
            AlertId::StaleSignIn => c.duration = Some(IsoDuration::days(self.stale_days)),
            _ => {}
        }
        c
    }

    pub(crate) fn is_enabled(&self, alert: AlertId) -> bool {
        self.enabled.get(&alert).copied().unwrap_or(true)
    }
}

/// One thing an alert is about: a principal, a role, an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Incident {
    /// Stable id within the alert.
    pub id: String,
    /// The principal concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<String>,
    /// The role concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_definition_id: Option<String>,
    /// The assignment concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
    /// When the assignment was made.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub assignment_created_date_time: Option<Instant>,
    /// The principal's last activation of the role.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_activation_date_time: Option<Instant>,
    /// The principal's last sign-in.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_sign_in_date_time: Option<Instant>,
    /// Activations in a row (frequent activation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential_activation_count: Option<u32>,
}

impl Incident {
    fn new(id: String) -> Self {
        Incident {
            id,
            assignee_id: None,
            role_definition_id: None,
            schedule_id: None,
            assignment_created_date_time: None,
            last_activation_date_time: None,
            last_sign_in_date_time: None,
            sequential_activation_count: None,
        }
    }
}

/// An alert as it stands at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Alert {
    /// The Graph id of the alert definition.
    pub alert_definition_id: AlertId,
    /// Its name.
    pub display_name: String,
    /// Severity.
    pub severity_level: Severity,
    /// Whether the alert is raised: enabled, not dismissed, with at least one incident.
    pub is_active: bool,
    /// Whether it is scanned.
    pub is_enabled: bool,
    /// Whether an administrator dismissed it (until the next refresh).
    pub is_dismissed: bool,
    /// Whether remediation can act on it.
    pub is_remediatable: bool,
    /// How many incidents.
    pub incident_count: usize,
    /// The incidents.
    pub incidents: Vec<Incident>,
    /// The configuration in force.
    pub configuration: AlertConfiguration,
    /// When it was evaluated.
    #[serde(with = "crate::time::instant")]
    pub last_scanned_date_time: Instant,
}

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
                        ..Incident::new(r.into())
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
                ..Incident::new(p.into())
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
                    ..Incident::new(p.into())
                })
            })
            .collect()
    }
}
