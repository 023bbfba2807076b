//! Liveness, and whether this host's clock is trusted.

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use serde_json::json;

use super::{ApiResult, Routes, Shared};
use crate::store::Store;

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Routes::new().get(
        "/healthz",
        "Liveness, the log's head and the clock's trust",
        health::<S>,
    )
}

/// `GET /healthz`: `{"status": "ok", "events": <the log's head>, "database": {"kind", and on
/// PostgreSQL "follower"}, "clock": {"trusted",
/// "offsetSeconds", "reason", "faults", "livePeers", "maxSkewSeconds"}}`; no token needed.
/// Always 200 while the host answers (liveness): a host whose clock is not trusted still
/// answers reads and `check`, so it stays in service; `clock.trusted` says whether it writes.
async fn health<S: Store + 'static>(State(s): Shared<S>) -> ApiResult {
    // A reader, caught up with the log: a health probe never waits for the writer.
    let (head, kind) = s
        .with_reader(|svc, _| Ok((svc.head(), svc.store_mut().kind())))
        .await?;
    let clock = s.time().health();
    Ok(Json(json!({
        "status": "ok",
        "events": head,
        "database": database(kind),
        "clock": {
            "trusted": clock.trusted,
            "offsetSeconds": clock.offset_seconds,
            "reason": clock.reason,
            "faults": clock.faults,
            "livePeers": clock.live_peers,
            "maxSkewSeconds": clock.max_skew_seconds,
        },
    }))
    .into_response())
}

/// `{"kind"}`, and on PostgreSQL the follower's `{"connected", "heardOf", "caughtUpTo",
/// "lagEvents", "lastCatchUpMillis"}` (docs/deploy.md).
fn database(kind: &str) -> serde_json::Value {
    match crate::store::postgres::follower_status() {
        Some(f) if kind == "postgres" => json!({
            "kind": kind,
            "follower": {
                "connected": f.connected,
                "heardOf": f.heard,
                "caughtUpTo": f.caught_up,
                "lagEvents": f.heard.saturating_sub(f.caught_up),
                "lastCatchUpMillis": f.last_catch_up_millis,
            },
        }),
        _ => json!({ "kind": kind }),
    }
}
