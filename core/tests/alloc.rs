//! `Engine::check`, the gateway's question, allocates nothing: hits, misses, group hits,
//! activations and unknown principals are all answered from the engine's indexes alone.
//!
//! A counting global allocator counts, per thread, every allocation made while a thread is
//! counting; it lives in its own test binary so the other tests run on the plain allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use pim_core::time::parse_instant;
use pim_core::wire::{DirectorySnapshot, RequestKind};
use pim_core::{CallContext, Command, Engine, Instant, Via};

thread_local! {
    /// Whether this thread's allocations are being counted.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Allocations (including reallocations) this thread made while counting.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting the calls of threads that asked for it.
struct Counting;

fn note_allocation() {
    // `try_with`: the allocator is also called while thread-locals are torn down.
    let _ = COUNTING.try_with(|counting| {
        if counting.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

#[expect(
    unsafe_code,
    reason = "a global allocator is an unsafe trait; this one only forwards to System"
)]
// SAFETY: every method forwards to `System` with the caller's arguments unchanged; counting
// touches only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the number of allocations this thread made meanwhile.
fn count_allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (out, ALLOCATIONS.with(Cell::get))
}

const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";
const AU1: &str = "/administrativeUnits/au1";

type Error = Box<dyn std::error::Error>;

fn execute(
    engine: &mut Engine,
    cmd: &Command,
    ctx: &CallContext,
    now: Instant,
) -> Result<(), Error> {
    let outcome = engine.execute(cmd, ctx, now)?;
    if let Some(e) = outcome.decision.error {
        return Err(format!("refused: {e:?}").into());
    }
    for event in &outcome.events {
        engine.apply(event)?;
    }
    Ok(())
}

/// `direct` holds Exchange Administrator; group `ops` (with `member` and `nested` in it;
/// `nested` is also in group `inner`, since role-assignable groups cannot nest) holds User
/// Administrator at an administrative unit; `jit` is eligible for Security Reader and has
/// activated it for two hours from `now`.
fn tenant(now: Instant) -> Result<Engine, Error> {
    let directory: DirectorySnapshot = serde_json::from_value(serde_json::json!({
        "users": [{ "id": "direct" }, { "id": "member" }, { "id": "nested" }, { "id": "jit" }],
        "groups": [
            { "id": "ops", "members": ["member", "nested"], "isRoleAssignable": true },
            { "id": "inner", "members": ["nested"], "isRoleAssignable": true },
        ],
        "assignments": [
            { "type": "active", "principalId": "direct", "roleDefinitionId": EXCHANGE },
            { "type": "active", "principalId": "ops", "roleDefinitionId": USER_ADMIN,
              "directoryScopeId": AU1 },
            { "type": "eligible", "principalId": "jit", "roleDefinitionId": SECURITY_READER },
        ],
    }))?;
    let mut engine = Engine::new();
    let import = Command::ImportDirectory {
        directory: Box::new(directory),
    };
    execute(&mut engine, &import, &CallContext::system(), now)?;
    let body = serde_json::from_value(serde_json::json!({
        "action": "selfActivate", "principalId": "jit", "roleDefinitionId": SECURITY_READER,
        "directoryScopeId": "/", "justification": "ticket queue",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } },
    }))?;
    let activate = Command::Request {
        kind: RequestKind::Assignment,
        body: Box::new(body),
    };
    execute(
        &mut engine,
        &activate,
        &CallContext::user("jit").with_mfa(),
        now,
    )?;
    Ok(engine)
}

/// A question and the answer it must get: (principal, role, scope, active, via).
type Case = (&'static str, &'static str, &'static str, bool, Option<Via>);

const CASES: [Case; 14] = [
    // Hits.
    ("direct", EXCHANGE, "/", true, Some(Via::Direct)),
    ("direct", EXCHANGE, AU1, true, Some(Via::Direct)),
    ("member", USER_ADMIN, AU1, true, Some(Via::Group)),
    (
        "nested",
        USER_ADMIN,
        "/administrativeUnits/au1/users/x",
        true,
        Some(Via::Group),
    ),
    ("jit", SECURITY_READER, "/", true, Some(Via::Activation)),
    // Misses: another role, a scope the grant does not cover, an eligibility not activated.
    ("direct", USER_ADMIN, "/", false, None),
    ("member", USER_ADMIN, "/", false, None),
    (
        "member",
        USER_ADMIN,
        "/administrativeUnits/au2",
        false,
        None,
    ),
    ("member", EXCHANGE, "/", false, None),
    ("jit", EXCHANGE, "/", false, None),
    // Unknown principals, roles and scopes.
    ("nobody", EXCHANGE, "/", false, None),
    ("", USER_ADMIN, AU1, false, None),
    ("direct", "no-such-role", "/", false, None),
    ("direct", EXCHANGE, "not a scope", false, None),
];

/// How many of `CASES` get a different answer at `t`, asked `rounds` times each.
fn wrong_answers(engine: &Engine, t: Instant, rounds: usize, expired: bool) -> usize {
    let mut wrong = 0;
    for _ in 0..rounds {
        for (principal, role, scope, active, via) in CASES {
            // After the activation's end only the activation's answer changes.
            let (active, via) = if expired && via == Some(Via::Activation) {
                (false, None)
            } else {
                (active, via)
            };
            let c = engine.check(principal, role, scope, t);
            if c.active != active || c.via != via {
                wrong += 1;
            }
        }
    }
    wrong
}

#[test]
fn check_allocates_nothing() -> Result<(), Error> {
    let now = parse_instant("2026-03-02T09:00:00Z")?;
    let engine = tenant(now)?;
    let during = now + chrono::TimeDelta::minutes(30);
    let after = now + chrono::TimeDelta::hours(3);
    let ((wrong_during, wrong_after), allocations) = count_allocations(|| {
        (
            wrong_answers(&engine, during, 500, false),
            wrong_answers(&engine, after, 500, true),
        )
    });
    assert_eq!(
        wrong_during, 0,
        "check answered wrongly during the activation"
    );
    assert_eq!(
        wrong_after, 0,
        "check answered wrongly after the activation"
    );
    assert_eq!(
        allocations,
        0,
        "{} checks made {allocations} allocations",
        2 * 500 * CASES.len()
    );
    Ok(())
}

/// The counter itself works: an allocation in the counted region is seen.
#[test]
fn the_counter_sees_allocations() {
    let (v, allocations) = count_allocations(|| std::hint::black_box(vec![1u8; 16]));
    assert_eq!(v.len(), 16);
    assert!(allocations >= 1, "a Vec was allocated but not counted");
}
