//! Criterion benchmarks: the gateway `check`, activation evaluation, every command's decision and
//! every query that is not a listing, on tenants of 10 thousand and 1 million assignments, beside
//! one random DRAM access (a pointer chase) measured in the same run.
//!
//! Run with `cargo bench -p pim-core --bench engine -- --warm-up-time 1 --measurement-time 3`.
//! Building each tenant prints its setup time and the process's resident memory to stderr.

use std::hint::black_box;
use std::time::Instant as Clock;

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pim_core::ActivationInput;
use pim_core::directory::{Principal, PrincipalKind, RoleDefinition};
use pim_core::schedule::{AssignmentType, Origin, Schedule};
use pim_core::{
    CallContext, Command, EligibilityWindow, Engine, Event, Instant, RoleSettings,
    evaluate_activation,
};
use serde_json::json;

#[path = "engine/decisions.rs"]
mod decisions;

/// Entra's built-in roles the engine knows, plus custom ones up to 20.
const BUILT_IN: [&str; 7] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "5d6b6bb7-de71-4623-b4af-96380a352509",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
];
const ROLE_COUNT: usize = 20;
/// The first three built-in roles: administrators, notified of everything.
const ADMIN_ROLES: usize = 3;
/// How many keys each benchmark cycles through, so that lookups are not all cache-hot.
const KEYS: usize = 1024;

/// splitmix64: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A role index: the three administrator roles (Global, Privileged Role and Security
    /// Administrator, the first three) are rare, as in real tenants (0.02 % of assignments);
    /// the other seventeen are equally likely.
    fn role(&mut self) -> usize {
        if self.next() % 10_000 < 2 {
            self.below(ADMIN_ROLES)
        } else {
            ADMIN_ROLES + self.below(ROLE_COUNT - ADMIN_ROLES)
        }
    }
}

/// A built tenant and the keys each benchmark cycles through.
struct Tenant {
    engine: Engine,
    now: Instant,
    roles: Vec<String>,
    /// (principal, role) pairs active through the principal's own assignment at `/`.
    direct: Vec<(String, String)>,
    /// Every such pair in the tenant, not only the first 1,024: a pass through them is far
    /// larger than the caches, so each lookup is a trip to memory.
    direct_any: Vec<(String, String)>,
    /// Active only through a group the user is in.
    group: Vec<(String, String)>,
    /// Active through an activation.
    activation: Vec<(String, String)>,
    /// Eligible but not active: the common "not activated" miss.
    eligible_only: Vec<(String, String)>,
    /// Principals the tenant does not know.
    unknown: Vec<(String, String)>,
    /// Users whose direct, permanent eligibility at `/` has no activation: activation requests.
    activatable: Vec<(String, String)>,
}

fn user(i: usize) -> String {
    format!("user-{i:07}")
}

fn group(i: usize) -> String {
    format!("group-{i:05}")
}

fn principal_added(at: Instant, id: String, kind: PrincipalKind) -> Event {
    Event::PrincipalAdded {
        at,
        principal: Principal {
            id: id.into(),
            kind,
            display_name: None,
            mail: None,
            manager_id: None,
            is_role_assignable: kind == PrincipalKind::Group,
        },
        members: Vec::new(),
    }
}

/// What the build keeps per (principal, role) to choose benchmark keys afterwards.
#[derive(Default, Clone, Copy)]
struct Holding {
    active_direct_root: bool,
    activated: bool,
    eligible_root_permanent: bool,
    active_any: bool,
}

/// Builds a tenant of about `assignments` schedules: users (one per ten assignments), groups of
/// fifty members, twenty roles, eligible and active assignments (60 % permanent, some
/// time-bound, expired or future; 85 % at `/`), group assignments and activations.
fn build(assignments: usize) -> Tenant {
    let clock = Clock::now();
    let rss_before = rss_kib();
    let now = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid");
    let load = now - TimeDelta::days(1);
    let mut rng = Rng(0x5EED ^ assignments as u64);
    let mut engine = Engine::new();
    let apply = |engine: &mut Engine, e: Event| engine.apply(&e).expect("the event applies");

    let mut roles: Vec<String> = BUILT_IN.iter().map(|r| r.to_string()).collect();
    for i in roles.len()..ROLE_COUNT {
        let id = format!("custom-role-{i:02}");
        apply(
            &mut engine,
            Event::RoleDefinitionAdded {
                at: load,
                role: RoleDefinition {
                    id: id.as_str().into(),
                    display_name: Some(format!("Custom role {i}")),
                },
            },
        );
        roles.push(id);
    }

    let users = (assignments / 10).max(100);
    let groups = (assignments / 5_000).max(10);
    for i in 0..users {
        apply(
            &mut engine,
            principal_added(load, user(i), PrincipalKind::User),
        );
    }
    for g in 0..groups {
        apply(
            &mut engine,
            principal_added(load, group(g), PrincipalKind::Group),
        );
    }
    // Memberships: fifty users per group, one membership change per group.
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); users];
    let mut group_members: Vec<Vec<usize>> = vec![Vec::new(); groups];
    for (g, members) in group_members.iter_mut().enumerate() {
        let mut added = Vec::new();
        while members.len() < 50.min(users) {
            let u = rng.below(users);
            if !members.contains(&u) {
                members.push(u);
                members_of[u].push(g);
                added.push(user(u));
            }
        }
        apply(
            &mut engine,
            Event::MembershipChanged {
                at: load,
                by: None,
                group_id: group(g).into(),
                added: added.into_iter().map(Into::into).collect(),
                removed: Vec::new(),
            },
        );
    }
    let membership_done = clock.elapsed();

    let mut next_id = 0usize;
    let mut schedule = |principal: String,
                        role: &str,
                        kind: AssignmentType,
                        origin: Origin,
                        scope: String,
                        start: Instant,
                        end: Option<Instant>,
                        activated_using: Option<String>| {
        next_id += 1;
        Schedule {
            id: format!("s-{next_id:08}").into(),
            kind,
            origin,
            principal_id: principal.into(),
            role_definition_id: role.into(),
            scope: scope.into(),
            start_date_time: start,
            end_date_time: end,
            activated_using: activated_using.map(Into::into),
            via_group: None,
            request_id: None,
            ended: None,
            outside_pim: false,
            break_glass: false,
        }
    };
    let window = |rng: &mut Rng| -> (Instant, Option<Instant>) {
        let days = |n: usize| TimeDelta::days(n as i64);
        match rng.below(100) {
            0..=59 => (now - days(30 + rng.below(300)), None),
            60..=84 => (
                now - days(1 + rng.below(60)),
                Some(now + days(1 + rng.below(120))),
            ),
            85..=94 => (
                now - days(60 + rng.below(60)),
                Some(now - days(1 + rng.below(30))),
            ),
            _ => (
                now + days(1 + rng.below(20)),
                Some(now + days(30 + rng.below(60))),
            ),
        }
    };
    let scope = |rng: &mut Rng| -> String {
        if rng.chance(85) {
            "/".to_string()
        } else {
            format!("/administrativeUnits/au{}", rng.below(50))
        }
    };

    let mut holdings: hashbrown::HashMap<(usize, usize), Holding> = hashbrown::HashMap::new();
    let mut group_active: Vec<Vec<usize>> = vec![Vec::new(); groups];
    let mut created = 0usize;

    // Group assignments: each group active in one to three roles and eligible in one or two.
    for (g, active_roles) in group_active.iter_mut().enumerate() {
        for _ in 0..1 + rng.below(3) {
            let r = rng.role();
            let s = schedule(
                group(g),
                &roles[r],
                AssignmentType::Active,
                Origin::Assigned,
                "/".into(),
                now - TimeDelta::days(10),
                None,
                None,
            );
            apply(
                &mut engine,
                Event::ScheduleCreated {
                    at: load,
                    by: None,
                    schedule: s.into(),
                },
            );
            active_roles.push(r);
            created += 1;
        }
        for _ in 0..1 + rng.below(2) {
            let r = rng.role();
            let (start, end) = window(&mut rng);
            let s = schedule(
                group(g),
                &roles[r],
                AssignmentType::Eligible,
                Origin::Assigned,
                scope(&mut rng),
                start,
                end,
                None,
            );
            apply(
                &mut engine,
                Event::ScheduleCreated {
                    at: load,
                    by: None,
                    schedule: s.into(),
                },
            );
            created += 1;
        }
    }

    // User assignments: 50 % eligible, 40 % active, 10 % an eligibility plus its activation.
    while created < assignments {
        let u = rng.below(users);
        let r = rng.role();
        let h = holdings.entry((u, r)).or_default();
        match rng.below(100) {
            0..=49 => {
                let (start, end) = window(&mut rng);
                let sc = scope(&mut rng);
                if sc == "/" && end.is_none() {
                    h.eligible_root_permanent = true;
                }
                let s = schedule(
                    user(u),
                    &roles[r],
                    AssignmentType::Eligible,
                    Origin::Assigned,
                    sc,
                    start,
                    end,
                    None,
                );
                apply(
                    &mut engine,
                    Event::ScheduleCreated {
                        at: load,
                        by: None,
                        schedule: s.into(),
                    },
                );
                created += 1;
            }
            50..=89 => {
                let (start, end) = window(&mut rng);
                let sc = scope(&mut rng);
                let in_effect = start <= now && end.is_none_or(|e| now < e);
                if in_effect {
                    h.active_any = true;
                    if sc == "/" {
                        h.active_direct_root = true;
                    }
                }
                let s = schedule(
                    user(u),
                    &roles[r],
                    AssignmentType::Active,
                    Origin::Assigned,
                    sc,
                    start,
                    end,
                    None,
                );
                apply(
                    &mut engine,
                    Event::ScheduleCreated {
                        at: load,
                        by: None,
                        schedule: s.into(),
                    },
                );
                created += 1;
            }
            _ => {
                let elig = schedule(
                    user(u),
                    &roles[r],
                    AssignmentType::Eligible,
                    Origin::Assigned,
                    "/".into(),
                    now - TimeDelta::days(90),
                    None,
                    None,
                );
                let elig_id = elig.id.clone();
                apply(
                    &mut engine,
                    Event::ScheduleCreated {
                        at: load,
                        by: None,
                        schedule: elig.into(),
                    },
                );
                let start = now - TimeDelta::hours(rng.below(7) as i64 + 1);
                let act = schedule(
                    user(u),
                    &roles[r],
                    AssignmentType::Active,
                    Origin::Activated,
                    "/".into(),
                    start,
                    Some(start + TimeDelta::hours(8)),
                    Some(elig_id.into()),
                );
                apply(
                    &mut engine,
                    Event::ScheduleCreated {
                        at: load,
                        by: None,
                        schedule: act.into(),
                    },
                );
                h.activated = true;
                h.active_any = true;
                created += 2;
            }
        }
    }
    // What time has done since: expired schedules leave the indexes, as a ticking host has them.
    let loaded = clock.elapsed();
    let expired = engine.tick(now);
    let expired_count = expired.len();
    for e in expired {
        apply(&mut engine, e);
    }
    let ticked = clock.elapsed() - loaded;

    // Benchmark keys.
    let mut direct = Vec::new();
    let mut direct_any = Vec::new();
    let mut activation = Vec::new();
    let mut eligible_only = Vec::new();
    let mut activatable = Vec::new();
    let mut sorted: Vec<(&(usize, usize), &Holding)> = holdings.iter().collect();
    sorted.sort_by_key(|(k, _)| **k);
    for ((u, r), h) in sorted {
        let key = (user(*u), roles[*r].clone());
        let via_group = members_of[*u].iter().any(|g| group_active[*g].contains(r));
        if h.active_direct_root && direct.len() < KEYS {
            direct.push(key.clone());
        }
        if h.active_direct_root {
            direct_any.push(key.clone());
        }
        if h.activated && !h.active_direct_root && activation.len() < KEYS {
            activation.push(key.clone());
        }
        if h.eligible_root_permanent && !h.active_any && !via_group {
            if eligible_only.len() < KEYS {
                eligible_only.push(key.clone());
            }
            if activatable.len() < KEYS {
                activatable.push(key);
            }
        }
    }
    let mut group_keys = Vec::new();
    'outer: for (g, members) in group_members.iter().enumerate() {
        for r in &group_active[g] {
            for u in members {
                let own = holdings.get(&(*u, *r)).copied().unwrap_or_default();
                if !own.active_any {
                    group_keys.push((user(*u), roles[*r].clone()));
                    if group_keys.len() >= KEYS {
                        break 'outer;
                    }
                }
            }
        }
    }
    let unknown = (0..KEYS)
        .map(|i| (format!("stranger-{i}"), roles[i % ROLE_COUNT].clone()))
        .collect();

    let t = Tenant {
        engine,
        now,
        roles,
        direct,
        direct_any,
        group: group_keys,
        activation,
        eligible_only,
        unknown,
        activatable,
    };
    let rss_after = rss_kib();
    eprintln!(
        "tenant of {assignments} assignments: {} schedules, {users} users, {groups} groups; \
         built in {:.2?} (directory and memberships {:.2?}, tick ending {} expired {:.2?}); \
         resident memory {} MiB -> {} MiB",
        t.engine.schedule_count(),
        clock.elapsed(),
        membership_done,
        expired_count,
        ticked,
        rss_before / 1024,
        rss_after / 1024,
    );
    for (name, keys) in [
        ("direct", &t.direct),
        ("group", &t.group),
        ("activation", &t.activation),
        ("eligible-only", &t.eligible_only),
        ("activatable", &t.activatable),
    ] {
        assert!(!keys.is_empty(), "no {name} keys in the tenant");
    }
    t
}

/// The process's resident set size in KiB (Linux), or 0.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn sanity(t: &Tenant) {
    let check = |keys: &[(String, String)], expect: bool, name: &str| {
        for (p, r) in keys {
            let c = t.engine.check(p, r, "/", t.now);
            assert_eq!(c.active, expect, "{name} key {p} {r}: {c:?}");
        }
    };
    check(&t.direct, true, "direct");
    check(&t.direct_any, true, "direct (any key)");
    check(&t.group, true, "group");
    check(&t.activation, true, "activation");
    check(&t.eligible_only, false, "eligible-only");
    check(&t.unknown, false, "unknown");
}

fn bench_check(c: &mut Criterion, t: &Tenant, size: &str) {
    let mut g = c.benchmark_group(format!("check/{size}"));
    for (name, keys) in [
        ("hit-direct", &t.direct),
        ("hit-direct-any-key", &t.direct_any),
        ("hit-group", &t.group),
        ("hit-activation", &t.activation),
        ("miss-eligible-only", &t.eligible_only),
        ("miss-unknown-principal", &t.unknown),
    ] {
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % keys.len();
                let (p, r) = &keys[i];
                black_box(t.engine.check(black_box(p), black_box(r), "/", t.now))
            });
        });
    }
    // One key, always the same: the best case, everything in cache.
    g.bench_function(BenchmarkId::from_parameter("hit-direct-hot"), |b| {
        let (p, r) = &t.direct[0];
        b.iter(|| black_box(t.engine.check(black_box(p), black_box(r), "/", t.now)));
    });
    g.finish();
}

fn activation_command(principal: &str, role: &str) -> Command {
    serde_json::from_value(json!({
        "op": "request",
        "kind": "assignment",
        "body": {
            "action": "selfActivate",
            "principalId": principal,
            "roleDefinitionId": role,
            "directoryScopeId": "/",
            "justification": "incident 42",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT4H" } }
        }
    }))
    .expect("the command parses")
}

fn bench_activation(c: &mut Criterion, t: &Tenant, size: &str) {
    let commands: Vec<(Command, CallContext)> = t
        .activatable
        .iter()
        .map(|(p, r)| (activation_command(p, r), CallContext::user(p).with_mfa()))
        .collect();
    for (cmd, ctx) in &commands {
        let o = t.engine.execute(cmd, ctx, t.now).expect("executes");
        assert!(
            o.decision.error.is_none(),
            "activation refused: {:?}",
            o.decision
        );
    }
    let mut g = c.benchmark_group(format!("activate/{size}"));
    decisions::execute_each(&mut g, "execute-selfActivate", t, &commands);
    g.finish();
}

fn admin_remove_eligibility(principal: &str, role: &str) -> Command {
    serde_json::from_value(json!({
        "op": "request",
        "kind": "eligibility",
        "body": {
            "action": "adminRemove",
            "principalId": principal,
            "roleDefinitionId": role,
            "directoryScopeId": "/",
            "justification": "left the team"
        }
    }))
    .expect("the command parses")
}

/// Removing an eligibility whose activation is running: the decision ends the activation
/// drawn from it too, found through the state's index rather than a scan of every schedule.
fn bench_admin_remove(c: &mut Criterion, t: &Tenant, size: &str) {
    let ctx = CallContext::system();
    let commands: Vec<Command> = t
        .activation
        .iter()
        .map(|(p, r)| admin_remove_eligibility(p, r))
        .filter(|cmd| {
            t.engine
                .execute(cmd, &ctx, t.now)
                .is_ok_and(|o| o.decision.error.is_none() && o.events.len() >= 2)
        })
        .collect();
    assert!(
        !commands.is_empty(),
        "no activation drawn from a direct eligibility at `/` to remove"
    );
    let mut g = c.benchmark_group(format!("admin/{size}"));
    g.bench_function("execute-adminRemove-eligibility", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) % commands.len();
            black_box(t.engine.execute(black_box(&commands[i]), &ctx, t.now))
        });
    });
    g.finish();
}

fn bench_stateless(c: &mut Criterion) {
    let now = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid");
    let settings = RoleSettings::default();
    let eligibility = EligibilityWindow {
        start_date_time: now - TimeDelta::days(10),
        end_date_time: Some(now + TimeDelta::days(20)),
    };
    let input: ActivationInput = serde_json::from_value(json!({
        "justification": "incident 42",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT4H" } }
    }))
    .expect("the input parses");
    let ctx = CallContext::user("user-0000001").with_mfa();
    let d = evaluate_activation(&settings, &eligibility, &input, &ctx, now).expect("evaluates");
    assert!(d.error.is_none(), "{d:?}");
    c.bench_function("evaluate_activation/stateless", |b| {
        b.iter(|| {
            black_box(evaluate_activation(
                black_box(&settings),
                &eligibility,
                black_box(&input),
                &ctx,
                now,
            ))
        });
    });
}

/// One random DRAM access: a dependent load chasing a random cycle through 128 MiB (far past
/// the caches), so each step waits for memory. `check` at a million assignments is compared
/// with this figure, measured in the same run on the same machine.
fn bench_dram(c: &mut Criterion) {
    const SLOTS: usize = 1 << 25;
    // Sattolo's algorithm: a random permutation that is one cycle through every slot.
    let mut next: Vec<u32> = (0..SLOTS as u32).collect();
    let mut rng = Rng(0xD2A4);
    for i in (1..SLOTS).rev() {
        next.swap(i, rng.below(i));
    }
    let mut at = 0u32;
    c.bench_function("dram/random-access", |b| {
        b.iter(|| {
            at = next[at as usize];
            black_box(at)
        });
    });
}

fn benches(c: &mut Criterion) {
    bench_dram(c);
    bench_stateless(c);
    // `PIM_BENCH_SIZES=10000,100000` picks other tenant sizes (default: 10k and 1M).
    let sizes: Vec<usize> = std::env::var("PIM_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 1_000_000]);
    for n in sizes {
        let size = match n {
            n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
            n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
            n => n.to_string(),
        };
        let size = size.as_str();
        let mut t = build(n);
        sanity(&t);
        eprintln!(
            "{size}: {} roles; keys: {} direct, {} group, {} activation, {} eligible-only, {} activatable",
            t.roles.len(),
            t.direct.len(),
            t.group.len(),
            t.activation.len(),
            t.eligible_only.len(),
            t.activatable.len()
        );
        bench_check(c, &t, size);
        bench_activation(c, &t, size);
        bench_admin_remove(c, &t, size);
        decisions::bench_all(c, &mut t, size);
    }
}

criterion_group!(engine, benches);
criterion_main!(engine);
