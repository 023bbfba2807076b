//! The delivery record beside a SQLite log, in the same file. `outbox_notification` also has
//! `legacy`: rows with `legacy = 1` come from the table of the earlier at-most-once delivery,
//! `outbox_delivered(id, delivered_at)`, and count as delivered.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::{DeadLetter, Delivery, DeliveryRecord, Status, claim_until, now_text};
use crate::outbox::OutboxError;
use crate::outbox::message::Item;

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

/// The record of deliveries, in the SQLite database at `db`.
#[derive(Debug)]
pub struct SqliteOutbox {
    conn: Connection,
}

impl SqliteOutbox {
    /// Opens the record, creating its tables if missing and taking the earlier table's rows
    /// as delivered.
    pub fn open(db: &Path) -> Result<Self, OutboxError> {
        let conn = Connection::open(db)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteOutbox { conn })
    }
}

impl DeliveryRecord for SqliteOutbox {
    fn latest_taken(&mut self) -> Result<Option<String>, OutboxError> {
        let latest: Option<String> = self.conn.query_row(
            "SELECT MAX(created_at) FROM outbox_notification WHERE created_at != ''",
            [],
            |r| r.get(0),
        )?;
        Ok(latest)
    }

    fn taken(&mut self, id: &str) -> Result<bool, OutboxError> {
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

    fn take(&mut self, item: &Item, deliveries: &[Delivery]) -> Result<bool, OutboxError> {
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

    fn item(&mut self, id: &str) -> Result<Option<Item>, OutboxError> {
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

    fn due(&mut self, now_ms: i64, limit: usize) -> Result<Vec<Delivery>, OutboxError> {
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

    fn claim(
        &mut self,
        d: &mut Delivery,
        now_ms: i64,
        hold: Duration,
    ) -> Result<bool, OutboxError> {
        let until = claim_until(now_ms, hold);
        let n = self.conn.execute(
            "UPDATE outbox_delivery SET attempts = attempts + 1, next_attempt_ms = ?1
             WHERE key = ?2 AND state = 'pending' AND next_attempt_ms <= ?3",
            params![until, d.key, now_ms],
        )?;
        d.attempts = d.attempts.saturating_add(1);
        Ok(n == 1)
    }

    fn delivered(&mut self, key: &str) -> Result<(), OutboxError> {
        self.conn.execute(
            "UPDATE outbox_delivery SET state = 'delivered', delivered_at = ?1, last_error = NULL
             WHERE key = ?2",
            params![now_text(), key],
        )?;
        Ok(())
    }

    fn failed(
        &mut self,
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

    fn status(&mut self) -> Result<Status, OutboxError> {
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
                    destination: crate::outbox::deliver::shown(&r.get::<_, String>(3)?),
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
