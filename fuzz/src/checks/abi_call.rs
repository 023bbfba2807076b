//! Target `abi_call`: `pim_call`'s dispatch (`pim_guest::GuestState::handle`, the function the
//! export calls) with arbitrary bytes, one call envelope per line, on an instance loaded with
//! the fixture tenant.
//!
//! Promises (docs/abi.md): every answer is JSON, exactly `{"ok":…}` or
//! `{"err":{"code":…,"message":…}}` with a documented code and a message; `Internal` (a bug)
//! never appears; input that is not a call envelope is an `InvalidRequest`; `execute`, `tick`,
//! `query`, `state` and `version` change nothing; and the events `execute` and `tick` return
//! apply cleanly (the decide–persist–apply cycle), moving the count by their number.

use pim_core::abi::{Call, codes};
use pim_guest::GuestState;
use serde_json::{Value, json};

use super::fixture;

/// The most lines of one input that are run.
const MAX_CALLS: usize = 64;

/// Runs each line of `input` as a call on a freshly loaded instance.
pub fn check(input: &[u8]) {
    let mut guest = GuestState::default();
    let loaded = answer(&guest.handle(fixture::load_envelope()));
    let loaded = loaded.unwrap_or_else(|code| panic!("the fixture does not load: {code}"));
    assert_eq!(
        loaded["events"],
        fixture::events().len(),
        "load counts events"
    );
    for line in input.split(|b| *b == b'\n').take(MAX_CALLS) {
        call(&mut guest, line);
    }
}

fn call(guest: &mut GuestState, line: &[u8]) {
    let before = state(guest);
    let result = answer(&guest.handle(line));
    let Ok(parsed) = serde_json::from_slice::<Call<'_>>(line) else {
        assert_eq!(
            result.err().as_deref(),
            Some(codes::INVALID_REQUEST),
            "a line that is no call envelope is refused as InvalidRequest"
        );
        return;
    };
    let read_only = matches!(
        parsed,
        Call::Execute { .. } | Call::Tick { .. } | Call::Query { .. } | Call::State | Call::Version
    );
    if read_only {
        assert_eq!(state(guest), before, "a read-only op changed the state");
    }
    let Ok(value) = result else {
        return;
    };
    match parsed {
        Call::Execute { .. } => commit(guest, &value["events"]),
        Call::Tick { .. } => commit(guest, &value),
        Call::Reset { .. } => assert_eq!(value["events"], 0, "reset empties the tenant"),
        Call::Version => assert_eq!(value["abi"], pim_core::abi::ABI_VERSION, "the ABI version"),
        _ => {}
    }
}

/// Applies events the guest decided: they must fit the state they were decided on.
fn commit(guest: &mut GuestState, events: &Value) {
    let n = events
        .as_array()
        .unwrap_or_else(|| panic!("events are a list: {events}"))
        .len();
    let before = state(guest)["events"].as_u64().expect("a count");
    let envelope = json!({ "op": "apply", "events": events }).to_string();
    let applied = answer(&guest.handle(envelope.as_bytes()))
        .unwrap_or_else(|code| panic!("decided events do not apply ({code}): {events}"));
    assert_eq!(
        applied["events"].as_u64(),
        Some(before + n as u64),
        "apply counts the events"
    );
}

fn state(guest: &mut GuestState) -> Value {
    answer(&guest.handle(br#"{"op":"state"}"#)).expect("state always answers")
}

/// Checks the envelope's shape: `Ok(result)` or `Err(code)`.
pub fn answer(out: &[u8]) -> Result<Value, String> {
    let reply: Value = serde_json::from_slice(out).unwrap_or_else(|e| {
        panic!(
            "the answer is not JSON ({e}): {}",
            String::from_utf8_lossy(out)
        )
    });
    let Some(envelope) = reply.as_object().filter(|o| o.len() == 1) else {
        panic!("the answer is not a one-key object: {reply}");
    };
    if let Some(ok) = envelope.get("ok") {
        return Ok(ok.clone());
    }
    let err = envelope
        .get("err")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("neither ok nor err: {reply}"));
    assert!(
        err.keys().all(|k| k == "code" || k == "message"),
        "err has only code and message: {reply}"
    );
    let code = err["code"].as_str().expect("the code is text");
    assert!(
        [codes::INVALID_REQUEST, codes::APPLY_ERROR].contains(&code),
        "undocumented or internal code: {reply}"
    );
    let message = err.get("message").and_then(Value::as_str);
    assert!(
        message.is_some_and(|m| !m.is_empty()),
        "no message: {reply}"
    );
    Err(code.to_owned())
}
