//! The random tenant: its principals, roles and scopes, its seeded assignments and role
//! settings, and the commands that load it.

use chrono::TimeDelta;
use pim_core::time::parse_instant;
use pim_core::{Command, GLOBAL_ADMINISTRATOR, Instant, PRIVILEGED_ROLE_ADMINISTRATOR};
use proptest::prelude::*;
use serde_json::{Value, json};

pub(crate) const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
pub(crate) const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

/// Roles that steps act on; PRA is among them so that who is an administrator changes.
pub(crate) const ROLES: [&str; 3] = [EXCHANGE, USER_ADMIN, PRIVILEGED_ROLE_ADMINISTRATOR];
/// Roles that checks ask about.
pub(crate) const CHECK_ROLES: [&str; 4] = [
    EXCHANGE,
    USER_ADMIN,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
];
/// Users, a service principal, two role-assignable groups (`g1` may contain `g0`).
pub(crate) const PRINCIPALS: [&str; 8] = ["u0", "u1", "u2", "u3", "u4", "sp0", "g0", "g1"];
pub(crate) const USERS: usize = 5;
/// Callers: the users and the service principal.
pub(crate) const CALLERS: usize = 6;
pub(crate) const GROUPS: [&str; 2] = ["g0", "g1"];
/// Scopes assignments and activations are made at.
pub(crate) const SCOPES: [&str; 2] = ["/", "/administrativeUnits/au1"];
/// Scopes checks ask about.
pub(crate) const CHECK_SCOPES: [&str; 4] = [
    "/",
    "/administrativeUnits/au1",
    "/administrativeUnits/au1/users/x",
    "/administrativeUnits/au2",
];

pub(crate) fn start() -> Instant {
    parse_instant("2026-03-02T09:00:00Z").expect("valid instant")
}

/// The element a generated index picks among `len` (shrinks towards the first).
pub(crate) fn pick_at(i: &usize, len: usize) -> usize {
    i % len
}

pub(crate) fn minutes(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

#[derive(Debug, Clone)]
pub(crate) struct Seed {
    pub(crate) eligible: bool,
    pub(crate) principal: usize,
    pub(crate) role: usize,
    pub(crate) scope: usize,
    /// Start, in minutes relative to the tenant's start.
    pub(crate) start: i64,
    /// Length in minutes; `None` is permanent.
    pub(crate) length: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) enum Approvers {
    Default,
    User(usize),
    Group0,
}

#[derive(Debug, Clone)]
pub(crate) struct StageGen {
    pub(crate) timeout_days: i32,
    pub(crate) approver_justification: bool,
    pub(crate) approvers: Approvers,
}

#[derive(Debug, Clone)]
pub(crate) struct PolicyGen {
    pub(crate) max_minutes: i64,
    pub(crate) mfa: bool,
    pub(crate) justification: bool,
    pub(crate) ticket: bool,
    /// `None`: no approval. Else: requestor justification required, and one or two stages.
    pub(crate) approval: Option<(bool, Vec<StageGen>)>,
    /// Eligible assignments must expire within this many days.
    pub(crate) eligibility_max_days: Option<i64>,
    /// Active assignments must expire within this many days.
    pub(crate) assignment_max_days: Option<i64>,
    pub(crate) admin_justification: bool,
    /// pim's rate limit: most activations, window and cool-down in minutes.
    pub(crate) rate_limit: Option<(u32, i64, i64)>,
    /// pim's separation of duties: a role (index in `ROLES`) that may not be active with this
    /// one; dropped when it is this role.
    pub(crate) conflict: Option<usize>,
    /// pim's activation windows (only the property in `activation_windows` sets them).
    pub(crate) window: Option<WindowGen>,
}

/// A `Pim_ActivationWindow_EndUser_Assignment` rule.
#[derive(Debug, Clone)]
pub(crate) struct WindowGen {
    pub(crate) zone: String,
    /// (days as a Monday-first bit set, start and end in minutes of the local day).
    pub(crate) windows: Vec<(u8, u32, u32)>,
    /// Excluded local dates, as days after 2026-03-01.
    pub(crate) excluded: Vec<u32>,
    pub(crate) require_approval: bool,
}

pub(crate) const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl WindowGen {
    pub(crate) fn rule(&self) -> Value {
        let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        let windows: Vec<Value> = self
            .windows
            .iter()
            .map(|(days, start, end)| {
                let days: Vec<&str> = (0..7)
                    .filter(|i| days & (1 << i) != 0)
                    .map(|i| WEEKDAYS[i])
                    .collect();
                json!({"daysOfWeek": days, "startTime": hhmm(*start), "endTime": hhmm(*end)})
            })
            .collect();
        let first = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date");
        let excluded: Vec<String> = self
            .excluded
            .iter()
            .map(|d| (first + TimeDelta::days(i64::from(*d))).to_string())
            .collect();
        json!({"@odata.type": "#pim.activationWindowRule",
            "id": "Pim_ActivationWindow_EndUser_Assignment", "timeZone": self.zone,
            "windows": windows, "excludedDates": excluded,
            "outsideWindow": if self.require_approval { "requireApproval" } else { "deny" }})
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub(crate) g0_members: Vec<bool>,
    pub(crate) g1_members: Vec<bool>,
    pub(crate) g1_contains_sp0: bool,
    /// A user (other than `u0`, the Global Administrator) who holds PRA permanently.
    pub(crate) pra_user: Option<usize>,
    pub(crate) seeds: Vec<Seed>,
    pub(crate) policies: Vec<Option<PolicyGen>>,
}

fn stage_strategy() -> impl Strategy<Value = StageGen> {
    (
        1..=3i32,
        any::<bool>(),
        prop_oneof![
            2 => Just(Approvers::Default),
            2 => (0..USERS).prop_map(Approvers::User),
            1 => Just(Approvers::Group0),
        ],
    )
        .prop_map(
            |(timeout_days, approver_justification, approvers)| StageGen {
                timeout_days,
                approver_justification,
                approvers,
            },
        )
}

pub(crate) fn policy_strategy() -> impl Strategy<Value = PolicyGen> {
    (
        prop_oneof![
            Just(30i64),
            Just(1440i64),
            Just(60i64),
            Just(480i64),
            30..=1440i64
        ],
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::option::weighted(
            0.7,
            (
                any::<bool>(),
                prop::collection::vec(stage_strategy(), 1..=2),
            ),
        ),
        prop::option::weighted(0.3, 1..=60i64),
        prop::option::weighted(0.3, 1..=60i64),
        any::<bool>(),
        prop::option::weighted(
            0.4,
            (
                1..=3u32,
                prop_oneof![Just(60i64), Just(240i64), Just(1440i64)],
                prop_oneof![Just(0i64), Just(30i64), Just(120i64)],
            ),
        ),
        prop::option::weighted(0.4, 0..ROLES.len()),
    )
        .prop_map(
            |(
                max_minutes,
                mfa,
                justification,
                ticket,
                approval,
                eligibility_max_days,
                assignment_max_days,
                admin_justification,
                rate_limit,
                conflict,
            )| {
                PolicyGen {
                    max_minutes,
                    mfa,
                    justification,
                    ticket,
                    approval,
                    eligibility_max_days,
                    assignment_max_days,
                    admin_justification,
                    rate_limit,
                    conflict,
                    window: None,
                }
            },
        )
}

fn seed_strategy() -> impl Strategy<Value = Seed> {
    (
        prop::bool::weighted(0.65),
        prop_oneof![3 => 0..USERS, 1 => 0..PRINCIPALS.len()],
        0..ROLES.len(),
        prop::bool::weighted(0.75).prop_map(|root| if root { 0 } else { 1 }),
        prop_oneof![Just(-60i64), -30 * 1440..=0i64, 0..=2 * 1440i64],
        prop::option::weighted(
            0.5,
            prop_oneof![10..=600i64, 1440..=30 * 1440i64, 30 * 1440..=60 * 1440i64],
        ),
    )
        .prop_map(|(eligible, principal, role, scope, start, length)| Seed {
            // A service principal holds only active assignments.
            eligible: eligible && PRINCIPALS[principal] != "sp0",
            principal,
            role,
            scope,
            start,
            length,
        })
}

pub(crate) fn tenant_strategy() -> impl Strategy<Value = Tenant> {
    (
        prop::collection::vec(any::<bool>(), USERS),
        prop::collection::vec(prop::bool::weighted(0.3), USERS),
        any::<bool>(),
        prop::option::of(1..USERS),
        prop::collection::vec(seed_strategy(), 3..14),
        prop::collection::vec(prop::option::weighted(0.8, policy_strategy()), ROLES.len()),
    )
        .prop_map(
            |(g0_members, g1_members, g1_contains_sp0, pra_user, seeds, policies)| Tenant {
                g0_members,
                g1_members,
                g1_contains_sp0,
                pra_user,
                seeds,
                policies,
            },
        )
}

/// The `Approval_EndUser_Assignment` rule's `setting` for a generated policy.
fn approval_setting(p: &PolicyGen) -> Value {
    let Some((requestor_justification, stages)) = &p.approval else {
        // A window rule that sends starts outside for approval needs a stage to send them to.
        if p.window.is_some() {
            return json!({ "isApprovalRequired": false, "approvalStages": [{}] });
        }
        return json!({ "isApprovalRequired": false });
    };
    let stages: Vec<Value> = stages
        .iter()
        .map(|s| {
            let approvers = match s.approvers {
                Approvers::Default => json!([]),
                Approvers::User(u) => {
                    json!([{ "@odata.type": "#microsoft.graph.singleUser", "userId": PRINCIPALS[u] }])
                }
                Approvers::Group0 => {
                    json!([{ "@odata.type": "#microsoft.graph.groupMembers", "groupId": "g0" }])
                }
            };
            json!({
                "approvalStageTimeOutInDays": s.timeout_days,
                "isApproverJustificationRequired": s.approver_justification,
                "escalationTimeInMinutes": 0,
                "isEscalationEnabled": false,
                "primaryApprovers": approvers,
                "escalationApprovers": []
            })
        })
        .collect();
    json!({
        "isApprovalRequired": true,
        "isRequestorJustificationRequired": requestor_justification,
        "approvalMode": if stages.len() > 1 { "Serial" } else { "SingleStage" },
        "approvalStages": stages
    })
}

/// A generated policy as Graph's `rules`.
pub(crate) fn policy_rules(p: &PolicyGen) -> Value {
    let mut enabled = Vec::new();
    if p.mfa {
        enabled.push("MultiFactorAuthentication");
    }
    if p.justification {
        enabled.push("Justification");
    }
    if p.ticket {
        enabled.push("Ticketing");
    }
    let expiration = |id: &str, days: Option<i64>| {
        json!({
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
            "id": id,
            "isExpirationRequired": days.is_some(),
            "maximumDuration": format!("P{}D", days.unwrap_or(365)),
        })
    };
    json!([
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
          "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true,
          "maximumDuration": format!("PT{}M", p.max_minutes) },
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
          "id": "Enablement_EndUser_Assignment", "enabledRules": enabled },
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
          "id": "Approval_EndUser_Assignment", "setting": approval_setting(p) },
        expiration("Expiration_Admin_Eligibility", p.eligibility_max_days),
        expiration("Expiration_Admin_Assignment", p.assignment_max_days),
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
          "id": "Enablement_Admin_Assignment",
          "enabledRules": if p.admin_justification { vec!["Justification"] } else { Vec::new() } },
    ])
}

/// pim's own rules of a generated policy for `role`.
fn pim_rules(role: &str, p: &PolicyGen) -> Vec<Value> {
    let mut rules = Vec::new();
    if let Some((max, window, cool)) = p.rate_limit {
        rules.push(
            json!({"@odata.type": "#pim.rateLimitRule", "id": "Pim_RateLimit_EndUser_Assignment",
            "maximumActivations": max, "windowDuration": format!("PT{window}M"),
            "coolDownDuration": format!("PT{cool}M")}),
        );
    }
    if let Some(other) = p.conflict.map(|i| ROLES[i]).filter(|r| *r != role) {
        rules.push(json!({"@odata.type": "#pim.separationOfDutiesRule",
            "id": "Pim_SeparationOfDuties_EndUser_Assignment",
            "conflictingRoleDefinitionIds": [other]}));
    }
    if let Some(w) = &p.window {
        rules.push(w.rule());
    }
    rules
}

pub(crate) fn set_policy_command(role: &str, p: &PolicyGen) -> Command {
    let mut rules = policy_rules(p);
    if let Value::Array(list) = &mut rules {
        list.extend(pim_rules(role, p));
    }
    serde_json::from_value(json!({
        "op": "setPolicy", "roleDefinitionId": role, "scopeId": "/", "rules": rules
    }))
    .expect("generated policy parses")
}

pub(crate) fn request_command(kind: &str, body: Value) -> Command {
    serde_json::from_value(json!({ "op": "request", "kind": kind, "body": body }))
        .expect("generated request parses")
}

/// The tenant's assignments: `u0` is Global Administrator, the PRA user, then the seeds.
fn seeded_assignments(t: &Tenant) -> Vec<Value> {
    let instant = |m: i64| pim_core::time::format_instant(&(start() + minutes(m)));
    let mut assignments = vec![json!({
        "type": "active", "principalId": "u0", "roleDefinitionId": GLOBAL_ADMINISTRATOR,
        "directoryScopeId": "/", "startDateTime": "2026-01-01T00:00:00Z"
    })];
    if let Some(u) = t.pra_user {
        assignments.push(json!({
            "type": "active", "principalId": PRINCIPALS[u],
            "roleDefinitionId": PRIVILEGED_ROLE_ADMINISTRATOR, "directoryScopeId": "/",
            "startDateTime": "2026-01-01T00:00:00Z"
        }));
    }
    for s in &t.seeds {
        let mut a = json!({
            "type": if s.eligible { "eligible" } else { "active" },
            "principalId": PRINCIPALS[s.principal],
            "roleDefinitionId": ROLES[s.role],
            "directoryScopeId": SCOPES[s.scope],
            "startDateTime": instant(s.start),
        });
        if let Some(len) = s.length {
            a["endDateTime"] = json!(instant(s.start + len));
        }
        assignments.push(a);
    }
    assignments
}

pub(crate) fn import_command(t: &Tenant) -> Command {
    let members = |flags: &[bool]| -> Vec<&str> {
        flags
            .iter()
            .enumerate()
            .filter(|(_, f)| **f)
            .map(|(i, _)| PRINCIPALS[i])
            .collect()
    };
    let mut g1 = members(&t.g1_members);
    // Entra refuses a group as a member of a role-assignable group, so the generated tenant
    // never nests groups; a service principal member stands in for the extra membership.
    if t.g1_contains_sp0 {
        g1.push("sp0");
    }
    serde_json::from_value(json!({
        "op": "importDirectory",
        "directory": {
            "users": (0..USERS).map(|i| json!({ "id": PRINCIPALS[i] })).collect::<Vec<_>>(),
            "servicePrincipals": [{ "id": "sp0" }],
            "groups": [
                { "id": "g0", "isRoleAssignable": true, "members": members(&t.g0_members) },
                { "id": "g1", "isRoleAssignable": true, "members": g1 },
            ],
            "assignments": seeded_assignments(t),
        }
    }))
    .expect("generated directory parses")
}
