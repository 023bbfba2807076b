//! `GET /v1.0/pim/events`: the committed events as server-sent events, in order, resuming
//! after `Last-Event-ID`, to readers only, and ending at a graceful shutdown.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::Value;

use crate::common::http;
use crate::postgres::{Server, TEST_CONFIG, body_head};

/// The first `n` events of `GET {path}` on `addr` as `token`, with `Last-Event-ID` if given:
/// `(id, data)` pairs; or the status when it is not 200.
pub fn first_events(
    addr: &str,
    path: &str,
    token: &str,
    last_event_id: Option<&str>,
    n: usize,
) -> Result<Vec<(String, Value)>, u16> {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let mut req = reqwest::Client::new()
            .get(format!("http://{addr}{path}"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let answer = req.send().await.expect("answers");
        if answer.status() != 200 {
            return Err(answer.status().as_u16());
        }
        let content_type = answer.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .to_owned();
        assert_eq!(content_type, "text/event-stream");
        let mut stream = answer.bytes_stream().eventsource();
        let mut got = Vec::new();
        while got.len() < n {
            let next = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
            let event = next
                .expect("an event within 10 s")
                .expect("the stream goes on")
                .expect("a well-formed event");
            let data = serde_json::from_str(&event.data).expect("JSON data");
            got.push((event.id, data));
        }
        Ok(got)
    })
}

/// The first bytes of `GET {path}` on `addr`, read within two seconds of asking.
fn opening_bytes(addr: &str, path: &str, token: &str) -> (u16, String) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let ask = reqwest::Client::new()
            .get(format!("http://{addr}{path}"))
            .bearer_auth(token)
            .send();
        let answer = tokio::time::timeout(Duration::from_secs(2), ask)
            .await
            .expect("the headers within 2 s")
            .expect("answers");
        let status = answer.status().as_u16();
        let mut body = answer.bytes_stream();
        let first = tokio::time::timeout(Duration::from_secs(2), body.next())
            .await
            .expect("the first bytes within 2 s")
            .expect("the stream goes on")
            .expect("bytes");
        (status, String::from_utf8_lossy(&first).into_owned())
    })
}

#[test]
fn events_stream_the_log_in_order_resume_after_last_event_id_and_only_for_readers() {
    let dir = std::env::temp_dir().join(format!("pim-host-events-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");
    let server = Server::launch(&["--db", db.to_str().expect("UTF-8")], &dir, TEST_CONFIG);
    let head = body_head(&server);
    assert!(head >= 3, "the demo tenant is a few events");
    let n = usize::try_from(head).expect("small");

    let all = first_events(&server.addr, "/v1.0/pim/events", "aymen-token", None, n).expect("200");
    let ids: Vec<String> = all.iter().map(|(id, _)| id.clone()).collect();
    let want: Vec<String> = (1..=head).map(|s| s.to_string()).collect();
    assert_eq!(ids, want);
    // The data is the event as the audit export and the log have it: its type and instant.
    for (_, event) in &all {
        assert!(
            event["type"].is_string() && event["at"].is_string(),
            "{event}"
        );
    }
    // `after` and `Last-Event-ID` (which wins) say where to resume.
    let tail = first_events(
        &server.addr,
        "/v1.0/pim/events?after=1",
        "aymen-token",
        None,
        1,
    )
    .expect("200");
    assert_eq!(tail[0], all[1]);
    let resumed = first_events(
        &server.addr,
        "/v1.0/pim/events?after=0",
        "aymen-token",
        Some(&(head - 1).to_string()),
        1,
    )
    .expect("200");
    assert_eq!(resumed[0], all[n - 1]);
    // A stream past the head opens at once, with the reconnection delay, before any event.
    let (status, opening) = opening_bytes(
        &server.addr,
        "/v1.0/pim/events?after=1000000",
        "aymen-token",
    );
    assert_eq!(status, 200);
    assert!(opening.contains("retry: 1000"), "{opening:?}");
    assert!(!opening.contains("data:"), "{opening:?}");

    // A new commit arrives on a stream already waiting at the head.
    let addr = server.addr.clone();
    let waiting = std::thread::spawn(move || {
        let path = format!("/v1.0/pim/events?after={head}");
        first_events(&addr, &path, "aymen-token", None, 1).expect("200")
    });
    std::thread::sleep(Duration::from_millis(300));
    let body = serde_json::json!({
        "action": "adminAssign", "principalId": "user1",
        "roleDefinitionId": crate::common::EXCHANGE_ADMIN, "directoryScopeId": "/administrativeUnits/ev",
        "justification": "events test",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
    })
    .to_string();
    let path = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests";
    let (status, body) = http(&server.addr, "POST", path, "aymen-token", &body).expect("answers");
    assert_eq!(status, 201, "{body}");
    let new = waiting.join().expect("the stream saw it");
    assert_eq!(new[0].0, (head + 1).to_string());

    // Someone who may not read everything, a bad Last-Event-ID, no token: refused.
    let events = "/v1.0/pim/events";
    assert_eq!(
        first_events(&server.addr, events, "user1-token", None, 1),
        Err(403)
    );
    assert_eq!(
        first_events(&server.addr, events, "aymen-token", Some("x"), 1),
        Err(400)
    );
    assert_eq!(first_events(&server.addr, events, "", None, 1), Err(401));

    // A graceful shutdown ends open streams instead of waiting for them.
    let addr = server.addr.clone();
    let open = std::thread::spawn(move || {
        let _ = first_events(
            &addr,
            "/v1.0/pim/events?after=1000000",
            "aymen-token",
            None,
            1,
        );
    });
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    server.terminate();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown waited for the stream"
    );
    drop(open);
    let _ = std::fs::remove_dir_all(&dir);
}
