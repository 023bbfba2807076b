//! The model-step driver: what each generated step asks the engine.
//!
//! Each step is planned against the world as it stands (which eligibility, schedule or request
//! it picks, who calls) into a command and a caller; the world then runs it.

use chrono::TimeDelta;
use pim_core::request::Status;
use pim_core::schedule::{Origin, Schedule};
use pim_core::{CallContext, Command};
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

use super::steps::{
    Activate, AdminAssign, AdminChange, AdminRemove, Cancel, Deactivate, Decide, Expiry,
    Membership, SelfExtendOrRenew, SetPolicy, Step, Who,
};
use super::tenant::{
    CALLERS, GROUPS, PRINCIPALS, ROLES, SCOPES, USERS, minutes, pick_at, request_command,
    set_policy_command,
};
use super::world::{Observer, World, caller_ctx};

/// A command and who calls it.
type Planned = Option<(Command, CallContext)>;

/// (principal, role, scope, eligible), as a step names it or as it was picked.
type Target = (String, String, String, bool);

impl World {
    pub(crate) fn step(
        &mut self,
        step: &Step,
        obs: &mut dyn Observer,
    ) -> Result<(), TestCaseError> {
        let planned = match step {
            Step::Activate(a) => a.plan(self),
            Step::Deactivate(d) => d.plan(self),
            Step::Decide(d) => d.plan(self),
            Step::Cancel(c) => c.plan(self),
            Step::AdminAssign(a) => a.plan(self),
            Step::AdminRemove(r) => r.plan(self),
            Step::AdminChange(c) => c.plan(self),
            Step::SelfExtendOrRenew(s) => s.plan(self),
            Step::Membership(m) => m.plan(),
            Step::SetPolicy(s) => s.plan(),
            Step::Advance { minutes: m, tick } => {
                self.now += minutes(*m);
                if *tick {
                    let events = self.engine.tick(self.now);
                    self.commit(&events, obs)?;
                }
                None
            }
        };
        if let Some((cmd, ctx)) = planned {
            self.run_command(step, &cmd, &ctx, obs)?;
        }
        obs.after_step(self)
    }

    /// An assigned schedule `keep` accepts, picked by `pick`; else the triple the step names.
    fn assigned_target(
        &self,
        pick: Option<usize>,
        named: Target,
        keep: impl Fn(&Schedule) -> bool,
    ) -> Target {
        pick.as_ref()
            .and_then(|i| self.pick_schedule(i, |s| s.origin == Origin::Assigned && keep(s)))
            .unwrap_or(named)
    }
}

fn named(principal: usize, role: usize, scope: usize, eligible: bool) -> Target {
    (
        PRINCIPALS[principal].into(),
        ROLES[role].into(),
        SCOPES[scope].into(),
        eligible,
    )
}

fn kind(eligible: bool) -> &'static str {
    if eligible {
        "eligibility"
    } else {
        "assignment"
    }
}

impl Activate {
    fn expiration(&self, w: &World, role: &str, scope: &str) -> Option<Value> {
        let max = w.engine.policy(role, scope).settings.activation.maximum;
        match self.expiry {
            Expiry::Absent => None,
            Expiry::Minutes(m) => {
                Some(json!({ "type": "afterDuration", "duration": format!("PT{m}M") }))
            }
            Expiry::EndAfter(m) => Some(json!({
                "type": "afterDateTime",
                "endDateTime": w.instant(self.start.unwrap_or(0).max(0) + m)
            })),
            Expiry::AtMax(d) => Some(json!({
                "type": "afterDuration",
                "duration": format!("PT{}M", (max.num_minutes() + d).max(0))
            })),
            Expiry::NoExpiration => Some(json!({ "type": "noExpiration" })),
        }
    }

    fn plan(&self, w: &World) -> Planned {
        let (user, role, scope) = self
            .pick
            .as_ref()
            .and_then(|i| w.pick_eligibility(i, self.scope))
            .unwrap_or_else(|| {
                let (u, r, s, _) = named(self.user, self.role, self.scope, true);
                (u, r, s)
            });
        let mut info = serde_json::Map::new();
        if let Some(s) = self.start {
            info.insert("startDateTime".into(), json!(w.instant(s)));
        }
        if let Some(e) = self.expiration(w, &role, &scope) {
            info.insert("expiration".into(), e);
        }
        let mut body = json!({
            "action": "selfActivate", "principalId": user,
            "roleDefinitionId": role, "directoryScopeId": scope,
            "scheduleInfo": Value::Object(info),
        });
        if self.justification {
            body["justification"] = json!("incident response");
        }
        if self.ticket {
            body["ticketInfo"] = json!({ "ticketNumber": "INC-1", "ticketSystem": "snow" });
        }
        let mut ctx = CallContext::user(&user);
        ctx.mfa = self.mfa;
        Some((request_command("assignment", body), ctx))
    }
}

impl Deactivate {
    fn plan(&self, w: &World) -> Planned {
        let now = w.now;
        let (user, role, scope, _) = self
            .pick
            .as_ref()
            .and_then(|i| {
                w.pick_schedule(i, |s| {
                    s.origin == Origin::Activated && s.ended.is_none() && s.not_over(now)
                })
            })
            .unwrap_or_else(|| named(self.user, self.role, self.scope, false));
        let cmd = request_command(
            "assignment",
            json!({
                "action": "selfDeactivate", "principalId": user,
                "roleDefinitionId": role, "directoryScopeId": scope,
            }),
        );
        Some((cmd, CallContext::user(&user)))
    }
}

impl Decide {
    /// The caller and the request: a listed approver and their pending request when the step
    /// asks for one and there is one; else a pending (or any) request.
    fn chosen(&self, w: &World) -> Option<(CallContext, String)> {
        let listed: Vec<(&str, String)> = PRINCIPALS[..CALLERS]
            .iter()
            .flat_map(|u| {
                w.engine
                    .pending_approvals(u, w.now)
                    .into_iter()
                    .map(|r| (*u, r.id.into_string()))
            })
            .collect();
        let chosen = match self.who {
            Who::Approver if !listed.is_empty() => {
                Some(listed[pick_at(&self.request, listed.len())].clone())
            }
            _ => None,
        };
        let id = chosen.as_ref().map(|(_, id)| id.clone()).or_else(|| {
            w.pick_request(
                &self.request,
                &[Status::PendingApproval, Status::PendingAdminDecision],
            )
        })?;
        let ctx = match &self.who {
            Who::Approver => match &chosen {
                Some((u, _)) => CallContext::user(u),
                None => CallContext::user("u0"),
            },
            Who::Principal => {
                let r = w.engine.request(&id, w.now).expect("known request");
                CallContext::user(&r.principal_id)
            }
            Who::Caller(c) => CallContext::user(PRINCIPALS[*c]),
        };
        Some((ctx, id))
    }

    fn plan(&self, w: &World) -> Planned {
        let (ctx, id) = self.chosen(w)?;
        let mut cmd = json!({
            "op": "decide", "requestId": id,
            "reviewResult": if self.approve { "Approve" } else { "Deny" },
        });
        if self.justification {
            cmd["justification"] = json!("looks right");
        }
        let cmd: Command = serde_json::from_value(cmd).expect("decide parses");
        Some((cmd, ctx))
    }
}

impl Cancel {
    fn plan(&self, w: &World) -> Planned {
        let id = w.pick_request(
            &self.request,
            &[
                Status::PendingApproval,
                Status::PendingAdminDecision,
                Status::Granted,
            ],
        )?;
        let ctx = match &self.who {
            None => CallContext::system(),
            Some(Who::Principal) => {
                let r = w.engine.request(&id, w.now).expect("known request");
                CallContext::user(&r.principal_id)
            }
            Some(Who::Caller(c)) => CallContext::user(PRINCIPALS[*c]),
            Some(Who::Approver) => CallContext::user("u0"),
        };
        Some((
            Command::Cancel {
                request_id: id.into(),
            },
            ctx,
        ))
    }
}

impl AdminAssign {
    fn plan(&self, w: &World) -> Planned {
        let mut info = serde_json::Map::new();
        if let Some(s) = self.start {
            info.insert("startDateTime".into(), json!(w.instant(s)));
        }
        if let Some(l) = self.length {
            info.insert(
                "expiration".into(),
                json!({ "type": "afterDuration", "duration": format!("PT{l}M") }),
            );
        }
        let mut body = json!({
            "action": "adminAssign", "principalId": PRINCIPALS[self.principal],
            "roleDefinitionId": ROLES[self.role], "directoryScopeId": SCOPES[self.scope],
            "scheduleInfo": Value::Object(info),
        });
        if self.justification {
            body["justification"] = json!("project work");
        }
        let cmd = request_command(kind(self.eligible), body);
        Some((cmd, caller_ctx(self.caller).with_mfa()))
    }
}

impl AdminRemove {
    fn plan(&self, w: &World) -> Planned {
        let now = w.now;
        let (principal, role, scope, eligible) = w.assigned_target(
            self.pick,
            named(self.principal, self.role, self.scope, self.eligible),
            |s| s.ended.is_none() && s.not_over(now),
        );
        let cmd = request_command(
            kind(eligible),
            json!({
                "action": "adminRemove", "principalId": principal,
                "roleDefinitionId": role, "directoryScopeId": scope,
                "justification": "no longer needed",
            }),
        );
        Some((cmd, caller_ctx(self.caller).with_mfa()))
    }
}

impl AdminChange {
    fn plan(&self, w: &World) -> Planned {
        let now = w.now;
        let (principal, role, scope, eligible) = w.assigned_target(
            self.pick,
            named(self.principal, self.role, self.scope, self.eligible),
            |s| s.ended.is_none() && s.not_over(now),
        );
        let mut info = serde_json::Map::new();
        if let Some(s) = self.start {
            info.insert("startDateTime".into(), json!(w.instant(s)));
        }
        info.insert(
            "expiration".into(),
            json!({ "type": "afterDateTime", "endDateTime": w.instant(self.end) }),
        );
        let cmd = request_command(
            kind(eligible),
            json!({
                "action": if self.extend { "adminExtend" } else { "adminUpdate" },
                "principalId": principal,
                "roleDefinitionId": role, "directoryScopeId": scope,
                "justification": "change", "scheduleInfo": Value::Object(info),
            }),
        );
        Some((cmd, caller_ctx(self.caller).with_mfa()))
    }
}

impl SelfExtendOrRenew {
    /// Renewal wants a user's schedule that ended in the last 30 days; extension one still
    /// running that has an end.
    fn wants(&self, s: &Schedule, now: pim_core::Instant) -> bool {
        PRINCIPALS[..USERS].contains(&s.principal_id.as_str())
            && s.end_date_time.is_some_and(|e| {
                if self.renew {
                    e <= now && now - e <= TimeDelta::days(30)
                } else {
                    s.ended.is_none() && e > now
                }
            })
    }

    fn plan(&self, w: &World) -> Planned {
        let now = w.now;
        let (user, role, scope, eligible) = w.assigned_target(
            self.pick,
            named(self.user, self.role, self.scope, self.eligible),
            |s| self.wants(s, now),
        );
        let cmd = request_command(
            kind(eligible),
            json!({
                "action": if self.renew { "selfRenew" } else { "selfExtend" },
                "principalId": user,
                "roleDefinitionId": role, "directoryScopeId": scope,
                "justification": "still needed",
            }),
        );
        Some((cmd, CallContext::user(&user)))
    }
}

impl Membership {
    fn plan(&self) -> Planned {
        let m = vec![PRINCIPALS[self.member].to_string()];
        let (add, remove) = if self.add {
            (m, Vec::new())
        } else {
            (Vec::new(), m)
        };
        let cmd = Command::ChangeMembership {
            group_id: GROUPS[self.group].into(),
            add: add.into_iter().map(Into::into).collect(),
            remove: remove.into_iter().map(Into::into).collect(),
        };
        Some((cmd, caller_ctx(self.caller)))
    }
}

impl SetPolicy {
    fn plan(&self) -> Planned {
        let cmd = set_policy_command(ROLES[self.role], &self.policy);
        Some((cmd, caller_ctx(self.caller)))
    }
}
