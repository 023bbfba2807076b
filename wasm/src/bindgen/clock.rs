//! `now`: optional everywhere, read from the JS clock (`Date.now()`) when absent.

use js_sys::Date;
use pim_core::Instant;
use pim_core::time::parse_instant;
use wasm_bindgen::{JsCast, JsValue};

use super::error::invalid;

/// The instant a call happens: `now` as an RFC 3339 string, milliseconds since the epoch or a
/// `Date`; the JS clock when `undefined` or `null`.
pub fn instant(now: &JsValue) -> Result<Instant, JsValue> {
    // Cheapest first: each test is a call into JS.
    if let Some(ms) = now.as_f64() {
        return from_millis(ms);
    }
    if now.is_undefined() || now.is_null() {
        return from_millis(Date::now());
    }
    if let Some(text) = now.as_string() {
        return parse_instant(&text).map_err(|e| invalid(&e.to_string()));
    }
    if let Some(date) = now.dyn_ref::<Date>() {
        return from_millis(date.get_time());
    }
    Err(invalid(
        "`now` must be an RFC 3339 string, milliseconds since the epoch or a Date",
    ))
}

/// Milliseconds since the epoch as an instant (the fraction dropped).
pub fn from_millis(ms: f64) -> Result<Instant, JsValue> {
    let whole = ms.trunc();
    // `as` saturates, and chrono refuses instants that far out.
    let millis = whole as i64;
    ms.is_finite()
        .then(|| chrono::DateTime::from_timestamp_millis(millis))
        .flatten()
        .ok_or_else(|| invalid(&format!("`now` is not a valid time: {ms}")))
}
