//! `pim-host serve` as a process: SIGKILL loses no acknowledged request, two processes on one
//! database grant an activation once, and bad input is refused while the server keeps serving;
//! a log broken under a running server, and `serve --read-only`.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};

use serde_json::{Value, json};

use crate::common::{EXCHANGE_ADMIN, guest, http, tenant_json};

const ELIGIBILITY: &str = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests";
const ASSIGNMENT: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";

/// A running `pim-host serve --demo`.
struct Server {
    child: Child,
    addr: String,
    // Kept open: the server must never write to a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(db: &Path) -> Server {
        Server::start_with(db, &[])
    }

    /// As `start`, with more arguments.
    fn start_with(db: &Path, extra: &[&str]) -> Server {
        // Make sure the guest is built (a clear failure otherwise) and its machine code cached.
        let _ = guest();
        // The streams below write faster than the default per-caller limit allows.
        let config = db.with_extension("config.json");
        std::fs::write(&config, r#"{"rateLimit": {"writesPerMinute": 0}}"#).expect("writes");
        let mut child = Command::new(env!("CARGO_BIN_EXE_pim-host"))
            .args([
                "serve",
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--tick-seconds",
                "3600",
            ])
            .args(extra)
            .arg("--db")
            .arg(db)
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

    /// SIGTERM, then waits: a graceful shutdown must exit successfully.
    fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("reaps");
        assert!(exit.success(), "pim-host exited with {exit}");
    }

    fn kill(mut self) {
        // `Child::kill` is SIGKILL on Unix: no shutdown code runs.
        self.child.kill().expect("kills");
        self.child.wait().expect("reaps");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pim-host-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir.join("pim.db")
}

fn make_eligible(id: &str, scope: &str) -> String {
    json!({
        "id": id, "action": "adminAssign", "principalId": "user1",
        "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": scope,
        "justification": "crash test",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
    })
    .to_string()
}

#[test]
fn sigkill_during_a_stream_of_requests_loses_no_acknowledged_request() {
    let db = temp_db("crash");
    let server = Server::start(&db);
    let addr = server.addr.clone();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stream = std::thread::spawn(move || {
        for i in 0.. {
            let id = format!("crash-{i}");
            let body = make_eligible(&id, &format!("/administrativeUnits/au{i}"));
            match http(&addr, "POST", ELIGIBILITY, "aymen-token", &body) {
                Some((201, _)) => {
                    if tx.send(id).is_err() {
                        return;
                    }
                }
                Some((status, body)) => panic!("request {i}: {status} {body}"),
                None => return, // the server is gone; this request was never acknowledged
            }
        }
    });
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 25 {
        acknowledged.push(rx.recv().expect("the stream runs"));
    }
    server.kill();
    stream.join().expect("the stream ends");
    acknowledged.extend(rx.try_iter());

    let restarted = Server::start(&db);
    for id in &acknowledged {
        let (status, body) = http(
            &restarted.addr,
            "GET",
            &format!("{ELIGIBILITY}/{id}"),
            "aymen-token",
            "",
        )
        .expect("the restarted server answers");
        assert_eq!(status, 200, "acknowledged request `{id}` lost: {body}");
        assert_eq!(body["status"], "Provisioned", "{id}: {body}");
    }
    restarted.terminate();

    // The audit export sees every acknowledged request.
    let out = Command::new(env!("CARGO_BIN_EXE_pim-host"))
        .args(["audit", "export", "--format", "csv", "--db"])
        .arg(&db)
        .env("PIM_LOG", "warn")
        .output()
        .expect("pim-host runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        csv.starts_with("id,activityDateTime,activityDisplayName,"),
        "{csv}"
    );
    for id in &acknowledged {
        assert!(
            csv.contains(&format!(",{id},")),
            "`{id}` missing from the audit export"
        );
    }
}

#[test]
fn two_processes_on_one_database_grant_an_activation_once() {
    let db = temp_db("race");
    let a = Server::start(&db);
    let b = Server::start(&db);
    let rounds = 4;
    for round in 0..rounds {
        let body = make_eligible(
            &format!("race-eligible-{round}"),
            &format!("/administrativeUnits/r{round}"),
        );
        let (status, body) =
            http(&a.addr, "POST", ELIGIBILITY, "aymen-token", &body).expect("answers");
        assert_eq!(status, 201, "{body}");
    }
    for round in 0..rounds {
        let activate = json!({
            "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
            "directoryScopeId": format!("/administrativeUnits/r{round}"),
            "justification": "race",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
        })
        .to_string();
        let barrier = Arc::new(Barrier::new(2));
        let racers: Vec<_> = [a.addr.clone(), b.addr.clone()]
            .into_iter()
            .map(|addr| {
                let (barrier, activate) = (barrier.clone(), activate.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    http(&addr, "POST", ASSIGNMENT, "user1-token", &activate).expect("answers")
                })
            })
            .collect();
        let answers: Vec<(u16, Value)> = racers
            .into_iter()
            .map(|r| r.join().expect("a racer finishes"))
            .collect();
        let granted = answers.iter().filter(|(s, _)| *s == 201).count();
        assert_eq!(granted, 1, "round {round}: {answers:?}");
    }
    // Both processes see exactly `rounds` activations.
    for server in [&a, &b] {
        let (status, audit) = http(
            &server.addr,
            "GET",
            "/v1.0/auditLogs/directoryAudits?activity=Add%20member%20to%20role%20completed%20(PIM%20activation)",
            "aymen-token",
            "",
        )
        .expect("answers");
        assert_eq!(status, 200, "{audit}");
        let n = audit["value"].as_array().map_or(0, Vec::len);
        assert_eq!(n, rounds, "{audit}");
    }
}

#[test]
fn oversized_and_malformed_requests_are_refused_and_the_server_keeps_serving() {
    let db = temp_db("limits");
    let server = Server::start(&db);
    let big = format!("{{\"justification\":\"{}\"}}", "x".repeat(2 << 20));
    let (status, _) = http(&server.addr, "POST", ASSIGNMENT, "user1-token", &big).expect("answers");
    assert_eq!(status, 413);
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (status, body) =
        http(&server.addr, "POST", ASSIGNMENT, "user1-token", &nested).expect("answers");
    assert_eq!(status, 400, "{body}");
    let (status, body) = http(&server.addr, "POST", ASSIGNMENT, "nobody", "{}").expect("answers");
    assert_eq!(status, 401, "{body}");
    let (status, body) = http(&server.addr, "GET", "/healthz", "", "").expect("answers");
    assert_eq!(status, 200, "{body}");
    let check = format!(
        "/v1.0/pim/check?principalId=aymen&roleDefinitionId={}&directoryScopeId=/",
        pim_core::GLOBAL_ADMINISTRATOR
    );
    let (status, body) = http(&server.addr, "GET", &check, "aymen-token", "").expect("answers");
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
}

/// Events of importing a small tenant (valid events; they are never applied below).
fn more_events() -> Vec<pim_core::Event> {
    let directory = serde_json::from_str(&tenant_json(0)).expect("a snapshot");
    pim_core::Engine::new()
        .execute(
            &pim_core::Command::ImportDirectory {
                directory: Box::new(directory),
            },
            &pim_core::CallContext::system(),
            chrono::Utc::now(),
        )
        .expect("imports")
        .events
}

const ELIGIBLE_ROLES: &str = "/v1.0/me/eligibleRoles";

#[test]
fn a_running_server_answers_reads_and_refuses_writes_when_the_log_breaks_under_it() {
    use pim_host::{SqliteStore, Store};
    let db = temp_db("broken-under");
    let server = Server::start(&db);
    // Another writer appends events the server has not read yet; one of them is deleted.
    let mut store = SqliteStore::open(&db).expect("opens");
    let head = store.head().expect("a head");
    let more = more_events();
    assert!(more.len() >= 3);
    store.append(head, &more).expect("appends");
    let gone = head + 2;
    rusqlite::Connection::open(&db)
        .expect("opens")
        .execute("DELETE FROM events WHERE seq = ?1", [gone])
        .expect("deletes");
    for _ in 0..2 {
        let (status, body) =
            http(&server.addr, "GET", ELIGIBLE_ROLES, "user1-token", "").expect("answers");
        assert_eq!(
            status, 200,
            "reads go on from the verified state: {body} (head {head})"
        );
    }
    let body = make_eligible("after-the-break", "/administrativeUnits/x");
    let (status, body) =
        http(&server.addr, "POST", ELIGIBILITY, "aymen-token", &body).expect("answers");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "logIntegrity", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("sequence {gone}:")), "{body}");
    let (status, _) = http(&server.addr, "GET", "/healthz", "", "").expect("answers");
    assert_eq!(status, 200);
    server.terminate();
}

#[test]
fn a_read_only_server_on_a_0444_copy_serves_reads_refuses_writes_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let db = temp_db("read-only-copy");
    let writer = Server::start(&db); // seeds the demo tenant
    let (status, _) = http(&writer.addr, "GET", "/healthz", "", "").expect("answers");
    assert_eq!(status, 200);
    writer.terminate(); // snapshots, checkpoints the WAL
    let copy = db.with_file_name("copy.db");
    std::fs::copy(&db, &copy).expect("copies");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).expect("chmods");
    let before = std::fs::read(&copy).expect("reads");
    let mtime = std::fs::metadata(&copy)
        .and_then(|m| m.modified())
        .expect("an mtime");

    let server = Server::start_with(&copy, &["--read-only"]);
    let (status, body) =
        http(&server.addr, "GET", ELIGIBLE_ROLES, "user1-token", "").expect("answers");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().map(Vec::len), Some(1), "{body}");
    let policy = format!(
        "/v1.0/policies/roleManagementPolicies/{EXCHANGE_ADMIN}/rules/Expiration_EndUser_Assignment?scopeId=/"
    );
    let writes = [
        ("POST", ELIGIBILITY.to_owned()),
        ("PATCH", policy),
        ("PUT", "/v1.0/pim/auditRetention".to_owned()),
        (
            "DELETE",
            "/v1.0/identityGovernance/accessReviews/definitions/r".to_owned(),
        ),
    ];
    for (method, path) in writes {
        let body = make_eligible("refused", "/");
        let (status, body) =
            http(&server.addr, method, &path, "aymen-token", &body).expect("answers");
        assert_eq!(status, 403, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "readOnlyHost", "{body}");
    }
    server.terminate();
    assert_eq!(
        std::fs::read(&copy).expect("reads"),
        before,
        "the file changed"
    );
    let after = std::fs::metadata(&copy)
        .and_then(|m| m.modified())
        .expect("an mtime");
    assert_eq!(after, mtime);
}

#[test]
fn a_read_only_server_follows_what_a_writing_server_appends() {
    let db = temp_db("read-only-follows");
    let writer = Server::start(&db);
    let reader = Server::start_with(&db, &["--read-only"]);
    let id = "written-elsewhere";
    let path = format!("{ELIGIBILITY}/{id}");
    let (status, body) = http(&reader.addr, "GET", &path, "aymen-token", "").expect("answers");
    assert_ne!(status, 200, "not written yet: {body}");
    let body = make_eligible(id, "/administrativeUnits/follow");
    let (status, body) =
        http(&writer.addr, "POST", ELIGIBILITY, "aymen-token", &body).expect("answers");
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(&reader.addr, "GET", &path, "aymen-token", "").expect("answers");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "Provisioned", "{body}");
    reader.terminate();
    writer.terminate();
}
