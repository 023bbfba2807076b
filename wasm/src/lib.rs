//! pim compiled to WebAssembly.
//!
//! This crate is a placeholder: the npm package (wasm-bindgen) and the import-free guest module
//! arrive with their own issues. It already builds for `wasm32-unknown-unknown`, proving the
//! core compiles there, and exposes the scenario runner the bindings will wrap.

/// Runs one scenario file (JSON text) on the engine and returns the JSON report.
pub fn run_scenario_json(text: &str) -> String {
    let report = pim_core::scenario::run_json(text);
    serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
