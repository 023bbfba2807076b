//! A reverse proxy that lets a request through only when its caller is active, right now, in
//! the role its route needs. It embeds pim_guest.wasm through pim-host's library and tails the
//! same SQLite event log `pim-host serve` writes, so an activation made there opens the route
//! here within a second, and an expiry closes it.
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
use pim_host::{Guest, Limits, Service, SqliteStore, SystemClock};

mod gateway;

#[derive(Parser)]
#[command(about = "A PIM-checking reverse proxy")]
struct Args {
    /// The event log pim-host serve writes.
    #[arg(long)]
    db: PathBuf,
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

    // 1. Compile the guest once, and mirror the host's event log into one instance.
    let guest = Guest::from_file(&Guest::locate(args.guest.as_deref()), Limits::default())?;
    // The gateway only asks `check`: its guest keeps no audit records or notifications.
    let service = Service::open_with(
        guest,
        SqliteStore::open(&args.db)?,
        pim_core::Projections::CHECK_ONLY,
    )?;

    // 2. Routes and callers.
    let routes = serde_json::from_str(&std::fs::read_to_string(&args.routes)?)
        .context("reading the routes")?;
    let config = pim_host::http::ServerConfig::load(&args.config)?;
    let callers: HashMap<String, String> = config
        .tokens
        .into_iter()
        .map(|t| (t.token, t.principal))
        .collect();

    // 3. Check every request against the guest; tail the log every half second.
    let gw = gateway::Gateway::new(
        service,
        Arc::new(SystemClock),
        routes,
        callers,
        args.upstream,
        gateway::upstream_client()?,
    );
    gw.spawn_tail(Duration::from_millis(500));
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("gateway listening on http://{}", listener.local_addr()?);
    axum::serve(listener, gw.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
