//! One engine alone in a fresh process: the time to load the tenant from the in-memory
//! records, and the resident memory the loaded engine adds.
//!
//! `cargo run --release --manifest-path bench/peers/Cargo.toml --bin peers-memory -- <engine>
//! <size> [loads]`, engine one of `pim` (every projection, as a reference host keeps it),
//! `pim-gateway` (`Projections::CHECK_ONLY`), `cedar`, `regorus`, `regorus-rvm`; size in
//! assignments; with `loads` above 1 it loads the tenant that many times and reports the
//! fastest, median and slowest load (the memory figure is the first load's).
//!
//! Resident memory (`VmRSS`) is read at three points: the empty process, after the records are
//! generated, and after the engine has loaded them (the records still held). The engine's
//! figure is the last minus the second: what loading added, transient garbage the allocator
//! kept included.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant as Clock;

use pim_core::Projections;
use pim_peers_bench::tenant::{self, NOW};
use pim_peers_bench::{cedar, pim, rego, rss_kib, size_label};

const USAGE: &str =
    "usage: peers-memory <pim|pim-gateway|cedar|regorus|regorus-rvm> <assignments> [loads]";

/// Loads the tenant into `engine` and answers one direct-hit question, so that nothing is
/// left lazy; returns the answer.
fn load(engine: &str, t: &tenant::Tenant) -> Option<bool> {
    let q = t.questions.direct.first()?;
    let (p, r, s) = (q.principal.as_str(), q.role.as_str(), q.scope.as_str());
    let answer = match engine {
        "pim" | "pim-gateway" => {
            let projections = if engine == "pim" {
                Projections::ALL
            } else {
                Projections::CHECK_ONLY
            };
            let e = pim::load(t, NOW, projections);
            let a = pim::check(&e, p, r, s, pim::instant(NOW));
            std::mem::forget(black_box(e));
            a
        }
        "cedar" => {
            let e = cedar::load(t, NOW);
            let a = e.check(p, r, s, NOW);
            std::mem::forget(black_box(e));
            a
        }
        "regorus" => {
            let mut e = rego::interpreter(rego::CHECK_POLICY, rego::data(t));
            let v = rego::interpret(&mut e, rego::CHECK_RULE, rego::check_input(p, r, s, NOW));
            std::mem::forget(black_box(e));
            rego::allowed(&v)
        }
        "regorus-rvm" => {
            let mut vm = rego::vm(rego::CHECK_POLICY, rego::CHECK_RULE, rego::data(t));
            let v = rego::run(&mut vm, rego::check_input(p, r, s, NOW));
            std::mem::forget(black_box(vm));
            rego::allowed(&v)
        }
        _ => return None,
    };
    Some(answer)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(engine), Some(Ok(size))) = (args.first(), args.get(1).map(|s| s.parse::<usize>()))
    else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let baseline = rss_kib();
    let t = tenant::generate(size);
    let with_records = rss_kib();
    let clock = Clock::now();
    let Some(answer) = load(engine, &t) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let took = clock.elapsed();
    let loaded = rss_kib();
    assert!(answer, "a direct-hit question was answered no");
    println!(
        "{engine} {}: {} schedules; loaded in {:.2?}; engine resident {:.1} MiB \
         (records {:.1} MiB, empty process {:.1} MiB)",
        size_label(size),
        t.grants.len(),
        took,
        (loaded.saturating_sub(with_records)) as f64 / 1024.0,
        (with_records.saturating_sub(baseline)) as f64 / 1024.0,
        baseline as f64 / 1024.0,
    );
    let loads: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1);
    if loads > 1 {
        // More loads in the same process (each engine kept, so each load starts on fresh
        // memory as the first did): the load time's spread on a machine shared with others.
        let mut times = vec![took];
        for _ in 1..loads {
            let clock = Clock::now();
            load(engine, &t);
            times.push(clock.elapsed());
        }
        times.sort();
        println!(
            "{engine} {}: {loads} loads, fastest {:.2?}, median {:.2?}, slowest {:.2?}",
            size_label(size),
            times[0],
            times[loads / 2],
            times[loads - 1],
        );
    }
    ExitCode::SUCCESS
}
