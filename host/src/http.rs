//! The HTTP JSON API, shaped like Microsoft Graph's PIM endpoints (`/v1.0/...`), over one
//! [`Service`]. Callers are identified by bearer tokens from a config file.
//!
//! | method and path | what |
//! | --- | --- |
//! | `POST /v1.0/roleManagement/directory/roleAssignmentScheduleRequests` | activation, assignment (Graph body) |
//! | `POST /v1.0/roleManagement/directory/roleEligibilityScheduleRequests` | eligibility (Graph body) |
//! | `GET  /v1.0/roleManagement/directory/role{Assignment,Eligibility}ScheduleRequests/{id}` | a request |
//! | `POST /v1.0/roleManagement/directory/role{Assignment,Eligibility}ScheduleRequests/{id}/cancel` | cancel |
//! | `GET  /v1.0/roleManagement/directory/roleAssignmentApprovals` | approvals waiting for the caller |
//! | `PATCH /v1.0/roleManagement/directory/roleAssignmentApprovals/{id}/steps/{step}` | approve or deny |
//! | `GET  /v1.0/policies/roleManagementPolicies/{roleId}/rules?scopeId=/` | role settings |
//! | `PATCH /v1.0/policies/roleManagementPolicies/{roleId}/rules/{ruleId}?scopeId=/` | change one rule |
//! | `GET  /v1.0/me/eligibleRoles` | what the caller may activate |
//! | `GET  /v1.0/pim/check?principalId=&roleDefinitionId=&directoryScopeId=` | the gateway question |
//! | `GET  /v1.0/auditLogs/directoryAudits?principalId=&since=` | audit (administrators see all) |
//! | `GET  /beta/roleManagement/directory/roleManagementAlerts/alerts` | security alerts |
//! | `PATCH /beta/roleManagement/directory/roleManagementAlerts/alertConfigurations/{alertId}` | configure an alert |
//! | `PATCH /beta/roleManagement/directory/roleManagementAlerts/alerts/{alertId}` | `{"isActive": false}` dismisses |
//! | `POST /beta/roleManagement/directory/roleManagementAlerts/alerts[/{alertId}]/refresh` | refresh alerts |
//! | `POST /beta/roleManagement/directory/roleManagementAlerts/alerts/{alertId}[/alertIncidents/{incidentId}]/remediate` | remediate |
//! | `POST /v1.0/identityGovernance/accessReviews/definitions` | create an access review |
//! | `GET  /v1.0/identityGovernance/accessReviews/definitions[/{id}]` | access reviews |
//! | `POST /v1.0/identityGovernance/accessReviews/definitions/{id}/decisions` | a reviewer's decision |
//! | `POST /v1.0/identityGovernance/accessReviews/definitions/{id}/{stop,reset,applyDecisions}` | stop, reset, apply |
//! | `DELETE /v1.0/identityGovernance/accessReviews/definitions/{id}` | delete a review |
//! | `GET  /v1.0/pim/notifications?since=&recipient=` | the outbox (administrators see all) |
//! | `PUT  /v1.0/pim/auditRetention` | `{"days": N}` audit retention |
//! | `GET  /healthz` | liveness and the log's head |

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query as UrlQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use pim_core::time::{Instant, parse_instant};
use pim_core::wire::RequestKind;
use pim_core::{CallContext, Command, Decision, Query, QueryResult};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::service::{Service, ServiceError};
use crate::store::Store;

/// A caller a bearer token stands for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenEntry {
    /// The secret the caller sends as `Authorization: Bearer <token>`.
    pub token: String,
    /// The principal id.
    pub principal: String,
    /// Whether sessions with this token satisfied MFA.
    #[serde(default)]
    pub mfa: bool,
    /// Authentication-context claims the session satisfied.
    #[serde(default)]
    pub auth_context: Vec<String>,
}

/// The server's config file (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerConfig {
    /// Where to listen, e.g. `127.0.0.1:8080`.
    #[serde(default)]
    pub listen: Option<String>,
    /// The callers.
    #[serde(default)]
    pub tokens: Vec<TokenEntry>,
}

impl ServerConfig {
    /// Reads a config file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// What the handlers share.
pub struct AppState<S: Store> {
    /// The instance that decides and commits.
    service: Mutex<Service<S>>,
    /// Instances that answer queries, each over its own connection to the same log; they catch
    /// up with the log before every answer. Empty: the writer answers too.
    readers: Vec<Mutex<Service<S>>>,
    next_reader: std::sync::atomic::AtomicUsize,
    clock: Arc<dyn Clock>,
    callers: HashMap<String, CallContext>,
}

impl<S: Store> AppState<S> {
    /// State over a writing service, reading services (one instance per worker; may be
    /// empty), a clock and the configured callers.
    pub fn new(
        service: Service<S>,
        readers: Vec<Service<S>>,
        clock: Arc<dyn Clock>,
        config: &ServerConfig,
    ) -> Arc<Self> {
        let callers = config
            .tokens
            .iter()
            .map(|t| {
                (
                    t.token.clone(),
                    CallContext {
                        caller: Some(t.principal.as_str().into()),
                        mfa: t.mfa,
                        auth_context: t.auth_context.clone(),
                    },
                )
            })
            .collect();
        Arc::new(AppState {
            service: Mutex::new(service),
            readers: readers.into_iter().map(Mutex::new).collect(),
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            clock,
            callers,
        })
    }

    /// Runs `f` on the service with the clock's time, off the async threads.
    pub async fn with_service<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Service<S>, Instant) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        S: 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut service = state.service.lock().unwrap_or_else(|p| p.into_inner());
            let now = state.clock.now();
            f(&mut service, now)
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(ApiError::from)
    }

    /// Runs `f` on a reader caught up with the log (the writer if there are no readers): the
    /// first idle one, else the next in turn.
    pub async fn with_reader<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Service<S>, Instant) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        S: 'static,
    {
        if self.readers.is_empty() {
            return self
                .with_service(move |s, now| {
                    s.catch_up()?;
                    f(s, now)
                })
                .await;
        }
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let n = state.readers.len();
            let start = state
                .next_reader
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let idle = (0..n).find_map(|i| state.readers.get((start + i) % n)?.try_lock().ok());
            let mut reader = match idle {
                Some(r) => r,
                // INVARIANT: `readers` is not empty here, so `start % n` is in range.
                None => state.readers[start % n]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()),
            };
            let now = state.clock.now();
            reader.catch_up()?;
            f(&mut reader, now)
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(ApiError::from)
    }
}

/// An error response: `{"error": {"code": …, "message": …}}`, Graph's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: json!({ "error": { "code": code, "message": message.into() } }),
        }
    }

    fn internal(message: String) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "HostError", message)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e.invalid_message() {
            Some(m) => ApiError::new(StatusCode::BAD_REQUEST, "InvalidRequest", m),
            None => {
                tracing::error!(error = %e, "host error");
                ApiError::internal(e.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

fn caller<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<CallContext, ApiError> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "a bearer token is required",
            )
        })?;
    state.callers.get(token.trim()).cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "unknown bearer token",
        )
    })
}

/// A decision as a response: the request record (201) or the refusal (400/403).
fn decision_response(d: Decision, created: bool) -> ApiResult {
    if let Some(e) = d.error {
        let status = match e.code.as_str() {
            "AuthorizationFailed" => StatusCode::FORBIDDEN,
            "RoleAssignmentDoesNotExist" => StatusCode::NOT_FOUND,
            "RoleAssignmentExists" | "PendingRoleAssignmentRequest" => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        };
        return Ok((status, Json(json!({ "error": e }))).into_response());
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    match d.request {
        Some(r) => Ok((status, Json(r)).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn submit<S: Store + 'static>(
    state: &Arc<AppState<S>>,
    ctx: CallContext,
    command: Command,
    created: bool,
) -> ApiResult {
    let d = state
        .with_service(move |s, now| s.submit(&command, &ctx, now))
        .await?;
    decision_response(d, created)
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "InvalidRequest", e.to_string()))
}

async fn schedule_request<S: Store + 'static>(
    state: Arc<AppState<S>>,
    headers: HeaderMap,
    kind: RequestKind,
    body: &[u8],
) -> ApiResult {
    let ctx = caller(&state, &headers)?;
    let body = parse_body(body)?;
    let command = Command::Request {
        kind,
        body: Box::new(body),
    };
    submit(&state, ctx, command, true).await
}

async fn query<S: Store + 'static>(
    state: &Arc<AppState<S>>,
    q: Query,
) -> Result<QueryResult, ApiError> {
    state.with_reader(move |s, now| s.query(&q, now)).await
}

fn value(r: QueryResult) -> Response {
    let v = match r {
        QueryResult::Check(c) => json!(c),
        QueryResult::Request(r) => json!(r),
        QueryResult::EligibleRoles(v) => json!({ "value": v }),
        QueryResult::PendingApprovals(v) => json!({ "value": v }),
        QueryResult::Audit(v) => json!({ "value": v }),
        QueryResult::Policy(v) => json!({ "value": v }),
        QueryResult::Schedules(v) => json!({ "value": v }),
        QueryResult::Alerts(v) => json!({ "value": v }),
        QueryResult::Notifications(v) => json!({ "value": v }),
        QueryResult::Reviews(v) => json!({ "value": v }),
        QueryResult::Review(r) => json!(r),
        #[allow(unreachable_patterns, reason = "the core may add results")]
        other => json!(other),
    };
    Json(v).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScopeParam {
    scope_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckParams {
    principal_id: String,
    role_definition_id: String,
    directory_scope_id: Option<String>,
    app_scope_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AuditParams {
    principal_id: Option<String>,
    role_definition_id: Option<String>,
    activity: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReviewBody {
    review_result: String,
    #[serde(default)]
    justification: Option<String>,
}

fn instant(field: &str, text: Option<String>) -> Result<Option<Instant>, ApiError> {
    text.map(|t| {
        parse_instant(&t).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                format!("`{field}`: {e}"),
            )
        })
    })
    .transpose()
}

/// Whether `me` is an active Global or Privileged Role Administrator (at `/`).
async fn is_admin<S: Store + 'static>(
    state: &Arc<AppState<S>>,
    me: &str,
) -> Result<bool, ApiError> {
    let me = me.to_owned();
    state
        .with_reader(move |svc, now| {
            Ok(svc
                .check(&me, pim_core::GLOBAL_ADMINISTRATOR, "/", now)?
                .is_active()
                || svc
                    .check(&me, pim_core::PRIVILEGED_ROLE_ADMINISTRATOR, "/", now)?
                    .is_active())
        })
        .await
}

/// Submits `command` for the caller: 204 on success, the refusal otherwise.
async fn no_content<S: Store + 'static>(
    state: &Arc<AppState<S>>,
    headers: &HeaderMap,
    command: Command,
) -> ApiResult {
    let ctx = caller(state, headers)?;
    let d = state
        .with_service(move |svc, now| svc.submit(&command, &ctx, now))
        .await?;
    if d.error.is_some() {
        return decision_response(d, false);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A wire enum (e.g. an alert id) from a path segment.
fn wire<T: serde::de::DeserializeOwned>(field: &str, text: String) -> Result<T, ApiError> {
    serde_json::from_value(Value::String(text)).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            format!("`{field}`: {e}"),
        )
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AlertPatch {
    is_active: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReviewDecisionBody {
    principal_id: String,
    decision: pim_core::review::ReviewDecision,
    #[serde(default)]
    justification: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RetentionBody {
    days: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NotificationParams {
    since: Option<String>,
    recipient: Option<String>,
}

type St<S> = State<Arc<AppState<S>>>;

/// The routes of alerts, access reviews, notifications and audit retention.
fn governance_routes<S: Store + 'static>(r: Router<Arc<AppState<S>>>) -> Router<Arc<AppState<S>>> {
    const ALERTS: &str = "/beta/roleManagement/directory/roleManagementAlerts";
    const REVIEWS: &str = "/v1.0/identityGovernance/accessReviews/definitions";
    let remediate = |alert: String, incident: Option<String>| {
        Ok::<_, ApiError>(Command::RemediateAlert {
            alert_id: wire("alertId", alert)?,
            incident_id: incident,
        })
    };
    let r = r
        .route(
            &format!("{ALERTS}/alerts"),
            get(|State(s): St<S>, h: HeaderMap| async move {
                caller(&s, &h)?;
                Ok::<_, ApiError>(value(query(&s, Query::Alerts {}).await?))
            }),
        )
        .route(
            &format!("{ALERTS}/alertConfigurations/{{alert}}"),
            patch(
                |State(s): St<S>,
                 h: HeaderMap,
                 UrlPath(alert): UrlPath<String>,
                 body: axum::body::Bytes| async move {
                    caller(&s, &h)?;
                    let command = Command::ConfigureAlert {
                        alert_id: wire("alertId", alert)?,
                        configuration: parse_body(&body)?,
                    };
                    no_content(&s, &h, command).await
                },
            ),
        )
        .route(
            &format!("{ALERTS}/alerts/{{alert}}"),
            patch(
                |State(s): St<S>,
                 h: HeaderMap,
                 UrlPath(alert): UrlPath<String>,
                 body: axum::body::Bytes| async move {
                    caller(&s, &h)?;
                    let alert_id = wire("alertId", alert)?;
                    let patch: AlertPatch = parse_body(&body)?;
                    let command = if patch.is_active {
                        Command::RefreshAlerts {
                            alert_ids: vec![alert_id],
                        }
                    } else {
                        Command::DismissAlert { alert_id }
                    };
                    no_content(&s, &h, command).await
                },
            ),
        )
        .route(
            &format!("{ALERTS}/alerts/refresh"),
            post(|State(s): St<S>, h: HeaderMap| async move {
                no_content(
                    &s,
                    &h,
                    Command::RefreshAlerts {
                        alert_ids: Vec::new(),
                    },
                )
                .await
            }),
        )
        .route(
            &format!("{ALERTS}/alerts/{{alert}}/refresh"),
            post(
                |State(s): St<S>, h: HeaderMap, UrlPath(alert): UrlPath<String>| async move {
                    caller(&s, &h)?;
                    let command = Command::RefreshAlerts {
                        alert_ids: vec![wire("alertId", alert)?],
                    };
                    no_content(&s, &h, command).await
                },
            ),
        )
        .route(
            &format!("{ALERTS}/alerts/{{alert}}/remediate"),
            post(
                move |State(s): St<S>, h: HeaderMap, UrlPath(alert): UrlPath<String>| async move {
                    caller(&s, &h)?;
                    no_content(&s, &h, remediate(alert, None)?).await
                },
            ),
        )
        .route(
            &format!("{ALERTS}/alerts/{{alert}}/alertIncidents/{{incident}}/remediate"),
            post(
                move |State(s): St<S>,
                      h: HeaderMap,
                      UrlPath((alert, incident)): UrlPath<(String, String)>| async move {
                    caller(&s, &h)?;
                    no_content(&s, &h, remediate(alert, Some(incident))?).await
                },
            ),
        );
    let r = r
        .route(
            REVIEWS,
            post(
                |State(s): St<S>, h: HeaderMap, body: axum::body::Bytes| async move {
                    let ctx = caller(&s, &h)?;
                    let definition: pim_core::review::ReviewDefinition = parse_body(&body)?;
                    let wanted = definition.id.clone();
                    let command = Command::CreateReview {
                        definition: Box::new(definition),
                    };
                    let (d, created) = s
                        .with_service(move |svc, now| {
                            let d = svc.submit(&command, &ctx, now)?;
                            if d.error.is_some() {
                                return Ok((d, None));
                            }
                            // The newest review is the one just created (one writer at a time).
                            let created = match svc.query(&Query::Reviews {}, now)? {
                                QueryResult::Reviews(v) => v
                                    .into_iter()
                                    .rev()
                                    .find(|r| wanted.as_ref().is_none_or(|w| *w == r.id)),
                                _ => None,
                            };
                            Ok((d, created))
                        })
                        .await?;
                    if d.error.is_some() {
                        return decision_response(d, true);
                    }
                    match created {
                        Some(r) => Ok((StatusCode::CREATED, Json(r)).into_response()),
                        None => Ok(StatusCode::CREATED.into_response()),
                    }
                },
            )
            .get(|State(s): St<S>, h: HeaderMap| async move {
                caller(&s, &h)?;
                Ok::<_, ApiError>(value(query(&s, Query::Reviews {}).await?))
            }),
        )
        .route(
            &format!("{REVIEWS}/{{id}}"),
            get(
                |State(s): St<S>, h: HeaderMap, UrlPath(review_id): UrlPath<String>| async move {
                    caller(&s, &h)?;
                    Ok::<_, ApiError>(value(
                        query(
                            &s,
                            Query::Review {
                                review_id: review_id.into(),
                            },
                        )
                        .await?,
                    ))
                },
            )
            .delete(
                |State(s): St<S>, h: HeaderMap, UrlPath(review_id): UrlPath<String>| async move {
                    no_content(
                        &s,
                        &h,
                        Command::DeleteReview {
                            review_id: review_id.into(),
                        },
                    )
                    .await
                },
            ),
        )
        .route(
            &format!("{REVIEWS}/{{id}}/decisions"),
            post(
                |State(s): St<S>,
                 h: HeaderMap,
                 UrlPath(review_id): UrlPath<String>,
                 body: axum::body::Bytes| async move {
                    caller(&s, &h)?;
                    let b: ReviewDecisionBody = parse_body(&body)?;
                    let command = Command::DecideReview {
                        review_id: review_id.into(),
                        principal_id: b.principal_id.into(),
                        decision: b.decision,
                        justification: b.justification,
                    };
                    no_content(&s, &h, command).await
                },
            ),
        )
        .route(
            &format!("{REVIEWS}/{{id}}/stop"),
            post(
                |State(s): St<S>, h: HeaderMap, UrlPath(review_id): UrlPath<String>| async move {
                    no_content(
                        &s,
                        &h,
                        Command::StopReview {
                            review_id: review_id.into(),
                        },
                    )
                    .await
                },
            ),
        )
        .route(
            &format!("{REVIEWS}/{{id}}/reset"),
            post(
                |State(s): St<S>, h: HeaderMap, UrlPath(review_id): UrlPath<String>| async move {
                    no_content(
                        &s,
                        &h,
                        Command::ResetReview {
                            review_id: review_id.into(),
                        },
                    )
                    .await
                },
            ),
        )
        .route(
            &format!("{REVIEWS}/{{id}}/applyDecisions"),
            post(
                |State(s): St<S>, h: HeaderMap, UrlPath(review_id): UrlPath<String>| async move {
                    no_content(
                        &s,
                        &h,
                        Command::ApplyReview {
                            review_id: review_id.into(),
                        },
                    )
                    .await
                },
            ),
        );
    r.route(
        "/v1.0/pim/notifications",
        get(
            |State(s): St<S>, h: HeaderMap, UrlQuery(p): UrlQuery<NotificationParams>| async move {
                let ctx = caller(&s, &h)?;
                let me = ctx.caller.map(String::from).unwrap_or_default();
                let admin = is_admin(&s, &me).await?;
                let q = Query::Notifications {
                    since: instant("since", p.since)?,
                    // Only administrators read other recipients' notifications.
                    recipient: if admin { p.recipient } else { Some(me) },
                };
                Ok::<_, ApiError>(value(query(&s, q).await?))
            },
        ),
    )
    .route(
        "/v1.0/pim/auditRetention",
        put(
            |State(s): St<S>, h: HeaderMap, body: axum::body::Bytes| async move {
                caller(&s, &h)?;
                let b: RetentionBody = parse_body(&body)?;
                no_content(&s, &h, Command::SetAuditRetention { days: b.days }).await
            },
        ),
    )
}

/// The API's routes over `state`.
pub fn router<S: Store + 'static>(state: Arc<AppState<S>>, max_body: usize) -> Router {
    const DIR: &str = "/v1.0/roleManagement/directory";
    let r = Router::new()
        .route(
            &format!("{DIR}/roleAssignmentScheduleRequests"),
            post(
                |State(s): State<Arc<AppState<S>>>, h: HeaderMap, body: axum::body::Bytes| async move {
                    schedule_request(s, h, RequestKind::Assignment, &body).await
                },
            ),
        )
        .route(
            &format!("{DIR}/roleEligibilityScheduleRequests"),
            post(
                |State(s): State<Arc<AppState<S>>>, h: HeaderMap, body: axum::body::Bytes| async move {
                    schedule_request(s, h, RequestKind::Eligibility, &body).await
                },
            ),
        );
    let r = [
        "roleAssignmentScheduleRequests",
        "roleEligibilityScheduleRequests",
    ]
    .into_iter()
    .fold(r, |r, kind| {
        r.route(
                &format!("{DIR}/{kind}/{{id}}"),
                get(
                    |State(s): State<Arc<AppState<S>>>,
                     h: HeaderMap,
                     UrlPath(id): UrlPath<String>| async move {
                        caller(&s, &h)?;
                        Ok::<_, ApiError>(value(
                            query(&s, Query::Request { request_id: id.into() }).await?,
                        ))
                    },
                ),
            )
            .route(
                &format!("{DIR}/{kind}/{{id}}/cancel"),
                post(
                    |State(s): State<Arc<AppState<S>>>,
                     h: HeaderMap,
                     UrlPath(id): UrlPath<String>| async move {
                        let ctx = caller(&s, &h)?;
                        let d = s
                            .with_service(move |svc, now| {
                                svc.submit(&Command::Cancel { request_id: id.into() }, &ctx, now)
                            })
                            .await?;
                        if d.error.is_some() {
                            return decision_response(d, false);
                        }
                        Ok(StatusCode::NO_CONTENT.into_response())
                    },
                ),
            )
    });
    r.route(
        &format!("{DIR}/roleAssignmentApprovals"),
        get(
            |State(s): State<Arc<AppState<S>>>, h: HeaderMap| async move {
                let ctx = caller(&s, &h)?;
                let approver_id = ctx.caller.unwrap_or_else(|| "".into());
                Ok::<_, ApiError>(value(
                    query(&s, Query::PendingApprovals { approver_id }).await?,
                ))
            },
        ),
    )
    .route(
        &format!("{DIR}/roleAssignmentApprovals/{{id}}/steps/{{step}}"),
        patch(
            |State(s): State<Arc<AppState<S>>>,
             h: HeaderMap,
             UrlPath((id, _step)): UrlPath<(String, String)>,
             body: axum::body::Bytes| async move {
                let ctx = caller(&s, &h)?;
                let review: ReviewBody = parse_body(&body)?;
                let command: Command = serde_json::from_value(json!({
                    "op": "decide", "requestId": id, "reviewResult": review.review_result,
                    "justification": review.justification,
                }))
                .map_err(|e| {
                    ApiError::new(StatusCode::BAD_REQUEST, "InvalidRequest", e.to_string())
                })?;
                let d = s
                    .with_service(move |svc, now| svc.submit(&command, &ctx, now))
                    .await?;
                if d.error.is_some() {
                    return decision_response(d, false);
                }
                Ok(StatusCode::NO_CONTENT.into_response())
            },
        ),
    )
    .route(
        "/v1.0/policies/roleManagementPolicies/{role}/rules",
        get(
            |State(s): State<Arc<AppState<S>>>,
             h: HeaderMap,
             UrlPath(role): UrlPath<String>,
             UrlQuery(p): UrlQuery<ScopeParam>| async move {
                caller(&s, &h)?;
                let q = Query::Policy {
                    role_definition_id: role.into(),
                    scope_id: p.scope_id.map(Into::into),
                };
                Ok::<_, ApiError>(value(query(&s, q).await?))
            },
        ),
    )
    .route(
        "/v1.0/policies/roleManagementPolicies/{role}/rules/{rule}",
        patch(
            |State(s): State<Arc<AppState<S>>>,
             h: HeaderMap,
             UrlPath((role, _rule)): UrlPath<(String, String)>,
             UrlQuery(p): UrlQuery<ScopeParam>,
             body: axum::body::Bytes| async move {
                let ctx = caller(&s, &h)?;
                let rule: Value = parse_body(&body)?;
                let command: Command = serde_json::from_value(json!({
                    "op": "setPolicy", "roleDefinitionId": role,
                    "scopeId": p.scope_id.unwrap_or_else(|| "/".into()), "rules": [rule],
                }))
                .map_err(|e| {
                    ApiError::new(StatusCode::BAD_REQUEST, "InvalidRequest", e.to_string())
                })?;
                let d = s
                    .with_service(move |svc, now| svc.submit(&command, &ctx, now))
                    .await?;
                if d.error.is_some() {
                    return decision_response(d, false);
                }
                Ok(StatusCode::NO_CONTENT.into_response())
            },
        ),
    )
    .route(
        "/v1.0/me/eligibleRoles",
        get(
            |State(s): State<Arc<AppState<S>>>, h: HeaderMap| async move {
                let ctx = caller(&s, &h)?;
                let principal_id = ctx.caller.unwrap_or_else(|| "".into());
                Ok::<_, ApiError>(value(
                    query(&s, Query::EligibleRoles { principal_id }).await?,
                ))
            },
        ),
    )
    .route(
        "/v1.0/pim/check",
        get(
            |State(s): State<Arc<AppState<S>>>,
             h: HeaderMap,
             UrlQuery(p): UrlQuery<CheckParams>| async move {
                caller(&s, &h)?;
                let q = Query::Check {
                    principal_id: p.principal_id.into(),
                    role_definition_id: p.role_definition_id.into(),
                    directory_scope_id: p.directory_scope_id.map(Into::into),
                    app_scope_id: p.app_scope_id,
                };
                Ok::<_, ApiError>(value(query(&s, q).await?))
            },
        ),
    )
    .route(
        "/v1.0/auditLogs/directoryAudits",
        get(
            |State(s): State<Arc<AppState<S>>>,
             h: HeaderMap,
             UrlQuery(p): UrlQuery<AuditParams>| async move {
                let ctx = caller(&s, &h)?;
                let me = ctx.caller.clone().unwrap_or_else(|| "".into());
                let admin = is_admin(&s, &me).await?;
                let filter = pim_core::AuditFilter {
                    // Only administrators read other principals' records.
                    principal_id: if admin {
                        p.principal_id.map(Into::into)
                    } else {
                        Some(me)
                    },
                    role_definition_id: p.role_definition_id.map(Into::into),
                    activity: p.activity,
                    since: instant("since", p.since)?,
                    until: instant("until", p.until)?,
                };
                Ok::<_, ApiError>(value(query(&s, Query::Audit(filter)).await?))
            },
        ),
    )
    .merge(governance_routes(Router::new()))
    .route(
        "/healthz",
        get(|State(s): State<Arc<AppState<S>>>| async move {
            let head = s.with_service(|svc, _| Ok(svc.head())).await?;
            Ok::<_, ApiError>(Json(json!({ "status": "ok", "events": head })))
        }),
    )
    .layer(DefaultBodyLimit::max(max_body))
    .layer(axum::middleware::from_fn(log_request))
    .with_state(state)
}

async fn log_request(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
