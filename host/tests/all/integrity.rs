//! The event log's hash chain (docs/event-log.md): a deleted or edited event is named by its
//! sequence number at load, under a running service (which keeps answering reads and refuses
//! writes) and by `pim-host verify`; old databases migrate; two writers keep one chain; a
//! read-only store writes nothing and still follows a writer.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use pim_core::{CallContext, Command, Event};
use pim_host::{
    Chain, MemoryStore, Service, ServiceError, SqliteStore, Store, StoreError, StoreOptions,
};
use rusqlite::Connection;

use crate::common::{EXCHANGE_ADMIN, at, guest, tenant_json};

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pim-integrity-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// The events of importing a tenant with `users` extra users.
fn events(users: usize) -> Vec<Event> {
    let directory = serde_json::from_str(&tenant_json(users)).expect("a snapshot");
    pim_core::Engine::new()
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

const JUSTIFICATION: &str = "mailbox migration";

fn activation() -> Command {
    serde_json::from_value(serde_json::json!({
        "op": "request", "kind": "assignment", "body": {
            "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
            "directoryScopeId": "/", "justification": JUSTIFICATION,
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } } }
    }))
    .expect("a command")
}

fn import(service: &mut Service<SqliteStore>, users: usize) {
    let directory = serde_json::from_str(&tenant_json(users)).expect("a snapshot");
    let command = Command::ImportDirectory {
        directory: Box::new(directory),
    };
    let d = service
        .submit(&command, &CallContext::system(), at("2026-03-02T09:00:00Z"))
        .expect("imports");
    assert!(d.error.is_none(), "{d:?}");
}

fn activate(service: &mut Service<SqliteStore>) -> Result<pim_core::Decision, ServiceError> {
    let user1 = CallContext::user("user1").with_mfa();
    service.submit(&activation(), &user1, at("2026-03-02T09:05:00Z"))
}

fn user1_active(service: &mut Service<SqliteStore>) -> bool {
    service
        .check("user1", EXCHANGE_ADMIN, "/", at("2026-03-02T09:10:00Z"))
        .expect("answers")
        .is_active()
}

/// A database holding a tenant and user1's activation; the sequence number of the first event
/// carrying the activation's justification.
fn activated_log(db: &Path) -> u64 {
    let mut service = Service::open(guest(), SqliteStore::open(db).expect("opens")).expect("opens");
    import(&mut service, 2);
    let d = activate(&mut service).expect("decides");
    assert!(d.error.is_none(), "{d:?}");
    justification_seq(db)
}

fn justification_seq(db: &Path) -> u64 {
    sql(db)
        .query_row(
            "SELECT MIN(seq) FROM events WHERE body LIKE ?1",
            [format!("%{JUSTIFICATION}%")],
            |r| r.get(0),
        )
        .expect("the activation is stored")
}

fn sql(db: &Path) -> Connection {
    Connection::open(db).expect("opens with SQLite itself")
}

fn delete_event(db: &Path, seq: u64) {
    let n = sql(db)
        .execute("DELETE FROM events WHERE seq = ?1", [seq])
        .expect("deletes");
    assert_eq!(n, 1);
}

fn edit_justification(db: &Path, seq: u64) {
    let n = sql(db)
        .execute(
            "UPDATE events SET body = replace(body, ?1, 'approved by the CEO') WHERE seq = ?2",
            rusqlite::params![JUSTIFICATION, seq],
        )
        .expect("updates");
    assert_eq!(n, 1);
}

/// `pim-host verify --db`: success, stdout.
fn verify(db: &Path) -> (bool, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_pim-host"))
        .args(["verify", "--db"])
        .arg(db)
        .env("PIM_LOG", "warn")
        .env_remove("PIM_LOG_KEY")
        .output()
        .expect("pim-host runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "verify failed to run: {stderr}"
    );
    (out.status.success(), stdout)
}

/// `pim-host serve` on `db` must exit with an error naming `seq`, without listening.
fn serve_refuses(db: &Path, seq: u64) {
    let mut child = Process::new(env!("CARGO_BIN_EXE_pim-host"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("PIM_LOG", "warn")
        .env_remove("PIM_LOG_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pim-host starts");
    let started = std::time::Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(300) {
            let _ = child.kill();
            panic!("serve started on a broken log");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("reaps");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}");
    assert!(!stdout.contains("listening"), "{stdout}");
    assert!(
        stderr.contains(&format!("broken at sequence {seq}:")),
        "serve must name sequence {seq}: {stderr}"
    );
}

fn broken_at<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> u64 {
    match r {
        Err(e) => e
            .broken_at()
            .unwrap_or_else(|| panic!("expected a broken chain, got {e}")),
        Ok(v) => panic!("expected a broken chain, got {v:?}"),
    }
}

#[test]
fn an_untouched_log_verifies_and_verify_prints_its_head() {
    let dir = temp_dir("untouched");
    let db = dir.join("pim.db");
    activated_log(&db);
    let (head, hash): (u64, String) = sql(&db)
        .query_row(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a head");
    let (ok, out) = verify(&db);
    assert!(ok, "{out}");
    assert_eq!(
        out.lines().next(),
        Some(format!("head {head} {hash}").as_str())
    );
    let mut store = SqliteStore::open(&db).expect("opens");
    assert_eq!(store.verify().expect("verifies").hex(), hash);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_deleted_event_is_named_at_load_and_by_verify() {
    let dir = temp_dir("deleted");
    let db = dir.join("pim.db");
    let seq = activated_log(&db);
    delete_event(&db, seq);
    let (ok, out) = verify(&db);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("first bad sequence: {seq}\n")),
        "{out}"
    );
    let store = SqliteStore::open(&db).expect("opens");
    assert_eq!(broken_at(Service::open(guest(), store)), seq);
    serve_refuses(&db, seq);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_edited_justification_is_named_at_load_and_by_verify() {
    let dir = temp_dir("edited");
    let db = dir.join("pim.db");
    let seq = activated_log(&db);
    edit_justification(&db, seq);
    let (ok, out) = verify(&db);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("first bad sequence: {seq}\n")),
        "{out}"
    );
    let store = SqliteStore::open(&db).expect("opens");
    assert_eq!(broken_at(Service::open(guest(), store)), seq);
    serve_refuses(&db, seq);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A host that has not read the activation yet finds it deleted (or edited): it keeps
/// answering from its verified state and refuses writes naming the sequence; the host that
/// wrote it finds the break when it rebuilds (as after a trap) and does the same.
fn a_running_service_survives(name: &str, tamper: fn(&Path, u64)) {
    let dir = temp_dir(name);
    let db = dir.join("pim.db");
    let mut writer = Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    import(&mut writer, 2);
    let mut other = Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    assert!(activate(&mut writer).expect("decides").error.is_none());
    let seq = justification_seq(&db);
    tamper(&db, seq);

    other
        .catch_up()
        .expect("a broken log is not an error for reads");
    assert!(!user1_active(&mut other), "reads answer the verified state");
    assert_eq!(other.integrity_fault().map(|f| f.seq), Some(seq));
    assert_eq!(broken_at(activate(&mut other)), seq);
    assert!(!user1_active(&mut other), "still answering");

    assert_eq!(broken_at(writer.reload()), seq);
    assert!(
        user1_active(&mut writer),
        "the writer keeps its verified state"
    );
    assert_eq!(broken_at(activate(&mut writer)), seq);
    assert_eq!(broken_at(writer.snapshot()), seq);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_running_service_answers_reads_and_refuses_writes_after_a_deletion() {
    a_running_service_survives("running-deleted", delete_event);
}

#[test]
fn a_running_service_answers_reads_and_refuses_writes_after_an_edit() {
    a_running_service_survives("running-edited", edit_justification);
}

#[test]
fn an_edit_below_what_a_running_service_has_read_is_found_by_a_recheck() {
    let dir = temp_dir("recheck");
    let db = dir.join("pim.db");
    let mut service =
        Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    import(&mut service, 2);
    assert!(activate(&mut service).expect("decides").error.is_none());
    service.recheck_chain().expect("an untouched log verifies");
    // The service has read every event; the edit is below its head, so catching up sees
    // nothing new and only a recheck finds it.
    let seq = justification_seq(&db);
    edit_justification(&db, seq);
    service.catch_up().expect("nothing new to read");
    assert!(service.integrity_fault().is_none(), "not seen yet");
    assert_eq!(broken_at(service.recheck_chain()), seq);
    assert_eq!(service.integrity_fault().map(|f| f.seq), Some(seq));
    assert_eq!(broken_at(activate(&mut service)), seq, "writes are refused");
    assert!(
        user1_active(&mut service),
        "reads answer the verified state"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cut_tail_is_named_when_the_host_appends() {
    let dir = temp_dir("tail");
    let db = dir.join("pim.db");
    let mut store = SqliteStore::open(&db).expect("opens");
    let e = events(1);
    let head = store.append(0, &e).expect("appends");
    delete_event(&db, head);
    match store.append(head, &e) {
        Err(StoreError::Broken { seq, .. }) => assert_eq!(seq, head),
        other => panic!("expected the cut to be named, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The tables as the host laid them out before the chain (store schema 1).
const SCHEMA_1: &str = "
CREATE TABLE events (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE snapshots (seq INTEGER NOT NULL, guest TEXT NOT NULL, memory BLOB NOT NULL,
    PRIMARY KEY (guest, seq));
PRAGMA user_version = 1;
";

fn old_database(db: &Path, events: &[Event]) {
    let conn = sql(db);
    conn.execute_batch(SCHEMA_1).expect("creates");
    for (i, e) in events.iter().enumerate() {
        conn.execute(
            "INSERT INTO events (seq, at, body) VALUES (?1, '2026-03-02T09:00:00Z', ?2)",
            rusqlite::params![i + 1, serde_json::to_string(e).expect("serializes")],
        )
        .expect("inserts");
    }
    conn.execute(
        "INSERT INTO snapshots (seq, guest, memory) VALUES (2, 'g', x'00')",
        [],
    )
    .expect("inserts");
}

#[test]
fn an_old_database_migrates_and_then_verifies() {
    let dir = temp_dir("migrate");
    let db = dir.join("pim.db");
    let e = events(2);
    old_database(&db, &e);
    let mut store = SqliteStore::open(&db).expect("migrates");
    let head = store.verify().expect("verifies");
    assert_eq!(head.seq, e.len() as u64);
    assert_eq!(store.events_after(0).expect("reads"), e);
    let conn = sql(&db);
    let schema: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'store_schema'",
            [],
            |r| r.get(0),
        )
        .expect("recorded");
    assert_eq!(schema, pim_host::store::STORE_SCHEMA.to_string());
    let (snapshot, event2): (String, String) = conn
        .query_row(
            "SELECT head_hash, (SELECT hash FROM events WHERE seq = 2) FROM snapshots",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a snapshot");
    assert_eq!(
        snapshot, event2,
        "the snapshot carries the link it was taken at"
    );
    drop(store);
    let (ok, out) = verify(&db);
    assert!(ok, "{out}");
    assert!(
        out.starts_with(&format!("head {} {}", head.seq, head.hex())),
        "{out}"
    );
    // A later append continues the migrated chain.
    let mut store = SqliteStore::open(&db).expect("opens");
    store.append(head.seq, &events(0)).expect("appends");
    assert!(verify(&db).0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_old_database_with_a_gap_is_refused_naming_it() {
    let dir = temp_dir("migrate-gap");
    let db = dir.join("pim.db");
    old_database(&db, &events(2));
    delete_event(&db, 3);
    match SqliteStore::open(&db) {
        Err(StoreError::Broken { seq, .. }) => assert_eq!(seq, 3),
        other => panic!("expected the gap to be named, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_stores_appending_alternately_keep_a_valid_chain() {
    let dir = temp_dir("alternate");
    let db = dir.join("pim.db");
    let mut a = SqliteStore::open(&db).expect("opens");
    let mut b = SqliteStore::open(&db).expect("opens");
    let batch = events(0);
    let mut expected = Vec::new();
    for round in 0..6 {
        let store = if round % 2 == 0 { &mut a } else { &mut b };
        let head = store.head().expect("a head");
        // Each store reads what the other appended (checking its links), then appends.
        store.events_after(head).expect("reads");
        store.append(head, &batch).expect("appends");
        expected.extend_from_slice(&batch);
    }
    assert!(matches!(
        a.append(0, &batch),
        Err(StoreError::Conflict { .. })
    ));
    let whole = a.verify().expect("one valid chain");
    assert_eq!(whole.seq, expected.len() as u64);
    assert_eq!(b.verify().expect("the same chain"), whole);
    assert_eq!(b.events_after(0).expect("reads"), expected);
    assert!(verify(&db).0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_keyed_chain_cannot_be_reforged_without_the_key() {
    let dir = temp_dir("keyed");
    let db = dir.join("pim.db");
    let keyed = |key: &str| StoreOptions {
        read_only: false,
        chain: Chain::keyed(key),
    };
    let mut store = SqliteStore::open_with(&db, &keyed("k1")).expect("opens");
    let e = events(2);
    store.append(0, &e).expect("appends");
    drop(store);
    // Someone edits event 2 and recomputes every link, without the key.
    let conn = sql(&db);
    conn.execute(
        "UPDATE events SET body = replace(body, 'u0', 'x0') WHERE seq = 2",
        [],
    )
    .expect("edits");
    let mut prev = pim_host::store::chain::GENESIS;
    for seq in 1..=e.len() as u64 {
        let body: String = conn
            .query_row("SELECT body FROM events WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .expect("a body");
        prev = Chain::plain().link(&prev, seq, body.as_bytes());
        let hex = pim_host::store::chain::to_hex(&prev);
        conn.execute(
            "UPDATE events SET hash = ?1 WHERE seq = ?2",
            rusqlite::params![hex, seq],
        )
        .expect("re-links");
    }
    let mut store = SqliteStore::open_with(&db, &keyed("k1")).expect("opens");
    match store.verify() {
        Err(StoreError::Broken { seq, .. }) => assert_eq!(seq, 1),
        other => panic!("a chain forged without the key must not verify, got {other:?}"),
    }
    for wrong in [StoreOptions::default(), keyed("k2")] {
        assert!(matches!(
            SqliteStore::open_with(&db, &wrong),
            Err(StoreError::ChainMismatch { .. })
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_memory_store_chains_like_the_sqlite_store() {
    let e = events(1);
    let mut memory = MemoryStore::new();
    let mut sqlite = SqliteStore::in_memory().expect("opens");
    memory.append(0, &e).expect("appends");
    sqlite.append(0, &e).expect("appends");
    assert_eq!(
        memory.verify().expect("a head"),
        sqlite.verify().expect("a head")
    );
}

fn read_only(db: &Path) -> SqliteStore {
    let options = StoreOptions {
        read_only: true,
        chain: Chain::plain(),
    };
    SqliteStore::open_with(db, &options).expect("opens read-only")
}

#[test]
fn a_read_only_store_on_a_0444_copy_reads_and_writes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("read-only");
    let db = dir.join("pim.db");
    let mut writer = SqliteStore::open(&db).expect("opens");
    let e = events(1);
    writer.append(0, &e).expect("appends");
    drop(writer); // the last connection checkpoints the WAL into the file
    let copy = dir.join("copy.db");
    std::fs::copy(&db, &copy).expect("copies");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).expect("chmods");
    let before = std::fs::read(&copy).expect("reads");
    let mtime = std::fs::metadata(&copy)
        .and_then(|m| m.modified())
        .expect("an mtime");

    let mut store = read_only(&copy);
    assert!(store.is_read_only());
    assert_eq!(store.events_after(0).expect("reads"), e);
    assert_eq!(store.verify().expect("verifies").seq, e.len() as u64);
    let head = e.len() as u64;
    assert!(matches!(store.append(head, &e), Err(StoreError::ReadOnly)));
    let snapshot = pim_host::Snapshot {
        seq: head,
        guest: "g".into(),
        memory: vec![1],
    };
    assert!(matches!(
        store.save_snapshot(&snapshot),
        Err(StoreError::ReadOnly)
    ));
    let mut service = Service::open(guest(), store).expect("opens");
    assert!(service.is_read_only());
    assert!(activate(&mut service).expect_err("refused").is_read_only());
    assert!(service.snapshot().expect_err("refused").is_read_only());
    drop(service);
    assert_eq!(
        std::fs::read(&copy).expect("reads"),
        before,
        "the file changed"
    );
    let after = std::fs::metadata(&copy)
        .and_then(|m| m.modified())
        .expect("an mtime");
    assert_eq!(after, mtime);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_read_only_service_follows_what_a_writer_appends() {
    let dir = temp_dir("read-only-follows");
    let db = dir.join("pim.db");
    let mut writer = Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    import(&mut writer, 1);
    let mut reader = Service::open(guest(), read_only(&db)).expect("opens");
    assert!(!user1_active(&mut reader));
    assert!(activate(&mut writer).expect("decides").error.is_none());
    reader.catch_up().expect("follows");
    assert!(user1_active(&mut reader));
    assert_eq!(reader.head(), writer.head());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_read_only_open_of_an_old_database_is_refused_not_migrated() {
    let dir = temp_dir("read-only-old");
    let db = dir.join("pim.db");
    old_database(&db, &events(0));
    let options = StoreOptions {
        read_only: true,
        chain: Chain::plain(),
    };
    assert!(matches!(
        SqliteStore::open_with(&db, &options),
        Err(StoreError::Unmigrated { found: 1 })
    ));
    let has_meta: bool = sql(&db)
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'meta')",
            [],
            |r| r.get(0),
        )
        .expect("asks");
    assert!(!has_meta);
    let _ = std::fs::remove_dir_all(&dir);
}
