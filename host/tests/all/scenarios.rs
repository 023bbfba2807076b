//! Every scenario file gives the same report through the guest (with the SQLite store and
//! restarts that reload from storage) as through the native engine.

use pim_core::scenario::{Backend, BackendError, ScenarioFile, run};
use pim_core::{CallContext, Command, Event, Instant, Outcome, Query, QueryResult};
use pim_host::scenario::{ScenarioEngine, run_scenario};
use pim_host::{MemoryStore, Service};

use crate::common::{assert_same_report, guest, scenario_files};

#[test]
fn every_scenario_reports_identically_on_both_engines() {
    let wasm = ScenarioEngine::Wasm(guest());
    let mut steps = 0;
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).expect("a readable scenario file");
        let native = run_scenario(&text, &ScenarioEngine::Native);
        let guest = run_scenario(&text, &wasm);
        assert_same_report(&guest, &native, &path.display().to_string());
        steps += native.steps.len();
    }
    assert!(steps > 100, "only {steps} steps ran");
}

/// A service whose restarts go through a memory snapshot.
struct SnapshottingService(Service<MemoryStore>);

impl Backend for SnapshottingService {
    fn execute(
        &mut self,
        c: &Command,
        x: &CallContext,
        n: Instant,
    ) -> Result<Outcome, BackendError> {
        Backend::execute(&mut self.0, c, x, n)
    }
    fn commit(&mut self, events: &[Event]) -> Result<(), BackendError> {
        Backend::commit(&mut self.0, events)
    }
    fn tick(&mut self, now: Instant) -> Result<Vec<Event>, BackendError> {
        Backend::tick(&mut self.0, now)
    }
    fn query(&mut self, q: &Query, now: Instant) -> Result<QueryResult, BackendError> {
        Backend::query(&mut self.0, q, now)
    }
    fn restart(&mut self) -> Result<(), BackendError> {
        self.0
            .snapshot()
            .map_err(|e| BackendError::Host(e.to_string()))?;
        Backend::restart(&mut self.0)
    }
}

#[test]
fn restarting_from_a_memory_snapshot_changes_no_report() {
    let mut restarts = 0;
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).expect("a readable scenario file");
        if !text.contains("\"restart\"") {
            continue;
        }
        let Ok(file) = ScenarioFile::from_json(&text) else {
            continue;
        };
        restarts += 1;
        let native = run_scenario(&text, &ScenarioEngine::Native);
        let service = Service::open(guest(), MemoryStore::new()).expect("a service opens");
        let snapshotting = run(&file, &mut SnapshottingService(service));
        assert_same_report(&snapshotting, &native, &path.display().to_string());
    }
    assert!(restarts > 0, "no scenario restarts");
}
