//! Many `pim-host serve` processes on one PostgreSQL log, under failure: a host killed during
//! a stream of writes, the database itself crashed and restarted under load (a throwaway
//! cluster of the test's own, never the shared server), and a host started late catching up
//! from a snapshot plus the log's tail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{EXCHANGE_ADMIN, http};
use crate::metrics::sample;
use crate::postgres::{Server, TestDb, body_head, health};

const ELIGIBILITY: &str = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pim-host-ha-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// A request making user1 eligible at a scope of its own, named `id`.
fn eligible(id: &str) -> String {
    json!({
        "id": id, "action": "adminAssign", "principalId": "user1",
        "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": format!("/administrativeUnits/{id}"),
        "justification": "high-availability test",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } }
    })
    .to_string()
}

/// A writer streaming requests to one host until `stop`: sends `(host, id)` for each
/// acknowledged (201) one; a refused or failed one is never acknowledged (`failed` counts it).
struct Writer {
    handle: std::thread::JoinHandle<()>,
}

#[derive(Default)]
struct Tally {
    stop: AtomicBool,
    /// Requests not acknowledged, by host.
    failed: [AtomicU32; 3],
}

impl Tally {
    fn failed(&self, host: usize) -> u32 {
        self.failed[host].load(Ordering::Relaxed)
    }

    fn all_failed(&self) -> u32 {
        (0..self.failed.len()).map(|h| self.failed(h)).sum()
    }
}

impl Writer {
    fn start(
        host: usize,
        addr: String,
        tally: Arc<Tally>,
        acks: mpsc::Sender<(usize, String)>,
    ) -> Writer {
        let handle = std::thread::spawn(move || {
            for i in 0.. {
                if tally.stop.load(Ordering::Relaxed) {
                    return;
                }
                let id = format!("h{host}-{i}");
                match http(&addr, "POST", ELIGIBILITY, "aymen-token", &eligible(&id)) {
                    Some((201, _)) => {
                        if acks.send((host, id)).is_err() {
                            return;
                        }
                    }
                    _ => {
                        tally.failed[host].fetch_add(1, Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            }
        });
        Writer { handle }
    }
}

/// Waits for acknowledgements until `done` says enough, within `within`.
fn collect(
    acks: &mpsc::Receiver<(usize, String)>,
    got: &mut Vec<(usize, String)>,
    within: Duration,
    done: impl Fn(&[(usize, String)]) -> bool,
) {
    let deadline = Instant::now() + within;
    while !done(got) {
        let left = deadline.saturating_duration_since(Instant::now());
        match acks.recv_timeout(left) {
            Ok(ack) => got.push(ack),
            Err(e) => panic!("only {} acknowledged requests: {e}", got.len()),
        }
    }
}

/// Every id in `acked` reads back as a provisioned request on `server`.
fn assert_all_there(server: &Server, acked: &[(usize, String)]) {
    for (_, id) in acked {
        let (status, body) = http(
            &server.addr,
            "GET",
            &format!("{ELIGIBILITY}/{id}"),
            "aymen-token",
            "",
        )
        .expect("answers");
        assert_eq!(status, 200, "acknowledged request `{id}` lost: {body}");
        assert_eq!(body["status"], "Provisioned", "{id}: {body}");
    }
}

fn after(acked: &[(usize, String)], from: usize, host: usize) -> usize {
    acked[from..].iter().filter(|(h, _)| *h == host).count()
}

#[test]
fn postgres_ha_sigkill_of_one_host_during_writes_loses_no_acknowledged_request() {
    let db = TestDb::new("sigkill");
    let dir = temp_dir("sigkill");
    let hosts: Vec<Server> = (0..3).map(|_| Server::start(&db.url, &dir)).collect();
    let tally = Arc::new(Tally::default());
    let (tx, acks) = mpsc::channel();
    let writers: Vec<Writer> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| Writer::start(i, h.addr.clone(), tally.clone(), tx.clone()))
        .collect();
    drop(tx);
    let mut acked = Vec::new();
    collect(&acks, &mut acked, Duration::from_secs(60), |a| {
        a.len() >= 30
    });
    let mut hosts = hosts.into_iter();
    let killed = hosts.next().expect("three hosts");
    killed.kill();
    let at_kill = acked.len();
    // The two others keep acknowledging writes.
    collect(&acks, &mut acked, Duration::from_secs(60), |a| {
        after(a, at_kill, 1) >= 15 && after(a, at_kill, 2) >= 15
    });
    tally.stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.handle.join().expect("a writer ends");
    }
    acked.extend(acks.try_iter());
    // The killed host's writer failed once it was gone; the others never did.
    assert!(tally.failed(0) > 0, "the killed host kept answering");
    assert_eq!(
        (tally.failed(1), tally.failed(2)),
        (0, 0),
        "a surviving host failed a write"
    );
    let (b, c): (Server, Server) = (hosts.next().expect("b"), hosts.next().expect("c"));
    assert_all_there(&b, &acked);
    assert_all_there(&c, &acked);
    assert_eq!(body_head(&b), body_head(&c));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A PostgreSQL cluster of the test's own (Debian's binaries; initdb and pg_ctl run as the
/// `postgres` user when the tests run as root), on a free port, removed when dropped.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_root: bool,
    /// Whether the server offers TLS, with the certificate of `host/tests/fixtures/smtp-tls`
    /// (for `localhost` and 127.0.0.1, signed by its `ca.pem`).
    tls: bool,
}

impl Cluster {
    fn start() -> Cluster {
        Cluster::start_with(false)
    }

    /// A cluster offering TLS (and still accepting plain connections).
    fn start_tls() -> Cluster {
        Cluster::start_with(true)
    }

    fn start_with(tls: bool) -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| d.filter_map(|e| Some(e.ok()?.path().join("bin"))).filter(|b| b.join("initdb").is_file()).max())
            .expect("PostgreSQL's server binaries under /usr/lib/postgresql/*/bin: run `scripts/postgres.sh start --own` once (it installs Debian's postgresql)");
        let uid = Command::new("id").arg("-u").output().expect("id runs");
        let as_root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = PathBuf::from(format!(
            "/tmp/pim-ha-cluster-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a cluster dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Cluster {
            bin,
            dir,
            port,
            as_root,
            tls,
        };
        if tls {
            cluster.install_certificate();
        }
        if as_root {
            cluster.run(
                "chown",
                &["postgres", cluster.dir.to_str().expect("UTF-8")],
                false,
            );
        }
        let data = cluster.data();
        cluster.pg(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        );
        cluster.up();
        cluster
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// Copies the test certificate and key beside the data, readable by the server only.
    fn install_certificate(&self) {
        let fixtures = crate::common::workspace().join("host/tests/fixtures/smtp-tls");
        for file in ["server.pem", "server.key"] {
            std::fs::copy(fixtures.join(file), self.dir.join(file)).expect("copies");
        }
        let key = self.dir.join("server.key");
        let key = key.to_str().expect("UTF-8");
        self.run("chmod", &["600", key], false);
        if self.as_root {
            let cert = self.dir.join("server.pem");
            self.run(
                "chown",
                &["postgres", key, cert.to_str().expect("UTF-8")],
                false,
            );
        }
    }

    fn run(&self, program: &str, args: &[&str], as_postgres: bool) {
        let mut cmd = if as_postgres && self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]);
            c
        } else {
            Command::new(program)
        };
        let out = cmd
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pg(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        self.run(program.to_str().expect("UTF-8"), args, true);
    }

    /// Starts the server and waits until it accepts connections.
    fn up(&self) {
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {}",
            self.port,
            self.dir.display()
        );
        if self.tls {
            let (cert, key) = (self.dir.join("server.pem"), self.dir.join("server.key"));
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                cert.display(),
                key.display()
            ));
        }
        let log = self.dir.join("log").display().to_string();
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
    }

    /// Stops the server as a crash would (`immediate`: no checkpoint, clients cut off).
    fn crash(&self) {
        self.pg(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let ctl = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if self.as_root {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&ctl)
                .args(args)
                .output()
        } else {
            Command::new(&ctl).args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits until `server`'s follower is listening again.
fn reconnected(server: &Server, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let h = health(server);
        if h["database"]["follower"]["connected"] == true {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the follower did not reconnect: {h}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn postgres_ha_a_database_crash_under_load_loses_nothing_acknowledged_and_hosts_reconnect() {
    let cluster = Cluster::start();
    let dir = temp_dir("crash");
    let hosts: Vec<Server> = (0..2)
        .map(|_| Server::start(&cluster.url(), &dir))
        .collect();
    let tally = Arc::new(Tally::default());
    let (tx, acks) = mpsc::channel();
    let writers: Vec<Writer> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| Writer::start(i, h.addr.clone(), tally.clone(), tx.clone()))
        .collect();
    drop(tx);
    let mut acked = Vec::new();
    collect(&acks, &mut acked, Duration::from_secs(60), |a| {
        a.len() >= 20
    });
    cluster.crash();
    std::thread::sleep(Duration::from_millis(500));
    let failed_before_restart = tally.all_failed();
    cluster.up();
    let at_restart = acked.len();
    // Both hosts acknowledge writes again on the restarted database.
    collect(&acks, &mut acked, Duration::from_secs(60), |a| {
        after(a, at_restart, 0) >= 10 && after(a, at_restart, 1) >= 10
    });
    tally.stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.handle.join().expect("a writer ends");
    }
    acked.extend(acks.try_iter());
    assert!(
        failed_before_restart > 0,
        "no write failed while the database was down: the crash did not happen under load"
    );
    for host in &hosts {
        reconnected(host, Duration::from_secs(15));
        assert_all_there(host, &acked);
    }
    assert_eq!(body_head(&hosts[0]), body_head(&hosts[1]));
    drop(hosts);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The latest snapshot's sequence number in the database at `url`.
fn snapshot_seq(url: &str) -> u64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connects");
    let row = c
        .query_one("SELECT MAX(seq) FROM snapshots", &[])
        .expect("reads");
    row.get::<_, Option<i64>>(0)
        .and_then(|s| u64::try_from(s).ok())
        .expect("a snapshot")
}

fn write(server: &Server, ids: impl Iterator<Item = String>) -> Vec<(usize, String)> {
    ids.map(|id| {
        let (status, body) = http(
            &server.addr,
            "POST",
            ELIGIBILITY,
            "aymen-token",
            &eligible(&id),
        )
        .expect("answers");
        assert_eq!(status, 201, "{body}");
        (0, id)
    })
    .collect()
}

#[test]
fn postgres_ha_a_host_started_late_loads_the_snapshot_and_applies_only_the_tail() {
    let db = TestDb::new("late");
    let dir: &Path = &temp_dir("late");
    let a = Server::start(&db.url, dir);
    let b = Server::start(&db.url, dir);
    let mut acked = write(&a, (0..10).map(|i| format!("before-{i}")));
    // A graceful shutdown saves a snapshot at A's head.
    let at_a = body_head(&a);
    a.terminate();
    let snapshot = snapshot_seq(&db.url);
    assert_eq!(snapshot, at_a);
    acked.extend(write(&b, (0..7).map(|i| format!("after-{i}"))));
    let head = body_head(&b);
    assert!(head > snapshot);

    let c = Server::start(&db.url, dir);
    let m = c.metrics();
    assert_eq!(
        sample(&m, "pim_loaded_snapshot_seq"),
        Some(snapshot as f64),
        "{m}"
    );
    assert_eq!(
        sample(&m, "pim_loaded_events"),
        Some((head - snapshot) as f64),
        "{m}"
    );
    assert_eq!(body_head(&c), head);
    assert_all_there(&c, &acked);
    // C is on the log like the others: what it commits, B answers.
    write(&c, std::iter::once("from-c".to_owned()));
    let deadline = Instant::now() + Duration::from_secs(1);
    while body_head(&b) <= head {
        assert!(Instant::now() < deadline, "B did not see C's commit");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Whether the connection `client` holds is encrypted, by the server's own account.
fn encrypted(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .expect("reads pg_stat_ssl")
        .get(0)
}

#[test]
fn postgres_tls_verifies_the_server_and_never_falls_back_to_plain_text() {
    let cluster = Cluster::start_tls();
    let ca = crate::common::workspace().join("host/tests/fixtures/smtp-tls/ca.pem");
    let verified = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        cluster.url(),
        ca.display()
    );
    let mut client = pim_host::store::postgres::connect(&verified).expect("connects over TLS");
    assert!(encrypted(&mut client), "sslmode=verify-full encrypts");
    drop(client);
    // Without sslmode the connection is plain, as before.
    let mut plain = pim_host::store::postgres::connect(&cluster.url()).expect("connects");
    assert!(!encrypted(&mut plain));
    drop(plain);
    // A server whose certificate the roots do not sign (Mozilla's roots know nothing of the
    // test CA) is refused, for `require` too: no unverified TLS, no plain text instead.
    for mode in ["verify-full", "require"] {
        let url = format!("{}?sslmode={mode}", cluster.url());
        match pim_host::store::postgres::connect(&url) {
            Err(e) => assert!(
                e.to_string().contains("certificate") || format!("{e:?}").contains("Certificate"),
                "{mode}: {e:?}"
            ),
            Ok(_) => panic!("{mode}: connected to a server it cannot verify"),
        }
    }
    // The certificate names `localhost` too: the name is checked, not only the chain.
    let by_name = verified.replace("127.0.0.1", "localhost");
    let mut client = pim_host::store::postgres::connect(&by_name).expect("connects by name");
    assert!(encrypted(&mut client));
    drop(client);

    // A host serves on the TLS URL: its store, follower and outbox all connect.
    let dir = temp_dir("tls");
    let host = Server::start(&verified, &dir);
    reconnected(&host, Duration::from_secs(10));
    let health = health(&host);
    assert_eq!(health["database"]["kind"], "postgres", "{health}");
    assert!(
        body_head(&host) >= 3,
        "the demo tenant was written over TLS"
    );
}
