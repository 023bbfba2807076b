//! The Graph surface over HTTP, below what Microsoft's SDKs exercise (host/tests/graph-sdk):
//! Graph's error body on every failure, paging by `@odata.nextLink`, `$expand`, who may list a
//! collection, and role settings discovered by policy id.

use serde_json::{Value, json};

use crate::common::EXCHANGE_ADMIN;
use crate::governance::{ASSIGNMENT, Api};

const ELIGIBILITY: &str = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests";

fn assert_graph_error(answer: &(u16, Value), status: u16, code: &str) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let inner = &body["error"]["innerError"];
    for key in ["date", "request-id", "client-request-id"] {
        assert!(
            inner[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key}: {body}"
        );
    }
}

#[test]
fn every_failure_answers_graphs_error_body() {
    let api = Api::start("graph-errors");
    let missing = api.call(
        "aymen",
        "GET",
        "/v1.0/roleManagement/directory/nothingHere",
        "",
    );
    assert_graph_error(&missing, 404, "ResourceNotFound");
    let wrong_method = api.call(
        "aymen",
        "DELETE",
        "/v1.0/roleManagement/directory/roleDefinitions",
        "",
    );
    assert_graph_error(&wrong_method, 405, "MethodNotAllowed");
    let huge = format!("{{\"justification\": \"{}\"}}", "x".repeat(2 << 20));
    let too_large = api.call("aymen", "POST", ASSIGNMENT, &huge);
    assert_graph_error(&too_large, 413, "RequestEntityTooLarge");
    let bad_filter = format!("{ELIGIBILITY}?$filter=principalId%20eq");
    assert_graph_error(
        &api.call("aymen", "GET", &bad_filter, ""),
        400,
        "BadRequest",
    );
    let unsupported = format!("{ELIGIBILITY}?$search=%22x%22");
    assert_graph_error(
        &api.call("aymen", "GET", &unsupported, ""),
        400,
        "BadRequest",
    );
    let unknown_id = format!("{ELIGIBILITY}/00000000-0000-0000-0000-000000000000");
    assert_graph_error(
        &api.call("aymen", "GET", &unknown_id, ""),
        404,
        "ResourceNotFound",
    );
    assert_graph_error(
        &api.call("nobody", "GET", ELIGIBILITY, ""),
        401,
        "InvalidAuthenticationToken",
    );
}

/// Aymen makes user1 eligible for Exchange Administrator at `n` administrative units.
fn eligible_at_units(api: &Api, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let body = json!({
                "action": "adminAssign", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
                "directoryScopeId": format!("/administrativeUnits/au{i}"),
                "justification": "regional rota",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
            });
            let (status, created) = api.call("aymen", "POST", ELIGIBILITY, &body.to_string());
            assert_eq!(status, 201, "{created}");
            assert_eq!(created["targetScheduleId"], created["id"], "{created}");
            created["id"].as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

#[test]
fn a_collection_pages_through_next_links_with_a_count_on_each_page() {
    let api = Api::start("graph-paging");
    let made = eligible_at_units(&api, 5);
    let mut path = format!("{ELIGIBILITY}?$top=2&$count=true&$select=id,directoryScopeId");
    let mut seen = Vec::new();
    for _ in 0..10 {
        let (status, page) = api.call("aymen", "GET", &path, "");
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["@odata.count"], 5, "{page}");
        assert!(
            page["@odata.context"]
                .as_str()
                .is_some_and(|c| c.ends_with("roleEligibilityScheduleRequests")),
            "{page}"
        );
        for item in page["value"].as_array().expect("a page") {
            let fields = item.as_object().map_or(0, |o| {
                o.keys().filter(|k| !k.starts_with("@odata.")).count()
            });
            assert_eq!(fields, 2, "only the selected (and annotations): {item}");
            seen.push(item["id"].as_str().unwrap_or_default().to_owned());
        }
        let Some(next) = page["@odata.nextLink"].as_str() else {
            break;
        };
        let at = next.find("/v1.0/").expect("an absolute link to this host");
        path = next[at..].to_owned();
    }
    assert_eq!(seen, made, "every request once, in order");
}

#[test]
fn lists_are_for_readers_and_filter_by_current_user_for_everyone() {
    let api = Api::start("graph-lists");
    eligible_at_units(&api, 2);
    let schedules = "/v1.0/roleManagement/directory/roleEligibilitySchedules";
    let (status, body) = api.call("user1", "GET", schedules, "");
    assert_eq!(status, 403, "{body}");
    let mine =
        format!("{schedules}/filterByCurrentUser(on='principal')?$expand=principal,roleDefinition");
    let (status, body) = api.call("user1", "GET", &mine, "");
    assert_eq!(status, 200, "{body}");
    let items = body["value"].as_array().expect("a list");
    assert_eq!(
        items.len(),
        3,
        "the imported eligibility and two new ones: {body}"
    );
    for item in items {
        assert_eq!(item["principalId"], "user1", "{item}");
        assert_eq!(item["principal"]["id"], "user1", "{item}");
        assert_eq!(
            item["roleDefinition"]["displayName"], "Exchange Administrator",
            "{item}"
        );
        assert_eq!(item["memberType"], "Direct", "{item}");
    }
    let (status, body) = api.call("u0", "GET", &mine, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["value"],
        json!([]),
        "u0 is eligible for nothing: {body}"
    );
    let requests = format!(
        "{ELIGIBILITY}?$expand=principal&$filter=directoryScopeId%20eq%20'/administrativeUnits/au1'"
    );
    let (status, body) = api.call("aymen", "GET", &requests, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(
        body["value"][0]["principal"]["@odata.type"], "#microsoft.graph.user",
        "{body}"
    );
    assert_eq!(
        body["value"][0]["createdBy"]["user"]["id"], "aymen",
        "{body}"
    );
}

#[test]
fn role_settings_are_found_by_policy_assignment_and_changed_by_policy_id() {
    let api = Api::start("graph-policies");
    let filter = format!(
        "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'/'%20and%20scopeType%20eq%20'DirectoryRole'%20and%20roleDefinitionId%20eq%20'{EXCHANGE_ADMIN}'&$expand=policy($expand=rules)"
    );
    let (status, found) = api.call("aymen", "GET", &filter, "");
    assert_eq!(status, 200, "{found}");
    let assignment = &found["value"][0];
    assert_eq!(found["value"].as_array().map(Vec::len), Some(1), "{found}");
    let policy_id = assignment["policyId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(policy_id.starts_with("DirectoryRole_"), "{assignment}");
    assert_eq!(
        assignment["policy"]["id"],
        policy_id.as_str(),
        "{assignment}"
    );
    assert_eq!(
        assignment["policy"]["rules"].as_array().map(Vec::len),
        Some(17),
        "{assignment}"
    );
    let rule = format!(
        "/v1.0/policies/roleManagementPolicies/{policy_id}/rules/Expiration_EndUser_Assignment"
    );
    let body = json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
        "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": "PT2H"
    });
    // The Python SDK's timedelta encoding is refused as Graph refuses it, naming the literal.
    let mut python = body.clone();
    python["maximumDuration"] = json!("2:00:00");
    let (status, refused) = api.call("aymen", "PATCH", &rule, &python.to_string());
    assert_eq!(
        (status, &refused["error"]["code"]),
        (400, &json!("BadRequest")),
        "{refused}"
    );
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("'2:00:00'") && message.contains("ISO 8601"),
        "{refused}"
    );
    let (status, answer) = api.call("aymen", "PATCH", &rule, &body.to_string());
    assert_eq!(status, 204, "{answer}");
    let (status, read) = api.call("aymen", "GET", &rule, "");
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["maximumDuration"], "PT2H", "{read}");
    // The activation the settings now cap.
    let activation = json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "mail flow",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT3H" } }
    });
    let (status, refused) = api.call("user1", "POST", ASSIGNMENT, &activation.to_string());
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        refused["error"]["code"], "RoleAssignmentRequestPolicyValidationFailed",
        "{refused}"
    );
    let unknown = "/v1.0/policies/roleManagementPolicies/DirectoryRole_nope/rules";
    let (status, body) = api.call("aymen", "GET", unknown, "");
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("ResourceNotFound")),
        "{body}"
    );
}

#[test]
fn activation_windows_are_read_and_changed_through_the_rules_api() {
    let api = Api::start("graph-pim-windows");
    let filter = format!(
        "/v1.0/policies/roleManagementPolicyAssignments?$filter=roleDefinitionId%20eq%20'{EXCHANGE_ADMIN}'"
    );
    let (_, found) = api.call("aymen", "GET", &filter, "");
    let policy_id = found["value"][0]["policyId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rule = format!(
        "/v1.0/policies/roleManagementPolicies/{policy_id}/rules/Pim_ActivationWindow_EndUser_Assignment"
    );
    let (status, read) = api.call("aymen", "GET", &rule, "");
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["@odata.type"], "#pim.activationWindowRule", "{read}");
    assert_eq!(
        (&read["timeZone"], &read["windows"]),
        (&json!("UTC"), &json!([])),
        "{read}"
    );
    let office =
        json!([{"daysOfWeek": ["monday", "friday"], "startTime": "08:00", "endTime": "18:00"}]);
    let body = json!({"@odata.type": "#pim.activationWindowRule", "timeZone": "Europe/Atlantis",
        "windows": office});
    let (status, refused) = api.call("aymen", "PATCH", &rule, &body.to_string());
    assert_eq!(status, 400, "{refused}");
    let body = json!({"@odata.type": "#pim.activationWindowRule", "timeZone": "Europe/Berlin",
        "windows": office, "excludedDates": ["2026-12-24"], "outsideWindow": "requireApproval"});
    let (status, answer) = api.call("aymen", "PATCH", &rule, &body.to_string());
    assert_eq!(status, 204, "{answer}");
    let (_, read) = api.call("aymen", "GET", &rule, "");
    assert_eq!(
        (&read["timeZone"], &read["windows"], &read["outsideWindow"]),
        (&json!("Europe/Berlin"), &office, &json!("requireApproval")),
        "{read}"
    );
}

#[test]
fn pim_rules_are_read_and_changed_beside_graphs() {
    let api = Api::start("graph-pim-rules");
    let filter = format!(
        "/v1.0/policies/roleManagementPolicyAssignments?$filter=roleDefinitionId%20eq%20'{EXCHANGE_ADMIN}'"
    );
    let (_, found) = api.call("aymen", "GET", &filter, "");
    let policy_id = found["value"][0]["policyId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rules = format!("/v1.0/policies/roleManagementPolicies/{policy_id}/rules");
    let rule = format!("{rules}/Pim_RateLimit_EndUser_Assignment");
    // Unset: the inert default, and not listed among the 17.
    let (status, read) = api.call("aymen", "GET", &rule, "");
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["@odata.type"], "#pim.rateLimitRule", "{read}");
    assert_eq!(read["maximumActivations"], Value::Null, "{read}");
    let (_, listed) = api.call("aymen", "GET", &rules, "");
    assert_eq!(
        listed["value"].as_array().map(Vec::len),
        Some(17),
        "{listed}"
    );
    let body = json!({"@odata.type": "#pim.rateLimitRule", "maximumActivations": 0});
    let (status, refused) = api.call("aymen", "PATCH", &rule, &body.to_string());
    assert_eq!(status, 400, "{refused}");
    let body = json!({"@odata.type": "#pim.rateLimitRule", "maximumActivations": 1});
    let (status, answer) = api.call("aymen", "PATCH", &rule, &body.to_string());
    assert_eq!(status, 204, "{answer}");
    let (_, listed) = api.call("aymen", "GET", &rules, "");
    assert_eq!(
        listed["value"].as_array().map(Vec::len),
        Some(18),
        "{listed}"
    );
    let (_, read) = api.call("aymen", "GET", &rule, "");
    assert_eq!(
        (&read["maximumActivations"], &read["windowDuration"]),
        (&json!(1), &json!("P1D")),
        "{read}"
    );
    let (status, _) = api.call(
        "aymen",
        "GET",
        &format!("{rules}/Pim_Nothing_EndUser_Assignment"),
        "",
    );
    assert_eq!(status, 404);
}
