//! Mail over SMTP with lettre: STARTTLS, TLS or plain, optional authentication, one mail per
//! recipient with a text and an HTML part, and a `Message-ID` derived from the delivery's
//! idempotency key (so a retried mail carries the same id, and a mail system can tell).

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Failure;
use super::config::{SmtpConfig, SmtpTls};
use super::message::{Item, html_body, text_body};

/// How long one SMTP exchange may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The SMTP channel.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

/// The TLS settings: the host's name checked against its certificate, chained to the Web PKI's
/// roots or to `caFile`'s.
fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(config.host.clone());
    if let Some(path) = &config.ca_file {
        let pem =
            std::fs::read(path).map_err(|e| format!("smtp.caFile `{}`: {e}", path.display()))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| format!("smtp.caFile `{}`: {e}", path.display()))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| format!("smtp TLS settings: {e}"))
}

impl Mailer {
    /// The channel a config describes (the password is read now).
    pub fn new(config: &SmtpConfig) -> Result<Self, String> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| format!("smtp.from `{}` is not a mail address", config.from))?;
        let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host);
        let builder = match config.tls {
            SmtpTls::Starttls => builder.tls(Tls::Required(tls_parameters(config)?)),
            SmtpTls::Tls => builder.tls(Tls::Wrapper(tls_parameters(config)?)),
            SmtpTls::None => builder.tls(Tls::None),
        };
        let mut builder = builder.port(config.port()).timeout(Some(TIMEOUT));
        match (&config.username, config.password()?) {
            (Some(user), Some(password)) => {
                builder = builder
                    .credentials(Credentials::new(user.clone(), password.expose().to_owned()));
            }
            (Some(_), None) => {
                return Err("smtp.username is set without passwordFile or passwordEnv".into());
            }
            _ => {}
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// The `Message-ID` of the mail whose delivery has idempotency key `key`.
    pub fn message_id(&self, key: &str) -> String {
        format!("<{key}@{}>", self.from.email.domain())
    }

    /// Sends `item` to `to`; accepted once the server answered the message with 250.
    pub async fn send(
        &self,
        item: &Item,
        to: &str,
        key: &str,
        link: Option<&str>,
    ) -> Result<(), Failure> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| Failure::permanent(format!("`{to}` is not a mail address")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(item.notification.subject.clone())
            .message_id(Some(self.message_id(key)))
            .multipart(MultiPart::alternative_plain_html(
                text_body(item, link),
                html_body(item, link),
            ))
            .map_err(|e| Failure::permanent(format!("building the mail: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::permanent(format!("smtp: {e}"))),
            Err(e) => Err(Failure::transient(format!("smtp: {e}"))),
        }
    }
}
