//! Security alerts: the Entra-role alerts of PIM (Microsoft Learn: "Configure security alerts for Microsoft Entra roles in PIM"), computed from the state at a
//! given instant, with settings within Entra's ranges, dismissal, refresh and remediation.
//!
//! Alerts are a pure function of the state and `now`: no tick is needed for an alert to fire or
//! clear. Dismissal and configuration are events, so every host agrees.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::id::{PrincipalId, RoleDefinitionId, ScheduleId};
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
        /// pim: a principal holds roles that separation of duties keeps apart.
        SeparationOfDutiesViolation => "pim.separationOfDutiesAlert",
        /// pim: a break-glass activation whose access review is not done.
        BreakGlassActivation => "pim.breakGlassActivationAlert",
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
            AlertId::SeparationOfDutiesViolation => {
                "Principals hold roles that separation of duties keeps apart"
            }
            AlertId::BreakGlassActivation => "Break-glass activations wait for their review",
        }
    }

    /// Severity as Graph reports it in the alert definitions (where Learn's page differs, for
    /// frequent activation and no MFA, Graph's value).
    pub const fn severity(self) -> Severity {
        match self {
            AlertId::SequentialActivationRenewals
            | AlertId::StaleSignIn
            | AlertId::NoMfaOnRoleActivation => Severity::Medium,
            AlertId::RolesAssignedOutsidePim
            | AlertId::SeparationOfDutiesViolation
            | AlertId::BreakGlassActivation => Severity::High,
            _ => Severity::Low,
        }
    }

    /// Whether remediation can act on the alert's incidents.
    pub const fn is_remediatable(self) -> bool {
        // A break-glass activation is settled by completing its access review.
        !matches!(
            self,
            AlertId::SequentialActivationRenewals | AlertId::BreakGlassActivation
        )
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
    /// Too many global administrators: the number of Global Administrator assignments that
    /// must be reached (2–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_admin_count_threshold: Option<u32>,
    /// Too many global administrators: the percentage of all role assignments that Global
    /// Administrator assignments must reach (0–100).
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
    pub sign_ins: BTreeMap<PrincipalId, Instant>,
}

/// How far back the frequent-activation alert looks for renewals.
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
#[non_exhaustive]
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
    pub assignee_id: Option<PrincipalId>,
    /// The role concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_definition_id: Option<RoleDefinitionId>,
    /// The assignment concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<ScheduleId>,
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
    /// Activations in a row (frequent activation); the same as `activation_count`, kept for
    /// readers of earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential_activation_count: Option<u32>,
    /// Graph's `activationCount` (frequent activation): the activations within one time frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_count: Option<u32>,
    /// Graph's `sequenceStartDateTime`: the first activation of that sequence.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub sequence_start_date_time: Option<Instant>,
    /// Graph's `sequenceEndDateTime`: the last activation of that sequence (its start).
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub sequence_end_date_time: Option<Instant>,
}

impl Incident {
    pub(crate) fn new(id: impl Into<String>) -> Self {
        Incident {
            id: id.into(),
            assignee_id: None,
            role_definition_id: None,
            schedule_id: None,
            assignment_created_date_time: None,
            last_activation_date_time: None,
            last_sign_in_date_time: None,
            sequential_activation_count: None,
            activation_count: None,
            sequence_start_date_time: None,
            sequence_end_date_time: None,
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
