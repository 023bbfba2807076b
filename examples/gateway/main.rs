//! A reverse proxy that lets a request through only when its caller is active, right now, in
//! the role its route needs. It embeds pim_guest.wasm through pim-host's library and mirrors
//! the event log `pim-host serve` writes, so an activation made there opens the route here
//! within a second, and an expiry closes it. It mirrors the log one of three ways:
//!
//! - `--db FILE`: tails the same SQLite file every half second;
//! - `--database postgres://…`: reads the PostgreSQL log and catches up on every commit it
//!   hears of (`LISTEN pim_events`);
//! - `--follow http://host:8080/v1.0/pim/events`: follows a host's event stream (server-sent
//!   events) with a reader's token (`--follow-token`, or `PIM_FOLLOW_TOKEN`), into memory,
//!   with no connection to the database at all.
//!
//! Run (after `scripts/build-guest.sh`):
//!
//! ```text
//! pim-host serve --db pim.db --demo &
//! cargo run -p pim-host --example gateway -- --db pim.db --upstream 127.0.0.1:9000 \
//!     --routes examples/gateway/routes.json --config examples/gateway/callers.json
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use pim_host::{
    Chain, Database, Guest, Limits, MemoryStore, Service, SqliteStore, Store, StoreOptions,
    SystemClock,
};

mod gateway;

#[derive(Parser)]
#[command(about = "A PIM-checking reverse proxy")]
#[command(group(clap::ArgGroup::new("log").required(true).args(["db", "database", "follow"])))]
struct Args {
    /// The SQLite event log pim-host serve writes.
    #[arg(long)]
    db: Option<PathBuf>,
    /// The PostgreSQL event log pim-host serve writes (`postgres://…`), read-only.
    #[arg(long)]
    database: Option<String>,
    /// A pim-host's event stream, `http://host:port/v1.0/pim/events`.
    #[arg(long)]
    follow: Option<String>,
    /// The bearer token for `--follow`: a caller who reads everything (a reader role).
    #[arg(long)]
    follow_token: Option<String>,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: String,
    /// The upstream, `host:port`.
    #[arg(long)]
    upstream: String,
    /// Routes: `[{"prefix": "/exchange/", "roleDefinitionId": "…", "directoryScopeId": "/"}]`.
    #[arg(long)]
    routes: PathBuf,
    /// Callers, in pim-host's config format (`{"tokens": [{"token": …, "principal": …}]}`).
    #[arg(long)]
    config: PathBuf,
    /// The guest module (default: $PIM_GUEST, else the workspace's build output).
    #[arg(long)]
    guest: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();

    // 1. Compile the guest once.
    let guest = Guest::from_file(&Guest::locate(args.guest.as_deref()), Limits::default())?;

    // 2. Mirror the log into that instance, one of three ways.
    if let Some(db) = &args.db {
        let gw = gateway(open(&guest, SqliteStore::open(db)?)?, &args)?;
        gw.spawn_tail(Duration::from_millis(500));
        return serve(gw, &args).await;
    }
    if let Some(url) = &args.database {
        let options = StoreOptions {
            read_only: true,
            chain: Chain::from_env()?,
        };
        let store = tokio::task::block_in_place(|| Database::Postgres(url.clone()).open(&options))?;
        let gw = gateway(tokio::task::block_in_place(|| open(&guest, store))?, &args)?;
        gateway::follow_database(&gw, url.clone());
        return serve(gw, &args).await;
    }
    let url = args
        .follow
        .clone()
        .context("--db, --database or --follow")?;
    let token = args
        .follow_token
        .clone()
        .or_else(|| std::env::var("PIM_FOLLOW_TOKEN").ok())
        .context("--follow needs --follow-token (or PIM_FOLLOW_TOKEN)")?;
    let log = MemoryStore::new();
    let gw = gateway(open(&guest, log.clone())?, &args)?;
    tokio::spawn(gateway::follow_events(gw.clone(), log, url, token));
    serve(gw, &args).await
}

/// The gateway's service over `store`: it only asks `check`, so its guest keeps no audit
/// records or notifications.
fn open<S: Store>(guest: &Arc<Guest>, store: S) -> Result<Service<S>, pim_host::ServiceError> {
    Service::open_with(guest.clone(), store, pim_core::Projections::CHECK_ONLY)
}

/// The gateway over `service`, with the routes and callers the arguments name.
fn gateway<S: Store + 'static>(
    service: Service<S>,
    args: &Args,
) -> anyhow::Result<Arc<gateway::Gateway<S>>> {
    let routes = serde_json::from_str(&std::fs::read_to_string(&args.routes)?)
        .context("reading the routes")?;
    let config = pim_host::http::ServerConfig::load(&args.config)?;
    let callers: HashMap<String, String> = config
        .tokens
        .into_iter()
        .map(|t| (t.token, t.principal))
        .collect();
    Ok(gateway::Gateway::new(
        service,
        Arc::new(SystemClock),
        routes,
        callers,
        args.upstream.clone(),
        gateway::upstream_client()?,
    ))
}

/// Checks every request against the guest until Ctrl-C.
async fn serve<S: Store + 'static>(
    gw: Arc<gateway::Gateway<S>>,
    args: &Args,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("gateway listening on http://{}", listener.local_addr()?);
    axum::serve(listener, gw.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
