//! Shared helpers: the guest, compiled once per test binary.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;

use pim_host::{Guest, Limits};

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The guest module built by `scripts/build-guest.sh`, with default limits, compiled once.
pub fn guest() -> Arc<Guest> {
    static GUEST: OnceLock<Arc<Guest>> = OnceLock::new();
    GUEST
        .get_or_init(|| {
            let path = Guest::locate(None);
            assert!(
                path.is_file(),
                "pim_guest.wasm not found at {}: run scripts/build-guest.sh first (or set PIM_GUEST)",
                path.display()
            );
            Guest::from_file(&path, Limits::default()).expect("the guest module loads")
        })
        .clone()
}

/// The same module under other limits.
pub fn guest_with(limits: Limits) -> Arc<Guest> {
    guest().with_limits(limits)
}

/// An instant from RFC 3339 text.
pub fn at(text: &str) -> pim_core::Instant {
    pim_core::time::parse_instant(text).expect("a valid instant")
}

/// Every scenario file, sorted.
pub fn scenario_files() -> Vec<PathBuf> {
    let dir = workspace().join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/scenarios exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario files in {}", dir.display());
    files
}

/// The seed walkthrough's tenant: Aymen (Global Administrator), User1, Exchange Administrator.
pub const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

/// Imports a small tenant: `aymen` active Global Administrator, `user1` eligible for Exchange
/// Administrator, and `users` more users, each with an active Exchange Administrator assignment.
pub fn tenant_json(users: usize) -> String {
    let mut list = vec![
        serde_json::json!({ "id": "aymen" }),
        serde_json::json!({ "id": "user1" }),
    ];
    let mut assignments = vec![
        serde_json::json!({ "type": "active", "principalId": "aymen",
            "roleDefinitionId": pim_core::GLOBAL_ADMINISTRATOR }),
        serde_json::json!({ "type": "eligible", "principalId": "user1",
            "roleDefinitionId": EXCHANGE_ADMIN }),
    ];
    for i in 0..users {
        list.push(serde_json::json!({ "id": format!("u{i}") }));
        assignments.push(
            serde_json::json!({ "type": "active", "principalId": format!("u{i}"),
            "roleDefinitionId": EXCHANGE_ADMIN }),
        );
    }
    serde_json::json!({ "users": list, "assignments": assignments }).to_string()
}

/// `n` more users `big0..`, each with an active Exchange Administrator assignment.
pub fn big_directory(n: usize) -> pim_core::wire::DirectorySnapshot {
    let users: Vec<_> = (0..n)
        .map(|i| serde_json::json!({ "id": format!("big{i}") }))
        .collect();
    let assignments: Vec<_> = (0..n)
        .map(|i| {
            serde_json::json!({ "type": "active", "principalId": format!("big{i}"),
            "roleDefinitionId": EXCHANGE_ADMIN })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "users": users, "assignments": assignments }))
        .expect("a directory snapshot")
}

/// Asserts two reports are equal, naming the first step that differs.
pub fn assert_same_report(
    left: &pim_core::scenario::ScenarioReport,
    right: &pim_core::scenario::ScenarioReport,
    what: &str,
) {
    if left == right {
        return;
    }
    let l = serde_json::to_value(left).expect("serializes");
    let r = serde_json::to_value(right).expect("serializes");
    for (a, b) in left.steps.iter().zip(&right.steps) {
        if a != b {
            panic!(
                "{what}: step {} differs\n  left:  {}\n  right: {}\n(rebuild the guest with scripts/build-guest.sh after changing core)",
                a.step,
                serde_json::to_string(a).expect("serializes"),
                serde_json::to_string(b).expect("serializes")
            );
        }
    }
    assert_eq!(l, r, "{what}");
}

/// One HTTP/1.1 request to a test server with `Authorization: Bearer {token}`: the status and
/// the JSON body (null if none); `None` when the connection fails (a killed server). The
/// request is written whole, whatever the server answers first, so a test can send a body
/// the server refuses before reading it (413).
pub fn http(addr: &str, method: &str, path: &str, token: &str, body: &str) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// Reads a spawned `pim-host serve`'s stdout until it says where it listens: the address
/// (`host:port`) and the stdout, which the caller keeps open (the server writes to it).
pub fn listening_address(
    child: &mut std::process::Child,
) -> (String, std::io::BufReader<std::process::ChildStdout>) {
    use std::io::BufRead;
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("a stdout pipe"));
    let mut line = String::new();
    while !line.starts_with("listening on ") {
        line.clear();
        let n = stdout
            .read_line(&mut line)
            .expect("pim-host prints its address");
        assert!(n > 0, "pim-host exited before listening");
    }
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected line `{line}`"))
        .to_owned();
    (addr, stdout)
}

/// The status of a `GET` whose body may never end (a server-sent event stream): reads the
/// answer's head only, then hangs up.
pub fn status_of_stream(addr: &str, path: &str, token: &str) -> Option<u16> {
    use std::io::BufRead;
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut line = String::new();
    std::io::BufReader::new(s).read_line(&mut line).ok()?;
    line.split(' ').nth(1)?.parse().ok()
}
