//! Role settings (`roleManagementPolicies`): a role's rules, and changing one rule.

use axum::Router;
use axum::extract::{Path, Query as UrlQuery, State};
use axum::routing::{get, patch};
use pim_core::{Command, Query};
use serde::Deserialize;
use serde_json::{Value, json};

use super::answer::{no_content, value};
use super::extract::{Caller, WithBody, json};
use super::{ApiError, ApiResult, Routes, Shared};
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
    caller: Caller,
) -> ApiResult {
    let access = s.access(&caller).await?;
    if !s.may_read_policy(&access, &role_definition_id).await? {
        return Err(ApiError::forbidden(&access, "this role's settings"));
    }
    let q = Query::Policy {
        role_definition_id: role_definition_id.into(),
        scope_id: p.scope_id.map(Into::into),
    };
    Ok(value(s.query(q).await?))
}

/// `PATCH …/{roleId}/rules/{ruleId}?scopeId=`: changes one rule (the body is the rule; its
/// `id`, when given, must be the path's).
async fn set_rule<S: Store + 'static>(
    State(s): Shared<S>,
    Path((role, rule_id)): Path<(String, String)>,
    UrlQuery(p): UrlQuery<ScopeParam>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let rule = rule_at(json(&body)?, rule_id)?;
    let command: Command = serde_json::from_value(json!({
        "op": "setPolicy", "roleDefinitionId": role,
        "scopeId": p.scope_id.unwrap_or_else(|| "/".into()), "rules": [rule],
    }))?;
    s.submit(caller.0, command).await?;
    Ok(no_content())
}

/// The rule a PATCH body describes, checked against the rule id in its path: a body naming
/// another rule is refused, a body naming none is the path's rule.
fn rule_at(mut rule: Value, rule_id: String) -> Result<Value, ApiError> {
    let Some(fields) = rule.as_object_mut() else {
        return Err(ApiError::field("rule", "the body must be a rule object"));
    };
    match fields.get("id").and_then(Value::as_str) {
        Some(id) if id != rule_id => Err(ApiError::field(
            "id",
            format!("the body is rule `{id}` but the path names rule `{rule_id}`"),
        )),
        Some(_) => Ok(rule),
        None => {
            fields.insert("id".into(), Value::String(rule_id));
            Ok(rule)
        }
    }
}
