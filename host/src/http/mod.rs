//! The HTTP JSON API, shaped like Microsoft Graph's PIM endpoints (`/v1.0/...`), over one
//! [`Service`](crate::service::Service). Callers are identified by bearer tokens from a config
//! file or by JWT access tokens from an OpenID Connect issuer ([`auth`]); each caller's writes
//! are rate-limited.
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
//! | `GET  /healthz` | liveness, the log's head and whether the host's clock is trusted |
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
mod eligible_roles;
mod error;
mod extract;
mod health;
mod notifications;
mod policies;
mod rate_limit;
mod request_id;
mod schedule_requests;
mod state;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};

pub use config::{
    ConfigError, ConfigProblem, OidcConfig, RateLimitConfig, ServerConfig, TokenEntry,
};
pub use error::{ApiError, ApiResult};
pub use extract::{Caller, WithBody};
pub use state::AppState;

use crate::store::Store;

/// Graph's directory role-management prefix.
const DIRECTORY: &str = "/v1.0/roleManagement/directory";

/// The state handlers extract.
type Shared<S> = State<Arc<AppState<S>>>;

/// A resource's routes, before the state is attached.
type Routes<S> = Router<Arc<AppState<S>>>;

/// The API's routes over `state`; bodies over `max_body` bytes are refused (413).
pub fn router<S: Store + 'static>(state: Arc<AppState<S>>, max_body: usize) -> Router {
    let read_only = state.is_read_only();
    let routes = Router::new()
        .merge(schedule_requests::routes())
        .merge(approvals::routes())
        .merge(policies::routes())
        .merge(eligible_roles::routes())
        .merge(check::routes())
        .merge(audit::routes())
        .merge(alerts::routes())
        .merge(access_reviews::routes())
        .merge(notifications::routes())
        .merge(health::routes());
    let routes = if read_only {
        routes.layer(axum::middleware::from_fn(refuse_writes))
    } else {
        routes
    };
    routes
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
    if [Method::GET, Method::HEAD, Method::OPTIONS].contains(req.method()) {
        next.run(req).await
    } else {
        ApiError::ReadOnlyHost.into_response()
    }
}
