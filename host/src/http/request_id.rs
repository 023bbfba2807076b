//! Request ids: every response carries Graph's `request-id` header (and echoes the caller's
//! `client-request-id`), the request's log line carries the same id, and a host failure's body
//! gives the id instead of the internal message, which goes to the log only. Every error body
//! carries Graph's `innerError` (`date`, `request-id`, `client-request-id`), and an error
//! answered by the router itself or by an extractor (a route or method that does not exist, an
//! oversized body, a query string that does not parse) gets Graph's JSON error body too.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

tokio::task_local! {
    /// The ids of the request the current task serves: ours, and the caller's if given.
    static REQUEST_ID: (String, Option<String>);
}

/// Graph's response header naming the request.
const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("request-id");
/// The caller's own id for the request, echoed back.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(|(id, _)| id.clone()).ok()
}

/// Graph's `innerError` for an error answered now: the date, our request id and the caller's.
pub fn inner_error() -> serde_json::Value {
    let (id, client) = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
    serde_json::json!({
        "date": pim_core::time::format_instant(&chrono::Utc::now()),
        "request-id": id,
        "client-request-id": client.unwrap_or_else(|| id.clone()),
    })
}

/// Runs `f` as if serving request `id` (for tests of what a handler answers).
#[cfg(test)]
pub async fn scoped<T>(id: &str, f: impl std::future::Future<Output = T>) -> T {
    REQUEST_ID.scope((id.to_owned(), None), f).await
}

/// Gives the request an id, serves it within that id's scope, logs one line and stamps the
/// response.
pub async fn stamp(req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let client = req.headers().get(&CLIENT_REQUEST_ID).cloned();
    let client_text = client
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 128)
        .map(str::to_owned);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let ids = (id.clone(), client_text);
    let response = REQUEST_ID
        .scope(ids.clone(), async move {
            let response = next.run(req).await;
            graph_error_body(response).await
        })
        .await;
    let mut response = response;
    tracing::info!(
        request_id = %id,
        %method,
        %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID_HEADER, v);
    }
    if let Some(v) = client {
        headers.insert(CLIENT_REQUEST_ID, v);
    }
    response
}

/// A failure answered without Graph's JSON error body (by the router or an extractor) gets
/// one: the status's Graph code, the original text as the message, and `innerError`.
async fn graph_error_body(response: Response) -> Response {
    use axum::http::header::CONTENT_TYPE;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.is_success() || status.is_redirection() || status.is_informational() || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let message = match text.trim() {
        "" => status.canonical_reason().unwrap_or("error").to_owned(),
        t => t.to_owned(),
    };
    let body = serde_json::json!({ "error": {
        "code": status_code(status), "message": message, "innerError": inner_error() } });
    let mut out = (status, axum::Json(body)).into_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Graph's error code for a bare status.
pub fn status_code(status: axum::http::StatusCode) -> &'static str {
    use axum::http::StatusCode as S;
    match status {
        S::NOT_FOUND => "ResourceNotFound",
        S::METHOD_NOT_ALLOWED => "MethodNotAllowed",
        S::PAYLOAD_TOO_LARGE => "RequestEntityTooLarge",
        S::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaType",
        S::UNAUTHORIZED => "InvalidAuthenticationToken",
        S::FORBIDDEN => "Authorization_RequestDenied",
        S::TOO_MANY_REQUESTS => "TooManyRequests",
        s if s.is_server_error() => "HostError",
        _ => "BadRequest",
    }
}
