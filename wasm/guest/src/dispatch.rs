//! The guest's logic, free of raw pointers: a call envelope in, a result envelope out.
//! `abi.rs` only moves bytes across the boundary; everything here is testable natively.

use pim_core::abi::{Call, CheckCode, Fault, Reply, Summary, Version, codes};
use pim_core::time::format_instant;
use pim_core::{Engine, Event, Projections};

/// The engine inside the guest, with the count of events applied to it.
#[derive(Debug, Default)]
pub struct GuestState {
    engine: Engine,
    applied: u64,
}

impl GuestState {
    /// An empty tenant keeping only `projections`.
    fn empty(projections: Projections) -> Self {
        GuestState {
            engine: Engine::with_projections(projections),
            applied: 0,
        }
    }
}

/// `{"err":{"code":…,"message":…}}`.
fn err(code: &str, message: &str) -> Vec<u8> {
    let fault = Reply::<()>::Err(Fault {
        code: code.into(),
        message: message.into(),
    });
    serde_json::to_vec(&fault).unwrap_or_else(|_| br#"{"err":{"code":"Internal"}}"#.to_vec())
}

/// `{"ok":<value>}`, serialized straight to bytes (going through `Value` costs five times more).
fn to_ok<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(&Reply::Ok(value)).unwrap_or_else(|e| err(codes::INTERNAL, &e.to_string()))
}

impl GuestState {
    /// Handles one call envelope and returns the result envelope: `{"ok":…}` or
    /// `{"err":{"code":…,"message":…}}`. Never panics on input.
    pub fn handle(&mut self, input: &[u8]) -> Vec<u8> {
        match serde_json::from_slice::<Call<'_>>(input) {
            Ok(call) => self.dispatch(call),
            Err(e) => err(codes::INVALID_REQUEST, &format!("malformed call: {e}")),
        }
    }

    /// Handles one parsed call.
    pub fn dispatch(&mut self, call: Call<'_>) -> Vec<u8> {
        match call {
            Call::Version => to_ok(&Version {
                abi: pim_core::abi::ABI_VERSION,
                core: env!("CARGO_PKG_VERSION").into(),
            }),
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
                *self = GuestState::empty(self.engine.projections());
                self.apply(&events)
            }
            Call::Reset { projections } => {
                *self = GuestState::empty(projections.unwrap_or_default());
                to_ok(&Summary::default())
            }
            Call::State => to_ok(&self.summary()),
        }
    }

    fn apply(&mut self, events: &[Event]) -> Vec<u8> {
        for e in events {
            if let Err(problem) = self.engine.apply(e) {
                return err(codes::APPLY_ERROR, &problem.to_string());
            }
            self.applied = self.applied.saturating_add(1);
        }
        to_ok(&self.summary())
    }

    fn summary(&self) -> Summary {
        Summary {
            clock: self.engine.clock().map(|c| format_instant(&c)),
            events: self.applied,
        }
    }

    /// The gateway question without JSON: is `principal` active in `role` at `scope` at `now`
    /// (unix seconds)? An empty scope means `/`. The end comes back in unix seconds.
    pub fn check(&self, principal: &str, role: &str, scope: &str, now: i64) -> CheckCode {
        let now = chrono::DateTime::from_timestamp(now, 0);
        match self.check_at(principal, role, scope, now) {
            Some(c) => CheckCode::from(&c),
            None => CheckCode::BadArguments,
        }
    }

    /// [`GuestState::check`] with `now` and the end in unix milliseconds.
    pub fn check_millis(&self, principal: &str, role: &str, scope: &str, now: i64) -> CheckCode {
        let now = chrono::DateTime::from_timestamp_millis(now);
        match self.check_at(principal, role, scope, now) {
            Some(c) => CheckCode::from_check_millis(&c),
            None => CheckCode::BadArguments,
        }
    }

    /// The engine's answer, or `None` when `now` is outside the years every command and query
    /// is held to (1970 to 8999).
    fn check_at(
        &self,
        principal: &str,
        role: &str,
        scope: &str,
        now: Option<pim_core::time::Instant>,
    ) -> Option<pim_core::Check> {
        let now = pim_core::time::check_range(now?).ok()?;
        let scope = if scope.is_empty() { "/" } else { scope };
        Some(self.engine.check(principal, role, scope, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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

    /// A grant from 09:00:00.400 to 10:00:00.600: the whole-second `check` cannot see it until
    /// 09:00:01 and reports its end truncated; `check_millis` sees it from its first
    /// millisecond and ends it at its last.
    #[test]
    fn check_in_milliseconds_sees_a_grant_within_its_first_second() {
        let mut s = GuestState::default();
        let load = call(
            &mut s,
            r#"{"op":"execute","now":"2026-03-02T08:00:00Z","command":{"op":"importDirectory",
                "directory":{"users":[{"id":"u1"}],"assignments":[{"type":"active",
                "principalId":"u1","roleDefinitionId":"29232cdf-9323-42fd-ade2-1d097af3e4de",
                "startDateTime":"2026-03-02T09:00:00.400Z",
                "endDateTime":"2026-03-02T10:00:00.600Z"}]}}}"#,
        );
        let events = load["ok"]["events"].clone();
        call(
            &mut s,
            &json!({ "op": "apply", "events": events }).to_string(),
        );
        let role = "29232cdf-9323-42fd-ade2-1d097af3e4de";
        let start_ms = 1_772_442_000_400; // 2026-03-02T09:00:00.400Z
        let end_ms = start_ms + 3_600_200; // 10:00:00.600
        assert_eq!(
            s.check_millis("u1", role, "/", start_ms - 1),
            CheckCode::Inactive
        );
        assert_eq!(
            s.check_millis("u1", role, "/", start_ms),
            CheckCode::ActiveUntil(end_ms)
        );
        assert_eq!(
            s.check("u1", role, "/", start_ms / 1000),
            CheckCode::Inactive
        );
        assert_eq!(
            s.check("u1", role, "/", start_ms / 1000 + 1),
            CheckCode::ActiveUntil(end_ms / 1000)
        );
        assert_eq!(
            s.check_millis("u1", role, "/", end_ms - 1),
            CheckCode::ActiveUntil(end_ms)
        );
        assert_eq!(s.check_millis("u1", role, "/", end_ms), CheckCode::Inactive);
        assert_eq!(
            s.check_millis("u1", role, "/", i64::MAX),
            CheckCode::BadArguments
        );
    }
}
