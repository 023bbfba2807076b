//! examples/gateway: a request passes only while its caller's role is active.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use pim_core::{CallContext, Command};
use pim_host::{ManualClock, Service, SqliteStore};

use crate::common::{EXCHANGE_ADMIN, at, guest, tenant_json};

#[path = "../../../examples/gateway/gateway.rs"]
#[allow(dead_code, reason = "the example's main uses the rest")]
mod proxy;

/// An upstream that answers `hello <x-pim-principal>`, and how many body bytes reached it.
async fn upstream(listener: tokio::net::TcpListener) {
    let app = axum::Router::new().fallback(
        |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
            let who = headers
                .get_all("x-pim-principal")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(",");
            if body.is_empty() {
                format!("hello {who}")
            } else {
                format!("hello {who}: {} bytes", body.len())
            }
        },
    );
    let _ = axum::serve(listener, app).await;
}

fn get(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connects");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("writes");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (
        status,
        raw.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned(),
    )
}

#[test]
fn the_gateway_forwards_only_callers_active_in_the_routes_role() {
    let dir = std::env::temp_dir().join(format!("pim-host-gateway-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");

    // The host's side: a tenant where u0 is active and user1 only eligible.
    let mut host = Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    let directory = serde_json::from_str(&tenant_json(1)).expect("a snapshot");
    let start = at("2026-03-02T09:00:00Z");
    host.submit(
        &Command::ImportDirectory {
            directory: Box::new(directory),
        },
        &CallContext::system(),
        start,
    )
    .expect("imports");

    // The gateway's side: its own instance, tailing the same database.
    let clock = Arc::new(ManualClock::new(at("2026-03-02T10:00:00Z")));
    let service = Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    let routes = serde_json::from_value(serde_json::json!([
        { "prefix": "/exchange/", "roleDefinitionId": EXCHANGE_ADMIN }
    ]))
    .expect("routes");
    let callers = HashMap::from([
        ("u0-token".to_owned(), "u0".to_owned()),
        ("user1-token".to_owned(), "user1".to_owned()),
    ]);
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let up = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let up_addr = up.local_addr().expect("an address").to_string();
    rt.spawn(upstream(up));
    let gw = proxy::Gateway::new(
        service,
        clock.clone(),
        routes,
        callers,
        up_addr,
        proxy::upstream_client().expect("a client"),
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let addr = listener.local_addr().expect("an address").to_string();
    let router = gw.router();
    rt.spawn(async move { axum::serve(listener, router).await });

    assert_eq!(
        get(&addr, "/exchange/mailboxes", Some("u0-token")),
        (200, "hello u0".into())
    );
    assert_eq!(
        get(&addr, "/exchange/mailboxes", Some("user1-token")).0,
        403
    );
    assert_eq!(get(&addr, "/exchange/mailboxes", None).0, 401);
    assert_eq!(get(&addr, "/elsewhere", Some("u0-token")).0, 404);

    // user1 activates for an hour through the host; once the gateway has tailed the log, the
    // route opens, and it closes when the activation expires.
    let activate: Command = serde_json::from_value(serde_json::json!({
        "op": "request", "kind": "assignment", "body": {
            "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
            "directoryScopeId": "/", "justification": "mailbox migration",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } } }
    }))
    .expect("a command");
    let d = host
        .submit(
            &activate,
            &CallContext::user("user1").with_mfa(),
            at("2026-03-02T10:00:00Z"),
        )
        .expect("decides");
    assert!(d.error.is_none(), "{d:?}");
    gw.tail();
    assert_eq!(
        get(&addr, "/exchange/mailboxes", Some("user1-token")),
        (200, "hello user1".into())
    );
    // A body streams through; a principal header of the caller's own does not.
    let client = reqwest::Client::new();
    let posted = rt.block_on(async {
        let resp = client
            .post(format!("http://{addr}/exchange/import"))
            .bearer_auth("user1-token")
            .header("x-pim-principal", "aymen")
            .body(vec![7u8; 3 << 19])
            .send()
            .await
            .expect("the gateway answers");
        (
            resp.status().as_u16(),
            resp.text().await.unwrap_or_default(),
        )
    });
    assert_eq!(posted, (200, format!("hello user1: {} bytes", 3 << 19)));
    clock.advance(chrono::TimeDelta::hours(2));
    assert_eq!(
        get(&addr, "/exchange/mailboxes", Some("user1-token")).0,
        403
    );
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A gateway over `service`, mirroring the log `follow` sets it to follow, opens
/// `/exchange/` to user1 within a second of `host` acknowledging user1's activation.
fn opens_within_a_second<S: pim_host::Store + 'static>(
    host: &crate::postgres::Server,
    service: Service<S>,
    follow: impl FnOnce(&tokio::runtime::Runtime, Arc<proxy::Gateway<S>>),
) {
    use std::time::{Duration, Instant};
    let routes = serde_json::from_value(serde_json::json!([
        { "prefix": "/exchange/", "roleDefinitionId": EXCHANGE_ADMIN }
    ]))
    .expect("routes");
    let callers = HashMap::from([("user1-token".to_owned(), "user1".to_owned())]);
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let up = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let up_addr = up.local_addr().expect("an address").to_string();
    rt.spawn(upstream(up));
    let gw = proxy::Gateway::new(
        service,
        Arc::new(pim_host::SystemClock),
        routes,
        callers,
        up_addr,
        proxy::upstream_client().expect("a client"),
    );
    follow(&rt, gw.clone());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let addr = listener.local_addr().expect("an address").to_string();
    let router = gw.router();
    rt.spawn(async move { axum::serve(listener, router).await });

    let head = crate::postgres::body_head(host);
    let deadline = Instant::now() + Duration::from_secs(10);
    while gw.service.lock().expect("a service").head() < head {
        assert!(Instant::now() < deadline, "the gateway did not catch up");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        get(&addr, "/exchange/mailboxes", Some("user1-token")).0,
        403
    );

    let activate = serde_json::json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "mailbox migration",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
    })
    .to_string();
    let path = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
    let (status, body) =
        crate::common::http(&host.addr, "POST", path, "user1-token", &activate).expect("answers");
    assert_eq!(status, 201, "{body}");
    let committed = Instant::now();
    loop {
        let (status, body) = get(&addr, "/exchange/mailboxes", Some("user1-token"));
        if status == 200 {
            assert_eq!(body, "hello user1");
            break;
        }
        assert!(
            committed.elapsed() < Duration::from_secs(1),
            "the gateway did not open the route within a second: {status}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_gateway_following_the_event_stream_opens_a_route_within_a_second_of_the_activation() {
    let dir = std::env::temp_dir().join(format!("pim-host-gateway-sse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");
    let host = crate::postgres::Server::launch(
        &["--db", db.to_str().expect("UTF-8")],
        &dir,
        crate::postgres::TEST_CONFIG,
    );
    // The gateway holds the log in memory only, from the host's event stream.
    let log = pim_host::MemoryStore::new();
    let service =
        Service::open_with(guest(), log.clone(), pim_core::Projections::CHECK_ONLY).expect("opens");
    let events = format!("http://{}/v1.0/pim/events", host.addr);
    opens_within_a_second(&host, service, |rt, gw| {
        rt.spawn(proxy::follow_events(gw, log, events, "aymen-token".into()));
    });
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn postgres_a_gateway_reading_the_database_opens_a_route_within_a_second_of_the_activation() {
    let db = crate::postgres::TestDb::new("gateway");
    let dir = std::env::temp_dir().join(format!("pim-host-gateway-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let host = crate::postgres::Server::start(&db.url, &dir);
    let read_only = pim_host::StoreOptions {
        read_only: true,
        chain: pim_host::Chain::plain(),
    };
    let store = pim_host::PostgresStore::connect(&db.url, &read_only).expect("connects");
    let service =
        Service::open_with(guest(), store, pim_core::Projections::CHECK_ONLY).expect("opens");
    opens_within_a_second(&host, service, |_, gw| {
        proxy::follow_database(&gw, db.url.clone());
    });
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
}
