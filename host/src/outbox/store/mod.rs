//! The delivery record: which notifications the outbox took and where each delivery stands,
//! kept in the database that holds the event log, so that every host on a log shares one
//! record ([`sqlite`] beside a SQLite file, [`postgres`] in a PostgreSQL database).
//!
//! - `outbox_notification(id, created_at, enqueued_at, body)`: each notification the outbox
//!   took, with what its messages say (`body`, JSON); taken once, so a channel added later
//!   does not receive old notifications.
//! - `outbox_delivery(key, notification_id, channel, destination, state, attempts,
//!   next_attempt_ms, last_error, delivered_at)`: one row per notification and recipient (a
//!   mail address, or a webhook), keyed by its idempotency key; `state` is `pending`,
//!   `delivered` or `dead`. A row becomes `delivered` only after the channel accepted it.
//!
//! Hosts sharing a record take each notification once (its id is the key: the second insert
//! is ignored) and attempt each delivery once per claim: a claim is one conditional update
//! (`state = 'pending' AND next_attempt_ms <= now`), which only one host's update can satisfy.

pub mod postgres;
pub mod sqlite;

use std::time::Duration;

use serde::Serialize;

use super::OutboxError;
use super::message::Item;
use crate::store::Database;

pub use postgres::PostgresOutbox;
pub use sqlite::SqliteOutbox;

/// One delivery to make: a notification to one recipient over one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The idempotency key.
    pub key: String,
    /// The notification.
    pub notification_id: String,
    /// `smtp` or `webhook`.
    pub channel: String,
    /// The mail address, or the webhook's URL.
    pub destination: String,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// A dead letter, for `notifications status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// The idempotency key.
    pub key: String,
    /// The notification.
    pub notification_id: String,
    /// `smtp` or `webhook`.
    pub channel: String,
    /// The mail address, or the webhook's URL without its path and query (which may be its
    /// secret).
    pub destination: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's error.
    pub last_error: Option<String>,
}

/// Counts by state, for `notifications status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Deliveries not yet accepted (waiting for their next attempt).
    pub pending: u64,
    /// Deliveries the channel accepted, plus notifications the earlier at-most-once delivery
    /// recorded.
    pub delivered: u64,
    /// Deliveries given up after the configured number of attempts.
    pub dead_lettered: u64,
    /// The dead letters.
    pub dead_letters: Vec<DeadLetter>,
}

/// The delivery record's operations, the same on every database. Each call blocks on its
/// database: call them from blocking threads (the PostgreSQL client refuses to run on an
/// async one).
pub trait DeliveryRecord: std::fmt::Debug + Send {
    /// The latest `created_at` among the notifications taken (RFC 3339), if any.
    fn latest_taken(&mut self) -> Result<Option<String>, OutboxError>;

    /// Whether notification `id` was taken (or delivered by the earlier outbox).
    fn taken(&mut self, id: &str) -> Result<bool, OutboxError>;

    /// Takes a notification and its deliveries, in one transaction: either all of it is
    /// recorded or none. Returns whether it was new.
    fn take(&mut self, item: &Item, deliveries: &[Delivery]) -> Result<bool, OutboxError>;

    /// The notification taken as `id`, with what its messages say.
    fn item(&mut self, id: &str) -> Result<Option<Item>, OutboxError>;

    /// The pending deliveries due at `now_ms` (milliseconds since the epoch), oldest first.
    fn due(&mut self, now_ms: i64, limit: usize) -> Result<Vec<Delivery>, OutboxError>;

    /// Claims a due delivery for one attempt: counts the attempt and holds it for `hold`, so
    /// another host's round leaves it alone (a host killed while sending leaves its claim
    /// behind until then). False if someone else claimed it first.
    fn claim(&mut self, d: &mut Delivery, now_ms: i64, hold: Duration)
    -> Result<bool, OutboxError>;

    /// The channel accepted the delivery.
    fn delivered(&mut self, key: &str) -> Result<(), OutboxError>;

    /// The attempt failed: retry at `next_ms`, or dead-letter it when `dead`.
    fn failed(
        &mut self,
        key: &str,
        error: &str,
        next_ms: i64,
        dead: bool,
    ) -> Result<(), OutboxError>;

    /// Counts by state, and the dead letters.
    fn status(&mut self) -> Result<Status, OutboxError>;
}

/// The delivery record in `database`, its tables created (SQLite) or migrated (PostgreSQL) if
/// missing.
pub fn open(database: &Database) -> Result<Box<dyn DeliveryRecord>, OutboxError> {
    Ok(match database {
        Database::Sqlite(path) => Box::new(SqliteOutbox::open(path)?),
        Database::Postgres(url) => Box::new(PostgresOutbox::connect(url)?),
    })
}

/// When a claim made at `now_ms` for `hold` runs out.
fn claim_until(now_ms: i64, hold: Duration) -> i64 {
    let hold = i64::try_from(hold.as_millis()).unwrap_or(i64::MAX);
    now_ms.saturating_add(hold)
}

/// Now, as the record writes times (RFC 3339, whole seconds).
fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
