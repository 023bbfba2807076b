//! `pim-host`: the reference host of pim.
//!
//! `pim-host scenario [--json] FILES...` runs scenario files and prints one line per step and a
//! last line `N passed, N failed`; it exits non-zero when any step fails.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "pim-host", version, about = "The pim reference host")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum EngineKind {
    /// The Rust core, linked natively.
    Native,
}

#[derive(Subcommand)]
enum Cmd {
    /// Runs scenario files and reports every step.
    Scenario {
        /// Print the reports as JSON (one array of reports).
        #[arg(long)]
        json: bool,
        /// Which engine runs the scenarios.
        #[arg(long, value_enum, default_value = "native")]
        engine: EngineKind,
        /// Scenario files (JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<bool> {
    match cli.command {
        Cmd::Scenario {
            json,
            engine,
            files,
        } => {
            let EngineKind::Native = engine;
            let mut reports = Vec::new();
            for path in &files {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                reports.push(pim_core::scenario::run_json(&text));
            }
            let passed: usize = reports.iter().map(|r| r.passed).sum();
            let failed: usize = reports.iter().map(|r| r.failed).sum();
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            } else {
                for (path, r) in files.iter().zip(&reports) {
                    println!("{}: {}", path.display(), r.name);
                    for line in r.to_text().lines().skip(1) {
                        println!("  {line}");
                    }
                }
                println!("{passed} passed, {failed} failed");
            }
            Ok(failed == 0)
        }
    }
}
