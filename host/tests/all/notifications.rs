//! Notifications that reach people: the walkthrough's mails delivered to a real SMTP server
//! (mailin-embedded) with Entra's content, to the right people; webhooks to an axum receiver
//! that fails three times (each delivery arrives once more, with the same idempotency key); a
//! host stopped mid-batch delivers the rest; signatures checked from the documented scheme;
//! dead letters; the earlier table's rows still count as delivered.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use mailin_embedded::{Handler, Response, Server, response};
use pim_core::notify::Notification;
use pim_core::scenario::ScenarioFile;
use pim_core::{CallContext, Command};
use pim_host::outbox::{
    Deliverer, NotificationsConfig, Secret, SmtpConfig, SmtpTls, WebhookConfig, WebhookFormat,
    idempotency_key,
};
use pim_host::{Service, SqliteStore};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{EXCHANGE_ADMIN, guest};

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pim-notify-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir.join("pim.db")
}

/// The walkthrough's tenant, with mail addresses, approval by Aymen, and the helpdesk as an
/// additional recipient of the role's activation alert (the "Send notifications when
/// eligible members activate this role" row of the role's settings).
const TENANT: &str = r##"{
  "name": "notifications tenant", "start": "2026-03-02T09:00:00Z",
  "directory": {
    "users": [
      { "id": "aymen", "displayName": "Aymen", "mail": "aymen@contoso.example" },
      { "id": "user1", "displayName": "User1", "mail": "user1@contoso.example" }
    ],
    "roleDefinitions": [ { "id": "29232cdf-9323-42fd-ade2-1d097af3e4de", "displayName": "Exchange Administrator" } ],
    "assignments": [
      { "type": "active", "principalId": "aymen", "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
        "directoryScopeId": "/", "startDateTime": "2026-01-01T00:00:00Z" }
    ]
  },
  "policies": [
    { "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de", "scopeId": "/",
      "rules": [
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
          "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": "PT8H" },
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
          "id": "Enablement_EndUser_Assignment", "enabledRules": ["Justification", "Ticketing"] },
        { "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
          "id": "Approval_EndUser_Assignment",
          "setting": { "isApprovalRequired": true, "approvalMode": "SingleStage",
            "approvalStages": [ { "approvalStageTimeOutInDays": 1,
              "primaryApprovers": [ { "@odata.type": "#microsoft.graph.singleUser", "userId": "aymen" } ] } ] } },
        { "id": "Notification_Admin_EndUser_Assignment", "notificationType": "Email",
          "recipientType": "Admin", "notificationLevel": "All", "isDefaultRecipientsEnabled": true,
          "notificationRecipients": ["helpdesk@contoso.example"] }
      ] }
  ],
  "steps": []
}"##;

const CONSOLE: &str = "https://pim.contoso.example";

fn submit(service: &mut Service<SqliteStore>, caller: &str, command: Value) -> pim_core::Decision {
    let command: Command = serde_json::from_value(command).expect("a command");
    let ctx = CallContext::user(caller).with_mfa();
    let d = service
        .submit(&command, &ctx, chrono::Utc::now())
        .expect("decides");
    assert!(d.error.is_none(), "{d:?}");
    d
}

/// The walkthrough: Aymen makes User1 eligible for a month, User1 asks to activate for 4 hours
/// (approval needed), Aymen approves.
fn walkthrough(db: &Path) -> Service<SqliteStore> {
    let mut service = Service::open(guest(), SqliteStore::open(db).expect("opens")).expect("opens");
    let file = ScenarioFile::from_json(TENANT).expect("a tenant");
    let system = CallContext::system();
    file.tenant()
        .set_up(|c| service.submit(&c, &system, chrono::Utc::now()))
        .map_err(|_| "set-up failed")
        .expect("sets up");
    submit(
        &mut service,
        "aymen",
        json!({ "op": "request", "kind": "eligibility", "body": {
        "action": "adminAssign", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "Exchange migration project",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } } } }),
    );
    let d = submit(
        &mut service,
        "user1",
        json!({ "op": "request", "kind": "assignment", "body": {
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "Mailbox restore for the legal team",
        "ticketInfo": { "ticketNumber": "INC-42", "ticketSystem": "ServiceNow" },
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT4H" } } } }),
    );
    let request = d.request.expect("the request").id;
    submit(
        &mut service,
        "aymen",
        json!({ "op": "decide", "requestId": request,
        "reviewResult": "Approve", "justification": "Ticket INC-42 confirms the restore" }),
    );
    service
}

fn all_notifications(service: &mut Service<SqliteStore>) -> Vec<Notification> {
    pim_host::outbox::message::notifications(service, chrono::Utc::now(), None).expect("lists")
}

// ---- the SMTP server ----

#[derive(Debug, Clone, Default)]
struct Mail {
    /// Who authenticated (AUTH PLAIN), if anyone.
    user: Option<String>,
    from: String,
    to: Vec<String>,
    data: String,
}

#[derive(Clone)]
struct Inbox {
    mails: Arc<Mutex<Vec<Mail>>>,
    current: Mail,
    user: Option<String>,
}

impl Handler for Inbox {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Mail {
            user: self.user.clone(),
            from: from.to_owned(),
            to: to.to_vec(),
            data: String::new(),
        };
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        if (user, password) == ("pim@contoso.example", "relay-password") {
            self.user = Some(user.to_owned());
            response::AUTH_OK
        } else {
            response::INVALID_CREDENTIALS
        }
    }

    fn data_end(&mut self) -> Response {
        let mail = std::mem::take(&mut self.current);
        self.mails.lock().expect("the inbox").push(mail);
        response::OK
    }
}

/// A real SMTP server on 127.0.0.1 (plain SMTP, as a local relay); its port and inbox.
fn smtp_server() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    smtp_server_with(|_| {})
}

/// As `smtp_server`, with `setup` run on the server first (STARTTLS, AUTH).
fn smtp_server_with(setup: impl FnOnce(&mut Server<Inbox>)) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    // Two crypto providers are linked into the tests (see host/Cargo.toml): pick ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("an address").port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let inbox = Inbox {
        mails: mails.clone(),
        current: Mail::default(),
        user: None,
    };
    let mut server = Server::new(inbox);
    server
        .with_name("mx.contoso.example")
        .with_tcp_listener(listener);
    setup(&mut server);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, mails)
}

/// Quoted-printable decoding (soft line breaks and `=XX`), enough to read a body.
fn unquote(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A header's value, unfolded (RFC 5322 continues a long header on lines starting with space).
fn header(data: &str, name: &str) -> Option<String> {
    let unfolded = data.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

fn smtp_config(port: u16) -> NotificationsConfig {
    NotificationsConfig {
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            tls: SmtpTls::None,
            username: None,
            password_file: None,
            password_env: None,
            from: "PIM <pim@contoso.example>".into(),
            ca_file: None,
        }),
        console_url: Some(CONSOLE.into()),
        ..NotificationsConfig::default()
    }
}

/// The walkthrough's mails say what Entra's do, to whom Entra sends them.
fn entra_content(mails: &[Mail]) {
    let subjects = |to: &str| -> BTreeSet<String> {
        mails
            .iter()
            .filter(|m| m.to[0] == to)
            .map(|m| header(&m.data, "Subject").unwrap_or_default())
            .collect()
    };
    let body = |to: &str, subject: &str| -> String {
        let m = mails
            .iter()
            .find(|m| m.to[0] == to && header(&m.data, "Subject").as_deref() == Some(subject))
            .unwrap_or_else(|| panic!("no mail `{subject}` to {to}: {:?}", subjects(to)));
        unquote(&m.data)
    };
    // Entra's mails: the assignee learns of the eligibility; the approver is asked, with the
    // requestor, role, scope, duration, reason and ticket, and a button to Approve requests;
    // the requestor learns the decision; the activation alert goes to the administrators and
    // the role's additional recipients (the helpdesk).
    let assigned = "PIM: User1 was assigned the Exchange Administrator role";
    let asked = "PIM: Approval required: User1 requests to activate Exchange Administrator";
    let approved = "PIM: The request of User1 to activate Exchange Administrator was approved";
    let activated = "PIM: User1 activated the Exchange Administrator role";
    let user1 = subjects("user1@contoso.example");
    for s in [assigned, approved, activated] {
        assert!(user1.contains(s), "{s}: {user1:?}");
    }
    assert!(!user1.contains(asked), "{user1:?}");
    let aymen = subjects("aymen@contoso.example");
    for s in [assigned, asked, approved, activated] {
        assert!(aymen.contains(s), "{s}: {aymen:?}");
    }
    assert_eq!(
        subjects("helpdesk@contoso.example"),
        BTreeSet::from([activated.to_owned()])
    );

    let ask = body("aymen@contoso.example", asked);
    for fact in [
        "User: User1",
        "Role: Exchange Administrator",
        "Scope: Directory",
        "Duration: 4 hours",
        "Reason: Mailbox restore for the legal team",
        "Ticket number: INC-42",
        "Ticket system: ServiceNow",
        "Approve or deny request: https://pim.contoso.example/#/approvals",
    ] {
        assert!(ask.contains(fact), "{fact} in\n{ask}");
    }
    assert!(ask.contains("Content-Type: text/html"), "{ask}");
    assert!(
        ask.contains("<a href=\"https://pim.contoso.example/#/approvals\""),
        "{ask}"
    );
    let eligible = body("user1@contoso.example", assigned);
    for fact in [
        "Duration: 30 days",
        "Reason: Exchange migration project",
        "Requested by: Aymen",
        "Activate role: https://pim.contoso.example/#/roles",
    ] {
        assert!(eligible.contains(fact), "{fact} in\n{eligible}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_walkthrough_mails_what_entra_would_to_the_right_people() {
    let db = temp_db("mail");
    let mut service = walkthrough(&db);
    let (port, mails) = smtp_server();
    let deliverer = Deliverer::open(&db, &smtp_config(port), &[]).expect("opens");
    let taken = deliverer
        .take_from(&mut service, chrono::Utc::now())
        .expect("takes");
    let notifications = all_notifications(&mut service);
    assert_eq!(taken, notifications.len());
    let round = deliverer.deliver_due(None).await.expect("delivers");
    // One mail per notification and recipient address.
    let mut expected = BTreeMap::new();
    for n in &notifications {
        for r in &n.recipients {
            expected.insert(
                format!("<{}@contoso.example>", idempotency_key(n, "smtp", r)),
                (r.clone(), n.clone()),
            );
        }
    }
    assert_eq!(round.delivered, expected.len(), "{round:?}");
    let mails = mails.lock().expect("the inbox").clone();
    assert_eq!(mails.len(), expected.len());
    let mut by_id = BTreeMap::new();
    for m in &mails {
        assert_eq!(m.from, "pim@contoso.example");
        assert_eq!(m.to.len(), 1, "one recipient per mail: {:?}", m.to);
        let id = header(&m.data, "Message-ID").expect("a Message-ID");
        let (to, _) = expected
            .get(&id)
            .expect("a Message-ID derived from the key");
        assert_eq!(&m.to[0], to);
        by_id.insert(id, m.clone());
    }
    assert_eq!(by_id.len(), expected.len(), "each delivery once");

    entra_content(&mails);

    // A second round sends nothing again.
    let again = deliverer.deliver_due(None).await.expect("delivers");
    assert_eq!(again.delivered, 0);
    let status = deliverer.status().expect("a status");
    assert_eq!(
        (status.pending, status.delivered, status.dead_lettered),
        (0, expected.len() as u64, 0)
    );
}

// ---- the webhook receiver ----

#[derive(Debug, Clone)]
struct Received {
    key: String,
    timestamp: String,
    signature: Option<String>,
    body: Vec<u8>,
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to the first this many attempts of each key.
    fail_first: usize,
    /// Answer this to everything instead, when set.
    always: Option<u16>,
    /// Wait this long before answering (a slow receiver).
    delay: Duration,
}

async fn hook(
    axum::extract::State(r): axum::extract::State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    tokio::time::sleep(r.delay).await;
    let got = Received {
        key: text("idempotency-key").unwrap_or_default(),
        timestamp: text("x-pim-timestamp").unwrap_or_default(),
        signature: text("x-pim-signature"),
        body: body.to_vec(),
    };
    let mut seen = r.seen.lock().expect("the log");
    let before = seen.iter().filter(|s| s.key == got.key).count();
    seen.push(got);
    if let Some(code) = r.always {
        return StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    if before < r.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

async fn receiver(r: Receiver) -> String {
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(r);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

fn webhook_config(url: &str, format: WebhookFormat, secret: Option<&str>) -> NotificationsConfig {
    NotificationsConfig {
        webhooks: vec![WebhookConfig {
            url: url.into(),
            secret: secret.map(Secret::new),
            secret_file: None,
            format,
        }],
        console_url: Some(CONSOLE.into()),
        retry_base_milliseconds: 1,
        retry_max_milliseconds: 5,
        ..NotificationsConfig::default()
    }
}

/// Rounds until nothing is pending (at most 100).
async fn drain(deliverer: &Deliverer) {
    for _ in 0..100 {
        deliverer.deliver_due(None).await.expect("delivers");
        if deliverer.status().expect("a status").pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("still pending: {:?}", deliverer.status());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_fails_three_times_gets_each_notification_once_more_with_the_same_key() {
    let db = temp_db("retry");
    let mut service = walkthrough(&db);
    let r = Receiver {
        fail_first: 3,
        ..Receiver::default()
    };
    let url = receiver(r.clone()).await;
    let deliverer =
        Deliverer::open(&db, &webhook_config(&url, WebhookFormat::Pim, None), &[]).expect("opens");
    deliverer
        .take_from(&mut service, chrono::Utc::now())
        .expect("takes");
    drain(&deliverer).await;
    let notifications = all_notifications(&mut service);
    let seen = r.seen.lock().expect("the log").clone();
    let mut by_key: BTreeMap<String, Vec<Received>> = BTreeMap::new();
    for s in seen {
        by_key.entry(s.key.clone()).or_default().push(s);
    }
    assert_eq!(by_key.len(), notifications.len());
    for n in &notifications {
        let key = idempotency_key(n, "webhook", &url);
        let attempts = by_key.get(&key).expect("delivered");
        assert_eq!(attempts.len(), 4, "three failures, then once more: {key}");
        for a in attempts {
            let body: Value = serde_json::from_slice(&a.body).expect("JSON");
            assert_eq!(body["idempotencyKey"], json!(key));
            assert_eq!(body["notification"]["id"], json!(n.id));
        }
    }
    let status = deliverer.status().expect("a status");
    assert_eq!(status.delivered, notifications.len() as u64);
    assert_eq!(status.dead_lettered, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_stopped_mid_batch_delivers_the_rest_and_loses_none() {
    let db = temp_db("killed");
    let mut service = walkthrough(&db);
    let r = Receiver::default();
    let url = receiver(r.clone()).await;
    let config = webhook_config(&url, WebhookFormat::Pim, None);
    let total = {
        let deliverer = Deliverer::open(&db, &config, &[]).expect("opens");
        let total = deliverer
            .take_from(&mut service, chrono::Utc::now())
            .expect("takes");
        assert!(total > 3, "{total}");
        let first = deliverer.deliver_due(Some(2)).await.expect("delivers");
        assert_eq!(first.delivered, 2);
        total
        // The host stops here: the rest were taken and recorded, not sent.
    };
    let reopened = Deliverer::open(&db, &config, &[]).expect("reopens");
    assert_eq!(
        reopened.status().expect("a status").pending,
        (total - 2) as u64
    );
    // Taking again after the restart adds nothing twice.
    assert_eq!(
        reopened
            .take_from(&mut service, chrono::Utc::now())
            .expect("takes"),
        0
    );
    reopened.deliver_due(None).await.expect("delivers");
    let seen = r.seen.lock().expect("the log").clone();
    let keys: BTreeSet<&str> = seen.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(seen.len(), total, "each once");
    assert_eq!(keys.len(), total, "none lost");
    let status = reopened.status().expect("a status");
    assert_eq!((status.pending, status.delivered), (0, total as u64));
}

/// The receiver's check, written from host/README.md ("Notifications", "Signature") only:
/// HMAC-SHA256 with the shared secret over `{X-Pim-Timestamp}.{body}`, hex, after `v1=`; a
/// timestamp more than 5 minutes from the receiver's clock is refused.
fn verify(secret: &str, timestamp: &str, signature: &str, body: &[u8], now: i64) -> bool {
    let Ok(ts) = timestamp.parse::<i64>() else {
        return false;
    };
    if (now - ts).abs() > 300 {
        return false;
    }
    let Some(hex) = signature.strip_prefix("v1=") else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("a key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == hex
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_teams_and_slack_deliveries_verify_from_the_documented_scheme() {
    let db = temp_db("signed");
    let mut service = walkthrough(&db);
    for (format, secret) in [
        (WebhookFormat::Teams, "teams-secret"),
        (WebhookFormat::Slack, "slack-secret"),
    ] {
        let r = Receiver::default();
        let url = receiver(r.clone()).await;
        let deliverer =
            Deliverer::open(&db, &webhook_config(&url, format, Some(secret)), &[]).expect("opens");
        // A fresh record for each format: the notifications were taken by the first.
        let items: Vec<_> = all_notifications(&mut service)
            .into_iter()
            .map(|n| pim_host::outbox::Item {
                details: pim_host::outbox::message::details(&mut service, chrono::Utc::now(), &n)
                    .expect("details"),
                notification: pim_core::notify::Notification {
                    id: format!("{format:?}-{}", n.id),
                    ..n
                },
            })
            .collect();
        deliverer.take(&items).expect("takes");
        deliverer.deliver_due(None).await.expect("delivers");
        let seen = r.seen.lock().expect("the log").clone();
        assert_eq!(seen.len(), items.len());
        let now = chrono::Utc::now().timestamp();
        for s in &seen {
            let sig = s.signature.as_deref().expect("signed");
            assert!(
                verify(secret, &s.timestamp, sig, &s.body, now),
                "{format:?}"
            );
            assert!(!verify("wrong", &s.timestamp, sig, &s.body, now));
            assert!(!verify(secret, &s.timestamp, sig, b"{\"tampered\":1}", now));
            assert!(
                !verify(secret, &s.timestamp, sig, &s.body, now + 301),
                "replayed later"
            );
            let body: Value = serde_json::from_slice(&s.body).expect("JSON");
            match format {
                WebhookFormat::Teams => {
                    let card = &body["attachments"][0];
                    assert_eq!(
                        card["contentType"],
                        "application/vnd.microsoft.card.adaptive"
                    );
                    assert_eq!(card["content"]["type"], "AdaptiveCard");
                    let title = card["content"]["body"][0]["text"]
                        .as_str()
                        .unwrap_or_default();
                    assert!(title.starts_with("PIM: "), "{body}");
                }
                _ => {
                    assert!(
                        body["text"]
                            .as_str()
                            .unwrap_or_default()
                            .starts_with("PIM: ")
                    );
                    assert_eq!(body["blocks"][0]["type"], "header");
                }
            }
        }
        let ask = seen
            .iter()
            .map(|s| {
                serde_json::from_slice::<Value>(&s.body)
                    .expect("JSON")
                    .to_string()
            })
            .find(|b| b.contains("Approval required"))
            .expect("the approval request");
        assert!(
            ask.contains("https://pim.contoso.example/#/approvals"),
            "{ask}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_are_dead_lettered_after_max_attempts_or_at_once_when_refused() {
    let db = temp_db("dead");
    let mut service = walkthrough(&db);
    let down = Receiver {
        always: Some(503),
        ..Receiver::default()
    };
    let refusing = Receiver {
        always: Some(400),
        ..Receiver::default()
    };
    let (down_url, refusing_url) = (
        receiver(down.clone()).await,
        receiver(refusing.clone()).await,
    );
    let mut config = webhook_config(&down_url, WebhookFormat::Pim, None);
    config
        .webhooks
        .push(WebhookConfig::plain(refusing_url.clone()));
    config.max_attempts = 3;
    let deliverer = Deliverer::open(&db, &config, &[]).expect("opens");
    let n = deliverer
        .take_from(&mut service, chrono::Utc::now())
        .expect("takes");
    drain(&deliverer).await;
    assert_eq!(
        down.seen.lock().expect("the log").len(),
        3 * n,
        "3 attempts each"
    );
    assert_eq!(
        refusing.seen.lock().expect("the log").len(),
        n,
        "a 400 is not retried"
    );
    let status = deliverer.status().expect("a status");
    assert_eq!(
        (status.pending, status.delivered, status.dead_lettered),
        (0, 0, 2 * n as u64)
    );
    let dead = &status.dead_letters[0];
    assert_eq!(dead.channel, "webhook");
    assert!(
        dead.destination.ends_with("/…"),
        "the URL's path is not shown: {dead:?}"
    );
    assert!(
        dead.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("503"),
        "{dead:?}"
    );

    // The command line shows the same.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pim-host"))
        .args(["notifications", "status", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.starts_with(&format!(
            "pending 0\ndelivered 0\ndead-lettered {}\n",
            2 * n
        )),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("dead ")).count(),
        2 * n
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_of_the_earlier_at_most_once_table_still_count_as_delivered() {
    let db = temp_db("legacy");
    let mut service = walkthrough(&db);
    let notifications = all_notifications(&mut service);
    {
        let conn = rusqlite::Connection::open(&db).expect("opens");
        conn.execute(
            "CREATE TABLE outbox_delivered (id TEXT PRIMARY KEY, delivered_at TEXT)",
            [],
        )
        .expect("the earlier table");
        for n in &notifications[..2] {
            conn.execute(
                "INSERT INTO outbox_delivered VALUES (?1, '2026-03-02T10:00:00Z')",
                [&n.id],
            )
            .expect("a row");
        }
    }
    let r = Receiver::default();
    let url = receiver(r.clone()).await;
    let deliverer =
        Deliverer::open(&db, &webhook_config(&url, WebhookFormat::Pim, None), &[]).expect("opens");
    let taken = deliverer
        .take_from(&mut service, chrono::Utc::now())
        .expect("takes");
    assert_eq!(taken, notifications.len() - 2);
    deliverer.deliver_due(None).await.expect("delivers");
    let ids: BTreeSet<String> = r
        .seen
        .lock()
        .expect("the log")
        .iter()
        .map(|s| {
            let v: Value = serde_json::from_slice(&s.body).expect("JSON");
            v["notification"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(!ids.contains(&notifications[0].id) && !ids.contains(&notifications[1].id));
    assert_eq!(ids.len(), notifications.len() - 2);
    let status = deliverer.status().expect("a status");
    assert_eq!(status.delivered, notifications.len() as u64);
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_delivers_the_outbox_continuously_to_a_signed_webhook() {
    let _ = guest();
    let db = temp_db("serve");
    let r = Receiver::default();
    let url = receiver(r.clone()).await;
    let dir = db.parent().expect("a folder").to_owned();
    std::fs::write(dir.join("hook.secret"), "serve-secret\n").expect("writes");
    let (mut child, _stdout) = serve_notifying(
        &db,
        json!({ "webhooks": [ { "url": url, "secretFile": "hook.secret", "format": "pim" } ],
                "intervalSeconds": 1, "consoleUrl": CONSOLE }),
    );
    // The demo seed's eligibility notifications arrive without anyone asking.
    let mut delivered = 0;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let status = outbox_status(&db);
        if status.delivered > 0 && status.pending == 0 {
            delivered = status.delivered;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(delivered > 0, "serve delivered nothing");
    let seen = r.seen.lock().expect("the log").clone();
    assert_eq!(seen.len() as u64, delivered);
    let now = chrono::Utc::now().timestamp();
    for s in &seen {
        let sig = s.signature.as_deref().expect("signed");
        assert!(verify("serve-secret", &s.timestamp, sig, &s.body, now));
    }
}

/// `pim-host serve --demo` on `db` with `notifications` as its config's `notifications`
/// (written beside `db`); its stdout stays open with the child.
fn serve_notifying(db: &Path, notifications: Value) -> (std::process::Child, impl Sized) {
    let config = db.with_extension("config.json");
    let text = json!({ "notifications": notifications });
    std::fs::write(&config, text.to_string()).expect("writes");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pim-host"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .arg("--config")
        .arg(&config)
        .env("PIM_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("pim-host starts");
    let (_addr, stdout) = crate::common::listening_address(&mut child);
    (child, stdout)
}

/// `pim-host serve` delivering to `url` from `db` every second, claims held two seconds.
fn serve_delivering(db: &Path, url: &str) -> (std::process::Child, impl Sized) {
    serve_notifying(
        db,
        json!({ "webhooks": [ { "url": url, "format": "pim" } ], "intervalSeconds": 1,
                "claimSeconds": 2 }),
    )
}

fn outbox_status(db: &Path) -> pim_host::outbox::Status {
    use pim_host::outbox::DeliveryRecord;
    pim_host::outbox::SqliteOutbox::open(db)
        .and_then(|mut o| o.status())
        .expect("a status")
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_killed_mid_batch_delivers_the_rest_after_a_restart_and_loses_none() {
    let _ = guest();
    let db = temp_db("sigkill");
    let r = Receiver {
        delay: Duration::from_millis(700),
        ..Receiver::default()
    };
    let url = receiver(r.clone()).await;
    let (mut child, _stdout) = serve_delivering(&db, &url);
    let arrived = || r.seen.lock().expect("the log").len();
    for _ in 0..200 {
        if arrived() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(arrived() > 0, "nothing reached the receiver");
    child.kill().expect("SIGKILL"); // SIGKILL on Unix: no shutdown of any kind.
    let _ = child.wait();
    let at_kill = outbox_status(&db);
    assert!(
        at_kill.pending > 0,
        "the batch was over before the kill: {at_kill:?}"
    );
    let (mut child, _stdout) = serve_delivering(&db, &url);
    let mut after = at_kill;
    for _ in 0..300 {
        after = outbox_status(&db);
        if after.pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        after.pending, 0,
        "still pending after the restart: {after:?}"
    );
    assert_eq!(after.dead_lettered, 0, "{after:?}");
    let seen = r.seen.lock().expect("the log").clone();
    let keys: BTreeSet<&str> = seen.iter().map(|s| s.key.as_str()).collect();
    // At least once: every recorded notification reached the receiver, a delivery cut short
    // by the kill may have arrived twice (with the same key), none is missing.
    assert_eq!(keys.len() as u64, after.delivered, "none lost");
    assert!(seen.len() as u64 >= after.delivered);
    assert!(
        keys.iter().all(|k| !k.is_empty()),
        "every delivery has its key"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_goes_over_starttls_with_authentication_and_never_in_the_clear() {
    let db = temp_db("starttls");
    let mut service = walkthrough(&db);
    let tls = crate::common::workspace().join("host/tests/fixtures/smtp-tls");
    let path = |f: &str| tls.join(f).to_string_lossy().into_owned();
    let (port, mails) = smtp_server_with(|s| {
        s.with_ssl(mailin_embedded::SslConfig::Trusted {
            cert_path: path("server.pem"),
            key_path: path("server.key"),
            chain_path: path("ca.pem"),
        })
        .expect("TLS")
        .with_auth(mailin_embedded::AuthMechanism::Plain);
    });
    let dir = db.parent().expect("a folder");
    std::fs::write(dir.join("smtp.password"), "relay-password\n").expect("writes");
    let mut config = smtp_config(port);
    if let Some(smtp) = config.smtp.as_mut() {
        smtp.tls = SmtpTls::Starttls;
        smtp.username = Some("pim@contoso.example".into());
        smtp.password_file = Some(dir.join("smtp.password"));
        smtp.ca_file = Some(tls.join("ca.pem"));
    }
    let deliverer = Deliverer::open(&db, &config, &[]).expect("opens");
    deliverer
        .take_from(&mut service, chrono::Utc::now())
        .expect("takes");
    let round = deliverer.deliver_due(Some(1)).await.expect("delivers");
    assert_eq!(round.delivered, 1, "{round:?} {:?}", deliverer.status());
    let mails = mails.lock().expect("the inbox").clone();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].user.as_deref(), Some("pim@contoso.example"));

    // A server whose certificate this host does not trust gets nothing (no fallback to
    // plain text): the attempt fails and is retried later.
    let untrusted = {
        let mut c = config.clone();
        if let Some(smtp) = c.smtp.as_mut() {
            smtp.ca_file = None;
        }
        c
    };
    let other = Deliverer::open(&db, &untrusted, &[]).expect("opens");
    let round = other.deliver_due(Some(1)).await.expect("runs");
    assert_eq!((round.delivered, round.failed), (0, 1), "{round:?}");
}

/// Two deliverers on `database` (the walkthrough's notifications taken from a SQLite service
/// at `name`) take and deliver at once: each notification is taken by one of them and each
/// delivery sent once. Returns how many notifications there were, and the deliverers (to drop
/// off the async threads).
async fn two_deliverers_race(
    name: &str,
    database: impl FnOnce(&Path) -> pim_host::Database + Send + 'static,
) -> (usize, Arc<Deliverer>, Arc<Deliverer>) {
    let db = temp_db(name);
    let r = Receiver::default();
    let url = receiver(r.clone()).await;
    let config = webhook_config(&url, WebhookFormat::Pim, None);
    let (taken, n, a, b) = blocking(move || {
        let mut service = walkthrough(&db);
        let database = database(&db);
        let open = || Deliverer::open_on(&database, &config, &[]).expect("opens");
        let (a, b) = (Arc::new(open()), Arc::new(open()));
        let now = chrono::Utc::now();
        let taken = a.take_from(&mut service, now).expect("takes")
            + b.take_from(&mut service, now).expect("takes");
        (taken, all_notifications(&mut service).len(), a, b)
    })
    .await;
    assert!(n > 0, "the walkthrough notifies");
    assert_eq!(taken, n, "each notification is taken by one host");
    let (ra, rb) = tokio::join!(
        tokio::spawn({
            let a = a.clone();
            async move { a.deliver_due(None).await.map(|r| r.delivered) }
        }),
        tokio::spawn({
            let b = b.clone();
            async move { b.deliver_due(None).await.map(|r| r.delivered) }
        }),
    );
    let delivered = ra.expect("joins").expect("delivers") + rb.expect("joins").expect("delivers");
    assert_eq!(delivered, n);
    let seen = r.seen.lock().expect("the log").clone();
    let keys: BTreeSet<&str> = seen.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(seen.len(), n, "none sent twice");
    assert_eq!(keys.len(), n, "one key per delivery");
    (n, a, b)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hosts_on_one_database_send_each_delivery_once() {
    two_deliverers_race("two-hosts", |db| pim_host::Database::Sqlite(db.to_owned())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_notification_that_cannot_be_read_is_dead_lettered_and_the_rest_delivered() {
    let db = temp_db("unreadable");
    let mut service = walkthrough(&db);
    let r = Receiver::default();
    let url = receiver(r.clone()).await;
    let deliverer =
        Deliverer::open(&db, &webhook_config(&url, WebhookFormat::Pim, None), &[]).expect("opens");
    let n = deliverer
        .take_from(&mut service, chrono::Utc::now())
        .expect("takes");
    let first = all_notifications(&mut service)[0].id.clone();
    rusqlite::Connection::open(&db)
        .expect("opens")
        .execute(
            "UPDATE outbox_notification SET body = '{\"not\": \"an item\"}' WHERE id = ?1",
            [&first],
        )
        .expect("corrupts one");
    let round = deliverer
        .deliver_due(None)
        .await
        .expect("the round goes on");
    assert_eq!((round.delivered, round.dead), (n - 1, 1));
    let status = deliverer.status().expect("a status");
    assert_eq!(status.dead_letters[0].notification_id, first);
}

/// A TLS listener (the fixtures' certificate) in front of `plain_port`: SMTP over implicit
/// TLS, as on port 465. Its port.
async fn tls_front(plain_port: u16) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = crate::common::workspace().join("host/tests/fixtures/smtp-tls");
    let read = |f: &str| std::fs::read(dir.join(f)).expect("a fixture");
    let mut chain: Vec<_> = rustls_pemfile::certs(&mut read("server.pem").as_slice())
        .collect::<Result<_, _>>()
        .expect("certificates");
    chain.extend(
        rustls_pemfile::certs(&mut read("ca.pem").as_slice())
            .collect::<Result<Vec<_>, _>>()
            .expect("the CA"),
    );
    let key = rustls_pemfile::private_key(&mut read("server.key").as_slice())
        .expect("a key file")
        .expect("a key");
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("a TLS config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(("127.0.0.1", plain_port)).await
                else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_goes_over_implicit_tls() {
    let db = temp_db("implicit-tls");
    let mut service = walkthrough(&db);
    let (plain, mails) = smtp_server();
    let port = tls_front(plain).await;
    let mut config = smtp_config(port);
    if let Some(smtp) = config.smtp.as_mut() {
        smtp.tls = SmtpTls::Tls;
        smtp.ca_file = Some(crate::common::workspace().join("host/tests/fixtures/smtp-tls/ca.pem"));
    }
    let deliverer = Deliverer::open(&db, &config, &[]).expect("opens");
    deliverer
        .take_from(&mut service, chrono::Utc::now())
        .expect("takes");
    let round = deliverer.deliver_due(Some(2)).await.expect("delivers");
    assert_eq!(round.delivered, 2, "{round:?} {:?}", deliverer.status());
    assert_eq!(mails.lock().expect("the inbox").len(), 2);
}

// ---- the outbox on PostgreSQL ----

/// `f` on a blocking thread: the PostgreSQL client refuses to run on an async one.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("joins")
}

fn postgres_status(url: &str) -> pim_host::outbox::Status {
    use pim_host::outbox::DeliveryRecord;
    pim_host::outbox::PostgresOutbox::connect(url)
        .and_then(|mut o| o.status())
        .expect("a status")
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_two_hosts_on_one_database_send_each_delivery_once() {
    let pg = blocking(|| crate::postgres::TestDb::new("outbox_two")).await;
    let database = pim_host::Database::Postgres(pg.url.clone());
    let (n, a, b) = two_deliverers_race("pg-two-hosts", move |_| database).await;
    let url = pg.url.clone();
    let status = blocking(move || postgres_status(&url)).await;
    assert_eq!(
        (status.pending, status.delivered),
        (0, n as u64),
        "{status:?}"
    );
    blocking(move || drop((a, b, pg))).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_serve_delivers_the_outbox_continuously_and_failures_are_retried() {
    let pg = blocking(|| crate::postgres::TestDb::new("outbox_serve")).await;
    let dir = temp_db("pg-serve");
    let dir = dir.parent().expect("a folder").to_path_buf();
    // The receiver refuses each delivery's first attempt: the host must retry it.
    let r = Receiver {
        fail_first: 1,
        ..Receiver::default()
    };
    let url = receiver(r.clone()).await;
    let config = json!({
        "rateLimit": { "writesPerMinute": 0 },
        "notifications": { "webhooks": [ { "url": url, "format": "pim" } ],
            "intervalSeconds": 1, "retryBaseMilliseconds": 10, "retryMaxMilliseconds": 50 }
    })
    .to_string();
    let (pg_url, hosts_dir) = (pg.url.clone(), dir.clone());
    let host = blocking(move || {
        crate::postgres::Server::launch(&["--database", &pg_url], &hosts_dir, &config)
    })
    .await;
    let activate = json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "incident",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
    })
    .to_string();
    let addr = host.addr.clone();
    let (status, body) = blocking(move || {
        crate::common::http(
            &addr,
            "POST",
            "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests",
            "user1-token",
            &activate,
        )
        .expect("answers")
    })
    .await;
    assert_eq!(status, 201, "{body}");
    let url = pg.url.clone();
    let mut status = blocking({
        let url = url.clone();
        move || postgres_status(&url)
    })
    .await;
    for _ in 0..150 {
        if status.delivered > 0 && status.pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = blocking({
            let url = url.clone();
            move || postgres_status(&url)
        })
        .await;
    }
    assert!(status.delivered > 0, "nothing delivered: {status:?}");
    assert_eq!((status.pending, status.dead_lettered), (0, 0), "{status:?}");
    let seen = r.seen.lock().expect("the log").clone();
    let keys: BTreeSet<&str> = seen.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys.len() as u64, status.delivered, "each delivery arrived");
    assert_eq!(
        seen.len(),
        2 * keys.len(),
        "each once refused, once accepted"
    );
    blocking(move || drop((host, pg))).await;
}
