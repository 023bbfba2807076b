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

/// The most events one clock move may cause before the runner gives up.
const MAX_TICK_EVENTS: usize = 100_000;

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

    fn move_clock(&mut self, to: Instant) -> Result<Value, BackendError> {
        if to < self.now {
            return Err(BackendError::Invalid(format!(
                "the clock never moves backwards: `{}` is before `{}`",
                format_instant(&to),
                format_instant(&self.now)
            )));
        }
        let mut count: usize = 0;
        let mut previous: Vec<Event> = Vec::new();
        loop {
            let events = self.backend.tick(to)?;
            if events.is_empty() {
                break;
            }
            if events == previous {
                return Err(BackendError::Host(
                    "time did not settle: tick returned the same events twice".into(),
                ));
            }
            count = count.saturating_add(events.len());
            if count > MAX_TICK_EVENTS {
                return Err(BackendError::Host(format!(
                    "time did not settle: more than {MAX_TICK_EVENTS} events"
                )));
            }
            self.backend.commit(&events)?;
            previous = events;
        }
        self.now = to;
        Ok(json!({ "now": format_instant(&to), "events": count }))
    }

    fn request_id(&self, name: &str) -> Result<String, BackendError> {
        self.names.get(name).cloned().ok_or_else(|| {
            BackendError::Invalid(format!("no earlier step named `{name}` created a request"))
        })
    }

    fn step(&mut self, step: &Step) -> Result<Value, BackendError> {
        let ctx = CallContext {
            caller: step.caller.as_deref().map(Into::into),
            mfa: step.mfa,
            auth_context: step.auth_context.clone(),
        };
        let decided = |run: &mut Self, cmd: Command| -> Result<Value, BackendError> {
            let d = run.command(cmd, &ctx)?;
            if let (Some(name), Some(r)) = (&step.name, &d.request)
                && d.error.is_none()
            {
                run.names.insert(name.clone(), r.id.as_str().into());
            }
            Ok(decision_value(&d))
        };
        match &step.verb {
            Verb::Advance(d) => {
                let to = self.now.checked_add_signed(d.delta()).ok_or_else(|| {
                    BackendError::Invalid("advancing overflows the calendar".into())
                })?;
                self.move_clock(to)
            }
            Verb::At(t) => self.move_clock(*t),
            Verb::Request { kind, body } => decided(
                self,
                Command::Request {
                    kind: *kind,
                    body: body.clone(),
                },
            ),
            Verb::Approve {
                request,
                review_result,
                justification,
            } => {
                let id = self.request_id(request)?;
                let review_result = serde_json::from_value::<Command>(json!({
                    "op": "decide", "requestId": id, "reviewResult": review_result,
                    "justification": justification,
                }))
                .map_err(|e| BackendError::Invalid(e.to_string()))?;
                decided(self, review_result)
            }
            Verb::Cancel { request } => {
                let id = self.request_id(request)?;
                decided(
                    self,
                    Command::Cancel {
                        request_id: id.into(),
                    },
                )
            }
            Verb::Policy(p) => decided(
                self,
                Command::SetPolicy {
                    role_definition_id: p.role_definition_id.clone(),
                    scope_id: p.scope_id.clone(),
                    scope_type: p.scope_type,
                    rules: p.rules.clone(),
                },
            ),
            Verb::Membership {
                group_id,
                add,
                remove,
            } => decided(
                self,
                Command::ChangeMembership {
                    group_id: group_id.as_str().into(),
                    add: add.iter().map(Into::into).collect(),
                    remove: remove.iter().map(Into::into).collect(),
                },
            ),
            Verb::Check {
                principal_id,
                role_definition_id,
                directory_scope_id,
                app_scope_id,
            } => {
                let q = Query::Check {
                    principal_id: principal_id.as_str().into(),
                    role_definition_id: role_definition_id.as_str().into(),
                    directory_scope_id: directory_scope_id.clone().map(Into::into),
                    app_scope_id: app_scope_id.clone(),
                };
                match self.backend.query(&q, self.now)? {
                    QueryResult::Check(c) => Ok(json!(c)),
                    _ => Err(BackendError::Host("unexpected answer to check".into())),
                }
            }
            Verb::Status { request } => {
                let id = self.request_id(request)?;
                match self.backend.query(
                    &Query::Request {
                        request_id: id.into(),
                    },
                    self.now,
                )? {
                    QueryResult::Request(r) => Ok(decision_value(&Decision {
                        status: Some(r.status),
                        start_date_time: Some(r.start_date_time),
                        end_date_time: r.end_date_time,
                        request: Some(*r),
                        error: None,
                    })),
                    _ => Err(BackendError::Host("unexpected answer to status".into())),
                }
            }
            Verb::AuditRetention { days } => {
                decided(self, Command::SetAuditRetention { days: *days })
            }
            Verb::Audit(filter) => {
                match self
                    .backend
                    .query(&Query::Audit(filter.clone()), self.now)?
                {
                    QueryResult::Audit(records) => {
                        let names: Vec<&str> = records
                            .iter()
                            .map(|r| r.activity_display_name.as_str())
                            .collect();
                        Ok(json!({ "activities": names }))
                    }
                    _ => Err(BackendError::Host("unexpected answer to audit".into())),
                }
            }
            Verb::Alerts => match self.backend.query(&Query::Alerts {}, self.now)? {
                QueryResult::Alerts(alerts) => {
                    let (mut active, mut inactive) = (Vec::new(), Vec::new());
                    let mut incidents = Map::new();
                    for a in &alerts {
                        let id = a.alert_definition_id.as_str();
                        if a.is_active {
                            active.push(id);
                        } else {
                            inactive.push(id);
                        }
                        let ids: Vec<&str> = a.incidents.iter().map(|i| i.id.as_str()).collect();
                        incidents.insert(id.into(), json!(ids));
                    }
                    Ok(json!({ "active": active, "inactive": inactive, "incidents": incidents }))
                }
                _ => Err(BackendError::Host("unexpected answer to alerts".into())),
            },
            Verb::AlertSettings {
                alert_id,
                configuration,
            } => decided(
                self,
                Command::ConfigureAlert {
                    alert_id: *alert_id,
                    configuration: configuration.clone(),
                },
            ),
            Verb::DismissAlert { alert_id } => decided(
                self,
                Command::DismissAlert {
                    alert_id: *alert_id,
                },
            ),
            Verb::RefreshAlerts { alert_ids } => decided(
                self,
                Command::RefreshAlerts {
                    alert_ids: alert_ids.clone(),
                },
            ),
            Verb::RemediateAlert {
                alert_id,
                incident_id,
            } => decided(
                self,
                Command::RemediateAlert {
                    alert_id: *alert_id,
                    incident_id: incident_id.clone(),
                },
            ),
            Verb::SignIn { principal_id, at } => decided(
                self,
                Command::RecordSignIn {
                    principal_id: principal_id.as_str().into(),
                    sign_in_date_time: *at,
                },
            ),
            Verb::CreateReview(definition) => decided(
                self,
                Command::CreateReview {
                    definition: definition.clone(),
                },
            ),
            Verb::ReviewDecision {
                review_id,
                principal_id,
                decision,
                justification,
            } => decided(
                self,
                Command::DecideReview {
                    review_id: review_id.as_str().into(),
                    principal_id: principal_id.as_str().into(),
                    decision: *decision,
                    justification: justification.clone(),
                },
            ),
            Verb::ReviewAction { action, review_id } => {
                let review_id: ReviewId = review_id.as_str().into();
                let command = match *action {
                    "stopReview" => Command::StopReview { review_id },
                    "resetReview" => Command::ResetReview { review_id },
                    "applyReview" => Command::ApplyReview { review_id },
                    _ => Command::DeleteReview { review_id },
                };
                decided(self, command)
            }
            Verb::Review { review_id } => {
                let q = Query::Review {
                    review_id: review_id.as_str().into(),
                };
                match self.backend.query(&q, self.now)? {
                    QueryResult::Review(r) => Ok(review_value(&r)),
                    _ => Err(BackendError::Host("unexpected answer to review".into())),
                }
            }
            Verb::Notifications { since, recipient } => {
                let q = Query::Notifications {
                    since: *since,
                    recipient: recipient.clone(),
                };
                match self.backend.query(&q, self.now)? {
                    QueryResult::Notifications(list) => {
                        let items: Vec<Value> = list
                            .iter()
                            .map(|n| {
                                json!({
                                    "kind": n.kind,
                                    "ruleId": n.rule_id,
                                    "recipientType": n.recipient_type,
                                    "critical": n.critical,
                                    "recipients": n.recipients,
                                    "truncated": n.truncated,
                                    "principalId": n.principal_id,
                                })
                            })
                            .collect();
                        Ok(json!({ "notifications": items }))
                    }
                    _ => Err(BackendError::Host(
                        "unexpected answer to notifications".into(),
                    )),
                }
            }
            Verb::OutsideAssignment(a) => decided(
                self,
                Command::RecordOutsideAssignment {
                    assignment: a.clone(),
                },
            ),
            Verb::Restart => {
                self.backend.restart()?;
                Ok(json!({}))
            }
            Verb::Malformed { message, .. } => Err(BackendError::Invalid(message.clone())),
        }
    }
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
    let mut setup = vec![Command::ImportDirectory {
        directory: alloc::boxed::Box::new(file.directory.clone()),
    }];
    setup.extend(file.policies.iter().map(|p| Command::SetPolicy {
        role_definition_id: p.role_definition_id.clone(),
        scope_id: p.scope_id.clone(),
        scope_type: p.scope_type,
        rules: p.rules.clone(),
    }));
    for cmd in setup {
        let failure = match run.command(cmd, &system) {
            Ok(d) if d.error.is_none() => continue,
            Ok(d) => decision_value(&d),
            Err(e) => backend_error(e),
        };
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
    json!({
        "instances": r.instances.len(),
        "instanceStatus": i.status,
        "items": items,
        "decisions": decisions,
        "recommendations": recommendations,
        "applyResults": applied,
    })
}
