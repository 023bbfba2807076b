//! `/openapi.json` lists every route the router serves: each documented operation is served
//! (asked with placeholder ids, it is never a routing miss or a wrong method), and the
//! routes people start from are documented.

use serde_json::Value;

use crate::governance::Api;

fn operations(doc: &Value) -> Vec<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, methods)| {
            let methods = methods.as_object().expect("methods");
            methods
                .keys()
                .map(move |m| (m.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

#[test]
fn every_documented_operation_is_served_and_the_document_is_openapi() {
    let api = Api::start("openapi");
    let (status, doc) = api.call("nobody", "GET", "/openapi.json", "");
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["openapi"], "3.1.0", "{doc}");
    let ops = operations(&doc);
    for expected in [
        (
            "GET",
            "/v1.0/roleManagement/directory/roleEligibilitySchedules",
        ),
        (
            "GET",
            "/beta/roleManagement/directory/roleAssignmentScheduleInstances/{id}",
        ),
        (
            "POST",
            "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests",
        ),
        (
            "PATCH",
            "/v1.0/policies/roleManagementPolicies/{id}/rules/{rule}",
        ),
        (
            "PATCH",
            "/beta/roleManagement/directory/roleAssignmentApprovals/{id}/steps/{step}",
        ),
        ("GET", "/v1.0/auditLogs/directoryAudits"),
        ("GET", "/healthz"),
    ] {
        assert!(
            ops.iter().any(|(m, p)| m == expected.0 && p == expected.1),
            "{expected:?} is not documented"
        );
    }
    for (method, path) in &ops {
        let op = &doc["paths"][path.as_str()][method.to_ascii_lowercase()];
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path}"
        );
        let concrete: String = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "placeholder"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        if concrete == "/v1.0/pim/events" {
            // A stream that never ends: its head says it is served.
            let status = crate::common::status_of_stream(&api.addr, &concrete, "aymen-token");
            assert_eq!(status, Some(200), "{method} {path}");
            continue;
        }
        let (status, body) = api.call("aymen", method, &concrete, "{}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.starts_with("Resource not found for the segment"),
            "{method} {path} is documented but not routed: {body}"
        );
        assert_ne!(
            status, 405,
            "{method} {path} is documented but not served: {body}"
        );
    }
}

/// The route table between host/README's `routes:begin` and `routes:end` markers, as
/// (method, path, summary), each `{v}` row expanded to `v1.0` and `beta`.
fn readme_routes() -> Vec<(String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let text = std::fs::read_to_string(path).expect("host/README.md");
    let start = text
        .find("<!-- routes:begin -->")
        .expect("routes:begin marker");
    let end = text.find("<!-- routes:end -->").expect("routes:end marker");
    let mut routes = Vec::new();
    for line in text[start..end].lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let [method, path, summary, _who] = cells[..] else {
            panic!("a route row has four cells: {line}");
        };
        if method == "method" || method.starts_with("---") {
            continue;
        }
        let path = path.trim_matches('`');
        let versions: &[&str] = if path.starts_with("/{v}/") {
            &["v1.0", "beta"]
        } else {
            &[""]
        };
        for v in versions {
            let concrete = if v.is_empty() {
                path.to_string()
            } else {
                path.replacen("{v}", v, 1)
            };
            routes.push((method.to_string(), concrete, summary.to_string()));
        }
    }
    routes
}

#[test]
fn host_readme_lists_every_route_with_its_summary_and_nothing_else() {
    let api = Api::start("openapi-readme");
    let (status, doc) = api.call("nobody", "GET", "/openapi.json", "");
    assert_eq!(status, 200, "{doc}");
    let mut served: Vec<(String, String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p)| {
            let summary = doc["paths"][p.as_str()][m.to_ascii_lowercase()]["summary"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (m, p, summary)
        })
        .collect();
    let mut listed = readme_routes();
    served.sort();
    listed.sort();
    let missing: Vec<_> = served.iter().filter(|r| !listed.contains(r)).collect();
    let extra: Vec<_> = listed.iter().filter(|r| !served.contains(r)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "host/README's route table differs from /openapi.json\nserved, not listed: {missing:#?}\nlisted, not served: {extra:#?}"
    );
}
