//! Extractors and input parsing: the caller behind a bearer token, a body with its caller, and
//! the typed values in query parameters and path segments.
//!
//! Handlers take their extractors in one order (state, path, query, then the caller), so a
//! request that is wrong in several ways is refused for the same reason it always was.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use pim_core::CallContext;
use pim_core::time::{Instant, parse_instant};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;
use super::state::AppState;
use crate::store::Store;

/// The caller a request's bearer token stands for; a missing, malformed or unknown token is a
/// 401, and a write over the caller's limit a 429.
#[derive(Debug, Clone)]
pub struct Caller(pub CallContext);

impl Caller {
    /// The caller's principal id (empty for a caller without one).
    pub fn principal(&self) -> String {
        self.0.caller.as_deref().unwrap_or_default().to_owned()
    }
}

impl<S: Store> FromRequestParts<Arc<AppState<S>>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState<S>>,
    ) -> Result<Self, Self::Rejection> {
        let ctx = state.caller(&parts.method, &parts.headers).await?;
        Ok(Caller(ctx))
    }
}

/// A request body and its caller. The body's size is checked before the token (an oversized
/// body is a 413 whoever sends it); the handler parses the JSON, after its other checks.
#[derive(Debug)]
pub struct WithBody {
    /// Who sent it.
    pub caller: Caller,
    /// The raw body.
    pub body: Bytes,
}

impl<S: Store> FromRequest<Arc<AppState<S>>> for WithBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<AppState<S>>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await;
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(WithBody {
            caller: caller.map_err(IntoResponse::into_response)?,
            body,
        })
    }
}

/// A JSON body.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    Ok(serde_json::from_slice(body)?)
}

/// An optional instant in query parameter `field`.
pub fn instant(field: &'static str, text: Option<String>) -> Result<Option<Instant>, ApiError> {
    text.map(|t| parse_instant(&t).map_err(|e| ApiError::field(field, e)))
        .transpose()
}

/// A wire enum (e.g. an alert id) from path segment `field`.
pub fn wire<T: DeserializeOwned>(field: &'static str, text: String) -> Result<T, ApiError> {
    serde_json::from_value(Value::String(text)).map_err(|e| ApiError::field(field, e))
}

/// Refuses a duration that is not ISO 8601 as Graph does (400 `BadRequest` naming the
/// literal, as OData answers an `Edm.Duration` it cannot convert): Microsoft's Python SDK
/// writes a `timedelta` as `"4:00:00"`.
pub fn edm_duration(text: Option<&str>) -> Result<(), ApiError> {
    match text {
        Some(d) if !d.trim_start_matches('-').starts_with('P') => Err(ApiError::Graph {
            status: axum::http::StatusCode::BAD_REQUEST,
            code: "BadRequest",
            message: format!(
                "Cannot convert the literal '{d}' to the expected type 'Edm.Duration': \
                 durations are ISO 8601, such as 'PT4H' (a Python SDK timedelta is written \
                 as '4:00:00'; pass the ISO string instead)"
            ),
        }),
        _ => Ok(()),
    }
}
