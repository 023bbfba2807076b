//! `ApiError`: every way a request fails, each with its status and Graph's error body
//! `{"error": {"code": …, "message": …}}`.

use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pim_core::{DecisionError, ErrorCode};
use serde_json::json;

use super::auth::jwt::JwtError;
use crate::service::ServiceError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization: Bearer …` header (401).
    #[error("a bearer token is required")]
    MissingToken,
    /// A bearer token no configured caller has (401).
    #[error("unknown bearer token")]
    UnknownToken,
    /// A token whose principal the directory does not know (403).
    #[error("the caller `{0}` is not in the directory")]
    UnknownPrincipal(String),
    /// The caller may not read these objects (403): they are neither an administrator nor a
    /// reader, and the objects are not theirs.
    #[error("the caller may not read {0}")]
    Forbidden(&'static str),
    /// An `Authorization` header that is not exactly `Bearer <token>` (401).
    #[error("the Authorization header must be `Bearer <token>`, with one space")]
    MalformedAuthorization,
    /// An access token that failed validation (401); the reason is safe to tell.
    #[error("access token refused: {0}")]
    InvalidToken(#[from] JwtError),
    /// The caller made too many writes (429); retry after `retry_after` seconds.
    #[error("too many writes: retry after {retry_after} seconds")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// A body (or a command built from one) that does not fit the wire shapes (400).
    #[error(transparent)]
    Malformed(#[from] serde_json::Error),
    /// A query parameter or path segment that does not parse (400).
    #[error("`{field}`: {reason}")]
    Field {
        /// The parameter, in Graph's spelling.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The engine refused the command: 403, 404, 409 or 400 by its code; the body is the
    /// refusal itself.
    #[error("{}: {}", .0.code, .0.message)]
    Refused(DecisionError),
    /// The service failed: the caller's input (400) or the host (500).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The worker thread running a service call failed (500).
    #[error(transparent)]
    Worker(#[from] tokio::task::JoinError),
    /// An OData query option that does not parse or is not supported here (400 `BadRequest`).
    #[error("{0}")]
    Query(String),
    /// No such object (404 `ResourceNotFound`); the text names it.
    #[error("{0}")]
    NotFound(String),
    /// A Graph request the host does not accept, with Graph's status and code (e.g. 400
    /// `BadRequest` for a duration that is not ISO 8601).
    #[error("{message}")]
    Graph {
        /// The status.
        status: StatusCode,
        /// Graph's code.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A write to a host serving read-only (`serve --read-only`): 403 `readOnlyHost`.
    #[error(
        "this host serves a read-only copy of the log and refuses every write; send writes to a writing host"
    )]
    ReadOnlyHost,
}

/// The code of a write refused because the log failed verification (503).
pub const LOG_INTEGRITY: &str = "logIntegrity";
/// The code of a write refused by a read-only host (403).
pub const READ_ONLY_HOST: &str = "readOnlyHost";

/// What a handler answers.
pub type ApiResult = Result<Response, ApiError>;

impl ApiError {
    /// A refused read of `what` by `access`'s principal, logged (reads are not events: a
    /// flood of them must not grow the log).
    pub fn forbidden(access: &pim_core::Access, what: &'static str) -> Self {
        tracing::warn!(caller = %access.principal_id, what, "refused: not the caller's to read");
        ApiError::Forbidden(what)
    }

    /// A path segment or query parameter `field` that does not parse.
    pub fn field(field: &'static str, reason: impl ToString) -> Self {
        ApiError::Field {
            field,
            reason: reason.to_string(),
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingToken
            | ApiError::UnknownToken
            | ApiError::MalformedAuthorization
            | ApiError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::UnknownPrincipal(_) | ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Malformed(_) | ApiError::Field { .. } => StatusCode::BAD_REQUEST,
            ApiError::Refused(e) => refusal_status(e.code),
            ApiError::Service(ServiceError::Clock(_)) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Service(e) if e.is_invalid_request() => StatusCode::BAD_REQUEST,
            ApiError::Service(e) if e.broken_at().is_some() => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Service(e) if e.is_read_only() => StatusCode::FORBIDDEN,
            ApiError::ReadOnlyHost => StatusCode::FORBIDDEN,
            ApiError::Query(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Graph { status, .. } => *status,
            ApiError::Service(_) | ApiError::Worker(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Graph's error code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MissingToken
            | ApiError::UnknownToken
            | ApiError::MalformedAuthorization
            | ApiError::InvalidToken(_) => "InvalidAuthenticationToken",
            ApiError::TooManyRequests { .. } => "TooManyRequests",
            ApiError::UnknownPrincipal(_) | ApiError::Forbidden(_) => "Authorization_RequestDenied",
            ApiError::Refused(e) => e.code.as_str(),
            ApiError::Malformed(_) | ApiError::Field { .. } => ErrorCode::InvalidRequest.as_str(),
            // The host's clock is not trusted, so it writes nothing (docs/semantics.md).
            ApiError::Service(ServiceError::Clock(_)) => "clockUntrusted",
            ApiError::Service(e) if e.is_invalid_request() => ErrorCode::InvalidRequest.as_str(),
            ApiError::Service(e) if e.broken_at().is_some() => LOG_INTEGRITY,
            ApiError::Service(e) if e.is_read_only() => READ_ONLY_HOST,
            ApiError::ReadOnlyHost => READ_ONLY_HOST,
            ApiError::Query(_) => "BadRequest",
            ApiError::NotFound(_) => "ResourceNotFound",
            ApiError::Graph { code, .. } => code,
            ApiError::Service(_) | ApiError::Worker(_) => "HostError",
        }
    }

    /// The error body's message.
    fn message(&self) -> String {
        match self {
            ApiError::Refused(e) => e.message.clone(),
            ApiError::Service(e) => e.invalid_message().unwrap_or_else(|| e.to_string()),
            other => other.to_string(),
        }
    }
}

/// The status of a refusal with `code`.
fn refusal_status(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::AuthorizationFailed => StatusCode::FORBIDDEN,
        ErrorCode::RoleAssignmentDoesNotExist => StatusCode::NOT_FOUND,
        ErrorCode::RoleAssignmentExists | ErrorCode::PendingRoleAssignmentRequest => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let request_id = super::request_id::current().unwrap_or_default();
        let body = match &self {
            // A refusal is its own body: code, failed rules and message.
            ApiError::Refused(e) => json!({ "error": e }),
            // A host failure's detail is for the log; the caller gets the request id to quote.
            other if status == StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(request_id = %request_id, error = %other, "host error");
                json!({ "error": {
                    "code": other.code(),
                    "message": "the host failed to answer; quote the request id to its operator",
                } })
            }
            other => json!({ "error": { "code": other.code(), "message": other.message() } }),
        };
        let mut body = body;
        body["error"]["innerError"] = super::request_id::inner_error();
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            // RFC 6750 §3: a challenge on every 401; `invalid_token` when one was sent.
            ApiError::MissingToken => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ if status == StatusCode::UNAUTHORIZED => {
                headers.insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            ApiError::TooManyRequests { retry_after } => {
                headers.insert(RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_answers_the_status_its_code_calls_for() {
        let status = |code| ApiError::Refused(DecisionError::new(code, "no")).status();
        assert_eq!(
            status(ErrorCode::AuthorizationFailed),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(ErrorCode::RoleAssignmentDoesNotExist),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status(ErrorCode::RoleAssignmentExists),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status(ErrorCode::PendingRoleAssignmentRequest),
            StatusCode::CONFLICT
        );
        assert_eq!(status(ErrorCode::InvalidRequest), StatusCode::BAD_REQUEST);
        assert_eq!(
            status(ErrorCode::RoleAssignmentRequestPolicyValidationFailed),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn a_guest_refusal_is_the_callers_fault_unless_an_event_did_not_fit() {
        use crate::guest::GuestError;
        let refused = |code: &str| {
            ApiError::Service(ServiceError::Guest(GuestError::Refused {
                code: code.into(),
                message: "bad".into(),
            }))
        };
        let input = refused("InvalidRequest");
        assert_eq!(
            (input.status(), input.code()),
            (StatusCode::BAD_REQUEST, "InvalidRequest")
        );
        assert_eq!(input.message(), "bad");
        let apply = refused("ApplyError");
        assert_eq!(
            (apply.status(), apply.code()),
            (StatusCode::INTERNAL_SERVER_ERROR, "HostError")
        );
        assert_eq!(apply.message(), "ApplyError: bad");
    }

    #[tokio::test]
    async fn a_host_failure_answers_a_request_id_not_its_internal_message() {
        use axum::body::to_bytes;
        let failure = ApiError::Service(ServiceError::OutOfStep { guest: 7, store: 9 });
        let response =
            super::super::request_id::scoped("req-1", async move { failure.into_response() }).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "HostError", "{body}");
        assert_eq!(body["error"]["innerError"]["request-id"], "req-1", "{body}");
        assert!(!body.to_string().contains("guest holds"), "{body}");
    }

    #[test]
    fn a_missing_token_is_a_401_with_graphs_code() {
        let e = ApiError::MissingToken;
        assert_eq!(e.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(e.code(), "InvalidAuthenticationToken");
        assert_eq!(e.message(), "a bearer token is required");
    }

    #[test]
    fn every_401_carries_a_bearer_challenge_and_a_429_says_when_to_retry() {
        let challenge = |e: ApiError| {
            let r = e.into_response();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            r.headers()[WWW_AUTHENTICATE].clone()
        };
        assert_eq!(challenge(ApiError::MissingToken), "Bearer");
        for e in [
            ApiError::UnknownToken,
            ApiError::MalformedAuthorization,
            ApiError::InvalidToken(JwtError::Expired),
        ] {
            assert_eq!(challenge(e), "Bearer error=\"invalid_token\"");
        }
        let r = ApiError::TooManyRequests { retry_after: 7 }.into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[RETRY_AFTER], "7");
        let e = ApiError::InvalidToken(JwtError::Audience);
        assert_eq!(e.code(), "InvalidAuthenticationToken");
        assert_eq!(e.message(), "access token refused: wrong audience");
    }
}
