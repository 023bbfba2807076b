//! Scenario files: the conformance contract every host runs (docs/scenarios.md).
//!
//! A scenario sets up a tenant, walks through steps on a virtual clock and states what each step
//! must produce. The runner is generic over a [`Backend`], so the native engine, the npm package
//! and the wasmtime host all run the same steps through the same code and print the same report.

mod expect;
mod file;
mod runner;

pub use expect::{Expect, ExpectedError};
pub use file::{ScenarioFile, Step, Verb};
pub use runner::{Backend, BackendError, MemoryBackend, ScenarioReport, StepReport, run, run_json};
