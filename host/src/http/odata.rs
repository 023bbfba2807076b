//! OData on the wire: the URL a request came to (for `@odata.context` and
//! `@odata.nextLink`), its query options parsed by `pim-odata` against what a collection
//! supports, and Graph's collection and entity envelopes.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::header::HOST;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use pim_odata::{Capabilities, QueryOptions};
use serde_json::{Value, json};

use super::error::ApiError;

/// The Graph version a path is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `/v1.0`.
    V1,
    /// `/beta`.
    Beta,
}

impl Version {
    fn segment(self) -> &'static str {
        match self {
            Version::V1 => "v1.0",
            Version::Beta => "beta",
        }
    }
}

/// The URL a request came to.
#[derive(Debug, Clone)]
pub struct GraphUrl {
    /// `http://host:port`.
    origin: String,
    /// The path, as sent.
    path: String,
    /// The query string, as sent (without `?`).
    query: String,
    /// Under `/v1.0` or `/beta`.
    pub version: Version,
}

impl<S: Send + Sync> FromRequestParts<S> for GraphUrl {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let host = parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or("localhost");
        // Behind a proxy that terminates TLS, links keep the scheme the client used.
        let scheme = match parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
        {
            Some("https") => "https",
            _ => "http",
        };
        let path = parts.uri.path().to_owned();
        let version = if path.starts_with("/beta/") {
            Version::Beta
        } else {
            Version::V1
        };
        Ok(GraphUrl {
            origin: format!("{scheme}://{host}"),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            path,
            version,
        })
    }
}

impl GraphUrl {
    /// The query options, checked against what the collection supports.
    pub fn options(&self, caps: &Capabilities<'_>) -> Result<QueryOptions, ApiError> {
        pim_odata::parse(&self.query, caps).map_err(|e| ApiError::Query(e.message))
    }

    /// The value of a plain (non-`$`) query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&self.query)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// `@odata.context` of `fragment` (e.g. `roleManagement/directory/roleEligibilitySchedules`
    /// or `…/$entity`).
    pub fn context(&self, fragment: &str) -> String {
        format!(
            "{}/{}/$metadata#{fragment}",
            self.origin,
            self.version.segment()
        )
    }

    /// A collection page: filters, orders, counts, pages and projects `items`.
    pub fn collection(
        &self,
        fragment: &str,
        items: Vec<Value>,
        opts: &QueryOptions,
        caps: &Capabilities<'_>,
    ) -> Response {
        let self_url = format!("{}{}", self.origin, self.path);
        let page = pim_odata::page(items, opts, caps, &self_url, &self.query);
        let mut body = json!({ "@odata.context": self.context(fragment) });
        if let Some(n) = page.count {
            body["@odata.count"] = json!(n);
        }
        body["value"] = Value::Array(page.value);
        if let Some(next) = page.next_link {
            body["@odata.nextLink"] = json!(next);
        }
        Json(body).into_response()
    }

    /// One entity, with its `@odata.context`, projected by `$select`.
    pub fn selected(&self, fragment: &str, value: Value, opts: &QueryOptions) -> Response {
        self.entity(fragment, pim_odata::project(value, opts))
    }

    /// One entity, with its `@odata.context`.
    pub fn entity(&self, fragment: &str, mut value: Value) -> Response {
        if let Value::Object(m) = &mut value {
            m.insert(
                "@odata.context".into(),
                json!(self.context(&format!("{fragment}/$entity"))),
            );
        }
        Json(value).into_response()
    }

    /// A created entity (201), with its `@odata.context`.
    pub fn created(&self, fragment: &str, value: Value) -> Response {
        let mut r = self.entity(fragment, value);
        *r.status_mut() = axum::http::StatusCode::CREATED;
        r
    }
}

/// The value of a `filterByCurrentUser(on='…')` path segment, if the segment is one (quotes
/// may arrive percent-encoded).
pub fn filter_by_current_user(segment: &str) -> Option<String> {
    let rest = segment.strip_prefix("filterByCurrentUser(on=")?;
    let rest = rest.strip_suffix(')')?;
    let rest = rest.replace("%27", "'");
    let on = rest.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(on.to_owned())
}

/// The navigation properties `$expand=principal,roleDefinition` fills on schedules,
/// instances and requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expansions {
    principal: bool,
    role: bool,
}

impl Expansions {
    /// What `opts` asks to expand.
    pub fn of(opts: &QueryOptions) -> Self {
        Expansions {
            principal: expands(opts, "principal"),
            role: expands(opts, "roleDefinition"),
        }
    }

    /// Fills the asked navigation properties of `item`, about `principal` and `role`.
    pub fn fill(
        self,
        item: &mut Value,
        (principal, role): (&str, &str),
        names: &crate::graph::Names,
    ) {
        if self.principal {
            item["principal"] = names
                .principal(principal)
                .map_or(Value::Null, crate::graph::principal);
        }
        if self.role {
            item["roleDefinition"] = names
                .role(role)
                .map_or(Value::Null, crate::graph::role_definition);
        }
    }
}

/// The directory objects among `ids` and every role definition: what a batch of records needs
/// for display names and `$expand`. Asked on the service that answered the batch, at the
/// same instant.
pub fn names<S: crate::store::Store>(
    svc: &mut crate::service::Service<S>,
    mut ids: Vec<pim_core::PrincipalId>,
    now: pim_core::Instant,
) -> Result<crate::graph::Names, crate::service::ServiceError> {
    use pim_core::{Query, QueryResult};
    ids.sort();
    ids.dedup();
    let principals = match svc.query(&Query::Principals { ids }, now)? {
        QueryResult::Principals(p) => p,
        _ => Vec::new(),
    };
    let roles = match svc.query(&Query::RoleDefinitions {}, now)? {
        QueryResult::RoleDefinitions(r) => r,
        _ => Vec::new(),
    };
    Ok(crate::graph::Names::new(principals, roles))
}

/// The `$expand`ed navigation properties, by name.
pub fn expands(opts: &QueryOptions, name: &str) -> bool {
    opts.expand
        .iter()
        .any(|e| e.property.eq_ignore_ascii_case(name))
}

/// Keeps expanded navigation properties in a `$select`ed page.
pub fn keep_expanded(opts: &mut QueryOptions) {
    let names: Vec<String> = opts.expand.iter().map(|e| e.property.clone()).collect();
    if let Some(select) = &mut opts.select {
        select.extend(names);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_by_current_user_takes_plain_and_encoded_quotes() {
        assert_eq!(
            filter_by_current_user("filterByCurrentUser(on='principal')").as_deref(),
            Some("principal")
        );
        assert_eq!(
            filter_by_current_user("filterByCurrentUser(on=%27approver%27)").as_deref(),
            Some("approver")
        );
        assert_eq!(filter_by_current_user("request-1"), None);
        assert_eq!(filter_by_current_user("filterByCurrentUser(on=x)"), None);
    }
}
