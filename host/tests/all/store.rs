//! The stores: durable appends, optimistic concurrency on the sequence.

use pim_core::{CallContext, Command, Event};
use pim_host::{MemoryStore, Service, SqliteStore, Store, StoreError};

use crate::common::{EXCHANGE_ADMIN, at, guest, tenant_json};

pub(crate) fn events(n: usize) -> Vec<Event> {
    let engine = pim_core::Engine::new();
    let directory = serde_json::from_str(&tenant_json(n)).expect("a snapshot");
    engine
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

pub(crate) fn conflicts(store: &mut dyn Store) {
    let e = events(1);
    assert_eq!(store.append(0, &e).expect("appends"), e.len() as u64);
    match store.append(0, &e) {
        Err(StoreError::Conflict {
            expected: 0,
            actual,
        }) => assert_eq!(actual, e.len() as u64),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.events_after(0).expect("reads"), e);
    assert_eq!(store.events_after(1).expect("reads").len(), e.len() - 1);
}

#[test]
fn an_append_after_a_stale_sequence_is_a_conflict() {
    conflicts(&mut MemoryStore::new());
    conflicts(&mut SqliteStore::in_memory().expect("opens"));
}

#[test]
fn a_sqlite_log_survives_reopening_and_two_services_share_it() {
    let dir = std::env::temp_dir().join(format!("pim-host-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");
    let _ = std::fs::remove_file(&db);
    let mut a = Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    let mut b = Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    let directory = serde_json::from_str(&tenant_json(1)).expect("a snapshot");
    a.submit(
        &Command::ImportDirectory {
            directory: Box::new(directory),
        },
        &CallContext::system(),
        at("2026-03-02T09:00:00Z"),
    )
    .expect("imports");
    // `b` decides on stale state, its commit conflicts, it catches up and decides again.
    let activate: Command = serde_json::from_value(serde_json::json!({
        "op": "request", "kind": "assignment", "body": {
            "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
            "directoryScopeId": "/", "justification": "mailbox migration",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } } }
    }))
    .expect("a command");
    let user1 = CallContext::user("user1").with_mfa();
    let now = at("2026-03-02T09:05:00Z");
    let first = b.submit(&activate, &user1, now).expect("decides");
    assert!(first.error.is_none(), "{first:?}");
    let second = a.submit(&activate, &user1, now).expect("decides");
    assert!(second.error.is_some(), "granted twice: {second:?}");
    drop((a, b));
    let mut c = Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    assert!(
        c.check("user1", EXCHANGE_ADMIN, "/", now)
            .expect("serves")
            .is_active()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_log_records_its_format_and_a_newer_format_is_refused() {
    let dir = std::env::temp_dir().join(format!("pim-format-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join("pim.db");
    let _ = std::fs::remove_file(&path);
    let mut store = SqliteStore::open(&path).expect("creates");
    store.append(0, &events(1)).expect("appends");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("opens with SQLite itself");
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("reads user_version");
    assert_eq!(version, pim_core::LOG_FORMAT_VERSION);
    conn.pragma_update(None, "user_version", pim_core::LOG_FORMAT_VERSION + 1)
        .expect("writes user_version");
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StoreError::NewerFormat { found, supported }) => {
            assert_eq!(found, pim_core::LOG_FORMAT_VERSION + 1);
            assert_eq!(supported, pim_core::LOG_FORMAT_VERSION);
        }
        other => panic!("a log in a newer format must be refused, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
