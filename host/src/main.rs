//! `pim-host`: the reference host of pim.
//!
//! - `pim-host scenario [--engine wasm|native] [--json] FILES...` runs scenario files (through
//!   pim_guest.wasm by default) and prints one line per step and a last line
//!   `N passed, N failed`; it exits non-zero when any step fails.
//! - `pim-host serve --db pim.db [--demo] [--read-only]` serves the HTTP API;
//!   `pim-host serve --database postgres://…` (or `PIM_DATABASE_URL`) serves it over a
//!   PostgreSQL event log that many hosts share.
//! - `pim-host migrate --database postgres://…` applies the PostgreSQL store's migrations.
//! - `pim-host verify --db pim.db` checks the event log's hash chain and prints its head.
//! - `pim-host audit export --db pim.db --format csv|jsonl` writes the audit log.
//! - `pim-host notifications --db pim.db [--since T] [--json]` lists the outbox;
//!   `pim-host notifications deliver --db pim.db [--config FILE] [--webhook URL]` makes one
//!   delivery round (mail, webhooks: host/README.md, "Notifications");
//!   `pim-host notifications status --db pim.db [--json]` counts pending, delivered and
//!   dead-lettered deliveries and lists the dead letters.
//! - `pim-host alerts --db pim.db [--json]` prints the security alerts.
//! - `pim-host reviews --db pim.db [--json]` prints the access reviews.
//! - `pim-host import DIR --db pim.db` reads a folder of saved Microsoft Graph responses (a
//!   tenant's directory, role assignments and role settings) into a new database;
//!   `pim-host export DIR --db pim.db` writes one from a database (host/README.md, "Running
//!   your own tenant's rules offline").

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use pim_core::AuditFilter;
use pim_core::alerts::Alert;
use pim_core::notify::Notification;
use pim_core::review::{Review, ReviewDecision};
use pim_core::{Query, QueryResult};
use pim_host::export::{write_csv, write_jsonl};
use pim_host::graph::PolicyIds;
use pim_host::graph_folder;
use pim_host::outbox::{self, Deliverer, NotificationsConfig, WebhookConfig};
use pim_host::scenario::{ScenarioEngine, run_scenario};
use pim_host::serve::{ServeOptions, serve};
use pim_host::{Chain, Database, Guest, Limits, Service, SqliteStore, Store, StoreOptions};
use std::io::Write;

#[derive(Parser)]
#[command(name = "pim-host", version, about = "The pim reference host")]
struct Cli {
    /// The guest module (default: $PIM_GUEST, else the workspace's build output).
    #[arg(long, global = true)]
    guest: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum EngineKind {
    /// pim_guest.wasm in wasmtime, with the SQLite store.
    Wasm,
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
        #[arg(long, value_enum, default_value = "wasm")]
        engine: EngineKind,
        /// Scenario files (JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Serves the HTTP API (Graph-shaped PIM endpoints) over a SQLite or PostgreSQL database.
    Serve(ServeArgs),
    /// Applies the PostgreSQL store's migrations (a writing `serve` applies them too) and
    /// prints each applied version.
    Migrate {
        /// The PostgreSQL URL (default: $PIM_DATABASE_URL).
        #[arg(long)]
        database: Option<String>,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// Lists the notifications the engine called for (the outbox), oldest first.
    #[command(args_conflicts_with_subcommands = true)]
    Notifications {
        /// The SQLite database.
        #[arg(long, default_value = "pim.db")]
        db: PathBuf,
        /// Only those due at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Print JSON (one array) instead of one line per notification.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        command: Option<NotificationsCmd>,
    },
    /// Prints the access reviews and their latest instance as they stand now.
    Reviews(ListArgs),
    /// Prints the security alerts as they stand now.
    Alerts(ListArgs),
    /// Reads a folder of saved Microsoft Graph responses (users, groups and their members,
    /// service principals, role definitions, role eligibility and assignment schedules, role
    /// management policies) into a new database. Nothing is written unless all of it is taken.
    Import {
        /// The folder (host/README.md, "Running your own tenant's rules offline").
        dir: PathBuf,
        /// The SQLite database (created if missing; it must hold no events).
        #[arg(long, default_value = "pim.db")]
        db: PathBuf,
    },
    /// Writes the database's tenant as a folder of Microsoft Graph responses, the layout
    /// `import` reads.
    Export {
        /// The folder (created; it must be empty if it exists).
        dir: PathBuf,
        /// The SQLite database.
        #[arg(long, default_value = "pim.db")]
        db: PathBuf,
        /// The tenant id policy ids are derived from (Graph's `DirectoryRole_{tenantId}_…`).
        #[arg(long, default_value = pim_host::graph::DEFAULT_TENANT_ID)]
        tenant_id: String,
    },
    /// Checks the event log's hash chain (read-only) and prints its head: `head SEQ HASH`.
    /// Exits 1 naming the first bad sequence number if the chain is broken.
    Verify {
        /// The SQLite database.
        #[arg(long, default_value = "pim.db")]
        db: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// The SQLite database (created if missing; default `pim.db` unless a PostgreSQL URL is
    /// given).
    #[arg(long, conflicts_with = "database")]
    db: Option<PathBuf>,
    /// A PostgreSQL URL (`postgres://user@host:5432/db`, no TLS) whose event log this host
    /// shares with others (default: $PIM_DATABASE_URL when `--db` is not given).
    #[arg(long)]
    database: Option<String>,
    /// The config file (JSON; host/README.md): `listen`, `tokens` (bearer tokens and the
    /// principals they stand for), `oidc` (an OpenID Connect issuer whose JWT access tokens
    /// are accepted), `rateLimit` (writes per caller), `maxClockSkewSeconds` and
    /// `notifications` (mail and webhooks the outbox is delivered to, continuously).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to listen (overrides the config); port 0 picks a free port.
    #[arg(long)]
    listen: Option<String>,
    /// Seeds the demo tenant (the seed's Exchange Administrator walkthrough) into an empty
    /// database, and the tokens `aymen-token` and `user1-token` when none are configured.
    #[arg(long)]
    demo: bool,
    /// Seconds between ticks (expiries and time-outs become events).
    #[arg(long, default_value_t = 5)]
    tick_seconds: u64,
    /// Events between memory snapshots of the guest (0: only at shutdown).
    #[arg(long, default_value_t = 10_000)]
    snapshot_every: u64,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    max_body: usize,
    /// Guest instances answering queries, besides the one deciding (each holds the tenant).
    #[arg(long, default_value_t = 1)]
    readers: usize,
    /// How far this host's clock may be from its peers' (or its own last trusted reading
    /// carried forward) before it refuses to write, in seconds (overrides the config's
    /// `maxClockSkewSeconds`; default 120).
    #[arg(long, value_name = "SECONDS")]
    max_clock_skew: Option<u64>,
    /// Opens the database read-only and writes nothing: every write route answers 403
    /// `readOnlyHost`; reads follow what writing hosts append.
    #[arg(long)]
    read_only: bool,
}

/// The environment variable naming a PostgreSQL database for `serve` and `migrate`.
const DATABASE_VARIABLE: &str = "PIM_DATABASE_URL";

/// `--database`, else `--db`, else `PIM_DATABASE_URL`, else `pim.db`.
fn database(url: Option<String>, db: Option<PathBuf>) -> Database {
    match (url, db) {
        (Some(url), _) => Database::Postgres(url),
        (None, Some(db)) => Database::Sqlite(db),
        (None, None) => match std::env::var(DATABASE_VARIABLE) {
            Ok(url) if !url.is_empty() => Database::Postgres(url),
            _ => Database::Sqlite(PathBuf::from("pim.db")),
        },
    }
}

impl From<ServeArgs> for ServeOptions {
    fn from(a: ServeArgs) -> Self {
        ServeOptions {
            database: database(a.database, a.db),
            config: a.config,
            listen: a.listen,
            demo: a.demo,
            tick_seconds: a.tick_seconds,
            snapshot_every: a.snapshot_every,
            max_body: a.max_body,
            readers: a.readers,
            max_clock_skew: a.max_clock_skew,
            read_only: a.read_only,
        }
    }
}

// A database and the output format, for commands that print what the guest answers (a plain
// comment: a doc comment here would become the subcommands' help).
#[derive(Args)]
struct ListArgs {
    /// The SQLite database.
    #[arg(long, default_value = "pim.db")]
    db: PathBuf,
    /// Print JSON (one array) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum NotificationsCmd {
    /// One delivery round: takes the notifications not yet taken (one delivery per recipient
    /// and channel) and attempts each delivery that is due once; a failed one is retried by a
    /// later round, after a backoff, until `maxAttempts`. Exits 1 if an attempt failed.
    Deliver {
        /// The SQLite database.
        #[arg(long, default_value = "pim.db")]
        db: PathBuf,
        /// The config file whose `notifications` section names the channels.
        #[arg(long)]
        config: Option<PathBuf>,
        /// A webhook (pim's JSON, unsigned) besides the config's channels.
        #[arg(long)]
        webhook: Option<String>,
    },
    /// Counts pending, delivered and dead-lettered deliveries, and lists the dead letters.
    Status {
        /// The SQLite database (default `pim.db` unless a PostgreSQL URL is given).
        #[arg(long, conflicts_with = "database")]
        db: Option<PathBuf>,
        /// The PostgreSQL database whose hosts deliver the outbox (default:
        /// $PIM_DATABASE_URL when `--db` is not given).
        #[arg(long)]
        database: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Writes every audit record to stdout.
    Export {
        /// The SQLite database.
        #[arg(long, default_value = "pim.db")]
        db: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PIM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load_guest(path: Option<&Path>) -> anyhow::Result<std::sync::Arc<Guest>> {
    let path = Guest::locate(path);
    Guest::from_file(&path, Limits::default())
        .with_context(|| format!("loading the guest from {}", path.display()))
}

/// Opens the database's service (the database must exist).
fn open_service(guest: Option<&Path>, db: &Path) -> anyhow::Result<Service<SqliteStore>> {
    anyhow::ensure!(db.is_file(), "no database at {}", db.display());
    let guest = load_guest(guest)?;
    let options = StoreOptions {
        read_only: false,
        chain: Chain::from_env()?,
    };
    Ok(Service::open(guest, SqliteStore::open_with(db, &options)?)?)
}

/// Asks the database's guest `query` now; `pick` takes the answer of the expected kind
/// (`what` names the query in the error otherwise).
fn ask<T>(
    service: &mut Service<SqliteStore>,
    query: &Query,
    what: &str,
    pick: impl FnOnce(QueryResult) -> Option<T>,
) -> anyhow::Result<T> {
    let answer = service.query(query, chrono::Utc::now())?;
    pick(answer).with_context(|| format!("the guest answered {what} with something else"))
}

/// Prints `items` as one pretty JSON array, or one `line` each; the command succeeded.
fn print_all<T: serde::Serialize>(
    items: &[T],
    json: bool,
    line: impl Fn(&T) -> String,
) -> anyhow::Result<bool> {
    if json {
        println!("{}", serde_json::to_string_pretty(items)?);
    } else {
        for item in items {
            println!("{}", line(item));
        }
    }
    Ok(true)
}

fn notifications(
    service: &mut Service<SqliteStore>,
    since: Option<&str>,
) -> anyhow::Result<Vec<Notification>> {
    let since = since
        .map(pim_core::time::parse_instant)
        .transpose()
        .context("--since")?;
    let q = Query::Notifications {
        since,
        recipient: None,
    };
    ask(service, &q, "a notifications query", |r| match r {
        QueryResult::Notifications(v) => Some(v),
        _ => None,
    })
}

fn run(cli: Cli) -> anyhow::Result<bool> {
    let guest = cli.guest.as_deref();
    match cli.command {
        Cmd::Scenario {
            json,
            engine,
            files,
        } => scenario(guest, engine, &files, json),
        Cmd::Serve(args) => serve_http(guest, args),
        Cmd::Audit {
            command: AuditCmd::Export { db, format },
        } => audit_export(guest, &db, format),
        Cmd::Notifications {
            command:
                Some(NotificationsCmd::Deliver {
                    db,
                    config,
                    webhook,
                }),
            ..
        } => deliver(guest, &db, config.as_deref(), webhook),
        Cmd::Notifications {
            command:
                Some(NotificationsCmd::Status {
                    db,
                    database: url,
                    json,
                }),
            ..
        } => notifications_status(&database(url, db), json),
        Cmd::Notifications {
            db,
            since,
            json,
            command: None,
        } => {
            let list = notifications(&mut open_service(guest, &db)?, since.as_deref())?;
            print_all(&list, json, outbox::to_line)
        }
        Cmd::Reviews(args) => reviews(guest, args),
        Cmd::Alerts(args) => alerts(guest, args),
        Cmd::Verify { db } => verify(&db),
        Cmd::Migrate { database: url } => migrate(url),
        Cmd::Import { dir, db } => import_folder(guest, &dir, &db),
        Cmd::Export { dir, db, tenant_id } => export_folder(guest, &dir, &db, &tenant_id),
    }
}

/// `pim-host import`: the folder into a new database; prints what was taken, and each
/// warning to stderr.
fn import_folder(guest: Option<&Path>, dir: &Path, db: &Path) -> anyhow::Result<bool> {
    let guest = load_guest(guest)?;
    let options = StoreOptions {
        read_only: false,
        chain: Chain::from_env()?,
    };
    let store = SqliteStore::open_with(db, &options)
        .with_context(|| format!("opening {}", db.display()))?;
    let mut service = Service::open(guest, store)?;
    let imported = graph_folder::import(dir, &mut service, chrono::Utc::now())
        .with_context(|| format!("importing {} into {}", dir.display(), db.display()))?;
    for line in imported.warnings.lines() {
        eprintln!("warning: {line}");
    }
    println!(
        "imported {} ({} events) into {}",
        imported.counts,
        imported.events,
        db.display()
    );
    Ok(true)
}

/// `pim-host export`: the database's tenant as it stands now, into a new folder.
fn export_folder(
    guest: Option<&Path>,
    dir: &Path,
    db: &Path,
    tenant_id: &str,
) -> anyhow::Result<bool> {
    anyhow::ensure!(db.is_file(), "no database at {}", db.display());
    let options = StoreOptions {
        read_only: true,
        chain: Chain::from_env()?,
    };
    let store = SqliteStore::open_with(db, &options)
        .with_context(|| format!("opening {}", db.display()))?;
    let mut service = Service::open(load_guest(guest)?, store)?;
    let ids = PolicyIds::new(tenant_id);
    let exported = graph_folder::export(&mut service, dir, chrono::Utc::now(), &ids)
        .with_context(|| format!("exporting {} into {}", db.display(), dir.display()))?;
    println!("exported {} into {}", exported.counts, dir.display());
    Ok(true)
}

/// `pim-host verify`: the chain from the first event, read-only. Prints `head SEQ HASH` and
/// `chain KIND`; on a broken chain prints the break and `first bad sequence: N`, and fails.
fn verify(db: &Path) -> anyhow::Result<bool> {
    anyhow::ensure!(db.is_file(), "no database at {}", db.display());
    let options = StoreOptions {
        read_only: true,
        chain: Chain::from_env()?,
    };
    let mut store = SqliteStore::open_with(db, &options)
        .with_context(|| format!("opening {}", db.display()))?;
    match store.verify() {
        Ok(head) => {
            println!("head {} {}", head.seq, head.hex());
            println!("chain {}", store.chain_kind());
            Ok(true)
        }
        Err(e) => match e.broken_at() {
            Some(seq) => {
                println!("{e}");
                println!("first bad sequence: {seq}");
                Ok(false)
            }
            None => Err(e.into()),
        },
    }
}

/// `pim-host migrate`: the PostgreSQL store's migrations not applied yet.
fn migrate(url: Option<String>) -> anyhow::Result<bool> {
    let url = url
        .or_else(|| std::env::var(DATABASE_VARIABLE).ok())
        .context("give --database postgres://… or set PIM_DATABASE_URL")?;
    let shown = Database::Postgres(url.clone());
    let mut client = pim_host::store::postgres::connect(&url)
        .with_context(|| format!("connecting to {shown}"))?;
    let applied = pim_host::store::postgres::migrate(&mut client)?;
    for version in &applied {
        println!("applied migration {version}");
    }
    println!(
        "{shown} is at migration {}",
        pim_host::store::postgres::newest()
    );
    Ok(true)
}

/// `pim-host serve`: the HTTP API until SIGINT or SIGTERM.
fn serve_http(guest: Option<&Path>, args: ServeArgs) -> anyhow::Result<bool> {
    let guest = load_guest(guest)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(guest, args.into()))?;
    Ok(true)
}

/// `pim-host reviews`.
fn reviews(guest: Option<&Path>, args: ListArgs) -> anyhow::Result<bool> {
    let mut service = open_service(guest, &args.db)?;
    let reviews = ask(
        &mut service,
        &Query::Reviews {},
        "a reviews query",
        |r| match r {
            QueryResult::Reviews(v) => Some(v),
            _ => None,
        },
    )?;
    print_all(&reviews, args.json, review_line)
}

/// `pim-host alerts`.
fn alerts(guest: Option<&Path>, args: ListArgs) -> anyhow::Result<bool> {
    let mut service = open_service(guest, &args.db)?;
    let alerts = ask(
        &mut service,
        &Query::Alerts {},
        "an alerts query",
        |r| match r {
            QueryResult::Alerts(v) => Some(v),
            _ => None,
        },
    )?;
    print_all(&alerts, args.json, alert_line)
}

/// `pim-host scenario`: runs the files, prints the reports; true if every step passed.
fn scenario(
    guest: Option<&Path>,
    engine: EngineKind,
    files: &[PathBuf],
    json: bool,
) -> anyhow::Result<bool> {
    let engine = match engine {
        EngineKind::Wasm => ScenarioEngine::Wasm(load_guest(guest)?),
        EngineKind::Native => ScenarioEngine::Native,
    };
    let mut reports = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        reports.push(run_scenario(&text, &engine));
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

/// `pim-host audit export`: every audit record to stdout.
fn audit_export(guest: Option<&Path>, db: &Path, format: ExportFormat) -> anyhow::Result<bool> {
    let q = Query::Audit(AuditFilter::default());
    let records = ask(
        &mut open_service(guest, db)?,
        &q,
        "an audit query",
        |r| match r {
            QueryResult::Audit(r) => Some(r),
            _ => None,
        },
    )?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ExportFormat::Csv => write_csv(&records, &mut out)?,
        ExportFormat::Jsonl => write_jsonl(&records, &mut out)?,
    }
    out.flush()?;
    Ok(true)
}

/// `pim-host notifications deliver`: one round over the config's channels and `--webhook`.
fn deliver(
    guest: Option<&Path>,
    db: &Path,
    config: Option<&Path>,
    webhook: Option<String>,
) -> anyhow::Result<bool> {
    let notifications = match config {
        Some(p) => pim_host::http::ServerConfig::load(p)?
            .notifications
            .unwrap_or_default(),
        None => NotificationsConfig::default(),
    };
    let extra: Vec<WebhookConfig> = webhook.into_iter().map(WebhookConfig::plain).collect();
    if let Some(w) = extra.first() {
        let probe = NotificationsConfig {
            webhooks: vec![w.clone()],
            ..NotificationsConfig::default()
        };
        probe
            .validate()
            .map_err(|e| anyhow::anyhow!("--webhook: {e}"))?;
    }
    anyhow::ensure!(
        notifications.has_channels() || !extra.is_empty(),
        "no channel: pass --config with a `notifications` section, or --webhook URL"
    );
    let mut service = open_service(guest, db)?;
    let deliverer = Deliverer::open(db, &notifications, &extra)?;
    deliverer.take_from(&mut service, chrono::Utc::now())?;
    let round = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(deliverer.deliver_due(None))?;
    println!("delivered {}", round.delivered);
    if round.failed > 0 {
        println!("failed {} (retried by a later round)", round.failed);
    }
    if round.dead > 0 {
        println!("dead-lettered {}", round.dead);
    }
    Ok(round.failed == 0 && round.dead == 0)
}

/// `pim-host notifications status`: the counts, and one line per dead letter.
fn notifications_status(database: &Database, json: bool) -> anyhow::Result<bool> {
    if let Database::Sqlite(db) = database {
        anyhow::ensure!(db.is_file(), "no database at {}", db.display());
    }
    let status = outbox::store::open(database)?.status()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(true);
    }
    println!("pending {}", status.pending);
    println!("delivered {}", status.delivered);
    println!("dead-lettered {}", status.dead_lettered);
    for d in &status.dead_letters {
        println!(
            "dead  {}  {}  {} {}  {} attempt{}  {}",
            d.key,
            d.notification_id,
            d.channel,
            d.destination,
            d.attempts,
            if d.attempts == 1 { "" } else { "s" },
            d.last_error.as_deref().unwrap_or("-")
        );
    }
    Ok(true)
}

/// One line for an access review: id, name, role, and where its latest instance stands.
fn review_line(r: &Review) -> String {
    let latest = r.current().map_or_else(
        || String::from("no instance yet"),
        |i| {
            let decided = i
                .items
                .iter()
                .filter(|x| x.decision != ReviewDecision::NotReviewed)
                .count();
            format!(
                "instance {} {} until {}, {decided}/{} decided",
                i.index,
                i.status,
                pim_core::time::format_instant(&i.end_date_time),
                i.items.len()
            )
        },
    );
    format!(
        "{}  {}  {}  {latest}",
        r.id,
        r.definition.display_name.as_deref().unwrap_or("-"),
        r.definition.role_definition_id
    )
}

/// One line for a security alert: state, severity, incidents, name and id.
fn alert_line(a: &Alert) -> String {
    let state = if !a.is_enabled {
        "disabled"
    } else if a.is_dismissed {
        "dismissed"
    } else if a.is_active {
        "ACTIVE"
    } else {
        "ok"
    };
    format!(
        "{:<9} {:<6} {:>4} incident{}  {}  ({})",
        state,
        a.severity_level.as_str(),
        a.incident_count,
        if a.incident_count == 1 { " " } else { "s" },
        a.display_name,
        a.alert_definition_id
    )
}
