//! Scenario files run by the package: the same runner and the same reports as every host.

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use super::convert::to_js;

/// Runs a scenario file (JSON text) on a fresh engine and returns its report, identical to
/// `pim-host scenario --json`. A file that does not parse gives a report with a failed setup step.
#[wasm_bindgen(js_name = runScenario, unchecked_return_type = "ScenarioReport")]
pub fn run_scenario(text: &str) -> Result<JsValue, JsValue> {
    to_js(&pim_core::scenario::run_json(text))
}

/// `runScenario`, with the report as compact JSON text.
#[wasm_bindgen(js_name = runScenarioJson)]
pub fn run_scenario_json(text: &str) -> String {
    crate::run_scenario_json(text)
}
