//! The PostgreSQL store against a real server: the store contract as SQLite keeps it, two
//! services racing on one log, every scenario file with reports identical to SQLite's, and
//! two `pim-host serve` processes on one database.
//!
//! The server is `PIM_TEST_DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/test`
//! (scripts/postgres.sh starts one where there is none). Each test creates a database of its
//! own and drops it afterwards, so tests run in parallel. An unreachable server fails the
//! tests; they never skip.

use std::io::BufReader;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use pim_core::scenario::{ScenarioFile, run};
use pim_core::{CallContext, Command as PimCommand};
use pim_host::scenario::{ScenarioEngine, run_scenario};
use pim_host::{
    Chain, PostgresStore, Service, SqliteStore, Store, StoreError, StoreOptions,
    store::chain::Breach,
};
use serde_json::{Value, json};

use crate::common::{EXCHANGE_ADMIN, assert_same_report, at, guest, http, scenario_files};
use crate::store::{conflicts, events};

/// The server the tests create their databases on.
pub(crate) fn server_url() -> String {
    std::env::var("PIM_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// `url` naming database `name` instead of its own.
fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (scheme, rest) = base.split_once("://").expect("a postgres:// URL");
    let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// A database of this test's own, dropped with it.
pub(crate) struct TestDb {
    name: String,
    pub(crate) url: String,
}

impl TestDb {
    pub(crate) fn new(what: &str) -> TestDb {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "pim_test_{what}_{}_{}_{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin =
            postgres::Client::connect(&server_url(), postgres::NoTls).unwrap_or_else(|e| {
                panic!(
                    "no PostgreSQL at {} ({e}): set PIM_TEST_DATABASE_URL or run \
                     scripts/postgres.sh",
                    server_url()
                )
            });
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("creates a database");
        let url = with_dbname(&server_url(), &name);
        TestDb { name, url }
    }

    pub(crate) fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.url, &StoreOptions::default()).expect("connects")
    }

    pub(crate) fn sql(&self, sql: &str) {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).expect("connects");
        c.batch_execute(sql).expect("runs");
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&server_url(), postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[test]
fn postgres_an_append_after_a_stale_sequence_is_a_conflict() {
    let db = TestDb::new("conflict");
    conflicts(&mut db.store());
    // A second connection sees the same log and conflicts the same way.
    let mut other = db.store();
    let head = other.head().expect("reads");
    assert!(matches!(
        other.append(1, &events(1)),
        Err(StoreError::Conflict { expected: 1, actual }) if actual == head
    ));
}

#[test]
fn postgres_chains_as_sqlite_does_and_finds_an_edit() {
    let db = TestDb::new("chain");
    let mut pg = db.store();
    let mut lite = SqliteStore::in_memory().expect("opens");
    let e = events(3);
    assert_eq!(pg.append(0, &e).expect("appends"), e.len() as u64);
    lite.append(0, &e).expect("appends");
    // The same events give the same chain on both stores (docs/event-log.md).
    assert_eq!(
        pg.verify().expect("verifies"),
        lite.verify().expect("verifies")
    );
    db.sql("UPDATE events SET body = replace(body, 'user1', 'userX') WHERE seq = 2");
    match db.store().verify() {
        Err(StoreError::Broken { seq: 2, breach }) => assert_eq!(breach, Breach::Altered),
        other => panic!("an edited event must break the chain, got {other:?}"),
    }
    db.sql("DELETE FROM events WHERE seq = 2");
    match db.store().events_after(0) {
        Err(StoreError::Broken { seq: 2, breach }) => {
            assert_eq!(breach, Breach::Missing { found: Some(3) });
        }
        other => panic!("a missing event must break the chain, got {other:?}"),
    }
}

#[test]
fn postgres_snapshots_are_kept_while_their_head_hash_is_the_logs() {
    let db = TestDb::new("snapshot");
    let mut store = db.store();
    let e = events(2);
    let head = store.append(0, &e).expect("appends");
    let snapshot = pim_host::Snapshot {
        seq: head,
        guest: "g".into(),
        memory: vec![1, 2, 3],
    };
    store.save_snapshot(&snapshot).expect("saves");
    assert_eq!(store.latest_snapshot("g").expect("reads"), Some(snapshot));
    assert_eq!(store.latest_snapshot("other").expect("reads"), None);
    db.sql(&format!(
        "UPDATE events SET hash = repeat('0', 64) WHERE seq = {head}"
    ));
    assert_eq!(db.store().latest_snapshot("g").expect("reads"), None);
}

#[test]
fn postgres_records_its_migrations_format_and_chain() {
    let db = TestDb::new("meta");
    drop(db.store());
    let mut client = pim_host::store::postgres::connect(&db.url).expect("connects");
    // A second migration run applies nothing.
    assert_eq!(
        pim_host::store::postgres::migrate(&mut client).expect("migrates"),
        Vec::<i32>::new()
    );
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .expect("reads")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![1, 2], "the event log, then the outbox");
    let keyed = StoreOptions {
        read_only: false,
        chain: Chain::keyed("k1"),
    };
    assert!(matches!(
        PostgresStore::connect(&db.url, &keyed),
        Err(StoreError::ChainMismatch { .. })
    ));
    let newer = pim_core::LOG_FORMAT_VERSION + 1;
    db.sql(&format!(
        "UPDATE meta SET value = '{newer}' WHERE key = 'log_format'"
    ));
    match PostgresStore::connect(&db.url, &StoreOptions::default()) {
        Err(StoreError::NewerFormat { found, .. }) => assert_eq!(found, newer),
        other => panic!("a newer format must be refused, got {other:?}"),
    }
}

#[test]
fn postgres_read_only_refuses_writes_and_an_unmigrated_database() {
    let db = TestDb::new("readonly");
    let ro = StoreOptions {
        read_only: true,
        chain: Chain::plain(),
    };
    assert!(matches!(
        PostgresStore::connect(&db.url, &ro),
        Err(StoreError::Unmigrated { .. })
    ));
    db.store().append(0, &events(1)).expect("appends");
    let mut reader = PostgresStore::connect(&db.url, &ro).expect("opens read-only");
    assert!(!reader.events_after(0).expect("reads").is_empty());
    assert!(matches!(
        reader.append(0, &events(1)),
        Err(StoreError::ReadOnly)
    ));
}

fn activation() -> PimCommand {
    serde_json::from_value(json!({
        "op": "request", "kind": "assignment", "body": {
            "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
            "directoryScopeId": "/", "justification": "mailbox migration",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } } }
    }))
    .expect("a command")
}

#[test]
fn postgres_two_services_racing_to_activate_one_eligibility_grant_it_once() {
    let db = TestDb::new("race");
    let mut setup = Service::open(guest(), db.store()).expect("opens");
    let directory = serde_json::from_str(&crate::common::tenant_json(1)).expect("a snapshot");
    let now = at("2026-03-02T09:00:00Z");
    setup
        .submit(
            &PimCommand::ImportDirectory {
                directory: Box::new(directory),
            },
            &CallContext::system(),
            now,
        )
        .expect("imports");
    drop(setup);
    let barrier = Arc::new(Barrier::new(2));
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            // Both open before either decides: each decides on the same state.
            let mut service = Service::open(guest(), db.store()).expect("opens");
            std::thread::spawn(move || {
                barrier.wait();
                let user1 = CallContext::user("user1").with_mfa();
                let later = at("2026-03-02T09:05:00Z");
                service
                    .submit(&activation(), &user1, later)
                    .expect("decides")
            })
        })
        .collect();
    let decisions: Vec<_> = racers
        .into_iter()
        .map(|r| r.join().expect("joins"))
        .collect();
    let granted = decisions.iter().filter(|d| d.error.is_none()).count();
    assert_eq!(granted, 1, "{decisions:?}");
    let mut c = Service::open(guest(), db.store()).expect("opens");
    let later = at("2026-03-02T09:06:00Z");
    assert!(
        c.check("user1", EXCHANGE_ADMIN, "/", later)
            .expect("serves")
            .is_active()
    );
}

#[test]
fn postgres_every_scenario_reports_as_with_sqlite() {
    let db = TestDb::new("scenarios");
    let wasm = ScenarioEngine::Wasm(guest());
    let mut files = 0;
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).expect("a readable scenario file");
        let Ok(file) = ScenarioFile::from_json(&text) else {
            continue;
        };
        // A fresh log for each file.
        db.sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        let mut service = Service::open(guest(), db.store()).expect("opens");
        let pg = run(&file, &mut service);
        let sqlite = run_scenario(&text, &wasm);
        assert_same_report(&pg, &sqlite, &path.display().to_string());
        files += 1;
    }
    assert!(files > 50, "only {files} scenario files ran");
}

/// The config the process tests' hosts run with: no write limit (the streams write faster
/// than the default allows) and metrics for the scrape token [`SCRAPE_TOKEN`].
pub(crate) const TEST_CONFIG: &str =
    r#"{"rateLimit": {"writesPerMinute": 0}, "metrics": {"token": "scrape-token"}}"#;

/// The scrape token of [`TEST_CONFIG`].
pub(crate) const SCRAPE_TOKEN: &str = "scrape-token";

/// A running `pim-host serve --demo`, on a PostgreSQL URL or a SQLite file.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    /// A host on the PostgreSQL database `url`; its config goes in `dir`.
    pub(crate) fn start(url: &str, dir: &std::path::Path) -> Server {
        Server::launch(&["--database", url], dir, TEST_CONFIG)
    }

    /// A host with these database arguments (`--database URL` or `--db FILE`) and config.
    pub(crate) fn launch(database: &[&str], dir: &std::path::Path, config_json: &str) -> Server {
        let _ = guest();
        static N: AtomicU32 = AtomicU32::new(0);
        let config = dir.join(format!("config-{}.json", N.fetch_add(1, Ordering::Relaxed)));
        std::fs::write(&config, config_json).expect("writes");
        let mut child = Command::new(env!("CARGO_BIN_EXE_pim-host"))
            .args([
                "serve",
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--tick-seconds",
                "3600",
            ])
            .args(database)
            .arg("--config")
            .arg(&config)
            .env("PIM_LOG", "warn")
            .env_remove("PIM_LOG_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("pim-host starts");
        let (addr, stdout) = crate::common::listening_address(&mut child);
        Server {
            child,
            addr,
            _stdout: stdout,
        }
    }

    /// SIGKILL: no shutdown code runs.
    pub(crate) fn kill(mut self) {
        self.child.kill().expect("kills");
        self.child.wait().expect("reaps");
    }

    /// SIGTERM, then waits: a graceful shutdown (with its snapshot) must exit successfully.
    pub(crate) fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("reaps");
        assert!(exit.success(), "pim-host exited with {exit}");
    }

    /// `GET /metrics` with the scrape token: the OpenMetrics text.
    pub(crate) fn metrics(&self) -> String {
        crate::metrics::scrape(&self.addr, Some(SCRAPE_TOKEN)).1
    }

    fn active(&self) -> bool {
        self.is_active("user1")
    }

    /// Whether `principal` is active as Exchange Administrator at `/`, by `check`.
    fn is_active(&self, principal: &str) -> bool {
        let path = format!(
            "/v1.0/pim/check?principalId={principal}&roleDefinitionId={EXCHANGE_ADMIN}&directoryScopeId=/"
        );
        let (status, body) = http(&self.addr, "GET", &path, "aymen-token", "").expect("answers");
        assert_eq!(status, 200, "{body}");
        body["active"].as_bool().expect("a boolean")
    }
}

pub(crate) fn health(server: &Server) -> Value {
    let (status, body) = http(&server.addr, "GET", "/healthz", "", "").expect("answers");
    assert_eq!(status, 200, "{body}");
    body
}

/// The log's head as `server`'s /healthz reports it.
pub(crate) fn body_head(server: &Server) -> u64 {
    health(server)["events"].as_u64().expect("a head")
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn postgres_three_hosts_grant_an_activation_once_and_one_sees_anothers_commit_within_a_second() {
    let db = TestDb::new("hosts");
    let dir = std::env::temp_dir().join(format!("pim-host-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let a = Server::start(&db.url, &dir);
    let b = Server::start(&db.url, &dir);
    let c = Server::start(&db.url, &dir);
    assert!(!a.active() && !b.active() && !c.active());
    let activate = json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "incident",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
    })
    .to_string();
    const ASSIGNMENT: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
    // Three hosts asked at once grant it once.
    let barrier = Arc::new(Barrier::new(3));
    let racers: Vec<_> = [a.addr.clone(), b.addr.clone(), c.addr.clone()]
        .into_iter()
        .map(|addr| {
            let (barrier, activate) = (barrier.clone(), activate.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let answer: (u16, Value) =
                    http(&addr, "POST", ASSIGNMENT, "user1-token", &activate).expect("answers");
                (answer, Instant::now())
            })
        })
        .collect();
    let answers: Vec<_> = racers
        .into_iter()
        .map(|r| r.join().expect("joins"))
        .collect();
    let granted = answers.iter().filter(|(a, _)| a.0 == 201).count();
    assert_eq!(granted, 1, "{answers:?}");
    assert!(a.active() && b.active() && c.active());
    // An assignment (Aymen's own) committed on host A: host B's `check` answers it within a second.
    assert!(!b.is_active("aymen"));
    let assign = json!({
        "action": "adminAssign", "principalId": "aymen", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "follow test",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
    })
    .to_string();
    let (status, body) =
        http(&a.addr, "POST", ASSIGNMENT, "aymen-token", &assign).expect("answers");
    assert_eq!(status, 201, "{body}");
    let committed = Instant::now();
    let head = body_head(&a);
    // Host B's follower catches its reader up (no request to B needed): /healthz says so.
    loop {
        let health = health(&b);
        assert_eq!(health["database"]["kind"], "postgres", "{health}");
        let follower = &health["database"]["follower"];
        if follower["caughtUpTo"].as_u64() >= Some(head) {
            assert_eq!(follower["connected"], true, "{health}");
            assert_eq!(follower["lagEvents"], 0, "{health}");
            break;
        }
        assert!(
            committed.elapsed() < Duration::from_secs(1),
            "B's follower: {health}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(b.is_active("aymen"));
    assert!(
        committed.elapsed() < Duration::from_secs(1),
        "host B did not see the commit"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn postgres_a_follower_hears_each_commit_and_reconnects_after_a_disconnect() {
    let db = TestDb::new("follow");
    let mut store = db.store();
    let (tx, rx) = std::sync::mpsc::channel::<u64>();
    let url = db.url.clone();
    let follower = std::thread::spawn(move || {
        pim_host::store::postgres::follow(&url, |seq| tx.send(seq).is_ok() && seq != u64::MAX)
    });
    // It looks once on connecting.
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(0));
    let heard = |want: u64| {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(seq) if seq == want => return,
                Ok(_) => {}
                Err(e) => panic!("no notification of {want} within a second: {e}"),
            }
        }
    };
    let head = store.append(0, &events(1)).expect("appends");
    heard(head);
    // The server drops the follower's connection: it looks (0) at once, reconnects, looks
    // again (0) for what it missed meanwhile, and hears the next commit.
    db.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    );
    for _ in 0..2 {
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(10)),
            Ok(0),
            "no reconnection"
        );
    }
    let more = events(1);
    let head = store.append(head, &more[..1]).expect("appends");
    heard(head);
    drop(rx);
    // The follower stops at its next look, when the receiver is gone.
    store.append(head, &more[..1]).expect("appends");
    follower.join().expect("the follower ends");
}

/// A service over PostgreSQL whose restarts go through a memory snapshot stored there.
struct SnapshottingService(Service<PostgresStore>);

impl pim_core::scenario::Backend for SnapshottingService {
    fn execute(
        &mut self,
        c: &PimCommand,
        x: &CallContext,
        n: pim_core::Instant,
    ) -> Result<pim_core::Outcome, pim_core::scenario::BackendError> {
        pim_core::scenario::Backend::execute(&mut self.0, c, x, n)
    }
    fn commit(
        &mut self,
        events: &[pim_core::Event],
    ) -> Result<(), pim_core::scenario::BackendError> {
        pim_core::scenario::Backend::commit(&mut self.0, events)
    }
    fn tick(
        &mut self,
        now: pim_core::Instant,
    ) -> Result<Vec<pim_core::Event>, pim_core::scenario::BackendError> {
        pim_core::scenario::Backend::tick(&mut self.0, now)
    }
    fn query(
        &mut self,
        q: &pim_core::Query,
        now: pim_core::Instant,
    ) -> Result<pim_core::QueryResult, pim_core::scenario::BackendError> {
        pim_core::scenario::Backend::query(&mut self.0, q, now)
    }
    fn restart(&mut self) -> Result<(), pim_core::scenario::BackendError> {
        self.0
            .snapshot()
            .map_err(|e| pim_core::scenario::BackendError::Host(e.to_string()))?;
        pim_core::scenario::Backend::restart(&mut self.0)
    }
}

#[test]
fn postgres_restarting_from_a_stored_snapshot_changes_no_report() {
    let db = TestDb::new("restarts");
    let mut restarts = 0;
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).expect("a readable scenario file");
        if !text.contains("\"restart\"") {
            continue;
        }
        let Ok(file) = ScenarioFile::from_json(&text) else {
            continue;
        };
        db.sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        let service = Service::open(guest(), db.store()).expect("opens");
        let pg = run(&file, &mut SnapshottingService(service));
        let native = run_scenario(&text, &ScenarioEngine::Native);
        assert_same_report(&pg, &native, &path.display().to_string());
        restarts += 1;
    }
    assert!(restarts > 0, "no scenario restarts");
}

#[test]
fn postgres_migrate_applies_the_migrations_once() {
    let db = TestDb::new("cli");
    let migrate = || {
        let out = Command::new(env!("CARGO_BIN_EXE_pim-host"))
            .args(["migrate", "--database", &db.url])
            .env("PIM_LOG", "warn")
            .output()
            .expect("pim-host runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let first = migrate();
    assert!(
        first.starts_with("applied migration 1\napplied migration 2\n"),
        "{first}"
    );
    let again = migrate();
    assert!(!again.contains("applied"), "{again}");
    assert!(again.contains("is at migration 2"), "{again}");
}

#[test]
fn postgres_a_store_reconnects_after_the_server_drops_its_connection() {
    let db = TestDb::new("reconnect");
    let mut store = db.store();
    let head = store.append(0, &events(1)).expect("appends");
    db.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    // The call that meets the dropped connection may fail; the next one reconnects.
    let _ = store.head();
    assert_eq!(store.head().expect("reconnected"), head);
    let more = events(1);
    let head = store
        .append(head, &more[..1])
        .expect("appends after reconnecting");
    assert_eq!(store.verify().expect("verifies").seq, head);
}

#[test]
fn postgres_a_serving_host_keeps_serving_after_the_server_drops_its_connections() {
    let db = TestDb::new("dropped");
    let dir = std::env::temp_dir().join(format!("pim-host-pg-dropped-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let host = Server::start(&db.url, &dir);
    assert!(!host.is_active("aymen"));
    db.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    // A request or two may meet a dropped connection (an error); then the host answers again.
    let deadline = Instant::now() + Duration::from_secs(10);
    let assign = json!({
        "action": "adminAssign", "principalId": "aymen", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "after a restart",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
    })
    .to_string();
    const ASSIGNMENT: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
    loop {
        let (status, body) =
            http(&host.addr, "POST", ASSIGNMENT, "aymen-token", &assign).expect("answers");
        if status == 201 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the host did not recover: {status} {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(host.is_active("aymen"));
    let _ = std::fs::remove_dir_all(&dir);
}
