//! The steps a run is made of, and their strategies.

use proptest::prelude::*;

use super::tenant::{CALLERS, GROUPS, PRINCIPALS, PolicyGen, ROLES, USERS, policy_strategy};

#[derive(Debug, Clone)]
pub(crate) enum Expiry {
    Absent,
    Minutes(i64),
    /// `afterDateTime`, this many minutes after the requested start.
    EndAfter(i64),
    /// The role's maximum plus this many minutes.
    AtMax(i64),
    NoExpiration,
}

#[derive(Debug, Clone)]
pub(crate) enum Who {
    /// The request's own principal (self-approval attempts).
    Principal,
    Caller(usize),
    /// Someone the engine lists as an approver of a pending request (the request index then
    /// picks among those pairs).
    Approver,
}

#[derive(Debug, Clone)]
pub(crate) struct Activate {
    /// Activate one of the eligibilities in effect, picked by index; else the named triple.
    pub(crate) pick: Option<usize>,
    pub(crate) user: usize,
    pub(crate) role: usize,
    pub(crate) scope: usize,
    pub(crate) start: Option<i64>,
    pub(crate) expiry: Expiry,
    pub(crate) mfa: bool,
    pub(crate) justification: bool,
    pub(crate) ticket: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Deactivate {
    pub(crate) pick: Option<usize>,
    pub(crate) user: usize,
    pub(crate) role: usize,
    pub(crate) scope: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Decide {
    pub(crate) who: Who,
    pub(crate) request: usize,
    pub(crate) approve: bool,
    pub(crate) justification: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Cancel {
    pub(crate) who: Option<Who>,
    pub(crate) request: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct AdminAssign {
    pub(crate) eligible: bool,
    pub(crate) principal: usize,
    pub(crate) role: usize,
    pub(crate) scope: usize,
    pub(crate) start: Option<i64>,
    pub(crate) length: Option<i64>,
    pub(crate) caller: Option<usize>,
    pub(crate) justification: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct AdminRemove {
    pub(crate) pick: Option<usize>,
    pub(crate) eligible: bool,
    pub(crate) principal: usize,
    pub(crate) role: usize,
    pub(crate) scope: usize,
    pub(crate) caller: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct AdminChange {
    pub(crate) pick: Option<usize>,
    pub(crate) extend: bool,
    pub(crate) eligible: bool,
    pub(crate) principal: usize,
    pub(crate) role: usize,
    pub(crate) scope: usize,
    pub(crate) start: Option<i64>,
    pub(crate) end: i64,
    pub(crate) caller: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct SelfExtendOrRenew {
    pub(crate) pick: Option<usize>,
    pub(crate) renew: bool,
    pub(crate) eligible: bool,
    pub(crate) user: usize,
    pub(crate) role: usize,
    pub(crate) scope: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Membership {
    pub(crate) group: usize,
    pub(crate) member: usize,
    pub(crate) add: bool,
    pub(crate) caller: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct SetPolicy {
    pub(crate) role: usize,
    pub(crate) policy: PolicyGen,
    pub(crate) caller: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum Step {
    Activate(Activate),
    Deactivate(Deactivate),
    Decide(Decide),
    Cancel(Cancel),
    AdminAssign(AdminAssign),
    AdminRemove(AdminRemove),
    AdminChange(AdminChange),
    SelfExtendOrRenew(SelfExtendOrRenew),
    Membership(Membership),
    SetPolicy(SetPolicy),
    Advance { minutes: i64, tick: bool },
}

fn admin_caller() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![
        3 => Just(Some(0usize)),
        2 => Just(None),
        2 => (0..CALLERS).prop_map(Some),
    ]
}

fn role() -> std::ops::Range<usize> {
    0..ROLES.len()
}

fn scope() -> impl Strategy<Value = usize> + Clone {
    prop::bool::weighted(0.8).prop_map(|root| if root { 0usize } else { 1 })
}

fn pick() -> impl Strategy<Value = Option<usize>> {
    prop::option::weighted(0.8, any::<usize>())
}

fn expiry() -> impl Strategy<Value = Expiry> {
    prop_oneof![
        2 => Just(Expiry::Absent),
        3 => prop_oneof![0..=10i64, 25..=35i64, 55..=65i64, 1..=1500i64].prop_map(Expiry::Minutes),
        1 => (-10..=1500i64).prop_map(Expiry::EndAfter),
        2 => (-1..=1i64).prop_map(Expiry::AtMax),
        1 => Just(Expiry::NoExpiration),
    ]
}

fn activation_start() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        3 => Just(None),
        1 => (-600..=0i64).prop_map(Some),
        4 => (1..=600i64).prop_map(Some),
        1 => (29 * 1440..=31 * 1440i64).prop_map(Some),
    ]
}

fn activate() -> impl Strategy<Value = Step> {
    (
        pick(),
        1..USERS,
        role(),
        scope(),
        activation_start(),
        expiry(),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(pick, user, role, scope, start, expiry, mfa, justification, ticket)| {
                Step::Activate(Activate {
                    pick,
                    user,
                    role,
                    scope,
                    start,
                    expiry,
                    mfa,
                    justification,
                    ticket,
                })
            },
        )
}

fn decide() -> impl Strategy<Value = Step> {
    let decider = prop_oneof![2 => Just(Who::Principal), 3 => (0..CALLERS).prop_map(Who::Caller), 5 => Just(Who::Approver)];
    (
        decider,
        any::<usize>(),
        prop::bool::weighted(0.75),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(who, request, approve, justification)| {
            Step::Decide(Decide {
                who,
                request,
                approve,
                justification,
            })
        })
}

fn cancel() -> impl Strategy<Value = Step> {
    let canceller = prop_oneof![3 => Just(Who::Principal), 2 => (0..CALLERS).prop_map(Who::Caller)];
    (prop::option::weighted(0.85, canceller), any::<usize>())
        .prop_map(|(who, request)| Step::Cancel(Cancel { who, request }))
}

fn deactivate() -> impl Strategy<Value = Step> {
    (pick(), 1..USERS, role(), scope()).prop_map(|(pick, user, role, scope)| {
        Step::Deactivate(Deactivate {
            pick,
            user,
            role,
            scope,
        })
    })
}

fn admin_assign() -> impl Strategy<Value = Step> {
    (
        any::<bool>(),
        0..PRINCIPALS.len(),
        role(),
        scope(),
        prop::option::weighted(0.3, -60..=3000i64),
        prop::option::weighted(
            0.7,
            prop_oneof![1..=20i64, 60..=3000i64, 1440..=90 * 1440i64],
        ),
        admin_caller(),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(eligible, principal, role, scope, start, length, caller, justification)| {
                Step::AdminAssign(AdminAssign {
                    eligible,
                    principal,
                    role,
                    scope,
                    start,
                    length,
                    caller,
                    justification,
                })
            },
        )
}

fn admin_remove() -> impl Strategy<Value = Step> {
    (
        pick(),
        any::<bool>(),
        0..PRINCIPALS.len(),
        role(),
        scope(),
        admin_caller(),
    )
        .prop_map(|(pick, eligible, principal, role, scope, caller)| {
            Step::AdminRemove(AdminRemove {
                pick,
                eligible,
                principal,
                role,
                scope,
                caller,
            })
        })
}

fn admin_change() -> impl Strategy<Value = Step> {
    (
        pick(),
        any::<bool>(),
        prop::bool::weighted(0.7),
        0..PRINCIPALS.len(),
        role(),
        scope(),
        prop::option::weighted(0.4, -600..=3000i64),
        prop_oneof![-60..=600i64, 600..=20 * 1440i64],
        admin_caller(),
    )
        .prop_map(
            |(pick, extend, eligible, principal, role, scope, start, end, caller)| {
                Step::AdminChange(AdminChange {
                    pick,
                    extend,
                    eligible,
                    principal,
                    role,
                    scope,
                    start,
                    end,
                    caller,
                })
            },
        )
}

fn self_extend_or_renew() -> impl Strategy<Value = Step> {
    (
        pick(),
        any::<bool>(),
        any::<bool>(),
        1..USERS,
        role(),
        scope(),
    )
        .prop_map(|(pick, renew, eligible, user, role, scope)| {
            Step::SelfExtendOrRenew(SelfExtendOrRenew {
                pick,
                renew,
                eligible,
                user,
                role,
                scope,
            })
        })
}

fn membership() -> impl Strategy<Value = Step> {
    (0..GROUPS.len(), 0..CALLERS, any::<bool>(), admin_caller()).prop_map(
        |(group, member, add, caller)| {
            Step::Membership(Membership {
                group,
                member,
                add,
                caller,
            })
        },
    )
}

fn set_policy() -> impl Strategy<Value = Step> {
    (role(), policy_strategy(), admin_caller()).prop_map(|(role, policy, caller)| {
        Step::SetPolicy(SetPolicy {
            role,
            policy,
            caller,
        })
    })
}

fn advance() -> impl Strategy<Value = Step> {
    (
        prop_oneof![1..=10i64, 30..=600i64, 600..=3000i64, 1440..=10 * 1440i64],
        prop::bool::weighted(0.75),
    )
        .prop_map(|(minutes, tick)| Step::Advance { minutes, tick })
}

fn step_strategy() -> BoxedStrategy<Step> {
    prop_oneof![
        10 => activate(),
        5 => advance(),
        10 => decide(),
        4 => cancel(),
        2 => deactivate(),
        2 => admin_assign(),
        2 => admin_remove(),
        2 => admin_change(),
        1 => self_extend_or_renew(),
        2 => membership(),
        1 => set_policy(),
    ]
    .boxed()
}

pub(crate) fn steps_strategy() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step_strategy(), 1..36)
}
