//! Liveness.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::{ApiResult, Routes, Shared};
use crate::store::Store;

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Router::new().route("/healthz", get(health::<S>))
}

/// `GET /healthz`: `{"status": "ok", "events": <the log's head>}`; no token needed.
async fn health<S: Store + 'static>(State(s): Shared<S>) -> ApiResult {
    let head = s.with_service(|svc, _| Ok(svc.head())).await?;
    Ok(Json(json!({ "status": "ok", "events": head })).into_response())
}
