//! `GET /metrics`: off unless configured, only with its own scrape token, and counting
//! requests by route template, commits and conflicts.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;

use crate::common::{EXCHANGE_ADMIN, http};
use crate::postgres::{SCRAPE_TOKEN, Server, TEST_CONFIG};

/// `GET /metrics` with the bearer token, if any: the status and the body as text, and the
/// content type.
pub fn scrape(addr: &str, token: Option<&str>) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("writes");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok());
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (status.expect("a status"), body.to_owned(), content_type)
}

/// The value of the sample `name{labels}` (the exact text before the value), if present.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pim-host-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

const ELIGIBILITY: &str = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests";

#[test]
fn metrics_count_requests_by_route_template_and_commits_and_need_the_scrape_token() {
    let dir = temp_dir("metrics");
    let db = dir.join("pim.db");
    let db = db.to_str().expect("a UTF-8 path");
    let server = Server::launch(&["--db", db], &dir, TEST_CONFIG);
    // No token, a caller's token, a wrong one: refused.
    assert_eq!(scrape(&server.addr, None).0, 401);
    assert_eq!(scrape(&server.addr, Some("aymen-token")).0, 401);
    assert_eq!(scrape(&server.addr, Some("scrape-tokeX")).0, 401);
    // The scrape token opens nothing else.
    let (status, _) = http(&server.addr, "GET", ELIGIBILITY, SCRAPE_TOKEN, "").expect("answers");
    assert_eq!(status, 401);

    let (status, before, content_type) = scrape(&server.addr, Some(SCRAPE_TOKEN));
    assert_eq!(status, 200, "{before}");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    assert!(before.trim_end().ends_with("# EOF"), "{before}");
    let commits = sample(&before, "pim_commits_total").expect("commits are counted");
    assert!(commits >= 1.0, "the demo tenant was seeded: {before}");

    // Two requests for two different ids are one series, under the route's template.
    for id in ["first", "second"] {
        let body = json!({
            "id": id, "action": "adminAssign", "principalId": "user1",
            "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": format!("/administrativeUnits/{id}"),
            "justification": "metrics test",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
        })
        .to_string();
        let (status, body) =
            http(&server.addr, "POST", ELIGIBILITY, "aymen-token", &body).expect("answers");
        assert_eq!(status, 201, "{body}");
        let path = format!("{ELIGIBILITY}/{id}");
        let (status, _) = http(&server.addr, "GET", &path, "aymen-token", "").expect("answers");
        assert_eq!(status, 200);
    }
    let (status, _) =
        http(&server.addr, "GET", "/no/such/path", "aymen-token", "").expect("answers");
    assert_eq!(status, 404);

    let after = server.metrics();
    let by_id = format!(
        r#"pim_http_requests_total{{method="GET",route="{ELIGIBILITY}/{{id}}",status="200"}}"#
    );
    assert_eq!(sample(&after, &by_id), Some(2.0), "{after}");
    let created =
        format!(r#"pim_http_requests_total{{method="POST",route="{ELIGIBILITY}",status="201"}}"#);
    assert_eq!(sample(&after, &created), Some(2.0), "{after}");
    let unmatched = r#"pim_http_requests_total{method="GET",route="unmatched",status="404"}"#;
    assert_eq!(sample(&after, unmatched), Some(1.0), "{after}");
    assert!(
        !after.contains("/first"),
        "a raw path made a series: {after}"
    );
    // Each POST committed one append on this single host, with no conflict.
    assert_eq!(
        sample(&after, "pim_commits_total"),
        Some(commits + 2.0),
        "{after}"
    );
    assert_eq!(sample(&after, "pim_conflicts_total"), Some(0.0), "{after}");
    let latency = format!(
        r#"pim_http_request_duration_seconds_count{{method="POST",route="{ELIGIBILITY}"}}"#
    );
    assert_eq!(sample(&after, &latency), Some(2.0), "{after}");
    // The log's head, as /healthz says it; a SQLite host has no follower gauges.
    let (_, health) = http(&server.addr, "GET", "/healthz", "", "").expect("answers");
    let head = health["events"].as_f64().expect("a head");
    assert_eq!(sample(&after, "pim_log_head"), Some(head), "{after}");
    assert!(!after.contains("pim_follower_"), "{after}");
    drop(server);

    // Without `metrics` in the config the route is not there.
    let off = Server::launch(
        &["--db", db],
        &dir,
        r#"{"rateLimit": {"writesPerMinute": 0}}"#,
    );
    assert_eq!(scrape(&off.addr, Some(SCRAPE_TOKEN)).0, 404);
    drop(off);
    // Public metrics need no token.
    let public = Server::launch(&["--db", db], &dir, r#"{"metrics": {"public": true}}"#);
    assert_eq!(scrape(&public.addr, None).0, 200);
    drop(public);
    let _ = std::fs::remove_dir_all(&dir);
}
