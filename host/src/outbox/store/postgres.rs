//! The delivery record in the PostgreSQL database of the event log, shared by every host on
//! it. Its tables come from migration `0002_outbox.sql`, applied with the log's. Claims are
//! conditional updates: under PostgreSQL's row locks, when two hosts claim one delivery, the
//! second update waits for the first, finds the row no longer due and changes nothing.
//!
//! The synchronous client refuses to run on an async thread, so the outbox calls the record
//! from blocking threads; a connection found closed (the database restarted) is opened again
//! on the next call.

use std::time::Duration;

use postgres::Client;

use super::{DeadLetter, Delivery, DeliveryRecord, Status, claim_until, now_text};
use crate::outbox::OutboxError;
use crate::outbox::message::Item;
use crate::store::postgres::{close_off_async, connect, migrate};

/// The record of deliveries in a PostgreSQL database.
pub struct PostgresOutbox {
    /// `None` only while dropping.
    client: Option<Client>,
    url: String,
}

impl std::fmt::Debug for PostgresOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold a password.
        f.debug_struct("PostgresOutbox").finish_non_exhaustive()
    }
}

impl Drop for PostgresOutbox {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            close_off_async(client);
        }
    }
}

impl PostgresOutbox {
    /// Connects to the database at `url` and applies the migrations it lacks.
    pub fn connect(url: &str) -> Result<Self, OutboxError> {
        let mut client = connect(url)?;
        migrate(&mut client)?;
        Ok(PostgresOutbox {
            client: Some(client),
            url: url.to_owned(),
        })
    }

    /// The connection, opened again if the database closed it.
    fn client(&mut self) -> Result<&mut Client, OutboxError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            if let Some(old) = self.client.take() {
                close_off_async(old);
            }
            self.client = Some(connect(&self.url)?);
        }
        self.client
            .as_mut()
            .ok_or_else(|| OutboxError::Config("the delivery record is closed".into()))
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn attempts(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

impl DeliveryRecord for PostgresOutbox {
    fn latest_taken(&mut self) -> Result<Option<String>, OutboxError> {
        let row = self.client()?.query_one(
            "SELECT MAX(created_at) FROM outbox_notification WHERE created_at != ''",
            &[],
        )?;
        Ok(row.get(0))
    }

    fn taken(&mut self, id: &str) -> Result<bool, OutboxError> {
        let row = self
            .client()?
            .query_opt("SELECT 1 FROM outbox_notification WHERE id = $1", &[&id])?;
        Ok(row.is_some())
    }

    fn take(&mut self, item: &Item, deliveries: &[Delivery]) -> Result<bool, OutboxError> {
        let body = serde_json::to_string(item)?;
        let created = pim_core::time::format_instant(&item.notification.created_date_time);
        let mut tx = self.client()?.transaction()?;
        let added = tx.execute(
            "INSERT INTO outbox_notification (id, created_at, enqueued_at, body)
             VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
            &[&item.notification.id, &created, &now_text(), &body],
        )?;
        if added == 0 {
            return Ok(false);
        }
        for d in deliveries {
            tx.execute(
                "INSERT INTO outbox_delivery (key, notification_id, channel, destination)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
                &[&d.key, &d.notification_id, &d.channel, &d.destination],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    fn item(&mut self, id: &str) -> Result<Option<Item>, OutboxError> {
        let row = self
            .client()?
            .query_opt("SELECT body FROM outbox_notification WHERE id = $1", &[&id])?;
        match row.and_then(|r| r.get::<_, Option<String>>(0)) {
            Some(text) => Ok(Some(serde_json::from_str(&text)?)),
            None => Ok(None),
        }
    }

    fn due(&mut self, now_ms: i64, limit: usize) -> Result<Vec<Delivery>, OutboxError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.client()?.query(
            "SELECT key, notification_id, channel, destination, attempts FROM outbox_delivery
             WHERE state = 'pending' AND next_attempt_ms <= $1
             ORDER BY next_attempt_ms, ord LIMIT $2",
            &[&now_ms, &limit],
        )?;
        Ok(rows
            .iter()
            .map(|r| Delivery {
                key: r.get(0),
                notification_id: r.get(1),
                channel: r.get(2),
                destination: r.get(3),
                attempts: attempts(r.get(4)),
            })
            .collect())
    }

    fn claim(
        &mut self,
        d: &mut Delivery,
        now_ms: i64,
        hold: Duration,
    ) -> Result<bool, OutboxError> {
        let until = claim_until(now_ms, hold);
        let n = self.client()?.execute(
            "UPDATE outbox_delivery SET attempts = attempts + 1, next_attempt_ms = $1
             WHERE key = $2 AND state = 'pending' AND next_attempt_ms <= $3",
            &[&until, &d.key, &now_ms],
        )?;
        d.attempts = d.attempts.saturating_add(1);
        Ok(n == 1)
    }

    fn delivered(&mut self, key: &str) -> Result<(), OutboxError> {
        self.client()?.execute(
            "UPDATE outbox_delivery SET state = 'delivered', delivered_at = $1, last_error = NULL
             WHERE key = $2",
            &[&now_text(), &key],
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
        self.client()?.execute(
            "UPDATE outbox_delivery SET state = $1, next_attempt_ms = $2, last_error = $3
             WHERE key = $4",
            &[&state, &next_ms, &error, &key],
        )?;
        Ok(())
    }

    fn status(&mut self) -> Result<Status, OutboxError> {
        let client = self.client()?;
        let counts = client.query_one(
            "SELECT COUNT(*) FILTER (WHERE state = 'pending'),
                    COUNT(*) FILTER (WHERE state = 'delivered')
             FROM outbox_delivery",
            &[],
        )?;
        let dead_letters: Vec<DeadLetter> = client
            .query(
                "SELECT key, notification_id, channel, destination, attempts, last_error
                 FROM outbox_delivery WHERE state = 'dead' ORDER BY ord",
                &[],
            )?
            .iter()
            .map(|r| DeadLetter {
                key: r.get(0),
                notification_id: r.get(1),
                channel: r.get(2),
                destination: crate::outbox::deliver::shown(r.get::<_, &str>(3)),
                attempts: attempts(r.get(4)),
                last_error: r.get(5),
            })
            .collect();
        Ok(Status {
            pending: count(counts.get(0)),
            delivered: count(counts.get(1)),
            dead_lettered: dead_letters.len() as u64,
            dead_letters,
        })
    }
}
