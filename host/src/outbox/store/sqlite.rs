//! The delivery record, in SQLite tables beside the event log:
//!
//! - `outbox_notification(id, created_at, enqueued_at, legacy, body)`: each notification the
//!   outbox took, with what its messages say (`body`, JSON); taken once, so a channel added
//!   later does not receive old notifications. `legacy = 1` rows come from the table of the
//!   earlier at-most-once delivery, `outbox_delivered(id, delivered_at)`, and count as
//!   delivered.
//! - `outbox_delivery(key, notification_id, channel, destination, state, attempts,
//!   next_attempt_ms, last_error, delivered_at)`: one row per notification and recipient (a
//!   mail address, or a webhook), keyed by its idempotency key; `state` is `pending`,
//!   `delivered` or `dead`. A row becomes `delivered` only after the channel accepted it.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::OutboxError;
use super::message::Item;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox_delivered (id TEXT PRIMARY KEY, delivered_at TEXT);
CREATE TABLE IF NOT EXISTS outbox_notification (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL DEFAULT '',
    enqueued_at TEXT NOT NULL,
    legacy INTEGER NOT NULL DEFAULT 0,
    body TEXT
);
CREATE TABLE IF NOT EXISTS outbox_delivery (
    key TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_delivery_due ON outbox_delivery (state, next_attempt_ms);
INSERT OR IGNORE INTO outbox_notification (id, enqueued_at, legacy)
    SELECT id, COALESCE(delivered_at, ''), 1 FROM outbox_delivered;
";

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

/// The record of deliveries, in the database at `db`.
#[derive(Debug)]
pub struct Outbox {
    conn: Connection,
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Outbox {
    /// Opens the record, creating its tables if missing and taking the earlier table's rows
    /// as delivered.
    pub fn open(db: &Path) -> Result<Self, OutboxError> {
        let conn = Connection::open(db)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Outbox { conn })
    }

    /// The latest `created_at` among the notifications taken (RFC 3339), if any.
    pub fn latest_taken(&self) -> Result<Option<String>, OutboxError> {
        let latest: Option<String> = self.conn.query_row(
            "SELECT MAX(created_at) FROM outbox_notification WHERE created_at != ''",
            [],
            |r| r.get(0),
        )?;
        Ok(latest)
    }

    /// Whether notification `id` was taken (or delivered by the earlier outbox).
    pub fn taken(&self, id: &str) -> Result<bool, OutboxError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM outbox_notification WHERE id = ?1",
                params![id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Takes a notification and its deliveries, in one transaction: either all of it is
    /// recorded or none. Returns whether it was new.
    pub fn take(&mut self, item: &Item, deliveries: &[Delivery]) -> Result<bool, OutboxError> {
        let tx = self.conn.transaction()?;
        let body = serde_json::to_string(item)?;
        let created = pim_core::time::format_instant(&item.notification.created_date_time);
        let added = tx.execute(
            "INSERT OR IGNORE INTO outbox_notification (id, created_at, enqueued_at, body)
             VALUES (?1, ?2, ?3, ?4)",
            params![item.notification.id, created, now_text(), body],
        )?;
        if added == 0 {
            return Ok(false);
        }
        for d in deliveries {
            tx.execute(
                "INSERT OR IGNORE INTO outbox_delivery
                 (key, notification_id, channel, destination) VALUES (?1, ?2, ?3, ?4)",
                params![d.key, d.notification_id, d.channel, d.destination],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// The notification taken as `id`, with what its messages say.
    pub fn item(&self, id: &str) -> Result<Option<Item>, OutboxError> {
        let body: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT body FROM outbox_notification WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        match body.flatten() {
            Some(text) => Ok(Some(serde_json::from_str(&text)?)),
            None => Ok(None),
        }
    }

    /// The pending deliveries due at `now_ms` (milliseconds since the epoch), oldest first.
    pub fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Delivery>, OutboxError> {
        let mut stmt = self.conn.prepare(
            "SELECT key, notification_id, channel, destination, attempts FROM outbox_delivery
             WHERE state = 'pending' AND next_attempt_ms <= ?1
             ORDER BY next_attempt_ms, rowid LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![now_ms, limit], |r| {
            Ok(Delivery {
                key: r.get(0)?,
                notification_id: r.get(1)?,
                channel: r.get(2)?,
                destination: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Claims a due delivery for one attempt: counts the attempt and holds it for `hold`, so
    /// another host's round leaves it alone (a host killed while sending leaves its claim
    /// behind until then). False if someone else claimed it first.
    pub fn claim(
        &self,
        d: &mut Delivery,
        now_ms: i64,
        hold: Duration,
    ) -> Result<bool, OutboxError> {
        let hold = i64::try_from(hold.as_millis()).unwrap_or(i64::MAX);
        let until = now_ms.saturating_add(hold);
        let n = self.conn.execute(
            "UPDATE outbox_delivery SET attempts = attempts + 1, next_attempt_ms = ?1
             WHERE key = ?2 AND state = 'pending' AND next_attempt_ms <= ?3",
            params![until, d.key, now_ms],
        )?;
        d.attempts = d.attempts.saturating_add(1);
        Ok(n == 1)
    }

    /// The channel accepted the delivery.
    pub fn delivered(&self, key: &str) -> Result<(), OutboxError> {
        self.conn.execute(
            "UPDATE outbox_delivery SET state = 'delivered', delivered_at = ?1, last_error = NULL
             WHERE key = ?2",
            params![now_text(), key],
        )?;
        Ok(())
    }

    /// The attempt failed: retry at `next_ms`, or dead-letter it when `dead`.
    pub fn failed(
        &self,
        key: &str,
        error: &str,
        next_ms: i64,
        dead: bool,
    ) -> Result<(), OutboxError> {
        let state = if dead { "dead" } else { "pending" };
        self.conn.execute(
            "UPDATE outbox_delivery SET state = ?1, next_attempt_ms = ?2, last_error = ?3
             WHERE key = ?4",
            params![state, next_ms, error, key],
        )?;
        Ok(())
    }

    /// Counts by state, and the dead letters.
    pub fn status(&self) -> Result<Status, OutboxError> {
        let count = |sql: &str| -> Result<u64, OutboxError> {
            let n: i64 = self.conn.query_row(sql, [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let pending = count("SELECT COUNT(*) FROM outbox_delivery WHERE state = 'pending'")?;
        let delivered = count("SELECT COUNT(*) FROM outbox_delivery WHERE state = 'delivered'")?
            + count("SELECT COUNT(*) FROM outbox_notification WHERE legacy = 1")?;
        let mut stmt = self.conn.prepare(
            "SELECT key, notification_id, channel, destination, attempts, last_error
             FROM outbox_delivery WHERE state = 'dead' ORDER BY rowid",
        )?;
        let dead_letters = stmt
            .query_map([], |r| {
                Ok(DeadLetter {
                    key: r.get(0)?,
                    notification_id: r.get(1)?,
                    channel: r.get(2)?,
                    destination: super::deliver::shown(&r.get::<_, String>(3)?),
                    attempts: r.get(4)?,
                    last_error: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Status {
            pending,
            delivered,
            dead_lettered: dead_letters.len() as u64,
            dead_letters,
        })
    }
}
