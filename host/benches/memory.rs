//! Guest memory per assignment: the linear memory a `pim_guest.wasm` instance holds after
//! loading a tenant of permanent assignments, keeping every projection (a reference host) and
//! keeping only what `check` needs (a gateway).
//!
//! `cargo bench -p pim-host --bench memory` (after `scripts/build-guest.sh`); the size is
//! `PIM_BENCH_ASSIGNMENTS` (default 100000) and `PIM_BENCH_PER_USER` (default 1) assignments
//! per user: with 1, every user holds one active Exchange Administrator assignment; with k > 1,
//! every user holds k custom roles, the even ones eligible and the odd ones active (10 is the
//! shape of the native memory benchmark's tenant: one user per ten assignments). It prints one
//! line per configuration. Linear memory only grows, so the figure is the high-water mark of
//! loading, which is what a gateway must provision per instance.

use std::sync::Arc;

use pim_core::time::parse_instant;
use pim_core::{CallContext, Command, Engine, Event, Projections};
use pim_host::{Guest, Limits, MemoryStore, Service, Store};
use serde_json::json;

const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

fn guest() -> Arc<Guest> {
    let limits = Limits {
        memory_bytes: 4 << 30,
        fuel_per_call: 50_000_000_000,
        max_input_bytes: 256 << 20,
        ..Limits::default()
    };
    Guest::from_file(&Guest::locate(None), limits)
        .unwrap_or_else(|e| panic!("{e} (run scripts/build-guest.sh first)"))
}

fn tenant_events(n: usize, per_user: usize) -> Vec<Event> {
    let per_user = per_user.max(1);
    let users: Vec<_> = (0..n.div_ceil(per_user))
        .map(|i| json!({ "id": format!("u{i}") }))
        .collect();
    let role = |k: usize| match per_user {
        1 => EXCHANGE_ADMIN.to_string(),
        _ => format!("custom-role-{k}"),
    };
    let roles: Vec<_> = (0..per_user.min(n.max(1)))
        .filter(|_| per_user > 1)
        .map(|k| json!({ "id": role(k) }))
        .collect();
    let assignments: Vec<_> = (0..n)
        .map(|i| {
            let k = i % per_user;
            let kind = if per_user > 1 && k.is_multiple_of(2) {
                "eligible"
            } else {
                "active"
            };
            json!({ "type": kind, "principalId": format!("u{}", i / per_user),
                    "roleDefinitionId": role(k) })
        })
        .collect();
    let directory = serde_json::from_value(json!({
        "users": users, "roleDefinitions": roles, "assignments": assignments,
    }))
    .expect("a directory");
    Engine::new()
        .execute(
            &Command::ImportDirectory {
                directory: Box::new(directory),
            },
            &CallContext::system(),
            parse_instant("2026-03-02T09:00:00Z").expect("an instant"),
        )
        .expect("imports")
        .events
}

/// The guest's linear memory after it loaded `events` keeping `projections`.
fn memory_after(guest: &Arc<Guest>, events: &[Event], projections: Projections) -> usize {
    let mut store = MemoryStore::new();
    store.append(0, events).expect("appends");
    let mut service = Service::open_with(guest.clone(), store, projections).expect("loads");
    service.instance_mut().memory_image().len()
}

fn main() {
    let n: usize = std::env::var("PIM_BENCH_ASSIGNMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let per_user: usize = std::env::var("PIM_BENCH_PER_USER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let guest = guest();
    let empty = memory_after(&guest, &[], Projections::ALL);
    let events = tenant_events(n, per_user);
    for (name, projections) in [
        ("every projection (reference host)", Projections::ALL),
        ("check only (gateway)", Projections::CHECK_ONLY),
    ] {
        let bytes = memory_after(&guest, &events, projections);
        let per = bytes.saturating_sub(empty) / n.max(1);
        println!(
            "memory/{n} assignments, {per_user} per user/{name}: {bytes} bytes of linear memory, \
             {per} bytes per assignment"
        );
    }
}
