//! The notification outbox: delivering the notifications the engine called for
//! (`pim_core::notify::Notification`) by mail (SMTP) and to webhooks (pim's JSON, Microsoft
//! Teams, Slack), at least once each, with retries and a dead-letter state. `serve` delivers
//! continuously ([`spawn`]), `pim-host notifications deliver` once. The record of deliveries
//! lives in tables beside the event log, in SQLite or PostgreSQL ([`store`]); host/README.md,
//! "Notifications", tells the guarantees.

pub mod config;
pub mod deliver;
pub mod mail;
pub mod message;
pub mod store;
pub mod webhook;

pub use config::{NotificationsConfig, Secret, SmtpConfig, SmtpTls, WebhookConfig, WebhookFormat};
pub use deliver::{Channels, Deliverer, Round, idempotency_key, spawn};
pub use message::{Details, Item};
pub use store::{DeadLetter, DeliveryRecord, PostgresOutbox, SqliteOutbox, Status};

use pim_core::notify::Notification;

/// Why the outbox could not be read, written or set up.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The delivery record's database failed.
    #[error("the delivery record: {0}")]
    Database(#[from] rusqlite::Error),
    /// The delivery record's PostgreSQL database failed.
    #[error("the delivery record: {0}")]
    Postgres(#[from] postgres::Error),
    /// The delivery record's PostgreSQL database could not be reached or migrated.
    #[error("the delivery record: {0}")]
    Store(#[from] crate::store::StoreError),
    /// A notification does not serialize, or a stored one does not parse.
    #[error("encoding a notification: {0}")]
    Encode(#[from] serde_json::Error),
    /// A channel's configuration cannot be used.
    #[error("notifications: {0}")]
    Config(String),
    /// Asking the engine for the notifications failed.
    #[error("reading the notifications")]
    Service(#[from] crate::service::ServiceError),
    /// Asking the serving engine for the notifications failed.
    #[error("reading the notifications: {0}")]
    Api(String),
}

/// Why one delivery attempt failed; a permanent failure is dead-lettered at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong (never a secret or a body).
    pub message: String,
    /// Whether trying again cannot help (a 4xx answer, a 5xx SMTP reply).
    pub permanent: bool,
}

impl Failure {
    /// A failure worth retrying.
    pub fn transient(message: String) -> Self {
        Failure {
            message,
            permanent: false,
        }
    }

    /// A failure retrying cannot mend.
    pub fn permanent(message: String) -> Self {
        Failure {
            message,
            permanent: true,
        }
    }
}

/// One line of text for a notification: time, kind, rule, recipients count, subject.
pub fn to_line(n: &Notification) -> String {
    format!(
        "{}  {}  {}  {} recipient{}{}  {}",
        pim_core::time::format_instant(&n.created_date_time),
        n.kind,
        n.rule_id,
        n.recipients.len(),
        if n.recipients.len() == 1 { "" } else { "s" },
        if n.truncated { " (truncated)" } else { "" },
        n.subject
    )
}
