//! Role settings as Graph has them: `policies/roleManagementPolicies` (list, by id,
//! `$expand=rules`), their rules (list, one, PATCH one), and
//! `policies/roleManagementPolicyAssignments` (list, by id, `$expand=policy($expand=rules)`).
//! pim's own rules (`Pim_*`, `@odata.type` `#pim.*`) are read and changed through the same
//! routes: a policy lists them once they are set, and reading one not yet set gives its inert
//! default.
//! A policy id is Graph's `DirectoryRole_{tenantId}_{guid}`, derived from the role and scope;
//! a path may also name the policy by its role definition id with `?scopeId=` (the form this
//! host served before it had policy ids).

use std::sync::Arc;

use axum::extract::{Path, State};
use pim_core::policy::Policy;
use pim_core::wire::{PolicyRule, RuleId};
use pim_core::{Command, Query, QueryResult};
use pim_odata::{Capabilities, QueryOptions};
use serde_json::Value;

use super::answer::no_content;
use super::extract::{Caller, WithBody, edm_duration, json};
use super::odata::{self, GraphUrl};
use super::{ApiError, ApiResult, AppState, Routes, Shared, VERSIONS};
use crate::graph;
use crate::store::Store;

const POLICY_FILTERABLE: &[&str] = &["id", "scopeId", "scopeType", "displayName"];
const ASSIGNMENT_FILTERABLE: &[&str] =
    &["id", "policyId", "scopeId", "scopeType", "roleDefinitionId"];

const POLICY_CAPS: Capabilities<'static> = Capabilities {
    filterable: POLICY_FILTERABLE,
    orderable: POLICY_FILTERABLE,
    expandable: &["rules"],
    selectable: &[
        "id",
        "displayName",
        "description",
        "isOrganizationDefault",
        "scopeId",
        "scopeType",
        "lastModifiedDateTime",
        "lastModifiedBy",
        "rules",
    ],
    count: true,
    max_top: 999,
    default_page: 200,
};

const ASSIGNMENT_CAPS: Capabilities<'static> = Capabilities {
    filterable: ASSIGNMENT_FILTERABLE,
    orderable: ASSIGNMENT_FILTERABLE,
    expandable: &["policy", "policy/rules"],
    selectable: &[
        "id",
        "policyId",
        "scopeId",
        "scopeType",
        "roleDefinitionId",
        "policy",
    ],
    count: true,
    max_top: 999,
    default_page: 200,
};

const RULE_CAPS: Capabilities<'static> = Capabilities {
    filterable: &["id"],
    orderable: &["id"],
    expandable: &[],
    selectable: &[],
    count: true,
    max_top: 999,
    default_page: 100,
};

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let mut r = Routes::new();
    for v in VERSIONS {
        let policies = format!("/{v}/policies/roleManagementPolicies");
        let assignments = format!("/{v}/policies/roleManagementPolicyAssignments");
        let rule = format!("{policies}/{{id}}/rules/{{rule}}");
        r = r
            .get(
                &policies,
                "The role management policies",
                list_policies::<S>,
            )
            .get(
                &format!("{policies}/{{id}}"),
                "A role management policy",
                one_policy::<S>,
            )
            .get(
                &format!("{policies}/{{id}}/rules"),
                "A policy's rules",
                rules::<S>,
            )
            .get(&rule, "One rule", one_rule::<S>)
            .patch(&rule, "Change one rule", set_rule::<S>)
            .get(
                &assignments,
                "Which policy governs which role",
                list_assignments::<S>,
            )
            .get(
                &format!("{assignments}/{{id}}"),
                "A policy assignment",
                one_assignment::<S>,
            );
    }
    r
}

/// The policies the caller may read: every one for a reader; for anyone else those of the
/// roles they are eligible for (they see what activating requires).
async fn readable<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    caller: &Caller,
) -> Result<Vec<Policy>, ApiError> {
    let access = s.access(caller).await?;
    let QueryResult::Policies(all) = s.query(Query::Policies {}).await? else {
        return Ok(Vec::new());
    };
    if access.reads_all() {
        return Ok(all);
    }
    let mut out = Vec::new();
    for p in all {
        if s.may_read_policy(&access, &p.role_definition_id).await? {
            out.push(p);
        }
    }
    Ok(out)
}

/// The policy a path names: a Graph policy id, or a role definition id with `?scopeId=`.
async fn find<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    caller: &Caller,
    id: &str,
    url: &GraphUrl,
) -> Result<Policy, ApiError> {
    let ids = s.policy_ids();
    let legacy_scope = url.param("scopeId").unwrap_or_else(|| "/".into());
    let access = s.access(caller).await?;
    let QueryResult::Policies(all) = s.query(Query::Policies {}).await? else {
        return Err(ApiError::NotFound(format!(
            "no role management policy `{id}`"
        )));
    };
    let found = all
        .into_iter()
        .find(|p| {
            ids.policy(&p.role_definition_id, &p.scope_id) == id
                || (p.role_definition_id.as_str() == id && p.scope_id.as_str() == legacy_scope)
        })
        .ok_or_else(|| ApiError::NotFound(format!("no role management policy `{id}`")))?;
    if !s
        .may_read_policy(&access, &found.role_definition_id)
        .await?
    {
        return Err(ApiError::forbidden(&access, "this role's settings"));
    }
    Ok(found)
}

/// Whether `$expand` asks for `rules` (directly, or nested under `policy`).
fn rules_expanded(opts: &QueryOptions, under: Option<&str>) -> bool {
    match under {
        None => odata::expands(opts, "rules"),
        Some(nav) => opts
            .expand
            .iter()
            .any(|e| e.property.eq_ignore_ascii_case(nav) && odata::expands(&e.options, "rules")),
    }
}

/// `GET …/roleManagementPolicies`.
async fn list_policies<S: Store + 'static>(
    State(s): Shared<S>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let mut opts = url.options(&POLICY_CAPS)?;
    let ids = s.policy_ids();
    let expand = rules_expanded(&opts, None);
    let items = readable(&s, &caller)
        .await?
        .iter()
        .map(|p| graph::policy(p, &ids, expand))
        .collect();
    odata::keep_expanded(&mut opts);
    Ok(url.collection(
        "policies/roleManagementPolicies",
        items,
        &opts,
        &POLICY_CAPS,
    ))
}

/// `GET …/roleManagementPolicies/{id}`.
async fn one_policy<S: Store + 'static>(
    State(s): Shared<S>,
    Path(id): Path<String>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&POLICY_CAPS)?;
    let p = find(&s, &caller, &id, &url).await?;
    let v = graph::policy(&p, &s.policy_ids(), rules_expanded(&opts, None));
    Ok(url.selected("policies/roleManagementPolicies", v, &opts))
}

/// `GET …/roleManagementPolicies/{id}/rules`.
async fn rules<S: Store + 'static>(
    State(s): Shared<S>,
    Path(id): Path<String>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&RULE_CAPS)?;
    let p = find(&s, &caller, &id, &url).await?;
    let items = p.rules.iter().map(rule_value).collect::<Result<_, _>>()?;
    let fragment = format!("policies/roleManagementPolicies('{id}')/rules");
    Ok(url.collection(&fragment, items, &opts, &RULE_CAPS))
}

fn rule_value(r: &PolicyRule) -> Result<Value, ApiError> {
    Ok(serde_json::to_value(r)?)
}

/// `GET …/roleManagementPolicies/{id}/rules/{ruleId}`.
async fn one_rule<S: Store + 'static>(
    State(s): Shared<S>,
    Path((id, rule_id)): Path<(String, String)>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&RULE_CAPS)?;
    let p = find(&s, &caller, &id, &url).await?;
    let set = p.rules.iter().find(|r| r.id.as_str() == rule_id.as_str());
    // pim's own rules are listed once set; before that they read as their inert defaults.
    let unset = RuleId::parse(&rule_id)
        .filter(|r| !r.is_graph())
        .map(PolicyRule::default_for);
    let rule = set
        .or(unset.as_ref())
        .map(rule_value)
        .transpose()?
        .ok_or_else(|| ApiError::NotFound(format!("no rule `{rule_id}` in policy `{id}`")))?;
    let fragment = format!("policies/roleManagementPolicies('{id}')/rules");
    Ok(url.selected(&fragment, rule, &opts))
}

/// `PATCH …/roleManagementPolicies/{id}/rules/{ruleId}`: changes one rule (the body is the
/// rule; its `id`, when given, must be the path's).
async fn set_rule<S: Store + 'static>(
    State(s): Shared<S>,
    Path((id, rule_id)): Path<(String, String)>,
    url: GraphUrl,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let rule = rule_at(json(&body)?, rule_id)?;
    edm_duration(rule.get("maximumDuration").and_then(Value::as_str))?;
    let rule: PolicyRule = serde_json::from_value(rule)?;
    let p = find(&s, &caller, &id, &url).await?;
    let command = Command::SetPolicy {
        role_definition_id: p.role_definition_id.clone(),
        scope_id: p.scope_id.clone(),
        scope_type: Some(p.scope_type),
        rules: vec![rule],
    };
    s.submit(caller.0, command).await?;
    Ok(no_content())
}

/// The rule a PATCH body describes, checked against the rule id in its path: a body naming
/// another rule is refused, a body naming none is the path's rule. `@odata.context`, sent back
/// by a client, is dropped.
fn rule_at(mut rule: Value, rule_id: String) -> Result<Value, ApiError> {
    let Some(fields) = rule.as_object_mut() else {
        return Err(ApiError::field("rule", "the body must be a rule object"));
    };
    fields.remove("@odata.context");
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

/// `GET …/roleManagementPolicyAssignments`.
async fn list_assignments<S: Store + 'static>(
    State(s): Shared<S>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let mut opts = url.options(&ASSIGNMENT_CAPS)?;
    let ids = s.policy_ids();
    let expand = odata::expands(&opts, "policy").then(|| rules_expanded(&opts, Some("policy")));
    let items = readable(&s, &caller)
        .await?
        .iter()
        .map(|p| graph::policy_assignment(p, &ids, expand))
        .collect();
    odata::keep_expanded(&mut opts);
    let fragment = "policies/roleManagementPolicyAssignments";
    Ok(url.collection(fragment, items, &opts, &ASSIGNMENT_CAPS))
}

/// `GET …/roleManagementPolicyAssignments/{id}`.
async fn one_assignment<S: Store + 'static>(
    State(s): Shared<S>,
    Path(id): Path<String>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&ASSIGNMENT_CAPS)?;
    let ids = s.policy_ids();
    let expand = odata::expands(&opts, "policy").then(|| rules_expanded(&opts, Some("policy")));
    let p = readable(&s, &caller)
        .await?
        .into_iter()
        .find(|p| ids.assignment(&p.role_definition_id, &p.scope_id) == id)
        .ok_or_else(|| ApiError::NotFound(format!("no policy assignment `{id}`")))?;
    let v = graph::policy_assignment(&p, &ids, expand);
    Ok(url.selected("policies/roleManagementPolicyAssignments", v, &opts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rule_body_must_name_the_paths_rule_or_none() {
        let named = rule_at(
            json!({"id": "Expiration_EndUser_Assignment"}),
            "Expiration_EndUser_Assignment".into(),
        );
        assert!(named.is_ok());
        let other = rule_at(
            json!({"id": "Approval_EndUser_Assignment"}),
            "Expiration_EndUser_Assignment".into(),
        );
        assert!(matches!(other, Err(ApiError::Field { field: "id", .. })));
        let unnamed = rule_at(
            json!({"isExpirationRequired": true}),
            "Expiration_EndUser_Assignment".into(),
        );
        assert_eq!(
            unnamed.ok().map(|r| r["id"].clone()),
            Some(json!("Expiration_EndUser_Assignment"))
        );
    }
}
