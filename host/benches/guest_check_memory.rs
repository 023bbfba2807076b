//! A million `check` calls through one `pim_guest.wasm` instance, with its memory measured
//! flat: the guest's linear memory and the host process's resident set before and after must
//! not grow (`pim_check` allocates nothing; the host reuses one scratch buffer).
//!
//! `cargo bench -p pim-host --bench guest_check_memory` (after `scripts/build-guest.sh`). The
//! tenant has `PIM_BENCH_USERS` users (default 10000): each holds Exchange Administrator,
//! permanently at the tenant, until a date at an administrative unit, or as an eligibility,
//! and a group holds Global Administrator for a tenth of them. The calls vary the principal
//! (a tenth unknown), the role (a third Global Administrator, some unknown), the scope and the
//! time (before and after the dated ends), so they hit and miss. It prints the figures and
//! fails when the linear memory grew at all, or the resident set by more than 1 MiB.

use std::sync::Arc;

use pim_core::time::parse_instant;
use pim_core::{CallContext, Engine, Event, Projections, Tenant};
use pim_host::{Guest, GuestInstance, Limits};
use serde_json::{Value, json};

const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const CALLS: u64 = 1_000_000;
/// 2026-03-02T09:00:00Z, when the tenant is loaded.
const LOADED: i64 = 1_772_442_000;

fn assignment(i: usize) -> Value {
    match i % 3 {
        0 => json!({ "type": "active", "principalId": format!("u{i}"),
                     "roleDefinitionId": EXCHANGE_ADMIN }),
        1 => json!({ "type": "active", "principalId": format!("u{i}"),
                     "roleDefinitionId": EXCHANGE_ADMIN,
                     "directoryScopeId": format!("/administrativeUnits/au{}", i % 7),
                     "startDateTime": "2026-03-01T00:00:00Z",
                     "endDateTime": "2026-04-01T00:00:00Z" }),
        _ => json!({ "type": "eligible", "principalId": format!("u{i}"),
                     "roleDefinitionId": EXCHANGE_ADMIN }),
    }
}

/// The tenant's event log: users, one group, assignments.
fn tenant_events(users: usize) -> Vec<Event> {
    let members: Vec<_> = (0..users).step_by(10).map(|i| format!("u{i}")).collect();
    let mut assignments: Vec<_> = (0..users).map(assignment).collect();
    assignments.push(json!({ "type": "active", "principalId": "g",
                             "roleDefinitionId": GLOBAL_ADMIN }));
    let tenant = json!({ "directory": {
        "users": (0..users).map(|i| json!({ "id": format!("u{i}") })).collect::<Vec<_>>(),
        "groups": [{ "id": "g", "members": members, "isRoleAssignable": true }],
        "assignments": assignments,
    }});
    let tenant = Tenant::from_value(tenant).expect("the tenant reads");
    let now = parse_instant("2026-03-02T09:00:00Z").expect("an instant");
    let mut engine = Engine::new();
    let mut log = Vec::new();
    for command in tenant.commands() {
        let outcome = engine
            .execute(&command, &CallContext::system(), now)
            .expect("the tenant loads");
        for e in &outcome.events {
            engine.apply(e).expect("the events apply");
        }
        log.extend(outcome.events);
    }
    log
}

/// The arguments of call `n`: principal, role, scope, unix time.
fn arguments(n: u64, users: u64) -> (String, &'static str, String, i64) {
    let principal = format!("u{}", n.wrapping_mul(7_919) % (users + users / 10));
    let role = match n % 6 {
        0 | 3 => GLOBAL_ADMIN,
        5 => "00000000-0000-0000-0000-000000000000",
        _ => EXCHANGE_ADMIN,
    };
    let scope = match n % 4 {
        0 => String::new(),
        1 => "/".to_owned(),
        _ => format!("/administrativeUnits/au{}", n % 9),
    };
    // From the load to 60 days later: the dated assignments end after 30.
    let now = LOADED + (n.wrapping_mul(104_729) % (60 * 86_400)) as i64;
    (principal, role, scope, now)
}

/// The process's resident set, in KiB (Linux; 0 elsewhere).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs calls `from..to`, returning how many answered active.
fn checks(instance: &mut GuestInstance, from: u64, to: u64, users: u64) -> u64 {
    let mut hits = 0;
    for n in from..to {
        let (p, r, s, now) = arguments(n, users);
        let code = instance.check(&p, r, &s, now).expect("a check answers");
        hits += u64::from(code.is_active());
    }
    hits
}

fn main() {
    let users: usize = std::env::var("PIM_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let guest = Guest::from_file(&Guest::locate(None), Limits::default())
        .unwrap_or_else(|e| panic!("{e} (run scripts/build-guest.sh first)"));
    let mut instance = Arc::clone(&guest).instantiate().expect("an instance");
    instance.reset(Projections::CHECK_ONLY).expect("resets");
    let events = tenant_events(users);
    instance.load(&events).expect("loads");
    let loaded = instance.memory_image().len();
    let warm = 1_000;
    let mut hits = checks(&mut instance, 0, warm, users as u64);
    let (memory_before, rss_before) = (instance.memory_image().len(), rss_kib());
    let started = std::time::Instant::now();
    hits += checks(&mut instance, warm, warm + CALLS, users as u64);
    let elapsed = started.elapsed();
    let (memory_after, rss_after) = (instance.memory_image().len(), rss_kib());
    println!(
        "guest_check_memory/{users} users, {} events: {CALLS} checks ({hits} active) in {:.2?} \
         ({:.0} ns per check); linear memory {loaded} bytes after loading, {memory_before} \
         after {warm} warm-up checks, {memory_after} after {CALLS} more; host RSS \
         {rss_before} KiB before, {rss_after} KiB after",
        events.len(),
        elapsed,
        elapsed.as_nanos() as f64 / CALLS as f64,
    );
    assert!(
        hits > 0 && hits < warm + CALLS,
        "the calls both hit and miss"
    );
    assert_eq!(
        memory_after, memory_before,
        "the guest's linear memory grew"
    );
    assert_eq!(memory_before, loaded, "the first checks grew linear memory");
    assert!(
        rss_after <= rss_before + 1024,
        "the host's resident set grew by {} KiB",
        rss_after - rss_before
    );
}
