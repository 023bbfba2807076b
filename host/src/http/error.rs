//! `ApiError`: every way a request fails, each with its status and Graph's error body
//! `{"error": {"code": …, "message": …}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pim_core::{DecisionError, ErrorCode};
use serde_json::json;

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
}

/// What a handler answers.
pub type ApiResult = Result<Response, ApiError>;

impl ApiError {
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
            ApiError::MissingToken | ApiError::UnknownToken => StatusCode::UNAUTHORIZED,
            ApiError::Malformed(_) | ApiError::Field { .. } => StatusCode::BAD_REQUEST,
            ApiError::Refused(e) => refusal_status(e.code),
            ApiError::Service(e) if e.is_invalid_request() => StatusCode::BAD_REQUEST,
            ApiError::Service(_) | ApiError::Worker(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Graph's error code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MissingToken | ApiError::UnknownToken => "InvalidAuthenticationToken",
            ApiError::Refused(e) => e.code.as_str(),
            ApiError::Malformed(_) | ApiError::Field { .. } => ErrorCode::InvalidRequest.as_str(),
            ApiError::Service(e) if e.is_invalid_request() => ErrorCode::InvalidRequest.as_str(),
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
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "host error");
        }
        let body = match &self {
            // A refusal is its own body: code, failed rules and message.
            ApiError::Refused(e) => json!({ "error": e }),
            other => json!({ "error": { "code": other.code(), "message": other.message() } }),
        };
        (status, Json(body)).into_response()
    }
}
