//! Minimal cases the properties found, kept as plain tests.

use pim_core::event::Event;
use pim_core::request::Status;
use pim_core::schedule::{AssignmentType, Origin};

use super::steps::{Activate, AdminChange, Cancel, Decide, Expiry, SetPolicy, Step, Who};
use super::tenant::{Approvers, EXCHANGE, PolicyGen, Seed, StageGen, Tenant, USERS, minutes};
use super::world::{NoObserver, drive};

/// One user (`u1`) eligible for Exchange Administrator at `/`, permanently; `u0` is the Global
/// Administrator.
fn one_eligibility(policy: Option<PolicyGen>) -> Tenant {
    Tenant {
        g0_members: vec![false; USERS],
        g1_members: vec![false; USERS],
        g1_contains_sp0: false,
        pra_user: None,
        seeds: vec![Seed {
            eligible: true,
            principal: 1,
            role: 0,
            scope: 0,
            start: -60,
            length: None,
        }],
        policies: vec![policy, None, None],
    }
}

fn simple_policy(max_minutes: i64, approval: bool) -> PolicyGen {
    PolicyGen {
        max_minutes,
        mfa: false,
        justification: false,
        ticket: false,
        approval: approval.then(|| {
            (
                false,
                vec![StageGen {
                    timeout_days: 1,
                    approver_justification: false,
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
    }
}

fn activate_u1(start: Option<i64>, expiry: Expiry) -> Step {
    Step::Activate(Activate {
        pick: None,
        user: 1,
        role: 0,
        scope: 0,
        start,
        expiry,
        mfa: true,
        justification: true,
        ticket: false,
    })
}

fn u0_approves() -> Step {
    Step::Decide(Decide {
        who: Who::Caller(0),
        request: 0,
        approve: true,
        justification: true,
    })
}

/// Found by (b): canceling an approved activation that starts later (`Granted`) marks the request
/// `Canceled` but leaves its activation schedule, which then starts as planned.
#[test]
fn canceling_an_approved_future_activation_stops_it() {
    let steps = vec![
        activate_u1(Some(120), Expiry::Minutes(60)),
        u0_approves(),
        Step::Cancel(Cancel {
            who: Some(Who::Principal),
            request: 0,
        }),
    ];
    let w = drive(
        &one_eligibility(Some(simple_policy(240, true))),
        &steps,
        &mut NoObserver,
    )
    .expect("runs");
    let id = w.requests.first().expect("a request");
    assert_eq!(
        w.engine.request(id, w.now).map(|r| r.status),
        Some(Status::Canceled)
    );
    let during = w.now + minutes(150);
    let c = w.engine.check("u1", EXCHANGE, "/", during);
    assert!(
        !c.active,
        "the canceled activation is active at {during}: {c:?}"
    );
}

/// Found by (b): `adminUpdate` moving an eligibility's start later leaves a running activation of
/// it in place, so the role is active while no eligibility is in effect.
#[test]
fn moving_an_eligibility_later_ends_its_running_activation() {
    let steps = vec![
        activate_u1(None, Expiry::Minutes(240)),
        Step::Advance {
            minutes: 10,
            tick: true,
        },
        Step::AdminChange(AdminChange {
            pick: None,
            extend: false,
            eligible: true,
            principal: 1,
            role: 0,
            scope: 0,
            start: Some(24 * 60),
            end: 30 * 24 * 60,
            caller: Some(0),
        }),
    ];
    let w = drive(&one_eligibility(None), &steps, &mut NoObserver).expect("runs");
    let moved = w.log.iter().any(|e| {
        matches!(e, Event::ScheduleUpdated { schedule_id, .. }
            if w.shadow.schedules.get(schedule_id).is_some_and(|s| s.kind == AssignmentType::Eligible))
    });
    assert!(moved, "the eligibility was updated");
    let c = w.engine.check("u1", EXCHANGE, "/", w.now);
    assert!(
        !c.active,
        "u1 is active while their only eligibility starts tomorrow: {c:?}"
    );
}

/// Found by (a): a pending request approved after the role's activation maximum was lowered is
/// granted its full requested length, over the maximum in force when it is granted.
#[test]
fn approval_after_the_maximum_is_lowered_respects_the_new_maximum() {
    let steps = vec![
        activate_u1(None, Expiry::Minutes(120)),
        Step::SetPolicy(SetPolicy {
            role: 0,
            policy: simple_policy(60, true),
            caller: Some(0),
        }),
        u0_approves(),
    ];
    let w = drive(
        &one_eligibility(Some(simple_policy(240, true))),
        &steps,
        &mut NoObserver,
    )
    .expect("runs");
    let granted = w.log.iter().find_map(|e| match e {
        Event::ScheduleCreated { schedule, .. } if schedule.origin == Origin::Activated => schedule
            .end_date_time
            .map(|end| end - schedule.start_date_time),
        _ => None,
    });
    assert!(granted.is_some(), "the activation was granted");
    assert!(
        granted <= Some(minutes(60)),
        "granted {} minutes under a 60-minute maximum",
        granted.unwrap_or_default().num_minutes()
    );
}
