//! E-mail over SMTP: the server, port, security and credentials come from the environment
//! (`THROUGHLINE_SMTP_HOST`, `_PORT`, `_SECURITY` = `starttls` (default), `tls` or `none`,
//! `_USERNAME`, `_PASSWORD`, `_FROM`).

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::NotifyError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP (a local relay, or tests).
    None,
    /// Upgrade with STARTTLS (port 587).
    StartTls,
    /// TLS from the start (port 465).
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

impl SmtpConfig {
    /// The configuration from the environment; `None` when `THROUGHLINE_SMTP_HOST` is unset.
    pub fn from_env() -> Result<Option<Self>, NotifyError> {
        let var = |name: &str| {
            throughline_domain::settings::var(&format!("THROUGHLINE_SMTP_{name}"))
                .filter(|v| !v.trim().is_empty())
        };
        let Some(host) = var("HOST") else {
            return Ok(None);
        };
        let security = match var("SECURITY").as_deref().unwrap_or("starttls") {
            "starttls" => Security::StartTls,
            "tls" => Security::Tls,
            "none" => Security::None,
            other => {
                return Err(NotifyError::Config(format!(
                    "THROUGHLINE_SMTP_SECURITY={other:?}: write starttls, tls or none"
                )));
            }
        };
        let port = match var("PORT") {
            Some(p) => p.parse().map_err(|_| {
                NotifyError::Config(format!("THROUGHLINE_SMTP_PORT={p:?} is not a port number"))
            })?,
            None => match security {
                Security::Tls => 465,
                Security::StartTls => 587,
                Security::None => 25,
            },
        };
        let from = var("FROM").unwrap_or_else(|| "Throughline <throughline@localhost>".to_owned());
        from.parse::<Mailbox>()
            .map_err(|e| NotifyError::Config(format!("THROUGHLINE_SMTP_FROM={from:?}: {e}")))?;
        Ok(Some(Self {
            host,
            port,
            security,
            username: var("USERNAME"),
            password: var("PASSWORD"),
            from,
        }))
    }
}

/// Sends one message with a plain-text and an HTML part.
pub async fn send(
    config: &SmtpConfig,
    to: &str,
    subject: &str,
    text: &str,
    html: &str,
) -> Result<(), NotifyError> {
    let email = |e: &dyn std::fmt::Display| NotifyError::Email(e.to_string());
    let builder = match config.security {
        Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
            .map_err(|e| email(&e))?,
        Security::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(|e| email(&e))?
        }
    };
    let mut builder = builder
        .port(config.port)
        .timeout(Some(Duration::from_secs(30)));
    if let (Some(user), Some(password)) = (&config.username, &config.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    let transport = builder.build();
    let message = Message::builder()
        .from(config.from.parse::<Mailbox>().map_err(|e| email(&e))?)
        .to(to
            .parse::<Mailbox>()
            .map_err(|e| NotifyError::Email(format!("the address {to:?}: {e}")))?)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(
            text.to_owned(),
            html.to_owned(),
        ))
        .map_err(|e| email(&e))?;
    transport.send(message).await.map_err(|e| email(&e))?;
    Ok(())
}
