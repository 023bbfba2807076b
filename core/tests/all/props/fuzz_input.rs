//! What fuzzed input is made of: odd strings and keys, random JSON values, mutations of valid
//! documents, extreme instants and arbitrary callers.

use chrono::{DateTime, Utc};
use pim_core::{CallContext, GLOBAL_ADMINISTRATOR, Instant, PRIVILEGED_ROLE_ADMINISTRATOR};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::tenant::{EXCHANGE, PRINCIPALS, USER_ADMIN, minutes, pick_at, start};

pub(crate) const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "u0",
    "u1",
    "u2",
    "sp0",
    "g0",
    "g1",
    "nobody",
    EXCHANGE,
    USER_ADMIN,
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    "/",
    "//",
    "/administrativeUnits/au1",
    "/administrativeUnits/au1/",
    "app:/",
    "request",
    "assignment",
    "eligibility",
    "selfActivate",
    "selfDeactivate",
    "selfExtend",
    "selfRenew",
    "adminAssign",
    "adminUpdate",
    "adminRemove",
    "adminExtend",
    "adminRenew",
    "Approve",
    "Denied",
    "decide",
    "cancel",
    "setPolicy",
    "changeMembership",
    "importDirectory",
    "afterDuration",
    "afterDateTime",
    "noExpiration",
    "notSpecified",
    "PT0S",
    "PT1S",
    "PT5M",
    "PT4M59S",
    "PT8H",
    "PT24H",
    "PT24H1S",
    "P30D",
    "P31D",
    "P36500D",
    "P36600D",
    "PT9999999999999H",
    "P999999999999999D",
    "PT0.000000001S",
    "PT1.5S",
    "PT1.5H",
    "-PT1H",
    "+PT1H",
    "P1Y",
    "P1M",
    "PT",
    "P",
    "PT1H1H",
    "P1W",
    "2026-03-02T09:00:00Z",
    "2026-03-02T09:00:00.123456789+14:00",
    "2026-03-02T09:00:00-23:59",
    "2016-12-31T23:59:60Z",
    "2026-02-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "+262143-12-31T23:59:59Z",
    "-262144-01-01T00:00:00Z",
    "2026-03-02",
    "#microsoft.graph.singleUser",
    "#microsoft.graph.groupMembers",
    "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
    "Expiration_EndUser_Assignment",
    "Approval_EndUser_Assignment",
    "Enablement_EndUser_Assignment",
    "AuthenticationContext_EndUser_Assignment",
    "Notification_Admin_Admin_Eligibility",
    "MultiFactorAuthentication",
    "Justification",
    "Ticketing",
    "SingleStage",
    "Serial",
    "NoApproval",
    "Group",
    "DirectoryRole",
    "configureAlert",
    "dismissAlert",
    "refreshAlerts",
    "remediateAlert",
    "recordSignIn",
    "recordOutsideAssignment",
    "setAuditRetention",
    "createReview",
    "decideReview",
    "stopReview",
    "resetReview",
    "applyReview",
    "deleteReview",
    "review-1",
];

const KEYS: &[&str] = &[
    "op",
    "kind",
    "body",
    "action",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "justification",
    "scheduleInfo",
    "startDateTime",
    "expiration",
    "type",
    "duration",
    "endDateTime",
    "ticketInfo",
    "ticketNumber",
    "isValidationOnly",
    "targetScheduleId",
    "id",
    "requestId",
    "reviewResult",
    "groupId",
    "add",
    "remove",
    "rules",
    "scopeId",
    "scopeType",
    "directory",
    "users",
    "groups",
    "assignments",
    "members",
    "isRoleAssignable",
    "setting",
    "maximumDuration",
    "isExpirationRequired",
    "enabledRules",
    "approvalStages",
    "recurrence",
    "@odata.type",
    "reviewId",
    "alertId",
    "alertIds",
    "days",
    "signInDateTime",
    "incidentId",
    "decision",
    "definition",
    "configuration",
    "assignment",
];

pub(crate) fn odd_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(ODD_STRINGS).prop_map(String::from),
        1 => "\\PC{0,16}",
        1 => "[-+]?[Pp][0-9TtHMSDWY.,]{0,20}",
        1 => "[0-9+-]{1,8}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
        1 => Just("x".repeat(600)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => prop::sample::select(vec![0i64, -1, 1, 31, i64::from(i32::MAX), i64::from(i32::MIN), i64::MAX, i64::MIN])
            .prop_map(|n| json!(n)),
        1 => any::<f64>().prop_map(|f| json!(f)),
        4 => odd_string().prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(String::from),
        1 => "\\PC{0,8}",
    ]
}

pub(crate) fn value_strategy() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..7)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A mutation of a JSON document: which leaf (or member) and what happens to it.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
}

pub(crate) fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), leaf()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => (any::<usize>(), value_strategy()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), key(), leaf()).prop_map(|(i, k, v)| Mutation::Insert(i, k, v)),
    ]
}

/// JSON pointers to every node below the root.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// Removes the member at pointer `p`, or inserts one into the object or array that holds it.
fn remove_or_insert(v: &mut Value, p: &str, m: &Mutation) {
    let (parent, last) = p.rsplit_once('/').unwrap_or(("", p));
    let last = last.replace("~1", "/").replace("~0", "~");
    match (v.pointer_mut(parent), m) {
        (Some(Value::Object(map)), Mutation::Remove(_)) => {
            map.remove(&last);
        }
        (Some(Value::Array(a)), Mutation::Remove(_)) => {
            if let Ok(n) = last.parse::<usize>()
                && n < a.len()
            {
                a.remove(n);
            }
        }
        (Some(Value::Object(map)), Mutation::Insert(_, k, x)) => {
            map.insert(k.clone(), x.clone());
        }
        (Some(Value::Array(a)), Mutation::Insert(_, _, x)) => a.push(x.clone()),
        _ => {}
    }
}

pub(crate) fn mutate(mut v: Value, mutations: &[Mutation]) -> Value {
    for m in mutations {
        let mut ptrs = Vec::new();
        pointers(&v, String::new(), &mut ptrs);
        if ptrs.is_empty() {
            break;
        }
        match m {
            Mutation::Replace(i, x) => {
                if let Some(slot) = v.pointer_mut(&ptrs[pick_at(i, ptrs.len())]) {
                    *slot = x.clone();
                }
            }
            Mutation::Remove(i) | Mutation::Insert(i, ..) => {
                let p = ptrs[pick_at(i, ptrs.len())].clone();
                remove_or_insert(&mut v, &p, m);
            }
        }
    }
    v
}

pub(crate) fn instant_strategy() -> impl Strategy<Value = Instant> {
    prop_oneof![
        3 => (-100_000i64..=100_000i64).prop_map(|m| start() + minutes(m)),
        1 => Just(DateTime::<Utc>::MAX_UTC),
        1 => Just(DateTime::<Utc>::MIN_UTC),
        1 => (DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp())
            .prop_map(|s| DateTime::<Utc>::from_timestamp(s, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)),
    ]
}

pub(crate) fn ctx_strategy() -> impl Strategy<Value = CallContext> {
    (
        prop::option::of(prop_oneof![3 => prop::sample::select(&PRINCIPALS[..]).prop_map(String::from), 1 => odd_string()]),
        any::<bool>(),
        prop::collection::vec(prop_oneof![Just("c1".to_string()), odd_string()], 0..2),
    )
        .prop_map(|(caller, mfa, auth_context)| CallContext { caller: caller.map(Into::into), mfa, auth_context })
}
