//! Role settings (`roleManagementPolicies`): a role's rules, and changing one rule.

use axum::Router;
use axum::extract::{Path, Query as UrlQuery, State};
use axum::routing::{get, patch};
use pim_core::{Command, Query};
use serde::Deserialize;
use serde_json::{Value, json};

use super::answer::{no_content, value};
use super::extract::{Caller, WithBody, json};
use super::{ApiResult, Routes, Shared};
use crate::store::Store;

const POLICIES: &str = "/v1.0/policies/roleManagementPolicies";

/// `?scopeId=`: the scope of the role settings (default `/`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScopeParam {
    scope_id: Option<String>,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Router::new()
        .route(&format!("{POLICIES}/{{role}}/rules"), get(rules::<S>))
        .route(
            &format!("{POLICIES}/{{role}}/rules/{{rule}}"),
            patch(set_rule::<S>),
        )
}

/// `GET …/{roleId}/rules?scopeId=`: the role settings.
async fn rules<S: Store + 'static>(
    State(s): Shared<S>,
    Path(role_definition_id): Path<String>,
    UrlQuery(p): UrlQuery<ScopeParam>,
    _: Caller,
) -> ApiResult {
    let q = Query::Policy {
        role_definition_id: role_definition_id.into(),
        scope_id: p.scope_id.map(Into::into),
    };
    Ok(value(s.query(q).await?))
}

/// `PATCH …/{roleId}/rules/{ruleId}?scopeId=`: changes one rule (the body is the rule).
async fn set_rule<S: Store + 'static>(
    State(s): Shared<S>,
    Path((role, _rule)): Path<(String, String)>,
    UrlQuery(p): UrlQuery<ScopeParam>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let rule: Value = json(&body)?;
    let command: Command = serde_json::from_value(json!({
        "op": "setPolicy", "roleDefinitionId": role,
        "scopeId": p.scope_id.unwrap_or_else(|| "/".into()), "rules": [rule],
    }))?;
    s.submit(caller.0, command).await?;
    Ok(no_content())
}
