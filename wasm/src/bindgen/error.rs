//! pim-core's errors as JS `Error` objects with `code` and `failedRules` (the shape declared by
//! `types::PimError`).

use js_sys::{Array, Error, Reflect};
use pim_core::{CommandError, DecisionError, ErrorCode, FailedRule};
use wasm_bindgen::JsValue;

/// A JS `Error` named `PimError` carrying Graph's `code` and every failed rule.
pub fn pim_error(code: ErrorCode, failed_rules: &[FailedRule], message: &str) -> JsValue {
    let error = Error::new(message);
    error.set_name("PimError");
    let rules: Array = failed_rules
        .iter()
        .map(|r| JsValue::from_str(r.as_str()))
        .collect();
    // Defining a property on a fresh `Error` cannot fail.
    let _ = Reflect::set(&error, &"code".into(), &code.as_str().into());
    let _ = Reflect::set(&error, &"failedRules".into(), &rules);
    error.into()
}

/// Malformed input.
pub fn invalid(message: &str) -> JsValue {
    pim_error(ErrorCode::InvalidRequest, &[], message)
}

/// A command the core could not understand.
pub fn command_error(e: &CommandError) -> JsValue {
    pim_error(e.code(), &[], &e.to_string())
}

/// A refusal by the rules.
pub fn decision_error(e: &DecisionError) -> JsValue {
    pim_error(e.code, &e.failed_rules, &e.message)
}
