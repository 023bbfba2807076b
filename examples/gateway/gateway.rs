//! The gateway's logic: route table, caller identification, the check through the guest, and a
//! minimal HTTP/1.1 forwarder. `main.rs` wires it to the command line; the host's tests include
//! this file directly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pim_host::{Clock, Service, Store};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
}

impl<S: Store + 'static> Gateway<S> {
    /// A gateway; routes are matched longest prefix first.
    pub fn new(
        service: Service<S>,
        clock: Arc<dyn Clock>,
        mut routes: Vec<Route>,
        callers: HashMap<String, String>,
        upstream: String,
    ) -> Arc<Self> {
        routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        Arc::new(Gateway {
            service: Mutex::new(service),
            clock,
            routes,
            callers,
            upstream,
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
        match forward(&gw.upstream, &principal, req).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "upstream failed");
                (StatusCode::BAD_GATEWAY, "upstream failed\n").into_response()
            }
        }
    }
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

/// Sends the request to the upstream over HTTP/1.1 (one connection per request) and returns its
/// answer. The caller's principal goes along as `X-Pim-Principal`; the bearer token does not.
async fn forward(upstream: &str, principal: &str, req: Request) -> std::io::Result<Response> {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 16 << 20)
        .await
        .map_err(std::io::Error::other)?;
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!("{} {target} HTTP/1.1\r\nHost: {upstream}\r\n", parts.method);
    for (name, value) in &parts.headers {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n) || n == "host" || n == "authorization" || n == "content-length" {
            continue;
        }
        head.push_str(&format!("{n}: {}\r\n", value.to_str().unwrap_or_default()));
    }
    head.push_str(&format!(
        "x-pim-principal: {principal}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut conn = tokio::net::TcpStream::connect(upstream).await?;
    conn.write_all(head.as_bytes()).await?;
    conn.write_all(&body).await?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).await?;
    parse_response(&raw).ok_or_else(|| std::io::Error::other("unreadable upstream response"))
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(raw.get(..split)?).ok()?;
    let body = raw.get(split + 4..)?.to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let (n, v) = line.split_once(':')?;
        let n = n.trim().to_ascii_lowercase();
        if HOP_BY_HOP.contains(&n.as_str()) || n == "content-length" {
            continue;
        }
        headers.append(
            HeaderName::from_bytes(n.as_bytes()).ok()?,
            HeaderValue::from_str(v.trim()).ok()?,
        );
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).ok()?;
    *response.headers_mut() = headers;
    Some(response)
}
