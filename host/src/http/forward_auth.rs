//! Forward authentication: the check a proxy asks before it passes a request upstream, in the
//! conventions of nginx `auth_request`, Envoy's HTTP `ext_authz` and Traefik `forwardAuth`.
//!
//! The caller is the bearer token's (the proxy passes the client's `Authorization` header on);
//! the role comes from the check's query string, else from the `X-Pim-*` headers when the
//! config trusts them, else from the config's routes matched against the original path. The
//! answer is `200` with `X-Pim-Principal` while the caller is active in that role, `403`
//! otherwise, `401` without a valid token. docs/gateways.md shows each proxy's configuration.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use pim_core::{Query, QueryResult};
use serde::Deserialize;

use super::{ApiError, ApiResult, ForwardAuthConfig, Routes, Shared};
use crate::store::Store;

/// The check's path; Envoy appends the original path to it.
const BASE: &str = "/v1.0/pim/forwardAuth";
const SUMMARY: &str = "Forward auth: 200 while the caller is active in the role, else 403";
const SUMMARY_PATH: &str = "Forward auth for the original path appended (Envoy's pathPrefix)";

/// Whether `path` is a forward-auth check (a read whatever its method).
pub(super) fn is_forward_auth(path: &str) -> bool {
    path == BASE || path.starts_with("/v1.0/pim/forwardAuth/")
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let with_path = "/v1.0/pim/forwardAuth/{*path}";
    Routes::new()
        .get(BASE, SUMMARY, named::<S>)
        .post(BASE, SUMMARY, named::<S>)
        .put(BASE, SUMMARY, named::<S>)
        .patch(BASE, SUMMARY, named::<S>)
        .delete(BASE, SUMMARY, named::<S>)
        .get(with_path, SUMMARY_PATH, appended::<S>)
        .post(with_path, SUMMARY_PATH, appended::<S>)
        .put(with_path, SUMMARY_PATH, appended::<S>)
        .patch(with_path, SUMMARY_PATH, appended::<S>)
        .delete(with_path, SUMMARY_PATH, appended::<S>)
}

/// `?roleDefinitionId=&directoryScopeId=`, set by the proxy's configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Named {
    role_definition_id: Option<String>,
    directory_scope_id: Option<String>,
}

/// The role a request needs, and where.
#[derive(Debug, PartialEq, Eq)]
struct Need {
    role: String,
    scope: String,
}

/// `/v1.0/pim/forwardAuth?…`: the role from the query string, the headers or the routes
/// (the original path in `X-Original-URI` or `X-Forwarded-Uri`).
async fn named<S: Store + 'static>(
    State(s): Shared<S>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    let named: Named = serde_urlencoded::from_str(query.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::Query(format!("forwardAuth: {e}")))?;
    let need = match named.role_definition_id {
        Some(role) => Need {
            role,
            scope: named.directory_scope_id.unwrap_or_else(|| "/".into()),
        },
        None => need_from(s.forward_auth(), &headers, original_path(&headers))?,
    };
    answer(&s, &headers, &need).await
}

/// `/v1.0/pim/forwardAuth/{path}`: the original path appended (its query string is the
/// original request's, not ours).
async fn appended<S: Store + 'static>(
    State(s): Shared<S>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let path = format!("/{path}");
    let need = need_from(s.forward_auth(), &headers, Some(&path))?;
    answer(&s, &headers, &need).await
}

/// The original path as nginx (`X-Original-URI`, by convention) or Traefik
/// (`X-Forwarded-Uri`) passes it.
fn original_path(headers: &HeaderMap) -> Option<&str> {
    ["x-original-uri", "x-forwarded-uri"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok())
}

/// The role from the trusted headers, else from the route matching `path`.
fn need_from(
    config: &ForwardAuthConfig,
    headers: &HeaderMap,
    path: Option<&str>,
) -> Result<Need, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if config.role_headers
        && let Some(role) = header("x-pim-role-definition-id")
    {
        let scope = header("x-pim-directory-scope-id").unwrap_or("/");
        return Ok(Need {
            role: role.to_owned(),
            scope: scope.to_owned(),
        });
    }
    let Some(path) = path else {
        return Err(no_role(
            "name the role as ?roleDefinitionId=, or pass the original path in X-Original-URI and configure forwardAuth.routes",
        ));
    };
    let path = plain_path(path)?;
    config
        .routes
        .iter()
        .filter(|r| path.starts_with(&r.prefix))
        .max_by_key(|r| r.prefix.len())
        .map(|r| Need {
            role: r.role_definition_id.clone(),
            scope: r.directory_scope_id.clone().unwrap_or_else(|| "/".into()),
        })
        .ok_or_else(|| no_role("no forwardAuth route covers the original path"))
}

/// The path part of an original URI, refused when a proxy and pim could read it as two
/// different paths: dot segments, empty segments, backslashes, encoded dots and slashes.
fn plain_path(uri: &str) -> Result<&str, ApiError> {
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    let lower = path.to_ascii_lowercase();
    let ambiguous = !path.starts_with('/')
        || path.contains('\\')
        || path.contains("//")
        || ["%2e", "%2f", "%5c", "%00"]
            .iter()
            .any(|e| lower.contains(e))
        || path.split('/').any(|seg| seg == "." || seg == "..");
    if ambiguous {
        return Err(ApiError::Graph {
            status: StatusCode::BAD_REQUEST,
            code: "BadRequest",
            message: "forwardAuth: the original path is ambiguous (dot segments, empty \
                      segments, backslashes or encoded dots and slashes)"
                .into(),
        });
    }
    Ok(path)
}

fn no_role(how: &str) -> ApiError {
    ApiError::Graph {
        status: StatusCode::BAD_REQUEST,
        code: "BadRequest",
        message: format!("forwardAuth: no role is named for this request: {how}"),
    }
}

/// 200 with the principal while the caller is active in the role, else 403.
async fn answer<S: Store + 'static>(
    s: &std::sync::Arc<super::AppState<S>>,
    headers: &HeaderMap,
    need: &Need,
) -> ApiResult {
    let ctx = s.caller_reading(headers).await?;
    let principal = ctx.caller.as_deref().unwrap_or_default().to_owned();
    let q = Query::Check {
        principal_id: principal.as_str().into(),
        role_definition_id: need.role.as_str().into(),
        directory_scope_id: Some(need.scope.as_str().into()),
        app_scope_id: None,
    };
    // Reads the directory as `check` does: a token for someone unknown is refused here.
    let answer = s.query_as(principal.clone(), q, |_| Ok(()));
    let QueryResult::Check(check) = answer.await? else {
        return Err(ApiError::Query(
            "forwardAuth: the check answered no check".into(),
        ));
    };
    if !check.active {
        tracing::info!(%principal, role = %need.role, scope = %need.scope, "forward auth: not active");
        return Err(ApiError::Graph {
            status: StatusCode::FORBIDDEN,
            code: "RoleNotActive",
            message: format!(
                "`{principal}` is not active in role `{}` at `{}`",
                need.role, need.scope
            ),
        });
    }
    let mut response = (StatusCode::OK, axum::Json(&check)).into_response();
    let h = response.headers_mut();
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&principal) {
        h.insert("x-pim-principal", v);
    }
    if let Some(end) = check.end_date_time
        && let Ok(v) = HeaderValue::from_str(&pim_core::time::format_instant(&end))
    {
        h.insert("x-pim-active-until", v);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ForwardRoute;

    fn config(role_headers: bool) -> ForwardAuthConfig {
        let route = |prefix: &str, role: &str| ForwardRoute {
            prefix: prefix.into(),
            role_definition_id: role.into(),
            directory_scope_id: None,
        };
        ForwardAuthConfig {
            routes: vec![route("/exchange/", "ex"), route("/exchange/admin/", "ga")],
            role_headers,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("a header value"));
        }
        h
    }

    #[test]
    fn the_longest_prefix_names_the_role_and_ambiguous_paths_are_refused() {
        let c = config(false);
        let h = HeaderMap::new();
        let role = |p: &str| need_from(&c, &h, Some(p)).map(|n| n.role);
        assert_eq!(role("/exchange/mail?x=1").ok().as_deref(), Some("ex"));
        assert_eq!(role("/exchange/admin/users").ok().as_deref(), Some("ga"));
        assert!(role("/elsewhere/").is_err());
        for sneaky in [
            "/exchange/../admin/",
            "/exchange/%2e%2e/admin/",
            "/exchange//admin",
            "/exchange/%2F..",
            "/exchange\\..\\admin",
            "exchange/",
        ] {
            assert!(role(sneaky).is_err(), "{sneaky} was accepted");
        }
    }

    #[test]
    fn role_headers_count_only_when_the_config_trusts_them() {
        let h = headers(&[("x-pim-role-definition-id", "ga")]);
        let path = Some("/exchange/x");
        assert_eq!(
            need_from(&config(false), &h, path)
                .map(|n| n.role)
                .ok()
                .as_deref(),
            Some("ex")
        );
        let trusted = need_from(&config(true), &h, path).ok();
        assert_eq!(
            trusted,
            Some(Need {
                role: "ga".into(),
                scope: "/".into()
            })
        );
    }
}
