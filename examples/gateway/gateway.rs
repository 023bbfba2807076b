//! The gateway's logic: route table, caller identification, the check through the guest, a
//! follower of pim-host's event stream, and a forwarder on reqwest that streams bodies. `main.rs` wires it to the command line; the host's tests include
//! this file directly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pim_host::{Clock, Service, Store};
use serde::Deserialize;

/// A route: requests whose path starts with `prefix` need `role_definition_id` at `scope`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    /// The path prefix, e.g. `/exchange/`.
    pub prefix: String,
    /// The role the caller must hold, active, right now.
    pub role_definition_id: String,
    /// Where; `/` when absent.
    #[serde(default = "root")]
    pub directory_scope_id: String,
}

fn root() -> String {
    "/".into()
}

/// The gateway: a guest-backed service that tails the log, routes, callers and the upstream.
pub struct Gateway<S: Store> {
    /// The guest and the event log it mirrors.
    pub service: Mutex<Service<S>>,
    /// Where `now` comes from.
    pub clock: Arc<dyn Clock>,
    /// Longest prefix first.
    pub routes: Vec<Route>,
    /// Bearer token → principal id.
    pub callers: HashMap<String, String>,
    /// `host:port` of the upstream.
    pub upstream: String,
    /// The HTTP client requests go on with.
    pub client: reqwest::Client,
}

impl<S: Store + 'static> Gateway<S> {
    /// A gateway; routes are matched longest prefix first.
    pub fn new(
        service: Service<S>,
        clock: Arc<dyn Clock>,
        mut routes: Vec<Route>,
        callers: HashMap<String, String>,
        upstream: String,
        client: reqwest::Client,
    ) -> Arc<Self> {
        routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        Arc::new(Gateway {
            service: Mutex::new(service),
            clock,
            routes,
            callers,
            upstream,
            client,
        })
    }

    /// Applies what the host appended to the log since the last look.
    pub fn tail(&self) {
        let mut s = self.service.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = s.catch_up() {
            tracing::warn!(error = %e, "tailing the log failed");
        }
    }

    /// Tails the log every `every` until the process ends.
    pub fn spawn_tail(self: &Arc<Self>, every: Duration) {
        let gw = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            loop {
                interval.tick().await;
                let gw = gw.clone();
                let _ = tokio::task::spawn_blocking(move || gw.tail()).await;
            }
        });
    }

    /// Whether `principal` may use `path` now: `Ok(None)` for a path no route covers.
    pub fn allows(&self, principal: &str, path: &str) -> Result<Option<bool>, String> {
        let Some(route) = self.routes.iter().find(|r| path.starts_with(&r.prefix)) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let mut s = self.service.lock().unwrap_or_else(|p| p.into_inner());
        s.check(
            principal,
            &route.role_definition_id,
            &route.directory_scope_id,
            now,
        )
        .map(|c| Some(c.is_active()))
        .map_err(|e| e.to_string())
    }

    /// The router: every request goes through [`Gateway::handle`].
    pub fn router(self: &Arc<Self>) -> axum::Router {
        axum::Router::new()
            .fallback(Self::handle)
            .with_state(self.clone())
    }

    async fn handle(State(gw): State<Arc<Self>>, req: Request) -> Response {
        let principal = req
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|t| gw.callers.get(t.trim()))
            .cloned();
        let Some(principal) = principal else {
            return (StatusCode::UNAUTHORIZED, "unknown caller\n").into_response();
        };
        let path = req.uri().path().to_owned();
        let verdict = {
            let (gw, principal, path) = (gw.clone(), principal.clone(), path.clone());
            tokio::task::spawn_blocking(move || gw.allows(&principal, &path)).await
        };
        match verdict {
            Ok(Ok(Some(true))) => {}
            Ok(Ok(Some(false))) => {
                tracing::info!(%principal, %path, "denied");
                return (
                    StatusCode::FORBIDDEN,
                    "the role this route needs is not active\n",
                )
                    .into_response();
            }
            Ok(Ok(None)) => return (StatusCode::NOT_FOUND, "no such route\n").into_response(),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "check failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "check failed\n").into_response();
            }
            Err(e) => {
                tracing::error!(error = %e, "check task failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
        match forward(&gw.client, &gw.upstream, &principal, req).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "upstream failed");
                (StatusCode::BAD_GATEWAY, "upstream failed\n").into_response()
            }
        }
    }
}

/// Follows a PostgreSQL log on a thread of its own: catches `gw`'s service up whenever a
/// host commits (`LISTEN pim_events`, and a look every few seconds regardless), reconnecting
/// after a dropped connection. Runs while the gateway does.
pub fn follow_database<S: Store + 'static>(gw: &Arc<Gateway<S>>, url: String) {
    let gw = Arc::downgrade(gw);
    std::thread::spawn(move || {
        pim_host::store::postgres::follow(&url, |_| {
            let Some(gw) = gw.upgrade() else {
                return false;
            };
            gw.tail();
            true
        });
    });
}

/// Follows pim-host's event stream (`GET /v1.0/pim/events`, server-sent events) into `log`,
/// the store `gw`'s service mirrors, and applies what arrives as soon as it arrives. Each
/// connection resumes after the last event held (`Last-Event-ID`); a dropped one is
/// reconnected after a second. Runs until the process ends.
pub async fn follow_events<S: Store + 'static>(
    gw: Arc<Gateway<S>>,
    log: pim_host::MemoryStore,
    url: String,
    token: String,
) {
    let arrived = Arc::new(tokio::sync::Notify::new());
    {
        // One catch-up for however many events arrived meanwhile.
        let (gw, arrived) = (gw.clone(), arrived.clone());
        tokio::spawn(async move {
            loop {
                arrived.notified().await;
                let gw = gw.clone();
                let _ = tokio::task::spawn_blocking(move || gw.tail()).await;
            }
        });
    }
    let client = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        // The host sends a comment every 15 s on an idle stream.
        .read_timeout(Duration::from_secs(60))
        .build()
    {
        Ok(c) => c,
        Err(e) => return tracing::error!(error = %e, "no HTTP client: not following"),
    };
    loop {
        if let Err(e) = stream_once(&client, &url, &token, log.clone(), &arrived).await {
            tracing::warn!(error = %e, "following the event stream: reconnecting");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One connection of [`follow_events`]: appends each event to `log` in order.
async fn stream_once(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    mut log: pim_host::MemoryStore,
    arrived: &tokio::sync::Notify,
) -> anyhow::Result<()> {
    use eventsource_stream::Eventsource;
    use futures_util::StreamExt;
    let held = log.head()?;
    let answer = client
        .get(url)
        .bearer_auth(token)
        .header("Last-Event-ID", held.to_string())
        .send()
        .await?
        .error_for_status()?;
    let mut events = answer.bytes_stream().eventsource();
    while let Some(event) = events.next().await {
        let event = event?;
        let seq: u64 = event.id.parse()?;
        let head = log.head()?;
        if seq <= head {
            continue;
        }
        anyhow::ensure!(seq == head + 1, "the stream skipped from {head} to {seq}");
        let decoded: pim_core::Event = serde_json::from_str(&event.data)?;
        log.append(head, &[decoded])?;
        arrived.notify_one();
    }
    anyhow::bail!("the host ended the stream")
}

const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The client the gateway forwards with: connections kept alive, a bounded connect and
/// read time, no redirects followed (the client sees the upstream's own answer).
pub fn upstream_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// The headers that go on: not hop-by-hop ones, nor those the `Connection` header names, nor
/// the caller's token or a principal header of the caller's own.
fn onward(headers: &HeaderMap) -> HeaderMap {
    let named: Vec<String> = headers
        .get_all(axum::http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|n| n.trim().to_ascii_lowercase()))
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        let n = name.as_str();
        let dropped = HOP_BY_HOP.contains(&n)
            || named.iter().any(|c| c == n)
            || ["host", "authorization", "x-pim-principal"].contains(&n);
        if !dropped {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Sends the request to the upstream, streaming the body both ways. The caller's principal
/// goes along as `X-Pim-Principal`; the bearer token does not.
async fn forward(
    client: &reqwest::Client,
    upstream: &str,
    principal: &str,
    req: Request,
) -> Result<Response, reqwest::Error> {
    let (parts, body) = req.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = onward(&parts.headers);
    if let Ok(p) = HeaderValue::from_str(principal) {
        headers.insert(HeaderName::from_static("x-pim-principal"), p);
    }
    let mut onward_req = client
        .request(parts.method, format!("http://{upstream}{target}"))
        .headers(headers);
    if axum::body::HttpBody::size_hint(&body).exact() != Some(0) {
        onward_req = onward_req.body(reqwest::Body::wrap_stream(body.into_data_stream()));
    }
    let answer = onward_req.send().await?;
    let mut response = Response::new(Body::empty());
    *response.status_mut() = answer.status();
    *response.headers_mut() = onward(answer.headers());
    *response.body_mut() = Body::from_stream(answer.bytes_stream());
    Ok(response)
}
