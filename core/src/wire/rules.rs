//! `unifiedRoleManagementPolicyRule`: the 17 rules of a role's settings, as Graph writes them,
//! and pim's own rules beside them (namespace `pim`, see [`super::pim_rules`]).

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::id::PrincipalId;
use crate::time::IsoDuration;

wire_enum! {
    /// The 17 predefined rule ids of a Graph role management policy.
    pub enum RuleId {
        /// Activation maximum duration.
        ExpirationEndUserAssignment => "Expiration_EndUser_Assignment",
        /// MFA, justification and ticket on activation.
        EnablementEndUserAssignment => "Enablement_EndUser_Assignment",
        /// Conditional Access authentication context on activation.
        AuthenticationContextEndUserAssignment => "AuthenticationContext_EndUser_Assignment",
        /// Approval to activate.
        ApprovalEndUserAssignment => "Approval_EndUser_Assignment",
        /// Eligible assignment expiration.
        ExpirationAdminEligibility => "Expiration_Admin_Eligibility",
        /// Requirements on creating eligible assignments (API only).
        EnablementAdminEligibility => "Enablement_Admin_Eligibility",
        /// Active assignment expiration.
        ExpirationAdminAssignment => "Expiration_Admin_Assignment",
        /// MFA and justification on active assignment.
        EnablementAdminAssignment => "Enablement_Admin_Assignment",
        /// Eligible assignment: alert to administrators.
        NotificationAdminAdminEligibility => "Notification_Admin_Admin_Eligibility",
        /// Eligible assignment: notice to the assignee.
        NotificationRequestorAdminEligibility => "Notification_Requestor_Admin_Eligibility",
        /// Eligible assignment: request to approve a renewal or extension.
        NotificationApproverAdminEligibility => "Notification_Approver_Admin_Eligibility",
        /// Active assignment: alert to administrators.
        NotificationAdminAdminAssignment => "Notification_Admin_Admin_Assignment",
        /// Active assignment: notice to the assignee.
        NotificationRequestorAdminAssignment => "Notification_Requestor_Admin_Assignment",
        /// Active assignment: request to approve a renewal or extension.
        NotificationApproverAdminAssignment => "Notification_Approver_Admin_Assignment",
        /// Activation: alert to administrators.
        NotificationAdminEndUserAssignment => "Notification_Admin_EndUser_Assignment",
        /// Activation: notice to the requestor.
        NotificationRequestorEndUserAssignment => "Notification_Requestor_EndUser_Assignment",
        /// Activation: request to approve.
        NotificationApproverEndUserAssignment => "Notification_Approver_EndUser_Assignment",
        /// pim: justification and ticket quality on activation.
        PimJustificationEndUserAssignment => "Pim_Justification_EndUser_Assignment",
        /// pim: activations per sliding window, and a cool-down.
        PimRateLimitEndUserAssignment => "Pim_RateLimit_EndUser_Assignment",
        /// pim: roles that may not be active together.
        PimSeparationOfDutiesEndUserAssignment => "Pim_SeparationOfDuties_EndUser_Assignment",
        /// pim: roles that may not be eligible together.
        PimSeparationOfDutiesAdminEligibility => "Pim_SeparationOfDuties_Admin_Eligibility",
        /// pim: approvals each approval stage needs.
        PimQuorumApprovalEndUserAssignment => "Pim_QuorumApproval_EndUser_Assignment",
        /// pim: emergency activation by named principals.
        PimBreakGlassEndUserAssignment => "Pim_BreakGlass_EndUser_Assignment",
        /// pim: the days and hours in which activation may start.
        PimActivationWindowEndUserAssignment => "Pim_ActivationWindow_EndUser_Assignment",
    }
}

wire_enum! {
    /// The five derived rule types.
    pub enum RuleType {
        /// `unifiedRoleManagementPolicyExpirationRule`.
        Expiration => "unifiedRoleManagementPolicyExpirationRule",
        /// `unifiedRoleManagementPolicyEnablementRule`.
        Enablement => "unifiedRoleManagementPolicyEnablementRule",
        /// `unifiedRoleManagementPolicyApprovalRule`.
        Approval => "unifiedRoleManagementPolicyApprovalRule",
        /// `unifiedRoleManagementPolicyAuthenticationContextRule`.
        AuthenticationContext => "unifiedRoleManagementPolicyAuthenticationContextRule",
        /// `unifiedRoleManagementPolicyNotificationRule`.
        Notification => "unifiedRoleManagementPolicyNotificationRule",
        /// `pim.justificationRule`.
        Justification => "justificationRule",
        /// `pim.rateLimitRule`.
        RateLimit => "rateLimitRule",
        /// `pim.separationOfDutiesRule`.
        SeparationOfDuties => "separationOfDutiesRule",
        /// `pim.quorumApprovalRule`.
        QuorumApproval => "quorumApprovalRule",
        /// `pim.breakGlassRule`.
        BreakGlass => "breakGlassRule",
        /// `pim.activationWindowRule`.
        ActivationWindow => "activationWindowRule",
    }
}

impl RuleType {
    /// The OData namespace of the type: Graph's, or pim's own for pim's rules.
    pub const fn namespace(self) -> &'static str {
        match self {
            RuleType::Justification
            | RuleType::RateLimit
            | RuleType::SeparationOfDuties
            | RuleType::QuorumApproval
            | RuleType::BreakGlass
            | RuleType::ActivationWindow => "pim",
            _ => "microsoft.graph",
        }
    }
}

wire_enum! {
    /// `unifiedRoleManagementPolicyRuleTarget.caller`.
    pub enum Caller {
        /// No caller.
        None => "None",
        /// An administrator.
        Admin => "Admin",
        /// The principal itself.
        EndUser => "EndUser",
    }
}

wire_enum! {
    /// `unifiedRoleManagementPolicyRuleTarget.level`.
    pub enum Level {
        /// Eligible assignments.
        Eligibility => "Eligibility",
        /// Active assignments and activations.
        Assignment => "Assignment",
    }
}

wire_enum! {
    /// `unifiedRoleManagementPolicyRuleTarget.operations`.
    pub enum Operation {
        /// Every operation.
        All => "All",
        /// Activation.
        Activate => "Activate",
        /// Deactivation.
        Deactivate => "Deactivate",
        /// Assignment.
        Assign => "Assign",
        /// Update.
        Update => "Update",
        /// Removal.
        Remove => "Remove",
        /// Extension.
        Extend => "Extend",
        /// Renewal.
        Renew => "Renew",
    }
}

wire_enum! {
    /// `enabledRules` values of an enablement rule.
    pub enum Enablement {
        /// The caller must have satisfied MFA.
        MultiFactorAuthentication => "MultiFactorAuthentication",
        /// A justification is required.
        Justification => "Justification",
        /// Ticket information is required.
        Ticketing => "Ticketing",
    }
}

wire_enum! {
    /// `approvalSettings.approvalMode`.
    pub enum ApprovalMode {
        /// One stage.
        SingleStage => "SingleStage",
        /// Stages one after another.
        Serial => "Serial",
        /// Stages at the same time.
        Parallel => "Parallel",
        /// No approval.
        NoApproval => "NoApproval",
    }
}

wire_enum! {
    /// `notificationType`.
    pub enum NotificationType {
        /// E-mail, the only type Graph defines.
        Email => "Email",
    }
}

wire_enum! {
    /// `recipientType` of a notification rule.
    pub enum RecipientType {
        /// The requestor or assignee.
        Requestor => "Requestor",
        /// The approvers.
        Approver => "Approver",
        /// The administrators.
        Admin => "Admin",
    }
}

wire_enum! {
    /// `notificationLevel` of a notification rule.
    pub enum NotificationLevel {
        /// Nothing is sent.
        None => "None",
        /// Only mails that need action.
        Critical => "Critical",
        /// Everything.
        All => "All",
    }
}

impl RuleId {
    /// The rule's derived type.
    pub const fn rule_type(self) -> RuleType {
        use RuleId::*;
        match self {
            ExpirationEndUserAssignment
            | ExpirationAdminEligibility
            | ExpirationAdminAssignment => RuleType::Expiration,
            EnablementEndUserAssignment
            | EnablementAdminEligibility
            | EnablementAdminAssignment => RuleType::Enablement,
            AuthenticationContextEndUserAssignment => RuleType::AuthenticationContext,
            ApprovalEndUserAssignment => RuleType::Approval,
            PimJustificationEndUserAssignment => RuleType::Justification,
            PimRateLimitEndUserAssignment => RuleType::RateLimit,
            PimQuorumApprovalEndUserAssignment => RuleType::QuorumApproval,
            PimBreakGlassEndUserAssignment => RuleType::BreakGlass,
            PimActivationWindowEndUserAssignment => RuleType::ActivationWindow,
            PimSeparationOfDutiesEndUserAssignment | PimSeparationOfDutiesAdminEligibility => {
                RuleType::SeparationOfDuties
            }
            _ => RuleType::Notification,
        }
    }

    /// The caller the rule targets.
    pub const fn caller(self) -> Caller {
        use RuleId::*;
        match self {
            ExpirationEndUserAssignment
            | EnablementEndUserAssignment
            | AuthenticationContextEndUserAssignment
            | ApprovalEndUserAssignment
            | PimJustificationEndUserAssignment
            | PimRateLimitEndUserAssignment
            | PimSeparationOfDutiesEndUserAssignment
            | PimQuorumApprovalEndUserAssignment
            | PimBreakGlassEndUserAssignment
            | PimActivationWindowEndUserAssignment
            | NotificationAdminEndUserAssignment
            | NotificationRequestorEndUserAssignment
            | NotificationApproverEndUserAssignment => Caller::EndUser,
            _ => Caller::Admin,
        }
    }

    /// The level the rule targets.
    pub const fn level(self) -> Level {
        use RuleId::*;
        match self {
            ExpirationAdminEligibility
            | EnablementAdminEligibility
            | NotificationAdminAdminEligibility
            | NotificationRequestorAdminEligibility
            | NotificationApproverAdminEligibility
            | PimSeparationOfDutiesAdminEligibility => Level::Eligibility,
            _ => Level::Assignment,
        }
    }

    /// Whether the rule is one of Graph's 17 (else one of pim's own).
    pub const fn is_graph(self) -> bool {
        !matches!(self.rule_type().namespace().as_bytes(), b"pim")
    }

    /// The recipient class of a notification rule.
    pub const fn recipient(self) -> Option<RecipientType> {
        use RuleId::*;
        match self {
            NotificationAdminAdminEligibility
            | NotificationAdminAdminAssignment
            | NotificationAdminEndUserAssignment => Some(RecipientType::Admin),
            NotificationRequestorAdminEligibility
            | NotificationRequestorAdminAssignment
            | NotificationRequestorEndUserAssignment => Some(RecipientType::Requestor),
            NotificationApproverAdminEligibility
            | NotificationApproverAdminAssignment
            | NotificationApproverEndUserAssignment => Some(RecipientType::Approver),
            _ => None,
        }
    }
}

/// `unifiedRoleManagementPolicyRuleTarget`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleTarget {
    /// Graph's type annotation, accepted and ignored.
    #[serde(rename = "@odata.type", default, skip_serializing)]
    pub odata_type: Option<String>,
    /// Who the rule applies to.
    pub caller: Caller,
    /// The operations the rule applies to.
    #[serde(default = "all_operations")]
    pub operations: Vec<Operation>,
    /// Eligible or active.
    pub level: Level,
    /// Settings child scopes may inherit.
    #[serde(default)]
    pub inheritable_settings: Vec<String>,
    /// Settings child scopes cannot override.
    #[serde(default)]
    pub enforced_settings: Vec<String>,
    /// Graph: "not implemented"; kept for round trips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_objects: Option<Value>,
}

fn all_operations() -> Vec<Operation> {
    vec![Operation::All]
}

impl RuleTarget {
    /// The default target of a rule id.
    pub fn default_for(id: RuleId) -> Self {
        RuleTarget {
            odata_type: None,
            caller: id.caller(),
            operations: all_operations(),
            level: id.level(),
            inheritable_settings: Vec::new(),
            enforced_settings: Vec::new(),
            target_objects: None,
        }
    }
}

/// A subject that may approve: `#microsoft.graph.singleUser` or `#microsoft.graph.groupMembers`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubjectSet {
    /// One user.
    SingleUser {
        /// The user's id.
        user_id: PrincipalId,
        /// Free text.
        description: Option<String>,
    },
    /// Every (transitive) member of a group.
    GroupMembers {
        /// The group's id.
        group_id: PrincipalId,
        /// Free text.
        description: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SubjectFields {
    #[serde(default)]
    user_id: Option<PrincipalId>,
    #[serde(default)]
    group_id: Option<PrincipalId>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_backup: Option<bool>,
}

impl Serialize for SubjectSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        let (kind, key, id, description) = match self {
            SubjectSet::SingleUser {
                user_id,
                description,
            } => (
                "#microsoft.graph.singleUser",
                "userId",
                user_id,
                description,
            ),
            SubjectSet::GroupMembers {
                group_id,
                description,
            } => (
                "#microsoft.graph.groupMembers",
                "groupId",
                group_id,
                description,
            ),
        };
        map.serialize_entry("@odata.type", kind)?;
        map.serialize_entry(key, id)?;
        if let Some(d) = description {
            map.serialize_entry("description", d)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SubjectSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = Map::deserialize(d)?;
        let kind = take_odata_type(&mut map);
        let fields: SubjectFields =
            serde_json::from_value(Value::Object(map)).map_err(D::Error::custom)?;
        let _ = fields.is_backup;
        match (kind.as_deref(), fields.user_id, fields.group_id) {
            (Some("singleuser") | None, Some(user_id), None) => Ok(SubjectSet::SingleUser {
                user_id,
                description: fields.description,
            }),
            (Some("groupmembers") | None, None, Some(group_id)) => Ok(SubjectSet::GroupMembers {
                group_id,
                description: fields.description,
            }),
            (Some(other), _, _) if other != "singleuser" && other != "groupmembers" => {
                Err(D::Error::custom(alloc::format!(
                    "unsupported approver kind `{other}` (supported: singleUser, groupMembers)"
                )))
            }
            _ => Err(D::Error::custom(
                "an approver needs `userId` (singleUser) or `groupId` (groupMembers)",
            )),
        }
    }
}

/// `unifiedApprovalStage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalStage {
    /// Graph's type annotation, accepted and ignored.
    #[serde(rename = "@odata.type", default, skip_serializing)]
    pub odata_type: Option<String>,
    /// Days a request may stay pending before it times out.
    #[serde(default = "one")]
    pub approval_stage_time_out_in_days: i32,
    /// Whether the approver must give a justification.
    #[serde(default = "yes")]
    pub is_approver_justification_required: bool,
    /// Minutes before escalation.
    #[serde(default)]
    pub escalation_time_in_minutes: i32,
    /// Whether escalation is on.
    #[serde(default)]
    pub is_escalation_enabled: bool,
    /// Who approves.
    #[serde(default)]
    pub primary_approvers: Vec<SubjectSet>,
    /// Who approves after escalation.
    #[serde(default)]
    pub escalation_approvers: Vec<SubjectSet>,
}

impl Default for ApprovalStage {
    fn default() -> Self {
        ApprovalStage {
            odata_type: None,
            approval_stage_time_out_in_days: 1,
            is_approver_justification_required: true,
            escalation_time_in_minutes: 0,
            is_escalation_enabled: false,
            primary_approvers: Vec::new(),
            escalation_approvers: Vec::new(),
        }
    }
}

fn one() -> i32 {
    1
}

fn yes() -> bool {
    true
}

fn single_stage() -> ApprovalMode {
    ApprovalMode::SingleStage
}

/// `approvalSettings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalSettings {
    /// Graph's type annotation, accepted and ignored.
    #[serde(rename = "@odata.type", default, skip_serializing)]
    pub odata_type: Option<String>,
    /// Whether activation needs approval.
    #[serde(default)]
    pub is_approval_required: bool,
    /// Whether extension needs approval.
    #[serde(default)]
    pub is_approval_required_for_extension: bool,
    /// Whether the requestor must justify a request that needs approval.
    #[serde(default = "yes")]
    pub is_requestor_justification_required: bool,
    /// How stages combine.
    #[serde(default = "single_stage")]
    pub approval_mode: ApprovalMode,
    /// One or two stages.
    #[serde(default)]
    pub approval_stages: Vec<ApprovalStage>,
}

impl Default for ApprovalSettings {
    fn default() -> Self {
        ApprovalSettings {
            odata_type: None,
            is_approval_required: false,
            is_approval_required_for_extension: false,
            is_requestor_justification_required: true,
            approval_mode: ApprovalMode::SingleStage,
            approval_stages: vec![ApprovalStage::default()],
        }
    }
}

/// The settings a rule carries, by rule type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleBody {
    /// `unifiedRoleManagementPolicyExpirationRule`.
    Expiration {
        /// `false` allows permanent assignments.
        is_expiration_required: bool,
        /// The longest allowed duration.
        maximum_duration: IsoDuration,
    },
    /// `unifiedRoleManagementPolicyEnablementRule`.
    Enablement {
        /// What the caller must provide.
        enabled_rules: Vec<Enablement>,
    },
    /// `unifiedRoleManagementPolicyApprovalRule`.
    Approval {
        /// The approval settings.
        setting: ApprovalSettings,
    },
    /// `unifiedRoleManagementPolicyAuthenticationContextRule`.
    AuthenticationContext {
        /// Whether a Conditional Access authentication context is required.
        is_enabled: bool,
        /// The required claim value, e.g. `c1`.
        claim_value: Option<String>,
    },
    /// `unifiedRoleManagementPolicyNotificationRule`.
    Notification {
        /// Always e-mail.
        notification_type: NotificationType,
        /// Who is notified.
        recipient_type: RecipientType,
        /// Which mails are sent.
        notification_level: NotificationLevel,
        /// Whether the default recipients are notified.
        is_default_recipients_enabled: bool,
        /// Additional addresses.
        notification_recipients: Vec<String>,
    },
    /// `pim.justificationRule`.
    Justification(super::JustificationFields),
    /// `pim.rateLimitRule`.
    RateLimit(super::RateLimitFields),
    /// `pim.separationOfDutiesRule`.
    SeparationOfDuties(super::SeparationOfDutiesFields),
    /// `pim.quorumApprovalRule`.
    QuorumApproval(super::QuorumApprovalFields),
    /// `pim.breakGlassRule`.
    BreakGlass(super::BreakGlassFields),
    /// `pim.activationWindowRule`.
    ActivationWindow(super::ActivationWindowFields),
}

/// One `unifiedRoleManagementPolicyRule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// One of the 17 predefined ids, or one of pim's own.
    pub id: RuleId,
    /// Who and what the rule applies to.
    pub target: RuleTarget,
    /// The settings.
    pub body: RuleBody,
}

impl PolicyRule {
    /// Entra's default for a rule id (the Entra role example of Graph's `list rules`).
    pub fn default_for(id: RuleId) -> Self {
        use RuleId::*;
        let body = match id {
            ExpirationEndUserAssignment => RuleBody::Expiration {
                is_expiration_required: true,
                maximum_duration: IsoDuration::hours(8),
            },
            ExpirationAdminEligibility => RuleBody::Expiration {
                is_expiration_required: false,
                maximum_duration: IsoDuration::days(365),
            },
            ExpirationAdminAssignment => RuleBody::Expiration {
                is_expiration_required: false,
                maximum_duration: IsoDuration::days(180),
            },
            EnablementEndUserAssignment => RuleBody::Enablement {
                enabled_rules: vec![
                    Enablement::MultiFactorAuthentication,
                    Enablement::Justification,
                ],
            },
            EnablementAdminEligibility => RuleBody::Enablement {
                enabled_rules: Vec::new(),
            },
            EnablementAdminAssignment => RuleBody::Enablement {
                enabled_rules: vec![Enablement::Justification],
            },
            AuthenticationContextEndUserAssignment => RuleBody::AuthenticationContext {
                is_enabled: false,
                claim_value: None,
            },
            ApprovalEndUserAssignment => RuleBody::Approval {
                setting: ApprovalSettings::default(),
            },
            PimJustificationEndUserAssignment => RuleBody::Justification(Default::default()),
            PimRateLimitEndUserAssignment => RuleBody::RateLimit(Default::default()),
            PimQuorumApprovalEndUserAssignment => RuleBody::QuorumApproval(Default::default()),
            PimBreakGlassEndUserAssignment => RuleBody::BreakGlass(Default::default()),
            PimActivationWindowEndUserAssignment => RuleBody::ActivationWindow(Default::default()),
            PimSeparationOfDutiesEndUserAssignment | PimSeparationOfDutiesAdminEligibility => {
                RuleBody::SeparationOfDuties(Default::default())
            }
            _ => RuleBody::Notification {
                notification_type: NotificationType::Email,
                recipient_type: id.recipient().unwrap_or(RecipientType::Admin),
                notification_level: NotificationLevel::All,
                is_default_recipients_enabled: true,
                notification_recipients: Vec::new(),
            },
        };
        PolicyRule {
            id,
            target: RuleTarget::default_for(id),
            body,
        }
    }

    /// All 17 rules at Entra's defaults. pim's own rules are not among them: a policy lists
    /// them only once they are set, so an Entra policy reads and writes back unchanged.
    pub fn defaults() -> Vec<PolicyRule> {
        RuleId::ALL
            .iter()
            .filter(|id| id.is_graph())
            .map(|id| PolicyRule::default_for(*id))
            .collect()
    }

    /// Parses a Graph rule object. Fields left out keep the rule's default; a stated
    /// `@odata.type` must match the id's type; unknown fields are refused.
    pub fn from_json(value: Value) -> Result<PolicyRule, RuleError> {
        let Value::Object(mut map) = value else {
            return Err(RuleError::NotAnObject);
        };
        let id_text = match map.remove("id") {
            Some(Value::String(s)) => s,
            _ => return Err(RuleError::MissingId),
        };
        let id = RuleId::parse(&id_text).ok_or_else(|| RuleError::UnknownId(id_text.clone()))?;
        if let Some(kind) = take_odata_type(&mut map)
            && !type_fits(id.rule_type(), &kind)
        {
            return Err(RuleError::TypeMismatch {
                id,
                odata_type: kind,
            });
        }
        let target = match map.remove("target") {
            None | Some(Value::Null) => RuleTarget::default_for(id),
            Some(t) => {
                let target: RuleTarget =
                    serde_json::from_value(t).map_err(|e| RuleError::Field {
                        id,
                        message: e.to_string(),
                    })?;
                if target.caller != id.caller() || target.level != id.level() {
                    return Err(RuleError::TargetMismatch { id });
                }
                target
            }
        };
        let mut merged = match body_to_json(&PolicyRule::default_for(id).body) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        for (k, v) in map {
            if !merged.contains_key(&k) {
                return Err(RuleError::UnknownField { id, field: k });
            }
            merged.insert(k, v);
        }
        let body = body_from_json(id, Value::Object(merged)).map_err(|e| RuleError::Field {
            id,
            message: e.to_string(),
        })?;
        Ok(PolicyRule { id, target, body })
    }

    /// The rule as Graph JSON.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert(
            "@odata.type".into(),
            Value::String(alloc::format!(
                "#{}.{}",
                self.id.rule_type().namespace(),
                self.id.rule_type()
            )),
        );
        map.insert("id".into(), Value::String(self.id.as_str().into()));
        if let Value::Object(body) = body_to_json(&self.body) {
            map.extend(body);
        }
        map.insert(
            "target".into(),
            serde_json::to_value(&self.target).unwrap_or(Value::Null),
        );
        Value::Object(map)
    }
}

impl Serialize for PolicyRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for PolicyRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PolicyRule::from_json(Value::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// Why a rule object was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// The rule is not a JSON object.
    #[error("a policy rule must be a JSON object")]
    NotAnObject,
    /// No `id`.
    #[error(
        "a policy rule needs its `id` (one of the 17 predefined rule ids, or one of pim's `Pim_*` rules)"
    )]
    MissingId,
    /// An id that is neither one of the 17 nor one of pim's.
    #[error("unknown policy rule id `{0}`")]
    UnknownId(String),
    /// `@odata.type` does not fit the id.
    #[error("rule `{id}` is a {}.{}, not `{odata_type}`", id.rule_type().namespace(), id.rule_type())]
    TypeMismatch {
        /// The rule.
        id: RuleId,
        /// What was given.
        odata_type: String,
    },
    /// The target's caller or level does not fit the id.
    #[error("the target of rule `{id}` must have caller `{}` and level `{}`", id.caller(), id.level())]
    TargetMismatch {
        /// The rule.
        id: RuleId,
    },
    /// A field that this rule type does not have.
    #[error("unknown field `{field}` in rule `{id}`")]
    UnknownField {
        /// The rule.
        id: RuleId,
        /// The field.
        field: String,
    },
    /// A field with a bad value.
    #[error("rule `{id}`: {message}")]
    Field {
        /// The rule.
        id: RuleId,
        /// What serde said.
        message: String,
    },
}

/// Whether a normalised `@odata.type` names `kind`: Graph's types with or without their
/// namespace, pim's only with `pim.`.
fn type_fits(kind: RuleType, given: &str) -> bool {
    match given.strip_prefix("pim.") {
        Some(name) => kind.namespace() == "pim" && kind.as_str().eq_ignore_ascii_case(name),
        None => kind.namespace() != "pim" && kind.as_str().eq_ignore_ascii_case(given),
    }
}

/// Removes `@odata.type` and returns it normalised: no `#`, no `microsoft.graph.`, lower case.
fn take_odata_type(map: &mut Map<String, Value>) -> Option<String> {
    match map.remove("@odata.type") {
        Some(Value::String(s)) => {
            let s = s.trim_start_matches('#');
            let s = s
                .strip_prefix("microsoft.graph.")
                .or_else(|| s.strip_prefix("Microsoft.Graph."))
                .unwrap_or(s);
            Some(s.to_ascii_lowercase())
        }
        _ => None,
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExpirationFields {
    is_expiration_required: bool,
    maximum_duration: IsoDuration,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnablementFields {
    enabled_rules: Vec<Enablement>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApprovalFields {
    setting: ApprovalSettings,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AuthContextFields {
    is_enabled: bool,
    claim_value: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NotificationFields {
    notification_type: NotificationType,
    recipient_type: RecipientType,
    notification_level: NotificationLevel,
    is_default_recipients_enabled: bool,
    notification_recipients: Option<Vec<String>>,
}

fn body_to_json(body: &RuleBody) -> Value {
    let value = match body {
        RuleBody::Expiration {
            is_expiration_required,
            maximum_duration,
        } => serde_json::to_value(ExpirationFields {
            is_expiration_required: *is_expiration_required,
            maximum_duration: *maximum_duration,
        }),
        RuleBody::Enablement { enabled_rules } => serde_json::to_value(EnablementFields {
            enabled_rules: enabled_rules.clone(),
        }),
        RuleBody::Approval { setting } => serde_json::to_value(ApprovalFields {
            setting: setting.clone(),
        }),
        RuleBody::AuthenticationContext {
            is_enabled,
            claim_value,
        } => serde_json::to_value(AuthContextFields {
            is_enabled: *is_enabled,
            claim_value: claim_value.clone(),
        }),
        RuleBody::Justification(f) => serde_json::to_value(f),
        RuleBody::RateLimit(f) => serde_json::to_value(f),
        RuleBody::SeparationOfDuties(f) => serde_json::to_value(f),
        RuleBody::QuorumApproval(f) => serde_json::to_value(f),
        RuleBody::BreakGlass(f) => serde_json::to_value(f),
        RuleBody::ActivationWindow(f) => serde_json::to_value(f),
        RuleBody::Notification {
            notification_type,
            recipient_type,
            notification_level,
            is_default_recipients_enabled,
            notification_recipients,
        } => serde_json::to_value(NotificationFields {
            notification_type: *notification_type,
            recipient_type: *recipient_type,
            notification_level: *notification_level,
            is_default_recipients_enabled: *is_default_recipients_enabled,
            notification_recipients: Some(notification_recipients.clone()),
        }),
    };
    value.unwrap_or(Value::Null)
}

fn body_from_json(id: RuleId, value: Value) -> Result<RuleBody, serde_json::Error> {
    Ok(match id.rule_type() {
        RuleType::Expiration => {
            let f: ExpirationFields = serde_json::from_value(value)?;
            RuleBody::Expiration {
                is_expiration_required: f.is_expiration_required,
                maximum_duration: f.maximum_duration,
            }
        }
        RuleType::Enablement => {
            let f: EnablementFields = serde_json::from_value(value)?;
            let mut enabled_rules = f.enabled_rules;
            enabled_rules.sort();
            enabled_rules.dedup();
            RuleBody::Enablement { enabled_rules }
        }
        RuleType::Approval => {
            let f: ApprovalFields = serde_json::from_value(value)?;
            RuleBody::Approval { setting: f.setting }
        }
        RuleType::AuthenticationContext => {
            let f: AuthContextFields = serde_json::from_value(value)?;
            RuleBody::AuthenticationContext {
                is_enabled: f.is_enabled,
                claim_value: f.claim_value.filter(|c| !c.is_empty()),
            }
        }
        RuleType::Justification
        | RuleType::RateLimit
        | RuleType::QuorumApproval
        | RuleType::BreakGlass
        | RuleType::ActivationWindow
        | RuleType::SeparationOfDuties => super::pim_rules::read_body(id.rule_type(), value)?,
        RuleType::Notification => {
            let f: NotificationFields = serde_json::from_value(value)?;
            if f.recipient_type != id.recipient().unwrap_or(f.recipient_type) {
                return Err(serde_json::Error::custom(alloc::format!(
                    "recipientType must be `{}` for this rule",
                    id.recipient().unwrap_or(f.recipient_type)
                )));
            }
            RuleBody::Notification {
                notification_type: f.notification_type,
                recipient_type: f.recipient_type,
                notification_level: f.notification_level,
                is_default_recipients_enabled: f.is_default_recipients_enabled,
                notification_recipients: f.notification_recipients.unwrap_or_default(),
            }
        }
    })
}
