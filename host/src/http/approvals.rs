//! Approvals, under `/beta` as in Graph (`roleAssignmentApprovals`): a pending request's
//! approval with one step per stage, the approvals waiting for the caller
//! (`filterByCurrentUser(on='approver')`), and a decision on the step waiting now.

use std::sync::Arc;

use axum::extract::{Path, State};
use pim_core::request::ReviewResult;
use pim_core::{Command, Query, QueryResult, RequestRecord};
use pim_odata::Capabilities;
use serde::Deserialize;
use serde_json::Value;

use super::answer::no_content;
use super::extract::{Caller, WithBody, json};
use super::odata::{self, GraphUrl};
use super::schedule_requests::{names, request};
use super::{ApiError, ApiResult, AppState, Routes, Shared};
use crate::graph;
use crate::store::Store;

const APPROVALS: &str = "/beta/roleManagement/directory/roleAssignmentApprovals";
const CONTEXT: &str = "roleManagement/directory/roleAssignmentApprovals";

const CAPS: Capabilities<'static> = Capabilities {
    filterable: &["id"],
    orderable: &["id"],
    expandable: &["steps"],
    selectable: &["id", "steps"],
    count: true,
    max_top: 999,
    default_page: 100,
};

const STEP_FIELDS: &[&str] = &[
    "id",
    "status",
    "reviewResult",
    "reviewedDateTime",
    "assignedToMe",
    "displayName",
];

const STEP_CAPS: Capabilities<'static> = Capabilities {
    filterable: STEP_FIELDS,
    orderable: STEP_FIELDS,
    expandable: &[],
    selectable: &[
        "id",
        "status",
        "reviewResult",
        "reviewedBy",
        "reviewedDateTime",
        "justification",
        "assignedToMe",
        "displayName",
    ],
    count: true,
    max_top: 999,
    default_page: 100,
};

/// A step's decision: `Approve` or `Deny`, and why. Graph's other step properties, sent back
/// by a client, are read-only and ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StepBody {
    review_result: String,
    #[serde(default)]
    justification: Option<String>,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let one = format!("{APPROVALS}/{{id}}/steps/{{step}}");
    Routes::new()
        .get(
            &format!("{APPROVALS}/{{id}}"),
            "A request's approval, or filterByCurrentUser(on='approver')",
            approval::<S>,
        )
        .get(
            &format!("{APPROVALS}/{{id}}/steps"),
            "An approval's steps",
            steps::<S>,
        )
        .get(&one, "One approval step", step::<S>)
        .patch(&one, "Approve or deny the step waiting now", decide::<S>)
}

/// A request's approval as the caller sees it (404 for a request without approval stages).
async fn shaped<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    caller: &Caller,
    id: &str,
) -> Result<(Value, RequestRecord), ApiError> {
    let access = s.access(caller).await?;
    let r = request(s, id).await?;
    if r.approval_steps.is_empty() {
        return Err(ApiError::NotFound(format!("no approval with id `{id}`")));
    }
    let mine = waiting_for(s, access.principal_id.clone()).await?;
    let assigned = mine.iter().any(|p| p.id == r.id);
    let answered = r
        .approval_steps
        .iter()
        .any(|st| st.reviewed_by.as_ref() == Some(&access.principal_id));
    if !(access.reads_all() || assigned || answered) {
        return Err(ApiError::forbidden(&access, "this approval"));
    }
    let names = names(s, &r).await?;
    Ok((graph::approval(&r, assigned, &names), r))
}

/// The requests waiting for `approver`.
async fn waiting_for<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    approver_id: pim_core::PrincipalId,
) -> Result<Vec<RequestRecord>, ApiError> {
    match s.query(Query::PendingApprovals { approver_id }).await? {
        QueryResult::PendingApprovals(v) => Ok(v),
        _ => Ok(Vec::new()),
    }
}

/// `GET …/roleAssignmentApprovals/{id}`, or `filterByCurrentUser(on='approver')`.
async fn approval<S: Store + 'static>(
    State(s): Shared<S>,
    Path(id): Path<String>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&CAPS)?;
    if let Some(on) = odata::filter_by_current_user(&id) {
        if on != "approver" {
            return Err(ApiError::Query(format!(
                "filterByCurrentUser: `on` must be 'approver', not '{on}'"
            )));
        }
        let access = s.access(&caller).await?;
        let mut items = Vec::new();
        for r in waiting_for(&s, access.principal_id.clone()).await? {
            let names = names(&s, &r).await?;
            items.push(graph::approval(&r, true, &names));
        }
        return Ok(url.collection(CONTEXT, items, &opts, &CAPS));
    }
    let (v, _) = shaped(&s, &caller, &id).await?;
    Ok(url.selected(CONTEXT, v, &opts))
}

/// `GET …/roleAssignmentApprovals/{id}/steps`.
async fn steps<S: Store + 'static>(
    State(s): Shared<S>,
    Path(id): Path<String>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&STEP_CAPS)?;
    let (v, _) = shaped(&s, &caller, &id).await?;
    let items = v["steps"].as_array().cloned().unwrap_or_default();
    Ok(url.collection(
        &format!("{CONTEXT}('{id}')/steps"),
        items,
        &opts,
        &STEP_CAPS,
    ))
}

/// `GET …/roleAssignmentApprovals/{id}/steps/{stepId}`.
async fn step<S: Store + 'static>(
    State(s): Shared<S>,
    Path((id, step_id)): Path<(String, String)>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&STEP_CAPS)?;
    let (v, _) = shaped(&s, &caller, &id).await?;
    let found = v["steps"]
        .as_array()
        .and_then(|steps| {
            steps
                .iter()
                .find(|st| st["id"] == step_id.as_str())
                .cloned()
        })
        .ok_or_else(|| ApiError::NotFound(format!("no step `{step_id}` in approval `{id}`")))?;
    Ok(url.selected(&format!("{CONTEXT}('{id}')/steps"), found, &opts))
}

/// `PATCH …/roleAssignmentApprovals/{id}/steps/{stepId}`: approve or deny the stage waiting
/// now; a step id that is not that stage's is refused.
async fn decide<S: Store + 'static>(
    State(s): Shared<S>,
    Path((id, step_id)): Path<(String, String)>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let decision: StepBody = json(&body)?;
    let r = request(&s, &id).await?;
    let waiting = r.current_step().map(|st| graph::step_id(&r.id, st.stage));
    let known = r
        .approval_steps
        .iter()
        .any(|st| graph::step_id(&r.id, st.stage) == step_id);
    if !known {
        return Err(ApiError::NotFound(format!(
            "no step `{step_id}` in approval `{id}`"
        )));
    }
    if waiting.as_deref() != Some(step_id.as_str()) {
        return Err(ApiError::field(
            "stepId",
            format!("step `{step_id}` of approval `{id}` is not waiting for an answer"),
        ));
    }
    let review_result = match decision.review_result.to_ascii_lowercase().as_str() {
        "approve" | "approved" => ReviewResult::Approve,
        "deny" | "denied" => ReviewResult::Deny,
        other => {
            return Err(ApiError::field(
                "reviewResult",
                format!("`{other}`: must be `Approve` or `Deny`"),
            ));
        }
    };
    let command = Command::Decide {
        request_id: id.into(),
        review_result,
        justification: decision.justification,
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}
