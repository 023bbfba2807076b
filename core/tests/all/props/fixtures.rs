//! Fixed inputs for the robustness properties: valid commands to mutate, a populated tenant,
//! and the scenario files.

use pim_core::Engine;
use serde_json::{Value, json};

use super::steps::{Activate, Expiry, SetPolicy, Step};
use super::tenant::{
    Approvers, EXCHANGE, PolicyGen, Seed, StageGen, Tenant, USER_ADMIN, policy_rules,
};
use super::world::{NoObserver, World, drive};

/// A policy with every requirement on: MFA, justification, ticket, two approval stages,
/// expiring assignments.
fn full_policy() -> Value {
    policy_rules(&PolicyGen {
        max_minutes: 120,
        mfa: true,
        justification: true,
        ticket: true,
        approval: Some((
            true,
            vec![
                StageGen {
                    timeout_days: 1,
                    approver_justification: true,
                    approvers: Approvers::User(0),
                },
                StageGen {
                    timeout_days: 2,
                    approver_justification: false,
                    approvers: Approvers::Group0,
                },
            ],
        )),
        eligibility_max_days: Some(30),
        assignment_max_days: Some(10),
        admin_justification: true,
        rate_limit: None,
        conflict: None,
        window: None,
    })
}

/// Valid commands to mutate: each reaches deep into the engine before a mutation breaks it.
pub(crate) fn templates() -> Vec<Value> {
    let schedule = json!({ "startDateTime": "2026-03-02T10:00:00Z",
                           "expiration": { "type": "afterDuration", "duration": "PT2H" } });
    let body = |action: &str, principal: &str| {
        json!({ "action": action, "principalId": principal, "roleDefinitionId": EXCHANGE,
                "directoryScopeId": "/", "justification": "why", "scheduleInfo": schedule.clone(),
                "ticketInfo": { "ticketNumber": "INC-1", "ticketSystem": "snow" } })
    };
    let request = |kind: &str, b: Value| json!({ "op": "request", "kind": kind, "body": b });
    vec![
        request("assignment", body("selfActivate", "u1")),
        request("assignment", body("selfDeactivate", "u1")),
        request("assignment", body("selfExtend", "u2")),
        request("eligibility", body("selfRenew", "u2")),
        request("eligibility", body("adminAssign", "u3")),
        request("assignment", body("adminAssign", "g0")),
        request("eligibility", body("adminUpdate", "u1")),
        request("eligibility", body("adminExtend", "u1")),
        request("eligibility", body("adminRemove", "u1")),
        request("assignment", body("adminRenew", "u4")),
        json!({ "op": "decide", "requestId": "request-1", "reviewResult": "Approve", "justification": "ok" }),
        json!({ "op": "cancel", "requestId": "request-1" }),
        json!({ "op": "changeMembership", "groupId": "g0", "add": ["u3"], "remove": ["u1"] }),
        json!({ "op": "setAuditRetention", "days": 30 }),
        json!({ "op": "recordSignIn", "principalId": "u1", "signInDateTime": "2026-03-02T09:00:00Z" }),
        json!({ "op": "refreshAlerts", "alertIds": [] }),
        json!({ "op": "stopReview", "reviewId": "review-1" }),
        json!({ "op": "recordOutsideAssignment", "assignment": {
            "type": "active", "principalId": "u2", "roleDefinitionId": USER_ADMIN, "directoryScopeId": "/" } }),
        json!({ "op": "setPolicy", "roleDefinitionId": EXCHANGE, "scopeId": "/", "rules": full_policy() }),
        json!({ "op": "importDirectory", "directory": {
            "users": [{ "id": "n1" }], "groups": [{ "id": "n2", "members": ["n1", "u1"], "isRoleAssignable": true }],
            "assignments": [{ "type": "eligible", "principalId": "n2", "roleDefinitionId": EXCHANGE,
                              "startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-04-01T00:00:00Z" }] } }),
    ]
}

fn seed(eligible: bool, principal: usize, role: usize, scope: usize, length: Option<i64>) -> Seed {
    Seed {
        eligible,
        principal,
        role,
        scope,
        start: -60,
        length,
    }
}

/// Groups, a PRA user, and eligibilities and assignments held directly and through groups.
fn populated_tenant() -> Tenant {
    Tenant {
        g0_members: vec![false, true, true, false, false],
        g1_members: vec![false, false, false, true, false],
        g1_contains_sp0: true,
        pra_user: Some(4),
        seeds: vec![
            seed(true, 1, 0, 0, Some(40 * 1440)),
            seed(true, 6, 1, 0, None),
            seed(false, 7, 1, 1, Some(600)),
            seed(true, 2, 0, 0, Some(3 * 1440)),
            seed(false, 5, 0, 0, None),
        ],
        policies: vec![None, None, None],
    }
}

fn activate(user: usize, role: usize, expiry: Expiry) -> Step {
    Step::Activate(Activate {
        pick: None,
        user,
        role,
        scope: 0,
        start: None,
        expiry,
        mfa: true,
        justification: true,
        ticket: false,
    })
}

/// `u1` activates; User Administrator then needs approval, and `u2` asks for it.
fn populated_steps() -> Vec<Step> {
    let approval = PolicyGen {
        max_minutes: 240,
        mfa: false,
        justification: true,
        ticket: false,
        approval: Some((
            true,
            vec![StageGen {
                timeout_days: 1,
                approver_justification: false,
                approvers: Approvers::Default,
            }],
        )),
        eligibility_max_days: None,
        assignment_max_days: None,
        admin_justification: false,
        rate_limit: None,
        conflict: None,
        window: None,
    };
    vec![
        activate(1, 0, Expiry::Minutes(60)),
        Step::SetPolicy(SetPolicy {
            role: 1,
            policy: approval,
            caller: None,
        }),
        activate(2, 1, Expiry::Absent),
        Step::Advance {
            minutes: 10,
            tick: true,
        },
    ]
}

/// A tenant with a bit of everything: eligibilities, an activation, a pending approval.
pub(crate) fn populated() -> Engine {
    populated_world().engine
}

pub(crate) fn populated_world() -> World {
    let w = drive(&populated_tenant(), &populated_steps(), &mut NoObserver)
        .expect("the fixed tenant runs");
    assert!(
        w.engine.pending_approvals("u0", w.now).len() == 1,
        "the fixture has a pending approval"
    );
    w
}

/// The text of every scenario file in `tests/scenarios`, read once.
pub(crate) fn scenario_files() -> &'static [String] {
    static FILES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("tests/scenarios exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let files: Vec<String> = paths
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("scenario file reads"))
            .collect();
        assert!(!files.is_empty(), "no scenario files in {}", dir.display());
        files
    })
}
