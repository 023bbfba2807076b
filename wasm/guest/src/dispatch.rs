//! The guest's logic, free of raw pointers: a call envelope in, a result envelope out.
//! `abi.rs` only moves bytes across the boundary; everything here is testable natively.

use pim_core::time::{Instant, format_instant};
use pim_core::{CallContext, Command, Engine, Event, Query};
use serde::Deserialize;
use serde_json::{Value, json};

/// The ABI version `pim_abi_version` returns and `{"op":"version"}` reports. It changes only
/// when an existing export or envelope field changes meaning (docs/abi.md, "Versioning").
pub const ABI_VERSION: u32 = 1;

/// One call through `pim_call`, in wire form (docs/abi.md, "Operations").
#[derive(Debug, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Call {
    /// The ABI and core versions.
    Version,
    /// Decides a command; changes nothing (the host persists the events, then `apply`s them).
    Execute {
        /// The command.
        command: Box<Command>,
        /// Who calls; the host itself when absent.
        #[serde(default)]
        context: CallContext,
        /// The time of the call.
        #[serde(with = "pim_core::time::instant")]
        now: Instant,
    },
    /// Applies committed events, in order.
    Apply {
        /// The events.
        events: Vec<Event>,
    },
    /// The events time alone causes up to `now`; changes nothing.
    Tick {
        /// The time of the call.
        #[serde(with = "pim_core::time::instant")]
        now: Instant,
    },
    /// Answers a query.
    Query {
        /// The query.
        query: Query,
        /// The time of the call.
        #[serde(with = "pim_core::time::instant")]
        now: Instant,
    },
    /// Replaces the state with the replay of a whole log.
    Load {
        /// The log, oldest first.
        events: Vec<Event>,
    },
    /// Forgets everything: an empty tenant.
    Reset,
    /// How many events the state holds and the latest time they carry.
    State,
}

/// What `pim_check` returns (docs/abi.md, "pim_check").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckCode {
    /// The arguments were not UTF-8, or `now` is out of range.
    BadArguments,
    /// Not active.
    Inactive,
    /// Active until the given unix second (the end, truncated to the second, at least 1).
    ActiveUntil(i64),
    /// Active with no end.
    ActivePermanently,
}

impl CheckCode {
    /// The code as the export returns it.
    pub fn to_i64(self) -> i64 {
        match self {
            CheckCode::BadArguments => -1,
            CheckCode::Inactive => 0,
            CheckCode::ActiveUntil(t) => t.clamp(1, i64::MAX - 1),
            CheckCode::ActivePermanently => i64::MAX,
        }
    }
}

/// The engine inside the guest, with the count of events applied to it.
#[derive(Debug, Default)]
pub struct GuestState {
    engine: Engine,
    applied: u64,
}

fn ok(value: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({ "ok": value })).unwrap_or_else(|e| err("Internal", &e.to_string()))
}

fn err(code: &str, message: &str) -> Vec<u8> {
    let body = json!({ "err": { "code": code, "message": message } });
    serde_json::to_vec(&body).unwrap_or_else(|_| br#"{"err":{"code":"Internal"}}"#.to_vec())
}

/// `{"ok":<value>}`, serialized straight to bytes (going through `Value` costs five times more).
fn to_ok<T: serde::Serialize>(value: &T) -> Vec<u8> {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut out = Vec::with_capacity(body.len().saturating_add(7));
            out.extend_from_slice(br#"{"ok":"#);
            out.extend_from_slice(&body);
            out.push(b'}');
            out
        }
        Err(e) => err("Internal", &e.to_string()),
    }
}

impl GuestState {
    /// Handles one call envelope and returns the result envelope: `{"ok":…}` or
    /// `{"err":{"code":…,"message":…}}`. Never panics on input.
    pub fn handle(&mut self, input: &[u8]) -> Vec<u8> {
        match serde_json::from_slice::<Call>(input) {
            Ok(call) => self.dispatch(call),
            Err(e) => err("InvalidRequest", &format!("malformed call: {e}")),
        }
    }

    /// Handles one parsed call.
    pub fn dispatch(&mut self, call: Call) -> Vec<u8> {
        match call {
            Call::Version => ok(json!({
                "abi": ABI_VERSION,
                "core": env!("CARGO_PKG_VERSION"),
            })),
            Call::Execute {
                command,
                context,
                now,
            } => match self.engine.execute(&command, &context, now) {
                Ok(outcome) => to_ok(&outcome),
                Err(e) => err(e.code().as_str(), &e.to_string()),
            },
            Call::Apply { events } => self.apply(&events),
            Call::Tick { now } => to_ok(&self.engine.tick(now)),
            Call::Query { query, now } => match self.engine.query(&query, now) {
                Ok(result) => to_ok(&result),
                Err(e) => err(e.code().as_str(), &e.to_string()),
            },
            Call::Load { events } => {
                *self = GuestState::default();
                self.apply(&events)
            }
            Call::Reset => {
                *self = GuestState::default();
                ok(json!({ "events": 0 }))
            }
            Call::State => ok(self.summary()),
        }
    }

    fn apply(&mut self, events: &[Event]) -> Vec<u8> {
        for e in events {
            if let Err(problem) = self.engine.apply(e) {
                return err("ApplyError", &problem.to_string());
            }
            self.applied = self.applied.saturating_add(1);
        }
        ok(self.summary())
    }

    fn summary(&self) -> Value {
        let mut v = json!({ "events": self.applied });
        if let Some(clock) = self.engine.clock() {
            v["clock"] = Value::String(format_instant(&clock));
        }
        v
    }

    /// The gateway question without JSON: is `principal` active in `role` at `scope` at `now`
    /// (unix seconds)? An empty scope means `/`.
    pub fn check(&self, principal: &str, role: &str, scope: &str, now: i64) -> CheckCode {
        let Some(now) = chrono::DateTime::from_timestamp(now, 0) else {
            return CheckCode::BadArguments;
        };
        let scope = if scope.is_empty() { "/" } else { scope };
        let c = self.engine.check(principal, role, scope, now);
        match (c.active, c.end_date_time) {
            (false, _) => CheckCode::Inactive,
            (true, None) => CheckCode::ActivePermanently,
            (true, Some(end)) => CheckCode::ActiveUntil(end.timestamp()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(state: &mut GuestState, input: &str) -> Value {
        serde_json::from_slice(&state.handle(input.as_bytes())).expect("the guest answers JSON")
    }

    #[test]
    fn malformed_calls_are_errors_not_panics() {
        let mut s = GuestState::default();
        for bad in [
            "",
            "{",
            "[]",
            r#"{"op":"fly"}"#,
            r#"{"op":"tick"}"#,
            r#"{"op":"tick","now":"yesterday"}"#,
        ] {
            let v = call(&mut s, bad);
            assert_eq!(v["err"]["code"], "InvalidRequest", "{bad}: {v}");
        }
    }

    #[test]
    fn execute_apply_check() {
        let mut s = GuestState::default();
        let load = call(
            &mut s,
            r#"{"op":"execute","now":"2026-03-02T09:00:00Z","command":{"op":"importDirectory",
                "directory":{"users":[{"id":"u1"}],"assignments":[{"type":"active",
                "principalId":"u1","roleDefinitionId":"29232cdf-9323-42fd-ade2-1d097af3e4de"}]}}}"#,
        );
        let events = load["ok"]["events"].clone();
        assert!(events.as_array().is_some_and(|e| !e.is_empty()), "{load}");
        let applied = call(
            &mut s,
            &json!({ "op": "apply", "events": events }).to_string(),
        );
        assert!(applied["ok"]["events"].as_u64().is_some_and(|n| n > 0));
        let now = 1_772_442_000; // 2026-03-02T09:00:00Z
        let role = "29232cdf-9323-42fd-ade2-1d097af3e4de";
        assert_eq!(s.check("u1", role, "/", now), CheckCode::ActivePermanently);
        assert_eq!(s.check("u2", role, "/", now), CheckCode::Inactive);
        assert_eq!(s.check("u1", role, "/", i64::MAX), CheckCode::BadArguments);
    }
}
