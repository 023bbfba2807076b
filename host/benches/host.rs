//! pim-host benchmarks: the gateway check through wasmtime at 10,000 and 1,000,000 active
//! assignments, a full request through the guest (decide, commit, apply), and HTTP requests
//! through the API with SQLite.
//!
//! `cargo bench -p pim-host --bench host` (after `scripts/build-guest.sh`). Sizes for the check:
//! `PIM_BENCH_SIZES=10000,1000000` (the default).

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pim_core::time::parse_instant;
use pim_core::{CallContext, Command, Engine, Event, Instant};
use pim_host::http::{AppState, RateLimitConfig, ServerConfig, TokenEntry, router};
use pim_host::{Guest, Limits, MemoryStore, Service, SqliteStore, Store, SystemClock};
use serde_json::json;

const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

fn at(text: &str) -> Instant {
    parse_instant(text).expect("a valid instant")
}

fn guest() -> Arc<Guest> {
    let limits = Limits {
        memory_bytes: 4 << 30,
        fuel_per_call: 50_000_000_000,
        max_input_bytes: 256 << 20,
        ..Limits::default()
    };
    let path = Guest::locate(None);
    Guest::from_file(&path, limits)
        .unwrap_or_else(|e| panic!("{e} (run scripts/build-guest.sh first)"))
}

/// The events of a tenant of `n` users, each with a permanent active Exchange Administrator
/// assignment, plus `aymen` (Global Administrator) and `user1` (eligible).
fn tenant_events(n: usize) -> Vec<Event> {
    let mut users = vec![json!({ "id": "aymen" }), json!({ "id": "user1" })];
    let mut assignments = vec![
        json!({ "type": "active", "principalId": "aymen", "roleDefinitionId": pim_core::GLOBAL_ADMINISTRATOR }),
        json!({ "type": "eligible", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN }),
    ];
    for i in 0..n {
        users.push(json!({ "id": format!("u{i}") }));
        assignments.push(json!({ "type": "active", "principalId": format!("u{i}"),
            "roleDefinitionId": EXCHANGE_ADMIN }));
    }
    let directory = serde_json::from_value(json!({ "users": users, "assignments": assignments }))
        .expect("a directory");
    Engine::new()
        .execute(
            &Command::ImportDirectory {
                directory: Box::new(directory),
            },
            &CallContext::system(),
            at("2026-03-02T09:00:00Z"),
        )
        .expect("imports")
        .events
}

/// A service holding the tenant, loaded through the guest in batches.
fn loaded<S: Store>(store: S, n: usize) -> Service<S> {
    let mut s = Service::open(guest(), store).expect("opens");
    for batch in tenant_events(n).chunks(50_000) {
        s.commit(batch).expect("commits");
    }
    s
}

fn bench_check(c: &mut Criterion) {
    let sizes: Vec<usize> = std::env::var("PIM_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let mut group = c.benchmark_group("check_through_wasmtime");
    let now = at("2026-03-02T10:00:00Z").timestamp();
    for n in sizes {
        let mut s = loaded(MemoryStore::new(), n);
        let i = s.instance_mut();
        let hit = format!("u{}", n / 2);
        group.bench_with_input(BenchmarkId::new("active", n), &n, |b, _| {
            b.iter(|| black_box(i.check(black_box(&hit), EXCHANGE_ADMIN, "/", now)))
        });
        group.bench_with_input(BenchmarkId::new("inactive", n), &n, |b, _| {
            b.iter(|| black_box(i.check(black_box("user1"), EXCHANGE_ADMIN, "/", now)))
        });
    }
    group.finish();
}

/// A new eligibility, spread over the tenant's 1,000 users so no principal's list grows long.
fn eligibility(i: u64) -> Command {
    serde_json::from_value(json!({
        "op": "request", "kind": "eligibility", "body": {
            "action": "adminAssign", "principalId": format!("u{}", i % 1000),
            "roleDefinitionId": EXCHANGE_ADMIN,
            "directoryScopeId": format!("/administrativeUnits/au{i}"), "justification": "bench",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } } }
    }))
    .expect("a command")
}

fn bench_request(c: &mut Criterion) {
    let mut group = c.benchmark_group("request_through_guest");
    let aymen = CallContext::user("aymen").with_mfa();
    let now = at("2026-03-02T10:00:00Z");

    let mut s = loaded(MemoryStore::new(), 1_000);
    let activate: Command = serde_json::from_value(json!({
        "op": "request", "kind": "assignment", "body": {
            "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
            "directoryScopeId": "/", "justification": "bench",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } } }
    }))
    .expect("a command");
    let user1 = CallContext::user("user1").with_mfa();
    group.bench_function("call_state_roundtrip", |b| {
        b.iter(|| {
            black_box(
                s.instance_mut()
                    .call_raw(br#"{"op":"state"}"#)
                    .expect("answers"),
            )
        })
    });
    group.bench_function("decide_activation", |b| {
        b.iter(|| black_box(s.execute(&activate, &user1, now).expect("decides")))
    });

    let mut n = 0;
    group.bench_function("submit_memory_store", |b| {
        b.iter(|| {
            n += 1;
            black_box(s.submit(&eligibility(n), &aymen, now).expect("decides"))
        })
    });

    let dir = std::env::temp_dir().join(format!("pim-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");
    let _ = std::fs::remove_file(&db);
    let mut s = loaded(SqliteStore::open(&db).expect("opens"), 1_000);
    let mut n = 0;
    group.bench_function("submit_sqlite_durable", |b| {
        b.iter(|| {
            n += 1;
            black_box(s.submit(&eligibility(n), &aymen, now).expect("decides"))
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn request(addr: &str, method: &str, path: &str, body: &str) -> u16 {
    let mut s = TcpStream::connect(addr).expect("connects");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer aymen-token\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("writes");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("reads");
    std::str::from_utf8(&raw[9..12])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn bench_http(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("pim-bench-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");
    let _ = std::fs::remove_file(&db);
    let service = loaded(SqliteStore::open(&db).expect("opens"), 1_000);
    let config = ServerConfig {
        listen: None,
        tokens: vec![TokenEntry {
            token: "aymen-token".into(),
            principal: "aymen".into(),
            mfa: true,
            auth_context: Vec::new(),
        }],
        // The benchmark measures the service, not the throttle.
        rate_limit: RateLimitConfig::OFF,
        ..ServerConfig::default()
    };
    let reader = Service::open(
        service.guest().clone(),
        SqliteStore::open(&db).expect("opens"),
    )
    .expect("opens");
    let state = AppState::new(service, vec![reader], Arc::new(SystemClock), &config)
        .expect("a valid config");
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let addr = listener.local_addr().expect("an address").to_string();
    rt.spawn(async move { axum::serve(listener, router(state, 1 << 20)).await });

    let mut group = c.benchmark_group("http_sqlite");
    let check = format!(
        "/v1.0/pim/check?principalId=u500&roleDefinitionId={EXCHANGE_ADMIN}&directoryScopeId=/"
    );
    group.bench_function("get_check", |b| {
        b.iter(|| assert_eq!(request(&addr, "GET", &check, ""), 200))
    });
    let mut n = 0u64;
    group.bench_function("post_eligibility_request", |b| {
        b.iter(|| {
            n += 1;
            let body = json!({
                "action": "adminAssign", "principalId": format!("u{}", n % 1000),
                "roleDefinitionId": EXCHANGE_ADMIN,
                "directoryScopeId": format!("/administrativeUnits/h{n}"), "justification": "bench",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
            })
            .to_string();
            assert_eq!(
                request(
                    &addr,
                    "POST",
                    "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests",
                    &body
                ),
                201
            )
        })
    });
    group.finish();
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

fn bench_restart(c: &mut Criterion) {
    let mut group = c.benchmark_group("restart_100k_assignments");
    group.sample_size(10);
    let mut s = loaded(MemoryStore::new(), 100_000);
    group.bench_function("replay_log", |b| b.iter(|| s.reload().expect("reloads")));
    s.snapshot().expect("snapshots");
    group.bench_function("restore_snapshot", |b| {
        b.iter(|| s.reload().expect("reloads"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench_check, bench_request, bench_http, bench_restart
}
criterion_main!(benches);
