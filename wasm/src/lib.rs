#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

#[cfg(feature = "bindgen")]
mod bindgen;

/// Runs one scenario file (JSON text) on the engine and returns the JSON report.
pub fn run_scenario_json(text: &str) -> String {
    let report = pim_core::scenario::run_json(text);
    serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
