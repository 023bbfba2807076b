//! The npm package: wasm-bindgen classes and functions over pim-core's wire types.
//!
//! A thin skin: every decision is pim-core's. This module only converts between JS values and
//! the core's serde types, reads the JS clock when no `now` is given, and turns the core's errors
//! into JS `Error` objects carrying Graph's `code` and `failedRules`.
//!
//! Features: `bindgen` is the engine (`loadTenant`, commands, `tick`, queries) and the stateless
//! activation evaluation; `replay` adds reading events back (`fromEvents`, `apply`, `commit`);
//! `scenario` adds the scenario runner (`runScenario`, `runScenarioJson`); `governance` adds
//! security alerts, access reviews and the notification outbox as `Engine` queries (`alerts`,
//! `reviews`, `review`, `notifications`), whose commands go through `execute` and `submit` in
//! every build. The Node build (the default features) has all four; the browser builds (`web`,
//! `bundler`) have `bindgen` only, which keeps them under the 300 KB gzip budget.

mod activation;
mod activation_rules;
mod clock;
mod convert;
mod engine;
mod error;
#[cfg(feature = "governance")]
mod governance;
mod interned;
#[cfg(feature = "replay")]
mod replay;
#[cfg(feature = "scenario")]
mod scenario;
mod types;

/// The version of the package (and of the pim-core it was built from).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").into()
}
