//! Approvals: the requests waiting for the caller's decision, and the decision itself.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch};
use pim_core::{Command, Query};
use serde::Deserialize;
use serde_json::json;

use super::answer::{no_content, value};
use super::extract::{Caller, WithBody, json};
use super::{ApiResult, DIRECTORY, Routes, Shared};
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
    let approver_id = caller.principal();
    Ok(value(
        s.query(Query::PendingApprovals {
            approver_id: approver_id.into(),
        })
        .await?,
    ))
}

/// `PATCH …/roleAssignmentApprovals/{id}/steps/{step}`: approve or deny.
async fn decide<S: Store + 'static>(
    State(s): Shared<S>,
    Path((request_id, _step)): Path<(String, String)>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let step: StepBody = json(&body)?;
    let command: Command = serde_json::from_value(json!({
        "op": "decide", "requestId": request_id, "reviewResult": step.review_result,
        "justification": step.justification,
    }))?;
    s.submit(caller.0, command).await?;
    Ok(no_content())
}
