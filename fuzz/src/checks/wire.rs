//! Target `wire`: the JSON bodies pim-core parses (Graph schedule requests, policy rules and
//! role settings, approval decisions and every other command, review definitions, directory
//! snapshots and tenant files, queries, call contexts, events and call envelopes).
//!
//! Promise: whatever parses serializes, the serialization parses back to the same value, and
//! serializing that value again gives the same bytes. A value the engine accepted and logged
//! must come back identical when the log is read.

use std::any::type_name;
use std::fmt::Debug;

use pim_core::abi::Call;
use pim_core::review::ReviewDefinition;
use pim_core::wire::{DirectorySnapshot, PolicyEntry, PolicyRule, ScheduleRequestBody};
use pim_core::{CallContext, Command, Event, Query, Tenant};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Parses `input` as each wire type and checks the round trip of every one that parses.
pub fn check(input: &[u8]) {
    round_trip::<ScheduleRequestBody>(input);
    round_trip::<Vec<PolicyRule>>(input);
    round_trip::<PolicyEntry>(input);
    round_trip::<Command>(input);
    round_trip::<ReviewDefinition>(input);
    round_trip::<DirectorySnapshot>(input);
    round_trip::<Query>(input);
    round_trip::<CallContext>(input);
    round_trip::<Event>(input);
    round_trip::<Call<'static>>(input);
    tenant_round_trip(input);
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(input: &[u8]) {
    let Ok(first) = serde_json::from_slice::<T>(input) else {
        return;
    };
    let name = type_name::<T>();
    let text = serde_json::to_vec(&first)
        .unwrap_or_else(|e| panic!("{name} parsed but does not serialize: {e}\n{first:?}"));
    let second: T = serde_json::from_slice(&text).unwrap_or_else(|e| {
        panic!(
            "{name} does not re-parse its own serialization: {e}\n{}",
            String::from_utf8_lossy(&text)
        )
    });
    assert_eq!(first, second, "{name} changed in a round trip");
    let again = serde_json::to_vec(&second).expect("serialized once already");
    assert_eq!(text, again, "{name} serializes differently the second time");
}

/// A tenant file has its own reader (`Tenant::from_json`, which accepts `"policies": null`).
fn tenant_round_trip(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let Ok(first) = Tenant::from_json(text) else {
        return;
    };
    let out = serde_json::to_string(&first).expect("a tenant serializes");
    let second = Tenant::from_json(&out)
        .unwrap_or_else(|e| panic!("a tenant does not re-read its own serialization: {e}\n{out}"));
    assert_eq!(first, second, "a tenant changed in a round trip");
}
