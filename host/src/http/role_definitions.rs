//! `roleManagement/directory/roleDefinitions`: the roles the tenant knows (built-in and
//! loaded), to anyone in the directory.

use std::sync::Arc;

use axum::extract::{Path, State};
use pim_core::{Query, QueryResult};
use pim_odata::Capabilities;
use serde_json::Value;

use super::extract::Caller;
use super::odata::GraphUrl;
use super::{ApiError, ApiResult, AppState, Routes, Shared, VERSIONS};
use crate::graph;
use crate::store::Store;

const CONTEXT: &str = "roleManagement/directory/roleDefinitions";

const FILTERABLE: &[&str] = &["id", "displayName", "isBuiltIn", "isEnabled", "templateId"];

const CAPS: Capabilities<'static> = Capabilities {
    filterable: FILTERABLE,
    orderable: FILTERABLE,
    expandable: &[],
    selectable: &[
        "id",
        "displayName",
        "description",
        "isBuiltIn",
        "isEnabled",
        "templateId",
        "version",
        "resourceScopes",
        "rolePermissions",
    ],
    count: true,
    max_top: 999,
    default_page: 200,
};

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let mut r = Routes::new();
    for v in VERSIONS {
        let path = format!("/{v}/{CONTEXT}");
        r = r.get(&path, "The role definitions", list::<S>).get(
            &format!("{path}/{{id}}"),
            "A role definition",
            one::<S>,
        );
    }
    r
}

async fn all<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    caller: &Caller,
) -> Result<Vec<Value>, ApiError> {
    s.access(caller).await?;
    match s.query(Query::RoleDefinitions {}).await? {
        QueryResult::RoleDefinitions(r) => Ok(r.iter().map(graph::role_definition).collect()),
        _ => Ok(Vec::new()),
    }
}

/// `GET …/roleDefinitions`.
async fn list<S: Store + 'static>(State(s): Shared<S>, url: GraphUrl, caller: Caller) -> ApiResult {
    let opts = url.options(&CAPS)?;
    let items = all(&s, &caller).await?;
    Ok(url.collection(CONTEXT, items, &opts, &CAPS))
}

/// `GET …/roleDefinitions/{id}`.
async fn one<S: Store + 'static>(
    State(s): Shared<S>,
    Path(id): Path<String>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&CAPS)?;
    let found = all(&s, &caller)
        .await?
        .into_iter()
        .find(|v| v["id"] == id.as_str())
        .ok_or_else(|| ApiError::NotFound(format!("no role definition `{id}`")))?;
    Ok(url.selected(CONTEXT, found, &opts))
}
