//! `pim-host serve`: the HTTP API over the guest and a SQLite database, with a demo tenant,
//! a background tick, graceful shutdown and a snapshot on the way out.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use pim_core::scenario::{ScenarioFile, Verb};
use pim_core::{CallContext, Command};
use serde_json::json;

use crate::clock::{Clock, SystemClock};
use crate::guest::Guest;
use crate::http::{AppState, ServerConfig, TokenEntry, router};
use crate::service::Service;
use crate::store::{SqliteStore, Store};

/// The seed walkthrough the demo tenant comes from.
const SEED: &str = include_str!("../../tests/scenarios/seed-exchange-admin-walkthrough.json");

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The SQLite database.
    pub db: PathBuf,
    /// The config file (tokens, listen address).
    pub config: Option<PathBuf>,
    /// Overrides the config's listen address.
    pub listen: Option<String>,
    /// Seeds the demo tenant into an empty database and adds its tokens.
    pub demo: bool,
    /// Seconds between ticks (expiries, time-outs).
    pub tick_seconds: u64,
    /// Events between memory snapshots (0: only at shutdown).
    pub snapshot_every: u64,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// Guest instances that answer queries, besides the one that decides.
    pub readers: usize,
}

/// The demo callers: Aymen (Global Administrator) and User1, both with MFA.
pub fn demo_tokens() -> Vec<TokenEntry> {
    ["aymen", "user1"]
        .into_iter()
        .map(|p| TokenEntry {
            token: format!("{p}-token"),
            principal: p.into(),
            mfa: true,
            auth_context: Vec::new(),
        })
        .collect()
}

/// Seeds the walkthrough's tenant (directory, role settings, and Aymen making User1 eligible
/// for Exchange Administrator for 30 days from now) into an empty log.
pub fn seed_demo<S: Store>(service: &mut Service<S>, clock: &dyn Clock) -> anyhow::Result<bool> {
    if service.head() > 0 {
        return Ok(false);
    }
    let file = ScenarioFile::from_json(SEED).context("the seed scenario")?;
    let now = clock.now();
    let system = CallContext::system();
    let mut commands = vec![Command::ImportDirectory {
        directory: Box::new(file.directory.clone()),
    }];
    commands.extend(file.policies.iter().map(|p| Command::SetPolicy {
        role_definition_id: p.role_definition_id.clone(),
        scope_id: p.scope_id.clone(),
        scope_type: p.scope_type,
        rules: p.rules.clone(),
    }));
    for c in &commands {
        let d = service.submit(c, &system, now)?;
        anyhow::ensure!(d.error.is_none(), "seeding failed: {:?}", d.error);
    }
    // The walkthrough's first step, starting now.
    if let Some(step) = file.steps.first()
        && let Verb::Request { kind, body } = &step.verb
    {
        let mut body = serde_json::to_value(body)?;
        body["scheduleInfo"]["startDateTime"] = json!(pim_core::time::format_instant(&now));
        let command = Command::Request {
            kind: *kind,
            body: Box::new(serde_json::from_value(body)?),
        };
        let ctx = CallContext {
            caller: step.caller.as_deref().map(Into::into),
            mfa: true,
            auth_context: Vec::new(),
        };
        let d = service.submit(&command, &ctx, now)?;
        anyhow::ensure!(d.error.is_none(), "seeding failed: {:?}", d.error);
    }
    Ok(true)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn serve(guest: Arc<Guest>, options: ServeOptions) -> anyhow::Result<()> {
    let mut config = match &options.config {
        Some(p) => ServerConfig::load(p).with_context(|| format!("reading {}", p.display()))?,
        None => ServerConfig::default(),
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = SqliteStore::open(&options.db)
        .with_context(|| format!("opening {}", options.db.display()))?;
    let started = std::time::Instant::now();
    let mut service = Service::open(guest, store)?;
    tracing::info!(
        events = service.head(),
        millis = started.elapsed().as_millis() as u64,
        db = %options.db.display(),
        "loaded"
    );
    if options.demo {
        if seed_demo(&mut service, clock.as_ref())? {
            tracing::info!(events = service.head(), "seeded the demo tenant");
        }
        if config.tokens.is_empty() {
            config.tokens = demo_tokens();
        }
    }
    if config.tokens.is_empty() {
        tracing::warn!("no callers configured: every request will be refused (see --config)");
    }
    let mut readers = Vec::new();
    for _ in 0..options.readers {
        let store = SqliteStore::open(&options.db)?;
        readers.push(Service::open(service.guest().clone(), store)?);
    }
    let state = AppState::new(service, readers, clock, &config);
    let listen = options
        .listen
        .clone()
        .or(config.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr: SocketAddr = listener.local_addr()?;
    if options.demo {
        for t in &config.tokens {
            println!("token for {}: {}", t.principal, t.token);
        }
    }
    // Scripts and tests read this line; nothing is printed to stdout after it.
    println!("listening on http://{addr}");
    tracing::info!(%addr, "listening");

    let ticker = {
        let state = state.clone();
        let every = options.tick_seconds.max(1);
        let snapshot_every = options.snapshot_every;
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(every));
            let mut last_snapshot = 0u64;
            loop {
                interval.tick().await;
                let r = state
                    .with_service(move |svc, now| {
                        let n = svc.tick(now)?;
                        if snapshot_every > 0 && svc.head() >= last_snapshot + snapshot_every {
                            svc.snapshot()?;
                            return Ok((n, Some(svc.head())));
                        }
                        Ok((n, None))
                    })
                    .await;
                match r {
                    Ok((n, snap)) => {
                        if n > 0 {
                            tracing::info!(events = n, "tick");
                        }
                        if let Some(seq) = snap {
                            last_snapshot = seq;
                            tracing::info!(seq, "snapshot");
                        }
                    }
                    Err(e) => tracing::warn!(?e, "tick failed"),
                }
            }
        })
    };

    axum::serve(listener, router(state.clone(), options.max_body))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    ticker.abort();
    let seq = state.with_service(|svc, _| Ok(svc.snapshot()?.seq)).await;
    match seq {
        Ok(seq) => tracing::info!(seq, "snapshot saved; bye"),
        Err(e) => tracing::warn!(?e, "no snapshot at shutdown"),
    }
    Ok(())
}
