//! The console: the web UI (host/console, built into `console/dist` by
//! scripts/build-console.sh and embedded by build.rs) served at `/`, its files under
//! `/console/`. It is static: every action it offers is a Graph call with the user's token,
//! decided by the engine like any other client's. In `serve --demo` it also offers the demo
//! callers as a sign-in picker (`/console/sign-in`).
//!
//! Every answer carries a Content-Security-Policy that allows only this origin's scripts,
//! styles and fetches (and WebAssembly compilation, for the npm package that validates forms),
//! no framing, no plugins, `X-Content-Type-Options: nosniff` and `Referrer-Policy:
//! no-referrer`. A file the browser accepts gzipped is answered from its `.gz` twin.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{ApiResult, Routes, Shared};
use crate::store::Store;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));
}

/// The console's Content-Security-Policy.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' \
    'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The page `/` answers when pim-host was built without the console's assets.
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
    <title>pim console not built</title><h1>The console was not built into this pim-host</h1>\
    <p>Run <code>scripts/build-console.sh</code>, then build pim-host again \
    (<code>scripts/demo.sh</code> does both). The Graph API is served as usual.</p></html>";

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Routes::new()
        .get("/", "The console (web UI)", index::<S>)
        .get(
            "/console/sign-in",
            "How the console signs in (the demo callers under --demo)",
            sign_in::<S>,
        )
        .get("/console/{*file}", "The console's files", file::<S>)
}

/// One of the embedded files, by its path under `dist`.
fn asset(name: &str) -> Option<&'static [u8]> {
    assets::ASSETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
}

/// The media type of a file, by its extension.
fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The console's security headers, on every answer of its routes.
fn secure(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Whether the request accepts gzip.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| coding.split(';').next().is_some_and(|c| c.trim() == "gzip"))
}

/// The embedded file `name` (gzipped when accepted and built so), or 404.
fn serve_file(name: &str, headers: &HeaderMap) -> Response {
    let Some(plain) = asset(name) else {
        return secure((StatusCode::NOT_FOUND, "no such console file").into_response());
    };
    let gzipped = accepts_gzip(headers)
        .then(|| asset(&format!("{name}.gz")))
        .flatten();
    let mut response = match gzipped {
        Some(bytes) => (
            [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))],
            bytes,
        )
            .into_response(),
        None => plain.into_response(),
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media_type(name)),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    // Revalidated on every load: the files are small and change with the binary.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(response)
}

/// `GET /`: the console's page, or a page saying how to build it.
async fn index<S: Store + 'static>(State(_): Shared<S>, headers: HeaderMap) -> ApiResult {
    Ok(page(asset("index.html").is_some(), &headers))
}

/// The console's page when it was built into the binary, else the page saying how to build it.
fn page(built: bool, headers: &HeaderMap) -> Response {
    if built {
        return serve_file("index.html", headers);
    }
    let page = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        NOT_BUILT,
    );
    secure(page.into_response())
}

/// `GET /console/{file}`.
async fn file<S: Store + 'static>(
    State(_): Shared<S>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    Ok(serve_file(&name, &headers))
}

/// `GET /console/sign-in`: `{"demo": true, "callers": [{"principal", "token"}]}` on a demo
/// host (whose tokens are printed at start and known to everyone), else `{"demo": false,
/// "callers": []}`: the console then asks for a token.
async fn sign_in<S: Store + 'static>(State(s): Shared<S>) -> ApiResult {
    let callers: Vec<_> = s
        .demo_callers()
        .iter()
        .map(|(principal, token)| json!({ "principal": principal, "token": token }))
        .collect();
    let body = json!({ "demo": !callers.is_empty(), "callers": callers });
    let mut response = axum::Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(secure(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_read_from_any_accept_encoding_list() {
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.8"),
        );
        assert!(accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzipx, deflate"),
        );
        assert!(!accepts_gzip(&h));
    }

    #[test]
    fn without_its_files_the_console_says_how_to_build_it_with_the_same_headers() {
        let response = page(false, &HeaderMap::new());
        assert_eq!(response.status(), StatusCode::OK);
        let h = response.headers();
        assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], CONTENT_SECURITY_POLICY);
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(NOT_BUILT.contains("scripts/build-console.sh"));
    }

    #[test]
    fn media_types_follow_the_extension() {
        assert_eq!(media_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(media_type("pim_bg.wasm"), "application/wasm");
        assert_eq!(media_type("README"), "application/octet-stream");
    }
}
