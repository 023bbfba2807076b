//! Role settings: the 17 Graph rules of one role at one scope, validated and read into typed
//! settings that the rules of activation and assignment consult.

use alloc::string::String;
use alloc::vec::Vec;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::activation_window::ActivationWindowSetting;
use crate::id::{RoleDefinitionId, ScopeId};
use crate::time::IsoDuration;
use crate::wire::{
    ApprovalMode, BreakGlassFields, Enablement, JustificationFields, NotificationLevel,
    OutsideWindow, PolicyRule, PolicyScopeType, QuorumApprovalFields, RateLimitFields, RuleBody,
    RuleId, SubjectSet,
};

/// The shortest activation maximum Entra accepts: half an hour.
pub const MIN_ACTIVATION_MAXIMUM: TimeDelta = TimeDelta::minutes(30);
/// The longest activation maximum Entra accepts: 24 hours.
pub const MAX_ACTIVATION_MAXIMUM: TimeDelta = TimeDelta::hours(24);
/// The shortest assignment or activation PIM creates, and the earliest removal: 5 minutes.
pub const MINIMUM_WINDOW: TimeDelta = TimeDelta::minutes(5);
/// The longest approval stage time-out this engine accepts, in days.
pub const MAX_APPROVAL_TIMEOUT_DAYS: i32 = 30;
/// The largest minimum justification length pim accepts.
pub const MAX_JUSTIFICATION_MINIMUM: u32 = 1000;
/// The largest number of activations a rate limit may allow per window.
pub const MAX_RATE_LIMIT_ACTIVATIONS: u32 = 1000;
/// The shortest rate-limit window: one minute.
pub const MIN_RATE_LIMIT_WINDOW: TimeDelta = TimeDelta::minutes(1);
/// The longest rate-limit window: 366 days.
pub const MAX_RATE_LIMIT_WINDOW: TimeDelta = TimeDelta::days(366);
/// The most approvals a quorum stage may need.
pub const MAX_QUORUM: u32 = 25;
/// The shortest break-glass maximum: 5 minutes.
pub const MIN_BREAK_GLASS: TimeDelta = TimeDelta::minutes(5);
/// The longest break-glass maximum: 4 hours.
pub const MAX_BREAK_GLASS: TimeDelta = TimeDelta::hours(4);
/// The longest cool-down after an activation: 30 days.
pub const MAX_COOL_DOWN: TimeDelta = TimeDelta::days(30);

/// What a caller must present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirements {
    /// Multi-factor authentication in the caller's session.
    pub mfa: bool,
    /// A justification.
    pub justification: bool,
    /// Ticket information.
    pub ticket: bool,
}

impl Requirements {
    fn from_rules(rules: &[Enablement]) -> Self {
        Requirements {
            mfa: rules.contains(&Enablement::MultiFactorAuthentication),
            justification: rules.contains(&Enablement::Justification),
            ticket: rules.contains(&Enablement::Ticketing),
        }
    }
}

/// How long an assignment or activation may last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpirationSetting {
    /// `false`: permanent is allowed.
    pub required: bool,
    /// The longest allowed duration.
    pub maximum: TimeDelta,
}

/// One approval stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSetting {
    /// How long the stage may stay pending.
    pub timeout: TimeDelta,
    /// Whether the approver must justify the decision.
    pub approver_justification_required: bool,
    /// Who approves; empty means the default approvers.
    pub approvers: Vec<SubjectSet>,
}

/// Approval to activate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalSetting {
    /// Whether activation needs approval.
    pub required: bool,
    /// Whether the requestor must justify a request that needs approval.
    pub requestor_justification_required: bool,
    /// The stages, resolved in order, each decided by its first response.
    pub stages: Vec<StageSetting>,
}

/// One notification rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationSetting {
    /// Which of the 9 rules.
    pub rule: RuleId,
    /// Which mails are sent.
    pub level: NotificationLevel,
    /// Whether the default recipients are notified.
    pub default_recipients: bool,
    /// Additional addresses.
    pub additional_recipients: Vec<String>,
}

/// The typed reading of a role's 17 rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSettings {
    /// Activation maximum duration (`Expiration_EndUser_Assignment`).
    pub activation: ExpirationSetting,
    /// What activation requires (`Enablement_EndUser_Assignment`).
    pub activation_requirements: Requirements,
    /// The Conditional Access authentication context activation requires.
    pub activation_auth_context: Option<String>,
    /// Approval to activate.
    pub approval: ApprovalSetting,
    /// Eligible assignment expiration (`Expiration_Admin_Eligibility`).
    pub eligibility_expiration: ExpirationSetting,
    /// What creating an eligible assignment requires (`Enablement_Admin_Eligibility`).
    pub eligibility_requirements: Requirements,
    /// Active assignment expiration (`Expiration_Admin_Assignment`).
    pub assignment_expiration: ExpirationSetting,
    /// What creating an active assignment requires (`Enablement_Admin_Assignment`).
    pub assignment_requirements: Requirements,
    /// The 9 notification rules.
    pub notifications: Vec<NotificationSetting>,
    /// Whether Privileged Role and Global Administrators approve when no approver is named.
    pub has_default_approvers: bool,
    /// pim's justification and ticket quality on activation (`Pim_Justification_EndUser_Assignment`).
    pub justification: JustificationFields,
    /// pim's activation rate limit (`Pim_RateLimit_EndUser_Assignment`).
    pub rate_limit: RateLimitFields,
    /// Roles that may not be active with this one (`Pim_SeparationOfDuties_EndUser_Assignment`).
    pub active_conflicts: Vec<RoleDefinitionId>,
    /// Roles that may not be eligible with this one (`Pim_SeparationOfDuties_Admin_Eligibility`).
    pub eligible_conflicts: Vec<RoleDefinitionId>,
    /// pim's approvals per stage (`Pim_QuorumApproval_EndUser_Assignment`).
    pub quorum: QuorumApprovalFields,
    /// pim's emergency activation (`Pim_BreakGlass_EndUser_Assignment`).
    pub break_glass: BreakGlassFields,
    /// pim's activation windows (`Pim_ActivationWindow_EndUser_Assignment`); `None`: any time.
    pub activation_window: Option<ActivationWindowSetting>,
}

impl Default for RoleSettings {
    fn default() -> Self {
        // The defaults always validate: they are Graph's own example values.
        Policy::read(&PolicyRule::defaults(), true).unwrap_or_else(|_| RoleSettings::fallback())
    }
}

impl RoleSettings {
    fn fallback() -> Self {
        let exp = ExpirationSetting {
            required: true,
            maximum: TimeDelta::hours(8),
        };
        RoleSettings {
            activation: exp,
            activation_requirements: Requirements::default(),
            activation_auth_context: None,
            approval: ApprovalSetting {
                required: false,
                requestor_justification_required: true,
                stages: Vec::new(),
            },
            eligibility_expiration: exp,
            eligibility_requirements: Requirements::default(),
            assignment_expiration: exp,
            assignment_requirements: Requirements::default(),
            notifications: Vec::new(),
            has_default_approvers: true,
            justification: JustificationFields::default(),
            rate_limit: RateLimitFields::default(),
            active_conflicts: Vec::new(),
            eligible_conflicts: Vec::new(),
            quorum: QuorumApprovalFields::default(),
            break_glass: BreakGlassFields::default(),
            activation_window: None,
        }
    }
}

/// Why role settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Activation maximum outside 30 minutes to 24 hours.
    #[error("activation maximum duration `{0}` is outside 30 minutes to 24 hours")]
    ActivationMaximumOutOfRange(crate::IsoDuration),
    /// Activations must expire.
    #[error(
        "activations are always time-bound: `Expiration_EndUser_Assignment` needs `isExpirationRequired: true`"
    )]
    PermanentActivation,
    /// An assignment maximum shorter than the 5-minute minimum.
    #[error("rule `{0}`: the maximum duration must be at least 5 minutes")]
    MaximumTooShort(RuleId),
    /// Approval required but nobody can approve.
    #[error(
        "approval is required but no approver is named, and this role has no default approvers"
    )]
    ApprovalWithoutApprovers,
    /// Approval required with no stage, or more than two.
    #[error("approval needs one or two stages, not {0}")]
    StageCount(usize),
    /// A stage time-out out of range.
    #[error("`approvalStageTimeOutInDays` must be 1 to 30, not {0}")]
    TimeoutOutOfRange(i32),
    /// A negative escalation time.
    #[error("`escalationTimeInMinutes` must not be negative")]
    NegativeEscalation,
    /// Approval required with mode `NoApproval`.
    #[error("`approvalMode` `NoApproval` contradicts `isApprovalRequired: true`")]
    ModeContradiction,
    /// A blank notification address.
    #[error("rule `{0}`: notification recipients must not be blank")]
    BlankRecipient(RuleId),
    /// An authentication context required without naming it.
    #[error("`AuthenticationContext_EndUser_Assignment` is enabled without a `claimValue`")]
    AuthContextWithoutClaim,
    /// The same rule twice in one update.
    #[error("rule `{0}` is listed twice")]
    DuplicateRule(RuleId),
    /// A minimum justification length beyond the largest accepted.
    #[error("`minimumLength` must be 0 to 1000, not {0}")]
    JustificationMinimumOutOfRange(u32),
    /// A blank ticket number pattern or ticket system name.
    #[error("`{0}` must not be blank")]
    BlankTicketSetting(&'static str),
    /// A rate limit allowing no activation, or more than the largest accepted.
    #[error("`maximumActivations` must be 1 to 1000 (or null for no limit), not {0}")]
    RateLimitOutOfRange(u32),
    /// A rate-limit window out of range.
    #[error("`windowDuration` `{0}` is outside 1 minute to 366 days")]
    RateLimitWindowOutOfRange(IsoDuration),
    /// A cool-down out of range.
    #[error("`coolDownDuration` `{0}` is outside 0 to 30 days")]
    CoolDownOutOfRange(IsoDuration),
    /// A blank conflicting role id.
    #[error("`conflictingRoleDefinitionIds` must not hold a blank id")]
    BlankConflict,
    /// A quorum with more stages than approval has, or a stage needing 0 or over 25 approvals.
    #[error("a quorum needs at most two stages of 1 to 25 approvals each")]
    QuorumOutOfRange,
    /// A blank group id in a quorum.
    #[error("`requiredGroupIds` must not hold a blank id")]
    BlankQuorumGroup,
    /// A break-glass maximum out of range.
    #[error("break-glass `maximumDuration` `{0}` is outside 5 minutes to 4 hours")]
    BreakGlassMaximumOutOfRange(IsoDuration),
    /// A break-glass review duration out of range.
    #[error("`reviewDurationInDays` must be 1 to 30, not {0}")]
    BreakGlassReviewOutOfRange(u32),
    /// A blank break-glass principal id.
    #[error("`principalIds` must not hold a blank id")]
    BlankBreakGlassPrincipal,
    /// An activation-window time zone that is not an IANA zone name.
    #[error("`timeZone` `{0}` is not an IANA time zone name (such as `Europe/Berlin`)")]
    UnknownTimeZone(String),
    /// A window's start or end that is not a time of day.
    #[error("`{0}` is not a time of day `HH:MM` or `HH:MM:SS` from 00:00 (to 24:00 for an end)")]
    InvalidWindowTime(String),
    /// A window that does not start before it ends.
    #[error(
        "an activation window from `{0}` to `{1}` is empty: `startTime` must come before `endTime`"
    )]
    EmptyWindow(String, String),
    /// A window with an empty `daysOfWeek`.
    #[error("an activation window needs at least one day in `daysOfWeek`")]
    WindowWithoutDays,
    /// More windows than the largest number accepted.
    #[error("an activation-window rule may list at most 50 windows, not {0}")]
    TooManyWindows(usize),
    /// More excluded dates than the largest number accepted.
    #[error("an activation-window rule may list at most 1000 excluded dates, not {0}")]
    TooManyExcludedDates(usize),
    /// An excluded date that is not a calendar date.
    #[error("`excludedDates` holds `{0}`, not a calendar date `YYYY-MM-DD`")]
    InvalidExcludedDate(String),
    /// `outsideWindow: requireApproval` with no stage or nobody to approve.
    #[error(
        "`outsideWindow: requireApproval` needs approvers: `Approval_EndUser_Assignment` names none in a stage and this role has no default approvers"
    )]
    WindowApprovalWithoutApprovers,
    /// A role named as conflicting with itself.
    #[error("role `{0}` cannot conflict with itself")]
    SelfConflict(RoleDefinitionId),
}

/// A role's settings at a scope: the 17 rules as given, and their typed reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// The role.
    pub role_definition_id: RoleDefinitionId,
    /// The scope.
    pub scope_id: ScopeId,
    /// Directory role (default approvers exist) or group.
    pub scope_type: PolicyScopeType,
    /// All 17 rules, in id order.
    pub rules: Vec<PolicyRule>,
    /// The typed reading of `rules`.
    #[serde(skip)]
    pub settings: RoleSettings,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            role_definition_id: RoleDefinitionId::from(String::new()),
            scope_id: ScopeId::from("/"),
            scope_type: PolicyScopeType::DirectoryRole,
            rules: PolicyRule::defaults(),
            settings: RoleSettings::default(),
        }
    }
}

impl Policy {
    /// Applies `changes` on top of `base` (or of the defaults) and validates the result.
    pub fn updated(
        base: Option<&Policy>,
        role_definition_id: &str,
        scope_id: &str,
        scope_type: Option<PolicyScopeType>,
        changes: &[PolicyRule],
    ) -> Result<Policy, PolicyError> {
        let mut rules = match base {
            Some(p) => p.rules.clone(),
            None => PolicyRule::defaults(),
        };
        let scope_type = scope_type
            .or(base.map(|p| p.scope_type))
            .unwrap_or(PolicyScopeType::DirectoryRole);
        let mut seen: Vec<RuleId> = Vec::new();
        for change in changes {
            if seen.contains(&change.id) {
                return Err(PolicyError::DuplicateRule(change.id));
            }
            seen.push(change.id);
            match rules.iter_mut().find(|r| r.id == change.id) {
                Some(slot) => *slot = change.clone(),
                None => rules.push(change.clone()),
            }
        }
        rules.sort_by_key(|r| r.id);
        let settings = Policy::read(&rules, scope_type != PolicyScopeType::Group)?;
        let own = |c: &RoleDefinitionId| c.as_str() == role_definition_id;
        if let Some(c) = settings
            .active_conflicts
            .iter()
            .chain(&settings.eligible_conflicts)
            .find(|c| own(c))
        {
            return Err(PolicyError::SelfConflict(c.clone()));
        }
        Ok(Policy {
            role_definition_id: role_definition_id.into(),
            scope_id: scope_id.into(),
            scope_type,
            rules,
            settings,
        })
    }

    /// Reads and validates a full rule set.
    pub fn read(
        rules: &[PolicyRule],
        has_default_approvers: bool,
    ) -> Result<RoleSettings, PolicyError> {
        let mut s = RoleSettings::fallback();
        s.has_default_approvers = has_default_approvers;
        for rule in rules {
            match (&rule.body, rule.id) {
                (
                    body @ (RuleBody::Justification(_)
                    | RuleBody::RateLimit(_)
                    | RuleBody::SeparationOfDuties(_)
                    | RuleBody::QuorumApproval(_)
                    | RuleBody::BreakGlass(_)
                    | RuleBody::ActivationWindow(_)),
                    id,
                ) => read_pim_rule(&mut s, id, body)?,
                (
                    RuleBody::Expiration {
                        is_expiration_required,
                        maximum_duration,
                    },
                    id,
                ) => {
                    let setting = ExpirationSetting {
                        required: *is_expiration_required,
                        maximum: maximum_duration.delta(),
                    };
                    match id {
                        RuleId::ExpirationEndUserAssignment => {
                            if !setting.required {
                                return Err(PolicyError::PermanentActivation);
                            }
                            if setting.maximum < MIN_ACTIVATION_MAXIMUM
                                || setting.maximum > MAX_ACTIVATION_MAXIMUM
                            {
                                return Err(PolicyError::ActivationMaximumOutOfRange(
                                    *maximum_duration,
                                ));
                            }
                            s.activation = setting;
                        }
                        RuleId::ExpirationAdminEligibility => s.eligibility_expiration = setting,
                        _ => s.assignment_expiration = setting,
                    }
                    if setting.required && setting.maximum < MINIMUM_WINDOW {
                        return Err(PolicyError::MaximumTooShort(id));
                    }
                }
                (RuleBody::Enablement { enabled_rules }, id) => {
                    let r = Requirements::from_rules(enabled_rules);
                    match id {
                        RuleId::EnablementEndUserAssignment => s.activation_requirements = r,
                        RuleId::EnablementAdminEligibility => s.eligibility_requirements = r,
                        _ => s.assignment_requirements = r,
                    }
                }
                (
                    RuleBody::AuthenticationContext {
                        is_enabled,
                        claim_value,
                    },
                    _,
                ) => {
                    s.activation_auth_context = match (is_enabled, claim_value) {
                        (false, _) => None,
                        (true, Some(c)) if !c.trim().is_empty() => Some(c.clone()),
                        (true, _) => return Err(PolicyError::AuthContextWithoutClaim),
                    };
                }
                (RuleBody::Approval { setting }, _) => {
                    s.approval = read_approval(setting, has_default_approvers)?;
                }
                (
                    RuleBody::Notification {
                        notification_level,
                        is_default_recipients_enabled,
                        notification_recipients,
                        ..
                    },
                    id,
                ) => {
                    if notification_recipients.iter().any(|r| r.trim().is_empty()) {
                        return Err(PolicyError::BlankRecipient(id));
                    }
                    s.notifications.push(NotificationSetting {
                        rule: id,
                        level: *notification_level,
                        default_recipients: *is_default_recipients_enabled,
                        additional_recipients: notification_recipients.clone(),
                    });
                }
            }
        }
        check_window_approvers(&s, has_default_approvers)?;
        Ok(s)
    }
}

/// Activation windows that send starts outside for approval need a stage with someone to ask.
fn check_window_approvers(
    s: &RoleSettings,
    has_default_approvers: bool,
) -> Result<(), PolicyError> {
    let window_approval = s
        .activation_window
        .as_ref()
        .is_some_and(|w| w.outside_window == OutsideWindow::RequireApproval);
    let nobody = s.approval.stages.is_empty()
        || (!has_default_approvers && s.approval.stages.iter().any(|s| s.approvers.is_empty()));
    if window_approval && nobody {
        return Err(PolicyError::WindowApprovalWithoutApprovers);
    }
    Ok(())
}

/// Reads and range-checks one of pim's own rules into `s`.
fn read_pim_rule(s: &mut RoleSettings, id: RuleId, body: &RuleBody) -> Result<(), PolicyError> {
    match body {
        RuleBody::Justification(f) => {
            if f.minimum_length > MAX_JUSTIFICATION_MINIMUM {
                return Err(PolicyError::JustificationMinimumOutOfRange(
                    f.minimum_length,
                ));
            }
            if f.ticket_number_pattern.as_deref().is_some_and(blank) {
                return Err(PolicyError::BlankTicketSetting("ticketNumberPattern"));
            }
            if f.allowed_ticket_systems.iter().any(|t| blank(t)) {
                return Err(PolicyError::BlankTicketSetting("allowedTicketSystems"));
            }
            s.justification = f.clone();
        }
        RuleBody::RateLimit(f) => {
            if let Some(n) = f.maximum_activations
                && !(1..=MAX_RATE_LIMIT_ACTIVATIONS).contains(&n)
            {
                return Err(PolicyError::RateLimitOutOfRange(n));
            }
            let w = f.window_duration.delta();
            if !(MIN_RATE_LIMIT_WINDOW..=MAX_RATE_LIMIT_WINDOW).contains(&w) {
                return Err(PolicyError::RateLimitWindowOutOfRange(f.window_duration));
            }
            let c = f.cool_down_duration.delta();
            if c < TimeDelta::zero() || c > MAX_COOL_DOWN {
                return Err(PolicyError::CoolDownOutOfRange(f.cool_down_duration));
            }
            s.rate_limit = f.clone();
        }
        RuleBody::SeparationOfDuties(f) => {
            let ids = &f.conflicting_role_definition_ids;
            if ids.iter().any(|r| blank(r.as_str())) {
                return Err(PolicyError::BlankConflict);
            }
            let mut ids = ids.clone();
            ids.sort();
            ids.dedup();
            match id {
                RuleId::PimSeparationOfDutiesAdminEligibility => s.eligible_conflicts = ids,
                _ => s.active_conflicts = ids,
            }
        }
        RuleBody::QuorumApproval(f) => {
            let bad =
                |q: &crate::wire::QuorumStage| !(1..=MAX_QUORUM).contains(&q.minimum_approvals);
            if f.stages.len() > 2 || f.stages.iter().any(bad) {
                return Err(PolicyError::QuorumOutOfRange);
            }
            let groups = f.stages.iter().flat_map(|q| &q.required_group_ids);
            if groups.into_iter().any(|g| blank(g.as_str())) {
                return Err(PolicyError::BlankQuorumGroup);
            }
            s.quorum = f.clone();
        }
        RuleBody::BreakGlass(f) => {
            let m = f.maximum_duration.delta();
            if !(MIN_BREAK_GLASS..=MAX_BREAK_GLASS).contains(&m) {
                return Err(PolicyError::BreakGlassMaximumOutOfRange(f.maximum_duration));
            }
            if !(1..=30).contains(&f.review_duration_in_days) {
                return Err(PolicyError::BreakGlassReviewOutOfRange(
                    f.review_duration_in_days,
                ));
            }
            if f.principal_ids.iter().any(|p| blank(p.as_str())) {
                return Err(PolicyError::BlankBreakGlassPrincipal);
            }
            s.break_glass = f.clone();
        }
        RuleBody::ActivationWindow(f) => s.activation_window = ActivationWindowSetting::read(f)?,
        _ => {}
    }
    Ok(())
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

fn read_approval(
    setting: &crate::wire::ApprovalSettings,
    has_default_approvers: bool,
) -> Result<ApprovalSetting, PolicyError> {
    let mut stages = Vec::new();
    for stage in &setting.approval_stages {
        let days = stage.approval_stage_time_out_in_days;
        if !(1..=MAX_APPROVAL_TIMEOUT_DAYS).contains(&days) {
            return Err(PolicyError::TimeoutOutOfRange(days));
        }
        if stage.escalation_time_in_minutes < 0 {
            return Err(PolicyError::NegativeEscalation);
        }
        stages.push(StageSetting {
            timeout: TimeDelta::days(i64::from(days)),
            approver_justification_required: stage.is_approver_justification_required,
            approvers: stage.primary_approvers.clone(),
        });
    }
    if setting.is_approval_required {
        if setting.approval_mode == ApprovalMode::NoApproval {
            return Err(PolicyError::ModeContradiction);
        }
        if stages.is_empty() || stages.len() > 2 {
            return Err(PolicyError::StageCount(stages.len()));
        }
        if !has_default_approvers && stages.iter().any(|s| s.approvers.is_empty()) {
            return Err(PolicyError::ApprovalWithoutApprovers);
        }
    }
    Ok(ApprovalSetting {
        required: setting.is_approval_required,
        requestor_justification_required: setting.is_requestor_justification_required,
        stages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(v: serde_json::Value) -> PolicyRule {
        PolicyRule::from_json(v).expect("valid test input")
    }

    #[test]
    fn defaults_match_graph_example() {
        let s = RoleSettings::default();
        assert_eq!(s.activation.maximum, TimeDelta::hours(8));
        assert!(s.activation_requirements.mfa && s.activation_requirements.justification);
        assert!(!s.activation_requirements.ticket);
        assert!(!s.approval.required);
        assert_eq!(s.eligibility_expiration.maximum, TimeDelta::days(365));
        assert!(!s.eligibility_expiration.required);
        assert_eq!(s.assignment_expiration.maximum, TimeDelta::days(180));
        assert!(s.assignment_requirements.justification);
        assert_eq!(s.notifications.len(), 9);
    }

    #[test]
    fn activation_maximum_range_is_enforced() {
        for (d, ok) in [
            ("PT29M", false),
            ("PT30M", true),
            ("PT24H", true),
            ("PT24H1S", false),
        ] {
            let r = rule(json!({"id": "Expiration_EndUser_Assignment", "maximumDuration": d}));
            assert_eq!(
                Policy::updated(None, "r", "/", None, &[r]).is_ok(),
                ok,
                "{d}"
            );
        }
    }

    #[test]
    fn approval_without_approvers_needs_default_approvers() {
        let r = rule(json!({"id": "Approval_EndUser_Assignment",
            "setting": {"isApprovalRequired": true, "approvalStages": [{}]}}));
        assert!(Policy::updated(None, "r", "/", None, core::slice::from_ref(&r)).is_ok());
        assert_eq!(
            Policy::updated(None, "r", "/", Some(PolicyScopeType::Group), &[r]),
            Err(PolicyError::ApprovalWithoutApprovers)
        );
    }

    #[test]
    fn rule_type_must_fit_id() {
        let err = PolicyRule::from_json(json!({
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
            "id": "Expiration_EndUser_Assignment"}))
        .expect_err("must fail");
        assert!(matches!(err, crate::wire::RuleError::TypeMismatch { .. }));
        let err = PolicyRule::from_json(json!({"id": "Expiration_EndUser_Assignment", "bogus": 1}))
            .expect_err("must fail");
        assert!(matches!(err, crate::wire::RuleError::UnknownField { .. }));
    }

    #[test]
    fn pim_rules_refuse_out_of_range_settings_with_typed_errors() {
        let set = |v: serde_json::Value| Policy::updated(None, "r", "/", None, &[rule(v)]);
        let rate = |f: serde_json::Value| {
            let mut v = json!({"id": "Pim_RateLimit_EndUser_Assignment"});
            if let Some(m) = v.as_object_mut() {
                m.extend(f.as_object().cloned().unwrap_or_default());
            }
            set(v)
        };
        assert_eq!(
            rate(json!({"maximumActivations": 0})).err(),
            Some(PolicyError::RateLimitOutOfRange(0))
        );
        assert!(rate(json!({"maximumActivations": 1000})).is_ok());
        assert!(matches!(
            rate(json!({"windowDuration": "PT59S"})),
            Err(PolicyError::RateLimitWindowOutOfRange(_))
        ));
        assert!(rate(json!({"windowDuration": "PT1M", "coolDownDuration": "P30D"})).is_ok());
        assert!(matches!(
            rate(json!({"coolDownDuration": "P30DT1S"})),
            Err(PolicyError::CoolDownOutOfRange(_))
        ));
        let just = json!({"id": "Pim_Justification_EndUser_Assignment", "minimumLength": 1001});
        assert_eq!(
            set(just).err(),
            Some(PolicyError::JustificationMinimumOutOfRange(1001))
        );
        let sod = json!({"id": "Pim_SeparationOfDuties_Admin_Eligibility",
            "conflictingRoleDefinitionIds": ["r"]});
        assert_eq!(set(sod).err(), Some(PolicyError::SelfConflict("r".into())));
        let quorum = json!({"id": "Pim_QuorumApproval_EndUser_Assignment",
            "stages": [{"minimumApprovals": 26}]});
        assert_eq!(set(quorum).err(), Some(PolicyError::QuorumOutOfRange));
    }

    #[test]
    fn window_approval_needs_someone_to_ask() {
        let window = rule(json!({"id": "Pim_ActivationWindow_EndUser_Assignment",
            "windows": [{"startTime": "08:00", "endTime": "18:00"}],
            "outsideWindow": "requireApproval"}));
        let v = window.to_json();
        assert_eq!(v["@odata.type"], "#pim.activationWindowRule");
        assert_eq!(v["timeZone"], "UTC");
        assert_eq!(
            v["windows"][0]["daysOfWeek"].as_array().map(Vec::len),
            Some(7)
        );
        assert_eq!(PolicyRule::from_json(v).ok(), Some(window.clone()));
        // A directory role's default stage asks the default approvers.
        assert!(Policy::updated(None, "r", "/", None, core::slice::from_ref(&window)).is_ok());
        let group = Some(PolicyScopeType::Group);
        assert_eq!(
            Policy::updated(None, "r", "/", group, core::slice::from_ref(&window)).err(),
            Some(PolicyError::WindowApprovalWithoutApprovers)
        );
        let named = rule(json!({"id": "Approval_EndUser_Assignment", "setting": {
            "isApprovalRequired": false, "approvalStages": [{"primaryApprovers": [
                {"@odata.type": "#microsoft.graph.singleUser", "userId": "a1"}]}]}}));
        assert!(Policy::updated(None, "r", "/", group, &[named, window.clone()]).is_ok());
        let none = rule(json!({"id": "Approval_EndUser_Assignment",
            "setting": {"isApprovalRequired": false, "approvalStages": []}}));
        assert_eq!(
            Policy::updated(None, "r", "/", None, &[none, window]).err(),
            Some(PolicyError::WindowApprovalWithoutApprovers)
        );
    }

    #[test]
    fn pim_rules_are_not_among_the_defaults_and_keep_their_namespace() {
        assert_eq!(PolicyRule::defaults().len(), 17);
        let r = rule(json!({"id": "Pim_RateLimit_EndUser_Assignment", "maximumActivations": 2}));
        let v = r.to_json();
        assert_eq!(v["@odata.type"], "#pim.rateLimitRule");
        assert_eq!(PolicyRule::from_json(v).ok(), Some(r.clone()));
        let p = Policy::updated(None, "r", "/", None, &[r]).expect("valid");
        assert_eq!(p.rules.len(), 18);
        assert_eq!(p.settings.rate_limit.maximum_activations, Some(2));
        let graph_type = PolicyRule::from_json(json!({
            "@odata.type": "#microsoft.graph.rateLimitRule",
            "id": "Pim_RateLimit_EndUser_Assignment"}));
        assert!(matches!(
            graph_type,
            Err(crate::wire::RuleError::TypeMismatch { .. })
        ));
    }

    #[test]
    fn rules_round_trip_through_json() {
        for r in PolicyRule::defaults() {
            let back = PolicyRule::from_json(r.to_json()).expect("valid test input");
            assert_eq!(back, r);
        }
    }
}
