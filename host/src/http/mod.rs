//! The HTTP JSON API, shaped like Microsoft Graph's PIM endpoints (`/v1.0/...`), over one
//! [`Service`](crate::service::Service). Callers are identified by bearer tokens from a config
//! file or by JWT access tokens from an OpenID Connect issuer ([`auth`]); each caller's writes
//! are rate-limited.
//!
//! The role-management, policy and audit routes are served under `/v1.0` and `/beta` alike;
//! approvals and alerts only under `/beta`, where Graph has them; access reviews and pim's own
//! routes under `/v1.0`. Collections take OData query options (module `odata`) and answer Graph's
//! envelope (`@odata.context`, `value`, `@odata.nextLink`, `@odata.count`). docs/graph-api.md
//! lists every operation.
//!
//! | method and path | what |
//! | --- | --- |
//! | `GET, POST …/roleManagement/directory/role{Assignment,Eligibility}ScheduleRequests` | list (readers), create |
//! | `GET …/role{Assignment,Eligibility}ScheduleRequests/{id}` and `/filterByCurrentUser(on='principal')` | a request; the caller's |
//! | `POST …/role{Assignment,Eligibility}ScheduleRequests/{id}/cancel` | cancel |
//! | `GET …/role{Eligibility,Assignment}Schedules[/{id}]`, `…ScheduleInstances[/{id}]`, `…/filterByCurrentUser(on='principal')` | schedules and instances |
//! | `GET …/roleManagement/directory/roleAssignments[/{id}]`, `…/roleDefinitions[/{id}]` | active grants, roles |
//! | `GET …/policies/roleManagementPolicies[/{id}[/rules[/{ruleId}]]]` | role settings |
//! | `PATCH …/policies/roleManagementPolicies/{id}/rules/{ruleId}` | change one rule |
//! | `GET …/policies/roleManagementPolicyAssignments[/{id}]` | which policy governs which role |
//! | `GET /beta/roleManagement/directory/roleAssignmentApprovals/{id}[/steps[/{stepId}]]`, `…/filterByCurrentUser(on='approver')` | approvals |
//! | `PATCH /beta/roleManagement/directory/roleAssignmentApprovals/{id}/steps/{stepId}` | approve or deny |
//! | `GET …/auditLogs/directoryAudits[/{id}]` | audit (administrators and readers see all) |
//! | `GET  /v1.0/me/eligibleRoles` | what the caller may activate |
//! | `GET  /v1.0/pim/check?principalId=&roleDefinitionId=&directoryScopeId=` | the gateway question |
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
//! | `GET  /v1.0/pim/events?after=N` | the committed events after `N`, as server-sent events (module `events`) |
//! | `PUT  /v1.0/pim/auditRetention` | `{"days": N}` audit retention |
//! | `GET  /v1.0/me`, `GET /v1.0/directoryObjects` | the caller; the directory (readers) |
//! | `GET  /`, `/console/{file}`, `/console/sign-in` | the console (module `console`): static files, no token |
//! | `GET  /healthz` | liveness, the log's head, the database and its follower, whether the host's clock is trusted |
//! | `GET  /openapi.json` | the OpenAPI document of every route (module `openapi`) |
//! | `GET  /metrics` | Prometheus metrics, with the config's scrape token (module `metrics`) |
//!
//! Every other path is 404 `ResourceNotFound` and every other method on a known path 405
//! `MethodNotAllowed`, with Graph's error body.
//!
//! A read-only host (`serve --read-only`) answers every method but `GET`, `HEAD` and `OPTIONS`
//! with 403 `readOnlyHost` ([`refuse_writes`]), before authentication and before any handler.
//!
//! Each resource is a module with its routes and named handlers; [`router`] merges them. A
//! handler extracts its input (the caller through [`Caller`] or [`WithBody`]), calls the
//! service through [`AppState`], and answers; every failure is an [`ApiError`].

mod access;
mod access_reviews;
mod alerts;
mod answer;
mod approvals;
mod audit;
pub mod auth;
mod check;
mod config;
mod console;
mod directory;
mod eligible_roles;
mod error;
mod events;
mod extract;
mod forward_auth;
mod health;
mod metrics;
mod notifications;
mod odata;
mod openapi;
mod policies;
mod rate_limit;
mod request_id;
mod role_definitions;
mod schedule_requests;
mod schedules;
mod state;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};

pub use config::{
    ConfigError, ConfigProblem, ForwardAuthConfig, ForwardRoute, MetricsConfig, OidcConfig,
    RateLimitConfig, ServerConfig, TokenEntry,
};
pub use error::{ApiError, ApiResult};
pub use extract::{Caller, WithBody};
pub use state::AppState;

use crate::store::Store;

/// The Graph versions every Graph route is served under.
const VERSIONS: [&str; 2] = ["v1.0", "beta"];

/// The state handlers extract.
type Shared<S> = State<Arc<AppState<S>>>;

use openapi::Routes;

/// The API's routes over `state`; bodies over `max_body` bytes are refused (413).
pub fn router<S: Store + 'static>(state: Arc<AppState<S>>, max_body: usize) -> Router {
    let read_only = state.is_read_only();
    let (routes, operations) = Routes::new()
        .merge(schedule_requests::routes())
        .merge(schedules::routes())
        .merge(role_definitions::routes())
        .merge(approvals::routes())
        .merge(policies::routes())
        .merge(eligible_roles::routes())
        .merge(check::routes())
        .merge(forward_auth::routes())
        .merge(audit::routes())
        .merge(alerts::routes())
        .merge(access_reviews::routes())
        .merge(notifications::routes())
        .merge(events::routes())
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(directory::routes())
        .merge(console::routes())
        .into_parts();
    let mut operations = operations;
    operations.push(openapi::Operation {
        method: axum::http::Method::GET,
        path: "/openapi.json".into(),
        summary: "This API's OpenAPI document",
    });
    let document = Arc::new(openapi::document(&operations));
    let routes = routes
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let document = document.clone();
                async move { axum::Json((*document).clone()) }
            }),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let routes = if read_only {
        routes.layer(axum::middleware::from_fn(refuse_writes))
    } else {
        routes
    };
    routes
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(request_id::stamp))
        .with_state(state)
}

/// On a read-only host: every request that could write (any method but `GET`, `HEAD` and
/// `OPTIONS`) is 403 `readOnlyHost`; reads go on.
pub async fn refuse_writes(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    use axum::response::IntoResponse;
    // A forward-auth check is a read whatever method the proxy passes on.
    if [Method::GET, Method::HEAD, Method::OPTIONS].contains(req.method())
        || forward_auth::is_forward_auth(req.uri().path())
    {
        next.run(req).await
    } else {
        ApiError::ReadOnlyHost.into_response()
    }
}

/// A path no route serves: 404 `ResourceNotFound`, naming the path.
async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!(
        "Resource not found for the segment '{}'",
        uri.path()
    ))
}

/// A known path asked with a method it does not serve: 405 `MethodNotAllowed`.
async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::Graph {
        status: axum::http::StatusCode::METHOD_NOT_ALLOWED,
        code: "MethodNotAllowed",
        message: format!("{method} is not allowed on '{}'", uri.path()),
    }
}
