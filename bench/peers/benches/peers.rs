//! Criterion benchmarks: pim, Cedar, the regorus interpreter and the regorus RVM on the same
//! tenant (10 thousand and 1 million assignments) and the same questions.
//!
//! Run with `cargo bench --manifest-path bench/peers/Cargo.toml -- --warm-up-time 1
//! --measurement-time 3`. `PIM_BENCH_SIZES=10000` picks other tenant sizes. Before timing, each
//! size's setup asserts that every engine answers the same on every benchmark question and on
//! random ones, and gives the same activation verdicts.

use std::hint::black_box;
use std::time::Instant as Clock;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pim_peers_bench::tenant::{NOW, Question};
use pim_peers_bench::{
    ACTIVATION_ROLE, Loaded, Rules, activation, cross_check_activation, cross_check_gateway, pim,
    rego, rss_kib, size_label, tenant,
};

/// How many random questions (and activation forms) the cross-check adds.
const RANDOM: usize = 4_000;

fn bench_check(c: &mut Criterion, t: &tenant::Tenant, e: &mut Loaded, size: &str) {
    let q = &t.questions;
    let mut g = c.benchmark_group(format!("check/{size}"));
    let now = pim::instant(NOW);
    for (case, keys) in [
        ("hit-direct", &q.direct),
        ("hit-group", &q.group),
        ("hit-activation", &q.activation),
        ("miss-eligible-only", &q.eligible_only),
        ("miss-unknown-principal", &q.unknown),
    ] {
        let keys: &[Question] = keys;
        let next = |i: &mut usize| {
            *i = (*i + 1) % keys.len();
            let k = &keys[*i];
            (k.principal.as_str(), k.role.as_str(), k.scope.as_str())
        };
        g.bench_function(BenchmarkId::new(case, "pim"), |b| {
            let mut i = 0;
            b.iter(|| {
                let (p, r, s) = next(&mut i);
                black_box(pim::check(&e.pim, black_box(p), r, s, now))
            });
        });
        g.bench_function(BenchmarkId::new(case, "cedar"), |b| {
            let mut i = 0;
            b.iter(|| {
                let (p, r, s) = next(&mut i);
                black_box(e.cedar.check(black_box(p), r, s, NOW))
            });
        });
        g.bench_function(BenchmarkId::new(case, "regorus"), |b| {
            let mut i = 0;
            b.iter(|| {
                let (p, r, s) = next(&mut i);
                let input = rego::check_input(black_box(p), r, s, NOW);
                black_box(rego::interpret(&mut e.interpreter, rego::CHECK_RULE, input))
            });
        });
        g.bench_function(BenchmarkId::new(case, "regorus-rvm"), |b| {
            let mut i = 0;
            b.iter(|| {
                let (p, r, s) = next(&mut i);
                let input = rego::check_input(black_box(p), r, s, NOW);
                black_box(rego::run(&mut e.vm, input))
            });
        });
    }
    bench_prebuilt(&mut g, &q.direct, e);
    g.finish();
}

/// Direct hits with the peers' requests built beforehand: the engines' evaluation alone.
fn bench_prebuilt(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    keys: &[Question],
    e: &mut Loaded,
) {
    let requests: Vec<_> = keys
        .iter()
        .map(|k| e.cedar.request(&k.principal, &k.role, &k.scope, NOW))
        .collect();
    let inputs: Vec<_> = keys
        .iter()
        .map(|k| rego::check_input(&k.principal, &k.role, &k.scope, NOW))
        .collect();
    g.bench_function(BenchmarkId::new("hit-direct-prebuilt", "cedar"), |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % requests.len();
            black_box(e.cedar.decide(black_box(&requests[i])))
        });
    });
    g.bench_function(BenchmarkId::new("hit-direct-prebuilt", "regorus"), |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % inputs.len();
            let input = inputs[i].clone();
            black_box(rego::interpret(&mut e.interpreter, rego::CHECK_RULE, input))
        });
    });
    g.bench_function(
        BenchmarkId::new("hit-direct-prebuilt", "regorus-rvm"),
        |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % inputs.len();
                black_box(rego::run(&mut e.vm, inputs[i].clone()))
            });
        },
    );
}

/// The activation rules on a form every rule accepts and on one failing all four, inputs
/// built beforehand for every engine.
fn bench_activation(c: &mut Criterion) {
    let mut rules = Rules::new();
    let allowed = cross_check_activation(&mut rules, RANDOM);
    eprintln!(
        "activation cross-check: {} forms, {allowed} allowed; every engine agrees",
        RANDOM + 2
    );
    let mut g = c.benchmark_group("activation");
    for (case, form) in [
        ("granted", activation::granted_form()),
        ("refused-four-rules", activation::refused_form()),
    ] {
        let pim_form = activation::PimForm::new(&form);
        g.bench_function(BenchmarkId::new(case, "pim"), |b| {
            b.iter(|| black_box(pim_form.decide(black_box(&rules.pim))));
        });
        let request = rules.cedar.request(&form);
        g.bench_function(BenchmarkId::new(case, "cedar"), |b| {
            b.iter(|| black_box(rules.cedar.decide(black_box(&request))));
        });
        let input = rego::activation_input(ACTIVATION_ROLE, &form);
        g.bench_function(BenchmarkId::new(case, "regorus"), |b| {
            b.iter(|| {
                black_box(rego::interpret(
                    &mut rules.interpreter,
                    rego::ACTIVATION_RULE,
                    input.clone(),
                ))
            });
        });
        g.bench_function(BenchmarkId::new(case, "regorus-rvm"), |b| {
            b.iter(|| black_box(rego::run(&mut rules.vm, input.clone())));
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_activation(c);
    let sizes: Vec<usize> = std::env::var("PIM_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 1_000_000]);
    for n in sizes {
        let size = size_label(n);
        let clock = Clock::now();
        let t = tenant::generate(n);
        let generated = clock.elapsed();
        let mut e = Loaded::new(&t);
        let loaded = clock.elapsed() - generated;
        let (checked, yes) = cross_check_gateway(&t, &mut e, RANDOM);
        eprintln!(
            "{size}: {} schedules, {} users, {} groups; generated in {generated:.2?}, all four \
             engines loaded in {loaded:.2?}, resident {} MiB; cross-check: {checked} questions \
             ({yes} yes), every engine agrees",
            t.grants.len(),
            t.users.len(),
            t.groups.len(),
            rss_kib() / 1024,
        );
        bench_check(c, &t, &mut e, &size);
    }
}

criterion_group!(peers, benches);
criterion_main!(peers);
