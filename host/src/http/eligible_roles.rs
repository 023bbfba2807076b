//! The caller's eligible roles: what they may activate.

use axum::extract::State;
use pim_core::Query;

use super::answer::value;
use super::extract::Caller;
use super::{ApiResult, Routes, Shared};
use crate::store::Store;

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Routes::new().get(
        "/v1.0/me/eligibleRoles",
        "The roles the caller may activate",
        mine::<S>,
    )
}

/// `GET /v1.0/me/eligibleRoles`.
async fn mine<S: Store + 'static>(State(s): Shared<S>, caller: Caller) -> ApiResult {
    let principal_id = s.access(&caller).await?.principal_id;
    Ok(value(s.query(Query::EligibleRoles { principal_id }).await?))
}
