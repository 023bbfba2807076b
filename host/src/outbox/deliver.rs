//! Delivery rounds: take the notifications not yet taken (one delivery per recipient and
//! channel, recorded in one transaction), then attempt each due delivery once, marking it
//! delivered only after the channel accepted it, else scheduling a retry with exponential
//! backoff and jitter, or dead-lettering it after `maxAttempts`.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use pim_core::Instant;
use pim_core::notify::Notification;

use super::config::{NotificationsConfig, WebhookConfig};
use super::mail::Mailer;
use super::message::{self, Item, link};
use super::store::{Delivery, DeliveryRecord};
use super::webhook::Webhook;
use super::{Failure, OutboxError};
use crate::http::AppState;
use crate::service::{Service, ServiceError};
use crate::store::{Database, Store};

/// The channel name of mail deliveries.
pub const SMTP: &str = "smtp";
/// The channel name of webhook deliveries.
pub const WEBHOOK: &str = "webhook";
/// Every this many rounds, `serve` lists the whole outbox rather than what is new.
const FULL_EVERY: u64 = 60;
/// The most deliveries one round attempts.
const BATCH: usize = 500;

/// The idempotency key of delivering notification `n` over `channel` to `destination`: a
/// name-based UUID (v5) of the notification's id, due time and kind and of the channel and
/// destination, so every attempt of one delivery carries the same key, on any host.
pub fn idempotency_key(n: &Notification, channel: &str, destination: &str) -> String {
    let name = format!(
        "{}\n{}\n{}\n{channel}\n{destination}",
        n.id,
        pim_core::time::format_instant(&n.created_date_time),
        n.kind
    );
    uuid::Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
}

/// A destination as logs and `status` show it: a mail address as it is, a webhook's URL
/// without its path and query (a Teams or Slack webhook's URL is its secret).
pub fn shown(destination: &str) -> String {
    match reqwest::Url::parse(destination) {
        Ok(u) if u.has_host() => {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{}{port}/…",
                u.scheme(),
                u.host_str().unwrap_or_default()
            )
        }
        _ => destination.to_owned(),
    }
}

/// The namespace of idempotency keys (a fixed random UUID).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5f1d_3c2a_8b6e_4d0f_9a7c_2e41_b3d8_6c05);

/// The configured channels, ready to send.
#[derive(Debug)]
pub struct Channels {
    mailer: Option<Mailer>,
    webhooks: Vec<Webhook>,
    console_url: Option<String>,
}

impl Channels {
    /// The channels of a config, plus `extra` webhooks (`deliver --webhook`).
    pub fn new(config: &NotificationsConfig, extra: &[WebhookConfig]) -> Result<Self, OutboxError> {
        let mailer = config
            .smtp
            .as_ref()
            .map(Mailer::new)
            .transpose()
            .map_err(OutboxError::Config)?;
        let webhooks = config
            .webhooks
            .iter()
            .chain(extra)
            .map(Webhook::new)
            .collect::<Result<Vec<_>, _>>()
            .map_err(OutboxError::Config)?;
        Ok(Channels {
            mailer,
            webhooks,
            console_url: config.console_url.clone(),
        })
    }

    /// The deliveries a notification calls for: a mail to each recipient with a mail address,
    /// and one POST to each webhook. (A recipient pim knows only by id gets no mail.)
    pub fn deliveries(&self, n: &Notification) -> Vec<Delivery> {
        let mut out = Vec::new();
        let delivery = |channel: &str, destination: &str| Delivery {
            key: idempotency_key(n, channel, destination),
            notification_id: n.id.clone(),
            channel: channel.to_owned(),
            destination: destination.to_owned(),
            attempts: 0,
        };
        if self.mailer.is_some() {
            for r in n.recipients.iter().filter(|r| r.contains('@')) {
                out.push(delivery(SMTP, r));
            }
        }
        for w in &self.webhooks {
            out.push(delivery(WEBHOOK, w.url()));
        }
        out
    }

    /// Whether a delivery's channel is configured (one whose channel was removed waits).
    fn serves(&self, d: &Delivery) -> bool {
        match d.channel.as_str() {
            SMTP => self.mailer.is_some(),
            WEBHOOK => self.webhooks.iter().any(|w| w.url() == d.destination),
            _ => false,
        }
    }

    async fn send(&self, item: &Item, d: &Delivery) -> Result<(), Failure> {
        let link = link(self.console_url.as_deref(), &item.notification);
        match (d.channel.as_str(), &self.mailer) {
            (SMTP, Some(m)) => m.send(item, &d.destination, &d.key, link.as_deref()).await,
            (WEBHOOK, _) => match self.webhooks.iter().find(|w| w.url() == d.destination) {
                Some(w) => w.send(item, &d.key, link.as_deref()).await,
                None => Err(Failure::transient(
                    "the webhook is no longer configured".into(),
                )),
            },
            _ => Err(Failure::transient("the channel is not configured".into())),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Notifications taken.
    pub taken: usize,
    /// Deliveries the channels accepted.
    pub delivered: usize,
    /// Attempts that failed and will be retried.
    pub failed: usize,
    /// Deliveries dead-lettered.
    pub dead: usize,
}

/// The outbox's record and channels, and the retry settings.
#[derive(Debug)]
pub struct Deliverer {
    record: Arc<Mutex<Box<dyn DeliveryRecord>>>,
    channels: Channels,
    max_attempts: u32,
    retry_base: Duration,
    retry_max: Duration,
    claim: Duration,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Deliverer {
    /// Opens the record in the SQLite file `db` and sets up the channels.
    pub fn open(
        db: &Path,
        config: &NotificationsConfig,
        extra: &[WebhookConfig],
    ) -> Result<Self, OutboxError> {
        Self::open_on(&Database::Sqlite(db.to_owned()), config, extra)
    }

    /// Opens the record in `database` (SQLite or PostgreSQL) and sets up the channels. Its
    /// blocking methods must not run on an async thread; the `async` ones move the record's
    /// work to a blocking thread.
    pub fn open_on(
        database: &Database,
        config: &NotificationsConfig,
        extra: &[WebhookConfig],
    ) -> Result<Self, OutboxError> {
        Ok(Deliverer {
            record: Arc::new(Mutex::new(super::store::open(database)?)),
            channels: Channels::new(config, extra)?,
            max_attempts: config.max_attempts.max(1),
            retry_base: Duration::from_millis(config.retry_base_milliseconds),
            retry_max: Duration::from_millis(config.retry_max_milliseconds),
            claim: Duration::from_secs(config.claim_seconds.max(1)),
        })
    }

    fn db(&self) -> MutexGuard<'_, Box<dyn DeliveryRecord>> {
        lock(&self.record)
    }

    /// Runs `f` on the record on a blocking thread.
    async fn on_record<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn DeliveryRecord) -> Result<T, OutboxError> + Send + 'static,
    ) -> Result<T, OutboxError> {
        let record = self.record.clone();
        tokio::task::spawn_blocking(move || f(lock(&record).as_mut()))
            .await
            .map_err(|e| OutboxError::Config(format!("the delivery record's thread failed: {e}")))?
    }

    /// Where to start listing: the due time of the latest notification taken.
    pub fn since(&self) -> Result<Option<Instant>, OutboxError> {
        since_in(self.db().as_mut())
    }

    /// Those of `list` not yet taken.
    pub fn untaken(&self, list: Vec<Notification>) -> Result<Vec<Notification>, OutboxError> {
        untaken_in(self.db().as_mut(), list)
    }

    /// Takes `items`: records each with its deliveries, atomically. Returns how many were new.
    pub fn take(&self, items: &[Item]) -> Result<usize, OutboxError> {
        take_in(self.db().as_mut(), self.with_deliveries(items.to_vec()))
    }

    /// Each item with the deliveries it calls for on the configured channels.
    fn with_deliveries(&self, items: Vec<Item>) -> Vec<(Item, Vec<Delivery>)> {
        items
            .into_iter()
            .map(|item| {
                let deliveries = self.channels.deliveries(&item.notification);
                (item, deliveries)
            })
            .collect()
    }

    /// Takes what the engine of `svc` called for and was not taken yet (it reads the whole
    /// outbox: a one-off round).
    pub fn take_from<S: Store>(
        &self,
        svc: &mut Service<S>,
        now: Instant,
    ) -> Result<usize, OutboxError> {
        let list = message::notifications(svc, now, None)?;
        let items = with_details(svc, now, self.untaken(list)?)?;
        take_in(self.db().as_mut(), self.with_deliveries(items))
    }

    /// Attempts each due delivery once (at most `limit`, else a batch), oldest first.
    pub async fn deliver_due(&self, limit: Option<usize>) -> Result<Round, OutboxError> {
        let now = now_ms();
        let batch = limit.unwrap_or(BATCH);
        let due = self.on_record(move |db| db.due(now, batch)).await?;
        let mut round = Round::default();
        for d in due.into_iter().filter(|d| self.channels.serves(d)) {
            let hold = self.claim;
            let claimed = self
                .on_record(move |db| {
                    let mut d = d;
                    let item = match db.claim(&mut d, now, hold)? {
                        true => Some(readable(db.item(&d.notification_id))?),
                        false => None,
                    };
                    Ok(item.map(|item| (d, item)))
                })
                .await?;
            let Some((d, item)) = claimed else {
                continue;
            };
            let result = match &item {
                Ok(item) => self.channels.send(item, &d).await,
                Err(f) => Err(f.clone()),
            };
            self.record(d, result, &mut round).await?;
        }
        Ok(round)
    }

    async fn record(
        &self,
        d: Delivery,
        result: Result<(), Failure>,
        round: &mut Round,
    ) -> Result<(), OutboxError> {
        let Err(f) = result else {
            let key = d.key.clone();
            self.on_record(move |db| db.delivered(&key)).await?;
            round.delivered += 1;
            tracing::debug!(key = %d.key, channel = %d.channel, "notification delivered");
            return Ok(());
        };
        let dead = f.permanent || d.attempts >= self.max_attempts;
        let next = now_ms().saturating_add(self.backoff(d.attempts).as_millis() as i64);
        let (key, message) = (d.key.clone(), f.message.clone());
        self.on_record(move |db| db.failed(&key, &message, next, dead))
            .await?;
        tracing::warn!(
            key = %d.key,
            notification = %d.notification_id,
            channel = %d.channel,
            destination = %shown(&d.destination),
            attempts = d.attempts,
            dead,
            error = %f.message,
            "notification delivery failed"
        );
        if dead {
            round.dead += 1;
        } else {
            round.failed += 1;
        }
        Ok(())
    }

    /// The delay after the `attempts`-th failed attempt: `retryBase · 2^(attempts−1)`, at most
    /// `retryMax`, of which a random half is taken off ("equal jitter"), so hosts that failed
    /// together do not retry together.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        let full = self
            .retry_base
            .saturating_mul(1u32 << exp)
            .min(self.retry_max);
        let half = full / 2;
        let random = (uuid::Uuid::new_v4().as_u128() % 1_000_000) as u32;
        half + half.mul_f64(f64::from(random) / 1_000_000.0)
    }

    /// The counts by state and the dead letters.
    pub fn status(&self) -> Result<super::Status, OutboxError> {
        self.db().status()
    }
}

fn lock(record: &Mutex<Box<dyn DeliveryRecord>>) -> MutexGuard<'_, Box<dyn DeliveryRecord>> {
    record.lock().unwrap_or_else(|p| p.into_inner())
}

/// A recorded notification, or the permanent failure of one that is missing or that this
/// build cannot read (it is dead-lettered, not retried forever, and the round goes on).
fn readable(item: Result<Option<Item>, OutboxError>) -> Result<Result<Item, Failure>, OutboxError> {
    match item {
        Ok(Some(item)) => Ok(Ok(item)),
        Ok(None) => Ok(Err(Failure::permanent(
            "the notification was not recorded".into(),
        ))),
        Err(OutboxError::Encode(e)) => Ok(Err(Failure::permanent(format!(
            "the recorded notification cannot be read: {e}"
        )))),
        Err(e) => Err(e),
    }
}

fn since_in(db: &mut dyn DeliveryRecord) -> Result<Option<Instant>, OutboxError> {
    let latest = db.latest_taken()?;
    Ok(latest.and_then(|t| pim_core::time::parse_instant(&t).ok()))
}

fn untaken_in(
    db: &mut dyn DeliveryRecord,
    list: Vec<Notification>,
) -> Result<Vec<Notification>, OutboxError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for n in list {
        if seen.insert(n.id.clone()) && !db.taken(&n.id)? {
            out.push(n);
        }
    }
    Ok(out)
}

fn take_in(
    db: &mut dyn DeliveryRecord,
    items: Vec<(Item, Vec<Delivery>)>,
) -> Result<usize, OutboxError> {
    let mut taken = 0;
    for (item, deliveries) in &items {
        if db.take(item, deliveries)? {
            taken += 1;
        }
    }
    Ok(taken)
}

/// Each notification with its details.
fn with_details<S: Store>(
    svc: &mut Service<S>,
    now: Instant,
    list: Vec<Notification>,
) -> Result<Vec<Item>, ServiceError> {
    list.into_iter()
        .map(|n| {
            let details = message::details(svc, now, &n)?;
            Ok(Item {
                notification: n,
                details,
            })
        })
        .collect()
}

/// One round of the service's delivery: take, then deliver what is due.
async fn round<S: Store + 'static>(
    state: &Arc<AppState<S>>,
    deliverer: &Arc<Deliverer>,
    full: bool,
) -> Result<Round, OutboxError> {
    // Most rounds list only what is due since the latest notification taken; a full round
    // (the first, then every [`FULL_EVERY`]) also finds any the engine dated earlier.
    let since = if full {
        None
    } else {
        deliverer.on_record(since_in).await?
    };
    let list = state
        .with_reader(move |svc, now| message::notifications(svc, now, since))
        .await
        .map_err(|e| OutboxError::Api(format!("{e:?}")))?;
    let new = deliverer.on_record(move |db| untaken_in(db, list)).await?;
    let taken = if new.is_empty() {
        0
    } else {
        let items = state
            .with_reader(move |svc, now| with_details(svc, now, new))
            .await
            .map_err(|e| OutboxError::Api(format!("{e:?}")))?;
        let items = deliverer.with_deliveries(items);
        deliverer.on_record(move |db| take_in(db, items)).await?
    };
    let mut r = deliverer.deliver_due(None).await?;
    r.taken = taken;
    Ok(r)
}

/// Delivers the outbox of `state` every `intervalSeconds` until aborted; `None` when no
/// channel is configured. The record is opened first (on a blocking thread), so a database
/// that cannot hold it is an error here.
pub async fn spawn<S: Store + 'static>(
    state: Arc<AppState<S>>,
    database: &Database,
    config: Option<&NotificationsConfig>,
) -> Result<Option<tokio::task::JoinHandle<()>>, OutboxError> {
    let Some(config) = config.filter(|c| c.has_channels()) else {
        return Ok(None);
    };
    let (database, settings) = (database.clone(), config.clone());
    let deliverer =
        tokio::task::spawn_blocking(move || Deliverer::open_on(&database, &settings, &[]))
            .await
            .map_err(|e| OutboxError::Config(format!("opening the delivery record: {e}")))??;
    let deliverer = Arc::new(deliverer);
    let period = Duration::from_secs(config.interval_seconds.max(1));
    Ok(Some(tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        let mut count = 0u64;
        loop {
            interval.tick().await;
            let full = count.is_multiple_of(FULL_EVERY);
            count = count.wrapping_add(1);
            match round(&state, &deliverer, full).await {
                Ok(r) if r != Round::default() => tracing::info!(
                    taken = r.taken,
                    delivered = r.delivered,
                    failed = r.failed,
                    dead = r.dead,
                    "notifications"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "notification round failed"),
            }
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap_with_at_most_half_taken_off() {
        let dir = std::env::temp_dir().join(format!("pim-backoff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let config = NotificationsConfig {
            retry_base_milliseconds: 1000,
            retry_max_milliseconds: 10_000,
            ..NotificationsConfig::default()
        };
        let d = Deliverer::open(&dir.join("pim.db"), &config, &[]).expect("opens");
        for (attempts, full) in [
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (5, 10_000),
            (40, 10_000),
        ] {
            for _ in 0..20 {
                let ms = d.backoff(attempts).as_millis();
                assert!((full / 2..=full).contains(&ms), "{attempts}: {ms}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
