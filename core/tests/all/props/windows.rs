//! (a) Granted activation windows stay within the role's maximum and the eligibility.

use pim_core::Instant;
use pim_core::event::{Event, SchedulePayload};
use pim_core::schedule::{AssignmentType, Origin, scope_covers};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::steps::steps_strategy;
use super::tenant::{minutes, tenant_strategy};
use super::world::{Observer, World, config, drive};

struct WindowBounds {
    activations: usize,
}

/// A new activation's length: within the maximum in force now and when it was requested, at
/// least five minutes, and not started in the past.
fn check_length(w: &World, s: &SchedulePayload, at: &Instant) -> Result<(), TestCaseError> {
    let max = w
        .engine
        .policy(&s.role_definition_id, &s.scope)
        .settings
        .activation
        .maximum;
    let end = s.end_date_time;
    prop_assert!(end.is_some(), "activation {} is permanent", s.id);
    let end = end.unwrap_or(s.start_date_time);
    let length = end.signed_duration_since(s.start_date_time);
    prop_assert!(
        length <= max,
        "activation {} lasts {} min, over the {} min maximum in force at {at}",
        s.id,
        length.num_minutes(),
        max.num_minutes()
    );
    if let Some(req) = &s.request_id
        && let Some(at_request) = w.max_at_request.get(req.as_str())
    {
        prop_assert!(
            length <= *at_request,
            "activation {} lasts {} min, over the {} min maximum when requested",
            s.id,
            length.num_minutes(),
            at_request.num_minutes()
        );
    }
    prop_assert!(
        length >= minutes(5),
        "activation {} lasts under 5 minutes ({}s)",
        s.id,
        length.num_seconds()
    );
    prop_assert!(
        s.start_date_time >= *at - minutes(1),
        "activation {} starts in the past",
        s.id
    );
    Ok(())
}

/// A new activation stands on a known eligibility of the same role, held by the principal or
/// by a group it is in, whose window contains the activation's.
fn check_eligibility(w: &World, s: &SchedulePayload) -> Result<(), TestCaseError> {
    let end = s.end_date_time.unwrap_or(s.start_date_time);
    let elig_id = s.activated_using.as_deref().unwrap_or_default();
    let elig = w.shadow.schedules.get(elig_id);
    prop_assert!(
        elig.is_some(),
        "activation {} names no known eligibility ({elig_id})",
        s.id
    );
    let elig = elig.expect("checked");
    prop_assert_eq!(elig.kind, AssignmentType::Eligible);
    prop_assert_eq!(&elig.role_definition_id, &s.role_definition_id);
    prop_assert!(scope_covers(&elig.scope, &s.scope));
    prop_assert!(
        elig.start_date_time <= s.start_date_time,
        "activation {} starts {} before its eligibility {} starts {}",
        s.id,
        s.start_date_time,
        elig.id,
        elig.start_date_time
    );
    prop_assert!(
        elig.end_date_time.is_none_or(|e| end <= e),
        "activation {} ends {end} after its eligibility {} ends {:?}",
        s.id,
        elig.id,
        elig.end_date_time
    );
    let holder = s.via_group.as_deref().unwrap_or(&s.principal_id);
    prop_assert_eq!(&elig.principal_id, holder);
    if let Some(g) = &s.via_group {
        prop_assert!(
            w.shadow.groups_of(&s.principal_id).contains(g),
            "activation {} through {g}, which {} is not in",
            s.id,
            s.principal_id
        );
    }
    Ok(())
}

/// An activation is only ever cut short, never lengthened or moved.
fn check_update(
    w: &World,
    schedule_id: &str,
    start_date_time: &Instant,
    end_date_time: &Option<Instant>,
) -> Result<(), TestCaseError> {
    let Some(old) = w.shadow.schedules.get(schedule_id) else {
        return Err(TestCaseError::fail(format!(
            "update of unknown schedule {schedule_id}"
        )));
    };
    if old.origin == Origin::Activated {
        prop_assert!(
            end_date_time.is_some() && *end_date_time <= old.end_date_time,
            "activation {schedule_id} lengthened from {:?} to {:?}",
            old.end_date_time,
            end_date_time
        );
        prop_assert!(*start_date_time >= old.start_date_time);
    }
    Ok(())
}

impl Observer for WindowBounds {
    fn before_apply(&mut self, w: &World, e: &Event) -> Result<(), TestCaseError> {
        match e {
            Event::ScheduleCreated {
                schedule: s, at, ..
            } if s.origin == Origin::Activated => {
                self.activations += 1;
                check_length(w, s, at)?;
                check_eligibility(w, s)
            }
            Event::ScheduleUpdated {
                schedule_id,
                start_date_time,
                end_date_time,
                ..
            } => check_update(w, schedule_id, start_date_time, end_date_time),
            _ => Ok(()),
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn activation_windows_stay_within_maximum_and_eligibility(t in tenant_strategy(), steps in steps_strategy()) {
        let mut obs = WindowBounds { activations: 0 };
        drive(&t, &steps, &mut obs)?;
    }
}
