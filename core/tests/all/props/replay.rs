//! (d) Replaying the log gives the same answers as the live engine.

use pim_core::Query;
use pim_core::event::Event;
use pim_core::{CallContext, Engine, Instant};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::json;

use super::checks::PROBES;
use super::steps::steps_strategy;
use super::tenant::{
    CHECK_ROLES, CHECK_SCOPES, PRINCIPALS, ROLES, USERS, minutes, request_command, tenant_strategy,
};
use super::world::{Observer, World, config, drive};

/// Every question a host asks has the same answer from both engines at `t`.
fn same_answers_at(
    live: &Engine,
    replayed: &Engine,
    requests: &[String],
    t: Instant,
) -> Result<(), TestCaseError> {
    for p in PRINCIPALS {
        for role in CHECK_ROLES {
            for scope in CHECK_SCOPES {
                prop_assert_eq!(
                    live.check(p, role, scope, t),
                    replayed.check(p, role, scope, t),
                    "check({}, {}, {}, {})",
                    p,
                    role,
                    scope,
                    t
                );
            }
        }
        prop_assert_eq!(live.eligible_roles(p, t), replayed.eligible_roles(p, t));
        prop_assert_eq!(
            live.pending_approvals(p, t),
            replayed.pending_approvals(p, t)
        );
        let q = Query::Schedules {
            principal_id: p.into(),
        };
        prop_assert_eq!(live.query(&q, t).ok(), replayed.query(&q, t).ok());
    }
    for id in requests {
        prop_assert_eq!(
            live.request(id, t),
            replayed.request(id, t),
            "request {} at {}",
            id,
            t
        );
    }
    prop_assert_eq!(live.tick(t), replayed.tick(t), "tick at {}", t);
    Ok(())
}

/// The same command decides the same way, down to generated ids.
fn same_decisions(live: &Engine, replayed: &Engine, now: Instant) -> Result<(), TestCaseError> {
    for u in &PRINCIPALS[1..USERS] {
        for role in ROLES {
            let cmd = request_command(
                "assignment",
                json!({ "action": "selfActivate", "principalId": u, "roleDefinitionId": role,
                        "justification": "probe", "ticketInfo": { "ticketNumber": "1" } }),
            );
            let ctx = CallContext::user(u).with_mfa();
            prop_assert_eq!(
                live.execute(&cmd, &ctx, now).ok(),
                replayed.execute(&cmd, &ctx, now).ok()
            );
        }
    }
    Ok(())
}

fn same_answers(
    live: &Engine,
    replayed: &Engine,
    requests: &[String],
    now: Instant,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(live.clock(), replayed.clock());
    prop_assert_eq!(live.schedule_count(), replayed.schedule_count());
    prop_assert_eq!(live.audit_log(), replayed.audit_log());
    for offset in PROBES {
        same_answers_at(live, replayed, requests, now + minutes(offset))?;
    }
    for role in CHECK_ROLES {
        prop_assert_eq!(
            &live.policy(role, "/").rules,
            &replayed.policy(role, "/").rules
        );
    }
    same_decisions(live, replayed, now)
}

struct ReplayEquivalence {
    every: usize,
    steps: usize,
}

impl ReplayEquivalence {
    fn compare(w: &World) -> Result<(), TestCaseError> {
        // Through the wire, as a host would persist the log.
        let text = serde_json::to_string(&w.log).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed: Vec<Event> = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("log does not read back: {e}")))?;
        prop_assert!(parsed == w.log, "the log changes through JSON");
        let replayed = Engine::replay(&parsed)
            .map_err(|e| TestCaseError::fail(format!("replay failed: {e}")))?;
        same_answers(&w.engine, &replayed, &w.requests, w.now)
    }
}

impl Observer for ReplayEquivalence {
    fn after_step(&mut self, w: &World) -> Result<(), TestCaseError> {
        self.steps += 1;
        if self.steps.is_multiple_of(self.every) {
            Self::compare(w)?;
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn replay_gives_the_same_answers(t in tenant_strategy(), steps in steps_strategy(), every in 3..8usize) {
        let mut obs = ReplayEquivalence { every, steps: 0 };
        let w = drive(&t, &steps, &mut obs)?;
        ReplayEquivalence::compare(&w)?;
    }
}
