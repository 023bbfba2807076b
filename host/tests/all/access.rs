//! Least privilege on reads over HTTP: administrators and the read-only security roles read
//! everything; anyone else reads only their own objects; a token whose principal the directory
//! does not know reads nothing. Also the path ids a write must match, and request ids.

use pim_core::access::GLOBAL_READER;
use serde_json::{Value, json};

use crate::common::EXCHANGE_ADMIN;
use crate::governance::{ALERTS, ASSIGNMENT, Api, REVIEWS, activate_user1};

const POLICIES: &str = "/v1.0/policies/roleManagementPolicies";

/// `rev` becomes an active Global Reader (assigned by aymen, the Global Administrator).
fn make_rev_a_reader(api: &Api) {
    let body = json!({
        "action": "adminAssign", "principalId": "rev", "roleDefinitionId": GLOBAL_READER,
        "directoryScopeId": "/", "justification": "audit season",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
    })
    .to_string();
    let (status, body) = api.call("aymen", "POST", ASSIGNMENT, &body);
    assert_eq!(status, 201, "{body}");
}

fn check_path(principal: &str) -> String {
    format!(
        "/v1.0/pim/check?principalId={principal}&roleDefinitionId={EXCHANGE_ADMIN}&directoryScopeId=/"
    )
}

fn refused(answer: (u16, Value)) {
    let (status, body) = answer;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["error"]["code"], "Authorization_RequestDenied",
        "{body}"
    );
}

#[test]
fn a_request_is_read_by_those_involved_and_by_readers_only() {
    let api = Api::start("access-request");
    activate_user1(&api);
    let (_, audit) = api.call("user1", "GET", "/v1.0/auditLogs/directoryAudits", "");
    let id = audit["value"]
        .as_array()
        .and_then(|v| v.iter().find_map(|r| r["correlationId"].as_str()))
        .unwrap_or_else(|| panic!("user1's activation is in their audit: {audit}"))
        .to_owned();
    let path = format!("{ASSIGNMENT}/{id}");
    // The requester and the administrator read it.
    assert_eq!(api.call("user1", "GET", &path, "").0, 200);
    assert_eq!(api.call("aymen", "GET", &path, "").0, 200);
    // Someone else does not: its justification is not theirs to read.
    refused(api.call("u0", "GET", &path, ""));
    refused(api.call("rev", "GET", &path, ""));
    // A Global Reader reads every request.
    make_rev_a_reader(&api);
    let (status, body) = api.call("rev", "GET", &path, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["justification"], "mailbox migration", "{body}");
}

#[test]
fn members_check_only_themselves_and_read_no_alerts() {
    let api = Api::start("access-check");
    let (status, body) = api.call("u0", "GET", &check_path("u0"), "");
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    refused(api.call("user1", "GET", &check_path("u0"), ""));
    let (status, body) = api.call("aymen", "GET", &check_path("u0"), "");
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    let alerts = format!("{ALERTS}/alerts");
    refused(api.call("user1", "GET", &alerts, ""));
    assert_eq!(api.call("aymen", "GET", &alerts, "").0, 200);
    make_rev_a_reader(&api);
    assert_eq!(api.call("rev", "GET", &alerts, "").0, 200);
    assert_eq!(api.call("rev", "GET", &check_path("u0"), "").0, 200);
    // Reading is not changing: the reader may not configure an alert.
    let configure =
        format!("{ALERTS}/alertConfigurations/TooManyGlobalAdminsAssignedToTenantAlert");
    let (status, _) = api.call("rev", "PATCH", &configure, r#"{"isEnabled": false}"#);
    assert_eq!(status, 403);
}

#[test]
fn the_audit_of_a_member_is_their_own_and_a_reader_sees_everyones() {
    let api = Api::start("access-audit");
    activate_user1(&api);
    let audit = |who: &str| {
        let (status, body) = api.call(who, "GET", "/v1.0/auditLogs/directoryAudits", "");
        assert_eq!(status, 200, "{body}");
        body["value"].as_array().cloned().unwrap_or_default()
    };
    // u0 asks for user1's records and gets only its own (none are about user1).
    let (_, theirs) = api.call(
        "u0",
        "GET",
        "/v1.0/auditLogs/directoryAudits?principalId=user1",
        "",
    );
    let theirs = theirs["value"].as_array().cloned().unwrap_or_default();
    assert!(
        theirs.iter().all(|r| r.to_string().contains("\"u0\"")),
        "{theirs:?}"
    );
    let everyone = audit("aymen").len();
    assert!(audit("user1").len() < everyone);
    make_rev_a_reader(&api);
    assert!(
        audit("rev").len() > everyone,
        "the reader sees all, its own assignment too"
    );
}

#[test]
fn a_review_is_read_by_its_reviewers_and_readers_only() {
    let api = Api::start("access-review");
    let definition = json!({
        "id": "r1", "displayName": "Exchange admins", "roleDefinitionId": EXCHANGE_ADMIN,
        "reviewers": { "type": "selected", "ids": ["rev"] },
        "recurrence": { "type": "oneTime", "durationInDays": 14 }
    })
    .to_string();
    assert_eq!(api.call("aymen", "POST", REVIEWS, &definition).0, 201);
    let path = format!("{REVIEWS}/r1");
    assert_eq!(api.call("rev", "GET", &path, "").0, 200);
    let (_, list) = api.call("rev", "GET", REVIEWS, "");
    assert_eq!(list["value"].as_array().map(Vec::len), Some(1), "{list}");
    // user1 is reviewed, not a reviewer: the review is not theirs to read.
    refused(api.call("user1", "GET", &path, ""));
    let (status, list) = api.call("user1", "GET", REVIEWS, "");
    assert_eq!((status, &list["value"]), (200, &json!([])), "{list}");
    assert_eq!(api.call("aymen", "GET", &path, "").0, 200);
}

#[test]
fn role_settings_are_read_by_those_eligible_for_the_role_and_readers() {
    let api = Api::start("access-policy");
    let exchange = format!("{POLICIES}/{EXCHANGE_ADMIN}/rules?scopeId=/");
    let global = format!(
        "{POLICIES}/{}/rules?scopeId=/",
        pim_core::GLOBAL_ADMINISTRATOR
    );
    assert_eq!(api.call("user1", "GET", &exchange, "").0, 200);
    refused(api.call("user1", "GET", &global, ""));
    refused(api.call("u0", "GET", &exchange, ""));
    assert_eq!(api.call("aymen", "GET", &global, "").0, 200);
}

#[test]
fn a_token_whose_principal_is_not_in_the_directory_reads_nothing() {
    let api = Api::start("access-ghost");
    for path in [
        "/v1.0/me/eligibleRoles".to_owned(),
        "/beta/roleManagement/directory/roleAssignmentApprovals/filterByCurrentUser(on='approver')"
            .to_owned(),
        "/v1.0/auditLogs/directoryAudits".to_owned(),
        "/v1.0/pim/notifications".to_owned(),
        check_path("ghost"),
        REVIEWS.to_owned(),
    ] {
        let (status, body) = api.call("ghost", "GET", &path, "");
        assert_eq!(status, 403, "{path}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("not in the directory"), "{path}: {body}");
    }
    // Nor does it write: the refusal comes before the engine.
    let activation = json!({
        "action": "selfActivate", "principalId": "ghost", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "let me in",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
    });
    refused(api.call("ghost", "POST", ASSIGNMENT, &activation.to_string()));
}

#[test]
fn a_rule_patch_must_name_the_rule_in_its_path() {
    let api = Api::start("access-rule-id");
    let path = format!("{POLICIES}/{EXCHANGE_ADMIN}/rules/Approval_EndUser_Assignment?scopeId=/");
    let expiration = json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
        "id": "Expiration_EndUser_Assignment",
        "isExpirationRequired": true, "maximumDuration": "PT2H",
        "target": { "caller": "EndUser", "operations": ["All"], "level": "Assignment" }
    });
    let (status, body) = api.call("aymen", "PATCH", &path, &expiration.to_string());
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Approval_EndUser_Assignment")),
        "{body}"
    );
    // The expiration rule is unchanged: still Entra's default of 8 hours.
    let (_, rules) = api.call(
        "aymen",
        "GET",
        &format!("{POLICIES}/{EXCHANGE_ADMIN}/rules"),
        "",
    );
    let rule = rules["value"]
        .as_array()
        .and_then(|v| {
            v.iter()
                .find(|r| r["id"] == "Expiration_EndUser_Assignment")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(rule["maximumDuration"], "PT8H", "{rules}");
    // The same body at its own path is accepted.
    let own = format!("{POLICIES}/{EXCHANGE_ADMIN}/rules/Expiration_EndUser_Assignment?scopeId=/");
    let (status, body) = api.call("aymen", "PATCH", &own, &expiration.to_string());
    assert_eq!(status, 204, "{body}");
}

#[test]
fn an_approval_answers_only_the_step_waiting_now() {
    let api = Api::start("access-step");
    let path = format!("{POLICIES}/{EXCHANGE_ADMIN}/rules/Approval_EndUser_Assignment?scopeId=/");
    let approval = json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
        "id": "Approval_EndUser_Assignment",
        "target": { "caller": "EndUser", "operations": ["All"], "level": "Assignment" },
        "setting": {
            "isApprovalRequired": true, "isApprovalRequiredForExtension": false,
            "isRequestorJustificationRequired": true, "approvalMode": "SingleStage",
            "approvalStages": [{
                "approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": false,
                "escalationTimeInMinutes": 0, "isEscalationEnabled": false,
                "primaryApprovers": [{ "@odata.type": "#microsoft.graph.singleUser", "userId": "rev" }],
                "escalationApprovers": []
            }]
        }
    });
    let (status, body) = api.call("aymen", "PATCH", &path, &approval.to_string());
    assert_eq!(status, 204, "{body}");
    let activation = json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": "/", "justification": "mailbox migration",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
    });
    let (status, request) = api.call("user1", "POST", ASSIGNMENT, &activation.to_string());
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["status"], "PendingApproval", "{request}");
    let id = request["id"].as_str().unwrap_or_default();
    assert_eq!(request["approvalId"], id, "{request}");
    let approval = format!("/beta/roleManagement/directory/roleAssignmentApprovals/{id}");
    let (status, shown) = api.call("rev", "GET", &approval, "");
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["steps"][0]["status"], "InProgress", "{shown}");
    assert_eq!(shown["steps"][0]["assignedToMe"], true, "{shown}");
    let waiting = shown["steps"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let step = |n: &str| format!("{approval}/steps/{n}");
    let answer = r#"{"reviewResult": "Approve", "justification": "ok"}"#;
    // A step id that is not one of this approval's (the stage number included) is unknown.
    for wrong in ["7", "0"] {
        let (status, body) = api.call("rev", "PATCH", &step(wrong), answer);
        assert_eq!(status, 404, "{wrong}: {body}");
        assert_eq!(body["error"]["code"], "ResourceNotFound", "{body}");
    }
    let (_, still) = api.call("user1", "GET", &format!("{ASSIGNMENT}/{id}"), "");
    assert_eq!(still["status"], "PendingApproval", "{still}");
    let (status, body) = api.call("rev", "PATCH", &step(&waiting), answer);
    assert_eq!(status, 204, "{body}");
    let (_, done) = api.call("rev", "GET", &approval, "");
    assert_eq!(done["steps"][0]["status"], "Completed", "{done}");
    assert_eq!(done["steps"][0]["reviewResult"], "Approved", "{done}");
    assert_eq!(done["steps"][0]["reviewedBy"]["id"], "rev", "{done}");
}
