//! The stateless activation evaluation that forms use, and ISO 8601 duration helpers for them.

use core::str::FromStr;

use pim_core::policy::Policy;
use pim_core::{CommandError, IsoDuration, evaluate_activation};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use super::clock::instant;
use super::convert::{from_js, to_js};
use super::error::{command_error, invalid};
use super::types::ActivationRequest;

/// Evaluates an activation form against role settings and an eligibility, without state: the
/// rules `selfActivate` applies, with every failed rule, whether approval is needed and the
/// window that would be granted. Throws only on malformed input.
#[wasm_bindgen(js_name = evaluateActivation, unchecked_return_type = "ActivationDecision")]
pub fn evaluate(
    #[wasm_bindgen(unchecked_param_type = "ActivationRequest")] request: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
) -> Result<JsValue, JsValue> {
    let ActivationRequest {
        rules,
        scope_type,
        eligibility,
        input,
        context,
    } = from_js(request)?;
    let policy = Policy::updated(None, "", "/", scope_type, &rules)
        .map_err(|e| command_error(&CommandError::Policy(e)))?;
    let decision = evaluate_activation(
        &policy.settings,
        &eligibility,
        &input,
        &context,
        instant(&now)?,
    )
    .map_err(|e| command_error(&e))?;
    to_js(&decision)
}

/// The length of an ISO 8601 duration (`PT8H`) in seconds, as pim-core reads it.
#[wasm_bindgen(js_name = durationSeconds)]
pub fn duration_seconds(duration: &str) -> Result<f64, JsValue> {
    let d = IsoDuration::from_str(duration).map_err(|e| invalid(&e.to_string()))?;
    Ok(d.delta().num_milliseconds() as f64 / 1000.0)
}

/// A number of seconds as an ISO 8601 duration (`28800` is `PT8H`), as pim-core writes it.
#[wasm_bindgen(js_name = isoDuration)]
pub fn iso_duration(seconds: f64) -> Result<String, JsValue> {
    let millis = (seconds * 1000.0).round();
    if !(0.0..=1e15).contains(&millis) {
        return Err(invalid(&format!(
            "`{seconds}` is not a duration in seconds"
        )));
    }
    let delta = chrono::TimeDelta::try_milliseconds(millis as i64)
        .ok_or_else(|| invalid(&format!("`{seconds}` is not a duration in seconds")))?;
    Ok(IsoDuration(delta).to_string())
}
