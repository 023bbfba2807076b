//! Issue 10's caller handling over HTTP: bearer-header parsing and configured tokens (defect
//! 6), the per-caller write limit (defect 7), and JWT access tokens from an OpenID Connect
//! issuer (item 9), each through the real router.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use pim_core::{CallContext, Command};
use pim_host::http::{
    AppState, ConfigError, ConfigProblem, OidcConfig, RateLimitConfig, ServerConfig, TokenEntry,
    router,
};
use pim_host::{ManualClock, Service, SqliteStore};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{EXCHANGE_ADMIN, at, guest};

const ASSIGNMENT: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
const ME: &str = "/v1.0/me/eligibleRoles";
const ISSUER: &str = "https://login.microsoftonline.com/tenant-1/v2.0";
const AUDIENCE: &str = "api://pim";

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("pim-host-auth-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn token(principal: &str) -> TokenEntry {
    TokenEntry {
        token: format!("{principal}-token"),
        principal: principal.into(),
        mfa: true,
        auth_context: Vec::new(),
    }
}

/// `aymen`, `user1` and `u0` with tokens `{name}-token`, no write limit, no issuer.
fn config() -> ServerConfig {
    ServerConfig {
        listen: None,
        tokens: vec![token("aymen"), token("user1"), token("u0")],
        rate_limit: RateLimitConfig::OFF,
        ..ServerConfig::default()
    }
}

/// A service over a fresh database: `aymen` active Global Administrator, `user1` eligible
/// Exchange Administrator, `u0` a user.
fn service(dir: &Path) -> Service<SqliteStore> {
    let db = dir.join("pim.db");
    let mut service =
        Service::open(guest(), SqliteStore::open(&db).expect("opens")).expect("opens");
    let directory = serde_json::from_value(json!({
        "users": [{ "id": "aymen" }, { "id": "user1" }, { "id": "u0" }],
        "assignments": [
            { "type": "active", "principalId": "aymen",
              "roleDefinitionId": pim_core::GLOBAL_ADMINISTRATOR },
            { "type": "eligible", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN },
        ]
    }))
    .expect("a snapshot");
    let command = Command::ImportDirectory {
        directory: Box::new(directory),
    };
    let d = service
        .submit(&command, &CallContext::system(), at("2026-03-02T09:00:00Z"))
        .expect("imports");
    assert!(d.error.is_none(), "{d:?}");
    service
}

/// The router over a fresh service with `config`.
async fn api(dir: &TempDir, config: &ServerConfig) -> axum::Router {
    let clock = Arc::new(ManualClock::new(at("2026-03-02T10:00:00Z")));
    let state = AppState::new(service(&dir.0), Vec::new(), clock, config).expect("a valid config");
    state.load_keys().await.expect("the keys load");
    router(state, 1 << 20)
}

/// One request with `authorization` as the header (none if `None`).
async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: &str,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let req = req.body(Body::from(body.to_owned())).expect("a request");
    let response = app.clone().oneshot(req).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("a body");
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, value)
}

/// Asserts a 401 with Graph's error body and a bearer challenge.
fn assert_unauthorized(answer: &(StatusCode, HeaderMap, Value), what: &str) {
    let (status, headers, body) = answer;
    assert_eq!(*status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    assert_eq!(
        body["error"]["code"], "InvalidAuthenticationToken",
        "{what}: {body}"
    );
    assert!(body["error"]["message"].is_string(), "{what}: {body}");
    let challenge = headers
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(challenge.starts_with("Bearer"), "{what}: `{challenge}`");
}

// ---- Defect 6: token handling ----

#[tokio::test(flavor = "multi_thread")]
async fn a_padded_or_otherwise_malformed_header_is_a_401_with_a_challenge() {
    let dir = TempDir::new("malformed");
    let app = api(&dir, &config()).await;
    let (status, _, body) = call(&app, "GET", ME, Some("Bearer user1-token"), "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for bad in [
        "Bearer  user1-token",
        "Bearer user1-token ",
        "Bearer\tuser1-token",
        "Bearer ",
        "Bearer",
        "Basic user1-token",
        "user1-token",
        "Bearer user1-token extra",
    ] {
        assert_unauthorized(&call(&app, "GET", ME, Some(bad), "").await, bad);
    }
    let missing = call(&app, "GET", ME, None, "").await;
    assert_unauthorized(&missing, "no header");
    assert_eq!(missing.1["www-authenticate"], "Bearer");
    assert_unauthorized(
        &call(&app, "GET", ME, Some("Bearer nobody"), "").await,
        "unknown",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bearer_scheme_is_case_insensitive() {
    let dir = TempDir::new("scheme");
    let app = api(&dir, &config()).await;
    for scheme in ["bearer", "BEARER", "bEaReR"] {
        let (status, _, body) =
            call(&app, "GET", ME, Some(&format!("{scheme} user1-token")), "").await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {body}");
    }
}

#[test]
fn a_config_with_a_token_twice_is_refused_without_printing_the_secret() {
    let dir = TempDir::new("duplicate");
    let path = dir.0.join("config.json");
    std::fs::write(
        &path,
        r#"{"tokens": [
            {"token": "shared-s3cret", "principal": "aymen"},
            {"token": "shared-s3cret", "principal": "user1"}]}"#,
    )
    .expect("writes");
    let e = ServerConfig::load(&path).expect_err("a duplicate");
    let message = e.to_string();
    assert!(
        matches!(
            e,
            ConfigError::InvalidFile {
                problem: ConfigProblem::DuplicateToken { .. },
                ..
            }
        ),
        "{message}"
    );
    assert!(
        message.contains("aymen") && message.contains("user1"),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
    // A config built in code is checked too.
    let mut config = config();
    config.tokens.push(TokenEntry {
        principal: "intruder".into(),
        ..token("aymen")
    });
    let clock = Arc::new(ManualClock::new(at("2026-03-02T10:00:00Z")));
    let refused = AppState::new(service(&dir.0), Vec::new(), clock, &config);
    assert!(refused.is_err(), "a duplicate token must be refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_token_is_refused_in_the_config_and_in_requests() {
    let mut with_empty = config();
    with_empty.tokens.push(TokenEntry {
        token: String::new(),
        ..token("ghost")
    });
    assert!(matches!(
        with_empty.validate(),
        Err(ConfigProblem::EmptyToken { index: 3, .. })
    ));
    let dir = TempDir::new("empty");
    let clock = Arc::new(ManualClock::new(at("2026-03-02T10:00:00Z")));
    assert!(AppState::new(service(&dir.0), Vec::new(), clock, &with_empty).is_err());
    let dir = TempDir::new("empty-request");
    let app = api(&dir, &config()).await;
    assert_unauthorized(&call(&app, "GET", ME, Some("Bearer "), "").await, "empty");
}

// ---- Defect 7: the write limit ----

fn activation(justification: &str) -> String {
    json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": justification,
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
    })
    .to_string()
}

async fn events(app: &axum::Router) -> u64 {
    let (_, _, body) = call(app, "GET", "/healthz", None, "").await;
    body["events"].as_u64().expect("a head")
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_past_a_callers_burst_are_429_before_reaching_the_engine() {
    let dir = TempDir::new("throttle");
    let mut config = config();
    config.rate_limit = RateLimitConfig {
        writes_per_minute: 6,
        burst: 3,
    };
    let app = api(&dir, &config).await;
    let user1 = Some("Bearer user1-token");
    // Three writes pass the limit (each then refused as an incomplete request).
    for i in 0..3 {
        let (status, _, body) = call(&app, "POST", ASSIGNMENT, user1, "{}").await;
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "write {i}: {body}");
    }
    let before = events(&app).await;
    let (status, headers, body) =
        call(&app, "POST", ASSIGNMENT, user1, &activation("fourth")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "TooManyRequests", "{body}");
    let retry: u64 = headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=10).contains(&retry), "{retry}");
    assert_eq!(
        events(&app).await,
        before,
        "a throttled write reached the engine"
    );
    // Another caller writes; the throttled caller still reads.
    let (status, _, body) = call(&app, "POST", ASSIGNMENT, Some("Bearer u0-token"), "{}").await;
    assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, _, body) = call(&app, "GET", ME, user1, "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Unauthenticated writes are refused as such, not counted against anyone.
    let (status, _, _) = call(&app, "POST", ASSIGNMENT, Some("Bearer nobody"), "{}").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_write_limit_is_on_by_default() {
    let dir = TempDir::new("default-limit");
    let mut config = config();
    config.rate_limit = RateLimitConfig::default();
    let app = api(&dir, &config).await;
    let burst = RateLimitConfig::default().burst as usize;
    let mut statuses = Vec::new();
    // A few more than the burst: one write a second comes back while they are sent.
    for _ in 0..burst + 5 {
        statuses.push(
            call(&app, "POST", ASSIGNMENT, Some("Bearer u0-token"), "{}")
                .await
                .0,
        );
    }
    let throttled = |s: &[StatusCode]| s.contains(&StatusCode::TOO_MANY_REQUESTS);
    assert!(!throttled(&statuses[..burst]), "{statuses:?}");
    assert!(throttled(&statuses[burst..]), "{statuses:?}");
}

// ---- Item 9: JWT access tokens ----

/// A P-256 signing key, its kid, and its public JWK.
struct EcKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl EcKey {
    /// A key from a fixed scalar (`seed` repeated): deterministic, no RNG needed.
    fn new(kid: &str, seed: u8) -> EcKey {
        use p256::pkcs8::EncodePrivateKey;
        let secret = p256::SecretKey::from_slice(&[seed; 32]).expect("a valid scalar");
        let der = secret.to_pkcs8_der().expect("encodes");
        let point = secret.public_key().to_sec1_bytes();
        assert_eq!((point.len(), point[0]), (65, 4), "an uncompressed point");
        EcKey {
            kid: kid.into(),
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "kid": kid,
                "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&point[33..]),
            }),
        }
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }

    fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signs")
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// Claims as Entra writes them, for `oid`, valid for ten minutes.
fn claims(oid: &str, amr: &[&str]) -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "oid": oid, "sub": format!("sub-{oid}"),
        "iat": now(), "nbf": now() - 5, "exp": now() + 600, "amr": amr,
    })
}

fn write_jwks(path: &Path, keys: &[&Value]) {
    std::fs::write(path, json!({ "keys": keys }).to_string()).expect("writes");
}

/// The config with an issuer whose keys are at `jwks`.
fn oidc_config(jwks: String, min_refresh_seconds: u64) -> ServerConfig {
    let oidc: OidcConfig = serde_json::from_value(json!({
        "issuer": ISSUER, "audience": AUDIENCE, "jwks": jwks,
        "minRefreshSeconds": min_refresh_seconds,
    }))
    .expect("an oidc config");
    ServerConfig {
        oidc: Some(oidc),
        ..config()
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_access_token_brings_its_principal_and_mfa_to_the_engine() {
    let dir = TempDir::new("jwt-mfa");
    let key = EcKey::new("k1", 7);
    let jwks = dir.0.join("jwks.json");
    write_jwks(&jwks, &[&key.jwk]);
    let app = api(&dir, &oidc_config(jwks.to_string_lossy().into(), 300)).await;

    // Password only: the engine refuses the activation for want of MFA.
    let pwd = bearer(&key.sign(&claims("user1", &["pwd"])));
    let (status, _, body) = call(&app, "POST", ASSIGNMENT, Some(&pwd), &activation("a")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("MfaRule"), "{body}");
    // With MFA: granted, to user1 (the `oid` claim).
    let mfa = bearer(&key.sign(&claims("user1", &["pwd", "mfa"])));
    let (status, _, body) = call(&app, "POST", ASSIGNMENT, Some(&mfa), &activation("b")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["principalId"], "user1", "{body}");
    // Configured tokens still work beside access tokens.
    let (status, _, _) = call(&app, "GET", ME, Some("Bearer user1-token"), "").await;
    assert_eq!(status, StatusCode::OK);
}

/// A token with `header` and `claims` as given and an empty or junk signature.
fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.{signature}", part(header), part(claims))
}

#[tokio::test(flavor = "multi_thread")]
async fn access_tokens_that_fail_validation_are_401_with_a_reason() {
    let dir = TempDir::new("jwt-refused");
    let key = EcKey::new("k1", 7);
    let other = EcKey::new("k1", 9);
    let jwks = dir.0.join("jwks.json");
    write_jwks(&jwks, &[&key.jwk]);
    let app = api(&dir, &oidc_config(jwks.to_string_lossy().into(), 300)).await;
    let good = claims("user1", &["mfa"]);
    let with = |field: &str, value: Value| {
        let mut c = good.clone();
        c[field] = value;
        c
    };
    let hs256 = {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some("k1".into());
        let secret = EncodingKey::from_secret(key.jwk.to_string().as_bytes()).expect("a key");
        jsonwebtoken::encode(&h, &good, &secret).expect("signs")
    };
    let cases = [
        (
            "expired",
            key.sign(&with("exp", json!(now() - 3600))),
            "token expired",
        ),
        (
            "not yet",
            key.sign(&with("nbf", json!(now() + 3600))),
            "not yet valid",
        ),
        (
            "issuer",
            key.sign(&with("iss", json!("https://evil/v2.0"))),
            "wrong issuer",
        ),
        (
            "audience",
            key.sign(&with("aud", json!("api://other"))),
            "wrong audience",
        ),
        ("signature", other.sign(&good), "bad signature"),
        ("kid", key.sign_as("k2", &good), "unknown signing key"),
        ("no oid", key.sign(&with("oid", json!(null))), "`oid`"),
        ("hs256", hs256, "not accepted"),
        (
            "alg none",
            unsigned(&json!({"alg": "none", "kid": "k1"}), &good, ""),
            "malformed",
        ),
    ];
    for (what, token, reason) in cases {
        let answer = call(&app, "GET", ME, Some(&bearer(&token)), "").await;
        assert_unauthorized(&answer, what);
        let message = answer.2["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{what}: `{message}`");
        assert!(
            !message.contains(&token),
            "{what}: the message repeats the token"
        );
    }
    // Within the leeway, an expired token is still good.
    let late = key.sign(&with("exp", json!(now() - 10)));
    let (status, _, body) = call(&app, "GET", ME, Some(&bearer(&late)), "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_rs256_token_from_an_rsa_key_is_accepted_and_sub_can_name_the_principal() {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    let dir = TempDir::new("jwt-rsa");
    let private = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).expect("an RSA key");
    let der = private.to_pkcs1_der().expect("encodes");
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    // Entra's key set shape: no `alg`, plus `x5t` and `issuer`.
    let jwk = json!({
        "kty": "RSA", "use": "sig", "kid": "rsa-1", "x5t": "rsa-1", "issuer": ISSUER,
        "n": b64(&private.n().to_be_bytes_trimmed_vartime()),
        "e": b64(&private.e().to_be_bytes_trimmed_vartime()),
    });
    let jwks = dir.0.join("jwks.json");
    write_jwks(&jwks, &[&jwk]);
    let mut config = oidc_config(jwks.to_string_lossy().into(), 300);
    if let Some(o) = config.oidc.as_mut() {
        o.principal_claim = "sub".into();
    }
    let app = api(&dir, &config).await;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let mut c = claims("someone-else", &["mfa"]);
    c["sub"] = json!("user1");
    let token = jsonwebtoken::encode(&header, &c, &EncodingKey::from_rsa_der(der.as_bytes()))
        .expect("signs");
    let (status, _, body) = call(
        &app,
        "POST",
        ASSIGNMENT,
        Some(&bearer(&token)),
        &activation("r"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["principalId"], "user1", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_kid_reloads_the_keys_at_most_once_per_interval() {
    let old = EcKey::new("old", 3);
    let new = EcKey::new("new", 4);
    for (min_refresh, expected) in [(0, StatusCode::OK), (300, StatusCode::UNAUTHORIZED)] {
        let dir = TempDir::new(&format!("jwt-rotate-{min_refresh}"));
        let jwks = dir.0.join("jwks.json");
        write_jwks(&jwks, &[&old.jwk]);
        let app = api(
            &dir,
            &oidc_config(jwks.to_string_lossy().into(), min_refresh),
        )
        .await;
        // The issuer rotates its keys after the server started.
        write_jwks(&jwks, &[&old.jwk, &new.jwk]);
        let token = bearer(&new.sign(&claims("user1", &[])));
        let (status, _, body) = call(&app, "GET", ME, Some(&token), "").await;
        assert_eq!(status, expected, "min refresh {min_refresh}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_the_issuer_withdrew_stops_working_once_the_keys_are_older_than_their_max_age() {
    let key = EcKey::new("k1", 3);
    for (max_age, expected) in [(0, StatusCode::UNAUTHORIZED), (3600, StatusCode::OK)] {
        let dir = TempDir::new(&format!("jwt-withdraw-{max_age}"));
        let jwks = dir.0.join("jwks.json");
        write_jwks(&jwks, &[&key.jwk]);
        let mut config = oidc_config(jwks.to_string_lossy().into(), 0);
        if let Some(o) = config.oidc.as_mut() {
            o.max_key_age_seconds = max_age;
        }
        let app = api(&dir, &config).await;
        let token = bearer(&key.sign(&claims("user1", &[])));
        assert_eq!(
            call(&app, "GET", ME, Some(&token), "").await.0,
            StatusCode::OK
        );
        write_jwks(&jwks, &[]);
        let (status, _, body) = call(&app, "GET", ME, Some(&token), "").await;
        assert_eq!(status, expected, "max age {max_age}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_at_a_url_are_fetched_at_start_and_refetched_for_an_unknown_kid() {
    let k1 = EcKey::new("k1", 5);
    let k2 = EcKey::new("k2", 6);
    let fetches = Arc::new(AtomicUsize::new(0));
    let published = Arc::new(std::sync::Mutex::new(json!({ "keys": [k1.jwk] })));
    let issuer = {
        let (fetches, published) = (fetches.clone(), published.clone());
        axum::Router::new().route(
            "/keys",
            axum::routing::get(move || {
                fetches.fetch_add(1, Ordering::SeqCst);
                let body = published.lock().expect("a lock").clone();
                async move { axum::Json(body) }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/keys", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, issuer).await });

    let dir = TempDir::new("jwt-url");
    let app = api(&dir, &oidc_config(url, 0)).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "fetched at start");
    let t1 = bearer(&k1.sign(&claims("user1", &[])));
    assert_eq!(call(&app, "GET", ME, Some(&t1), "").await.0, StatusCode::OK);
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "a known kid fetches nothing"
    );
    *published.lock().expect("a lock") = json!({ "keys": [k1.jwk, k2.jwk] });
    let t2 = bearer(&k2.sign(&claims("user1", &[])));
    assert_eq!(call(&app, "GET", ME, Some(&t2), "").await.0, StatusCode::OK);
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        2,
        "an unknown kid refetches"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_key_url_fails_the_start_with_a_clear_error() {
    let dir = TempDir::new("jwt-unreachable");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}/keys", listener.local_addr().expect("an address"));
    drop(listener);
    let config = oidc_config(url.clone(), 300);
    let clock = Arc::new(ManualClock::new(at("2026-03-02T10:00:00Z")));
    let state = AppState::new(service(&dir.0), Vec::new(), clock, &config).expect("valid");
    let e = state.load_keys().await.expect_err("no issuer there");
    assert!(e.to_string().contains(&url), "{e}");
}

/// Log lines written while it is alive, at every level, on this thread.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("a lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("a lock")).into_owned()
    }
}

// Current-thread runtime: the request handling that could log runs on this thread, under the
// capturing subscriber.
#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dir = TempDir::new("logs");
    let key = EcKey::new("k1", 7);
    let jwks = dir.0.join("jwks.json");
    write_jwks(&jwks, &[&key.jwk]);
    let app = api(&dir, &oidc_config(jwks.to_string_lossy().into(), 0)).await;
    let access = key.sign(&claims("user1", &["mfa"]));
    let expired = key.sign_as("k9", &json!({ "iss": ISSUER, "exp": now() - 9999 }));
    for header in [
        "Bearer user1-token".to_owned(),
        "Bearer wrong-s3cret-token".to_owned(),
        "bearer  padded-s3cret".to_owned(),
        bearer(&access),
        bearer(&expired),
    ] {
        call(&app, "POST", ASSIGNMENT, Some(&header), "{}").await;
        call(&app, "GET", ME, Some(&header), "").await;
    }
    let text = logs.text();
    // Proof that the capture works (tracing caches per call site, so with tests running in
    // parallel not every line is sure to reach a thread's own subscriber).
    assert!(
        text.contains("signing keys"),
        "nothing was captured: {text}"
    );
    for secret in ["user1-token", "s3cret", &access, &expired] {
        assert!(!text.contains(secret), "`{secret}` logged:\n{text}");
    }
    // The token's signature part alone must not appear either.
    let signature = access.rsplit('.').next().unwrap_or_default();
    assert!(!text.contains(signature), "{text}");
}
