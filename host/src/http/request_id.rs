//! Request ids: every response carries Graph's `request-id` header (and echoes the caller's
//! `client-request-id`), the request's log line carries the same id, and a host failure's body
//! gives the id instead of the internal message, which goes to the log only.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    /// The id of the request the current task serves.
    static REQUEST_ID: String;
}

/// Graph's response header naming the request.
const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("request-id");
/// The caller's own id for the request, echoed back.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `f` as if serving request `id` (for tests of what a handler answers).
#[cfg(test)]
pub async fn scoped<T>(id: &str, f: impl std::future::Future<Output = T>) -> T {
    REQUEST_ID.scope(id.to_owned(), f).await
}

/// Gives the request an id, serves it within that id's scope, logs one line and stamps the
/// response.
pub async fn stamp(req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let client = req.headers().get(&CLIENT_REQUEST_ID).cloned();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let mut response = REQUEST_ID.scope(id.clone(), next.run(req)).await;
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
