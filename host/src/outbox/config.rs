//! The `notifications` section of the server's config file: the channels (SMTP, webhooks),
//! how often to retry, and the console the mails link to.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A secret read from the config (a webhook's signing key, an SMTP password): compared and
/// cloned like a string, never printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// A secret from text.
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The secret's text, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `notifications`: where the outbox is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Mail over SMTP: one mail per recipient address.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// Webhooks: one POST per notification each.
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
    /// Attempts per delivery before it is dead-lettered (default 10).
    #[serde(default = "NotificationsConfig::default_max_attempts")]
    pub max_attempts: u32,
    /// The console the mails link to, e.g. `https://pim.contoso.example` (pages such as
    /// `{consoleUrl}/#/approvals`); without it the mails carry no link.
    #[serde(default)]
    pub console_url: Option<String>,
    /// Seconds between two rounds of the service's delivery (default 5).
    #[serde(default = "NotificationsConfig::default_interval")]
    pub interval_seconds: u64,
    /// The delay before the first retry, in milliseconds (default 30,000); it doubles with
    /// each failed attempt, up to `retryMaxMilliseconds`, with jitter.
    #[serde(default = "NotificationsConfig::default_retry_base")]
    pub retry_base_milliseconds: u64,
    /// The longest delay between two attempts, in milliseconds (default one hour).
    #[serde(default = "NotificationsConfig::default_retry_max")]
    pub retry_max_milliseconds: u64,
    /// How long a host holds a delivery it is sending, in seconds (default 120): other hosts
    /// leave it alone that long, and a claim left by a host killed while sending expires after
    /// it. Keep it above the 30-second send timeout, or a slow send may be repeated by another
    /// host (with the same idempotency key).
    #[serde(default = "NotificationsConfig::default_claim")]
    pub claim_seconds: u64,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            smtp: None,
            webhooks: Vec::new(),
            max_attempts: Self::default_max_attempts(),
            console_url: None,
            interval_seconds: Self::default_interval(),
            retry_base_milliseconds: Self::default_retry_base(),
            retry_max_milliseconds: Self::default_retry_max(),
            claim_seconds: Self::default_claim(),
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP upgraded with STARTTLS (required; port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte ("SMTPS", port 465 by default).
    Tls,
    /// No TLS at all, for a relay on the same machine or network (port 25 by default).
    None,
}

/// `notifications.smtp`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SmtpConfig {
    /// The server's host name (checked against its certificate under TLS).
    pub host: String,
    /// The port; by `tls`: 587, 465 or 25.
    #[serde(default)]
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// The user to authenticate as (PLAIN or LOGIN), if any.
    #[serde(default)]
    pub username: Option<String>,
    /// A file holding the password (relative to the config file); trailing newlines dropped.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The sender, e.g. `PIM <pim@contoso.example>`.
    pub from: String,
    /// A PEM file of root certificates to trust besides the Web PKI's (a private CA's relay;
    /// relative to the config file).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

impl SmtpConfig {
    /// The port: the configured one, else the one `tls` implies.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }

    /// The password, from its file or environment variable.
    pub fn password(&self) -> Result<Option<Secret>, String> {
        if let Some(path) = &self.password_file {
            return read_secret(path).map(Some);
        }
        if let Some(var) = &self.password_env {
            return match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(Some(Secret(v))),
                _ => Err(format!("smtp.passwordEnv: `{var}` is not set")),
            };
        }
        Ok(None)
    }
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// pim's own: `{"idempotencyKey", "notification", "details"}`.
    #[default]
    Pim,
    /// A Microsoft Teams incoming webhook (a message card).
    Teams,
    /// A Slack incoming webhook (`text` and `blocks`).
    Slack,
}

/// `notifications.webhooks[]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST: `https://…` (or `http://…`).
    pub url: String,
    /// The HMAC-SHA256 key the body is signed with.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// A file holding the key (relative to the config file).
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    /// `pim` (default), `teams` or `slack`.
    #[serde(default)]
    pub format: WebhookFormat,
}

impl WebhookConfig {
    /// A webhook in pim's format, unsigned.
    pub fn plain(url: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: None,
            secret_file: None,
            format: WebhookFormat::Pim,
        }
    }

    /// The signing key, from the config or its file.
    pub fn key(&self) -> Result<Option<Secret>, String> {
        match (&self.secret, &self.secret_file) {
            (Some(s), _) => Ok(Some(s.clone())),
            (None, Some(path)) => read_secret(path).map(Some),
            (None, None) => Ok(None),
        }
    }
}

fn read_secret(path: &Path) -> Result<Secret, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim_end_matches(['\r', '\n']).is_empty() => {
            Ok(Secret(text.trim_end_matches(['\r', '\n']).to_owned()))
        }
        Ok(_) => Err(format!("`{}` is empty", path.display())),
        Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
    }
}

impl NotificationsConfig {
    fn default_max_attempts() -> u32 {
        10
    }

    fn default_interval() -> u64 {
        5
    }

    fn default_retry_base() -> u64 {
        30_000
    }

    fn default_retry_max() -> u64 {
        3_600_000
    }

    fn default_claim() -> u64 {
        120
    }

    /// Whether any channel is configured.
    pub fn has_channels(&self) -> bool {
        self.smtp.is_some() || !self.webhooks.is_empty()
    }

    /// Takes relative secret and password files relative to `dir` (the config file's folder).
    pub fn resolve_paths(&mut self, dir: &Path) {
        if let Some(smtp) = self.smtp.as_mut() {
            for p in [smtp.password_file.as_mut(), smtp.ca_file.as_mut()]
                .into_iter()
                .flatten()
            {
                *p = dir.join(&*p);
            }
        }
        for w in &mut self.webhooks {
            if let Some(p) = w.secret_file.as_mut() {
                *p = dir.join(&*p);
            }
        }
    }

    /// Checks what the types cannot; the message names the field, never a secret.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_attempts == 0 {
            return Err("maxAttempts must be at least 1".into());
        }
        if !(1..=86_400).contains(&self.claim_seconds) {
            return Err("claimSeconds must be 1 to 86,400".into());
        }
        if let Some(url) = &self.console_url
            && reqwest::Url::parse(url).is_err()
        {
            return Err(format!("consoleUrl `{url}` is not a URL"));
        }
        if let Some(smtp) = &self.smtp {
            if smtp.host.trim().is_empty() {
                return Err("smtp.host is empty".into());
            }
            if smtp.from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(format!("smtp.from `{}` is not a mail address", smtp.from));
            }
            if smtp.password_file.is_some() && smtp.password_env.is_some() {
                return Err("smtp: set passwordFile or passwordEnv, not both".into());
            }
        }
        for (i, w) in self.webhooks.iter().enumerate() {
            let scheme = reqwest::Url::parse(&w.url).map(|u| u.scheme().to_owned());
            if !matches!(scheme.as_deref(), Ok("https" | "http")) {
                return Err(format!("webhooks[{i}]: `{}` is not an http(s) URL", w.url));
            }
            if w.secret.is_some() && w.secret_file.is_some() {
                return Err(format!("webhooks[{i}]: set secret or secretFile, not both"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> NotificationsConfig {
        serde_json::from_str(json).expect("a notifications section")
    }

    #[test]
    fn defaults_are_starttls_on_587_ten_attempts_and_pim_webhooks() {
        let c = parse(
            r#"{"smtp": {"host": "smtp.example", "from": "pim@example.com"},
                "webhooks": [{"url": "https://hooks.example/x"}]}"#,
        );
        let smtp = c.smtp.as_ref().expect("smtp");
        assert_eq!((smtp.tls, smtp.port()), (SmtpTls::Starttls, 587));
        assert_eq!(c.max_attempts, 10);
        assert_eq!(c.webhooks[0].format, WebhookFormat::Pim);
        assert_eq!(c.validate(), Ok(()));
        let tls = parse(r#"{"smtp": {"host": "h", "tls": "tls", "from": "a@b.c"}}"#);
        assert_eq!(tls.smtp.map(|s| s.port()), Some(465));
        let plain = parse(r#"{"smtp": {"host": "h", "tls": "none", "from": "a@b.c"}}"#);
        assert_eq!(plain.smtp.map(|s| s.port()), Some(25));
    }

    #[test]
    fn secrets_never_show_in_debug_output_or_errors() {
        let c = parse(r#"{"webhooks": [{"url": "ftp://x", "secret": "s3cr3t-value"}]}"#);
        assert!(!format!("{c:?}").contains("s3cr3t-value"));
        let e = c.validate().expect_err("not http");
        assert!(!e.contains("s3cr3t-value"), "{e}");
    }

    #[test]
    fn unusable_settings_are_refused_by_name() {
        let bad = |json: &str| parse(json).validate().expect_err(json);
        assert!(bad(r#"{"maxAttempts": 0}"#).contains("maxAttempts"));
        assert!(bad(r#"{"smtp": {"host": "h", "from": "not an address"}}"#).contains("smtp.from"));
        assert!(bad(r#"{"consoleUrl": "no url"}"#).contains("consoleUrl"));
        assert!(
            bad(r#"{"webhooks": [{"url": "https://x", "secret": "a", "secretFile": "f"}]}"#)
                .contains("webhooks[0]")
        );
        assert!(
            serde_json::from_str::<NotificationsConfig>(
                r#"{"smtp": {"host": "h", "from": "a@b.c", "tls": "ssl"}}"#
            )
            .is_err()
        );
    }
}
