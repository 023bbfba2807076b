//! The scenario file format.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::expect::Expect;
use crate::tenant::Tenant;
use crate::time::{Instant, IsoDuration, parse_instant};
use crate::wire::{DirectorySnapshot, PolicyEntry, RequestKind, ScheduleRequestBody};

/// A scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioFile {
    /// What it shows.
    pub name: String,
    /// Longer explanation.
    #[serde(default)]
    pub description: Option<String>,
    /// The clock at step 0.
    #[serde(with = "crate::time::instant")]
    pub start: Instant,
    /// The tenant's directory.
    #[serde(default)]
    pub directory: DirectorySnapshot,
    /// Role settings (`null`: none, as in a tenant file).
    #[serde(default, deserialize_with = "crate::tenant::policies_or_null")]
    pub policies: Vec<PolicyEntry>,
    /// The walk-through.
    pub steps: Vec<Step>,
}

impl ScenarioFile {
    /// Parses a scenario file.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The tenant the scenario starts from: its `directory` and `policies`, the two fields of a
    /// tenant file.
    pub fn tenant(&self) -> Tenant {
        Tenant {
            directory: self.directory.clone(),
            policies: self.policies.clone(),
        }
    }
}

/// One step: a verb, who performs it, and what it must produce.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What happens.
    pub verb: Verb,
    /// The calling principal.
    pub caller: Option<String>,
    /// A name to refer to the request this step creates.
    pub name: Option<String>,
    /// What the step must produce; `None`: it must simply not fail.
    pub expect: Option<Expect>,
    /// The caller's session satisfied MFA.
    pub mfa: bool,
    /// Authentication-context claims the session satisfied.
    pub auth_context: Vec<String>,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Verb {
    /// Moves the clock forward.
    Advance(IsoDuration),
    /// Moves the clock to an instant.
    At(Instant),
    /// A Graph schedule request.
    Request {
        /// Assignment or eligibility.
        kind: RequestKind,
        /// The body.
        body: alloc::boxed::Box<ScheduleRequestBody>,
    },
    /// An approval decision on a named request.
    Approve {
        /// The step name of the request.
        request: String,
        /// `Approve` or `Deny`.
        review_result: String,
        /// Why.
        justification: Option<String>,
    },
    /// Cancels a named request.
    Cancel {
        /// The step name of the request.
        request: String,
    },
    /// Changes role settings.
    Policy(PolicyEntry),
    /// Changes a group's members.
    Membership {
        /// The group.
        group_id: String,
        /// Added.
        add: Vec<String>,
        /// Removed.
        remove: Vec<String>,
    },
    /// The gateway question.
    Check {
        /// Who.
        principal_id: String,
        /// Which role.
        role_definition_id: String,
        /// Where.
        directory_scope_id: Option<String>,
        /// Where (app scope).
        app_scope_id: Option<String>,
    },
    /// A named request as it stands.
    Status {
        /// The step name.
        request: String,
    },
    /// Security alerts.
    Alerts,
    /// Audit records matching a filter (principal, role, activity, date range).
    Audit(crate::engine::AuditFilter),
    /// Schedules matching a filter (principal, role, type, window).
    Schedules(crate::engine::ScheduleFilter),
    /// Schedule requests matching a filter (kind, principal).
    Requests(crate::engine::RequestFilter),
    /// Sets how long audit records stay visible (`null`: forever).
    AuditRetention {
        /// Days.
        days: Option<u32>,
    },
    /// The host drops its state and reloads from storage.
    Restart,
    /// Changes an alert's configuration.
    AlertSettings {
        /// Which alert.
        alert_id: crate::alerts::AlertId,
        /// What to change.
        configuration: crate::alerts::AlertConfiguration,
    },
    /// Dismisses an alert.
    DismissAlert {
        /// Which alert.
        alert_id: crate::alerts::AlertId,
    },
    /// Refreshes alerts (all when none named).
    RefreshAlerts {
        /// Which alerts.
        alert_ids: Vec<crate::alerts::AlertId>,
    },
    /// Remediates an alert's incidents.
    RemediateAlert {
        /// Which alert.
        alert_id: crate::alerts::AlertId,
        /// Which incident; all when absent.
        incident_id: Option<String>,
    },
    /// A sign-in fact from the directory.
    SignIn {
        /// Who.
        principal_id: String,
        /// When; now when absent.
        at: Option<Instant>,
    },
    /// An assignment made in the directory outside PIM.
    OutsideAssignment(crate::wire::AssignmentEntry),
    /// Creates an access review.
    CreateReview(alloc::boxed::Box<crate::review::ReviewDefinition>),
    /// A reviewer's decision.
    ReviewDecision {
        /// The review.
        review_id: String,
        /// Whose access.
        principal_id: String,
        /// The decision.
        decision: crate::review::ReviewDecision,
        /// Why.
        justification: Option<String>,
    },
    /// An administrator's action on a review: `stopReview`, `resetReview`, `applyReview`,
    /// `deleteReview`.
    ReviewAction {
        /// Which action.
        action: &'static str,
        /// The review.
        review_id: String,
    },
    /// A review as it stands.
    Review {
        /// The review.
        review_id: String,
    },
    /// Notifications due so far.
    Notifications {
        /// Only those due at or after this instant.
        since: Option<Instant>,
        /// Only those addressed to this recipient.
        recipient: Option<String>,
    },
    /// A verb whose value is malformed (bad duration, unknown field, …): the step fails with
    /// `InvalidRequest`, as a host fails a malformed request, and the scenario goes on.
    Malformed {
        /// The verb as written.
        verb: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Verb {
    /// The verb's name in the file.
    pub const fn name(&self) -> &'static str {
        match self {
            Verb::Advance(_) => "advance",
            Verb::At(_) => "at",
            Verb::Request { .. } => "request",
            Verb::Approve { .. } => "approve",
            Verb::Cancel { .. } => "cancel",
            Verb::Policy(_) => "policy",
            Verb::Membership { .. } => "membership",
            Verb::Check { .. } => "check",
            Verb::Status { .. } => "status",
            Verb::Alerts => "alerts",
            Verb::Audit(_) => "audit",
            Verb::Schedules(_) => "schedules",
            Verb::Requests(_) => "requests",
            Verb::AuditRetention { .. } => "auditRetention",
            Verb::Restart => "restart",
            Verb::AlertSettings { .. } => "alertSettings",
            Verb::DismissAlert { .. } => "dismissAlert",
            Verb::RefreshAlerts { .. } => "refreshAlerts",
            Verb::RemediateAlert { .. } => "remediateAlert",
            Verb::SignIn { .. } => "signIn",
            Verb::OutsideAssignment(_) => "outsideAssignment",
            Verb::Notifications { .. } => "notifications",
            Verb::CreateReview(_) => "createReview",
            Verb::ReviewDecision { .. } => "reviewDecision",
            Verb::ReviewAction { action, .. } => action,
            Verb::Review { .. } => "review",
            Verb::Malformed { verb, .. } => verb,
        }
    }
}

const VERBS: &[&str] = &[
    "advance",
    "at",
    "request",
    "approve",
    "cancel",
    "policy",
    "membership",
    "check",
    "status",
    "alerts",
    "audit",
    "restart",
    "alertSettings",
    "dismissAlert",
    "refreshAlerts",
    "remediateAlert",
    "signIn",
    "outsideAssignment",
    "notifications",
    "schedules",
    "requests",
    "auditRetention",
    "createReview",
    "reviewDecision",
    "stopReview",
    "resetReview",
    "applyReview",
    "deleteReview",
    "review",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReviewDecisionValue {
    review_id: String,
    principal_id: String,
    decision: crate::review::ReviewDecision,
    #[serde(default)]
    justification: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReviewRef {
    review_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NotificationsValue {
    #[serde(default, with = "crate::time::instant_opt")]
    since: Option<Instant>,
    #[serde(default)]
    recipient: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AlertSettingsValue {
    alert_id: crate::alerts::AlertId,
    configuration: crate::alerts::AlertConfiguration,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AlertRef {
    alert_id: crate::alerts::AlertId,
    #[serde(default)]
    incident_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RefreshValue {
    #[serde(default)]
    alert_ids: Vec<crate::alerts::AlertId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignInValue {
    principal_id: String,
    #[serde(default, with = "crate::time::instant_opt")]
    at: Option<Instant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestValue {
    kind: RequestKind,
    body: ScheduleRequestBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApproveValue {
    request: String,
    review_result: String,
    #[serde(default)]
    justification: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestRef {
    request: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MembershipValue {
    group_id: String,
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckValue {
    principal_id: String,
    role_definition_id: String,
    #[serde(default)]
    directory_scope_id: Option<String>,
    #[serde(default)]
    app_scope_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RetentionValue {
    days: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

fn parse<T: serde::de::DeserializeOwned>(verb: &str, v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("step `{verb}`: {e}"))
}

impl Step {
    fn from_map(mut map: Map<String, Value>) -> Result<Step, String> {
        let caller = match map.remove("as") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err("`as` must be a principal id".into()),
        };
        let name = match map.remove("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err("`name` must be a string".into()),
        };
        let mfa = match map.remove("mfa") {
            None => false,
            Some(Value::Bool(b)) => b,
            Some(_) => return Err("`mfa` must be true or false".into()),
        };
        let auth_context: Vec<String> = match map.remove("authContext") {
            None => Vec::new(),
            Some(v) => parse("authContext", v)?,
        };
        map.remove("note");
        let expect_value = map.remove("expect");
        let mut verbs = map.into_iter();
        let (verb_name, value) = verbs
            .next()
            .ok_or_else(|| String::from("a step needs a verb"))?;
        if let Some((other, _)) = verbs.next() {
            return Err(format!(
                "a step has exactly one verb; `{verb_name}` and `{other}` found"
            ));
        }
        let Some(known) = VERBS.iter().find(|v| **v == verb_name) else {
            return Err(format!(
                "unknown step key `{verb_name}` (verbs: {}; also `as`, `name`, `expect`, `mfa`, `authContext`, `note`)",
                VERBS.join(", ")
            ));
        };
        let verb = parse_verb(&verb_name, value).unwrap_or_else(|message| Verb::Malformed {
            verb: known,
            message,
        });
        let expect = match expect_value {
            None => None,
            Some(v) => Some(Expect::parse(&verb, v)?),
        };
        Ok(Step {
            verb,
            caller,
            name,
            expect,
            mfa,
            auth_context,
        })
    }
}

fn parse_verb(verb_name: &str, value: Value) -> Result<Verb, String> {
    match verb_name {
        "alerts" | "audit" | "auditRetention" | "alertSettings" | "dismissAlert"
        | "refreshAlerts" | "remediateAlert" | "signIn" | "outsideAssignment" => {
            governance_verb(verb_name, value)
        }
        "createReview" | "reviewDecision" | "stopReview" | "resetReview" | "applyReview"
        | "deleteReview" | "review" | "notifications" => review_verb(verb_name, value),
        _ => time_or_request_verb(verb_name, value),
    }
}

/// The verbs that move time, make requests, set the tenant up and check.
fn time_or_request_verb(verb_name: &str, value: Value) -> Result<Verb, String> {
    let verb_name = String::from(verb_name);
    Ok(match verb_name.as_str() {
        "advance" => Verb::Advance(parse(&verb_name, value)?),
        "at" => {
            let text: String = parse(&verb_name, value)?;
            Verb::At(parse_instant(&text).map_err(|e| e.to_string())?)
        }
        "request" => {
            let r: RequestValue = parse(&verb_name, value)?;
            Verb::Request {
                kind: r.kind,
                body: alloc::boxed::Box::new(r.body),
            }
        }
        "approve" => {
            let a: ApproveValue = parse(&verb_name, value)?;
            Verb::Approve {
                request: a.request,
                review_result: a.review_result,
                justification: a.justification,
            }
        }
        "cancel" => Verb::Cancel {
            request: parse::<RequestRef>(&verb_name, value)?.request,
        },
        "status" => Verb::Status {
            request: parse::<RequestRef>(&verb_name, value)?.request,
        },
        "policy" => Verb::Policy(parse(&verb_name, value)?),
        "membership" => {
            let m: MembershipValue = parse(&verb_name, value)?;
            Verb::Membership {
                group_id: m.group_id,
                add: m.add,
                remove: m.remove,
            }
        }
        "schedules" => Verb::Schedules(parse(&verb_name, value)?),
        "requests" => Verb::Requests(parse(&verb_name, value)?),
        "check" => {
            let c: CheckValue = parse(&verb_name, value)?;
            Verb::Check {
                principal_id: c.principal_id,
                role_definition_id: c.role_definition_id,
                directory_scope_id: c.directory_scope_id,
                app_scope_id: c.app_scope_id,
            }
        }
        "restart" => {
            parse::<Empty>(&verb_name, value)?;
            Verb::Restart
        }
        other => return Err(format!("unknown verb `{other}`")),
    })
}

/// The alert, sign-in and audit verbs.
fn governance_verb(verb_name: &str, value: Value) -> Result<Verb, String> {
    let verb_name = String::from(verb_name);
    Ok(match verb_name.as_str() {
        "alerts" => {
            parse::<Empty>(&verb_name, value)?;
            Verb::Alerts
        }
        "audit" => Verb::Audit(parse(&verb_name, value)?),
        "auditRetention" => Verb::AuditRetention {
            days: parse::<RetentionValue>(&verb_name, value)?.days,
        },
        "alertSettings" => {
            let a: AlertSettingsValue = parse(&verb_name, value)?;
            Verb::AlertSettings {
                alert_id: a.alert_id,
                configuration: a.configuration,
            }
        }
        "dismissAlert" => {
            let a: AlertRef = parse(&verb_name, value)?;
            if a.incident_id.is_some() {
                return Err("step `dismissAlert`: unknown field `incidentId`".into());
            }
            Verb::DismissAlert {
                alert_id: a.alert_id,
            }
        }
        "refreshAlerts" => Verb::RefreshAlerts {
            alert_ids: parse::<RefreshValue>(&verb_name, value)?.alert_ids,
        },
        "remediateAlert" => {
            let a: AlertRef = parse(&verb_name, value)?;
            Verb::RemediateAlert {
                alert_id: a.alert_id,
                incident_id: a.incident_id,
            }
        }
        "signIn" => {
            let v: SignInValue = parse(&verb_name, value)?;
            Verb::SignIn {
                principal_id: v.principal_id,
                at: v.at,
            }
        }
        "outsideAssignment" => Verb::OutsideAssignment(parse(&verb_name, value)?),
        other => return Err(format!("unknown verb `{other}`")),
    })
}

/// The access review and notification verbs.
fn review_verb(verb_name: &str, value: Value) -> Result<Verb, String> {
    let verb_name = String::from(verb_name);
    Ok(match verb_name.as_str() {
        "createReview" => Verb::CreateReview(alloc::boxed::Box::new(parse(&verb_name, value)?)),
        "reviewDecision" => {
            let r: ReviewDecisionValue = parse(&verb_name, value)?;
            Verb::ReviewDecision {
                review_id: r.review_id,
                principal_id: r.principal_id,
                decision: r.decision,
                justification: r.justification,
            }
        }
        "stopReview" | "resetReview" | "applyReview" | "deleteReview" => {
            let action = match verb_name.as_str() {
                "stopReview" => "stopReview",
                "resetReview" => "resetReview",
                "applyReview" => "applyReview",
                _ => "deleteReview",
            };
            Verb::ReviewAction {
                action,
                review_id: parse::<ReviewRef>(&verb_name, value)?.review_id,
            }
        }
        "review" => Verb::Review {
            review_id: parse::<ReviewRef>(&verb_name, value)?.review_id,
        },
        "notifications" => {
            let n: NotificationsValue = parse(&verb_name, value)?;
            Verb::Notifications {
                since: n.since,
                recipient: n.recipient,
            }
        }

        other => return Err(format!("unknown verb `{other}`")),
    })
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(d)?;
        Step::from_map(map).map_err(D::Error::custom)
    }
}
