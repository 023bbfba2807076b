//! A directory import that puts a group into a role-assignable group is refused with the
//! directory's own error code (Entra: "A group can't be added as a member of a role-assignable
//! group"), whether the nested group comes with the import or was imported before.

use pim_core::time::parse_instant;
use pim_core::wire::DirectorySnapshot;
use pim_core::{CallContext, Command, Engine};

fn import(engine: &mut Engine, dir: serde_json::Value) -> Option<&'static str> {
    let directory: DirectorySnapshot = serde_json::from_value(dir).unwrap();
    let now = parse_instant("2026-03-02T09:00:00Z").unwrap();
    let cmd = Command::ImportDirectory {
        directory: Box::new(directory),
    };
    let outcome = engine.execute(&cmd, &CallContext::system(), now).unwrap();
    if let Some(e) = outcome.decision.error {
        return Some(e.code.as_str());
    }
    for event in &outcome.events {
        engine.apply(event).unwrap();
    }
    None
}

#[test]
fn an_import_with_a_nested_role_assignable_group_is_refused() {
    let mut engine = Engine::new();
    let code = import(
        &mut engine,
        serde_json::json!({
            "users": [{ "id": "u1" }],
            "groups": [
                { "id": "ra", "members": ["inner"], "isRoleAssignable": true },
                { "id": "inner", "members": ["u1"] },
            ],
        }),
    );
    assert_eq!(code, Some("Request_BadRequest"));
    assert!(engine.state().directory().principal("ra").is_none());
}

#[test]
fn an_import_nesting_an_earlier_group_is_refused_and_plain_nesting_is_not() {
    let mut engine = Engine::new();
    let first = serde_json::json!({ "users": [{ "id": "u1" }], "groups": [{ "id": "inner", "members": ["u1"] }] });
    assert_eq!(import(&mut engine, first), None);
    let nested = serde_json::json!({ "groups": [{ "id": "ra", "members": ["inner"], "isRoleAssignable": true }] });
    assert_eq!(import(&mut engine, nested), Some("Request_BadRequest"));
    let plain = serde_json::json!({ "groups": [{ "id": "outer", "members": ["inner"] }] });
    assert_eq!(import(&mut engine, plain), None);
}
