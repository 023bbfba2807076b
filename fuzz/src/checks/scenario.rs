//! Target `scenario`: the scenario file parser (`ScenarioFile::from_json`) and the runner
//! that executes a parsed file on the native engine.
//!
//! Promises: reading and running any text never panics; a file that does not parse yields a
//! failed report; a file that parses has a tenant that round-trips through its wire form; its
//! report has one entry per step (plus a setup failure), counts what passed and failed, and is
//! the same on a second run (every host must print the same report); and the event log the run
//! committed replays into an engine that decides time-driven events exactly as the live one.

use pim_core::scenario::{MemoryBackend, ScenarioFile, run, run_json};
use pim_core::{Engine, Tenant};

/// Parses and runs `input` as a scenario file.
pub fn check(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let first = run_json(text);
    assert_eq!(
        first.passed + first.failed,
        first.steps.len(),
        "every step is counted once"
    );
    let Ok(file) = ScenarioFile::from_json(text) else {
        assert!(first.failed > 0, "an unreadable file must fail");
        return;
    };
    let tenant = file.tenant();
    let wire = serde_json::to_string(&tenant).expect("a tenant serializes");
    let back = Tenant::from_json(&wire)
        .unwrap_or_else(|e| panic!("the scenario's tenant does not re-read: {e}\n{wire}"));
    assert_eq!(
        back, tenant,
        "the scenario's tenant changed in a round trip"
    );
    assert!(
        first.steps.len() == file.steps.len() || first.steps.len() == 1,
        "one report per step, or only the failed setup"
    );
    let mut backend = MemoryBackend::default();
    let second = run(&file, &mut backend);
    assert_eq!(
        first.to_text(),
        second.to_text(),
        "the report is deterministic"
    );
    replay_matches(&backend);
}

/// The committed log replays, and the replay agrees with the live engine about what time
/// alone will cause next.
fn replay_matches(backend: &MemoryBackend) {
    let replayed = Engine::replay(&backend.log)
        .unwrap_or_else(|e| panic!("the committed log does not replay: {e}"));
    assert_eq!(
        replayed.clock(),
        backend.engine.clock(),
        "the replayed clock"
    );
    if let Some(clock) = backend.engine.clock() {
        let later = clock.checked_add_signed(chrono::TimeDelta::days(400));
        for later in [Some(clock), later].into_iter().flatten() {
            assert_eq!(
                replayed.tick(later),
                backend.engine.tick(later),
                "the replay ticks like the live engine"
            );
        }
    }
}
