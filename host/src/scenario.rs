//! Scenario files through the guest: the same runner as the native engine, with the guest, the
//! SQLite store and restarts that reload from storage.

use std::sync::Arc;

use pim_core::scenario::{ScenarioFile, ScenarioReport, StepReport, run, run_json};
use serde_json::json;

use crate::guest::Guest;
use crate::service::Service;
use crate::store::SqliteStore;

/// Which engine runs a scenario.
#[derive(Debug, Clone)]
pub enum ScenarioEngine {
    /// pim_guest.wasm in wasmtime, over an in-memory SQLite database.
    Wasm(Arc<Guest>),
    /// pim-core linked natively, its log in memory.
    Native,
}

/// Runs one scenario file (JSON text) and returns its report.
pub fn run_scenario(text: &str, engine: &ScenarioEngine) -> ScenarioReport {
    let ScenarioEngine::Wasm(guest) = engine else {
        return run_json(text);
    };
    // A file that does not parse fails the same way on every engine, before any engine runs.
    let Ok(file) = ScenarioFile::from_json(text) else {
        return run_json(text);
    };
    let opened = SqliteStore::in_memory()
        .map_err(crate::service::ServiceError::from)
        .and_then(|store| Service::open(guest.clone(), store));
    match opened {
        Ok(mut service) => run(&file, &mut service),
        Err(e) => ScenarioReport {
            name: file.name.clone(),
            steps: vec![StepReport {
                step: 0,
                verb: "setup".into(),
                name: None,
                ok: false,
                actual: json!({ "error": { "code": "HostError", "message": e.to_string() } }),
                expected: None,
                mismatches: vec![format!("step failed: {e}")],
            }],
            passed: 0,
            failed: 1,
        },
    }
}
