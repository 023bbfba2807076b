//! The directory as Graph's `me` and `users` show it: who the caller is (a console or client
//! that holds only a token learns its principal from `GET /v1.0/me`), and the directory's
//! principals for readers (the console's member picker when assigning a role).

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use pim_core::{Query, QueryResult};
use serde_json::json;

use super::extract::Caller;
use super::{ApiError, ApiResult, Routes, Shared};
use crate::graph;
use crate::store::Store;

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Routes::new()
        .get("/v1.0/me", "The caller's directory object", me::<S>)
        .get(
            "/v1.0/directoryObjects",
            "The directory's users, groups and service principals",
            objects::<S>,
        )
}

/// `GET /v1.0/me`: the caller as a directory object (`id`, `displayName`, `mail`); a caller
/// the directory does not know is refused (403) by the access check.
async fn me<S: Store + 'static>(State(s): Shared<S>, caller: Caller) -> ApiResult {
    let ids = vec![s.access(&caller).await?.principal_id];
    match s.query(Query::Principals { ids }).await? {
        QueryResult::Principals(found) if !found.is_empty() => {
            Ok(Json(graph::principal(&found[0])).into_response())
        }
        _ => Err(ApiError::UnknownPrincipal(caller.principal())),
    }
}

/// `GET /v1.0/directoryObjects`: every principal the directory knows (readers only).
async fn objects<S: Store + 'static>(State(s): Shared<S>, caller: Caller) -> ApiResult {
    s.reader(&caller, "directory objects").await?;
    match s.query(Query::Directory {}).await? {
        QueryResult::Directory(listing) => {
            let value: Vec<_> = listing.principals.iter().map(graph::principal).collect();
            Ok(Json(json!({
                "@odata.context": "$metadata#directoryObjects",
                "value": value,
            }))
            .into_response())
        }
        _ => Ok(Json(json!({ "value": [] })).into_response()),
    }
}
