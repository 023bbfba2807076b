//! `AppState`: what the handlers share (the writing service, the readers, the clock, the
//! callers), and the service calls every handler makes through it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pim_core::time::Instant;
use pim_core::{CallContext, Command, Decision, Query, QueryResult};

use super::config::ServerConfig;
use super::error::ApiError;
use crate::clock::Clock;
use crate::service::{Service, ServiceError};
use crate::store::Store;

/// What the handlers share.
pub struct AppState<S: Store> {
    /// The instance that decides and commits.
    service: Mutex<Service<S>>,
    /// Instances that answer queries, each over its own connection to the same log; they catch
    /// up with the log before every answer. Empty: the writer answers too.
    readers: Vec<Mutex<Service<S>>>,
    next_reader: AtomicUsize,
    clock: Arc<dyn Clock>,
    callers: HashMap<String, CallContext>,
}

impl<S: Store> AppState<S> {
    /// State over a writing service, reading services (one instance per worker; may be
    /// empty), a clock and the configured callers.
    pub fn new(
        service: Service<S>,
        readers: Vec<Service<S>>,
        clock: Arc<dyn Clock>,
        config: &ServerConfig,
    ) -> Arc<Self> {
        let callers = config
            .tokens
            .iter()
            .map(|t| {
                let ctx = CallContext {
                    caller: Some(t.principal.as_str().into()),
                    mfa: t.mfa,
                    auth_context: t.auth_context.clone(),
                };
                (t.token.clone(), ctx)
            })
            .collect();
        Arc::new(AppState {
            service: Mutex::new(service),
            readers: readers.into_iter().map(Mutex::new).collect(),
            next_reader: AtomicUsize::new(0),
            clock,
            callers,
        })
    }

    /// The caller a bearer token stands for.
    pub(super) fn caller(&self, token: &str) -> Option<&CallContext> {
        self.callers.get(token)
    }
}

impl<S: Store + 'static> AppState<S> {
    /// Runs `f` on the service with the clock's time, off the async threads.
    pub async fn with_service<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Service<S>, Instant) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        let answer = tokio::task::spawn_blocking(move || {
            let mut service = state.service.lock().unwrap_or_else(|p| p.into_inner());
            let now = state.clock.now();
            f(&mut service, now)
        })
        .await?;
        Ok(answer?)
    }

    /// Runs `f` on a reader caught up with the log (the writer if there are no readers): the
    /// first idle one, else the next in turn.
    pub async fn with_reader<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Service<S>, Instant) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.readers.is_empty() {
            return self
                .with_service(move |s, now| {
                    s.catch_up()?;
                    f(s, now)
                })
                .await;
        }
        let state = self.clone();
        let answer = tokio::task::spawn_blocking(move || {
            let n = state.readers.len();
            let start = state.next_reader.fetch_add(1, Ordering::Relaxed);
            let idle = (0..n).find_map(|i| state.readers.get((start + i) % n)?.try_lock().ok());
            let mut reader = match idle {
                Some(r) => r,
                // INVARIANT: `readers` is not empty here, so `start % n` is in range.
                None => state.readers[start % n]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()),
            };
            let now = state.clock.now();
            reader.catch_up()?;
            f(&mut reader, now)
        })
        .await?;
        Ok(answer?)
    }

    /// Decides and commits `command` for `ctx`; a refusal is an [`ApiError::Refused`].
    pub async fn submit(
        self: &Arc<Self>,
        ctx: CallContext,
        command: Command,
    ) -> Result<Decision, ApiError> {
        let decision = self
            .with_service(move |svc, now| svc.submit(&command, &ctx, now))
            .await?;
        accepted(decision)
    }

    /// Answers `query` on a reader.
    pub async fn query(self: &Arc<Self>, query: Query) -> Result<QueryResult, ApiError> {
        self.with_reader(move |s, now| s.query(&query, now)).await
    }
}

/// The decision if the engine accepted the command, else its refusal.
pub(super) fn accepted(decision: Decision) -> Result<Decision, ApiError> {
    match decision.error {
        Some(e) => Err(ApiError::Refused(e)),
        None => Ok(decision),
    }
}
