//! Issue 5's host surface: security alerts, access reviews, notifications and audit retention
//! over HTTP, and the `notifications` and `alerts` commands.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pim_core::{CallContext, Command};
use pim_host::http::{AppState, RateLimitConfig, ServerConfig, TokenEntry, router};
use std::time::Duration;

use pim_host::{ManualClock, ManualMonotonic, Service, SqliteStore, TrustedTime};
use serde_json::{Value, json};

use crate::common::{EXCHANGE_ADMIN, at, guest};

pub(crate) const ALERTS: &str = "/beta/roleManagement/directory/roleManagementAlerts";
pub(crate) const REVIEWS: &str = "/v1.0/identityGovernance/accessReviews/definitions";
pub(crate) const ASSIGNMENT: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";

/// An in-process server over a fresh database: `aymen` (active Global Administrator), `rev`,
/// `user1` (eligible Exchange Administrator) and `u0` (active Exchange Administrator).
pub(crate) struct Api {
    pub(crate) addr: String,
    db: PathBuf,
    dir: PathBuf,
    /// The server's wall clock, 10:00 at the start, and the monotonic clock that vouches for it.
    clock: Arc<ManualClock>,
    mono: Arc<ManualMonotonic>,
    pub(crate) rt: tokio::runtime::Runtime,
}

impl Api {
    pub(crate) fn start(name: &str) -> Api {
        Api::start_with(name, |_| {})
    }

    /// As `start`, with `setup` run on the service (as the host, at 09:30) before serving.
    fn start_with(name: &str, setup: impl FnOnce(&mut Service<SqliteStore>)) -> Api {
        Api::start_configured(name, setup, |_| {})
    }

    /// As `start_with`, with `configure` run on the server's config first.
    pub(crate) fn start_configured(
        name: &str,
        setup: impl FnOnce(&mut Service<SqliteStore>),
        configure: impl FnOnce(&mut ServerConfig),
    ) -> Api {
        let dir = std::env::temp_dir().join(format!("pim-host-gov-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let db = dir.join("pim.db");
        let start = at("2026-03-02T09:00:00Z");
        let mut service =
            Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
        let directory = serde_json::from_value(json!({
            "users": [{ "id": "aymen" }, { "id": "rev" }, { "id": "user1" }, { "id": "u0" }],
            "assignments": [
                { "type": "active", "principalId": "aymen",
                  "roleDefinitionId": pim_core::GLOBAL_ADMINISTRATOR },
                { "type": "eligible", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN },
                { "type": "active", "principalId": "u0", "roleDefinitionId": EXCHANGE_ADMIN },
            ]
        }))
        .expect("a snapshot");
        service
            .submit(
                &Command::ImportDirectory {
                    directory: Box::new(directory),
                },
                &CallContext::system(),
                start,
            )
            .expect("imports");
        setup(&mut service);
        let token = |p: &str| TokenEntry {
            token: format!("{p}-token"),
            principal: p.to_owned(),
            mfa: true,
            auth_context: Vec::new(),
        };
        let mut config = ServerConfig {
            listen: None,
            // `ghost` has a token but is not in the directory.
            tokens: vec![
                token("aymen"),
                token("rev"),
                token("user1"),
                token("u0"),
                token("ghost"),
            ],
            // These tests are about governance, not throttling (tests/all/auth.rs is).
            rate_limit: RateLimitConfig::OFF,
            ..ServerConfig::default()
        };
        configure(&mut config);
        let clock = Arc::new(ManualClock::new(at("2026-03-02T10:00:00Z")));
        let mono = Arc::new(ManualMonotonic::new());
        let time = TrustedTime::new(clock.clone(), mono.clone(), Duration::from_secs(120));
        let state = AppState::with_time(service, Vec::new(), Arc::new(time), &config)
            .expect("a valid config");
        let rt = tokio::runtime::Runtime::new().expect("a runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("binds");
        let addr = listener.local_addr().expect("an address").to_string();
        let app = router(state, 1 << 20);
        rt.spawn(async move { axum::serve(listener, app).await });
        Api {
            addr,
            db,
            dir,
            clock,
            mono,
            rt,
        }
    }

    /// Moves the server's clocks (wall and monotonic alike) forward by `by`.
    pub(crate) fn advance(&self, by: Duration) {
        self.mono.advance(by);
        self.clock
            .advance(chrono::TimeDelta::from_std(by).expect("a short step"));
    }

    /// One request as `who` (a token `{who}-token`); the status and the JSON body (null if none).
    pub(crate) fn call(&self, who: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
        crate::common::http(&self.addr, method, path, &format!("{who}-token"), body)
            .expect("the server answers")
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn alert<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["value"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["alertDefinitionId"] == id)
        .unwrap_or_else(|| panic!("no alert {id} in {list}"))
}

#[test]
fn alerts_are_listed_configured_dismissed_and_refreshed_over_http() {
    // u0 also holds Exchange Administrator at an administrative unit, assigned outside PIM.
    let api = Api::start_with("alerts", |service| {
        let command: Command = serde_json::from_value(json!({
            "op": "recordOutsideAssignment", "assignment": {
                "type": "active", "principalId": "u0", "roleDefinitionId": EXCHANGE_ADMIN,
                "directoryScopeId": "/administrativeUnits/au1" }
        }))
        .expect("a command");
        let d = service
            .submit(&command, &CallContext::system(), at("2026-03-02T09:30:00Z"))
            .expect("records");
        assert!(d.error.is_none(), "{d:?}");
    });
    let (status, list) = api.call("aymen", "GET", &format!("{ALERTS}/alerts"), "");
    assert_eq!(status, 200, "{list}");
    // Entra's six alert definitions and pim's two (separation of duties, break-glass).
    assert_eq!(list["value"].as_array().expect("a list").len(), 8, "{list}");

    // Out of range (2–100): refused as input, like a bad request body.
    let (status, body) = api.call(
        "aymen",
        "PATCH",
        &format!("{ALERTS}/alertConfigurations/TooManyGlobalAdminsAssignedToTenantAlert"),
        r#"{"globalAdminCountThreshold": 1}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "InvalidRequest", "{body}");
    // An unknown alert id.
    let (status, _) = api.call(
        "aymen",
        "PATCH",
        &format!("{ALERTS}/alertConfigurations/NoSuchAlert"),
        "{}",
    );
    assert_eq!(status, 400);
    // In range.
    let (status, body) = api.call(
        "aymen",
        "PATCH",
        &format!("{ALERTS}/alertConfigurations/TooManyGlobalAdminsAssignedToTenantAlert"),
        r#"{"globalAdminCountThreshold": 5}"#,
    );
    assert_eq!(status, 204, "{body}");
    let (_, list) = api.call("aymen", "GET", &format!("{ALERTS}/alerts"), "");
    assert_eq!(
        alert(&list, "TooManyGlobalAdminsAssignedToTenantAlert")["configuration"]["globalAdminCountThreshold"],
        5
    );
    // Not an administrator: refused.
    let (status, body) = api.call(
        "user1",
        "PATCH",
        &format!("{ALERTS}/alertConfigurations/TooManyGlobalAdminsAssignedToTenantAlert"),
        r#"{"globalAdminCountThreshold": 6}"#,
    );
    assert_eq!(status, 403, "{body}");

    // Dismiss, then refresh.
    let id = "NoMfaOnRoleActivationAlert";
    let (status, body) = api.call(
        "aymen",
        "PATCH",
        &format!("{ALERTS}/alerts/{id}"),
        r#"{"isActive": false}"#,
    );
    assert_eq!(status, 204, "{body}");
    let (_, list) = api.call("aymen", "GET", &format!("{ALERTS}/alerts"), "");
    assert_eq!(alert(&list, id)["isDismissed"], true, "{list}");
    assert_eq!(alert(&list, id)["isActive"], false, "{list}");
    let (status, body) = api.call(
        "aymen",
        "POST",
        &format!("{ALERTS}/alerts/{id}/refresh"),
        "",
    );
    assert_eq!(status, 204, "{body}");
    let (_, list) = api.call("aymen", "GET", &format!("{ALERTS}/alerts"), "");
    assert_eq!(alert(&list, id)["isDismissed"], false, "{list}");
    // Dismiss again; refreshing all re-activates it too.
    api.call(
        "aymen",
        "PATCH",
        &format!("{ALERTS}/alerts/{id}"),
        r#"{"isActive": false}"#,
    );
    let (status, _) = api.call("aymen", "POST", &format!("{ALERTS}/alerts/refresh"), "");
    assert_eq!(status, 204);
    let (_, list) = api.call("aymen", "GET", &format!("{ALERTS}/alerts"), "");
    assert_eq!(alert(&list, id)["isDismissed"], false, "{list}");
    // Remediation: an unknown incident is refused; a real one goes.
    let (status, body) = api.call(
        "aymen",
        "POST",
        &format!("{ALERTS}/alerts/{id}/alertIncidents/no-such-incident/remediate"),
        "",
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = api.call(
        "aymen",
        "POST",
        &format!("{ALERTS}/alerts/NoSuchAlert/remediate"),
        "",
    );
    assert_eq!(status, 400, "{body}");
    let outside = "RolesAssignedOutsidePimAlert";
    let (_, list) = api.call("aymen", "GET", &format!("{ALERTS}/alerts"), "");
    assert_eq!(alert(&list, outside)["incidentCount"], 1, "{list}");
    let incident = alert(&list, outside)["incidents"][0]["id"]
        .as_str()
        .expect("an incident id")
        .to_owned();
    let remediate = format!("{ALERTS}/alerts/{outside}/alertIncidents/{incident}/remediate");
    assert_eq!(api.call("user1", "POST", &remediate, "").0, 403);
    let (status, body) = api.call("aymen", "POST", &remediate, "");
    assert_eq!(status, 204, "{body}");
    let (_, list) = api.call("aymen", "GET", &format!("{ALERTS}/alerts"), "");
    assert_eq!(alert(&list, outside)["incidentCount"], 0, "{list}");
    // Nothing left to remediate.
    let (status, _) = api.call(
        "aymen",
        "POST",
        &format!("{ALERTS}/alerts/{outside}/remediate"),
        "",
    );
    assert_eq!(status, 400);
    // No token: 401.
    let mut s = TcpStream::connect(&api.addr).expect("connects");
    write!(
        s,
        "GET {ALERTS}/alerts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    assert!(raw.starts_with("HTTP/1.1 401"), "{raw}");
}

#[test]
fn an_access_review_is_created_decided_stopped_and_applied_over_http() {
    let api = Api::start("review");
    let definition = json!({
        "id": "r1", "displayName": "Exchange admins", "roleDefinitionId": EXCHANGE_ADMIN,
        "reviewers": { "type": "selected", "ids": ["rev"] },
        "recurrence": { "type": "oneTime", "durationInDays": 14 }
    })
    .to_string();
    // Only administrators create reviews.
    let (status, _) = api.call("rev", "POST", REVIEWS, &definition);
    assert_eq!(status, 403);
    let (status, review) = api.call("aymen", "POST", REVIEWS, &definition);
    assert_eq!(status, 201, "{review}");
    assert_eq!(review["id"], "r1", "{review}");
    assert_eq!(review["instances"][0]["status"], "InProgress", "{review}");
    let (status, _) = api.call("aymen", "POST", REVIEWS, &definition);
    assert_eq!(status, 400, "a duplicate id");
    let (status, _) = api.call("aymen", "POST", REVIEWS, r#"{"bogus": 1}"#);
    assert_eq!(status, 400);

    let decide = |who: &str, principal: &str, decision: &str| {
        api.call(
            who,
            "POST",
            &format!("{REVIEWS}/r1/decisions"),
            &json!({ "principalId": principal, "decision": decision,
                     "justification": "quarterly review" })
            .to_string(),
        )
    };
    assert_eq!(decide("user1", "u0", "Deny").0, 403, "not a reviewer");
    assert_eq!(decide("rev", "u0", "Deny").0, 204);
    assert_eq!(decide("rev", "user1", "Approve").0, 204);
    assert_eq!(decide("rev", "u0", "Maybe").0, 400);

    let (status, review) = api.call("rev", "GET", &format!("{REVIEWS}/r1"), "");
    assert_eq!(status, 200);
    let items = review["instances"][0]["items"].as_array().expect("items");
    let decision_of = |p: &str| {
        items
            .iter()
            .find(|i| i["principalId"] == p)
            .map(|i| i["decision"].clone())
    };
    assert_eq!(decision_of("u0"), Some(json!("Deny")), "{review}");
    assert_eq!(decision_of("user1"), Some(json!("Approve")), "{review}");

    // Reset clears the decisions; decide again.
    assert_eq!(
        api.call("aymen", "POST", &format!("{REVIEWS}/r1/reset"), "")
            .0,
        204
    );
    let (_, review) = api.call("rev", "GET", &format!("{REVIEWS}/r1"), "");
    assert!(
        review["instances"][0]["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["decision"] == "NotReviewed"),
        "{review}"
    );
    assert_eq!(decide("rev", "u0", "Deny").0, 204);

    // u0 is active until the results are applied.
    let check = format!(
        "/v1.0/pim/check?principalId=u0&roleDefinitionId={EXCHANGE_ADMIN}&directoryScopeId=/"
    );
    let (_, before) = api.call("aymen", "GET", &check, "");
    assert_eq!(
        api.call("user1", "POST", &format!("{REVIEWS}/r1/stop"), "")
            .0,
        403
    );
    assert_eq!(
        api.call("aymen", "POST", &format!("{REVIEWS}/r1/stop"), "")
            .0,
        204
    );
    let (_, review) = api.call("aymen", "GET", &format!("{REVIEWS}/r1"), "");
    assert_eq!(review["instances"][0]["status"], "Completed", "{review}");
    assert_eq!(
        api.call("aymen", "POST", &format!("{REVIEWS}/r1/applyDecisions"), "")
            .0,
        204
    );
    let (_, review) = api.call("aymen", "GET", &format!("{REVIEWS}/r1"), "");
    assert_eq!(review["instances"][0]["status"], "Applied", "{review}");
    let (ok, text, err) = pim_host(&["reviews"], &api.db);
    assert!(ok, "{err}");
    assert!(
        text.contains("r1") && text.contains("Applied") && text.contains("1/2 decided"),
        "{text}"
    );
    let (_, after) = api.call("aymen", "GET", &check, "");
    assert_ne!(before, after, "the denied assignment was removed");

    let (status, list) = api.call("aymen", "GET", REVIEWS, "");
    assert_eq!(status, 200);
    assert_eq!(list["value"].as_array().expect("a list").len(), 1, "{list}");
    assert_eq!(
        api.call("aymen", "DELETE", &format!("{REVIEWS}/r1"), "").0,
        204
    );
    let (_, list) = api.call("aymen", "GET", REVIEWS, "");
    assert_eq!(list["value"], json!([]), "{list}");
}

/// user1 activates Exchange Administrator: notifications are due.
pub(crate) fn activate_user1(api: &Api) {
    let body = json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "mailbox migration",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
    })
    .to_string();
    let (status, body) = api.call("user1", "POST", ASSIGNMENT, &body);
    assert_eq!(status, 201, "{body}");
}

#[test]
fn administrators_see_every_notification_and_users_only_their_own() {
    let api = Api::start("notify");
    activate_user1(&api);
    let (status, all) = api.call("aymen", "GET", "/v1.0/pim/notifications", "");
    assert_eq!(status, 200, "{all}");
    let all = all["value"].as_array().expect("a list").clone();
    assert!(!all.is_empty(), "an activation notifies someone");
    let (status, mine) = api.call(
        "user1",
        "GET",
        "/v1.0/pim/notifications?recipient=aymen",
        "",
    );
    assert_eq!(status, 200);
    let mine = mine["value"].as_array().expect("a list").clone();
    assert!(mine.len() < all.len(), "{mine:?} vs {all:?}");
    for n in &mine {
        assert!(
            n["recipients"]
                .as_array()
                .expect("recipients")
                .contains(&json!("user1")),
            "{n}"
        );
    }
    // An administrator may filter by recipient.
    let (_, theirs) = api.call(
        "aymen",
        "GET",
        "/v1.0/pim/notifications?recipient=user1",
        "",
    );
    assert_eq!(theirs["value"].as_array().expect("a list"), &mine);
    // Since a later instant: nothing.
    let (_, later) = api.call(
        "aymen",
        "GET",
        "/v1.0/pim/notifications?since=2026-03-03T00:00:00Z",
        "",
    );
    assert_eq!(later["value"], json!([]));
    assert_eq!(
        api.call(
            "aymen",
            "GET",
            "/v1.0/pim/notifications?since=yesterday",
            ""
        )
        .0,
        400
    );
}

#[test]
fn audit_retention_is_set_by_administrators_only() {
    let api = Api::start("retention");
    assert_eq!(
        api.call(
            "aymen",
            "PUT",
            "/v1.0/pim/auditRetention",
            r#"{"days": 90}"#
        )
        .0,
        204
    );
    assert_eq!(
        api.call("aymen", "PUT", "/v1.0/pim/auditRetention", r#"{"days": 0}"#)
            .0,
        400
    );
    assert_eq!(
        api.call(
            "aymen",
            "PUT",
            "/v1.0/pim/auditRetention",
            r#"{"days": null}"#
        )
        .0,
        204
    );
    assert_eq!(
        api.call(
            "user1",
            "PUT",
            "/v1.0/pim/auditRetention",
            r#"{"days": 30}"#
        )
        .0,
        403
    );
}

/// A webhook on 127.0.0.1 answering 204 to everything; counts the POSTs it received.
fn webhook() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("an address").to_string();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // The head, then Content-Length bytes of body.
            let body_ok = loop {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break false,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                let text = String::from_utf8_lossy(&buf).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= len {
                        let is_post = head.starts_with("POST /hook ");
                        let parsed = serde_json::from_str::<Value>(body).is_ok();
                        break is_post && parsed;
                    }
                }
            };
            if body_ok {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            let _ = conn.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
    });
    (addr, count)
}

fn pim_host(args: &[&str], db: &Path) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pim-host"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("PIM_LOG", "warn")
        .output()
        .expect("pim-host runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn notifications_are_listed_and_delivered_to_a_webhook_once() {
    let api = Api::start("deliver");
    activate_user1(&api);
    let (_, all) = api.call("aymen", "GET", "/v1.0/pim/notifications", "");
    let n = all["value"].as_array().expect("a list").len();
    assert!(n > 0);

    let (ok, text, err) = pim_host(&["notifications"], &api.db);
    assert!(ok, "{err}");
    assert_eq!(text.lines().count(), n, "{text}");
    let (ok, json_text, err) = pim_host(&["notifications", "--json"], &api.db);
    assert!(ok, "{err}");
    let listed: Value = serde_json::from_str(&json_text).expect("JSON");
    assert_eq!(listed, all["value"]);

    let (addr, count) = webhook();
    let url = format!("http://{addr}/hook");
    let (ok, out, err) = pim_host(&["notifications", "deliver", "--webhook", &url], &api.db);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), format!("delivered {n}"));
    assert_eq!(count.load(Ordering::SeqCst), n);
    let (ok, out, err) = pim_host(&["notifications", "deliver", "--webhook", &url], &api.db);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "delivered 0");
    assert_eq!(count.load(Ordering::SeqCst), n, "nothing is sent twice");

    // An https webhook is accepted; one added after the notifications were taken does not
    // receive them (nothing is due), and with no channel at all `deliver` says so.
    let (ok, out, err) = pim_host(
        &[
            "notifications",
            "deliver",
            "--webhook",
            "https://127.0.0.1:9/hook",
        ],
        &api.db,
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "delivered 0");
    let (ok, _, err) = pim_host(&["notifications", "deliver"], &api.db);
    assert!(!ok);
    assert!(err.contains("no channel"), "{err}");
    let (ok, out, err) = pim_host(&["notifications", "status"], &api.db);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("pending 0\ndelivered {n}\ndead-lettered 0\n"),
        "{out}"
    );

    let (ok, alerts, err) = pim_host(&["alerts"], &api.db);
    assert!(ok, "{err}");
    assert_eq!(alerts.lines().count(), 8, "{alerts}"); // Entra's six, pim's two
}

#[test]
fn a_request_wrong_in_several_ways_is_refused_for_the_same_reason_as_before_the_split() {
    let api = Api::start("order");
    // An oversized body is a 413 whoever sends it: its size is checked before the token.
    let big = format!("{{\"justification\":\"{}\"}}", "x".repeat(2 << 20));
    assert_eq!(api.call("nobody", "POST", ASSIGNMENT, &big).0, 413);
    // The token is checked before the JSON.
    let (status, body) = api.call("nobody", "POST", ASSIGNMENT, "{");
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"]["code"], "InvalidAuthenticationToken",
        "{body}"
    );
    assert_eq!(body["error"]["message"], "unknown bearer token", "{body}");
    // A query string that does not parse is refused before the token (axum's own 400).
    let (status, _) = api.call("nobody", "GET", "/v1.0/pim/check?principalId=aymen", "");
    assert_eq!(status, 400);
    // A path segment is parsed after the token, and before the body.
    let refresh = format!("{ALERTS}/alerts/NoSuchAlert/refresh");
    assert_eq!(api.call("nobody", "POST", &refresh, "").0, 401);
    let configure = format!("{ALERTS}/alertConfigurations/NoSuchAlert");
    let (status, body) = api.call("aymen", "PATCH", &configure, "{");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "InvalidRequest", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("`alertId`: "), "{body}");
    // An unknown request is Graph's 404, with Graph's error body.
    let cancel = format!("{ASSIGNMENT}/nope/cancel");
    let (status, body) = api.call("user1", "POST", &cancel, "");
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "ResourceNotFound", "{body}");
    assert!(
        body["error"]["innerError"]["request-id"].is_string(),
        "{body}"
    );
}
