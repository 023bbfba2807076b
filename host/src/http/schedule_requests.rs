//! Schedule requests: `roleAssignmentScheduleRequests` (activations, assignments) and
//! `roleEligibilityScheduleRequests` (eligibilities): create, read, cancel.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use pim_core::wire::RequestKind;
use pim_core::{Command, Query, QueryResult};

use super::answer::{created, no_content, value};
use super::extract::{Caller, WithBody, json};
use super::{ApiError, ApiResult, AppState, DIRECTORY, Routes, Shared};
use crate::store::Store;

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let assignments = format!("{DIRECTORY}/roleAssignmentScheduleRequests");
    let eligibilities = format!("{DIRECTORY}/roleEligibilityScheduleRequests");
    let mut r = Router::new()
        .route(&assignments, post(create_assignment::<S>))
        .route(&eligibilities, post(create_eligibility::<S>));
    for requests in [assignments, eligibilities] {
        r = r
            .route(&format!("{requests}/{{id}}"), get(read::<S>))
            .route(&format!("{requests}/{{id}}/cancel"), post(cancel::<S>));
    }
    r
}

/// `POST …/roleAssignmentScheduleRequests`: an activation or assignment (Graph body).
async fn create_assignment<S: Store + 'static>(State(s): Shared<S>, req: WithBody) -> ApiResult {
    create(s, RequestKind::Assignment, req).await
}

/// `POST …/roleEligibilityScheduleRequests`: an eligibility (Graph body).
async fn create_eligibility<S: Store + 'static>(State(s): Shared<S>, req: WithBody) -> ApiResult {
    create(s, RequestKind::Eligibility, req).await
}

async fn create<S: Store + 'static>(
    state: Arc<AppState<S>>,
    kind: RequestKind,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let command = Command::Request {
        kind,
        body: Box::new(json(&body)?),
    };
    Ok(created(state.submit(caller.0, command).await?))
}

/// `GET …/{id}`: a request as it stands, to a caller who reads all requests or is involved
/// in this one (its principal, its maker, an approver who answered it or may answer it now).
async fn read<S: Store + 'static>(
    State(s): Shared<S>,
    Path(request_id): Path<String>,
    caller: Caller,
) -> ApiResult {
    let access = s.access(&caller).await?;
    let answer = s
        .query(Query::Request {
            request_id: request_id.into(),
        })
        .await?;
    if let QueryResult::Request(r) = &answer
        && !s.may_read_request(&access, r).await?
    {
        return Err(ApiError::forbidden(&access, "this request"));
    }
    Ok(value(answer))
}

/// `POST …/{id}/cancel`: the requester cancels a pending request.
async fn cancel<S: Store + 'static>(
    State(s): Shared<S>,
    Path(request_id): Path<String>,
    caller: Caller,
) -> ApiResult {
    s.submit(
        caller.0,
        Command::Cancel {
            request_id: request_id.into(),
        },
    )
    .await?;
    Ok(no_content())
}
