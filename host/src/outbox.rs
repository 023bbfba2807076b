//! The notification outbox: listing the notifications the engine called for, and delivering
//! them to a webhook at most once each (delivery is recorded in the `outbox_delivered` table of
//! the same SQLite file).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use pim_core::notify::Notification;
use rusqlite::{Connection, OptionalExtension, params};

/// Why listing or delivering the outbox failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The delivery record's database failed.
    #[error("the delivery record: {0}")]
    Database(#[from] rusqlite::Error),
    /// An `https://` webhook: the host speaks plain HTTP only.
    #[error("https webhooks are not supported: use an http:// URL (e.g. a local relay)")]
    Https,
    /// Not an `http://` URL.
    #[error("`{0}` is not an http:// URL")]
    NotHttp(String),
    /// An `http://` URL without a usable `host[:port]`.
    #[error("`{0}`: expected http://host[:port]/path")]
    BadAuthority(String),
    /// The webhook's address does not resolve.
    #[error("resolving `{addr}`")]
    Resolve {
        /// `host:port`.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The webhook's address resolves to nothing.
    #[error("`{0}` resolves to no address")]
    NoAddress(String),
    /// The webhook could not be reached.
    #[error("connecting to `{addr}`")]
    Connect {
        /// `host:port`.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// Sending the request or reading the answer failed.
    #[error("talking to the webhook")]
    Io(#[from] std::io::Error),
    /// The webhook's answer has no HTTP status line.
    #[error("no HTTP status in the answer `{0}`")]
    NoStatus(String),
    /// The webhook answered something other than 2xx.
    #[error("the webhook answered `{0}`")]
    Status(String),
    /// A notification does not serialize.
    #[error("encoding a notification: {0}")]
    Encode(#[from] serde_json::Error),
    /// Delivering one notification failed; the ones before it were delivered and recorded.
    #[error("delivering notification `{id}` to `{webhook}`")]
    Deliver {
        /// The notification.
        id: String,
        /// The webhook.
        webhook: String,
        /// Why.
        source: Box<OutboxError>,
    },
}

/// How long one webhook call may take to connect, send or answer.
const TIMEOUT: Duration = Duration::from_secs(30);

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

/// The record of deliveries, in the database at `db`.
#[derive(Debug)]
pub struct Outbox {
    conn: Connection,
}

impl Outbox {
    /// Opens the record (creating its table if missing).
    pub fn open(db: &Path) -> Result<Self, OutboxError> {
        let conn = Connection::open(db)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS outbox_delivered (id TEXT PRIMARY KEY, delivered_at TEXT)",
            [],
        )?;
        Ok(Outbox { conn })
    }

    /// Whether notification `id` was delivered.
    pub fn delivered(&self, id: &str) -> Result<bool, OutboxError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM outbox_delivered WHERE id = ?1",
                params![id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Records that notification `id` was delivered now.
    pub fn mark(&self, id: &str) -> Result<(), OutboxError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.conn.execute(
            "INSERT OR IGNORE INTO outbox_delivered (id, delivered_at) VALUES (?1, ?2)",
            params![id, now],
        )?;
        Ok(())
    }

    /// POSTs every notification not yet delivered to `webhook`, recording each one as soon as
    /// the webhook accepts it (any 2xx). Stops at the first failure. Returns how many were sent.
    pub fn deliver(
        &self,
        notifications: &[Notification],
        webhook: &str,
    ) -> Result<usize, OutboxError> {
        parse_http_url(webhook)?;
        let mut sent = 0;
        for n in notifications {
            if self.delivered(&n.id)? {
                continue;
            }
            let body = serde_json::to_vec(n)?;
            post_json(webhook, &body).map_err(|e| OutboxError::Deliver {
                id: n.id.clone(),
                webhook: webhook.to_owned(),
                source: Box::new(e),
            })?;
            self.mark(&n.id)?;
            sent += 1;
        }
        Ok(sent)
    }
}

/// The authority (`host[:port]`) and path of an `http://` URL.
pub fn parse_http_url(url: &str) -> Result<(&str, &str), OutboxError> {
    let Some(rest) = url.strip_prefix("http://") else {
        if url.starts_with("https://") {
            return Err(OutboxError::Https);
        }
        return Err(OutboxError::NotHttp(url.to_owned()));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(OutboxError::BadAuthority(url.to_owned()));
    }
    Ok((authority, path))
}

/// A minimal HTTP/1.1 POST of a JSON body to an `http://` URL; fails unless the answer is 2xx.
pub fn post_json(url: &str, body: &[u8]) -> Result<(), OutboxError> {
    let (authority, path) = parse_http_url(url)?;
    let mut stream = connect(authority)?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nUser-Agent: pim-host\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let status_line = status_line(&mut stream)?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| OutboxError::NoStatus(status_line.clone()))?;
    if !(200..300).contains(&status) {
        return Err(OutboxError::Status(status_line));
    }
    Ok(())
}

/// A connection to `host[:port]` (port 80 by default), with the call's timeouts.
fn connect(authority: &str) -> Result<TcpStream, OutboxError> {
    let addr = if authority.contains(':') && !authority.ends_with(']') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addrs: Vec<_> = match std::net::ToSocketAddrs::to_socket_addrs(&addr) {
        Ok(a) => a.collect(),
        Err(source) => return Err(OutboxError::Resolve { addr, source }),
    };
    let Some(first) = addrs.first() else {
        return Err(OutboxError::NoAddress(addr));
    };
    let stream = match TcpStream::connect_timeout(first, TIMEOUT) {
        Ok(s) => s,
        Err(source) => return Err(OutboxError::Connect { addr, source }),
    };
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    Ok(stream)
}

/// The answer's first line: read until it is complete (or the peer closes).
fn status_line(stream: &mut TcpStream) -> Result<String, OutboxError> {
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    while !answer.contains(&b'\n') && answer.len() < 8192 {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&answer);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}
