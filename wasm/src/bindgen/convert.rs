//! Wire values across the boundary: plain JS objects in, plain JS objects out, shaped exactly
//! like the JSON pim-core reads and writes.
//!
//! In: serde-wasm-bindgen reads the JS value into a `serde_json::Value`, which serde reads into
//! the wire type. pim-core already reads its wire types from `serde_json::Value`, so
//! serde-wasm-bindgen is instantiated for that one type only instead of once more for every wire
//! type: serde's code for reading internally tagged enums (`Command`, `Event`) is the largest part
//! of the module, and this keeps one copy of it.
//!
//! Out: serde writes the wire value as JSON text and one `JSON.parse` call makes the JS object.
//! Writing through serde-wasm-bindgen instead costs the browser build 7 KB gzipped (its budget is
//! 300 KB) and is slower for large values (one call into JS per field); both keep the fields in
//! declaration order, as in pim-core's JSON.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasm_bindgen::JsValue;

use super::error::invalid;

/// A JS value read as a wire type; malformed input throws `InvalidRequest`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, JsValue> {
    let value: Value = serde_wasm_bindgen::from_value(value)
        .map_err(|e| invalid(&format!("malformed input: {e}")))?;
    from_value(value)
}

/// A JSON value read as a wire type; malformed input throws `InvalidRequest`.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, JsValue> {
    serde_json::from_value(value).map_err(|e| invalid(&format!("malformed input: {e}")))
}

/// An optional argument: `undefined` or `null` reads as the type's default.
pub fn from_js_or_default<T: DeserializeOwned + Default>(value: JsValue) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(T::default())
    } else {
        from_js(value)
    }
}

/// A wire value as a plain JS value: objects (fields in declaration order), arrays, strings,
/// numbers, and `null` where the JSON has it.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| invalid(&format!("cannot convert the result: {e}")))?;
    js_sys::JSON::parse(&text)
}
