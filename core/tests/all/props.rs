//! Property tests: random command sequences against a small random tenant, checked against a
//! shadow model kept from the event log; plus parser and engine robustness on arbitrary input.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use pim_core::engine::Query;
use pim_core::event::Event;
use pim_core::request::Status;
use pim_core::schedule::{AssignmentType, Origin, Schedule, scope_covers};
use pim_core::time::parse_instant;
use pim_core::wire::PolicyRule;
use pim_core::{
    ActivationInput, CallContext, Command, EligibilityWindow, Engine, ErrorCode,
    GLOBAL_ADMINISTRATOR, Instant, IsoDuration, Outcome, PRIVILEGED_ROLE_ADMINISTRATOR,
    RoleSettings, evaluate_activation,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

// ------------------------------------------------------------------------------------------------
// The tenant
// ------------------------------------------------------------------------------------------------

const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

/// Roles that steps act on; PRA is among them so that who is an administrator changes.
const ROLES: [&str; 3] = [EXCHANGE, USER_ADMIN, PRIVILEGED_ROLE_ADMINISTRATOR];
/// Roles that checks ask about.
const CHECK_ROLES: [&str; 4] = [
    EXCHANGE,
    USER_ADMIN,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
];
/// Users, a service principal, two role-assignable groups (`g1` may contain `g0`).
const PRINCIPALS: [&str; 8] = ["u0", "u1", "u2", "u3", "u4", "sp0", "g0", "g1"];
const USERS: usize = 5;
/// Callers: the users and the service principal.
const CALLERS: usize = 6;
const GROUPS: [&str; 2] = ["g0", "g1"];
/// Scopes assignments and activations are made at.
const SCOPES: [&str; 2] = ["/", "/administrativeUnits/au1"];
/// Scopes checks ask about.
const CHECK_SCOPES: [&str; 4] = [
    "/",
    "/administrativeUnits/au1",
    "/administrativeUnits/au1/users/x",
    "/administrativeUnits/au2",
];

fn start() -> Instant {
    parse_instant("2026-03-02T09:00:00Z").expect("valid instant")
}

/// The element a generated index picks among `len` (shrinks towards the first).
fn pick_at(i: &usize, len: usize) -> usize {
    i % len
}

fn minutes(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

#[derive(Debug, Clone)]
struct Seed {
    eligible: bool,
    principal: usize,
    role: usize,
    scope: usize,
    /// Start, in minutes relative to the tenant's start.
    start: i64,
    /// Length in minutes; `None` is permanent.
    length: Option<i64>,
}

#[derive(Debug, Clone)]
enum Approvers {
    Default,
    User(usize),
    Group0,
}

#[derive(Debug, Clone)]
struct StageGen {
    timeout_days: i32,
    approver_justification: bool,
    approvers: Approvers,
}

#[derive(Debug, Clone)]
struct PolicyGen {
    max_minutes: i64,
    mfa: bool,
    justification: bool,
    ticket: bool,
    /// `None`: no approval. Else: requestor justification required, and one or two stages.
    approval: Option<(bool, Vec<StageGen>)>,
    /// Eligible assignments must expire within this many days.
    eligibility_max_days: Option<i64>,
    /// Active assignments must expire within this many days.
    assignment_max_days: Option<i64>,
    admin_justification: bool,
}

#[derive(Debug, Clone)]
struct Tenant {
    g0_members: Vec<bool>,
    g1_members: Vec<bool>,
    g1_contains_g0: bool,
    /// A user (other than `u0`, the Global Administrator) who holds PRA permanently.
    pra_user: Option<usize>,
    seeds: Vec<Seed>,
    policies: Vec<Option<PolicyGen>>,
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

fn policy_strategy() -> impl Strategy<Value = PolicyGen> {
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

fn tenant_strategy() -> impl Strategy<Value = Tenant> {
    (
        prop::collection::vec(any::<bool>(), USERS),
        prop::collection::vec(prop::bool::weighted(0.3), USERS),
        any::<bool>(),
        prop::option::of(1..USERS),
        prop::collection::vec(seed_strategy(), 3..14),
        prop::collection::vec(prop::option::weighted(0.8, policy_strategy()), ROLES.len()),
    )
        .prop_map(
            |(g0_members, g1_members, g1_contains_g0, pra_user, seeds, policies)| Tenant {
                g0_members,
                g1_members,
                g1_contains_g0,
                pra_user,
                seeds,
                policies,
            },
        )
}

fn policy_rules(p: &PolicyGen) -> Value {
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
    let approval = match &p.approval {
        None => json!({ "isApprovalRequired": false }),
        Some((requestor_justification, stages)) => {
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
    };
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
          "id": "Approval_EndUser_Assignment", "setting": approval },
        expiration("Expiration_Admin_Eligibility", p.eligibility_max_days),
        expiration("Expiration_Admin_Assignment", p.assignment_max_days),
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
          "id": "Enablement_Admin_Assignment",
          "enabledRules": if p.admin_justification { vec!["Justification"] } else { Vec::new() } },
    ])
}

fn set_policy_command(role: &str, p: &PolicyGen) -> Command {
    serde_json::from_value(json!({
        "op": "setPolicy", "roleDefinitionId": role, "scopeId": "/", "rules": policy_rules(p)
    }))
    .expect("generated policy parses")
}

fn import_command(t: &Tenant) -> Command {
    let members = |flags: &[bool]| -> Vec<&str> {
        flags
            .iter()
            .enumerate()
            .filter(|(_, f)| **f)
            .map(|(i, _)| PRINCIPALS[i])
            .collect()
    };
    let mut g1 = members(&t.g1_members);
    if t.g1_contains_g0 {
        g1.push("g0");
    }
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
    serde_json::from_value(json!({
        "op": "importDirectory",
        "directory": {
            "users": (0..USERS).map(|i| json!({ "id": PRINCIPALS[i] })).collect::<Vec<_>>(),
            "servicePrincipals": [{ "id": "sp0" }],
            "groups": [
                { "id": "g0", "isRoleAssignable": true, "members": members(&t.g0_members) },
                { "id": "g1", "isRoleAssignable": true, "members": g1 },
            ],
            "assignments": assignments,
        }
    }))
    .expect("generated directory parses")
}

// ------------------------------------------------------------------------------------------------
// Steps
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Expiry {
    Absent,
    Minutes(i64),
    /// `afterDateTime`, this many minutes after the requested start.
    EndAfter(i64),
    /// The role's maximum plus this many minutes.
    AtMax(i64),
    NoExpiration,
}

#[derive(Debug, Clone)]
enum Who {
    /// The request's own principal (self-approval attempts).
    Principal,
    Caller(usize),
    /// Someone the engine lists as an approver of a pending request (the request index then
    /// picks among those pairs).
    Approver,
}

#[derive(Debug, Clone)]
enum Step {
    Activate {
        /// Activate one of the eligibilities in effect, picked by index; else the named triple.
        pick: Option<usize>,
        user: usize,
        role: usize,
        scope: usize,
        start: Option<i64>,
        expiry: Expiry,
        mfa: bool,
        justification: bool,
        ticket: bool,
    },
    Deactivate {
        pick: Option<usize>,
        user: usize,
        role: usize,
        scope: usize,
    },
    Decide {
        who: Who,
        request: usize,
        approve: bool,
        justification: bool,
    },
    Cancel {
        who: Option<Who>,
        request: usize,
    },
    AdminAssign {
        eligible: bool,
        principal: usize,
        role: usize,
        scope: usize,
        start: Option<i64>,
        length: Option<i64>,
        caller: Option<usize>,
        justification: bool,
    },
    AdminRemove {
        pick: Option<usize>,
        eligible: bool,
        principal: usize,
        role: usize,
        scope: usize,
        caller: Option<usize>,
    },
    AdminChange {
        pick: Option<usize>,
        extend: bool,
        eligible: bool,
        principal: usize,
        role: usize,
        scope: usize,
        start: Option<i64>,
        end: i64,
        caller: Option<usize>,
    },
    SelfExtendOrRenew {
        pick: Option<usize>,
        renew: bool,
        eligible: bool,
        user: usize,
        role: usize,
        scope: usize,
    },
    Membership {
        group: usize,
        member: usize,
        add: bool,
        caller: Option<usize>,
    },
    SetPolicy {
        role: usize,
        policy: PolicyGen,
        caller: Option<usize>,
    },
    Advance {
        minutes: i64,
        tick: bool,
    },
}

fn admin_caller() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![
        3 => Just(Some(0usize)),
        2 => Just(None),
        2 => (0..CALLERS).prop_map(Some),
    ]
}

fn step_strategy() -> BoxedStrategy<Step> {
    let role = 0..ROLES.len();
    let scope = prop::bool::weighted(0.8).prop_map(|root| if root { 0usize } else { 1 });
    let expiry = prop_oneof![
        2 => Just(Expiry::Absent),
        3 => prop_oneof![0..=10i64, 25..=35i64, 55..=65i64, 1..=1500i64].prop_map(Expiry::Minutes),
        1 => (-10..=1500i64).prop_map(Expiry::EndAfter),
        2 => (-1..=1i64).prop_map(Expiry::AtMax),
        1 => Just(Expiry::NoExpiration),
    ];
    let activation_start = prop_oneof![
        3 => Just(None),
        1 => (-600..=0i64).prop_map(Some),
        4 => (1..=600i64).prop_map(Some),
        1 => (29 * 1440..=31 * 1440i64).prop_map(Some),
    ];
    let pick = || prop::option::weighted(0.8, any::<usize>());
    let activate = (
        pick(),
        1..USERS,
        role.clone(),
        scope.clone(),
        activation_start,
        expiry,
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(pick, user, role, scope, start, expiry, mfa, justification, ticket)| Step::Activate {
                pick,
                user,
                role,
                scope,
                start,
                expiry,
                mfa,
                justification,
                ticket,
            },
        );
    let decider = prop_oneof![2 => Just(Who::Principal), 3 => (0..CALLERS).prop_map(Who::Caller), 5 => Just(Who::Approver)];
    let decide = (
        decider,
        any::<usize>(),
        prop::bool::weighted(0.75),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(who, request, approve, justification)| Step::Decide {
            who,
            request,
            approve,
            justification,
        });
    let canceller = prop_oneof![3 => Just(Who::Principal), 2 => (0..CALLERS).prop_map(Who::Caller)];
    let cancel = (prop::option::weighted(0.85, canceller), any::<usize>())
        .prop_map(|(who, request)| Step::Cancel { who, request });
    let deactivate =
        (pick(), 1..USERS, role.clone(), scope.clone()).prop_map(|(pick, user, role, scope)| {
            Step::Deactivate {
                pick,
                user,
                role,
                scope,
            }
        });
    let assign = (
        any::<bool>(),
        0..PRINCIPALS.len(),
        role.clone(),
        scope.clone(),
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
                Step::AdminAssign {
                    eligible,
                    principal,
                    role,
                    scope,
                    start,
                    length,
                    caller,
                    justification,
                }
            },
        );
    let remove = (
        pick(),
        any::<bool>(),
        0..PRINCIPALS.len(),
        role.clone(),
        scope.clone(),
        admin_caller(),
    )
        .prop_map(
            |(pick, eligible, principal, role, scope, caller)| Step::AdminRemove {
                pick,
                eligible,
                principal,
                role,
                scope,
                caller,
            },
        );
    let change = (
        pick(),
        any::<bool>(),
        prop::bool::weighted(0.7),
        0..PRINCIPALS.len(),
        role.clone(),
        scope.clone(),
        prop::option::weighted(0.4, -600..=3000i64),
        prop_oneof![-60..=600i64, 600..=20 * 1440i64],
        admin_caller(),
    )
        .prop_map(
            |(pick, extend, eligible, principal, role, scope, start, end, caller)| {
                Step::AdminChange {
                    pick,
                    extend,
                    eligible,
                    principal,
                    role,
                    scope,
                    start,
                    end,
                    caller,
                }
            },
        );
    let self_extend = (
        pick(),
        any::<bool>(),
        any::<bool>(),
        1..USERS,
        role.clone(),
        scope,
    )
        .prop_map(
            |(pick, renew, eligible, user, role, scope)| Step::SelfExtendOrRenew {
                pick,
                renew,
                eligible,
                user,
                role,
                scope,
            },
        );
    let membership = (0..GROUPS.len(), 0..CALLERS, any::<bool>(), admin_caller()).prop_map(
        |(group, member, add, caller)| Step::Membership {
            group,
            member,
            add,
            caller,
        },
    );
    let set_policy =
        (role, policy_strategy(), admin_caller()).prop_map(|(role, policy, caller)| {
            Step::SetPolicy {
                role,
                policy,
                caller,
            }
        });
    let advance = (
        prop_oneof![1..=10i64, 30..=600i64, 600..=3000i64, 1440..=10 * 1440i64],
        prop::bool::weighted(0.75),
    )
        .prop_map(|(minutes, tick)| Step::Advance { minutes, tick });
    prop_oneof![
        10 => activate,
        5 => advance,
        10 => decide,
        4 => cancel,
        2 => deactivate,
        2 => assign,
        2 => remove,
        2 => change,
        1 => self_extend,
        2 => membership,
        1 => set_policy,
    ]
    .boxed()
}

fn steps_strategy() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step_strategy(), 1..36)
}

// ------------------------------------------------------------------------------------------------
// The shadow model: schedules and group membership, kept from the event log alone
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Shadow {
    schedules: BTreeMap<String, Schedule>,
    members: BTreeMap<String, Vec<String>>,
}

impl Shadow {
    fn apply(&mut self, e: &Event) {
        match e {
            Event::PrincipalAdded {
                principal, members, ..
            } if principal.kind == pim_core::directory::PrincipalKind::Group => {
                self.members.insert(principal.id.clone(), members.clone());
            }
            Event::MembershipChanged {
                group_id,
                added,
                removed,
                ..
            } => {
                let list = self.members.entry(group_id.clone()).or_default();
                list.retain(|m| !removed.contains(m));
                for m in added {
                    if !list.contains(m) {
                        list.push(m.clone());
                    }
                }
            }
            Event::ScheduleCreated { schedule, .. } => {
                self.schedules
                    .insert(schedule.id.clone(), schedule.clone().into());
            }
            Event::ScheduleUpdated {
                schedule_id,
                start_date_time,
                end_date_time,
                ..
            } => {
                if let Some(s) = self.schedules.get_mut(schedule_id) {
                    s.start_date_time = *start_date_time;
                    s.end_date_time = *end_date_time;
                    s.ended = None;
                }
            }
            Event::ScheduleEnded {
                at,
                schedule_id,
                reason,
                ..
            } => {
                if let Some(s) = self.schedules.get_mut(schedule_id) {
                    s.ended = Some(*reason);
                    if s.end_date_time.is_none_or(|e| *at < e) {
                        s.end_date_time = Some(*at);
                    }
                    if s.start_date_time > *at {
                        s.start_date_time = *at;
                    }
                }
            }
            _ => {}
        }
    }

    /// Every group containing `p`, directly or through nesting.
    fn groups_of(&self, p: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut frontier = vec![p.to_string()];
        while let Some(x) = frontier.pop() {
            for (g, members) in &self.members {
                if members.contains(&x) && out.insert(g.clone()) {
                    frontier.push(g.clone());
                }
            }
        }
        out.remove(p);
        out
    }

    /// Active schedules (assignments and activations) that give `p` the role at the scope at `t`.
    fn covering(
        &self,
        p: &str,
        groups: &BTreeSet<String>,
        role: &str,
        scope: &str,
        t: Instant,
    ) -> Vec<&Schedule> {
        self.schedules
            .values()
            .filter(|s| {
                s.kind == AssignmentType::Active
                    && s.role_definition_id == role
                    && scope_covers(&s.scope, scope)
                    && s.in_effect(t)
                    && (s.principal_id == p || groups.contains(&s.principal_id))
            })
            .collect()
    }
}

// ------------------------------------------------------------------------------------------------
// The driver
// ------------------------------------------------------------------------------------------------

struct World {
    engine: Engine,
    log: Vec<Event>,
    now: Instant,
    shadow: Shadow,
    /// Every accepted request, in order.
    requests: Vec<String>,
    /// The activation maximum in force when each request was submitted.
    max_at_request: BTreeMap<String, TimeDelta>,
}

/// What a property looks at while a run goes on.
trait Observer {
    /// Called with the state before `event` is applied.
    fn before_apply(&mut self, _w: &World, _e: &Event) -> Result<(), TestCaseError> {
        Ok(())
    }
    /// Called with each executed command's outcome, before its events are applied.
    fn outcome(
        &mut self,
        _w: &World,
        _step: &Step,
        _ctx: &CallContext,
        _o: &Outcome,
    ) -> Result<(), TestCaseError> {
        Ok(())
    }
    /// Called after every step.
    fn after_step(&mut self, _w: &World) -> Result<(), TestCaseError> {
        Ok(())
    }
}

struct NoObserver;
impl Observer for NoObserver {}

fn caller_ctx(caller: Option<usize>) -> CallContext {
    match caller {
        Some(c) => CallContext::user(PRINCIPALS[c]),
        None => CallContext::system(),
    }
}

impl World {
    fn new() -> Self {
        World {
            engine: Engine::new(),
            log: Vec::new(),
            now: start(),
            shadow: Shadow::default(),
            requests: Vec::new(),
            max_at_request: BTreeMap::new(),
        }
    }

    fn commit(&mut self, events: &[Event], obs: &mut dyn Observer) -> Result<(), TestCaseError> {
        for e in events {
            obs.before_apply(self, e)?;
            if let Event::RequestSubmitted { request, .. } = e {
                self.requests.push(request.id.clone());
                let max = self
                    .engine
                    .policy(&request.role_definition_id, &request.scope)
                    .settings
                    .activation
                    .maximum;
                self.max_at_request.insert(request.id.clone(), max);
            }
            if let Err(err) = self.engine.apply(e) {
                return Err(TestCaseError::fail(format!(
                    "an event the engine emitted does not apply: {err}: {e:?}"
                )));
            }
            self.shadow.apply(e);
            self.log.push(e.clone());
        }
        Ok(())
    }

    fn run_command(
        &mut self,
        step: &Step,
        cmd: &Command,
        ctx: &CallContext,
        obs: &mut dyn Observer,
    ) -> Result<(), TestCaseError> {
        match self.engine.execute(cmd, ctx, self.now) {
            Ok(outcome) => {
                obs.outcome(self, step, ctx, &outcome)?;
                self.commit(&outcome.events, obs)
            }
            // Malformed or unknown names: fine, nothing changes.
            Err(_) => Ok(()),
        }
    }

    fn setup(&mut self, t: &Tenant, obs: &mut dyn Observer) -> Result<(), TestCaseError> {
        let outcome = self
            .engine
            .execute(&import_command(t), &CallContext::system(), self.now)
            .map_err(|e| TestCaseError::fail(format!("import failed: {e}")))?;
        prop_assert!(
            outcome.decision.error.is_none(),
            "import refused: {:?}",
            outcome.decision
        );
        self.commit(&outcome.events, obs)?;
        for (role, p) in ROLES.iter().zip(&t.policies) {
            if let Some(p) = p {
                let outcome = self
                    .engine
                    .execute(
                        &set_policy_command(role, p),
                        &CallContext::system(),
                        self.now,
                    )
                    .map_err(|e| TestCaseError::fail(format!("policy failed: {e}")))?;
                prop_assert!(
                    outcome.decision.error.is_none(),
                    "policy refused: {:?}",
                    outcome.decision
                );
                self.commit(&outcome.events, obs)?;
            }
        }
        obs.after_step(self)
    }

    /// Requests whose effective status is in `statuses`, picked by `index`; else any request.
    fn pick_request(&self, index: &usize, wanted: &[Status]) -> Option<String> {
        let live: Vec<&String> = self
            .requests
            .iter()
            .filter(|id| {
                self.engine
                    .request(id, self.now)
                    .is_some_and(|r| wanted.contains(&r.status))
            })
            .collect();
        if !live.is_empty() {
            return Some(live[pick_at(index, live.len())].clone());
        }
        (!self.requests.is_empty())
            .then(|| self.requests[pick_at(index, self.requests.len())].clone())
    }

    /// An eligibility some user could activate now (theirs or a group's), as (user, role, scope).
    fn pick_eligibility(&self, index: &usize, scope: usize) -> Option<(String, String, String)> {
        let mut found = Vec::new();
        for u in &PRINCIPALS[..USERS] {
            for e in self.engine.eligible_roles(u, self.now) {
                let at = if e.scope == "/" {
                    SCOPES[scope].to_string()
                } else {
                    e.scope.clone()
                };
                found.push((u.to_string(), e.role_definition_id.clone(), at));
            }
        }
        (!found.is_empty()).then(|| found.swap_remove(pick_at(index, found.len())))
    }

    /// A schedule that has not ended, picked among those `keep` accepts, as
    /// (principal, role, scope, eligible).
    fn pick_schedule(
        &self,
        index: &usize,
        keep: impl Fn(&Schedule) -> bool,
    ) -> Option<(String, String, String, bool)> {
        let found: Vec<&Schedule> = self.shadow.schedules.values().filter(|s| keep(s)).collect();
        (!found.is_empty()).then(|| {
            let s = found[pick_at(index, found.len())];
            (
                s.principal_id.clone(),
                s.role_definition_id.clone(),
                s.scope.clone(),
                s.kind == AssignmentType::Eligible,
            )
        })
    }

    fn instant(&self, offset: i64) -> String {
        pim_core::time::format_instant(&(self.now + minutes(offset)))
    }

    fn step(&mut self, step: &Step, obs: &mut dyn Observer) -> Result<(), TestCaseError> {
        match step {
            Step::Activate {
                pick,
                user,
                role,
                scope,
                start,
                expiry,
                mfa,
                justification,
                ticket,
            } => {
                let (user, role, scope) = pick
                    .as_ref()
                    .and_then(|i| self.pick_eligibility(i, *scope))
                    .unwrap_or_else(|| {
                        (
                            PRINCIPALS[*user].into(),
                            ROLES[*role].into(),
                            SCOPES[*scope].into(),
                        )
                    });
                let mut info = serde_json::Map::new();
                if let Some(s) = start {
                    info.insert("startDateTime".into(), json!(self.instant(*s)));
                }
                let max = self
                    .engine
                    .policy(&role, &scope)
                    .settings
                    .activation
                    .maximum;
                let expiration = match expiry {
                    Expiry::Absent => None,
                    Expiry::Minutes(m) => {
                        Some(json!({ "type": "afterDuration", "duration": format!("PT{m}M") }))
                    }
                    Expiry::EndAfter(m) => Some(json!({
                        "type": "afterDateTime",
                        "endDateTime": self.instant(start.unwrap_or(0).max(0) + m)
                    })),
                    Expiry::AtMax(d) => Some(json!({
                        "type": "afterDuration",
                        "duration": format!("PT{}M", (max.num_minutes() + d).max(0))
                    })),
                    Expiry::NoExpiration => Some(json!({ "type": "noExpiration" })),
                };
                if let Some(e) = expiration {
                    info.insert("expiration".into(), e);
                }
                let mut body = json!({
                    "action": "selfActivate", "principalId": user,
                    "roleDefinitionId": role, "directoryScopeId": scope,
                    "scheduleInfo": Value::Object(info),
                });
                if *justification {
                    body["justification"] = json!("incident response");
                }
                if *ticket {
                    body["ticketInfo"] = json!({ "ticketNumber": "INC-1", "ticketSystem": "snow" });
                }
                let cmd = request_command("assignment", body);
                let mut ctx = CallContext::user(&user);
                ctx.mfa = *mfa;
                self.run_command(step, &cmd, &ctx, obs)?;
            }
            Step::Deactivate {
                pick,
                user,
                role,
                scope,
            } => {
                let now = self.now;
                let (user, role, scope, _) = pick
                    .as_ref()
                    .and_then(|i| {
                        self.pick_schedule(i, |s| {
                            s.origin == Origin::Activated && s.ended.is_none() && s.not_over(now)
                        })
                    })
                    .unwrap_or_else(|| {
                        (
                            PRINCIPALS[*user].into(),
                            ROLES[*role].into(),
                            SCOPES[*scope].into(),
                            false,
                        )
                    });
                let cmd = request_command(
                    "assignment",
                    json!({
                        "action": "selfDeactivate", "principalId": user,
                        "roleDefinitionId": role, "directoryScopeId": scope,
                    }),
                );
                self.run_command(step, &cmd, &CallContext::user(&user), obs)?;
            }
            Step::Decide {
                who,
                request,
                approve,
                justification,
            } => {
                let listed: Vec<(&str, String)> = PRINCIPALS[..CALLERS]
                    .iter()
                    .flat_map(|u| {
                        self.engine
                            .pending_approvals(u, self.now)
                            .into_iter()
                            .map(|r| (*u, r.id))
                    })
                    .collect();
                let chosen = match who {
                    Who::Approver if !listed.is_empty() => {
                        Some(listed[pick_at(request, listed.len())].clone())
                    }
                    _ => None,
                };
                let Some(id) = chosen.as_ref().map(|(_, id)| id.clone()).or_else(|| {
                    self.pick_request(
                        request,
                        &[Status::PendingApproval, Status::PendingAdminDecision],
                    )
                }) else {
                    return obs.after_step(self);
                };
                let ctx = match who {
                    Who::Approver => match &chosen {
                        Some((u, _)) => CallContext::user(u),
                        None => CallContext::user("u0"),
                    },
                    Who::Principal => {
                        let r = self.engine.request(&id, self.now).expect("known request");
                        CallContext::user(&r.principal_id)
                    }
                    Who::Caller(c) => CallContext::user(PRINCIPALS[*c]),
                };
                let mut cmd = json!({
                    "op": "decide", "requestId": id,
                    "reviewResult": if *approve { "Approve" } else { "Deny" },
                });
                if *justification {
                    cmd["justification"] = json!("looks right");
                }
                let cmd: Command = serde_json::from_value(cmd).expect("decide parses");
                self.run_command(step, &cmd, &ctx, obs)?;
            }
            Step::Cancel { who, request } => {
                let Some(id) = self.pick_request(
                    request,
                    &[
                        Status::PendingApproval,
                        Status::PendingAdminDecision,
                        Status::Granted,
                    ],
                ) else {
                    return obs.after_step(self);
                };
                let ctx = match who {
                    None => CallContext::system(),
                    Some(Who::Principal) => {
                        let r = self.engine.request(&id, self.now).expect("known request");
                        CallContext::user(&r.principal_id)
                    }
                    Some(Who::Caller(c)) => CallContext::user(PRINCIPALS[*c]),
                    Some(Who::Approver) => CallContext::user("u0"),
                };
                self.run_command(step, &Command::Cancel { request_id: id }, &ctx, obs)?;
            }
            Step::AdminAssign {
                eligible,
                principal,
                role,
                scope,
                start,
                length,
                caller,
                justification,
            } => {
                let mut info = serde_json::Map::new();
                if let Some(s) = start {
                    info.insert("startDateTime".into(), json!(self.instant(*s)));
                }
                if let Some(l) = length {
                    info.insert(
                        "expiration".into(),
                        json!({ "type": "afterDuration", "duration": format!("PT{l}M") }),
                    );
                }
                let mut body = json!({
                    "action": "adminAssign", "principalId": PRINCIPALS[*principal],
                    "roleDefinitionId": ROLES[*role], "directoryScopeId": SCOPES[*scope],
                    "scheduleInfo": Value::Object(info),
                });
                if *justification {
                    body["justification"] = json!("project work");
                }
                let cmd = request_command(
                    if *eligible {
                        "eligibility"
                    } else {
                        "assignment"
                    },
                    body,
                );
                self.run_command(step, &cmd, &caller_ctx(*caller).with_mfa(), obs)?;
            }
            Step::AdminRemove {
                pick,
                eligible,
                principal,
                role,
                scope,
                caller,
            } => {
                let now = self.now;
                let (principal, role, scope, eligible) = pick
                    .as_ref()
                    .and_then(|i| {
                        self.pick_schedule(i, |s| {
                            s.origin == Origin::Assigned && s.ended.is_none() && s.not_over(now)
                        })
                    })
                    .unwrap_or_else(|| {
                        (
                            PRINCIPALS[*principal].into(),
                            ROLES[*role].into(),
                            SCOPES[*scope].into(),
                            *eligible,
                        )
                    });
                let cmd = request_command(
                    if eligible {
                        "eligibility"
                    } else {
                        "assignment"
                    },
                    json!({
                        "action": "adminRemove", "principalId": principal,
                        "roleDefinitionId": role, "directoryScopeId": scope,
                        "justification": "no longer needed",
                    }),
                );
                self.run_command(step, &cmd, &caller_ctx(*caller).with_mfa(), obs)?;
            }
            Step::AdminChange {
                pick,
                extend,
                eligible,
                principal,
                role,
                scope,
                start,
                end,
                caller,
            } => {
                let now = self.now;
                let (principal, role, scope, eligible) = pick
                    .as_ref()
                    .and_then(|i| {
                        self.pick_schedule(i, |s| {
                            s.origin == Origin::Assigned && s.ended.is_none() && s.not_over(now)
                        })
                    })
                    .unwrap_or_else(|| {
                        (
                            PRINCIPALS[*principal].into(),
                            ROLES[*role].into(),
                            SCOPES[*scope].into(),
                            *eligible,
                        )
                    });
                let mut info = serde_json::Map::new();
                if let Some(s) = start {
                    info.insert("startDateTime".into(), json!(self.instant(*s)));
                }
                info.insert(
                    "expiration".into(),
                    json!({ "type": "afterDateTime", "endDateTime": self.instant(*end) }),
                );
                let cmd = request_command(
                    if eligible {
                        "eligibility"
                    } else {
                        "assignment"
                    },
                    json!({
                        "action": if *extend { "adminExtend" } else { "adminUpdate" },
                        "principalId": principal,
                        "roleDefinitionId": role, "directoryScopeId": scope,
                        "justification": "change", "scheduleInfo": Value::Object(info),
                    }),
                );
                self.run_command(step, &cmd, &caller_ctx(*caller).with_mfa(), obs)?;
            }
            Step::SelfExtendOrRenew {
                pick,
                renew,
                eligible,
                user,
                role,
                scope,
            } => {
                let now = self.now;
                let (user, role, scope, eligible) = pick
                    .as_ref()
                    .and_then(|i| {
                        self.pick_schedule(i, |s| {
                            s.origin == Origin::Assigned
                                && PRINCIPALS[..USERS].contains(&s.principal_id.as_str())
                                && s.end_date_time.is_some_and(|e| {
                                    if *renew {
                                        e <= now && now - e <= TimeDelta::days(30)
                                    } else {
                                        s.ended.is_none() && e > now
                                    }
                                })
                        })
                    })
                    .unwrap_or_else(|| {
                        (
                            PRINCIPALS[*user].into(),
                            ROLES[*role].into(),
                            SCOPES[*scope].into(),
                            *eligible,
                        )
                    });
                let cmd = request_command(
                    if eligible {
                        "eligibility"
                    } else {
                        "assignment"
                    },
                    json!({
                        "action": if *renew { "selfRenew" } else { "selfExtend" },
                        "principalId": user,
                        "roleDefinitionId": role, "directoryScopeId": scope,
                        "justification": "still needed",
                    }),
                );
                self.run_command(step, &cmd, &CallContext::user(&user), obs)?;
            }
            Step::Membership {
                group,
                member,
                add,
                caller,
            } => {
                let m = vec![PRINCIPALS[*member].to_string()];
                let (add, remove) = if *add {
                    (m, Vec::new())
                } else {
                    (Vec::new(), m)
                };
                let cmd = Command::ChangeMembership {
                    group_id: GROUPS[*group].into(),
                    add,
                    remove,
                };
                self.run_command(step, &cmd, &caller_ctx(*caller), obs)?;
            }
            Step::SetPolicy {
                role,
                policy,
                caller,
            } => {
                let cmd = set_policy_command(ROLES[*role], policy);
                self.run_command(step, &cmd, &caller_ctx(*caller), obs)?;
            }
            Step::Advance { minutes: m, tick } => {
                self.now += minutes(*m);
                if *tick {
                    let events = self.engine.tick(self.now);
                    self.commit(&events, obs)?;
                }
            }
        }
        obs.after_step(self)
    }
}

fn request_command(kind: &str, body: Value) -> Command {
    serde_json::from_value(json!({ "op": "request", "kind": kind, "body": body }))
        .expect("generated request parses")
}

fn drive(t: &Tenant, steps: &[Step], obs: &mut dyn Observer) -> Result<World, TestCaseError> {
    let mut w = World::new();
    w.setup(t, obs)?;
    for s in steps {
        w.step(s, obs)?;
    }
    Ok(w)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Keep no regression files next to the sources; failures print the minimal case.
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}

// ------------------------------------------------------------------------------------------------
// (a) granted activation windows stay within the role's maximum and the eligibility
// ------------------------------------------------------------------------------------------------

struct WindowBounds {
    activations: usize,
}

impl Observer for WindowBounds {
    fn before_apply(&mut self, w: &World, e: &Event) -> Result<(), TestCaseError> {
        match e {
            Event::ScheduleCreated {
                schedule: s, at, ..
            } if s.origin == Origin::Activated => {
                self.activations += 1;
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
                    && let Some(at_request) = w.max_at_request.get(req)
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
            }
            Event::ScheduleUpdated {
                schedule_id,
                start_date_time,
                end_date_time,
                ..
            } => {
                let Some(old) = w.shadow.schedules.get(schedule_id) else {
                    return Err(TestCaseError::fail(format!(
                        "update of unknown schedule {schedule_id}"
                    )));
                };
                if old.origin == Origin::Activated {
                    // An activation is only ever cut short, never lengthened or moved.
                    prop_assert!(
                        end_date_time.is_some() && *end_date_time <= old.end_date_time,
                        "activation {schedule_id} lengthened from {:?} to {:?}",
                        old.end_date_time,
                        end_date_time
                    );
                    prop_assert!(*start_date_time >= old.start_date_time);
                }
            }
            _ => {}
        }
        Ok(())
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

// ------------------------------------------------------------------------------------------------
// (b) check is active exactly when an in-effect assignment or activation covers the instant
// ------------------------------------------------------------------------------------------------

/// Instants (relative to now, in minutes) at which checks are asked.
const PROBES: [i64; 6] = [0, 1, 5 * 60, 2 * 1440, 15 * 1440, 31 * 1440];

struct CheckSoundness;

/// Instants worth asking about: fixed offsets from now, and the edges of schedules still to come.
fn probe_instants(w: &World) -> Vec<Instant> {
    let mut edges: BTreeSet<Instant> = BTreeSet::new();
    for s in w.shadow.schedules.values() {
        for t in [
            Some(s.start_date_time),
            s.end_date_time.map(|e| e - TimeDelta::seconds(1)),
        ] {
            if let Some(t) = t.filter(|t| *t > w.now) {
                edges.insert(t);
            }
        }
    }
    let mut out: Vec<Instant> = PROBES.iter().map(|m| w.now + minutes(*m)).collect();
    out.extend(edges.into_iter().take(10));
    out
}

impl Observer for CheckSoundness {
    fn after_step(&mut self, w: &World) -> Result<(), TestCaseError> {
        let groups_of: BTreeMap<&str, BTreeSet<String>> = PRINCIPALS
            .iter()
            .map(|p| (*p, w.shadow.groups_of(p)))
            .collect();
        for t in probe_instants(w) {
            for p in PRINCIPALS {
                let groups = &groups_of[p];
                for role in CHECK_ROLES {
                    for scope in CHECK_SCOPES {
                        let c = w.engine.check(p, role, scope, t);
                        let covering = w.shadow.covering(p, groups, role, scope, t);
                        prop_assert_eq!(
                            c.active,
                            !covering.is_empty(),
                            "check({}, {}, {}, {}) = {:?} but covering schedules are {:?}",
                            p,
                            role,
                            scope,
                            t,
                            c,
                            covering
                        );
                        if !c.active {
                            prop_assert!(c.via.is_none() && c.end_date_time.is_none());
                            continue;
                        }
                        let best_end = if covering.iter().any(|s| s.end_date_time.is_none()) {
                            None
                        } else {
                            covering.iter().filter_map(|s| s.end_date_time).max()
                        };
                        prop_assert_eq!(
                            c.end_date_time,
                            best_end,
                            "check end at {} for {} in {}",
                            t,
                            p,
                            role
                        );
                        let via_ok = covering.iter().any(|s| {
                            s.end_date_time == best_end
                                && match c.via {
                                    Some(pim_core::Via::Direct) => {
                                        s.principal_id == p && s.origin == Origin::Assigned
                                    }
                                    Some(pim_core::Via::Activation) => {
                                        s.principal_id == p && s.origin == Origin::Activated
                                    }
                                    Some(pim_core::Via::Group) => groups.contains(&s.principal_id),
                                    None => false,
                                }
                        });
                        prop_assert!(
                            via_ok,
                            "check via {:?} matches no covering schedule: {:?}",
                            c.via,
                            covering
                        );
                        // Every activation that grants the role must still stand on an
                        // eligibility in effect at t, held by the principal or a group it is
                        // in, and come from a request that was not canceled or refused.
                        for s in covering.iter().filter(|s| s.origin == Origin::Activated) {
                            let elig = s
                                .activated_using
                                .as_deref()
                                .and_then(|id| w.shadow.schedules.get(id));
                            prop_assert!(elig.is_some(), "activation {} has no eligibility", s.id);
                            let elig = elig.expect("checked");
                            prop_assert!(
                                elig.in_effect(t),
                                "activation {} of {} in {} covers {} but its eligibility {} is not in effect then ({} .. {:?})",
                                s.id,
                                s.principal_id,
                                role,
                                t,
                                elig.id,
                                elig.start_date_time,
                                elig.end_date_time
                            );
                            let holder_ok = elig.principal_id == s.principal_id
                                || (s.via_group.as_deref() == Some(elig.principal_id.as_str())
                                    && groups.contains(&elig.principal_id));
                            prop_assert!(
                                holder_ok,
                                "activation {} holder mismatch with eligibility {}",
                                s.id,
                                elig.id
                            );
                            if let Some(req) = &s.request_id {
                                let status = w.engine.request(req, w.now).map(|r| r.status);
                                prop_assert!(
                                    matches!(status, Some(Status::Provisioned | Status::Granted)),
                                    "activation {} of {} in {} covers {} but its request {} is {:?}",
                                    s.id,
                                    s.principal_id,
                                    role,
                                    t,
                                    req,
                                    status
                                );
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn check_is_backed_by_an_assignment_or_activation(t in tenant_strategy(), steps in steps_strategy()) {
        drive(&t, &steps, &mut CheckSoundness)?;
    }
}

// ------------------------------------------------------------------------------------------------
// (c) nobody approves their own request
// ------------------------------------------------------------------------------------------------

struct NoSelfApproval {
    recorded: usize,
}

impl Observer for NoSelfApproval {
    fn before_apply(&mut self, w: &World, e: &Event) -> Result<(), TestCaseError> {
        if let Event::ApprovalRecorded {
            request_id,
            approver,
            ..
        } = e
        {
            self.recorded += 1;
            let r = w.engine.request(request_id, w.now);
            prop_assert!(r.is_some(), "approval of unknown request {request_id}");
            let r = r.expect("checked");
            prop_assert_ne!(
                approver,
                &r.principal_id,
                "{} approved their own request {}",
                approver,
                request_id
            );
            prop_assert_ne!(
                Some(approver),
                r.created_by.as_ref(),
                "{} approved the request {} they made",
                approver,
                request_id
            );
            let kind = w.engine.directory().principal(approver).map(|p| p.kind);
            prop_assert_eq!(
                kind,
                Some(pim_core::directory::PrincipalKind::User),
                "approver {} is not a user",
                approver
            );
        }
        Ok(())
    }

    fn outcome(
        &mut self,
        w: &World,
        step: &Step,
        ctx: &CallContext,
        o: &Outcome,
    ) -> Result<(), TestCaseError> {
        if let Step::Decide {
            who: Who::Principal,
            ..
        } = step
        {
            prop_assert!(
                o.events.is_empty(),
                "a self-decision by {:?} changed something: {:?}",
                ctx.caller,
                o.events
            );
            let code = o.decision.error.as_ref().map(|e| e.code);
            // Pending requests refuse the requester; decided ones are simply not pending.
            prop_assert!(
                matches!(
                    code,
                    Some(ErrorCode::AuthorizationFailed | ErrorCode::InvalidRequest)
                ),
                "self-decision answered {:?} at {}",
                o.decision,
                w.now
            );
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn nobody_approves_their_own_request(t in tenant_strategy(), steps in steps_strategy()) {
        let mut obs = NoSelfApproval { recorded: 0 };
        drive(&t, &steps, &mut obs)?;
    }
}

// ------------------------------------------------------------------------------------------------
// (d) replaying the log gives the same answers as the live engine
// ------------------------------------------------------------------------------------------------

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
        let t = now + minutes(offset);
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
    }
    for role in CHECK_ROLES {
        prop_assert_eq!(
            &live.policy(role, "/").rules,
            &replayed.policy(role, "/").rules
        );
    }
    // The same command decides the same way, down to generated ids.
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

// ------------------------------------------------------------------------------------------------
// (e) no input makes the parser or the engine panic
// ------------------------------------------------------------------------------------------------

const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "u0",
    "u1",
    "u2",
    "sp0",
    "g0",
    "g1",
    "nobody",
    EXCHANGE,
    USER_ADMIN,
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    "/",
    "//",
    "/administrativeUnits/au1",
    "/administrativeUnits/au1/",
    "app:/",
    "request",
    "assignment",
    "eligibility",
    "selfActivate",
    "selfDeactivate",
    "selfExtend",
    "selfRenew",
    "adminAssign",
    "adminUpdate",
    "adminRemove",
    "adminExtend",
    "adminRenew",
    "Approve",
    "Denied",
    "decide",
    "cancel",
    "setPolicy",
    "changeMembership",
    "importDirectory",
    "afterDuration",
    "afterDateTime",
    "noExpiration",
    "notSpecified",
    "PT0S",
    "PT1S",
    "PT5M",
    "PT4M59S",
    "PT8H",
    "PT24H",
    "PT24H1S",
    "P30D",
    "P31D",
    "P36500D",
    "P36600D",
    "PT9999999999999H",
    "P999999999999999D",
    "PT0.000000001S",
    "PT1.5S",
    "PT1.5H",
    "-PT1H",
    "+PT1H",
    "P1Y",
    "P1M",
    "PT",
    "P",
    "PT1H1H",
    "P1W",
    "2026-03-02T09:00:00Z",
    "2026-03-02T09:00:00.123456789+14:00",
    "2026-03-02T09:00:00-23:59",
    "2016-12-31T23:59:60Z",
    "2026-02-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "+262143-12-31T23:59:59Z",
    "-262144-01-01T00:00:00Z",
    "2026-03-02",
    "#microsoft.graph.singleUser",
    "#microsoft.graph.groupMembers",
    "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
    "Expiration_EndUser_Assignment",
    "Approval_EndUser_Assignment",
    "Enablement_EndUser_Assignment",
    "AuthenticationContext_EndUser_Assignment",
    "Notification_Admin_Admin_Eligibility",
    "MultiFactorAuthentication",
    "Justification",
    "Ticketing",
    "SingleStage",
    "Serial",
    "NoApproval",
    "Group",
    "DirectoryRole",
    "configureAlert",
    "dismissAlert",
    "refreshAlerts",
    "remediateAlert",
    "recordSignIn",
    "recordOutsideAssignment",
    "setAuditRetention",
    "createReview",
    "decideReview",
    "stopReview",
    "resetReview",
    "applyReview",
    "deleteReview",
    "review-1",
];

const KEYS: &[&str] = &[
    "op",
    "kind",
    "body",
    "action",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "justification",
    "scheduleInfo",
    "startDateTime",
    "expiration",
    "type",
    "duration",
    "endDateTime",
    "ticketInfo",
    "ticketNumber",
    "isValidationOnly",
    "targetScheduleId",
    "id",
    "requestId",
    "reviewResult",
    "groupId",
    "add",
    "remove",
    "rules",
    "scopeId",
    "scopeType",
    "directory",
    "users",
    "groups",
    "assignments",
    "members",
    "isRoleAssignable",
    "setting",
    "maximumDuration",
    "isExpirationRequired",
    "enabledRules",
    "approvalStages",
    "recurrence",
    "@odata.type",
    "reviewId",
    "alertId",
    "alertIds",
    "days",
    "signInDateTime",
    "incidentId",
    "decision",
    "definition",
    "configuration",
    "assignment",
];

fn odd_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(ODD_STRINGS).prop_map(String::from),
        1 => "\\PC{0,16}",
        1 => "[-+]?[Pp][0-9TtHMSDWY.,]{0,20}",
        1 => "[0-9+-]{1,8}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
        1 => Just("x".repeat(600)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => prop::sample::select(vec![0i64, -1, 1, 31, i64::from(i32::MAX), i64::from(i32::MIN), i64::MAX, i64::MIN])
            .prop_map(|n| json!(n)),
        1 => any::<f64>().prop_map(|f| json!(f)),
        4 => odd_string().prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(String::from),
        1 => "\\PC{0,8}",
    ]
}

fn value_strategy() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..7)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Valid commands to mutate: each reaches deep into the engine before a mutation breaks it.
fn templates() -> Vec<Value> {
    let schedule = json!({ "startDateTime": "2026-03-02T10:00:00Z",
                           "expiration": { "type": "afterDuration", "duration": "PT2H" } });
    let body = |action: &str, principal: &str| {
        json!({ "action": action, "principalId": principal, "roleDefinitionId": EXCHANGE,
                "directoryScopeId": "/", "justification": "why", "scheduleInfo": schedule.clone(),
                "ticketInfo": { "ticketNumber": "INC-1", "ticketSystem": "snow" } })
    };
    let request = |kind: &str, b: Value| json!({ "op": "request", "kind": kind, "body": b });
    let full_policy = policy_rules(&PolicyGen {
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
    });
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
        json!({ "op": "setPolicy", "roleDefinitionId": EXCHANGE, "scopeId": "/", "rules": full_policy }),
        json!({ "op": "importDirectory", "directory": {
            "users": [{ "id": "n1" }], "groups": [{ "id": "n2", "members": ["n1", "u1"], "isRoleAssignable": true }],
            "assignments": [{ "type": "eligible", "principalId": "n2", "roleDefinitionId": EXCHANGE,
                              "startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-04-01T00:00:00Z" }] } }),
    ]
}

/// A mutation of a JSON document: which leaf (or member) and what happens to it.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
}

fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), leaf()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => (any::<usize>(), value_strategy()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), key(), leaf()).prop_map(|(i, k, v)| Mutation::Insert(i, k, v)),
    ]
}

/// JSON pointers to every node below the root.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

fn mutate(mut v: Value, mutations: &[Mutation]) -> Value {
    for m in mutations {
        let mut ptrs = Vec::new();
        pointers(&v, String::new(), &mut ptrs);
        if ptrs.is_empty() {
            break;
        }
        match m {
            Mutation::Replace(i, x) => {
                if let Some(slot) = v.pointer_mut(&ptrs[pick_at(i, ptrs.len())]) {
                    *slot = x.clone();
                }
            }
            Mutation::Remove(i) | Mutation::Insert(i, ..) => {
                let p = &ptrs[pick_at(i, ptrs.len())];
                let (parent, last) = p.rsplit_once('/').unwrap_or(("", p));
                let last = last.replace("~1", "/").replace("~0", "~");
                match (v.pointer_mut(parent), m) {
                    (Some(Value::Object(map)), Mutation::Remove(_)) => {
                        map.remove(&last);
                    }
                    (Some(Value::Array(a)), Mutation::Remove(_)) => {
                        if let Ok(n) = last.parse::<usize>()
                            && n < a.len()
                        {
                            a.remove(n);
                        }
                    }
                    (Some(Value::Object(map)), Mutation::Insert(_, k, x)) => {
                        map.insert(k.clone(), x.clone());
                    }
                    (Some(Value::Array(a)), Mutation::Insert(_, _, x)) => a.push(x.clone()),
                    _ => {}
                }
            }
        }
    }
    v
}

/// A tenant with a bit of everything: eligibilities, an activation, a pending approval.
fn populated() -> Engine {
    populated_world().engine
}

fn populated_world() -> World {
    let tenant = Tenant {
        g0_members: vec![false, true, true, false, false],
        g1_members: vec![false, false, false, true, false],
        g1_contains_g0: true,
        pra_user: Some(4),
        seeds: vec![
            Seed {
                eligible: true,
                principal: 1,
                role: 0,
                scope: 0,
                start: -60,
                length: Some(40 * 1440),
            },
            Seed {
                eligible: true,
                principal: 6,
                role: 1,
                scope: 0,
                start: -60,
                length: None,
            },
            Seed {
                eligible: false,
                principal: 7,
                role: 1,
                scope: 1,
                start: -60,
                length: Some(600),
            },
            Seed {
                eligible: true,
                principal: 2,
                role: 0,
                scope: 0,
                start: -60,
                length: Some(3 * 1440),
            },
            Seed {
                eligible: false,
                principal: 5,
                role: 0,
                scope: 0,
                start: -60,
                length: None,
            },
        ],
        policies: vec![None, None, None],
    };
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
    };
    let steps = vec![
        Step::Activate {
            pick: None,
            user: 1,
            role: 0,
            scope: 0,
            start: None,
            expiry: Expiry::Minutes(60),
            mfa: true,
            justification: true,
            ticket: false,
        },
        Step::SetPolicy {
            role: 1,
            policy: approval,
            caller: None,
        },
        Step::Activate {
            pick: None,
            user: 2,
            role: 1,
            scope: 0,
            start: None,
            expiry: Expiry::Absent,
            mfa: true,
            justification: true,
            ticket: false,
        },
        Step::Advance {
            minutes: 10,
            tick: true,
        },
    ];
    let w = drive(&tenant, &steps, &mut NoObserver).expect("the fixed tenant runs");
    assert!(
        w.engine.pending_approvals("u0", w.now).len() == 1,
        "the fixture has a pending approval"
    );
    w
}

fn instant_strategy() -> impl Strategy<Value = Instant> {
    prop_oneof![
        3 => (-100_000i64..=100_000i64).prop_map(|m| start() + minutes(m)),
        1 => Just(DateTime::<Utc>::MAX_UTC),
        1 => Just(DateTime::<Utc>::MIN_UTC),
        1 => (DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp())
            .prop_map(|s| DateTime::<Utc>::from_timestamp(s, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)),
    ]
}

fn ctx_strategy() -> impl Strategy<Value = CallContext> {
    (
        prop::option::of(prop_oneof![3 => prop::sample::select(&PRINCIPALS[..]).prop_map(String::from), 1 => odd_string()]),
        any::<bool>(),
        prop::collection::vec(prop_oneof![Just("c1".to_string()), odd_string()], 0..2),
    )
        .prop_map(|(caller, mfa, auth_context)| CallContext { caller, mfa, auth_context })
}

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
        let mut policy = pim_core::policy::Policy::default();
        let generated = PolicyGen {
            max_minutes: max, mfa, justification: true, ticket: false,
            approval: approval.then(|| (true, vec![StageGen { timeout_days: 1, approver_justification: true, approvers: Approvers::Default }])),
            eligibility_max_days: None, assignment_max_days: None, admin_justification: false,
        };
        let rules: Vec<PolicyRule> = serde_json::from_value(policy_rules(&generated)).expect("rules parse");
        if let Ok(p) = pim_core::policy::Policy::updated(None, EXCHANGE, "/", None, &rules) {
            policy = p;
        }
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
            if d.status.is_some() {
                let length = d.end_date_time.signed_duration_since(d.start_date_time);
                prop_assert!(length <= minutes(max), "granted {} min over a {} min maximum", length.num_minutes(), max);
                prop_assert!(length >= minutes(5), "granted under 5 minutes");
                prop_assert!(eligibility.end_date_time.is_none_or(|e| d.end_date_time <= e), "granted past the eligibility");
                prop_assert!(d.start_date_time >= eligibility.start_date_time, "granted before the eligibility");
                prop_assert!(d.error.is_none());
            } else {
                prop_assert!(d.error.is_some());
            }
        }
    }
}

/// The text of every scenario file in `tests/scenarios`, read once.
fn scenario_files() -> &'static [String] {
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

#[test]
fn every_fuzz_template_is_a_valid_command() {
    for t in templates() {
        assert!(
            serde_json::from_value::<Command>(t.clone()).is_ok(),
            "template does not parse: {t}"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Minimal cases the properties found, kept as plain tests
// ------------------------------------------------------------------------------------------------

/// One user (`u1`) eligible for Exchange Administrator at `/`, permanently; `u0` is the Global
/// Administrator.
fn one_eligibility(policy: Option<PolicyGen>) -> Tenant {
    Tenant {
        g0_members: vec![false; USERS],
        g1_members: vec![false; USERS],
        g1_contains_g0: false,
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
    }
}

fn activate_u1(start: Option<i64>, expiry: Expiry) -> Step {
    Step::Activate {
        pick: None,
        user: 1,
        role: 0,
        scope: 0,
        start,
        expiry,
        mfa: true,
        justification: true,
        ticket: false,
    }
}

fn u0_approves() -> Step {
    Step::Decide {
        who: Who::Caller(0),
        request: 0,
        approve: true,
        justification: true,
    }
}

/// Found by (b): canceling an approved activation that starts later (`Granted`) marks the request
/// `Canceled` but leaves its activation schedule, which then starts as planned.
#[test]
fn canceling_an_approved_future_activation_stops_it() {
    let steps = vec![
        activate_u1(Some(120), Expiry::Minutes(60)),
        u0_approves(),
        Step::Cancel {
            who: Some(Who::Principal),
            request: 0,
        },
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
        Step::AdminChange {
            pick: None,
            extend: false,
            eligible: true,
            principal: 1,
            role: 0,
            scope: 0,
            start: Some(24 * 60),
            end: 30 * 24 * 60,
            caller: Some(0),
        },
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
        Step::SetPolicy {
            role: 0,
            policy: simple_policy(60, true),
            caller: Some(0),
        },
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
