//! The scenario runner, generic over the host that holds the engine.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::file::{ScenarioFile, Step, Verb};
use crate::engine::{CallContext, Command, Engine, Outcome, Query, QueryResult};
use crate::error::{CommandError, Decision, DecisionError, ErrorCode};
use crate::event::Event;
use crate::id::ReviewId;
use crate::settle::{SettleError, settle};
use crate::tenant::SetupError;
use crate::time::{Instant, format_instant};

/// A failure of the host, or input the engine refused as malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendError {
    /// Malformed input (Graph's `InvalidRequest`).
    Invalid(String),
    /// The host failed (storage, trap, time-out).
    Host(String),
}

impl From<CommandError> for BackendError {
    fn from(e: CommandError) -> Self {
        BackendError::Invalid(e.to_string())
    }
}

/// What a runner needs from a host: the engine's operations, durable commits, and restarts.
pub trait Backend {
    /// Decides a command.
    fn execute(
        &mut self,
        command: &Command,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, BackendError>;
    /// Persists events, then applies them.
    fn commit(&mut self, events: &[Event]) -> Result<(), BackendError>;
    /// The events time alone causes up to `now`.
    fn tick(&mut self, now: Instant) -> Result<Vec<Event>, BackendError>;
    /// Answers a query.
    fn query(&mut self, query: &Query, now: Instant) -> Result<QueryResult, BackendError>;
    /// Drops in-memory state and reloads it from storage.
    fn restart(&mut self) -> Result<(), BackendError>;
}

/// The native engine with its event log in memory; a restart replays the log.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    /// The engine.
    pub engine: Engine,
    /// Every committed event.
    pub log: Vec<Event>,
}

impl Backend for MemoryBackend {
    fn execute(
        &mut self,
        command: &Command,
        ctx: &CallContext,
        now: Instant,
    ) -> Result<Outcome, BackendError> {
        Ok(self.engine.execute(command, ctx, now)?)
    }

    fn commit(&mut self, events: &[Event]) -> Result<(), BackendError> {
        for e in events {
            self.engine
                .apply(e)
                .map_err(|e| BackendError::Host(e.to_string()))?;
            self.log.push(e.clone());
        }
        Ok(())
    }

    fn tick(&mut self, now: Instant) -> Result<Vec<Event>, BackendError> {
        Ok(self.engine.tick(now))
    }

    fn query(&mut self, query: &Query, now: Instant) -> Result<QueryResult, BackendError> {
        Ok(self.engine.query(query, now)?)
    }

    fn restart(&mut self) -> Result<(), BackendError> {
        self.engine = Engine::replay(&self.log).map_err(|e| BackendError::Host(e.to_string()))?;
        Ok(())
    }
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    /// 1-based step number (0 is the tenant setup).
    pub step: usize,
    /// The verb.
    pub verb: String,
    /// The step's name, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the step produced what it had to.
    pub ok: bool,
    /// What it produced.
    pub actual: Value,
    /// What it had to produce.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// How they differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<String>,
}

/// The report of one scenario file: identical on every host.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: String,
    /// One entry per step.
    pub steps: Vec<StepReport>,
    /// Steps that passed.
    pub passed: usize,
    /// Steps that failed.
    pub failed: usize,
}

impl ScenarioReport {
    /// The report as text: one line per step, `ok` or `FAIL` with what differed.
    pub fn to_text(&self) -> String {
        let mut out = format!("# {}\n", self.name);
        for s in &self.steps {
            let label = match &s.name {
                Some(n) => format!("{} {} ({n})", s.step, s.verb),
                None => format!("{} {}", s.step, s.verb),
            };
            if s.ok {
                out.push_str(&format!("ok   {label}\n"));
            } else {
                out.push_str(&format!("FAIL {label}: {}\n", s.mismatches.join("; ")));
            }
        }
        out
    }

    fn record(&mut self, step: usize, s: Option<&Step>, actual: Value) {
        let mismatches = match s.and_then(|s| s.expect.as_ref()) {
            Some(e) => e.mismatches(&actual),
            None => match actual.get("error") {
                Some(err) => vec![format!(
                    "step failed: {}",
                    err.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("error")
                )],
                None => Vec::new(),
            },
        };
        let ok = mismatches.is_empty();
        if ok {
            self.passed = self.passed.saturating_add(1);
        } else {
            self.failed = self.failed.saturating_add(1);
        }
        self.steps.push(StepReport {
            step,
            verb: s.map_or("setup", |s| s.verb.name()).into(),
            name: s.and_then(|s| s.name.clone()),
            ok,
            actual,
            expected: s.and_then(|s| s.expect.as_ref()).map(|e| e.raw.clone()),
            mismatches,
        });
    }
}

fn error_value(code: ErrorCode, failed_rules: &[crate::FailedRule], message: &str) -> Value {
    let mut m = Map::new();
    m.insert("code".into(), Value::String(code.as_str().into()));
    if !failed_rules.is_empty() {
        m.insert("failedRules".into(), json!(failed_rules));
    }
    m.insert("message".into(), Value::String(message.into()));
    json!({ "error": m })
}

fn backend_error(e: BackendError) -> Value {
    match e {
        BackendError::Invalid(m) => error_value(ErrorCode::InvalidRequest, &[], &m),
        BackendError::Host(m) => json!({ "error": { "code": "HostError", "message": m } }),
    }
}

fn decision_value(d: &Decision) -> Value {
    if let Some(DecisionError {
        code,
        failed_rules,
        message,
    }) = &d.error
    {
        return error_value(*code, failed_rules, message);
    }
    let mut m = Map::new();
    if let Some(r) = &d.request {
        m.insert("requestId".into(), Value::String(r.id.as_str().into()));
    }
    if let Some(s) = d.status {
        m.insert("status".into(), Value::String(s.as_str().into()));
    }
    if let Some(t) = d.start_date_time {
        m.insert("startDateTime".into(), Value::String(format_instant(&t)));
    }
    if let Some(t) = d.end_date_time {
        m.insert("endDateTime".into(), Value::String(format_instant(&t)));
    }
    Value::Object(m)
}

/// The most rounds (instants with something due) one clock move may take before the runner
/// gives up.
const MAX_CLOCK_ROUNDS: usize = 100_000;

fn settle_error(e: SettleError<BackendError>) -> BackendError {
    match e {
        SettleError::Unsettled(why) => BackendError::Host(why.to_string()),
        SettleError::Failed(e) => e,
    }
}

fn unexpected(what: &str) -> BackendError {
    BackendError::Host(format!("unexpected answer to {what}"))
}

/// A verb handed to the function of another step family (a bug in the runner).
fn wrong_family(verb: &Verb) -> BackendError {
    BackendError::Host(format!("`{}` is not handled here", verb.name()))
}

struct Run<'a, B: Backend> {
    backend: &'a mut B,
    now: Instant,
    names: BTreeMap<String, String>,
}

impl<B: Backend> Run<'_, B> {
    fn command(&mut self, command: Command, ctx: &CallContext) -> Result<Decision, BackendError> {
        let outcome = self.backend.execute(&command, ctx, self.now)?;
        self.backend.commit(&outcome.events)?;
        Ok(outcome.decision)
    }

    fn request_id(&self, name: &str) -> Result<String, BackendError> {
        self.names.get(name).cloned().ok_or_else(|| {
            BackendError::Invalid(format!("no earlier step named `{name}` created a request"))
        })
    }

    /// Runs one step: the verb's family decides what it does.
    fn step(&mut self, step: &Step) -> Result<Value, BackendError> {
        let verb = &step.verb;
        let command = match verb {
            Verb::Advance(_) | Verb::At(_) => return self.time_step(verb),
            Verb::Check { .. }
            | Verb::Status { .. }
            | Verb::Audit(_)
            | Verb::Alerts
            | Verb::Schedules(_)
            | Verb::Requests(_)
            | Verb::Review { .. }
            | Verb::Notifications { .. } => return self.query_step(verb),
            Verb::Restart => {
                self.backend.restart()?;
                return Ok(json!({}));
            }
            Verb::Malformed { message, .. } => return Err(BackendError::Invalid(message.clone())),
            Verb::Request { .. } | Verb::Approve { .. } | Verb::Cancel { .. } => {
                self.request_command(verb)?
            }
            Verb::Policy(_)
            | Verb::Membership { .. }
            | Verb::AuditRetention { .. }
            | Verb::SignIn { .. }
            | Verb::OutsideAssignment(_) => admin_command(verb)?,
            Verb::AlertSettings { .. }
            | Verb::DismissAlert { .. }
            | Verb::RefreshAlerts { .. }
            | Verb::RemediateAlert { .. } => alert_command(verb)?,
            Verb::CreateReview(_) | Verb::ReviewDecision { .. } | Verb::ReviewAction { .. } => {
                review_command(verb)?
            }
        };
        self.decided(step, command)
    }

    /// Decides and commits a step's command as its caller; a request it creates takes the
    /// step's name.
    fn decided(&mut self, step: &Step, command: Command) -> Result<Value, BackendError> {
        let ctx = CallContext {
            caller: step.caller.as_deref().map(Into::into),
            mfa: step.mfa,
            auth_context: step.auth_context.clone(),
        };
        let d = self.command(command, &ctx)?;
        if let (Some(name), Some(r)) = (&step.name, &d.request)
            && d.error.is_none()
        {
            self.names.insert(name.clone(), r.id.as_str().into());
        }
        Ok(decision_value(&d))
    }

    /// `advance` and `at`: moves the clock.
    fn time_step(&mut self, verb: &Verb) -> Result<Value, BackendError> {
        let to = match verb {
            Verb::Advance(d) => self
                .now
                .checked_add_signed(d.delta())
                .ok_or_else(|| BackendError::Invalid("advancing overflows the calendar".into()))?,
            Verb::At(t) => *t,
            other => return Err(wrong_family(other)),
        };
        self.move_clock(to)
    }

    /// Moves the clock to `to`, committing what time causes on the way until nothing is due.
    fn move_clock(&mut self, to: Instant) -> Result<Value, BackendError> {
        if to < self.now {
            return Err(BackendError::Invalid(format!(
                "the clock never moves backwards: `{}` is before `{}`",
                format_instant(&to),
                format_instant(&self.now)
            )));
        }
        let settled = settle(
            &mut *self.backend,
            MAX_CLOCK_ROUNDS,
            |b| b.tick(to),
            |b, events| b.commit(&events),
        )
        .map_err(settle_error)?;
        self.now = to;
        Ok(json!({ "now": format_instant(&to), "events": settled.events }))
    }

    /// `request`, `approve` and `cancel`: the command on a request.
    fn request_command(&self, verb: &Verb) -> Result<Command, BackendError> {
        Ok(match verb {
            Verb::Request { kind, body } => Command::Request {
                kind: *kind,
                body: body.clone(),
            },
            Verb::Approve {
                request,
                review_result,
                justification,
            } => {
                let id = self.request_id(request)?;
                serde_json::from_value::<Command>(json!({
                    "op": "decide", "requestId": id, "reviewResult": review_result,
                    "justification": justification,
                }))
                .map_err(|e| BackendError::Invalid(e.to_string()))?
            }
            Verb::Cancel { request } => Command::Cancel {
                request_id: self.request_id(request)?.into(),
            },
            other => return Err(wrong_family(other)),
        })
    }

    /// The query steps: `check`, `status`, `audit`, `alerts`, `review`, `notifications`.
    fn query_step(&mut self, verb: &Verb) -> Result<Value, BackendError> {
        match verb {
            Verb::Check {
                principal_id,
                role_definition_id,
                directory_scope_id,
                app_scope_id,
            } => {
                let q = Query::Check {
                    principal_id: principal_id.as_str().into(),
                    role_definition_id: role_definition_id.as_str().into(),
                    directory_scope_id: directory_scope_id.as_deref().map(Into::into),
                    app_scope_id: app_scope_id.clone(),
                };
                match self.backend.query(&q, self.now)? {
                    QueryResult::Check(c) => Ok(json!(c)),
                    _ => Err(unexpected("check")),
                }
            }
            Verb::Status { request } => self.status(request),
            Verb::Audit(filter) => {
                match self
                    .backend
                    .query(&Query::Audit(filter.clone()), self.now)?
                {
                    QueryResult::Audit(records) => Ok(audit_value(&records)),
                    _ => Err(unexpected("audit")),
                }
            }
            Verb::Alerts => match self.backend.query(&Query::Alerts {}, self.now)? {
                QueryResult::Alerts(alerts) => Ok(alerts_value(&alerts)),
                _ => Err(unexpected("alerts")),
            },
            Verb::Schedules(filter) => {
                match self
                    .backend
                    .query(&Query::ScheduleList(filter.clone()), self.now)?
                {
                    QueryResult::Schedules(list) => Ok(json!({ "listed": list })),
                    _ => Err(unexpected("schedules")),
                }
            }
            Verb::Requests(filter) => {
                match self
                    .backend
                    .query(&Query::Requests(filter.clone()), self.now)?
                {
                    QueryResult::Requests(list) => Ok(json!({ "listed": list })),
                    _ => Err(unexpected("requests")),
                }
            }
            Verb::Review { review_id } => self.review(review_id),
            Verb::Notifications { since, recipient } => self.notifications(*since, recipient),
            other => Err(wrong_family(other)),
        }
    }

    /// `status`: a named request as it stands.
    fn status(&mut self, request: &str) -> Result<Value, BackendError> {
        let id = self.request_id(request)?;
        match self.backend.query(
            &Query::Request {
                request_id: id.into(),
            },
            self.now,
        )? {
            QueryResult::Request(r) => {
                let steps = approval_steps_value(&r);
                let mut v = decision_value(&Decision {
                    status: Some(r.status),
                    start_date_time: Some(r.start_date_time),
                    end_date_time: r.end_date_time,
                    request: Some(*r),
                    error: None,
                });
                if let Value::Object(m) = &mut v {
                    m.insert("approvalSteps".into(), steps);
                }
                Ok(v)
            }
            _ => Err(unexpected("status")),
        }
    }

    /// `review`: a review's latest instance.
    fn review(&mut self, review_id: &str) -> Result<Value, BackendError> {
        let q = Query::Review {
            review_id: review_id.into(),
        };
        match self.backend.query(&q, self.now)? {
            QueryResult::Review(r) => Ok(review_value(&r)),
            _ => Err(unexpected("review")),
        }
    }

    /// `notifications`: what the engine called for.
    fn notifications(
        &mut self,
        since: Option<Instant>,
        recipient: &Option<String>,
    ) -> Result<Value, BackendError> {
        let q = Query::Notifications {
            since,
            recipient: recipient.clone(),
        };
        match self.backend.query(&q, self.now)? {
            QueryResult::Notifications(list) => Ok(notifications_value(&list)),
            _ => Err(unexpected("notifications")),
        }
    }
}

/// `policy`, `membership`, `auditRetention`, `signIn` and `outsideAssignment`: the tenant's
/// settings and the directory's facts.
fn admin_command(verb: &Verb) -> Result<Command, BackendError> {
    Ok(match verb {
        Verb::Policy(p) => Command::SetPolicy {
            role_definition_id: p.role_definition_id.clone(),
            scope_id: p.scope_id.clone(),
            scope_type: p.scope_type,
            rules: p.rules.clone(),
        },
        Verb::Membership {
            group_id,
            add,
            remove,
        } => Command::ChangeMembership {
            group_id: group_id.as_str().into(),
            add: add.iter().map(Into::into).collect(),
            remove: remove.iter().map(Into::into).collect(),
        },
        Verb::AuditRetention { days } => Command::SetAuditRetention { days: *days },
        Verb::SignIn { principal_id, at } => Command::RecordSignIn {
            principal_id: principal_id.as_str().into(),
            sign_in_date_time: *at,
        },
        Verb::OutsideAssignment(a) => Command::RecordOutsideAssignment {
            assignment: a.clone(),
        },
        other => return Err(wrong_family(other)),
    })
}

/// `alertSettings`, `dismissAlert`, `refreshAlerts` and `remediateAlert`.
fn alert_command(verb: &Verb) -> Result<Command, BackendError> {
    Ok(match verb {
        Verb::AlertSettings {
            alert_id,
            configuration,
        } => Command::ConfigureAlert {
            alert_id: *alert_id,
            configuration: configuration.clone(),
        },
        Verb::DismissAlert { alert_id } => Command::DismissAlert {
            alert_id: *alert_id,
        },
        Verb::RefreshAlerts { alert_ids } => Command::RefreshAlerts {
            alert_ids: alert_ids.clone(),
        },
        Verb::RemediateAlert {
            alert_id,
            incident_id,
        } => Command::RemediateAlert {
            alert_id: *alert_id,
            incident_id: incident_id.clone(),
        },
        other => return Err(wrong_family(other)),
    })
}

/// `createReview`, `reviewDecision`, and the administrator's actions on a review.
fn review_command(verb: &Verb) -> Result<Command, BackendError> {
    Ok(match verb {
        Verb::CreateReview(definition) => Command::CreateReview {
            definition: definition.clone(),
        },
        Verb::ReviewDecision {
            review_id,
            principal_id,
            decision,
            justification,
        } => Command::DecideReview {
            review_id: review_id.as_str().into(),
            principal_id: principal_id.as_str().into(),
            decision: *decision,
            justification: justification.clone(),
        },
        Verb::ReviewAction { action, review_id } => {
            let review_id: ReviewId = review_id.as_str().into();
            match *action {
                "stopReview" => Command::StopReview { review_id },
                "resetReview" => Command::ResetReview { review_id },
                "applyReview" => Command::ApplyReview { review_id },
                _ => Command::DeleteReview { review_id },
            }
        }
        other => return Err(wrong_family(other)),
    })
}

/// The `audit` step's report: the activities and the records, oldest first.
fn audit_value(records: &[crate::AuditRecord]) -> Value {
    let names: Vec<&str> = records
        .iter()
        .map(|r| r.activity_display_name.as_str())
        .collect();
    json!({ "activities": names, "records": records })
}

/// The `alerts` step's report: active and inactive alerts, and each one's incidents.
fn alerts_value(alerts: &[crate::alerts::Alert]) -> Value {
    let (mut active, mut inactive) = (Vec::new(), Vec::new());
    let mut incidents = Map::new();
    for a in alerts {
        let id = a.alert_definition_id.as_str();
        if a.is_active {
            active.push(id);
        } else {
            inactive.push(id);
        }
        let ids: Vec<&str> = a.incidents.iter().map(|i| i.id.as_str()).collect();
        incidents.insert(id.into(), json!(ids));
    }
    json!({ "active": active, "inactive": inactive, "incidents": incidents, "alerts": alerts })
}

/// The `notifications` step's report.
fn notifications_value(list: &[crate::notify::Notification]) -> Value {
    let items: Vec<Value> = list
        .iter()
        .map(|n| {
            let mut item = json!({
                "kind": n.kind,
                "ruleId": n.rule_id,
                "recipientType": n.recipient_type,
                "critical": n.critical,
                "recipients": n.recipients,
                "truncated": n.truncated,
                "principalId": n.principal_id,
            });
            if let (Some(alert), Some(map)) = (n.alert_id, item.as_object_mut()) {
                map.insert("alertId".into(), json!(alert));
                map.insert("roleDefinitionId".into(), json!(n.role_definition_id));
            }
            if let (Some(review), Some(map)) = (&n.review_id, item.as_object_mut()) {
                map.insert("reviewId".into(), json!(review));
                map.insert("roleDefinitionId".into(), json!(n.role_definition_id));
            }
            item
        })
        .collect();
    json!({ "notifications": items })
}

/// Runs a scenario on a backend.
pub fn run<B: Backend>(file: &ScenarioFile, backend: &mut B) -> ScenarioReport {
    let mut report = ScenarioReport {
        name: file.name.clone(),
        steps: Vec::new(),
        passed: 0,
        failed: 0,
    };
    let mut run = Run {
        backend,
        now: file.start,
        names: BTreeMap::new(),
    };
    let system = CallContext::system();
    let setup = file.tenant().set_up(|cmd| run.command(cmd, &system));
    let failure = match setup {
        Ok(()) => None,
        Err(SetupError::Refused(e)) => Some(error_value(e.code, &e.failed_rules, &e.message)),
        Err(SetupError::Failed(e)) => Some(backend_error(e)),
    };
    if let Some(failure) = failure {
        report.record(0, None, failure);
        return report;
    }
    for (i, step) in file.steps.iter().enumerate() {
        let actual = run.step(step).unwrap_or_else(backend_error);
        report.record(i.saturating_add(1), Some(step), actual);
    }
    report
}

/// Parses a scenario file and runs it on a fresh in-memory engine; a file that does not parse
/// yields a report with one failed setup step saying why.
pub fn run_json(text: &str) -> ScenarioReport {
    match ScenarioFile::from_json(text) {
        Ok(file) => run(&file, &mut MemoryBackend::default()),
        Err(e) => {
            let mut report = ScenarioReport {
                name: String::from("(unreadable scenario)"),
                steps: Vec::new(),
                passed: 0,
                failed: 0,
            };
            report.record(
                0,
                None,
                error_value(ErrorCode::InvalidRequest, &[], &e.to_string()),
            );
            report
        }
    }
}

/// The latest instance of a review, as the `review` step reports it.
fn review_value(r: &crate::review::Review) -> Value {
    let Some(i) = r.current() else {
        return json!({ "instances": 0 });
    };
    let mut decisions = Map::new();
    let mut recommendations = Map::new();
    let mut applied = Map::new();
    for item in &i.items {
        decisions.insert(item.principal_id.as_str().into(), json!(item.decision));
        if let Some(rec) = item.recommendation {
            recommendations.insert(item.principal_id.as_str().into(), json!(rec));
        }
        applied.insert(item.principal_id.as_str().into(), json!(item.apply_result));
    }
    let items: Vec<&str> = i.items.iter().map(|x| x.principal_id.as_str()).collect();
    let details: Map<String, Value> = i
        .items
        .iter()
        .map(|x| (x.principal_id.as_str().into(), item_detail(r, i, x)))
        .collect();
    json!({
        "itemDetails": details,
        "instances": r.instances.len(),
        "instanceStatus": i.status,
        "items": items,
        "decisions": decisions,
        "recommendations": recommendations,
        "applyResults": applied,
    })
}

/// One review item as `itemDetails` reports it: who may decide, who decided (`reviewer`, the
/// no-response `default` once the instance ended, or `none`), the final decision and what
/// applying did.
fn item_detail(
    r: &crate::review::Review,
    i: &crate::review::ReviewInstance,
    x: &crate::review::ReviewItem,
) -> Value {
    use crate::review::{InstanceStatus, ReviewDecision, final_decision};
    let ended = i.status != InstanceStatus::InProgress;
    let fin = if ended {
        final_decision(x, &r.definition.settings)
    } else {
        x.decision
    };
    let decided_by = if x.decision != ReviewDecision::NotReviewed {
        "reviewer"
    } else if fin != ReviewDecision::NotReviewed {
        "default"
    } else {
        "none"
    };
    json!({
        "reviewers": x.reviewers,
        "scheduleIds": x.schedule_ids,
        "recommendation": x.recommendation,
        "decision": x.decision,
        "finalDecision": fin,
        "decidedBy": decided_by,
        "reviewedBy": x.reviewed_by,
        "justification": x.justification,
        "applyResult": x.apply_result,
    })
}

/// A request's approval stages as the `status` step reports them, each with its `status`:
/// `Completed` once answered, `InProgress` while it is the stage waiting, `Expired` when the
/// request ended unanswered at that stage, else `NotStarted`.
fn approval_steps_value(r: &crate::request::RequestRecord) -> Value {
    use crate::request::ReviewResult;
    let current = r
        .current_step()
        .filter(|_| r.status.is_pending())
        .map(|s| s.stage);
    let steps: Vec<Value> = r
        .approval_steps
        .iter()
        .map(|s| {
            let status = if s.review_result != ReviewResult::NotReviewed {
                "Completed"
            } else if current == Some(s.stage) {
                "InProgress"
            } else if s.time_out_date_time.is_some() && !r.status.is_pending() {
                "Expired"
            } else {
                "NotStarted"
            };
            let mut v = json!(s);
            if let Value::Object(m) = &mut v {
                m.insert("status".into(), Value::String(status.into()));
            }
            v
        })
        .collect();
    Value::Array(steps)
}
