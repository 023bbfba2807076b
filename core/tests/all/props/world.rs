//! The world a run drives: the engine under test, its log, the shadow model, and the observers
//! that properties hook into it.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use pim_core::event::Event;
use pim_core::request::Status;
use pim_core::schedule::{AssignmentType, Schedule};
use pim_core::{CallContext, Command, Engine, Instant, Outcome};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::shadow::Shadow;
use super::steps::Step;
use super::tenant::{
    PRINCIPALS, ROLES, SCOPES, Tenant, USERS, import_command, minutes, pick_at, set_policy_command,
    start,
};

pub(crate) struct World {
    pub(crate) engine: Engine,
    pub(crate) log: Vec<Event>,
    pub(crate) now: Instant,
    pub(crate) shadow: Shadow,
    /// Every accepted request, in order.
    pub(crate) requests: Vec<String>,
    /// The activation maximum in force when each request was submitted.
    pub(crate) max_at_request: BTreeMap<String, TimeDelta>,
}

/// What a property looks at while a run goes on.
pub(crate) trait Observer {
    /// Called with the state before `event` is applied.
    fn before_apply(&mut self, _w: &World, _e: &Event) -> Result<(), TestCaseError> {
        Ok(())
    }
    /// Called with each executed command's outcome, before its events are applied.
    fn outcome(
        &mut self,
        _w: &World,
        _step: &Step,
        _ctx: &CallContext,
        _o: &Outcome,
    ) -> Result<(), TestCaseError> {
        Ok(())
    }
    /// Called after every step.
    fn after_step(&mut self, _w: &World) -> Result<(), TestCaseError> {
        Ok(())
    }
}

pub(crate) struct NoObserver;
impl Observer for NoObserver {}

pub(crate) fn caller_ctx(caller: Option<usize>) -> CallContext {
    match caller {
        Some(c) => CallContext::user(PRINCIPALS[c]),
        None => CallContext::system(),
    }
}

impl World {
    fn new() -> Self {
        World {
            engine: Engine::new(),
            log: Vec::new(),
            now: start(),
            shadow: Shadow::default(),
            requests: Vec::new(),
            max_at_request: BTreeMap::new(),
        }
    }

    pub(crate) fn commit(
        &mut self,
        events: &[Event],
        obs: &mut dyn Observer,
    ) -> Result<(), TestCaseError> {
        for e in events {
            obs.before_apply(self, e)?;
            if let Event::RequestSubmitted { request, .. } = e {
                self.requests.push(request.id.to_string());
                let max = self
                    .engine
                    .policy(&request.role_definition_id, &request.scope)
                    .settings
                    .activation
                    .maximum;
                self.max_at_request.insert(request.id.to_string(), max);
            }
            if let Err(err) = self.engine.apply(e) {
                return Err(TestCaseError::fail(format!(
                    "an event the engine emitted does not apply: {err}: {e:?}"
                )));
            }
            self.shadow.apply(e);
            self.log.push(e.clone());
        }
        Ok(())
    }

    pub(crate) fn run_command(
        &mut self,
        step: &Step,
        cmd: &Command,
        ctx: &CallContext,
        obs: &mut dyn Observer,
    ) -> Result<(), TestCaseError> {
        match self.engine.execute(cmd, ctx, self.now) {
            Ok(outcome) => {
                obs.outcome(self, step, ctx, &outcome)?;
                self.commit(&outcome.events, obs)
            }
            // Malformed or unknown names: fine, nothing changes.
            Err(_) => Ok(()),
        }
    }

    /// Runs a setup command as the host; it must be accepted.
    fn setup_command(
        &mut self,
        what: &str,
        cmd: &Command,
        obs: &mut dyn Observer,
    ) -> Result<(), TestCaseError> {
        let outcome = self
            .engine
            .execute(cmd, &CallContext::system(), self.now)
            .map_err(|e| TestCaseError::fail(format!("{what} failed: {e}")))?;
        prop_assert!(
            outcome.decision.error.is_none(),
            "{} refused: {:?}",
            what,
            outcome.decision
        );
        self.commit(&outcome.events, obs)
    }

    fn setup(&mut self, t: &Tenant, obs: &mut dyn Observer) -> Result<(), TestCaseError> {
        self.setup_command("import", &import_command(t), obs)?;
        for (role, p) in ROLES.iter().zip(&t.policies) {
            if let Some(p) = p {
                self.setup_command("policy", &set_policy_command(role, p), obs)?;
            }
        }
        obs.after_step(self)
    }

    /// Requests whose effective status is in `statuses`, picked by `index`; else any request.
    pub(crate) fn pick_request(&self, index: &usize, wanted: &[Status]) -> Option<String> {
        let live: Vec<&String> = self
            .requests
            .iter()
            .filter(|id| {
                self.engine
                    .request(id, self.now)
                    .is_some_and(|r| wanted.contains(&r.status))
            })
            .collect();
        if !live.is_empty() {
            return Some(live[pick_at(index, live.len())].clone());
        }
        (!self.requests.is_empty())
            .then(|| self.requests[pick_at(index, self.requests.len())].clone())
    }

    /// An eligibility some user could activate now (theirs or a group's), as (user, role, scope).
    pub(crate) fn pick_eligibility(
        &self,
        index: &usize,
        scope: usize,
    ) -> Option<(String, String, String)> {
        let mut found = Vec::new();
        for u in &PRINCIPALS[..USERS] {
            for e in self.engine.eligible_roles(u, self.now) {
                let at = if e.scope == "/" {
                    SCOPES[scope].to_string()
                } else {
                    e.scope.to_string()
                };
                found.push((u.to_string(), e.role_definition_id.to_string(), at));
            }
        }
        (!found.is_empty()).then(|| found.swap_remove(pick_at(index, found.len())))
    }

    /// A schedule that has not ended, picked among those `keep` accepts, as
    /// (principal, role, scope, eligible).
    pub(crate) fn pick_schedule(
        &self,
        index: &usize,
        keep: impl Fn(&Schedule) -> bool,
    ) -> Option<(String, String, String, bool)> {
        let found: Vec<&Schedule> = self.shadow.schedules.values().filter(|s| keep(s)).collect();
        (!found.is_empty()).then(|| {
            let s = found[pick_at(index, found.len())];
            (
                s.principal_id.to_string(),
                s.role_definition_id.to_string(),
                s.scope.to_string(),
                s.kind == AssignmentType::Eligible,
            )
        })
    }

    pub(crate) fn instant(&self, offset: i64) -> String {
        pim_core::time::format_instant(&(self.now + minutes(offset)))
    }
}

pub(crate) fn drive(
    t: &Tenant,
    steps: &[Step],
    obs: &mut dyn Observer,
) -> Result<World, TestCaseError> {
    let mut w = World::new();
    w.setup(t, obs)?;
    for s in steps {
        w.step(s, obs)?;
    }
    Ok(w)
}

pub(crate) fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Keep no regression files next to the sources; failures print the minimal case.
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}
