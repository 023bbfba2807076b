//! Issue 10, defect 1: a host whose clock is wrong writes nothing, answers at the trusted
//! instant, says so, and recovers by itself; a correct host on the same database is unharmed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use pim_core::{CallContext, Command, Event, Instant};
use pim_host::http::{AppState, ServerConfig, TokenEntry, router};
use pim_host::serve::{Tick, tick_once};
use pim_host::trusted_time::{LIVE_INTERVALS, warm_up, witness_round};
use pim_host::{
    ClockWitness, ManualClock, ManualMonotonic, Service, ServiceError, SqliteStore, Store,
    TrustedTime,
};
use serde_json::{Value, json};

use crate::common::{EXCHANGE_ADMIN, at, guest};

const ELIGIBILITY: &str = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests";
const ASSIGNMENT: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
const T0: &str = "2026-03-02T10:00:00Z";
const SKEW: Duration = Duration::from_secs(120);
const BEAT: Duration = Duration::from_secs(2);

/// A fresh database with `aymen` (active Global Administrator) and `user1`.
fn database(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pim-host-clock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");
    let mut service =
        Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    let directory = serde_json::from_value(json!({
        "users": [{ "id": "aymen" }, { "id": "user1" }],
        "assignments": [{ "type": "active", "principalId": "aymen",
                          "roleDefinitionId": pim_core::GLOBAL_ADMINISTRATOR }]
    }))
    .expect("a snapshot");
    let import = Command::ImportDirectory {
        directory: Box::new(directory),
    };
    let early = at(T0) - TimeDelta::hours(1);
    service
        .submit(&import, &CallContext::system(), early)
        .expect("imports");
    db
}

/// An in-process `serve` over `db` with a manual wall clock and a manual monotonic clock.
struct Host {
    addr: String,
    state: Arc<AppState<SqliteStore>>,
    time: Arc<TrustedTime>,
    wall: Arc<ManualClock>,
    mono: Arc<ManualMonotonic>,
    witnesses: SqliteStore,
    rt: tokio::runtime::Runtime,
}

impl Host {
    fn start(db: &Path, wall: Instant) -> Host {
        let wall = Arc::new(ManualClock::new(wall));
        let mono = Arc::new(ManualMonotonic::new());
        let time = Arc::new(TrustedTime::new(wall.clone(), mono.clone(), SKEW).with_interval(BEAT));
        let service = Service::open(guest(), SqliteStore::open(db).expect("opens")).expect("opens");
        let token = |p: &str| TokenEntry {
            token: format!("{p}-token"),
            principal: p.to_owned(),
            mfa: true,
            auth_context: Vec::new(),
        };
        let config = ServerConfig {
            tokens: vec![token("aymen"), token("user1")],
            ..ServerConfig::default()
        };
        let state = AppState::with_time(service, Vec::new(), time.clone(), &config)
            .expect("a valid config");
        let rt = tokio::runtime::Runtime::new().expect("a runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("binds");
        let addr = listener.local_addr().expect("an address").to_string();
        let app = router(state.clone(), 1 << 20);
        rt.spawn(async move { axum::serve(listener, app).await });
        Host {
            addr,
            state,
            time,
            wall,
            mono,
            witnesses: SqliteStore::open(db).expect("opens"),
            rt,
        }
    }

    /// One witness round, as `serve` runs every interval.
    fn beat(&mut self) {
        witness_round(&self.time, &mut self.witnesses).expect("a witness round");
    }

    /// Real time passes: both clocks move.
    fn pass(&self, by: Duration) {
        self.mono.advance(by);
        self.wall
            .advance(TimeDelta::from_std(by).expect("a small duration"));
    }

    fn tick(&self) -> Tick {
        self.rt
            .block_on(tick_once(&self.state, 0, 0))
            .expect("a tick")
    }

    /// One request as `who`: the status and the JSON body (null if none).
    fn call(&self, who: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
        crate::common::http(&self.addr, method, path, &format!("{who}-token"), body)
            .expect("the server answers")
    }

    fn health(&self) -> Value {
        let (status, body) = self.call("nobody", "GET", "/healthz", "");
        assert_eq!(status, 200, "{body}");
        body["clock"].clone()
    }

    /// Whether `user1` is active as Exchange Administrator at `/`, by `check`.
    fn user1_active(&self) -> bool {
        let path = format!(
            "/v1.0/pim/check?principalId=user1&roleDefinitionId={EXCHANGE_ADMIN}&directoryScopeId=/"
        );
        let (status, body) = self.call("aymen", "GET", &path, "");
        assert_eq!(status, 200, "{body}");
        body["active"].as_bool().expect("a boolean")
    }
}

/// Aymen makes user1 eligible for Exchange Administrator at `scope` for `duration`.
fn eligibility(id: &str, scope: &str, duration: &str) -> String {
    json!({
        "id": id, "action": "adminAssign", "principalId": "user1",
        "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": scope,
        "justification": "clock test",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration } }
    })
    .to_string()
}

/// user1 activates Exchange Administrator at `/` for `duration`.
fn activation(duration: &str) -> String {
    json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "clock test",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration } }
    })
    .to_string()
}

/// The log's events.
fn log(db: &Path) -> Vec<Event> {
    SqliteStore::open(db)
        .expect("opens")
        .events_after(0)
        .expect("reads")
}

fn schedules_ended(db: &Path) -> usize {
    log(db)
        .iter()
        .filter(|e| matches!(e, Event::ScheduleEnded { .. }))
        .count()
}

fn assert_clock_refused(status: u16, body: &Value) {
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "clockUntrusted", "{body}");
}

#[test]
fn a_host_400_days_ahead_on_a_shared_database_writes_nothing_and_the_other_host_is_unharmed() {
    let db = database("ahead");
    let t0 = at(T0);
    let mut b = Host::start(&db, t0);
    b.beat();
    let (status, body) = b.call(
        "aymen",
        "POST",
        ELIGIBILITY,
        &eligibility("e1", "/", "P180D"),
    );
    assert_eq!(
        (status, &body["status"]),
        (201, &json!("Provisioned")),
        "{body}"
    );

    // A starts 400 days ahead and, as `serve` does, meets its peers before its first reading.
    let mut a = Host::start(&db, t0 + TimeDelta::days(400));
    let (a_time, a_store, a_mono) = (&a.time, &mut a.witnesses, &a.mono);
    warm_up(a_time, a_store, LIVE_INTERVALS, || {
        a_mono.advance(BEAT);
        b.pass(BEAT);
        b.beat();
    })
    .expect("warms up");
    a.beat();
    let before = log(&db).len();

    // A's tick writes nothing, through `serve`'s loop or straight on the service.
    assert_eq!(a.tick(), Tick::Skipped);
    let direct =
        a.rt.block_on(a.state.with_service(|svc, now| svc.tick(now)));
    assert!(
        matches!(
            direct,
            Err(pim_host::http::ApiError::Service(ServiceError::Clock(_)))
        ),
        "{direct:?}"
    );
    // A refuses a write, saying how far off its clock is and from what.
    let (status, body) = a.call("user1", "POST", ASSIGNMENT, &activation("PT1H"));
    assert_clock_refused(status, &body);
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains(
            "reads 2027-04-06T10:00:00Z, 34559998 s ahead of the clock of the 1 live peer host \
             (2026-03-02T10:00:02Z)"
        ),
        "{message}"
    );
    let health = a.health();
    assert_eq!(health["trusted"], false, "{health}");
    assert_eq!(health["faults"], 1, "{health}");
    assert_eq!(health["livePeers"], 1, "{health}");
    assert!(health["offsetSeconds"].as_i64().expect("seconds") > 400 * 86_400 - 60);
    assert_eq!(log(&db).len(), before, "A wrote to the log");
    assert_eq!(schedules_ended(&db), 0);
    // A faulted host does not witness: B still trusts only itself.
    b.beat();
    assert_eq!(b.health()["livePeers"], 0);

    // B's grant and decisions are intact: an activation succeeds and `check` agrees.
    let (status, body) = b.call("user1", "POST", ASSIGNMENT, &activation("PT1H"));
    assert_eq!(
        (status, &body["status"]),
        (201, &json!("Provisioned")),
        "{body}"
    );
    assert!(b.user1_active(), "B's check disagrees with B's decision");
    let (status, body) = b.call("aymen", "GET", &format!("{ELIGIBILITY}/e1"), "");
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("Provisioned")),
        "{body}"
    );
    assert_eq!(
        b.tick(),
        Tick::Ran {
            events: 0,
            snapshot: None
        }
    );
    // A answers reads at its peers' time, not its own: the activation is active there too.
    a.mono.advance(BEAT);
    a.beat();
    assert!(a.user1_active(), "A's check is not at the trusted instant");
    assert_eq!(schedules_ended(&db), 0);
}

#[test]
fn a_clock_stepped_forward_a_day_is_refused_and_stepped_back_recovers_by_itself() {
    let db = database("step");
    let t0 = at(T0);
    let host = Host::start(&db, t0);
    let (status, body) = host.call(
        "aymen",
        "POST",
        ELIGIBILITY,
        &eligibility("e1", "/", "P180D"),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = host.call("user1", "POST", ASSIGNMENT, &activation("PT2H"));
    assert_eq!(status, 201, "{body}");
    assert!(host.user1_active());
    let before = log(&db).len();

    // An NTP step (or a VM resume whose clock jumped): one second passes, the wall says a day.
    host.mono.advance(Duration::from_secs(1));
    host.wall.set(t0 + TimeDelta::days(1));
    let other = eligibility("e2", "/administrativeUnits/au1", "P1D");
    let (status, body) = host.call("aymen", "POST", ELIGIBILITY, &other);
    assert_clock_refused(status, &body);
    assert_eq!(host.tick(), Tick::Skipped);
    assert!(
        host.user1_active(),
        "the 2-hour grant must still be active at the trusted time"
    );
    let health = host.health();
    assert_eq!(health["trusted"], false, "{health}");
    assert_eq!(health["faults"], 1, "{health}");
    assert!(
        health["reason"]
            .as_str()
            .expect("a reason")
            .contains("last trusted reading")
    );
    assert_eq!(log(&db).len(), before, "a faulted host wrote");

    // The clock is corrected: the host trusts it again without a restart.
    host.mono.advance(Duration::from_secs(1));
    host.wall.set(t0 + TimeDelta::seconds(2));
    let health = host.health();
    assert_eq!(health["trusted"], true, "{health}");
    assert_eq!(health["faults"], 1, "{health}");
    let (status, body) = host.call("aymen", "POST", ELIGIBILITY, &other);
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        host.tick(),
        Tick::Ran {
            events: 0,
            snapshot: None
        }
    );
    assert!(host.user1_active());
    assert_eq!(schedules_ended(&db), 0, "the grant was ended early");
}

#[test]
fn a_service_refuses_a_time_behind_the_log_by_more_than_the_skew() {
    let db = database("behind");
    let mut service =
        Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    let latest = service.latest().expect("the import's instant");
    let cmd = Command::SetAuditRetention { days: Some(30) };
    let ctx = CallContext {
        caller: Some("aymen".into()),
        mfa: true,
        auth_context: Vec::new(),
    };
    let head = service.head();
    let late = service.submit(&cmd, &ctx, latest - TimeDelta::seconds(121));
    assert!(matches!(late, Err(ServiceError::Clock(_))), "{late:?}");
    assert_eq!(service.head(), head);
    // A little behind (another host's clock ran slightly ahead) is raised to the log's time.
    let d = service
        .submit(&cmd, &ctx, latest - TimeDelta::seconds(60))
        .expect("decides");
    assert!(d.error.is_none(), "{d:?}");
    assert_eq!(service.head(), head + 1);
}

#[test]
fn the_sqlite_store_keeps_one_witness_row_per_host() {
    let db = database("witness");
    let mut store = SqliteStore::open(&db).expect("opens");
    let head = store.head().expect("a head");
    let t = at(T0);
    let w = |host: &str, beat| ClockWitness {
        host: host.into(),
        at: t + TimeDelta::seconds(beat as i64),
        beat,
    };
    store.put_witness(&w("a", 1)).expect("writes");
    store.put_witness(&w("b", 1)).expect("writes");
    store.put_witness(&w("a", 2)).expect("writes");
    let mut other = SqliteStore::open(&db).expect("opens");
    assert_eq!(
        other.witnesses().expect("reads"),
        vec![w("a", 2), w("b", 1)]
    );
    other.remove_witness("a").expect("removes");
    assert_eq!(store.witnesses().expect("reads"), vec![w("b", 1)]);
    assert_eq!(
        other.head().expect("a head"),
        head,
        "witnesses are not events"
    );
}

/// A `pim-host serve --demo` process on `db`, under `faketime -f <offset>` if given.
struct Process {
    child: std::process::Child,
    addr: String,
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Process {
    fn start(db: &Path, offset: Option<&str>) -> Process {
        let _ = guest();
        let bin = env!("CARGO_BIN_EXE_pim-host");
        let mut cmd = match offset {
            Some(offset) => {
                let mut c = std::process::Command::new("faketime");
                c.args(["-f", offset, bin]);
                c
            }
            None => std::process::Command::new(bin),
        };
        // In a process group of its own, so that `drop` ends faketime's child too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .args([
                "serve",
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--tick-seconds",
                "1",
            ])
            .arg("--db")
            .arg(db)
            .env("PIM_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start pim-host (is faketime installed? apt-get install faketime): {e}"
                )
            });
        let (addr, stdout) = crate::common::listening_address(&mut child);
        Process {
            child,
            addr,
            _stdout: stdout,
        }
    }

    fn call(&self, who: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
        crate::common::http(&self.addr, method, path, &format!("{who}-token"), body)
            .expect("the server answers")
    }

    fn health(&self) -> Value {
        let (status, body) = self.call("nobody", "GET", "/healthz", "");
        assert_eq!(status, 200, "{body}");
        body
    }

    fn user1_active(&self) -> bool {
        let path = format!(
            "/v1.0/pim/check?principalId=user1&roleDefinitionId={EXCHANGE_ADMIN}&directoryScopeId=/"
        );
        let (status, body) = self.call("aymen", "GET", &path, "");
        assert_eq!(status, 200, "{body}");
        body["active"].as_bool().expect("a boolean")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // faketime runs pim-host as a child of its own: killing faketime alone leaves the
        // server running, so the whole process group goes.
        #[cfg(unix)]
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(std::process::Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_serve_process_400_days_ahead_under_faketime_writes_nothing_to_a_shared_database() {
    let dir = std::env::temp_dir().join(format!("pim-host-clock-faketime-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");
    // B seeds the demo tenant (user1 eligible for 30 days) and starts witnessing.
    let b = Process::start(&db, None);
    assert_eq!(b.health()["clock"]["trusted"], true);
    let a = Process::start(&db, Some("+400d"));
    let health = a.health();
    assert_eq!(health["clock"]["trusted"], false, "{health}");
    assert_eq!(health["clock"]["livePeers"], 1, "{health}");
    let before = b.health()["events"].clone();
    // A ticks every second: let a few pass.
    std::thread::sleep(Duration::from_secs(3));
    let (status, body) = a.call("user1", "POST", ASSIGNMENT, &activation("PT1H"));
    assert_clock_refused(status, &body);
    assert_eq!(
        b.health()["events"],
        before,
        "the host 400 days ahead wrote"
    );
    assert_eq!(schedules_ended(&db), 0);
    let (status, body) = b.call("user1", "POST", ASSIGNMENT, &activation("PT1H"));
    assert_eq!(
        (status, &body["status"]),
        (201, &json!("Provisioned")),
        "{body}"
    );
    assert!(b.user1_active());
    assert!(a.user1_active(), "A answers at its peer's time");
    let _ = std::fs::remove_dir_all(&dir);
}
