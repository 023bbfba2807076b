//! `GET /metrics`: the process's Prometheus metrics ([`crate::metrics`]), and the layer that
//! counts and times every request by its route template.
//!
//! Least privilege: the metrics name no principal, role or object, but they tell who uses the
//! host how much, so they are off unless the config's `metrics` turns them on, with a scrape
//! token of their own (`{"metrics": {"token": "…"}}`, compared in constant time; no caller's
//! token is accepted, and the scrape token opens no other route) or, for a listen address only
//! the scraper's network reaches, `{"metrics": {"public": true}}`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::{ApiError, Routes, Shared};
use crate::metrics::{CONTENT_TYPE, RequestLabels, RouteLabels, metrics};
use crate::store::Store;

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Routes::new().get(
        "/metrics",
        "Prometheus metrics (with the config's scrape token)",
        scrape::<S>,
    )
}

/// `GET /metrics`: 404 unless the config enables them; 401 without the scrape token.
async fn scrape<S: Store + 'static>(
    State(s): Shared<S>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(config) = s.metrics_config() else {
        return Err(ApiError::NotFound(
            "metrics are not enabled on this host (the config's `metrics`)".into(),
        ));
    };
    if let Some(token) = &config.token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match sent {
            None => return Err(ApiError::MissingToken),
            Some(t) if !bool::from(t.as_bytes().ct_eq(token.as_bytes())) => {
                return Err(ApiError::UnknownToken);
            }
            Some(_) => {}
        }
    }
    let head = s.with_reader(|svc, _| Ok(svc.head())).await?;
    Ok((
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        metrics().encode(head),
    )
        .into_response())
}

/// The methods that get a label of their own; any other is `other`, so a client cannot make
/// new series by inventing methods.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Counts and times each request under its route template (`unmatched` for a path no route
/// serves).
pub async fn track(req: Request, next: Next) -> Response {
    let method = req.method().as_str();
    let method = METHODS
        .iter()
        .copied()
        .find(|m| *m == method)
        .unwrap_or("other")
        .to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    let m = metrics();
    let labels = RouteLabels {
        method: method.clone(),
        route: route.clone(),
    };
    m.latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    let labels = RequestLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    m.requests.get_or_create(&labels).inc();
    response
}
