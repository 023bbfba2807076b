//! The audit log as Graph's `auditLogs/directoryAudits` (`directoryAudit` objects, OData
//! query options, paging), and its retention.
//!
//! Administrators and readers read every record, anyone else only the records about them or
//! made by them. Besides `$filter`, the parameters `principalId`, `roleDefinitionId`,
//! `activity`, `since` and `until` narrow the records before the OData options apply.

use std::sync::Arc;

use axum::extract::{Path, State};
use pim_core::{AuditFilter, AuditRecord, Command, Query, QueryResult};
use pim_odata::Capabilities;
use serde::Deserialize;
use serde_json::Value;

use super::answer::no_content;
use super::extract::{Caller, WithBody, instant, json};
use super::odata::GraphUrl;
use super::{ApiError, ApiResult, AppState, Routes, Shared, VERSIONS};
use crate::graph;
use crate::store::Store;

const CONTEXT: &str = "auditLogs/directoryAudits";

const FILTERABLE: &[&str] = &[
    "id",
    "activityDateTime",
    "activityDisplayName",
    "category",
    "correlationId",
    "result",
    "operationType",
    "loggedByService",
    "initiatedBy/user/id",
    "initiatedBy/user/displayName",
    "initiatedBy/app/displayName",
    "targetResources",
];

const CAPS: Capabilities<'static> = Capabilities {
    filterable: FILTERABLE,
    orderable: &["activityDateTime", "activityDisplayName"],
    expandable: &[],
    selectable: &[
        "id",
        "category",
        "correlationId",
        "result",
        "resultReason",
        "activityDisplayName",
        "activityDateTime",
        "loggedByService",
        "operationType",
        "initiatedBy",
        "targetResources",
        "additionalDetails",
    ],
    count: true,
    max_top: 999,
    default_page: 100,
};

/// `{"days": N}` (absent: keep everything).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RetentionBody {
    days: Option<u32>,
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let mut r = Routes::new().put(
        "/v1.0/pim/auditRetention",
        "Set how long audit records stay visible",
        set_retention::<S>,
    );
    for v in VERSIONS {
        r = r
            .get(
                &format!("/{v}/{CONTEXT}"),
                "The audit log (directoryAudit)",
                records::<S>,
            )
            .get(
                &format!("/{v}/{CONTEXT}/{{id}}"),
                "One audit record",
                record::<S>,
            );
    }
    r
}

/// The records the caller may read, narrowed by the non-OData parameters; Graph-shaped.
async fn readable<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    caller: &Caller,
    url: &GraphUrl,
) -> Result<Vec<Value>, ApiError> {
    let filter = AuditFilter {
        principal_id: s
            .readable_by(caller, url.param("principalId"))
            .await?
            .map(Into::into),
        role_definition_id: url.param("roleDefinitionId").map(Into::into),
        activity: url.param("activity"),
        since: instant("since", url.param("since"))?,
        until: instant("until", url.param("until"))?,
    };
    let (records, names) = s
        .with_reader(move |svc, now| {
            let QueryResult::Audit(list) = svc.query(&Query::Audit(filter), now)? else {
                return Ok((Vec::new(), graph::Names::default()));
            };
            let ids = mentioned(&list);
            Ok((list, super::odata::names(svc, ids, now)?))
        })
        .await?;
    Ok(records
        .iter()
        .map(|a| graph::directory_audit(a, &names))
        .collect())
}

/// Every principal a batch of records mentions, once.
fn mentioned(records: &[AuditRecord]) -> Vec<pim_core::PrincipalId> {
    let mut ids: Vec<_> = records
        .iter()
        .flat_map(|a| [a.initiated_by.clone(), a.target_principal_id.clone()])
        .flatten()
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// `GET …/auditLogs/directoryAudits`.
async fn records<S: Store + 'static>(
    State(s): Shared<S>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&CAPS)?;
    let items = readable(&s, &caller, &url).await?;
    Ok(url.collection(CONTEXT, items, &opts, &CAPS))
}

/// `GET …/auditLogs/directoryAudits/{id}`.
async fn record<S: Store + 'static>(
    State(s): Shared<S>,
    Path(id): Path<String>,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let opts = url.options(&CAPS)?;
    let found = readable(&s, &caller, &url)
        .await?
        .into_iter()
        .find(|v| v["id"] == id.as_str())
        .ok_or_else(|| ApiError::NotFound(format!("no directory audit `{id}`")))?;
    Ok(url.selected(CONTEXT, found, &opts))
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
