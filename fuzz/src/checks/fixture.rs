//! The tenant the ABI targets start from: users, nested groups, an administrative unit, active
//! assignments with and without an end, an eligibility, and role settings, so that calls and
//! checks have something to hit.

use std::sync::OnceLock;

use pim_core::abi::Call;
use pim_core::time::parse_instant;
use pim_core::{CallContext, Engine, Event, Tenant};

/// The instant the tenant is loaded at (unix 1772442000).
pub const LOADED_AT: &str = "2026-03-02T09:00:00Z";

/// Principals, roles and scopes of the tenant, and some it lacks, for the checks to combine.
pub const PRINCIPALS: [&str; 6] = ["admin", "u1", "u2", "u3", "g1", "nobody"];
/// Role definition ids: Global Administrator, Exchange Administrator, and an unknown one.
pub const ROLES: [&str; 3] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "00000000-0000-0000-0000-000000000000",
];
/// Scopes: the tenant, the administrative unit, another one.
pub const SCOPES: [&str; 4] = [
    "/",
    "",
    "/administrativeUnits/au1",
    "/administrativeUnits/au2",
];

const TENANT: &str = r#"{
  "directory": {
    "users": [{"id": "admin"}, {"id": "u1"}, {"id": "u2"}, {"id": "u3"}],
    "groups": [
      {"id": "g1", "members": ["u2", "g2"], "isRoleAssignable": true},
      {"id": "g2", "members": ["u3"]}
    ],
    "roleDefinitions": [{"id": "29232cdf-9323-42fd-ade2-1d097af3e4de", "displayName": "Exchange Administrator"}],
    "assignments": [
      {"type": "active", "principalId": "admin",
       "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"},
      {"type": "active", "principalId": "u1",
       "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de",
       "directoryScopeId": "/administrativeUnits/au1",
       "startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-03-09T12:30:00.5Z"},
      {"type": "active", "principalId": "g1",
       "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de",
       "startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-06-01T00:00:00Z"},
      {"type": "eligible", "principalId": "u1",
       "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"}
    ]
  },
  "policies": [
    {"roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10", "rules": [
      {"id": "Enablement_EndUser_Assignment", "enabledRules": ["Justification"]}
    ]}
  ]
}"#;

/// The tenant's event log.
pub fn events() -> &'static [Event] {
    static EVENTS: OnceLock<Vec<Event>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let tenant = Tenant::from_json(TENANT).expect("the fixture tenant reads");
        let now = parse_instant(LOADED_AT).expect("the fixture instant parses");
        let mut engine = Engine::new();
        let mut log = Vec::new();
        for command in tenant.commands() {
            let outcome = engine
                .execute(&command, &CallContext::system(), now)
                .expect("the fixture tenant loads");
            for e in &outcome.events {
                engine.apply(e).expect("the fixture's events apply");
            }
            log.extend(outcome.events);
        }
        assert!(!log.is_empty(), "the fixture tenant has events");
        log
    })
}

/// `{"op":"load","events":[…]}` for the tenant.
pub fn load_envelope() -> &'static [u8] {
    static LOAD: OnceLock<Vec<u8>> = OnceLock::new();
    LOAD.get_or_init(|| {
        let call = Call::Load {
            events: events().into(),
        };
        serde_json::to_vec(&call).expect("a load envelope serializes")
    })
}
