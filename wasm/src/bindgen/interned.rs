//! The gateway `check` without re-encoding its strings: the package's JavaScript layer gives each
//! principal, role and scope string it meets a number once (`internId`), keeps the numbers in a
//! `Map`, and asks `checkInterned` with three numbers and `now` as epoch milliseconds. Passing a
//! string costs an allocation, a copy into WebAssembly memory and a free; a number costs nothing.
//!
//! The strings live in one table per WebAssembly instance. The layer bounds it: past a limit
//! (`INTERN_LIMIT` in lib/wrap.mjs) it calls `internReset`, forgets its ids and starts again. An answer of `UNKNOWN` (an id
//! the table does not hold, or a `now` out of range) sends the layer back to the plain `check`,
//! whose answer or error is the canonical one.

use std::cell::RefCell;

use wasm_bindgen::prelude::wasm_bindgen;

use super::clock::from_millis;
use super::engine::JsEngine;

/// `checkInterned`'s answer: inactive.
const INACTIVE: u32 = 0;
/// Active.
const ACTIVE: u32 = 1;
/// Not answered here: ask the plain `check`.
const UNKNOWN: u32 = 2;

thread_local! {
    /// The interned strings, by id.
    static STRINGS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// A string's id in the table (the package's JavaScript layer calls it once per string).
#[wasm_bindgen(js_name = internId, skip_typescript)]
pub fn intern_id(text: String) -> u32 {
    STRINGS.with(|table| {
        let mut table = table.borrow_mut();
        table.push(text);
        // The layer resets the table long before 2^32 strings.
        u32::try_from(table.len() - 1).unwrap_or(u32::MAX)
    })
}

/// Empties the table (the layer forgets its ids at the same time).
#[wasm_bindgen(js_name = internReset, skip_typescript)]
pub fn intern_reset() {
    STRINGS.with(|table| table.borrow_mut().clear());
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// `check` with interned strings and `now` in epoch milliseconds: 1 active, 0 inactive,
    /// 2 not answered (an unknown id or a `now` out of range: ask `check`).
    #[wasm_bindgen(js_name = checkInterned, skip_typescript)]
    pub fn check_interned(&self, principal: u32, role: u32, scope: u32, now_ms: f64) -> u32 {
        let Ok(now) = from_millis(now_ms) else {
            return UNKNOWN;
        };
        STRINGS.with(|table| {
            let table = table.borrow();
            let text = |id: u32| table.get(id as usize).map(String::as_str);
            match (text(principal), text(role), text(scope)) {
                (Some(p), Some(r), Some(s)) => {
                    if self.core.check(p, r, s, now).active {
                        ACTIVE
                    } else {
                        INACTIVE
                    }
                }
                _ => UNKNOWN,
            }
        })
    }
}
