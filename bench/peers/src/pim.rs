//! pim: the tenant imported through the engine's own events, as a host replaying its log
//! does, and the gateway's `check`.

use chrono::{DateTime, TimeDelta};
use pim_core::directory::{Principal, PrincipalKind, RoleDefinition};
use pim_core::schedule::{AssignmentType, Origin, Schedule};
use pim_core::{Engine, Event, Instant, Projections};

use crate::tenant::{BUILT_IN, Kind, Tenant};

/// Unix seconds as an instant.
pub fn instant(seconds: i64) -> Instant {
    DateTime::from_timestamp(seconds, 0).expect("the tenant's times are in range")
}

fn principal_added(at: Instant, id: &str, kind: PrincipalKind) -> Event {
    Event::PrincipalAdded {
        at,
        principal: Principal {
            id: id.into(),
            kind,
            display_name: None,
            mail: None,
            manager_id: None,
            is_role_assignable: kind == PrincipalKind::Group,
        },
        members: Vec::new(),
    }
}

/// Loads the tenant: custom roles, users, groups and their members, then every schedule, into
/// an engine keeping `projections` (`Projections::CHECK_ONLY` for a gateway, `ALL` for a
/// reference host, which also keeps an audit record per event).
pub fn load(t: &Tenant, now: i64, projections: Projections) -> Engine {
    let at = instant(now) - TimeDelta::days(1);
    let mut engine = Engine::with_projections(projections);
    let mut apply = |e: Event| engine.apply(&e).expect("the event applies");
    for (i, id) in t.roles.iter().enumerate().skip(BUILT_IN.len()) {
        apply(Event::RoleDefinitionAdded {
            at,
            role: RoleDefinition {
                id: id.as_str().into(),
                display_name: Some(format!("Custom role {i}")),
            },
        });
    }
    for u in &t.users {
        apply(principal_added(at, u, PrincipalKind::User));
    }
    for (g, members) in &t.groups {
        apply(principal_added(at, g, PrincipalKind::Group));
        apply(Event::MembershipChanged {
            at,
            by: None,
            group_id: g.as_str().into(),
            added: members
                .iter()
                .map(|&u| t.users[u].as_str().into())
                .collect(),
            removed: Vec::new(),
        });
    }
    for g in &t.grants {
        let schedule = Schedule {
            id: g.id.as_str().into(),
            kind: match g.kind {
                Kind::Eligible => AssignmentType::Eligible,
                Kind::Active => AssignmentType::Active,
            },
            origin: if g.activated_using.is_some() {
                Origin::Activated
            } else {
                Origin::Assigned
            },
            principal_id: g.principal.as_str().into(),
            role_definition_id: t.roles[g.role].as_str().into(),
            scope: g.scope.as_str().into(),
            start_date_time: instant(g.start),
            end_date_time: g.end.map(instant),
            activated_using: g.activated_using.as_deref().map(Into::into),
            via_group: None,
            request_id: None,
            ended: None,
            outside_pim: false,
            break_glass: false,
        };
        apply(Event::ScheduleCreated {
            at,
            by: None,
            schedule: schedule.into(),
        });
    }
    engine
}

/// The gateway question, from the question's strings.
pub fn check(engine: &Engine, principal: &str, role: &str, scope: &str, now: Instant) -> bool {
    engine.check(principal, role, scope, now).active
}
