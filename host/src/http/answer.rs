//! Successful answers of the routes that are not Graph collections: a query's result, no
//! content.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pim_core::QueryResult;
use serde_json::json;

/// A query's result: a single object as itself, a collection as `{"value": […]}`.
pub fn value(r: QueryResult) -> Response {
    let v = match r {
        QueryResult::Check(c) => json!(c),
        QueryResult::Request(r) => json!(r),
        QueryResult::EligibleRoles(v) => json!({ "value": v }),
        QueryResult::PendingApprovals(v) => json!({ "value": v }),
        QueryResult::Audit(v) => json!({ "value": v }),
        QueryResult::Policy(v) => json!({ "value": v }),
        QueryResult::Schedules(v) => json!({ "value": v }),
        QueryResult::Alerts(v) => json!({ "value": v }),
        QueryResult::Notifications(v) => json!({ "value": v }),
        QueryResult::Reviews(v) => json!({ "value": v }),
        QueryResult::Review(r) => json!(r),
        #[allow(unreachable_patterns, reason = "the core may add results")]
        other => json!(other),
    };
    Json(v).into_response()
}

/// An accepted command that answers nothing (204).
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
