//! The gateway question: is a principal active in a role at a scope, now?

use axum::extract::{Query as UrlQuery, State};
use pim_core::Query;
use serde::Deserialize;

use super::answer::value;
use super::extract::Caller;
use super::{ApiError, ApiResult, Routes, Shared};
use crate::store::Store;

/// `?principalId=&roleDefinitionId=&directoryScopeId=&appScopeId=`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckParams {
    principal_id: String,
    role_definition_id: String,
    directory_scope_id: Option<String>,
    app_scope_id: Option<String>,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Routes::new().get(
        "/v1.0/pim/check",
        "Is the principal active in the role at the scope now?",
        check::<S>,
    )
}

/// `GET /v1.0/pim/check?…`: anyone may ask about themselves; asking about someone else
/// takes an administrator or a reader.
async fn check<S: Store + 'static>(
    State(s): Shared<S>,
    UrlQuery(p): UrlQuery<CheckParams>,
    caller: Caller,
) -> ApiResult {
    let asked = p.principal_id.clone();
    let q = Query::Check {
        principal_id: p.principal_id.into(),
        role_definition_id: p.role_definition_id.into(),
        directory_scope_id: p.directory_scope_id.map(Into::into),
        app_scope_id: p.app_scope_id,
    };
    let answer = s.query_as(caller.principal(), q, move |access| {
        if access.reads_all() || access.principal_id.as_str() == asked {
            Ok(())
        } else {
            Err(ApiError::forbidden(access, "another principal's roles"))
        }
    });
    Ok(value(answer.await?))
}
