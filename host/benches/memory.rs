//! Guest memory per assignment: the linear memory a `pim_guest.wasm` instance holds after
//! loading a tenant of 100,000 active assignments (users with a permanent Exchange
//! Administrator assignment each), keeping every projection (a reference host) and keeping
//! only what `check` needs (a gateway).
//!
//! `cargo bench -p pim-host --bench memory` (after `scripts/build-guest.sh`); the size is
//! `PIM_BENCH_ASSIGNMENTS` (default 100000). It prints one line per configuration. Linear
//! memory only grows, so the figure is the high-water mark of loading, which is what a
//! gateway must provision per instance.

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

fn tenant_events(n: usize) -> Vec<Event> {
    let users: Vec<_> = (0..n).map(|i| json!({ "id": format!("u{i}") })).collect();
    let assignments: Vec<_> = (0..n)
        .map(|i| {
            json!({ "type": "active", "principalId": format!("u{i}"),
                    "roleDefinitionId": EXCHANGE_ADMIN })
        })
        .collect();
    let directory = serde_json::from_value(json!({ "users": users, "assignments": assignments }))
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
    let guest = guest();
    let empty = memory_after(&guest, &[], Projections::ALL);
    let events = tenant_events(n);
    for (name, projections) in [
        ("every projection (reference host)", Projections::ALL),
        ("check only (gateway)", Projections::CHECK_ONLY),
    ] {
        let bytes = memory_after(&guest, &events, projections);
        let per = bytes.saturating_sub(empty) / n.max(1);
        println!(
            "memory/{n} assignments/{name}: {bytes} bytes of linear memory, {per} bytes per assignment"
        );
    }
}
