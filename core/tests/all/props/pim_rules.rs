//! (f) pim's own rules hold whatever the steps: no activation ever overlaps a conflicting
//! active grant (separation of duties), and no rate-limit window ever holds more activations
//! than the role allows, nor does one start within the cool-down after another ends.

use pim_core::Instant;
use pim_core::event::{Event, SchedulePayload};
use pim_core::schedule::{AssignmentType, Origin, Schedule};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::steps::steps_strategy;
use super::tenant::tenant_strategy;
use super::world::{Observer, World, config, drive};

#[derive(Default)]
struct PimRules {
    activations: usize,
}

/// Whether either role's settings name the other as conflicting when active.
fn conflicting(w: &World, a: (&str, &str), b: (&str, &str)) -> bool {
    let names = |x: (&str, &str), y: &str| {
        w.engine
            .policy(x.0, x.1)
            .settings
            .active_conflicts
            .iter()
            .any(|r| r == y)
    };
    a.0 != b.0 && (names(a, b.0) || names(b, a.0))
}

/// The new activation overlaps no active grant of a conflicting role held by the principal or
/// a group it is in, from the moment it is created.
fn check_duties(w: &World, s: &SchedulePayload, at: Instant) -> Result<(), TestCaseError> {
    let from = s.start_date_time.max(at);
    let end = s.end_date_time;
    let mut holders = w.shadow.groups_of(&s.principal_id);
    holders.insert(s.principal_id.clone());
    let clash = w.shadow.schedules.values().find(|o| {
        o.kind == AssignmentType::Active
            && holders.contains(&o.principal_id)
            && end.is_none_or(|e| o.start_date_time < e)
            && o.end_date_time.is_none_or(|e| from < e)
            && conflicting(
                w,
                (&s.role_definition_id, &s.scope),
                (&o.role_definition_id, &o.scope),
            )
    });
    prop_assert!(
        clash.is_none(),
        "activation {} of {} overlaps the conflicting grant {:?}",
        s.id,
        s.role_definition_id,
        clash.map(|o| (&o.id, &o.role_definition_id))
    );
    Ok(())
}

/// The principal's earlier activations of the role that took effect, at any scope.
fn past_starts<'a>(w: &'a World, s: &SchedulePayload) -> Vec<&'a Schedule> {
    w.shadow
        .schedules
        .values()
        .filter(|o| {
            o.origin == Origin::Activated
                && o.principal_id == s.principal_id
                && o.role_definition_id == s.role_definition_id
                && o.end_date_time.is_some_and(|e| o.start_date_time < e)
        })
        .collect()
}

/// Counted from both ends: any two starts less than a window apart that enclose the new start
/// enclose at most the maximum; and no other activation ends less than the cool-down before
/// it starts.
fn check_rate(w: &World, s: &SchedulePayload) -> Result<(), TestCaseError> {
    let rule = &w
        .engine
        .policy(&s.role_definition_id, &s.scope)
        .settings
        .rate_limit;
    let past = past_starts(w, s);
    let mut starts: Vec<Instant> = past.iter().map(|o| o.start_date_time).collect();
    starts.push(s.start_date_time);
    if let Some(max) = rule.maximum_activations {
        let window = rule.window_duration.delta();
        for a in &starts {
            for b in &starts {
                let encloses = a <= b && *b - *a < window;
                if !encloses || s.start_date_time < *a || s.start_date_time > *b {
                    continue;
                }
                let inside = starts.iter().filter(|t| a <= *t && *t <= b).count();
                prop_assert!(
                    inside <= max as usize,
                    "activation {}: {inside} starts within {a}..={b}, over the maximum {max}",
                    s.id
                );
            }
        }
    }
    let cool = rule.cool_down_duration.delta();
    for o in past {
        let end = o.end_date_time.unwrap_or(o.start_date_time);
        prop_assert!(
            end > s.start_date_time || s.start_date_time - end >= cool,
            "activation {} starts {} after {} ended, within the cool-down",
            s.id,
            s.start_date_time - end,
            o.id
        );
    }
    Ok(())
}

impl Observer for PimRules {
    fn before_apply(&mut self, w: &World, e: &Event) -> Result<(), TestCaseError> {
        match e {
            Event::ScheduleCreated {
                schedule: s, at, ..
            } if s.origin == Origin::Activated => {
                self.activations += 1;
                check_duties(w, s, *at)?;
                check_rate(w, s)
            }
            _ => Ok(()),
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn no_activation_breaks_separation_of_duties_or_a_rate_limit(t in tenant_strategy(), steps in steps_strategy()) {
        let mut obs = PimRules::default();
        drive(&t, &steps, &mut obs)?;
    }
}
