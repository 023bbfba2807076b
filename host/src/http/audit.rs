//! The audit log (`directoryAudits`) and its retention.

use axum::Router;
use axum::extract::{Query as UrlQuery, State};
use axum::routing::{get, put};
use pim_core::AuditFilter;
use pim_core::{Command, Query};
use serde::Deserialize;

use super::answer::{no_content, value};
use super::extract::{Caller, WithBody, instant, json};
use super::{ApiResult, Routes, Shared};
use crate::store::Store;

/// `?principalId=&roleDefinitionId=&activity=&since=&until=`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AuditParams {
    principal_id: Option<String>,
    role_definition_id: Option<String>,
    activity: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

/// `{"days": N}` (absent: keep everything).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RetentionBody {
    days: Option<u32>,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Router::new()
        .route("/v1.0/auditLogs/directoryAudits", get(records::<S>))
        .route("/v1.0/pim/auditRetention", put(set_retention::<S>))
}

/// `GET /v1.0/auditLogs/directoryAudits?…`: administrators read everyone's records, anyone
/// else only their own.
async fn records<S: Store + 'static>(
    State(s): Shared<S>,
    UrlQuery(p): UrlQuery<AuditParams>,
    caller: Caller,
) -> ApiResult {
    let filter = AuditFilter {
        principal_id: s
            .readable_by(&caller, p.principal_id)
            .await?
            .map(Into::into),
        role_definition_id: p.role_definition_id.map(Into::into),
        activity: p.activity,
        since: instant("since", p.since)?,
        until: instant("until", p.until)?,
    };
    Ok(value(s.query(Query::Audit(filter)).await?))
}

/// `PUT /v1.0/pim/auditRetention`.
async fn set_retention<S: Store + 'static>(
    State(s): Shared<S>,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let RetentionBody { days } = json(&body)?;
    s.submit(caller.0, Command::SetAuditRetention { days })
        .await?;
    Ok(no_content())
}
