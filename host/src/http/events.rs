//! `GET /v1.0/pim/events?after=N`: the log's committed events after sequence number `N`, as
//! server-sent events (`text/event-stream`), oldest first, then each new one as this host
//! sees it: what a gateway follows to mirror the log without a connection to the database.
//!
//! The stream opens with a comment and `retry: 1000` (reconnect after a second), sent at once
//! even when no event follows. Each event is `id: <seq>` and `data: <the event's JSON, as the
//! log stores it>`. A client that reconnects sends `Last-Event-ID` (browsers' `EventSource`
//! does): the stream resumes after it, whatever `after` says. Only callers who read everything (administrators and the
//! read-only roles) may follow the log: it holds every request and every audit record.
//!
//! The host learns of new events when one of its own services commits or catches up (on
//! PostgreSQL its follower catches up on every commit); without news it looks again every
//! second, so a commit by another process on a SQLite file is streamed within a second too.
//! At shutdown the streams end, and their clients reconnect to another host.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query as UrlQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;

use super::extract::Caller;
use super::state::AppState;
use super::{ApiError, Routes, Shared};
use crate::service::ServiceError;
use crate::store::{Store, StoreError};

/// `?after=N` (default 0: the whole log).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsParams {
    after: Option<u64>,
}

/// Events read from the log per round trip.
const BATCH: u64 = 1000;

/// How long a stream waits for news before it looks at the log anyway.
const POLL: Duration = Duration::from_secs(1);

/// How soon a client should reconnect after its stream ended (the SSE `retry` field).
const RECONNECT: Duration = Duration::from_secs(1);

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    Routes::new().get(
        "/v1.0/pim/events",
        "The committed events after a sequence number, as server-sent events",
        events::<S>,
    )
}

/// Where the stream resumes: `Last-Event-ID` when sent, else `after`, else 0.
fn resume_after(headers: &HeaderMap, after: Option<u64>) -> Result<u64, ApiError> {
    match headers.get("last-event-id") {
        None => Ok(after.unwrap_or(0)),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| ApiError::Field {
                field: "Last-Event-ID",
                reason: "must be a sequence number".into(),
            }),
    }
}

/// `GET /v1.0/pim/events`.
async fn events<S: Store + 'static>(
    State(s): Shared<S>,
    UrlQuery(p): UrlQuery<EventsParams>,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Response, ApiError> {
    let after = resume_after(&headers, p.after)?;
    s.reader(&caller, "the event log").await?;
    let follow = Follow {
        heads: s.heads(),
        state: s,
        after,
        pending: VecDeque::new(),
    };
    // The first bytes go out at once, before any event: a client (or a proxy) sees the stream
    // open even on an idle log, and learns how soon to reconnect after it ends.
    let opening = SseEvent::default()
        .retry(RECONNECT)
        .comment(format!("the log after {after}"));
    let stream = futures_util::stream::once(async move { Ok(opening) })
        .chain(futures_util::stream::unfold(follow, Follow::next));
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// One stream's place in the log.
struct Follow<S: Store> {
    state: Arc<AppState<S>>,
    /// The last sequence number read.
    after: u64,
    /// Read, not sent yet: `(seq, JSON)`.
    pending: VecDeque<(u64, String)>,
    heads: tokio::sync::watch::Receiver<u64>,
}

impl<S: Store + 'static> Follow<S> {
    /// The next event, waiting for one; `None` ends the stream (shutdown, or a failed read:
    /// the client reconnects with `Last-Event-ID`).
    async fn next(mut self) -> Option<(Result<SseEvent, Infallible>, Self)> {
        loop {
            if self.state.is_closing() {
                return None;
            }
            if let Some((seq, data)) = self.pending.pop_front() {
                let event = SseEvent::default().id(seq.to_string()).data(data);
                return Some((Ok(event), self));
            }
            match self.read().await {
                Ok(batch) if !batch.is_empty() => {
                    self.after = batch.last().map_or(self.after, |(seq, _)| *seq);
                    self.pending.extend(batch);
                }
                Ok(_) => {
                    let _ = tokio::time::timeout(POLL, self.heads.changed()).await;
                }
                Err(e) => {
                    tracing::warn!(error = ?e, after = self.after, "event stream ended");
                    return None;
                }
            }
        }
    }

    /// Up to [`BATCH`] events after `self.after`, from a reader caught up with the log.
    async fn read(&self) -> Result<Vec<(u64, String)>, ApiError> {
        let after = self.after;
        self.state
            .with_reader(move |svc, _| {
                let last = svc.head().min(after.saturating_add(BATCH));
                if last <= after {
                    return Ok(Vec::new());
                }
                let events = svc.store_mut().events_between(after, last)?;
                events
                    .iter()
                    .zip(after.saturating_add(1)..)
                    .map(|(e, seq)| {
                        let json = serde_json::to_string(e).map_err(|err| {
                            ServiceError::Store(StoreError::Corrupt {
                                seq,
                                reason: err.to_string(),
                            })
                        })?;
                        Ok((seq, json))
                    })
                    .collect()
            })
            .await
    }
}
