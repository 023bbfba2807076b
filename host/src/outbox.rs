//! The notification outbox: listing the notifications the engine called for, and delivering
//! them to a webhook at most once each (delivery is recorded in the `outbox_delivered` table of
//! the same SQLite file).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use pim_core::notify::Notification;
use rusqlite::{Connection, OptionalExtension, params};

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
    pub fn open(db: &Path) -> anyhow::Result<Self> {
        let conn = Connection::open(db)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS outbox_delivered (id TEXT PRIMARY KEY, delivered_at TEXT)",
            [],
        )?;
        Ok(Outbox { conn })
    }

    /// Whether notification `id` was delivered.
    pub fn delivered(&self, id: &str) -> anyhow::Result<bool> {
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
    pub fn mark(&self, id: &str) -> anyhow::Result<()> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.conn.execute(
            "INSERT OR IGNORE INTO outbox_delivered (id, delivered_at) VALUES (?1, ?2)",
            params![id, now],
        )?;
        Ok(())
    }

    /// POSTs every notification not yet delivered to `webhook`, recording each one as soon as
    /// the webhook accepts it (any 2xx). Stops at the first failure. Returns how many were sent.
    pub fn deliver(&self, notifications: &[Notification], webhook: &str) -> anyhow::Result<usize> {
        parse_http_url(webhook)?;
        let mut sent = 0;
        for n in notifications {
            if self.delivered(&n.id)? {
                continue;
            }
            let body = serde_json::to_vec(n)?;
            post_json(webhook, &body)
                .with_context(|| format!("delivering notification {} to {webhook}", n.id))?;
            self.mark(&n.id)?;
            sent += 1;
        }
        Ok(sent)
    }
}

/// The authority (`host[:port]`) and path of an `http://` URL.
pub fn parse_http_url(url: &str) -> anyhow::Result<(&str, &str)> {
    let Some(rest) = url.strip_prefix("http://") else {
        if url.starts_with("https://") {
            bail!("https webhooks are not supported: use an http:// URL (e.g. a local relay)");
        }
        bail!("`{url}` is not an http:// URL");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        bail!("`{url}`: expected http://host[:port]/path");
    }
    Ok((authority, path))
}

/// A minimal HTTP/1.1 POST of a JSON body to an `http://` URL; fails unless the answer is 2xx.
pub fn post_json(url: &str, body: &[u8]) -> anyhow::Result<()> {
    let (authority, path) = parse_http_url(url)?;
    let addr = if authority.contains(':') && !authority.ends_with(']') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addrs: Vec<_> = std::net::ToSocketAddrs::to_socket_addrs(&addr)
        .with_context(|| format!("resolving {addr}"))?
        .collect();
    let Some(first) = addrs.first() else {
        bail!("{addr} resolves to no address");
    };
    let mut stream = TcpStream::connect_timeout(first, TIMEOUT)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nUser-Agent: pim-host\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    // The status line is all we need; read until it is complete (or the peer closes).
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
    let status_line = text.lines().next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no HTTP status in the answer `{status_line}`"))?;
    if !(200..300).contains(&status) {
        bail!("the webhook answered {status_line}");
    }
    Ok(())
}
