//! `pim-host import` and `export`: a tenant saved as Graph responses, replayed offline. The
//! fixture (tests/fixtures/graph-folder) follows the Graph reference's example responses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pim_core::directory::BUILT_IN_ROLES;
use pim_core::wire::PolicyRule;
use pim_core::{CallContext, Command, ErrorCode, FailedRule, Instant, Query, QueryResult};
use pim_host::graph::{DEFAULT_TENANT_ID, PolicyIds};
use pim_host::graph_folder::{self, FolderError};
use pim_host::{MemoryStore, Service, SqliteStore, Store};
use serde_json::{Value, json};

use crate::common::{at, guest, workspace};

const ALEX: &str = "071cc716-8147-4397-a5ba-b2105951cc0b";
const ADELE: &str = "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0";
const MEGAN: &str = "6be4b305-b75e-4efc-bfcc-31bd3b53a5f8";
const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
const APPLICATION_SUPPORT: &str = "8424c6f0-a189-499e-bbd0-26c1753c96d4";

/// The import's clock: within every schedule of the fixture.
fn now() -> Instant {
    at("2026-06-01T09:00:00Z")
}

fn fixture() -> PathBuf {
    workspace().join("host/tests/fixtures/graph-folder")
}

/// An empty directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pim-host-graph-folder-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// A copy of the fixture, to spoil.
fn copy_of_fixture(name: &str) -> PathBuf {
    let dir = scratch(name).join("folder");
    copy_dir(&fixture(), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for entry in std::fs::read_dir(from).expect("the fixture") {
        let path = entry.expect("an entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copied");
        }
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable");
    serde_json::from_str(&text).expect("JSON")
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).expect("JSON")).expect("written");
}

/// Every item of list `name` in `dir`, all pages.
fn items(dir: &Path, name: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for n in 1.. {
        let file = match n {
            1 => dir.join(format!("{name}.json")),
            n => dir.join(format!("{name}.{n}.json")),
        };
        if !file.is_file() {
            break;
        }
        let page = read_json(&file);
        out.extend(page["value"].as_array().cloned().unwrap_or_default());
    }
    out
}

fn memory_service() -> Service<MemoryStore> {
    Service::open(guest(), MemoryStore::new()).expect("a service")
}

fn imported(folder: &Path) -> Service<MemoryStore> {
    let mut service = memory_service();
    graph_folder::import(folder, &mut service, now()).expect("the folder imports");
    service
}

fn exported<S: Store>(service: &mut Service<S>, name: &str) -> PathBuf {
    let dir = scratch(name).join("export");
    let ids = PolicyIds::new(DEFAULT_TENANT_ID);
    graph_folder::export(service, &dir, now(), &ids).expect("the tenant exports");
    dir
}

/// Whether `export` says everything `source` says: every property of an object (but those in
/// `dropped`, as dotted paths) with an equal value, strings compared without case (Graph
/// reads its enums so), instants as instants, lists of strings as sets, and objects with ids
/// matched by id.
fn agrees(source: &Value, export: &Value, path: &str, dropped: &[&str]) -> Result<(), String> {
    if dropped.contains(&path) {
        return Ok(());
    }
    let differ = || Err(format!("`{path}`: source {source}, export {export}"));
    match (source, export) {
        (Value::Object(s), Value::Object(e)) => {
            for (key, value) in s {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                agrees(value, e.get(key).unwrap_or(&Value::Null), &inner, dropped)?;
            }
            Ok(())
        }
        (Value::Array(s), Value::Array(e)) if s.len() == e.len() => {
            if s.iter().all(Value::is_string) {
                let set = |v: &Vec<Value>| -> BTreeSet<String> {
                    v.iter()
                        .map(|x| x.as_str().unwrap_or("").to_lowercase())
                        .collect()
                };
                return if set(s) == set(e) { Ok(()) } else { differ() };
            }
            // Objects with ids (a policy's rules) in any order; others in order.
            s.iter().enumerate().try_for_each(|(i, s)| {
                let twin = match s.get("id") {
                    Some(id) => e.iter().find(|e| e.get("id") == Some(id)),
                    None => e.get(i),
                };
                agrees(s, twin.unwrap_or(&Value::Null), path, dropped)
            })
        }
        (Value::String(s), Value::String(e)) => {
            let same_instant = matches!(
                (pim_core::time::parse_instant(s), pim_core::time::parse_instant(e)),
                (Ok(a), Ok(b)) if a == b
            );
            if same_instant || s.eq_ignore_ascii_case(e) {
                Ok(())
            } else {
                differ()
            }
        }
        (s, e) if s == e => Ok(()),
        _ => differ(),
    }
}

/// Checks each item of `source` against the export's item with the same `key`, and that the
/// export holds no item the source lacks but for those `extra` admits.
fn compare(
    source: &[Value],
    export: &[Value],
    key: impl Fn(&Value) -> String,
    dropped: &[&str],
    extra: impl Fn(&Value) -> bool,
) {
    for s in source {
        let k = key(s);
        let matching: Vec<&Value> = export.iter().filter(|e| key(e) == k).collect();
        assert_eq!(matching.len(), 1, "{k}: exported {} times", matching.len());
        if let Err(why) = agrees(s, matching[0], "", dropped) {
            panic!("{k}: {why}");
        }
    }
    let keys: BTreeSet<String> = source.iter().map(&key).collect();
    for e in export.iter().filter(|e| !keys.contains(&key(e))) {
        assert!(extra(e), "exported but not in the source: {e}");
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// A schedule's key: who holds which role where (pim does not keep Graph's schedule ids).
fn holding(v: &Value) -> String {
    format!(
        "{} {} {} {}",
        v["principalId"], v["roleDefinitionId"], v["directoryScopeId"], v["appScopeId"]
    )
}

fn pim_built_in(role: &str) -> bool {
    BUILT_IN_ROLES.iter().any(|(r, _)| *r == role)
}

/// The Graph properties pim does not keep, per list (host/README.md lists the same).
const USER_DROPPED: &[&str] = &[
    "businessPhones",
    "givenName",
    "jobTitle",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "manager.displayName",
];
const GROUP_DROPPED: &[&str] = &[
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "visibility",
];
const SERVICE_PRINCIPAL_DROPPED: &[&str] = &[
    "accountEnabled",
    "appDisplayName",
    "appId",
    "servicePrincipalType",
    "tags",
];
const ROLE_DROPPED: &[&str] = &["description", "isBuiltIn", "version", "rolePermissions"];
const SCHEDULE_DROPPED: &[&str] = &["id", "createdUsing", "createdDateTime", "modifiedDateTime"];
const POLICY_DROPPED: &[&str] = &[
    "id",
    "policyId",
    "policy.id",
    "policy.lastModifiedBy",
    "policy.lastModifiedDateTime",
];

#[test]
fn a_saved_tenant_round_trips_on_every_field_pim_keeps() {
    let source = fixture();
    let mut service = imported(&source);
    let export = exported(&mut service, "round-trip");
    let none = |_: &Value| false;
    compare(
        &items(&source, "users"),
        &items(&export, "users"),
        id,
        USER_DROPPED,
        none,
    );
    compare(
        &items(&source, "groups"),
        &items(&export, "groups"),
        id,
        GROUP_DROPPED,
        none,
    );
    for group in items(&source, "groups") {
        let members = |dir: &Path| items(&dir.join("groups").join(id(&group)), "members");
        compare(&members(&source), &members(&export), id, &[], none);
    }
    let apps = "servicePrincipals";
    compare(
        &items(&source, apps),
        &items(&export, apps),
        id,
        SERVICE_PRINCIPAL_DROPPED,
        none,
    );
    // pim lists its own built-in roles (and their default policies) too.
    let built_in = |v: &Value| pim_built_in(&id(v));
    let roles = "roleDefinitions";
    compare(
        &items(&source, roles),
        &items(&export, roles),
        id,
        ROLE_DROPPED,
        built_in,
    );
    for list in ["roleEligibilitySchedules", "roleAssignmentSchedules"] {
        compare(
            &items(&source, list),
            &items(&export, list),
            holding,
            SCHEDULE_DROPPED,
            none,
        );
    }
    let policies = "roleManagementPolicyAssignments";
    let role_and_scope = |v: &Value| format!("{} {}", v["roleDefinitionId"], v["scopeId"]);
    // A role the source sets no policy for has Entra's defaults.
    let defaults = serde_json::to_value(PolicyRule::defaults()).expect("JSON");
    let default_policy = |v: &Value| {
        agrees(&defaults, &v["policy"]["rules"], "", &[]).is_ok()
            && v["scopeId"] == "/"
            && v["scopeType"] == "DirectoryRole"
    };
    compare(
        &items(&source, policies),
        &items(&export, policies),
        role_and_scope,
        POLICY_DROPPED,
        default_policy,
    );
}

#[test]
fn an_exported_tenant_imports_back_to_the_same_export() {
    let mut first = imported(&fixture());
    let once = exported(&mut first, "twice-1");
    let mut second = imported(&once);
    let twice = exported(&mut second, "twice-2");
    let lists = [
        "users",
        "groups",
        "servicePrincipals",
        "roleDefinitions",
        "roleEligibilitySchedules",
        "roleAssignmentSchedules",
        "roleManagementPolicyAssignments",
    ];
    for list in lists {
        assert_eq!(items(&once, list), items(&twice, list), "{list}");
    }
    for group in items(&once, "groups") {
        let members = |dir: &Path| items(&dir.join("groups").join(id(&group)), "members");
        assert_eq!(members(&once), members(&twice), "members of {}", id(&group));
    }
}

#[test]
fn import_refuses_a_database_that_has_events() {
    let db = scratch("non-empty").join("pim.db");
    let mut service = Service::open(guest(), SqliteStore::open(&db).expect("db")).expect("svc");
    let first = graph_folder::import(&fixture(), &mut service, now()).expect("imports");
    assert!(first.events > 0);
    let head = service.head();
    let again = graph_folder::import(&fixture(), &mut service, now());
    let Err(e @ FolderError::NotEmpty { .. }) = again else {
        panic!("a second import into the same database: {again:?}");
    };
    assert!(e.to_string().contains("new database"), "{e}");
    assert_eq!(service.head(), head, "nothing was added");
}

/// Imports `folder` into a new database; returns the error and the database's head after it.
fn failed_import(folder: &Path, name: &str) -> (FolderError, u64) {
    let db = scratch(name).join("pim.db");
    let mut service = Service::open(guest(), SqliteStore::open(&db).expect("db")).expect("svc");
    let e = match graph_folder::import(folder, &mut service, now()) {
        Ok(done) => panic!("the folder imported: {done:?}"),
        Err(e) => e,
    };
    let mut store = SqliteStore::open(&db).expect("db");
    (e, store.head().expect("a head"))
}

#[test]
fn a_malformed_file_is_an_error_naming_it() {
    let folder = copy_of_fixture("malformed");
    std::fs::write(folder.join("servicePrincipals.json"), "{\"value\": [").expect("written");
    let (e, head) = failed_import(&folder, "malformed-db");
    let text = e.to_string();
    assert!(text.contains("servicePrincipals.json"), "{text}");
    assert!(text.contains("not valid JSON"), "{text}");
    assert_eq!(head, 0, "nothing is committed");
}

#[test]
fn a_schedule_naming_an_unknown_principal_is_an_error_naming_the_item() {
    let folder = copy_of_fixture("unknown-principal");
    let file = folder.join("roleEligibilitySchedules.json");
    let mut page = read_json(&file);
    page["value"][1]["principalId"] = json!("00000000-0000-0000-0000-00000000dead");
    write_json(&file, &page);
    let (e, head) = failed_import(&folder, "unknown-principal-db");
    let text = e.to_string();
    assert!(
        text.contains("roleEligibilitySchedules.json item 2"),
        "{text}"
    );
    assert!(
        text.contains("a3f0c2d1-5b6e-4f7a-8c9d-0e1f2a3b4c5d"),
        "{text}"
    );
    assert!(
        text.contains("00000000-0000-0000-0000-00000000dead"),
        "{text}"
    );
    assert_eq!(head, 0, "nothing is committed");
}

#[test]
fn a_rule_the_core_refuses_commits_nothing_and_names_the_policy() {
    let folder = copy_of_fixture("refused-rule");
    let file = folder.join("roleManagementPolicyAssignments.json");
    let mut page = read_json(&file);
    let rules = page["value"][1]["policy"]["rules"]
        .as_array_mut()
        .expect("rules");
    for rule in rules
        .iter_mut()
        .filter(|r| r["id"] == "Expiration_EndUser_Assignment")
    {
        rule["maximumDuration"] = json!("P2D");
    }
    write_json(&file, &page);
    let (e, head) = failed_import(&folder, "refused-rule-db");
    assert!(matches!(e, FolderError::Refused { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("roleManagementPolicyAssignments.json item 2"),
        "{text}"
    );
    assert!(text.contains("P2D"), "{text}");
    // The directory was decided before the policy, and is not committed either.
    assert_eq!(head, 0, "nothing is committed");
}

#[test]
fn a_rule_pim_cannot_read_is_an_error_naming_it() {
    let folder = copy_of_fixture("bad-rule");
    let file = folder.join("roleManagementPolicyAssignments.json");
    let mut page = read_json(&file);
    page["value"][0]["policy"]["rules"][0]["colour"] = json!("blue");
    write_json(&file, &page);
    let (e, _) = failed_import(&folder, "bad-rule-db");
    let text = e.to_string();
    assert!(
        text.contains("roleManagementPolicyAssignments.json item 1"),
        "{text}"
    );
    assert!(text.contains("Expiration_Admin_Eligibility"), "{text}");
    assert!(text.contains("colour"), "{text}");
}

#[test]
fn a_page_whose_next_page_is_missing_is_an_error() {
    let folder = copy_of_fixture("missing-page");
    std::fs::remove_file(folder.join("users.2.json")).expect("removed");
    let (e, _) = failed_import(&folder, "missing-page-db");
    assert!(matches!(e, FolderError::MissingPage { .. }), "{e:?}");
    assert!(e.to_string().contains("users.2.json"), "{e}");
}

#[test]
fn what_pim_does_not_take_is_a_warning() {
    let folder = copy_of_fixture("warnings");
    std::fs::write(folder.join("notes.txt"), "saved on Monday").expect("written");
    std::fs::write(folder.join("users.4.json"), r#"{"value": []}"#).expect("written");
    let file = folder.join("roleAssignmentSchedules.json");
    let mut page = read_json(&file);
    let mut inherited = page["value"][0].clone();
    inherited["principalId"] = json!(ALEX);
    inherited["memberType"] = json!("Group");
    page["value"]
        .as_array_mut()
        .expect("a list")
        .push(inherited);
    write_json(&file, &page);
    let members = folder.join("groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/members.json");
    let mut list = read_json(&members);
    let device = json!({ "@odata.type": "#microsoft.graph.device", "id": "d1e2f3a4" });
    list["value"].as_array_mut().expect("a list").push(device);
    write_json(&members, &list);
    let mut service = memory_service();
    let done = graph_folder::import(&folder, &mut service, now()).expect("imports");
    let lines = done.warnings.lines().join("\n");
    for expected in [
        "notes.txt",
        "users.4.json",
        "roleAssignmentSchedules.json item 3",
        "members.json item 3",
    ] {
        assert!(lines.contains(expected), "{expected} in:\n{lines}");
    }
    assert_eq!(done.counts.active, 2, "the group-held schedule is left out");
}

/// Asks for an activation of `role` by `who` for `duration`, with MFA; `ticket` adds ticket
/// information.
fn activate(
    service: &mut Service<MemoryStore>,
    who: &str,
    role: &str,
    duration: &str,
    ticket: bool,
) -> Option<pim_core::DecisionError> {
    let mut body = json!({
        "action": "selfActivate", "principalId": who, "roleDefinitionId": role,
        "directoryScopeId": "/", "justification": "ticket queue",
        "scheduleInfo": { "startDateTime": "2026-06-01T09:05:00Z",
            "expiration": { "type": "afterDuration", "duration": duration } }
    });
    if ticket {
        body["ticketInfo"] = json!({ "ticketNumber": "INC-1", "ticketSystem": "ServiceNow" });
    }
    let command = Command::Request {
        kind: pim_core::wire::RequestKind::Assignment,
        body: Box::new(serde_json::from_value(body).expect("a request body")),
    };
    let ctx = CallContext::user(who).with_mfa();
    let decision = service.submit(&command, &ctx, at("2026-06-01T09:05:00Z"));
    decision.expect("decided").error
}

fn active(service: &mut Service<MemoryStore>, who: &str, role: &str) -> bool {
    let q = Query::Check {
        principal_id: who.into(),
        role_definition_id: role.into(),
        directory_scope_id: Some("/".into()),
        app_scope_id: None,
    };
    match service
        .query(&q, at("2026-06-01T09:10:00Z"))
        .expect("answered")
    {
        QueryResult::Check(c) => c.active,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_imported_tenant_decides_like_the_source() {
    let mut service = imported(&fixture());
    // Helpdesk Administrator's imported policy: at most two hours, a ticket required.
    let refused = activate(&mut service, ALEX, HELPDESK_ADMINISTRATOR, "PT4H", true);
    let refused = refused.expect("longer than the imported maximum");
    assert_eq!(
        refused.code,
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed
    );
    assert_eq!(
        refused.failed_rules,
        vec![FailedRule::ExpirationRule],
        "{refused:?}"
    );
    let no_ticket = activate(&mut service, ALEX, HELPDESK_ADMINISTRATOR, "PT2H", false);
    let no_ticket = no_ticket.expect("the imported policy requires a ticket");
    assert_eq!(
        no_ticket.failed_rules,
        vec![FailedRule::TicketingRule],
        "{no_ticket:?}"
    );
    assert!(!active(&mut service, ALEX, HELPDESK_ADMINISTRATOR));
    let ok = activate(&mut service, ALEX, HELPDESK_ADMINISTRATOR, "PT2H", true);
    assert!(ok.is_none(), "{ok:?}");
    assert!(active(&mut service, ALEX, HELPDESK_ADMINISTRATOR));
    // Adele is eligible through the Helpdesk Team group's eligibility (its imported members);
    // the custom role has no imported policy, so Entra's default (8 hours) holds.
    assert!(activate(&mut service, ADELE, APPLICATION_SUPPORT, "PT8H", false).is_none());
    assert!(active(&mut service, ADELE, APPLICATION_SUPPORT));
    // Megan is in no group: not eligible.
    assert!(activate(&mut service, MEGAN, APPLICATION_SUPPORT, "PT1H", false).is_some());
}

fn pim_host(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pim-host"))
        .args(args)
        .env("PIM_LOG", "warn")
        .output()
        .expect("pim-host runs")
}

#[test]
fn the_cli_imports_into_a_new_database_only_and_exports_the_layout() {
    let dir = scratch("cli");
    let db = dir.join("pim.db");
    let folder = fixture();
    let import = [
        "import".as_ref(),
        folder.as_os_str(),
        "--db".as_ref(),
        db.as_os_str(),
    ];
    let first = pim_host(&import);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("imported 3 users, 2 groups"), "{stdout}");
    let again = pim_host(&import);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already holds"), "{stderr}");
    let out = dir.join("export");
    let export = pim_host(&[
        "export".as_ref(),
        out.as_os_str(),
        "--db".as_ref(),
        db.as_os_str(),
    ]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    for list in [
        "users",
        "roleEligibilitySchedules",
        "roleManagementPolicyAssignments",
    ] {
        assert!(out.join(format!("{list}.json")).is_file(), "{list}.json");
    }
    let members = out.join("groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/members.json");
    assert_eq!(
        read_json(&members)["value"].as_array().map(Vec::len),
        Some(2)
    );
}
