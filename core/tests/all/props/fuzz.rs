//! (e) No input makes the parser or the engine panic.

use chrono::TimeDelta;
use pim_core::Query;
use pim_core::event::Event;
use pim_core::time::parse_instant;
use pim_core::wire::PolicyRule;
use pim_core::{
    ActivationDecision, ActivationInput, CallContext, Command, EligibilityWindow, Engine,
    GLOBAL_ADMINISTRATOR, Instant, IsoDuration, RoleSettings, evaluate_activation,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

use super::fixtures::{populated, populated_world, scenario_files, templates};
use super::fuzz_input::{
    ODD_STRINGS, ctx_strategy, instant_strategy, mutate, mutation_strategy, odd_string,
    value_strategy,
};
use super::tenant::{
    Approvers, CHECK_ROLES, EXCHANGE, PRINCIPALS, PolicyGen, StageGen, minutes, pick_at,
    policy_rules, start,
};
use super::world::config;

/// Executes a command on the fixture; whatever comes out must apply cleanly and leave the engine
/// answering questions.
fn exercise(
    engine: &Engine,
    cmd: &Command,
    ctx: &CallContext,
    now: Instant,
) -> Result<(), TestCaseError> {
    let Ok(outcome) = engine.execute(cmd, ctx, now) else {
        return Ok(());
    };
    let mut after = engine.clone();
    for e in &outcome.events {
        if let Err(err) = after.apply(e) {
            return Err(TestCaseError::fail(format!(
                "emitted event does not apply: {err}: {e:?}"
            )));
        }
    }
    let later = now.checked_add_signed(TimeDelta::days(400)).unwrap_or(now);
    for e in after.tick(later) {
        if let Err(err) = after.apply(&e) {
            return Err(TestCaseError::fail(format!(
                "tick event does not apply: {err}: {e:?}"
            )));
        }
    }
    for p in PRINCIPALS {
        for role in CHECK_ROLES {
            let _ = after.check(p, role, "/", now);
            let _ = after.check(p, role, "/", later);
        }
        let _ = after.eligible_roles(p, now);
        let _ = after.pending_approvals(p, now);
    }
    Ok(())
}

/// The settings of a generated policy with justification required and, optionally, one
/// approval stage.
fn stateless_settings(max: i64, mfa: bool, approval: bool) -> pim_core::policy::Policy {
    let mut policy = pim_core::policy::Policy::default();
    let generated = PolicyGen {
        max_minutes: max,
        mfa,
        justification: true,
        ticket: false,
        approval: approval.then(|| {
            (
                true,
                vec![StageGen {
                    timeout_days: 1,
                    approver_justification: true,
                    approvers: Approvers::Default,
                }],
            )
        }),
        eligibility_max_days: None,
        assignment_max_days: None,
        admin_justification: false,
        rate_limit: None,
        conflict: None,
        window: None,
    };
    let rules: Vec<PolicyRule> =
        serde_json::from_value(policy_rules(&generated)).expect("rules parse");
    if let Ok(p) = pim_core::policy::Policy::updated(None, EXCHANGE, "/", None, &rules) {
        policy = p;
    }
    policy
}

/// A granted activation lies within the maximum and the eligibility; a refusal says why.
fn decision_holds(
    d: &ActivationDecision,
    eligibility: &EligibilityWindow,
    max: i64,
) -> Result<(), TestCaseError> {
    if d.status.is_some() {
        let length = d.end_date_time.signed_duration_since(d.start_date_time);
        prop_assert!(
            length <= minutes(max),
            "granted {} min over a {} min maximum",
            length.num_minutes(),
            max
        );
        prop_assert!(length >= minutes(5), "granted under 5 minutes");
        prop_assert!(
            eligibility
                .end_date_time
                .is_none_or(|e| d.end_date_time <= e),
            "granted past the eligibility"
        );
        prop_assert!(
            d.start_date_time >= eligibility.start_date_time,
            "granted before the eligibility"
        );
        prop_assert!(d.error.is_none());
    } else {
        prop_assert!(d.error.is_some());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn arbitrary_text_never_panics(text in prop_oneof!["\\PC{0,200}", "[\\[\\]{}:,\"a-zA-Z0-9 .+TZP-]{0,120}"]) {
        let _ = serde_json::from_str::<Command>(&text);
        let _ = serde_json::from_str::<Query>(&text);
        let _ = serde_json::from_str::<Event>(&text);
        let _ = serde_json::from_str::<ActivationInput>(&text);
        let _ = pim_core::scenario::run_json(&text);
        if let Ok(d) = text.parse::<IsoDuration>() {
            prop_assert!(d.0 >= TimeDelta::zero() && d.0 <= TimeDelta::days(100 * 366));
        }
        let _ = parse_instant(&text);
    }

    #[test]
    fn durations_parse_or_refuse_without_panicking(text in "[-+]?[Pp][0-9TtHMSDWY.,]{0,24}") {
        if let Ok(d) = text.parse::<IsoDuration>() {
            prop_assert!(d.0 >= TimeDelta::zero(), "{} parsed negative", text);
            prop_assert!(d.0 <= TimeDelta::days(100 * 366), "{} parsed beyond 100 years", text);
            prop_assert!(!text.starts_with('-'), "{} is negative yet accepted", text);
        }
    }

    #[test]
    fn random_values_never_panic(v in value_strategy(), op in prop::sample::select(ODD_STRINGS), ctx in ctx_strategy(), now in instant_strategy()) {
        let engine = populated();
        let mut with_op = v.clone();
        if let Value::Object(m) = &mut with_op {
            m.insert("op".into(), json!(op));
        }
        for value in [v, with_op] {
            let _ = serde_json::from_value::<Query>(value.clone()).map(|q| engine.query(&q, now));
            if let Ok(cmd) = serde_json::from_value::<Command>(value) {
                exercise(&engine, &cmd, &ctx, now)?;
            }
        }
    }

    #[test]
    fn mutated_commands_never_panic(
        template in any::<usize>(),
        mutations in prop::collection::vec(mutation_strategy(), 0..4),
        ctx in ctx_strategy(),
        now in prop_oneof![4 => (0i64..=2000).prop_map(|m| start() + minutes(m)), 1 => instant_strategy()],
    ) {
        let all = templates();
        let v = mutate(all[pick_at(&template, all.len())].clone(), &mutations);
        let engine = populated();
        let text = v.to_string();
        let parsed = serde_json::from_str::<Command>(&text);
        prop_assert_eq!(parsed.is_ok(), serde_json::from_value::<Command>(v).is_ok());
        if let Ok(cmd) = parsed {
            exercise(&engine, &cmd, &ctx, now)?;
            exercise(&Engine::new(), &cmd, &ctx, now)?;
        }
    }

    #[test]
    fn mutated_scenarios_never_panic(
        file in any::<usize>(),
        mutations in prop::collection::vec(mutation_strategy(), 0..5),
        cut in any::<usize>(),
    ) {
        let files = scenario_files();
        let original = &files[pick_at(&file, files.len())];
        let seed: Value = serde_json::from_str(original).expect("scenario files parse as JSON");
        let text = mutate(seed, &mutations).to_string();
        let report = pim_core::scenario::run_json(&text);
        prop_assert!(report.passed + report.failed == report.steps.len());
        // A truncated file is refused, not a crash.
        let cut = pick_at(&cut, original.len());
        if original.is_char_boundary(cut) {
            let _ = pim_core::scenario::run_json(&original[..cut]);
        }
    }

    #[test]
    fn scenarios_with_odd_clocks_never_panic(
        begin in odd_string(),
        moves in prop::collection::vec((any::<bool>(), odd_string()), 1..8),
    ) {
        let steps: Vec<Value> = moves
            .iter()
            .flat_map(|(at, text)| {
                let clock = if *at { json!({ "at": text }) } else { json!({ "advance": text }) };
                [clock, json!({ "check": { "principalId": "u1", "roleDefinitionId": EXCHANGE } })]
            })
            .collect();
        let file = json!({
            "name": "odd clocks", "start": begin,
            "directory": { "users": [{ "id": "u0" }, { "id": "u1" }],
                           "assignments": [{ "type": "active", "principalId": "u0", "roleDefinitionId": GLOBAL_ADMINISTRATOR },
                                           { "type": "eligible", "principalId": "u1", "roleDefinitionId": EXCHANGE,
                                             "endDateTime": "9999-12-31T23:59:59Z" }] },
            "steps": steps,
        });
        let _ = pim_core::scenario::run_json(&file.to_string());
    }

    #[test]
    fn corrupt_events_are_refused_not_panicked_on(which in any::<usize>(), mutations in prop::collection::vec(mutation_strategy(), 1..4)) {
        // Corrupt one event of a real log and apply it to the state that log built.
        let w = populated_world();
        let original = serde_json::to_value(&w.log[pick_at(&which, w.log.len())]).expect("events serialize");
        let v = mutate(original, &mutations);
        if let Ok(e) = serde_json::from_value::<Event>(v) {
            let mut copy = w.engine.clone();
            let before = format!("{:?}", copy);
            if copy.apply(&e).is_err() {
                prop_assert_eq!(before, format!("{:?}", copy), "a refused event changed the engine: {:?}", e);
            }
            for t in [w.now, w.now + TimeDelta::days(3), w.now + TimeDelta::days(400)] {
                let _ = copy.tick(t);
                for p in PRINCIPALS {
                    let _ = copy.check(p, EXCHANGE, "/", t);
                    let _ = copy.eligible_roles(p, t);
                }
            }
        }
    }

    #[test]
    fn stateless_evaluation_never_panics(
        max in 30i64..=1440,
        mfa in any::<bool>(),
        approval in any::<bool>(),
        elig_start in instant_strategy(),
        elig_len in prop::option::of(prop_oneof![0i64..=100_000, Just(i64::MAX / 1_000_000)]),
        start_at in prop::option::of(instant_strategy()),
        expiry in prop_oneof![
            Just(json!(null)),
            odd_string().prop_map(|d| json!({ "type": "afterDuration", "duration": d })),
            instant_strategy().prop_map(|t| json!({ "type": "afterDateTime", "endDateTime": pim_core::time::format_instant(&t) })),
            Just(json!({ "type": "noExpiration" })),
        ],
        now in instant_strategy(),
        ctx in ctx_strategy(),
    ) {
        let policy = stateless_settings(max, mfa, approval);
        let settings: &RoleSettings = &policy.settings;
        prop_assert_eq!(settings.activation.maximum, minutes(max));
        let eligibility = EligibilityWindow {
            start_date_time: elig_start,
            end_date_time: elig_len.and_then(|l| elig_start.checked_add_signed(TimeDelta::try_minutes(l)?)),
        };
        let mut info = json!({});
        if let Some(s) = start_at {
            info["startDateTime"] = json!(pim_core::time::format_instant(&s));
        }
        if !expiry.is_null() {
            info["expiration"] = expiry;
        }
        let Ok(input) = serde_json::from_value::<ActivationInput>(json!({ "scheduleInfo": info, "justification": "j" })) else {
            return Ok(());
        };
        if let Ok(d) = evaluate_activation(settings, &eligibility, &input, &ctx, now) {
            decision_holds(&d, &eligibility, max)?;
        }
    }
}

#[test]
fn every_fuzz_template_is_a_valid_command() {
    for t in templates() {
        assert!(
            serde_json::from_value::<Command>(t.clone()).is_ok(),
            "template does not parse: {t}"
        );
    }
}
