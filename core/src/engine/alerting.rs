//! Alert commands: configuration, dismissal, refresh, remediation, and the directory facts
//! alerts read (sign-ins, assignments made outside PIM).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::Engine;
use super::commands::{CallContext, Command, Outcome};
use crate::alerts::{AlertConfiguration, AlertId};
use crate::error::{CommandError, Decision, DecisionError, ErrorCode};
use crate::event::Event;
use crate::id::ScopeId;
use crate::schedule::{AssignmentType, Origin, Schedule, normalise_scope};
use crate::time::Instant;
use crate::wire::{
    Action, AssignmentEntry, Enablement, PolicyRule, RequestKind, RuleBody, RuleId,
    ScheduleRequestBody,
};

impl Engine {
    fn alert_admin(&self, ctx: &CallContext, now: Instant) -> Option<Outcome> {
        match &ctx.caller {
            Some(c) if !self.is_admin(c, now) => Some(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                format!("`{c}` may not manage alerts"),
            ))),
            _ => None,
        }
    }

    pub(crate) fn configure_alert(
        &self,
        alert: AlertId,
        config: &AlertConfiguration,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if let Some(refused) = self.alert_admin(ctx, now) {
            return Ok(refused);
        }
        let after = self
            .state
            .alert_settings()
            .configured(alert, config)
            .map_err(|e| CommandError::InvalidField {
                field: "configuration",
                reason: e.to_string(),
            })?;
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::AlertConfigured {
                at: now,
                by: ctx.caller.clone(),
                alert_id: alert,
                configuration: after.configuration(alert),
            }],
        })
    }

    pub(crate) fn dismiss_alert(
        &self,
        alert: AlertId,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if let Some(refused) = self.alert_admin(ctx, now) {
            return Ok(refused);
        }
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::AlertDismissed {
                at: now,
                by: ctx.caller.clone(),
                alert_id: alert,
            }],
        })
    }

    pub(crate) fn refresh_alerts(
        &self,
        alerts: &[AlertId],
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if let Some(refused) = self.alert_admin(ctx, now) {
            return Ok(refused);
        }
        let ids = if alerts.is_empty() {
            AlertId::ALL.to_vec()
        } else {
            alerts.to_vec()
        };
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::AlertsRefreshed {
                at: now,
                by: ctx.caller.clone(),
                alert_ids: ids,
            }],
        })
    }

    pub(crate) fn record_sign_in(
        &self,
        principal: &str,
        when: Option<Instant>,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if self.state.directory().principal(principal).is_none() {
            return Err(CommandError::UnknownPrincipal(principal.into()));
        }
        if ctx.caller.is_some() {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                "only the host records directory facts",
            )));
        }
        super::commands::horizon("signInDateTime", when)?;
        let when = when.unwrap_or(now);
        if when > now {
            return Err(CommandError::InvalidField {
                field: "signInDateTime",
                reason: "a sign-in cannot be in the future".into(),
            });
        }
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::SignInRecorded {
                at: now,
                principal_id: principal.into(),
                sign_in_date_time: when,
            }],
        })
    }

    /// An assignment the directory reports that PIM did not make (the host's directory sync).
    pub(crate) fn record_outside_assignment(
        &self,
        a: &AssignmentEntry,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if ctx.caller.is_some() {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::AuthorizationFailed,
                "only the host records directory facts",
            )));
        }
        if self.state.directory().principal(&a.principal_id).is_none() {
            return Err(CommandError::UnknownPrincipal(a.principal_id.clone()));
        }
        if self.state.directory().role(&a.role_definition_id).is_none() {
            return Err(CommandError::UnknownRole(a.role_definition_id.clone()));
        }
        let scope = normalise_scope(a.directory_scope_id.as_deref(), a.app_scope_id.as_deref())
            .map_err(|reason| CommandError::InvalidField {
                field: "directoryScopeId",
                reason: reason.into(),
            })?;
        let start = a.start_date_time.unwrap_or(now);
        super::commands::horizon("startDateTime", Some(start))?;
        super::commands::horizon("endDateTime", a.end_date_time)?;
        if a.end_date_time.is_some_and(|e| e <= start) {
            return Err(CommandError::InvalidField {
                field: "endDateTime",
                reason: "must be after the start".into(),
            });
        }
        Ok(Outcome {
            decision: Decision::default(),
            events: vec![Event::ScheduleCreated {
                at: now,
                by: None,
                schedule: Schedule {
                    outside_pim: true,
                    break_glass: false,
                    ..Schedule::assigned(
                        self.state.next_id("schedule", 0),
                        a.kind,
                        &a.principal_id,
                        &a.role_definition_id,
                        scope,
                        (start, a.end_date_time),
                        None,
                    )
                }
                .into(),
            }],
        })
    }

    /// The ordinary commands that remediate an alert (one incident, or all of them).
    fn remediation(&self, alert: AlertId, incident: Option<&str>, now: Instant) -> Vec<Command> {
        let mut commands = Vec::new();
        let mut removed: Vec<crate::id::ScheduleId> = Vec::new();
        let found = self.alert(alert, now);
        let remove = |s: &Schedule| Command::Request {
            kind: match s.kind {
                AssignmentType::Eligible => RequestKind::Eligibility,
                AssignmentType::Active => RequestKind::Assignment,
            },
            body: Box::new(ScheduleRequestBody {
                odata_type: None,
                id: None,
                action: Action::AdminRemove,
                principal_id: s.principal_id.clone(),
                role_definition_id: s.role_definition_id.clone(),
                directory_scope_id: s.directory_scope_id().map(ScopeId::from),
                app_scope_id: s.app_scope_id().map(String::from),
                justification: Some(format!("Remediation of alert {alert}")),
                schedule_info: None,
                ticket_info: None,
                is_validation_only: false,
                target_schedule_id: Some(s.id.clone()),
                custom_data: None,
            }),
        };
        for i in found
            .incidents
            .iter()
            .filter(|i| incident.is_none_or(|id| i.id == id))
        {
            match alert {
                AlertId::RedundantAssignment | AlertId::RolesAssignedOutsidePim => {
                    if let Some(s) = i
                        .schedule_id
                        .as_deref()
                        .and_then(|id| self.state.schedule(id))
                    {
                        commands.push(remove(&s));
                    }
                }
                AlertId::TooManyGlobalAdmins | AlertId::StaleSignIn => {
                    let Some(p) = i.assignee_id.as_deref() else {
                        continue;
                    };
                    for s in self.state.schedules_of(p).filter(|s| {
                        s.origin == Origin::Assigned
                            && s.ended.is_none()
                            && s.in_effect(now)
                            && (alert == AlertId::StaleSignIn
                                || i.role_definition_id.as_deref()
                                    == Some(s.role_definition_id.as_str()))
                    }) {
                        commands.push(remove(&s));
                    }
                }
                AlertId::NoMfaOnRoleActivation => {
                    let Some(role) = i.role_definition_id.as_deref() else {
                        continue;
                    };
                    let policy = self.policy(role, "/");
                    let mut enabled: Vec<Enablement> = policy
                        .rules
                        .iter()
                        .find_map(|r| match (&r.body, r.id) {
                            (
                                RuleBody::Enablement { enabled_rules },
                                RuleId::EnablementEndUserAssignment,
                            ) => Some(enabled_rules.clone()),
                            _ => None,
                        })
                        .unwrap_or_default();
                    enabled.push(Enablement::MultiFactorAuthentication);
                    let mut rule = PolicyRule::default_for(RuleId::EnablementEndUserAssignment);
                    rule.body = RuleBody::Enablement {
                        enabled_rules: enabled,
                    };
                    commands.push(Command::SetPolicy {
                        role_definition_id: role.into(),
                        scope_id: ScopeId::from("/"),
                        scope_type: None,
                        rules: vec![rule],
                    });
                }
                AlertId::SeparationOfDutiesViolation => {
                    // An assignment is removed; an activation by removing the eligibility it
                    // was activated from, which ends it.
                    let s = i
                        .schedule_id
                        .as_deref()
                        .and_then(|id| self.state.schedule(id));
                    let s = match s {
                        Some(s) if s.origin == Origin::Activated => s
                            .activated_using
                            .as_deref()
                            .and_then(|id| self.state.schedule(id)),
                        other => other,
                    };
                    // Two members through one group share the grant: removed once.
                    if let Some(s) = s.filter(|s| !removed.contains(&s.id)) {
                        removed.push(s.id.clone());
                        commands.push(remove(&s));
                    }
                }
                AlertId::SequentialActivationRenewals | AlertId::BreakGlassActivation => {}
            }
        }
        commands
    }

    pub(crate) fn remediate_alert(
        &self,
        alert: AlertId,
        incident: Option<&str>,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, CommandError> {
        if let Some(refused) = self.alert_admin(ctx, now) {
            return Ok(refused);
        }
        if !alert.is_remediatable() {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::InvalidRequest,
                format!("alert `{alert}` cannot be remediated"),
            )));
        }
        let commands = self.remediation(alert, incident, now);
        if commands.is_empty() {
            return Ok(Outcome::refused(DecisionError::new(
                ErrorCode::InvalidRequest,
                match incident {
                    Some(i) => format!("alert `{alert}` has no incident `{i}`"),
                    None => format!("alert `{alert}` has no incident to remediate"),
                },
            )));
        }
        // Remediation is ordinary commands by the caller, decided one after another on a copy
        // of the state, so each is audited like any other request.
        let mut sim = self.clone();
        let mut events = Vec::new();
        for command in &commands {
            let outcome = sim.execute(command, ctx, now)?;
            if let Some(error) = outcome.decision.error {
                return Ok(Outcome::refused(error));
            }
            for e in &outcome.events {
                sim.apply(e).map_err(CommandError::Remediation)?;
            }
            events.extend(outcome.events);
        }
        Ok(Outcome {
            decision: Decision::default(),
            events,
        })
    }
}
