//! What a step must produce, and how an actual result is matched against it.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::Value;

use super::file::Verb;
use crate::engine::Via;
use crate::error::{ErrorCode, FailedRule};
use crate::request::Status;
use crate::time::{Instant, parse_instant};

/// The error a step expects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpectedError {
    /// `false`: the step must succeed.
    None,
    /// `true`: any error.
    Any,
    /// An error code.
    Code(ErrorCode),
    /// An error code and exactly these failed rules (as a set).
    Rules(ErrorCode, Vec<FailedRule>),
}

/// A partial expectation: every key given must match; keys left out are not checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expect {
    /// The expectation as written, for the report.
    pub raw: Value,
    /// Request status.
    pub status: Option<Status>,
    /// Granted start.
    pub start_date_time: Option<Instant>,
    /// Granted end; `Some(None)` expects a permanent window (`null`).
    pub end_date_time: Option<Option<Instant>>,
    /// Error.
    pub error: Option<ExpectedError>,
    /// Check: whether active.
    pub active: Option<bool>,
    /// Check: how held.
    pub via: Option<Via>,
    /// Audit: activity names that must appear in this order.
    pub activities: Option<Vec<String>>,
    /// Audit: partial records (Graph `directoryAudit` fields) that must appear in this order.
    pub records: Option<Vec<Value>>,
    /// Alerts: ids that must be active.
    pub active_alerts: Option<Vec<String>>,
    /// Alerts: ids that must be inactive.
    pub inactive_alerts: Option<Vec<String>>,
    /// Notifications: partial objects that must appear in this order.
    pub notifications: Option<Vec<Value>>,
    /// Listings: partial schedules or requests that must appear in this order.
    pub listed: Option<Vec<Value>>,
    /// Notifications, audit records or listed items: exactly this many.
    pub count: Option<usize>,
    /// Review: fields of the latest instance (`instanceStatus`, `instances`, `items`,
    /// `decisions`, `recommendations`, `applyResults`), each compared as given.
    pub review: Option<serde_json::Map<String, Value>>,
    /// Status: partial approval stages, compared position by position (exactly this many).
    pub approval_steps: Option<Vec<Value>>,
    /// Alerts: for each alert id, exactly these incident ids (as a set).
    pub incidents: Option<alloc::collections::BTreeMap<String, Vec<String>>>,
    /// Alerts: partial alert objects (Graph-shaped: `severityLevel`, `isRemediatable`,
    /// `configuration`, `incidents` as partial incidents, ...), each matching one alert.
    pub alerts: Option<Vec<Value>>,
}

fn allowed(verb: &Verb) -> &'static [&'static str] {
    match verb {
        Verb::Malformed { verb, .. } => match *verb {
            "request" | "approve" | "cancel" => {
                &["status", "startDateTime", "endDateTime", "error"]
            }
            "status" => &[
                "status",
                "startDateTime",
                "endDateTime",
                "approvalSteps",
                "error",
            ],
            "check" => &["active", "endDateTime", "via", "error"],
            "alerts" => &["active", "inactive", "incidents", "alerts", "error"],
            "audit" => &["activities", "records", "count", "error"],
            "notifications" => &["notifications", "count", "error"],
            "schedules" => &["schedules", "count", "error"],
            "requests" => &["requests", "count", "error"],
            "review" => &[
                "instanceStatus",
                "instances",
                "items",
                "decisions",
                "recommendations",
                "applyResults",
                "itemDetails",
                "error",
            ],
            _ => &["error"],
        },
        Verb::Request { .. } | Verb::Approve { .. } | Verb::Cancel { .. } => {
            &["status", "startDateTime", "endDateTime", "error"]
        }
        Verb::Status { .. } => &[
            "status",
            "startDateTime",
            "endDateTime",
            "approvalSteps",
            "error",
        ],
        Verb::Check { .. } => &["active", "endDateTime", "via", "error"],
        Verb::Alerts => &["active", "inactive", "incidents", "alerts", "error"],
        Verb::Audit(_) => &["activities", "records", "count", "error"],
        Verb::Notifications { .. } => &["notifications", "count", "error"],
        Verb::Schedules(_) => &["schedules", "count", "error"],
        Verb::Requests(_) => &["requests", "count", "error"],
        Verb::Review { .. } => &[
            "instanceStatus",
            "instances",
            "items",
            "decisions",
            "recommendations",
            "applyResults",
            "itemDetails",
            "error",
        ],
        _ => &["error"],
    }
}

fn strings(key: &str, v: Value) -> Result<Vec<String>, String> {
    serde_json::from_value(v).map_err(|_| format!("expect `{key}` must be a list of strings"))
}

fn instant(key: &str, v: &Value) -> Result<Instant, String> {
    match v {
        Value::String(s) => parse_instant(s).map_err(|e| format!("expect `{key}`: {e}")),
        _ => Err(format!("expect `{key}` must be an RFC 3339 instant")),
    }
}

impl Expect {
    /// Parses the `expect` object of a step with verb `verb`; keys that make no sense for the
    /// verb are refused.
    pub fn parse(verb: &Verb, value: Value) -> Result<Expect, String> {
        let Value::Object(map) = &value else {
            return Err("`expect` must be an object".into());
        };
        let keys = allowed(verb);
        let mut e = Expect {
            raw: value.clone(),
            ..Expect::default()
        };
        for (k, v) in map.clone() {
            if !keys.contains(&k.as_str()) {
                return Err(format!(
                    "expect key `{k}` does not apply to `{}` (allowed: {})",
                    verb.name(),
                    keys.join(", ")
                ));
            }
            match (k.as_str(), verb) {
                ("status", _) => {
                    let s = v.as_str().and_then(Status::parse);
                    e.status =
                        Some(s.ok_or_else(|| format!("expect `status`: unknown status `{v}`"))?);
                }
                ("startDateTime", _) => e.start_date_time = Some(instant(&k, &v)?),
                ("endDateTime", _) => {
                    e.end_date_time = Some(if v.is_null() {
                        None
                    } else {
                        Some(instant(&k, &v)?)
                    })
                }
                ("error", _) => e.error = Some(parse_error(v)?),
                ("active", Verb::Alerts) => e.active_alerts = Some(strings(&k, v)?),
                ("active", Verb::Malformed { verb: "alerts", .. }) => {
                    e.active_alerts = Some(strings(&k, v)?)
                }
                ("inactive", _) => e.inactive_alerts = Some(strings(&k, v)?),
                ("active", _) => {
                    e.active = Some(v.as_bool().ok_or("expect `active` must be true or false")?)
                }
                ("via", _) => {
                    let via = v.as_str().and_then(Via::parse);
                    e.via = Some(via.ok_or_else(|| format!("expect `via`: unknown value `{v}`"))?);
                }
                ("activities", _) => e.activities = Some(strings(&k, v)?),
                ("approvalSteps", _) => {
                    e.approval_steps = Some(serde_json::from_value(v).map_err(|_| {
                        String::from("expect `approvalSteps` must be a list of objects")
                    })?)
                }
                (
                    "instanceStatus" | "instances" | "items" | "decisions" | "recommendations"
                    | "applyResults" | "itemDetails",
                    _,
                ) => {
                    e.review
                        .get_or_insert_with(serde_json::Map::new)
                        .insert(k.clone(), v);
                }
                ("notifications", _) => {
                    e.notifications = Some(serde_json::from_value(v).map_err(|_| {
                        String::from("expect `notifications` must be a list of objects")
                    })?)
                }
                ("schedules" | "requests", _) => {
                    e.listed = Some(
                        serde_json::from_value(v)
                            .map_err(|_| format!("expect `{k}` must be a list of objects"))?,
                    )
                }
                ("records", _) => {
                    e.records =
                        Some(serde_json::from_value(v).map_err(|_| {
                            String::from("expect `records` must be a list of objects")
                        })?)
                }
                ("count", _) => {
                    e.count = Some(
                        v.as_u64()
                            .and_then(|c| usize::try_from(c).ok())
                            .ok_or("expect `count` must be a whole number")?,
                    )
                }
                ("alerts", _) => {
                    e.alerts = Some(serde_json::from_value(v).map_err(|_| {
                        String::from("expect `alerts` must be a list of partial alert objects")
                    })?)
                }
                ("incidents", _) => {
                    e.incidents = Some(serde_json::from_value(v).map_err(|_| {
                        String::from(
                            "expect `incidents` must map alert ids to lists of incident ids",
                        )
                    })?)
                }
                _ => {}
            }
        }
        Ok(e)
    }

    /// Every way `actual` differs from the expectation; empty when it matches.
    pub fn mismatches(&self, actual: &Value) -> Vec<String> {
        let mut out = Vec::new();
        self.error_mismatches(actual, &mut out);
        self.decision_mismatches(actual, &mut out);
        self.check_mismatches(actual, &mut out);
        self.record_mismatches(actual, &mut out);
        self.review_mismatches(actual, &mut out);
        self.approval_step_mismatches(actual, &mut out);
        self.alert_mismatches(actual, &mut out);
        out
    }

    /// Partial alert objects: each must match some alert of the report.
    fn alert_mismatches(&self, actual: &Value, out: &mut Vec<String>) {
        let Some(want) = &self.alerts else { return };
        let got: &[Value] = actual
            .get("alerts")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        for w in want {
            if !got.iter().any(|g| subset_match(w, g)) {
                out.push(format!("expected an alert matching {w}"));
            }
        }
    }

    /// The error expected, or its absence.
    fn error_mismatches(&self, actual: &Value, out: &mut Vec<String>) {
        let error = actual.get("error");
        match (&self.error, error) {
            (None | Some(ExpectedError::None), Some(err)) => out.push(format!(
                "expected success, got error {}",
                err.get("code").unwrap_or(&Value::Null)
            )),
            (
                Some(ExpectedError::Any | ExpectedError::Code(_) | ExpectedError::Rules(..)),
                None,
            ) => out.push("expected an error, got success".into()),
            (Some(ExpectedError::Code(code)), Some(err))
                if err.get("code").and_then(Value::as_str) != Some(code.as_str()) =>
            {
                out.push(format!(
                    "expected error {code}, got {}",
                    err.get("code").unwrap_or(&Value::Null)
                ));
            }
            (Some(ExpectedError::Rules(code, rules)), Some(err)) => {
                if err.get("code").and_then(Value::as_str) != Some(code.as_str()) {
                    out.push(format!(
                        "expected error {code}, got {}",
                        err.get("code").unwrap_or(&Value::Null)
                    ));
                }
                let mut got: Vec<String> = err
                    .get("failedRules")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|r| r.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                got.sort();
                let mut want: Vec<String> = rules.iter().map(|r| r.as_str().to_string()).collect();
                want.sort();
                if got != want {
                    out.push(format!("expected failedRules {want:?}, got {got:?}"));
                }
            }
            _ => {}
        }
    }

    /// The request's status and granted window.
    fn decision_mismatches(&self, actual: &Value, out: &mut Vec<String>) {
        if let Some(s) = self.status {
            let got = actual.get("status").and_then(Value::as_str);
            if got != Some(s.as_str()) {
                out.push(format!(
                    "expected status {s}, got {}",
                    got.unwrap_or("none")
                ));
            }
        }
        let time = |key: &str| {
            actual
                .get(key)
                .and_then(Value::as_str)
                .and_then(|s| parse_instant(s).ok())
        };
        if let Some(t) = self.start_date_time
            && time("startDateTime") != Some(t)
        {
            out.push(format!(
                "expected startDateTime {}, got {}",
                crate::time::format_instant(&t),
                actual.get("startDateTime").unwrap_or(&Value::Null)
            ));
        }
        if let Some(t) = self.end_date_time
            && time("endDateTime") != t
        {
            out.push(format!(
                "expected endDateTime {}, got {}",
                t.map_or("null".into(), |t| crate::time::format_instant(&t)),
                actual.get("endDateTime").unwrap_or(&Value::Null)
            ));
        }
    }

    /// The check's answer.
    fn check_mismatches(&self, actual: &Value, out: &mut Vec<String>) {
        if let Some(a) = self.active {
            let got = actual.get("active").and_then(Value::as_bool);
            if got != Some(a) {
                out.push(format!(
                    "expected active {a}, got {}",
                    actual.get("active").unwrap_or(&Value::Null)
                ));
            }
        }
        if let Some(v) = self.via {
            let got = actual.get("via").and_then(Value::as_str);
            if got != Some(v.as_str()) {
                out.push(format!("expected via {v}, got {}", got.unwrap_or("none")));
            }
        }
    }

    /// Audit activities, alerts and notifications, and how many records.
    fn record_mismatches(&self, actual: &Value, out: &mut Vec<String>) {
        if let Some(want) = &self.activities {
            let got: Vec<&str> = actual
                .get("activities")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut rest = got.iter();
            for w in want {
                if !rest.any(|g| g == w) {
                    out.push(format!(
                        "expected activity `{w}` (in order) in the audit trail"
                    ));
                    break;
                }
            }
        }
        for (key, want, present) in [
            ("active", &self.active_alerts, true),
            ("inactive", &self.inactive_alerts, false),
        ] {
            let Some(want) = want else { continue };
            let got: Vec<&str> = actual
                .get("active")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for w in want {
                if got.contains(&w.as_str()) != present {
                    out.push(format!("expected alert `{w}` to be {key}"));
                }
            }
        }
        for (key, want, what) in [
            ("notifications", &self.notifications, "notification"),
            ("records", &self.records, "audit record"),
            ("listed", &self.listed, "listed item"),
        ] {
            let Some(want) = want else { continue };
            let got: Vec<&Value> = actual
                .get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let mut rest = got.iter();
            for w in want {
                if !rest.any(|g| partial_match(w, g)) {
                    out.push(format!("expected {what} {w} (in order)"));
                    break;
                }
            }
        }
        if let Some(c) = self.count {
            let got = actual
                .get("notifications")
                .or_else(|| actual.get("activities"))
                .or_else(|| actual.get("listed"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if got != c {
                out.push(format!("expected {c} records, got {got}"));
            }
        }
    }

    /// A request's approval stages, position by position.
    fn approval_step_mismatches(&self, actual: &Value, out: &mut Vec<String>) {
        let Some(want) = &self.approval_steps else {
            return;
        };
        let got = actual
            .get("approvalSteps")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if got.len() != want.len() {
            out.push(format!(
                "expected {} approval steps, got {}",
                want.len(),
                got.len()
            ));
            return;
        }
        for (n, (w, g)) in want.iter().zip(got).enumerate() {
            if !partial_match(w, g) {
                out.push(format!("expected approval step {n} {w}, got {g}"));
            }
        }
    }

    /// A review's latest instance and alert incidents.
    fn review_mismatches(&self, actual: &Value, out: &mut Vec<String>) {
        if let Some(want) = &self.review {
            for (k, w) in want {
                let got = actual.get(k).unwrap_or(&Value::Null);
                if !partial_match(w, got) {
                    out.push(format!("expected {k} {w}, got {got}"));
                }
            }
        }
        if let Some(want) = &self.incidents {
            for (alert, ids) in want {
                let mut got: Vec<&str> = actual
                    .get("incidents")
                    .and_then(|m| m.get(alert))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                got.sort_unstable();
                let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                ids.sort_unstable();
                if got != ids {
                    out.push(format!(
                        "expected incidents of `{alert}` {ids:?}, got {got:?}"
                    ));
                }
            }
        }
    }
}

/// Whether every key of `want` matches `got`: strings and scalars equal, lists as sets.
fn partial_match(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => w
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|gv| partial_match(v, gv))),
        (Value::Array(w), Value::Array(g)) => w.len() == g.len() && w.iter().all(|x| g.contains(x)),
        _ => want == got,
    }
}

/// Like [`partial_match`], but a wanted list matches when each of its items matches some item
/// of the list got (objects partially), whatever else the list holds.
fn subset_match(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => w
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|gv| subset_match(v, gv))),
        (Value::Array(w), Value::Array(g)) => {
            w.iter().all(|x| g.iter().any(|y| subset_match(x, y)))
        }
        _ => want == got,
    }
}

fn parse_error(v: Value) -> Result<ExpectedError, String> {
    match v {
        Value::Bool(true) => Ok(ExpectedError::Any),
        Value::Bool(false) => Ok(ExpectedError::None),
        Value::String(s) => ErrorCode::parse(&s)
            .map(ExpectedError::Code)
            .ok_or_else(|| format!("expect `error`: unknown error code `{s}`")),
        Value::Object(mut m) => {
            let code = m
                .remove("code")
                .and_then(|c| c.as_str().and_then(ErrorCode::parse))
                .ok_or("expect `error.code` must be a known error code")?;
            let rules: Vec<FailedRule> = match m.remove("failedRules") {
                None => return Ok(ExpectedError::Code(code)),
                Some(r) => serde_json::from_value(r)
                    .map_err(|e| format!("expect `error.failedRules`: {e}"))?,
            };
            if let Some(k) = m.keys().next() {
                return Err(format!("expect `error`: unknown key `{k}`"));
            }
            Ok(ExpectedError::Rules(code, rules))
        }
        _ => Err("expect `error` must be a code, {code, failedRules}, or true".into()),
    }
}
