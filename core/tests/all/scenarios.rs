//! Every scenario file in `tests/scenarios/` passes on the native engine, and gives the same
//! report when run twice (the runner and engine are deterministic).

use std::path::PathBuf;

use pim_core::scenario::{MemoryBackend, ScenarioFile, run, run_json};

fn scenario_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_passes() {
    let files = scenario_files();
    assert!(!files.is_empty(), "no scenario files found");
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let report = run_json(&text);
        assert!(!report.steps.is_empty(), "{} ran no step", path.display());
        if report.failed > 0 {
            failures.push(format!("{}:\n{}", path.display(), report.to_text()));
        }
    }
    assert!(
        failures.is_empty(),
        "failing scenarios:\n{}",
        failures.join("\n")
    );
}

#[test]
fn reports_are_deterministic() {
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let a = serde_json::to_string(&run_json(&text)).unwrap();
        let b = serde_json::to_string(&run_json(&text)).unwrap();
        assert_eq!(a, b, "{} gave two different reports", path.display());
    }
}

#[test]
fn replaying_the_log_rebuilds_the_same_state() {
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = ScenarioFile::from_json(&text).unwrap();
        let mut backend = MemoryBackend::default();
        run(&file, &mut backend);
        let replayed = pim_core::Engine::replay(&backend.log).unwrap();
        assert_eq!(
            replayed.audit_log(),
            backend.engine.audit_log(),
            "{}: audit differs after replay",
            path.display()
        );
        let now = backend.engine.clock().unwrap_or(file.start);
        for p in backend.engine.directory().principals() {
            for r in backend.engine.directory().roles() {
                for scope in ["/", "/administrativeUnits/au1"] {
                    assert_eq!(
                        replayed.check(&p.id, &r.id, scope, now),
                        backend.engine.check(&p.id, &r.id, scope, now),
                        "{}: check({}, {}, {scope}) differs after replay",
                        path.display(),
                        p.id,
                        r.id
                    );
                }
            }
        }
    }
}

#[test]
fn a_wrong_expectation_fails() {
    // The runner must be able to fail: flip an expectation of the seed walkthrough.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let text = std::fs::read_to_string(dir.join("seed-exchange-admin-walkthrough.json")).unwrap();
    let broken = text.replacen(
        "\"status\": \"PendingApproval\"",
        "\"status\": \"Provisioned\"",
        1,
    );
    assert_ne!(text, broken);
    let report = run_json(&broken);
    assert_eq!(report.failed, 1, "{}", report.to_text());
    let broken = text.replacen(
        "\"active\": true, \"via\": \"activation\"",
        "\"active\": false",
        1,
    );
    assert_eq!(run_json(&broken).failed, 1);
}

#[test]
fn unreadable_files_fail_with_a_reason() {
    let report = run_json(
        "{\"name\": \"x\", \"start\": \"2026-01-01T00:00:00Z\", \"steps\": [], \"bogus\": 1}",
    );
    assert_eq!(report.failed, 1);
    let message = report.steps[0].actual["error"]["message"].as_str().unwrap();
    assert!(message.contains("bogus"), "{message}");
    let report = run_json(
        "{\"name\": \"x\", \"start\": \"2026-01-01T00:00:00Z\", \"steps\": [{\"advance\": \"PT1H\", \"check\": {}}]}",
    );
    assert_eq!(report.failed, 1);
}
