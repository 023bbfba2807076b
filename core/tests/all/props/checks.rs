//! (b) `check` is active exactly when an in-effect assignment or activation covers the instant.

use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeDelta;
use pim_core::request::Status;
use pim_core::schedule::{Origin, Schedule};
use pim_core::{Check, Instant, PrincipalId, Via};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::steps::steps_strategy;
use super::tenant::{CHECK_ROLES, CHECK_SCOPES, PRINCIPALS, minutes, tenant_strategy};
use super::world::{Observer, World, config, drive};

/// Instants (relative to now, in minutes) at which checks are asked.
pub(crate) const PROBES: [i64; 6] = [0, 1, 5 * 60, 2 * 1440, 15 * 1440, 31 * 1440];

struct CheckSoundness;

/// Instants worth asking about: fixed offsets from now, and the edges of schedules still to come.
fn probe_instants(w: &World) -> Vec<Instant> {
    let mut edges: BTreeSet<Instant> = BTreeSet::new();
    for s in w.shadow.schedules.values() {
        for t in [
            Some(s.start_date_time),
            s.end_date_time.map(|e| e - TimeDelta::seconds(1)),
        ] {
            if let Some(t) = t.filter(|t| *t > w.now) {
                edges.insert(t);
            }
        }
    }
    let mut out: Vec<Instant> = PROBES.iter().map(|m| w.now + minutes(*m)).collect();
    out.extend(edges.into_iter().take(10));
    out
}

/// One question: who, which role, where, when, and the groups the shadow puts `principal` in.
struct Question<'a> {
    principal: &'a str,
    groups: &'a BTreeSet<PrincipalId>,
    role: &'a str,
    scope: &'a str,
    t: Instant,
}

/// The check's answer matches the schedules that cover the question: active exactly when one
/// does, with the latest end among them and a `via` one of them justifies.
fn check_matches_cover(w: &World, q: &Question<'_>, c: &Check) -> Result<(), TestCaseError> {
    let (p, groups, role, scope, t) = (q.principal, q.groups, q.role, q.scope, q.t);
    let covering = w.shadow.covering(p, groups, role, scope, t);
    prop_assert_eq!(
        c.active,
        !covering.is_empty(),
        "check({}, {}, {}, {}) = {:?} but covering schedules are {:?}",
        p,
        role,
        scope,
        t,
        c,
        covering
    );
    if !c.active {
        prop_assert!(c.via.is_none() && c.end_date_time.is_none());
        return Ok(());
    }
    let best_end = if covering.iter().any(|s| s.end_date_time.is_none()) {
        None
    } else {
        covering.iter().filter_map(|s| s.end_date_time).max()
    };
    prop_assert_eq!(
        c.end_date_time,
        best_end,
        "check end at {} for {} in {}",
        t,
        p,
        role
    );
    let via_ok = covering.iter().any(|s| {
        s.end_date_time == best_end
            && match c.via {
                Some(Via::Direct) => s.principal_id == p && s.origin == Origin::Assigned,
                Some(Via::Activation) => s.principal_id == p && s.origin == Origin::Activated,
                Some(Via::Group) => groups.contains(&s.principal_id),
                Some(_) | None => false,
            }
    });
    prop_assert!(
        via_ok,
        "check via {:?} matches no covering schedule: {:?}",
        c.via,
        covering
    );
    for s in covering.iter().filter(|s| s.origin == Origin::Activated) {
        activation_stands(w, q, s)?;
    }
    Ok(())
}

/// An activation that grants the role must still stand on an eligibility in effect at `t`, held
/// by the principal or a group it is in, and come from a request that was not canceled or
/// refused.
fn activation_stands(w: &World, q: &Question<'_>, s: &Schedule) -> Result<(), TestCaseError> {
    let (groups, role, t) = (q.groups, q.role, q.t);
    let elig = s
        .activated_using
        .as_deref()
        .and_then(|id| w.shadow.schedules.get(id));
    prop_assert!(elig.is_some(), "activation {} has no eligibility", s.id);
    let elig = elig.expect("checked");
    prop_assert!(
        elig.in_effect(t),
        "activation {} of {} in {} covers {} but its eligibility {} is not in effect then ({} .. {:?})",
        s.id,
        s.principal_id,
        role,
        t,
        elig.id,
        elig.start_date_time,
        elig.end_date_time
    );
    let holder_ok = elig.principal_id == s.principal_id
        || (s.via_group.as_deref() == Some(elig.principal_id.as_str())
            && groups.contains(&elig.principal_id));
    prop_assert!(
        holder_ok,
        "activation {} holder mismatch with eligibility {}",
        s.id,
        elig.id
    );
    if let Some(req) = &s.request_id {
        let status = w.engine.request(req, w.now).map(|r| r.status);
        prop_assert!(
            matches!(status, Some(Status::Provisioned | Status::Granted)),
            "activation {} of {} in {} covers {} but its request {} is {:?}",
            s.id,
            s.principal_id,
            role,
            t,
            req,
            status
        );
    }
    Ok(())
}

impl Observer for CheckSoundness {
    fn after_step(&mut self, w: &World) -> Result<(), TestCaseError> {
        let groups_of: BTreeMap<&str, BTreeSet<PrincipalId>> = PRINCIPALS
            .iter()
            .map(|p| (*p, w.shadow.groups_of(p)))
            .collect();
        for t in probe_instants(w) {
            for principal in PRINCIPALS {
                let groups = &groups_of[principal];
                for role in CHECK_ROLES {
                    for scope in CHECK_SCOPES {
                        let c = w.engine.check(principal, role, scope, t);
                        let q = Question {
                            principal,
                            groups,
                            role,
                            scope,
                            t,
                        };
                        check_matches_cover(w, &q, &c)?;
                    }
                }
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn check_is_backed_by_an_assignment_or_activation(t in tenant_strategy(), steps in steps_strategy()) {
        drive(&t, &steps, &mut CheckSoundness)?;
    }
}
