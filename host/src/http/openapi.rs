//! The route table and the OpenAPI document made from it. Every route is added through
//! [`Routes`], which records its method, path and summary as it adds the handler, so
//! `/openapi.json` lists exactly the routes the router serves: none can be served undocumented.

use std::sync::Arc;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};
use serde_json::{Map, Value, json};

use super::state::AppState;
use crate::store::Store;

/// One served operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The method.
    pub method: Method,
    /// The path, with `{name}` parameters as axum writes them.
    pub path: String,
    /// What it does, in a line.
    pub summary: &'static str,
}

/// Routes being built, with the operations they serve.
pub struct Routes<S: Store> {
    router: Router<Arc<AppState<S>>>,
    operations: Vec<Operation>,
}

impl<S: Store + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            operations: Vec::new(),
        }
    }
}

impl<S: Store + 'static> Routes<S> {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn add<H, T>(mut self, method: Method, path: &str, summary: &'static str, h: H) -> Self
    where
        H: Handler<T, Arc<AppState<S>>>,
        T: 'static,
    {
        let filter = match method {
            Method::POST => MethodFilter::POST,
            Method::PATCH => MethodFilter::PATCH,
            Method::PUT => MethodFilter::PUT,
            Method::DELETE => MethodFilter::DELETE,
            _ => MethodFilter::GET,
        };
        self.router = self.router.route(path, on(filter, h));
        self.operations.push(Operation {
            method,
            path: path.to_owned(),
            summary,
        });
        self
    }

    /// Serves `GET path` with `h`.
    pub fn get<H: Handler<T, Arc<AppState<S>>>, T: 'static>(
        self,
        path: &str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.add(Method::GET, path, summary, h)
    }

    /// Serves `POST path` with `h`.
    pub fn post<H: Handler<T, Arc<AppState<S>>>, T: 'static>(
        self,
        path: &str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.add(Method::POST, path, summary, h)
    }

    /// Serves `PATCH path` with `h`.
    pub fn patch<H: Handler<T, Arc<AppState<S>>>, T: 'static>(
        self,
        path: &str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.add(Method::PATCH, path, summary, h)
    }

    /// Serves `PUT path` with `h`.
    pub fn put<H: Handler<T, Arc<AppState<S>>>, T: 'static>(
        self,
        path: &str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.add(Method::PUT, path, summary, h)
    }

    /// Serves `DELETE path` with `h`.
    pub fn delete<H: Handler<T, Arc<AppState<S>>>, T: 'static>(
        self,
        path: &str,
        summary: &'static str,
        h: H,
    ) -> Self {
        self.add(Method::DELETE, path, summary, h)
    }

    /// These routes and `other`'s.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.operations.extend(other.operations);
        self
    }

    /// The router and the operations it serves.
    pub fn into_parts(self) -> (Router<Arc<AppState<S>>>, Vec<Operation>) {
        (self.router, self.operations)
    }
}

/// The OpenAPI 3.1 document of `operations`.
pub fn document(operations: &[Operation]) -> Value {
    let mut paths = Map::new();
    for op in operations {
        let item = paths
            // axum's catch-all `{*name}` is OpenAPI's `{name}`.
            .entry(op.path.replace("{*", "{"))
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = item {
            methods.insert(op.method.as_str().to_ascii_lowercase(), operation(op));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "pim-host",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Microsoft Graph's PIM API for directory roles, served by pim-host \
                            (docs/graph-api.md).",
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "ODataError": error_schema() },
        },
    })
}

fn operation(op: &Operation) -> Value {
    let parameters: Vec<Value> = op
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_start_matches('*'))
        .map(|name| {
            json!({ "name": name, "in": "path", "required": true,
                            "schema": { "type": "string" } })
        })
        .collect();
    let id: String = format!("{} {}", op.method, op.path)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let tag = op
        .path
        .split('/')
        .find(|s| !s.is_empty() && *s != "v1.0" && *s != "beta");
    json!({
        "summary": op.summary,
        "operationId": id,
        "tags": [tag.unwrap_or("pim")],
        "parameters": parameters,
        "responses": {
            "2XX": { "description": op.summary },
            "default": { "description": "Graph's error body",
                "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/ODataError" } } } },
        },
    })
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": { "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": { "type": "string" },
                "message": { "type": "string" },
                "innerError": { "type": "object", "properties": {
                    "date": { "type": "string" },
                    "request-id": { "type": "string" },
                    "client-request-id": { "type": "string" },
                } },
            },
        } },
    })
}
