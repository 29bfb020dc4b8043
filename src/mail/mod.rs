//! Outgoing mail: SMTP when `NEWSROOM_SMTP_URL` is set, otherwise one `.eml`
//! file per message in the outbox folder, so that the whole reset flow works
//! on a laptop with no mail server.
//!
//! Mail goes through the delivery queue ([`crate::deliveries`]): written with
//! the change it tells of, sent after the commit, retried while the server is
//! down; a slow or failing server never delays a request.

use lettre::message::{Mailbox, MultiPart};
use std::path::PathBuf;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::private;

mod messages;

pub use messages::{Recipient, password_changed, reset_link, reset_url, review_requested, test_mail};

/// Where mail goes. An enum, not a trait: there are exactly two transports.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// The outbox folder.
    Outbox(PathBuf),
}

/// A mail ready to send: plain text with an HTML alternative.
pub struct Mail {
    pub to: Mailbox,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("NEWSROOM_SMTP_URL: {0}")]
    SmtpUrl(#[from] lettre::transport::smtp::Error),
    #[error("NEWSROOM_MAIL_OUTBOX: cannot write into {0}: {1}")]
    Outbox(String, std::io::Error),
}

impl Mailer {
    /// SMTP (TLS or STARTTLS through rustls, pooled) when configured, else the outbox.
    pub fn from_config(config: &Config) -> Result<Self, MailError> {
        match &config.smtp_url {
            Some(url) => Ok(Self::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())?.build())),
            None => {
                let outbox = &config.mail_outbox;
                // A folder that exists but cannot be written to would fail
                // the first mail, long after start-up: try it now.
                let probe = outbox.join(format!(".newsroom-{}", std::process::id()));
                private::create_folder(outbox)
                    .and_then(|()| private::create_file(&probe))
                    .and_then(|_| std::fs::remove_file(&probe))
                    .map_err(|e| MailError::Outbox(outbox.display().to_string(), e))?;
                Ok(Self::Outbox(config.mail_outbox.clone()))
            }
        }
    }

    /// Sends `mail` from `from` now.
    #[tracing::instrument(level = "debug", skip_all, fields(subject = %mail.subject))]
    pub async fn send(&self, from: Mailbox, mail: Mail) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let message = Message::builder()
            .from(from)
            .to(mail.to)
            .subject(mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))?;
        match self {
            Self::Smtp(transport) => {
                transport.send(message).await?;
            }
            Self::Outbox(folder) => {
                // Written under a hidden name, then renamed: whoever watches
                // the outbox never reads half a mail.
                let name = uuid::Uuid::new_v4();
                let partial = folder.join(format!(".{name}.eml.partial"));
                tokio::fs::write(&partial, message.formatted()).await?;
                tokio::fs::rename(&partial, folder.join(format!("{name}.eml"))).await?;
            }
        }
        Ok(())
    }
}
