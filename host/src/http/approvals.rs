//! Approvals: the requests waiting for the caller's decision, and the decision itself.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch};
use pim_core::{Command, Query, QueryResult};
use serde::Deserialize;
use serde_json::json;

use super::answer::{no_content, value};
use super::extract::{Caller, WithBody, json};
use super::{ApiError, ApiResult, DIRECTORY, Routes, Shared};
use crate::store::Store;

/// A step's decision: `Approve` or `Deny`, and why.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StepBody {
    review_result: String,
    #[serde(default)]
    justification: Option<String>,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let approvals = format!("{DIRECTORY}/roleAssignmentApprovals");
    Router::new().route(&approvals, get(pending::<S>)).route(
        &format!("{approvals}/{{id}}/steps/{{step}}"),
        patch(decide::<S>),
    )
}

/// `GET …/roleAssignmentApprovals`: the approvals waiting for the caller.
async fn pending<S: Store + 'static>(State(s): Shared<S>, caller: Caller) -> ApiResult {
    let approver_id = s.access(&caller).await?.principal_id;
    Ok(value(
        s.query(Query::PendingApprovals { approver_id }).await?,
    ))
}

/// `PATCH …/roleAssignmentApprovals/{id}/steps/{step}`: approve or deny. A step's id is its
/// stage number (`0`, `1`); only the stage waiting now may be answered.
async fn decide<S: Store + 'static>(
    State(s): Shared<S>,
    Path((request_id, step_id)): Path<(String, String)>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let step: StepBody = json(&body)?;
    let current = s
        .query(Query::Request {
            request_id: request_id.clone().into(),
        })
        .await?;
    let waiting = match &current {
        QueryResult::Request(r) => r.current_step().map(|st| st.stage.to_string()),
        _ => None,
    };
    if waiting.as_deref() != Some(step_id.as_str()) {
        return Err(ApiError::field(
            "stepId",
            format!("step `{step_id}` of request `{request_id}` is not waiting for an answer"),
        ));
    }
    let command: Command = serde_json::from_value(json!({
        "op": "decide", "requestId": request_id, "reviewResult": step.review_result,
        "justification": step.justification,
    }))?;
    s.submit(caller.0, command).await?;
    Ok(no_content())
}
