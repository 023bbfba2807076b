//! Every command's decision and every query that is not a listing, at each tenant size, so the
//! figures show whether a cost grows with the tenant (it should not: each reads indexes, never
//! every schedule, request or principal).
//!
//! Each case is a set of commands (or queries) built from the tenant's keys; before it is
//! measured, every command is executed once and those the engine refuses are dropped, so the
//! figure is the cost of an accepted decision. A case that keeps none fails the run.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use pim_core::{CallContext, Command, Query, QueryResult};
use serde_json::{Value, json};

use super::Tenant;

/// A role the approval cases set to need an approver's consent (a custom role: none of the
/// earlier benchmarks' keys depend on it).
const APPROVAL_ROLE: usize = 10;
const APPROVER: &str = "user-0000000";

fn request(kind: &str, body: Value) -> Command {
    serde_json::from_value(json!({ "op": "request", "kind": kind, "body": body }))
        .expect("the command parses")
}

fn body(action: &str, principal: &str, role: &str, extra: Value) -> Value {
    let mut b = json!({
        "action": action,
        "principalId": principal,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "justification": "benchmark",
    });
    if let (Some(b), Some(extra)) = (b.as_object_mut(), extra.as_object()) {
        b.extend(extra.clone());
    }
    b
}

/// Every (principal, role) key the tenant offers, of every kind.
fn all_keys(t: &Tenant) -> Vec<(String, String)> {
    [
        &t.direct,
        &t.group,
        &t.activation,
        &t.eligible_only,
        &t.activatable,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect()
}

/// The commands the engine accepts, executed once each to find out.
fn accepted(t: &Tenant, commands: Vec<(Command, CallContext)>) -> Vec<(Command, CallContext)> {
    commands
        .into_iter()
        .filter(|(cmd, ctx)| {
            t.engine
                .execute(cmd, ctx, t.now)
                .is_ok_and(|o| o.decision.error.is_none())
        })
        .collect()
}

fn command_cases(t: &Tenant) -> Vec<(&'static str, Vec<(Command, CallContext)>)> {
    let user = |p: &str| CallContext::user(p).with_mfa();
    let system = CallContext::system;
    let deactivate = t
        .activation
        .iter()
        .map(|(p, r)| {
            (
                request("assignment", body("selfDeactivate", p, r, json!({}))),
                user(p),
            )
        })
        .collect();
    let assign = t
        .activatable
        .iter()
        .enumerate()
        .map(|(i, (p, _))| {
            let role = &t.roles[i % t.roles.len()];
            let forever = json!({ "scheduleInfo": { "expiration": { "type": "noExpiration" } } });
            (
                request("eligibility", body("adminAssign", p, role, forever)),
                system(),
            )
        })
        .collect();
    let update = t
        .activatable
        .iter()
        .map(|(p, r)| {
            let info = json!({ "scheduleInfo": { "startDateTime": "2026-01-01T00:00:00Z",
                "expiration": { "type": "afterDuration", "duration": "P365D" } } });
            (
                request("eligibility", body("adminUpdate", p, r, info)),
                system(),
            )
        })
        .collect();
    vec![
        ("execute-selfDeactivate", deactivate),
        ("execute-adminAssign-eligibility", assign),
        ("execute-adminUpdate-eligibility", update),
    ]
}

/// The keys of `adminAssign` that the engine accepts.
fn new_pairs(t: &Tenant) -> Vec<(String, String)> {
    t.activatable
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.clone(), t.roles[i % t.roles.len()].clone()))
        .filter(|(p, r)| {
            let cmd = request("eligibility", body("adminAssign", p, r, json!({})));
            !accepted(t, vec![(cmd, CallContext::system())]).is_empty()
        })
        .collect()
}

/// Makes each pair eligible for ten days, inside Entra's fourteen-day extension window; returns
/// the pairs.
fn expiring(t: &mut Tenant) -> Vec<(String, String)> {
    let pairs = new_pairs(t);
    let ten_days = json!({ "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P10D" } } });
    for (p, r) in &pairs {
        let cmd = request("eligibility", body("adminAssign", p, r, ten_days.clone()));
        apply(t, &cmd, &CallContext::system());
    }
    assert!(!pairs.is_empty(), "no pair to make eligible");
    pairs
}

fn extension_cases(pairs: &[(String, String)]) -> Vec<(&'static str, Vec<(Command, CallContext)>)> {
    let month = json!({ "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } } });
    let extend = |action: &str, admin: bool| {
        pairs
            .iter()
            .map(|(p, r)| {
                let ctx = if admin {
                    CallContext::system()
                } else {
                    CallContext::user(p).with_mfa()
                };
                (
                    request("eligibility", body(action, p, r, month.clone())),
                    ctx,
                )
            })
            .collect()
    };
    vec![
        (
            "execute-selfExtend-eligibility",
            extend("selfExtend", false),
        ),
        (
            "execute-adminExtend-eligibility",
            extend("adminExtend", true),
        ),
    ]
}

/// Executes `cmd` and applies its events.
fn apply(t: &mut Tenant, cmd: &Command, ctx: &CallContext) -> pim_core::Outcome {
    let o = t.engine.execute(cmd, ctx, t.now).expect("executes");
    for e in &o.events {
        t.engine.apply(e).expect("applies");
    }
    o
}

fn bench_cases(
    c: &mut Criterion,
    t: &Tenant,
    size: &str,
    cases: Vec<(&str, Vec<(Command, CallContext)>)>,
) {
    let mut g = c.benchmark_group(format!("decide/{size}"));
    for (name, commands) in cases {
        let commands = accepted(t, commands);
        assert!(
            !commands.is_empty(),
            "{name}: the engine accepted none of the commands"
        );
        execute_each(&mut g, name, t, &commands);
    }
    g.finish();
}

/// Measures `execute` (decided, not applied) cycling through `commands`.
pub fn execute_each(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    t: &Tenant,
    commands: &[(Command, CallContext)],
) {
    g.bench_function(name, |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % commands.len();
            let (cmd, ctx) = &commands[i];
            black_box(t.engine.execute(black_box(cmd), ctx, t.now))
        });
    });
}

/// Sets the approval role to need `APPROVER`'s consent and files a pending activation for
/// each activatable key of that role; returns the pending requests' ids with their requesters.
fn pending_requests(t: &mut Tenant) -> Vec<(String, String)> {
    let role = t.roles[APPROVAL_ROLE].clone();
    let policy: Command = serde_json::from_value(json!({
        "op": "setPolicy", "roleDefinitionId": role, "scopeId": "/",
        "rules": [{
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
            "id": "Approval_EndUser_Assignment",
            "setting": { "isApprovalRequired": true, "approvalMode": "SingleStage",
                "approvalStages": [{ "approvalStageTimeOutInDays": 1,
                    "primaryApprovers": [{ "@odata.type": "#microsoft.graph.singleUser", "userId": APPROVER }] }] }
        }]
    }))
    .expect("the policy parses");
    apply(t, &policy, &CallContext::system());
    let keys: Vec<(String, String)> = t
        .activatable
        .iter()
        .filter(|(_, r)| *r == role)
        .cloned()
        .collect();
    let mut pending = Vec::new();
    for (p, r) in keys.iter().filter(|(p, _)| p != APPROVER) {
        let ask = request(
            "assignment",
            body(
                "selfActivate",
                p,
                r,
                json!({ "scheduleInfo": {
            "expiration": { "type": "afterDuration", "duration": "PT4H" } } }),
            ),
        );
        let o = apply(t, &ask, &CallContext::user(p).with_mfa());
        if let Some(r) = &o.decision.request {
            pending.push((r.id.to_string(), p.clone()));
        }
    }
    assert!(
        !pending.is_empty(),
        "no activatable key of the approval role"
    );
    pending
}

fn approval_cases(
    pending: &[(String, String)],
) -> Vec<(&'static str, Vec<(Command, CallContext)>)> {
    let decide = |result: &str| {
        pending
            .iter()
            .map(|(id, _)| {
                let cmd = serde_json::from_value(json!({ "op": "decide", "requestId": id,
                    "reviewResult": result, "justification": "checked" }))
                .expect("the decision parses");
                (cmd, CallContext::user(APPROVER).with_mfa())
            })
            .collect()
    };
    let cancel = pending
        .iter()
        .map(|(id, p)| {
            let cmd = serde_json::from_value(json!({ "op": "cancel", "requestId": id }))
                .expect("the cancel parses");
            (cmd, CallContext::user(p).with_mfa())
        })
        .collect();
    vec![
        ("execute-decide-approve", decide("Approve")),
        ("execute-decide-deny", decide("Deny")),
        ("execute-cancel", cancel),
    ]
}

fn query(value: Value) -> Query {
    serde_json::from_value(value).expect("the query parses")
}

fn query_cases(t: &Tenant, pending: &[(String, String)]) -> Vec<(&'static str, Vec<Query>)> {
    let keys = all_keys(t);
    let by_principal = |name: &str| {
        keys.iter()
            .map(|(p, _)| query(json!({ "query": name, "principalId": p })))
            .collect()
    };
    vec![
        ("query-eligibleRoles", by_principal("eligibleRoles")),
        ("query-schedules", by_principal("schedules")),
        ("query-access", by_principal("access")),
        (
            "query-principals",
            keys.iter()
                .map(|(p, _)| query(json!({ "query": "principals", "ids": [p] })))
                .collect(),
        ),
        (
            "query-policy",
            t.roles
                .iter()
                .map(|r| query(json!({ "query": "policy", "roleDefinitionId": r })))
                .collect(),
        ),
        (
            "query-request",
            pending
                .iter()
                .map(|(id, _)| query(json!({ "query": "request", "requestId": id })))
                .collect(),
        ),
        (
            "query-pendingApprovals",
            vec![query(
                json!({ "query": "pendingApprovals", "approverId": APPROVER }),
            )],
        ),
    ]
}

fn bench_queries(c: &mut Criterion, t: &Tenant, size: &str, cases: Vec<(&str, Vec<Query>)>) {
    let mut g = c.benchmark_group(format!("query/{size}"));
    for (name, queries) in cases {
        for q in &queries {
            let answer = t.engine.query(q, t.now);
            assert!(answer.is_ok(), "{name}: {q:?} failed: {answer:?}");
        }
        if name == "query-pendingApprovals" {
            let answer = t.engine.query(&queries[0], t.now);
            assert!(
                matches!(&answer, Ok(QueryResult::PendingApprovals(list)) if !list.is_empty()),
                "the approver sees no pending request: {answer:?}"
            );
        }
        g.bench_function(name, |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % queries.len();
                black_box(t.engine.query(black_box(&queries[i]), t.now))
            });
        });
    }
    g.finish();
}

/// Every command and query benchmark at this size. Changes the tenant (the approval role's
/// settings and its pending requests), so it runs after the other benchmarks of the size.
pub fn bench_all(c: &mut Criterion, t: &mut Tenant, size: &str) {
    bench_cases(c, t, size, command_cases(t));
    let pairs = expiring(t);
    bench_cases(c, t, size, extension_cases(&pairs));
    let pending = pending_requests(t);
    bench_cases(c, t, size, approval_cases(&pending));
    bench_queries(c, t, size, query_cases(t, &pending));
}
