//! Schedule requests: `roleAssignmentScheduleRequests` (activations, assignments) and
//! `roleEligibilityScheduleRequests` (eligibilities): list (readers), create, by id,
//! `filterByCurrentUser(on='principal')`, cancel.
//!
//! A created request gets a GUID, as in Graph, unless the body brings its own `id` (a client
//! that retries a POST with the same id cannot create the request twice); the read-only
//! properties a client sends back (`status`, `createdDateTime`, `completedDateTime`,
//! `approvalId`, `createdBy`, `@odata.*`) are ignored, as OData asks of a service for
//! properties a client may not set (docs/graph-api.md).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use pim_core::wire::{RequestKind, ScheduleRequestBody};
use pim_core::{Command, Decision, Query, QueryResult, RequestFilter, RequestRecord};
use pim_odata::{Capabilities, QueryOptions};
use serde_json::{Map, Value, json};

use super::answer::no_content;
use super::extract::{Caller, WithBody, edm_duration};
use super::odata::{self, GraphUrl};
use super::{ApiError, ApiResult, AppState, Routes, Shared, VERSIONS};
use crate::graph;
use crate::store::Store;

const FILTERABLE: &[&str] = &[
    "id",
    "status",
    "action",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "createdDateTime",
    "completedDateTime",
    "approvalId",
    "targetScheduleId",
    "createdBy/user/id",
    "justification",
];

const CAPS: Capabilities<'static> = Capabilities {
    filterable: FILTERABLE,
    orderable: FILTERABLE,
    expandable: &["principal", "roleDefinition"],
    selectable: &[
        "id",
        "status",
        "action",
        "principalId",
        "roleDefinitionId",
        "directoryScopeId",
        "appScopeId",
        "justification",
        "scheduleInfo",
        "ticketInfo",
        "createdBy",
        "createdDateTime",
        "completedDateTime",
        "approvalId",
        "customData",
        "isValidationOnly",
        "targetScheduleId",
        "principal",
        "roleDefinition",
        "directoryScope",
        "appScope",
        "activatedUsing",
        "targetSchedule",
    ],
    count: true,
    max_top: 999,
    default_page: 100,
};

/// Properties of a request a client may send back but not set.
const READ_ONLY: &[&str] = &[
    "status",
    "createdDateTime",
    "completedDateTime",
    "approvalId",
    "createdBy",
    "@odata.context",
    "@odata.etag",
];

fn segment(kind: RequestKind) -> &'static str {
    if kind == RequestKind::Assignment {
        "roleAssignmentScheduleRequests"
    } else {
        "roleEligibilityScheduleRequests"
    }
}

fn graph_type(kind: RequestKind) -> &'static str {
    if kind == RequestKind::Assignment {
        "microsoft.graph.unifiedRoleAssignmentScheduleRequest"
    } else {
        "microsoft.graph.unifiedRoleEligibilityScheduleRequest"
    }
}

fn context(kind: RequestKind) -> String {
    format!("roleManagement/directory/{}", segment(kind))
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let mut r = Routes::new();
    for version in VERSIONS {
        for kind in [RequestKind::Assignment, RequestKind::Eligibility] {
            let path = format!("/{version}/roleManagement/directory/{}", segment(kind));
            r = r
                .get(
                    &path,
                    "The schedule requests",
                    move |State(s): Shared<S>, url: GraphUrl, caller: Caller| {
                        list(s, kind, url, caller)
                    },
                )
                .post(
                    &path,
                    "Create a schedule request (Graph body)",
                    move |State(s): Shared<S>, url: GraphUrl, req: WithBody| {
                        create(s, kind, url, req)
                    },
                )
                .get(
                    &format!("{path}/{{id}}"),
                    "A request, or filterByCurrentUser(on='principal')",
                    move |State(s): Shared<S>,
                          Path(id): Path<String>,
                          url: GraphUrl,
                          caller: Caller| { item(s, kind, id, url, caller) },
                )
                .post(
                    &format!("{path}/{{id}}/cancel"),
                    "Cancel a pending request",
                    move |State(s): Shared<S>, Path(id): Path<String>, caller: Caller| {
                        cancel(s, kind, id, caller)
                    },
                );
        }
    }
    r
}

/// `GET …/{requests}`: every request of the kind, to a caller who reads all.
async fn list<S: Store + 'static>(
    s: Arc<AppState<S>>,
    kind: RequestKind,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let mut opts = url.options(&CAPS)?;
    s.reader(&caller, "every request (use filterByCurrentUser)")
        .await?;
    // No filter is pushed down to the core: `$filter` compares strings ignoring case, the
    // core's ids do not.
    let filter = RequestFilter {
        kind: Some(kind),
        principal_id: None,
    };
    let items = shaped(&s, filter, &opts).await?;
    odata::keep_expanded(&mut opts);
    Ok(url.collection(&context(kind), items, &opts, &CAPS))
}

/// `GET …/{id}`: a request as it stands, to a caller who reads all requests or is involved in
/// it; or `filterByCurrentUser(on='principal')`: the requests for the caller.
async fn item<S: Store + 'static>(
    s: Arc<AppState<S>>,
    kind: RequestKind,
    id: String,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let mut opts = url.options(&CAPS)?;
    let access = s.access(&caller).await?;
    if let Some(on) = odata::filter_by_current_user(&id) {
        if on != "principal" {
            return Err(ApiError::Query(format!(
                "filterByCurrentUser: `on` must be 'principal', not '{on}'"
            )));
        }
        let filter = RequestFilter {
            kind: Some(kind),
            principal_id: Some(access.principal_id.clone()),
        };
        let items = shaped(&s, filter, &opts).await?;
        odata::keep_expanded(&mut opts);
        let fragment = format!("Collection({})", graph_type(kind));
        return Ok(url.collection(&fragment, items, &opts, &CAPS));
    }
    let record = request(&s, &id).await?;
    if record.kind != kind {
        return Err(ApiError::NotFound(format!(
            "no {} with id `{id}`",
            segment(kind)
        )));
    }
    if !s.may_read_request(&access, &record).await? {
        return Err(ApiError::forbidden(&access, "this request"));
    }
    let names = names(&s, &record).await?;
    let mut v = graph::request(&record, &names);
    let about = (
        record.principal_id.as_str(),
        record.role_definition_id.as_str(),
    );
    odata::Expansions::of(&opts).fill(&mut v, about, &names);
    Ok(url.selected(&context(kind), v, &opts))
}

/// A request by id; an unknown id is 404 `ResourceNotFound`.
pub(super) async fn request<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    id: &str,
) -> Result<RequestRecord, ApiError> {
    let q = Query::Request {
        request_id: id.into(),
    };
    match s.query(q).await {
        Ok(QueryResult::Request(r)) => Ok(*r),
        Ok(_) => Err(ApiError::NotFound(format!("no request with id `{id}`"))),
        Err(ApiError::Service(e)) if e.is_invalid_request() => {
            Err(ApiError::NotFound(format!("no request with id `{id}`")))
        }
        Err(e) => Err(e),
    }
}

/// The display names a request's shape needs.
pub(super) async fn names<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    r: &RequestRecord,
) -> Result<graph::Names, ApiError> {
    let mut ids = vec![r.principal_id.clone()];
    ids.extend(r.created_by.clone());
    ids.extend(
        r.approval_steps
            .iter()
            .filter_map(|st| st.reviewed_by.clone()),
    );
    s.with_reader(move |svc, now| odata::names(svc, ids, now))
        .await
}

/// The requests `filter` lists, in Graph's shape; one reader call.
async fn shaped<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    filter: RequestFilter,
    opts: &QueryOptions,
) -> Result<Vec<Value>, ApiError> {
    let expansions = odata::Expansions::of(opts);
    let (records, names) = s
        .with_reader(move |svc, now| {
            let QueryResult::Requests(list) = svc.query(&Query::Requests(filter), now)? else {
                return Ok((Vec::new(), graph::Names::default()));
            };
            let mut ids: Vec<_> = list.iter().map(|r| r.principal_id.clone()).collect();
            ids.extend(list.iter().filter_map(|r| r.created_by.clone()));
            Ok((list, odata::names(svc, ids, now)?))
        })
        .await?;
    Ok(records
        .iter()
        .map(|r| {
            let mut v = graph::request(r, &names);
            let about = (r.principal_id.as_str(), r.role_definition_id.as_str());
            expansions.fill(&mut v, about, &names);
            v
        })
        .collect())
}

/// `POST …/{requests}`: a Graph request body; 201 with the request as Graph shapes it.
async fn create<S: Store + 'static>(
    s: Arc<AppState<S>>,
    kind: RequestKind,
    url: GraphUrl,
    WithBody { caller, body }: WithBody,
) -> ApiResult {
    let parsed = request_body(&body)?;
    let validation_only = parsed.is_validation_only;
    let echo = parsed.clone();
    let command = Command::Request {
        kind,
        body: Box::new(parsed),
    };
    let decision = s.submit(caller.0.clone(), command).await?;
    match decision.request.clone() {
        Some(r) => {
            let names = names(&s, &r).await?;
            Ok(url.created(&context(kind), graph::request(&r, &names)))
        }
        None if validation_only => Ok(url.created(&context(kind), evaluated(&echo, &decision))),
        None => Ok(no_content()),
    }
}

/// The request a validation-only body would make, as Graph answers it: the body, the status
/// and the window the engine decided, and `isValidationOnly: true`.
fn evaluated(body: &ScheduleRequestBody, d: &Decision) -> Value {
    let (directory, app) = match &body.app_scope_id {
        Some(app) => (Value::Null, json!(app)),
        None => (
            json!(body.directory_scope_id.as_deref().unwrap_or("/")),
            Value::Null,
        ),
    };
    let end = d.end_date_time.as_ref().map(pim_core::time::format_instant);
    let asked = body
        .schedule_info
        .as_ref()
        .and_then(|i| i.expiration.as_ref())
        .filter(|e| e.kind == Some(pim_core::wire::ExpirationType::AfterDuration))
        .and_then(|e| e.duration);
    json!({
        "id": body.id, "status": d.status, "action": body.action,
        "principalId": body.principal_id, "roleDefinitionId": body.role_definition_id,
        "directoryScopeId": directory, "appScopeId": app,
        "justification": body.justification, "isValidationOnly": true,
        "targetScheduleId": body.target_schedule_id, "approvalId": null,
        "scheduleInfo": {
            "startDateTime": d.start_date_time.as_ref().map(pim_core::time::format_instant),
            "recurrence": null,
            "expiration": match (asked, end) {
                (Some(d), _) => json!({ "type": "afterDuration", "endDateTime": null, "duration": d }),
                (None, Some(e)) => json!({ "type": "afterDateTime", "endDateTime": e, "duration": null }),
                (None, None) => json!({ "type": "noExpiration", "endDateTime": null, "duration": null }),
            },
        },
    })
}

/// A Graph request body as the engine takes it: read-only properties dropped, a fresh GUID
/// as its id unless it brings one, durations checked to be ISO 8601.
fn request_body(body: &Bytes) -> Result<ScheduleRequestBody, ApiError> {
    let value: Value = serde_json::from_slice(body)?;
    let Value::Object(mut fields) = value else {
        return Err(ApiError::field("body", "the body must be a request object"));
    };
    for key in READ_ONLY {
        fields.remove(*key);
    }
    iso_duration(&fields)?;
    if fields.get("id").is_none_or(Value::is_null) {
        fields.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    }
    Ok(serde_json::from_value(Value::Object(fields))?)
}

/// Refuses a `scheduleInfo.expiration.duration` that is not ISO 8601, as Graph does.
fn iso_duration(fields: &Map<String, Value>) -> Result<(), ApiError> {
    let duration = fields
        .get("scheduleInfo")
        .and_then(|i| i.get("expiration"))
        .and_then(|e| e.get("duration"))
        .and_then(Value::as_str);
    edm_duration(duration)
}

/// `POST …/{id}/cancel`: the requester cancels a pending request.
async fn cancel<S: Store + 'static>(
    s: Arc<AppState<S>>,
    kind: RequestKind,
    request_id: String,
    caller: Caller,
) -> ApiResult {
    if request(&s, &request_id).await?.kind != kind {
        return Err(ApiError::NotFound(format!(
            "no {} with id `{request_id}`",
            segment(kind)
        )));
    }
    s.submit(
        caller.0,
        Command::Cancel {
            request_id: request_id.into(),
        },
    )
    .await?;
    Ok(no_content())
}
