//! Webhooks with reqwest (https or http): pim's JSON, a Microsoft Teams card or a Slack
//! message, with the headers `Idempotency-Key`, `X-Pim-Timestamp` and, when a secret is
//! configured, `X-Pim-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}">`.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::Failure;
use super::config::{Secret, WebhookConfig, WebhookFormat};
use super::message::{Item, action, facts};

/// How long one webhook call may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The header carrying the delivery's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// The header carrying the signing time, in seconds since the Unix epoch.
pub const TIMESTAMP: &str = "X-Pim-Timestamp";
/// The header carrying the signature.
pub const SIGNATURE: &str = "X-Pim-Signature";

/// The signature of `body` sent at `timestamp` (seconds since the epoch) with `key`:
/// `v1=` and the lowercase hex HMAC-SHA256 of `{timestamp}.{body}`.
pub fn sign(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        // INVARIANT: HMAC takes keys of any length.
        .unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1={}",
        crate::store::chain::to_hex(&mac.finalize().into_bytes())
    )
}

/// One webhook channel.
pub struct Webhook {
    client: reqwest::Client,
    url: String,
    format: WebhookFormat,
    key: Option<Secret>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("format", &self.format)
            .field("signed", &self.key.is_some())
            .finish()
    }
}

impl Webhook {
    /// The channel a config describes (the secret is read now).
    pub fn new(config: &WebhookConfig) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("pim-host/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("webhook client: {e}"))?;
        Ok(Webhook {
            client,
            url: config.url.clone(),
            format: config.format,
            key: config.key()?,
        })
    }

    /// The URL (the delivery's destination).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The body this webhook receives for `item`.
    pub fn body(&self, item: &Item, key: &str, link: Option<&str>) -> Value {
        match self.format {
            WebhookFormat::Pim => json!({
                "idempotencyKey": key,
                "notification": item.notification,
                "details": item.details,
                "link": link,
            }),
            WebhookFormat::Teams => teams(item, link),
            WebhookFormat::Slack => slack(item, link),
        }
    }

    /// POSTs `item`; accepted on any 2xx answer. 408, 429 and 5xx answers and network errors
    /// are retried; other answers are permanent failures.
    pub async fn send(&self, item: &Item, key: &str, link: Option<&str>) -> Result<(), Failure> {
        let body = serde_json::to_vec(&self.body(item, key, link))
            .map_err(|e| Failure::permanent(format!("encoding: {e}")))?;
        let timestamp = chrono::Utc::now().timestamp();
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(IDEMPOTENCY_KEY, key)
            .header(TIMESTAMP, timestamp.to_string());
        if let Some(secret) = &self.key {
            request = request.header(
                SIGNATURE,
                sign(secret.expose().as_bytes(), timestamp, &body),
            );
        }
        let answer = request
            .body(body)
            .send()
            .await
            .map_err(|e| Failure::transient(format!("webhook: {}", e.without_url())))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let message = format!("webhook answered {status}");
        if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
            Err(Failure::transient(message))
        } else {
            Err(Failure::permanent(message))
        }
    }
}

/// A Teams message with an Adaptive Card (what Teams' incoming webhooks and Workflows take).
fn teams(item: &Item, link: Option<&str>) -> Value {
    let n = &item.notification;
    let facts: Vec<Value> = facts(item)
        .into_iter()
        .map(|(title, value)| json!({ "title": title, "value": value }))
        .collect();
    let actions: Vec<Value> = link
        .map(|l| json!({ "type": "Action.OpenUrl", "title": action(n).1, "url": l }))
        .into_iter()
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    { "type": "TextBlock", "text": n.subject, "weight": "Bolder", "size": "Medium", "wrap": true },
                    { "type": "FactSet", "facts": facts }
                ],
                "actions": actions
            }
        }]
    })
}

/// A Slack incoming-webhook message: `text` (the notification's subject) and Block Kit blocks.
fn slack(item: &Item, link: Option<&str>) -> Value {
    let n = &item.notification;
    let fields: Vec<Value> = facts(item)
        .into_iter()
        .take(10)
        .map(|(name, value)| json!({ "type": "mrkdwn", "text": format!("*{name}*\n{}", slack_escape(&value)) }))
        .collect();
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": n.subject } }),
        json!({ "type": "section", "fields": fields }),
    ];
    if let Some(l) = link {
        blocks.push(json!({ "type": "actions", "elements": [{
            "type": "button", "text": { "type": "plain_text", "text": action(n).1 }, "url": l
        }] }));
    }
    json!({ "text": n.subject, "blocks": blocks })
}

/// Slack's three escapes for mrkdwn text.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
