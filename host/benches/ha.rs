//! Many hosts on one log, measured: durable activations per second with 1, 2 and 4
//! `pim-host serve` processes on one PostgreSQL log beside one on SQLite, in one run; then the
//! time from a commit acknowledged by host A to `check` answering it on host B, and on a
//! gateway that follows A's event stream (`GET /v1.0/pim/events`), as p50 and p99.
//!
//! ```text
//! eval "$(scripts/postgres.sh start)"        # PIM_TEST_DATABASE_URL
//! cargo bench -p pim-host --bench ha          # after scripts/build-guest.sh
//! ```
//!
//! Bounded: `PIM_BENCH_ACTIVATIONS` activations per configuration (default 200) from
//! `PIM_BENCH_CLIENTS` concurrent clients (default 8), `PIM_BENCH_PROBES` commits for the
//! latencies (default 50); every wait gives up after 60 s. Every address is 127.0.0.1. It is
//! kept out of scripts/test.sh: it measures, it does not test.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pim_host::{Guest, Limits, MemoryStore, Service, SystemClock};
use serde_json::{Value, json};

#[path = "../../examples/gateway/gateway.rs"]
#[allow(dead_code, reason = "the example's main uses the rest")]
mod gateway;

const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const ELIGIBILITY: &str = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests";
const ASSIGNMENT: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
const PATIENCE: Duration = Duration::from_secs(60);

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A `pim-host serve --demo` process.
struct Host {
    child: Child,
    url: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Host {
    fn start(database: &[&str], dir: &Path) -> Host {
        let config = dir.join("config.json");
        std::fs::write(&config, r#"{"rateLimit": {"writesPerMinute": 0}}"#).expect("writes");
        let mut child = Command::new(env!("CARGO_BIN_EXE_pim-host"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .args(["--tick-seconds", "3600"])
            .args(database)
            .arg("--config")
            .arg(&config)
            .env("PIM_LOG", "warn")
            .env_remove("PIM_LOG_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("pim-host starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("a pipe"));
        let mut line = String::new();
        while !line.starts_with("listening on ") {
            line.clear();
            assert!(
                stdout.read_line(&mut line).expect("reads") > 0,
                "pim-host exited"
            );
        }
        let url = line.trim().trim_start_matches("listening on ").to_owned();
        Host {
            child,
            url,
            _stdout: stdout,
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database of the run's own on the PostgreSQL server, dropped afterwards.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn create(tag: &str) -> Database {
        let admin = std::env::var("PIM_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("pim_bench_{tag}_{}", std::process::id());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)
            .expect("a PostgreSQL server (eval \"$(scripts/postgres.sh start)\")");
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drops a leftover database");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("creates a database");
        let (base, _) = admin.rsplit_once('/').expect("a URL with a database");
        let url = format!("{base}/{name}");
        Database { admin, name, url }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> u16 {
    let answer = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await;
    match answer {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

fn eligible(scope: &str) -> Value {
    json!({
        "action": "adminAssign", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": scope, "justification": "benchmark",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
    })
}

fn activation(scope: &str) -> Value {
    json!({
        "action": "selfActivate", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
        "directoryScopeId": scope, "justification": "benchmark",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT8H" } }
    })
}

/// Makes user1 eligible at `scopes`, through the first host (not timed).
async fn make_eligible(client: &reqwest::Client, host: &str, scopes: &[String]) {
    for scope in scopes {
        let status = post(
            client,
            &format!("{host}{ELIGIBILITY}"),
            "aymen-token",
            &eligible(scope),
        )
        .await;
        assert_eq!(status, 201, "making user1 eligible at {scope}");
    }
}

/// `n` activations from `clients` concurrent clients, spread over `hosts` in turn: the
/// activations acknowledged per second, and how many were not.
async fn activations(hosts: &[String], scopes: Arc<Vec<String>>, clients: usize) -> (f64, usize) {
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, next, failed, scopes) =
                (client.clone(), next.clone(), failed.clone(), scopes.clone());
            let hosts = hosts.to_vec();
            tokio::spawn(async move {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(scope) = scopes.get(k) else { return };
                    let host = &hosts[k % hosts.len()];
                    let url = format!("{host}{ASSIGNMENT}");
                    if post(&client, &url, "user1-token", &activation(scope)).await != 201 {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("a client ends");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failed = failed.load(Ordering::Relaxed);
    ((scopes.len() - failed) as f64 / elapsed, failed)
}

fn scopes(tag: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("/administrativeUnits/{tag}{i}"))
        .collect()
}

/// One throughput configuration: `n_hosts` hosts on `database`.
async fn throughput(label: &str, database: &[&str], n_hosts: usize, n: usize, clients: usize) {
    let dir = bench_dir(label);
    let hosts: Vec<Host> = (0..n_hosts).map(|_| Host::start(database, &dir)).collect();
    let urls: Vec<String> = hosts.iter().map(|h| h.url.clone()).collect();
    let client = reqwest::Client::new();
    let scopes = scopes(label, n);
    make_eligible(&client, &urls[0], &scopes).await;
    let (per_second, failed) = activations(&urls, Arc::new(scopes), clients).await;
    println!("| {label} | {n_hosts} | {n} | {clients} | {per_second:.0} | {failed} |");
    drop(hosts);
    let _ = std::fs::remove_dir_all(&dir);
}

fn bench_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pim-bench-ha-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// The p50 and p99 of `samples`, in milliseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples
            .get(i)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    (at(0.5), at(0.99))
}

/// Whether B's `check` says user1 is active at `scope`.
async fn active_on(client: &reqwest::Client, host: &str, scope: &str) -> bool {
    let url = format!("{host}/v1.0/pim/check");
    let query = [
        ("principalId", "user1"),
        ("roleDefinitionId", EXCHANGE_ADMIN),
        ("directoryScopeId", scope),
    ];
    let answer = client
        .get(url)
        .query(&query)
        .bearer_auth("aymen-token")
        .send()
        .await;
    match answer {
        Ok(r) => r
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|v| v["active"] == true),
        Err(_) => false,
    }
}

/// A gateway following `host`'s event stream, with a route `/p{i}/` per probe scope.
fn start_gateway(host: &str, probe_scopes: &[String]) -> Arc<gateway::Gateway<MemoryStore>> {
    let guest = Guest::from_file(&Guest::locate(None), Limits::default()).expect("the guest");
    let log = MemoryStore::new();
    let service =
        Service::open_with(guest, log.clone(), pim_core::Projections::CHECK_ONLY).expect("opens");
    let routes = probe_scopes
        .iter()
        .enumerate()
        .map(|(i, scope)| gateway::Route {
            prefix: format!("/p{i}/"),
            role_definition_id: EXCHANGE_ADMIN.into(),
            directory_scope_id: scope.clone(),
        })
        .collect();
    let gw = gateway::Gateway::new(
        service,
        Arc::new(SystemClock),
        routes,
        HashMap::new(),
        "127.0.0.1:9".into(),
        gateway::upstream_client().expect("a client"),
    );
    let events = format!("{host}/v1.0/pim/events");
    tokio::spawn(gateway::follow_events(
        gw.clone(),
        log,
        events,
        "aymen-token".into(),
    ));
    gw
}

/// Waits until `done` holds, polling; the time it took from `from`.
async fn until(from: Instant, mut done: impl AsyncFnMut() -> bool) -> Duration {
    while !done().await {
        assert!(from.elapsed() < PATIENCE, "gave up waiting");
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    from.elapsed()
}

/// The commit-to-check latencies: host A commits, host B and a gateway following A answer.
async fn latencies(url: &str, probes: usize) {
    let dir = bench_dir("latency");
    let a = Host::start(&["--database", url], &dir);
    let b = Host::start(&["--database", url], &dir);
    let client = reqwest::Client::new();
    let probe_scopes = scopes("probe", probes);
    make_eligible(&client, &a.url, &probe_scopes).await;
    let gw = start_gateway(&a.url, &probe_scopes);
    let (mut on_b, mut on_gateway) = (Vec::new(), Vec::new());
    for (i, scope) in probe_scopes.iter().enumerate() {
        let url = format!("{}{ASSIGNMENT}", a.url);
        assert_eq!(
            post(&client, &url, "user1-token", &activation(scope)).await,
            201
        );
        let committed = Instant::now();
        let (b_url, path) = (b.url.clone(), format!("/p{i}/x"));
        let to_b = until(committed, async || active_on(&client, &b_url, scope).await);
        let to_gw = until(committed, async || {
            let (gw, path) = (gw.clone(), path.clone());
            let allowed = tokio::task::spawn_blocking(move || gw.allows("user1", &path)).await;
            matches!(allowed, Ok(Ok(Some(true))))
        });
        let (b_took, gw_took) = tokio::join!(to_b, to_gw);
        on_b.push(b_took);
        on_gateway.push(gw_took);
    }
    let (b50, b99) = percentiles(on_b);
    let (g50, g99) = percentiles(on_gateway);
    println!("| host B's `check` (PostgreSQL, another host) | {probes} | {b50:.1} | {b99:.1} |");
    println!("| a gateway following A's event stream | {probes} | {g50:.1} | {g99:.1} |");
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let n = env_usize("PIM_BENCH_ACTIVATIONS", 200);
    let clients = env_usize("PIM_BENCH_CLIENTS", 8);
    let probes = env_usize("PIM_BENCH_PROBES", 50);
    // The databases are made and dropped outside the runtime (the client blocks on its own).
    let dbs: Vec<(usize, Database)> = [1, 2, 4]
        .into_iter()
        .map(|hosts| (hosts, Database::create(&format!("pg{hosts}"))))
        .collect();
    let latency_db = Database::create("latency");
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        println!("| database | hosts | activations | clients | activations/s | not acknowledged |");
        println!("| --- | --- | --- | --- | --- | --- |");
        let dir = bench_dir("sqlite-db");
        let file = dir.join("pim.db");
        let sqlite = ["--db", file.to_str().expect("UTF-8")];
        throughput("sqlite", &sqlite, 1, n, clients).await;
        for (hosts, db) in &dbs {
            let label = format!("postgres{hosts}");
            throughput(&label, &["--database", &db.url], *hosts, n, clients).await;
        }
        let _ = std::fs::remove_dir_all(&dir);
        println!();
        println!("| from a commit acknowledged by host A to … | probes | p50 ms | p99 ms |");
        println!("| --- | --- | --- | --- |");
        latencies(&latency_db.url, probes).await;
    });
    drop(rt);
    drop((dbs, latency_db));
}
