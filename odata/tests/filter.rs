//! `$filter`: one test per rule of the crate docs.

use pim_odata::{Capabilities, Filter, MAX_DEPTH, MAX_FILTER_LEN, MAX_LAMBDAS};
use serde_json::{Value, json};

const CAPS: Capabilities<'static> = Capabilities {
    filterable: &[
        "principalId",
        "status",
        "activityDateTime",
        "initiatedBy/user/id",
        "targetResources",
        "priority",
        "isValidationOnly",
        "displayName",
        "tags",
    ],
    ..Capabilities::NONE
};

fn filter(text: &str) -> Filter {
    Filter::parse(text, &CAPS).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn refused(text: &str) -> String {
    match Filter::parse(text, &CAPS) {
        Ok(f) => panic!("{text} parsed as {f:?}"),
        Err(e) => {
            assert_eq!(e.code, "BadRequest");
            e.message
        }
    }
}

fn matches(text: &str, item: &Value) -> bool {
    filter(text).matches(item)
}

#[test]
fn comparisons_on_numbers() {
    let item = json!({"priority": 3});
    assert!(matches("priority eq 3", &item));
    assert!(matches("priority eq 3.0", &item));
    assert!(matches("priority ne 4", &item));
    assert!(matches("priority gt 2", &item));
    assert!(!matches("priority gt 3", &item));
    assert!(matches("priority ge 3", &item));
    assert!(matches("priority lt 3.5", &item));
    assert!(matches("priority le 3", &item));
    assert!(!matches("priority lt -1", &item));
    assert!(matches("priority gt -1e2", &item));
}

#[test]
fn strings_compare_case_insensitively() {
    let item = json!({"status": "Provisioned", "displayName": "ÉLAN"});
    assert!(matches("status eq 'provisioned'", &item));
    assert!(matches("status eq 'PROVISIONED'", &item));
    assert!(!matches("status ne 'provisioned'", &item));
    assert!(matches("displayName eq 'élan'", &item));
    assert!(matches(
        "status ge 'provisioned' and status le 'PROVISIONED'",
        &item
    ));
    assert!(matches("status gt 'pending'", &item));
    assert!(!matches("status eq 'Provisione'", &item));
}

#[test]
fn quotes_are_escaped_by_doubling() {
    let item = json!({"displayName": "let's meet"});
    assert!(matches("displayName eq 'let''s meet'", &item));
    assert!(matches("displayName eq ''''", &json!({"displayName": "'"})));
    assert!(refused("displayName eq 'unclosed").contains("no closing quote"));
}

#[test]
fn booleans_and_null() {
    let item = json!({"isValidationOnly": false, "status": null});
    assert!(matches("isValidationOnly eq false", &item));
    assert!(!matches("isValidationOnly", &item));
    assert!(matches(
        "isValidationOnly",
        &json!({"isValidationOnly": true})
    ));
    assert!(matches("status eq null", &item));
    assert!(
        matches("principalId eq null", &item),
        "a missing property is null"
    );
    assert!(!matches("principalId ne null", &item));
    assert!(matches("principalId ne null", &json!({"principalId": "x"})));
    assert!(!matches("priority gt null", &json!({"priority": 1})));
    assert!(matches("true", &item));
    assert!(!matches("false", &item));
}

#[test]
fn instants_compare_as_instants() {
    let item = json!({"activityDateTime": "2026-01-01T01:00:00.5+01:00"});
    assert!(matches("activityDateTime eq 2026-01-01T00:00:00.5Z", &item));
    assert!(matches("activityDateTime ge 2026-01-01T00:00:00Z", &item));
    assert!(!matches("activityDateTime gt 2026-01-01T00:00:01Z", &item));
    assert!(matches(
        "activityDateTime lt 2026-01-01T00:00:00.5000001Z",
        &item
    ));
    assert!(
        matches("activityDateTime le '2026-01-01T00:00:00.500Z'", &item),
        "quoted too"
    );
    // Fewer digits, other offsets: as instants, not as text.
    let late = json!({"activityDateTime": "2025-12-31T23:30:00-01:00"});
    assert!(matches("activityDateTime gt 2026-01-01T00:00:00Z", &late));
}

#[test]
fn guids_and_dates_need_no_quotes() {
    let item = json!({"principalId": "62E90394-69F5-4237-9190-012177145E10"});
    assert!(matches(
        "principalId eq 62e90394-69f5-4237-9190-012177145e10",
        &item
    ));
    assert!(matches(
        "principalId eq d097af3e-9323-42fd-ade2-1d097af3e4de",
        &json!({"principalId": "d097af3e-9323-42fd-ade2-1d097af3e4de"})
    ));
    assert!(matches(
        "displayName eq 2026-01-01",
        &json!({"displayName": "2026-01-01"})
    ));
}

#[test]
fn bad_literals_are_refused() {
    assert!(refused("priority eq 12abc").contains("12abc"));
    assert!(refused("activityDateTime ge 2026-01-01T00:00:00 02:00").contains("position"));
    assert!(refused("status eq ~").contains("unexpected character"));
}

#[test]
fn precedence_not_then_comparisons_then_and_then_or() {
    let item = json!({"status": "a", "priority": 1});
    // `or` binds loosest: a or (b and c).
    assert!(matches(
        "status eq 'a' or status eq 'b' and priority eq 2",
        &item
    ));
    assert!(!matches(
        "(status eq 'a' or status eq 'b') and priority eq 2",
        &item
    ));
    // `not` binds tighter than `eq`, so `not a eq b` would be `(not a) eq b`: refused, as
    // Graph refuses `not` on a non-boolean, rather than answered with another meaning.
    let flag = json!({"isValidationOnly": false});
    assert!(refused("not status eq 'a'").contains("not (a eq b)"));
    assert!(refused("status eq not 'a'").contains("not (a eq b)"));
    assert!(refused("(not status eq 'a') eq true").contains("not (a eq b)"));
    assert!(matches(
        "not (status eq 'b') and not isValidationOnly",
        &flag
    ));
    assert!(!matches("not (isValidationOnly eq false)", &flag));
    assert!(matches("not not (isValidationOnly eq false)", &flag));
    assert!(refused("not 'x'").contains("not a condition"));
    // Keywords in any case.
    assert!(matches("status EQ 'A' AND NOT (priority Gt 1)", &item));
}

#[test]
fn paths_reach_into_complex_properties() {
    let item = json!({"initiatedBy": {"user": {"id": "aymen"}}});
    assert!(matches("initiatedBy/user/id eq 'AYMEN'", &item));
    assert!(
        matches("initiatedBy/user/id/deeper eq null", &item),
        "below a listed path"
    );
    assert!(matches("$it/initiatedBy/user/id eq 'aymen'", &item));
    assert!(refused("initiatedBy/app/id eq 'x'").contains("'initiatedBy/app/id'"));
}

#[test]
fn property_names_match_the_capabilities_in_any_case() {
    let f = filter("PrincipalId eq 'x' and STATUS eq 'y'");
    let item = json!({"principalId": "x", "status": "y"});
    assert!(f.matches(&item));
    let names: Vec<&str> = f.equalities().iter().map(|(p, _)| *p).collect();
    assert_eq!(names, ["principalId", "status"]);
}

#[test]
fn a_property_not_filterable_is_refused_by_name() {
    let message = refused("principalId eq 'x' and secret eq 'y'");
    assert!(message.starts_with("Invalid filter clause"), "{message}");
    assert!(message.contains("'secret'"), "{message}");
    assert!(refused("targetResources/any(t: secret eq 1)").contains("'secret'"));
}

#[test]
fn string_functions() {
    let item = json!({"displayName": "Exchange Administrator"});
    assert!(matches("startswith(displayName,'exchange')", &item));
    assert!(!matches("startswith(displayName,'Admin')", &item));
    assert!(matches("endswith(displayName, 'ADMINISTRATOR')", &item));
    assert!(matches("contains(displayName,'ge adm')", &item));
    assert!(
        !matches("startswith(principalId,'x')", &item),
        "null is no string"
    );
    assert!(matches("startswith(displayName,'Ex') eq true", &item));
    assert!(refused("substringof('x',displayName)").contains("substringof"));
    assert!(refused("startswith(displayName)").contains("','"));
}

#[test]
fn any_and_all_lambdas() {
    let item =
        json!({"targetResources": [{"id": "a", "type": "User"}, {"id": "b", "type": "Group"}]});
    assert!(matches("targetResources/any(t: t/id eq 'b')", &item));
    assert!(!matches("targetResources/any(t: t/id eq 'c')", &item));
    assert!(matches("targetResources/all(t: t/id ne 'c')", &item));
    assert!(!matches("targetResources/all(t: t/type eq 'User')", &item));
    assert!(matches("targetResources/any()", &item));
    assert!(!matches(
        "targetResources/any()",
        &json!({"targetResources": []})
    ));
    assert!(matches(
        "targetResources/all(t: t/id eq 'x')",
        &json!({"targetResources": []})
    ));
    assert!(
        !matches("targetResources/any(t: true)", &json!({})),
        "missing is no collection"
    );
    // The item's own properties inside the lambda.
    let mixed = json!({"status": "s", "targetResources": [{"id": "s"}]});
    assert!(matches("targetResources/any(t: t/id eq status)", &mixed));
    let tags = json!({"tags": ["Red", "blue"]});
    assert!(matches("tags/any(x: x eq 'red')", &tags));
    assert!(refused("targetResources/all()").contains("lambda variable"));
}

#[test]
fn nested_lambdas_stop_at_the_limit() {
    let item = json!({"targetResources": [{"id": "a", "members": [{"id": "m"}]}]});
    assert!(matches(
        "targetResources/any(t: t/members/any(m: m/id eq 'm' and t/id eq 'a'))",
        &item
    ));
    let mut text = String::from("true");
    for i in 0..=MAX_LAMBDAS {
        text = format!("targetResources/any(v{i}: {text})");
    }
    assert!(refused(&text).contains("lambdas nest deeper"));
}

#[test]
fn equalities_are_the_top_level_anded_terms() {
    let f = filter(
        "principalId eq 'user1' and (status eq 'a' or status eq 'b') and 'x' eq displayName and priority gt 1 and not (isValidationOnly eq true)",
    );
    assert_eq!(
        f.equalities(),
        vec![
            ("principalId", &json!("user1")),
            ("displayName", &json!("x"))
        ]
    );
    assert!(
        filter("status eq 'a' or status eq 'b'")
            .equalities()
            .is_empty()
    );
    assert_eq!(
        filter("status eq 5").equalities(),
        vec![("status", &json!(5))]
    );
    assert!(
        filter("targetResources/any(t: t/id eq 'a')")
            .equalities()
            .is_empty()
    );
}

#[test]
fn syntax_errors_say_where() {
    assert!(refused("").contains("empty"));
    assert!(refused("   ").contains("empty"));
    assert!(refused("status eq").contains("ends early"));
    assert!(refused("status eq 'a' status eq 'b'").contains("position 14"));
    assert!(refused("(status eq 'a'").contains("')'"));
    assert!(refused("status eq 'a')").contains("')'"));
    assert!(refused("status eq 'a' eq 'b'").contains("'eq'"));
    assert!(refused("5").contains("not a condition"));
    assert!(refused("status eq 'a' and 'x'").contains("not a condition"));
    assert!(refused("status/").contains("after '/'"));
}

#[test]
fn hostile_expressions_are_refused_not_run() {
    let deep = format!(
        "{}status eq 'x'{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert!(refused(&deep).contains("deeper than"));
    let ok = format!(
        "{}status eq 'x'{}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert!(matches(&ok, &json!({"status": "X"})));
    let nots = format!("{}true", "not ".repeat(MAX_DEPTH + 1));
    assert!(refused(&nots).contains("deeper than"));
    let long = format!("displayName eq '{}'", "a".repeat(MAX_FILTER_LEN));
    assert!(refused(&long).contains("at most"));
    // A long flat chain is not nesting: it parses and runs.
    let chain = vec!["priority eq 1"; 100].join(" or ");
    assert!(matches(&chain, &json!({"priority": 1})));
}
