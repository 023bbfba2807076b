//! Access reviews (`identityGovernance/accessReviews/definitions`): create, read, decide,
//! stop, reset, apply, delete.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use pim_core::review::{Review, ReviewDecision, ReviewDefinition};
use pim_core::{Command, Query, QueryResult};
use serde::Deserialize;

use super::access::reviews;
use super::answer::{no_content, value};
use super::extract::{Caller, WithBody, json};
use super::state::accepted;
use super::{ApiError, ApiResult, Routes, Shared};
use crate::store::Store;

const REVIEWS: &str = "/v1.0/identityGovernance/accessReviews/definitions";

/// A reviewer's decision on one principal.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DecisionBody {
    principal_id: String,
    decision: ReviewDecision,
    #[serde(default)]
    justification: Option<String>,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let review = format!("{REVIEWS}/{{id}}");
    Routes::new()
        .post(REVIEWS, "Create an access review", create::<S>)
        .get(REVIEWS, "The access reviews", list::<S>)
        .get(&review, "An access review with its instances", read::<S>)
        .delete(&review, "Delete an access review", delete::<S>)
        .post(
            &format!("{review}/decisions"),
            "A reviewer's decision",
            decide::<S>,
        )
        .post(
            &format!("{review}/stop"),
            "Stop the instance in progress",
            stop::<S>,
        )
        .post(
            &format!("{review}/reset"),
            "Reset the instance's decisions",
            reset::<S>,
        )
        .post(
            &format!("{review}/applyDecisions"),
            "Apply an ended instance's results",
            apply::<S>,
        )
}

/// `POST …/definitions`: creates a review; answers it (201).
async fn create<S: Store + 'static>(
    State(s): Shared<S>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let definition: ReviewDefinition = json(&body)?;
    let wanted = definition.id.clone();
    let command = Command::CreateReview {
        definition: Box::new(definition),
    };
    let ctx = caller.0;
    let (decision, review) = s
        .with_service(move |svc, now| {
            let d = svc.submit(&command, &ctx, now)?;
            if d.error.is_some() {
                return Ok((d, None));
            }
            // The newest review is the one just created (one writer at a time).
            let review = match svc.query(&Query::Reviews {}, now)? {
                QueryResult::Reviews(v) => newest(v, wanted.as_deref()),
                _ => None,
            };
            Ok((d, review))
        })
        .await?;
    accepted(decision)?;
    Ok(match review {
        Some(r) => (StatusCode::CREATED, Json(r)).into_response(),
        None => StatusCode::CREATED.into_response(),
    })
}

/// The newest review, with id `wanted` if one was asked for.
fn newest(reviews: Vec<Review>, wanted: Option<&str>) -> Option<Review> {
    reviews
        .into_iter()
        .rev()
        .find(|r| wanted.is_none_or(|w| w == r.id))
}

/// `GET …/definitions`: every review to a caller who reads all, else the reviews the caller
/// is a reviewer in.
async fn list<S: Store + 'static>(State(s): Shared<S>, caller: Caller) -> ApiResult {
    let access = s.access(&caller).await?;
    let mut answer = s.query(Query::Reviews {}).await?;
    if let QueryResult::Reviews(v) = &mut answer
        && !access.reads_all()
    {
        v.retain(|r| reviews(r, access.principal_id.as_str()));
    }
    Ok(value(answer))
}

/// `GET …/definitions/{id}`: the review and its instances, to a caller who reads all or is
/// one of its reviewers.
async fn read<S: Store + 'static>(
    State(s): Shared<S>,
    Path(review_id): Path<String>,
    caller: Caller,
) -> ApiResult {
    let access = s.access(&caller).await?;
    let answer = s
        .query(Query::Review {
            review_id: review_id.into(),
        })
        .await?;
    if let QueryResult::Review(r) = &answer
        && !access.reads_all()
        && !reviews(r, access.principal_id.as_str())
    {
        return Err(ApiError::forbidden(&access, "this access review"));
    }
    Ok(value(answer))
}

/// `POST …/definitions/{id}/decisions`: a reviewer's decision.
async fn decide<S: Store + 'static>(
    State(s): Shared<S>,
    Path(review_id): Path<String>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let b: DecisionBody = json(&body)?;
    let command = Command::DecideReview {
        review_id: review_id.into(),
        principal_id: b.principal_id.into(),
        decision: b.decision,
        justification: b.justification,
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}

/// `DELETE …/definitions/{id}`.
async fn delete<S: Store + 'static>(
    State(s): Shared<S>,
    Path(review_id): Path<String>,
    caller: Caller,
) -> ApiResult {
    administer(
        &s,
        caller,
        Command::DeleteReview {
            review_id: review_id.into(),
        },
    )
    .await
}

/// `POST …/definitions/{id}/stop`.
async fn stop<S: Store + 'static>(
    State(s): Shared<S>,
    Path(review_id): Path<String>,
    caller: Caller,
) -> ApiResult {
    administer(
        &s,
        caller,
        Command::StopReview {
            review_id: review_id.into(),
        },
    )
    .await
}

/// `POST …/definitions/{id}/reset`.
async fn reset<S: Store + 'static>(
    State(s): Shared<S>,
    Path(review_id): Path<String>,
    caller: Caller,
) -> ApiResult {
    administer(
        &s,
        caller,
        Command::ResetReview {
            review_id: review_id.into(),
        },
    )
    .await
}

/// `POST …/definitions/{id}/applyDecisions`.
async fn apply<S: Store + 'static>(
    State(s): Shared<S>,
    Path(review_id): Path<String>,
    caller: Caller,
) -> ApiResult {
    administer(
        &s,
        caller,
        Command::ApplyReview {
            review_id: review_id.into(),
        },
    )
    .await
}

/// A review command with no body (delete, stop, reset, apply): submitted, then `204`.
async fn administer<S: Store + 'static>(
    s: &std::sync::Arc<super::AppState<S>>,
    caller: Caller,
    command: Command,
) -> ApiResult {
    s.submit(caller.0, command).await?;
    Ok(no_content())
}
