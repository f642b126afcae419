//! Department digests delivered: rendered as e-mail (HTML and plain text) or chat messages
//! (Slack-compatible or generic JSON), sent over SMTP or to webhooks, each (department, period,
//! subscription) at most once — the store's delivery claims make sure of it, even with several
//! server instances or a retry — with failures retried with backoff and everything in the
//! delivery log.
//!
//! - `render` — the digest as text, HTML, Slack and generic JSON.
//! - `smtp` — the SMTP configuration (from the environment) and sending.
//! - `webhook` — posting JSON over HTTP or HTTPS.
//! - [`send_digests`] — one round: every subscription's digest for a period.
//! - `sponsors` — the key accounts' weekly digests for their executive sponsors.

pub mod render;
pub mod smtp;
pub mod sponsors;
pub mod subscriptions;
pub mod surveys;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhook;

use serde::Serialize;
use throughline_domain::Timestamp;
use throughline_service::digest::{self, Digest, Period};
use throughline_store::{Claim, Store, Subscription};

pub use smtp::SmtpConfig;
pub use sponsors::send_sponsor_digests;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{0}")]
    Config(String),
    #[error("e-mail: {0}")]
    Email(String),
    #[error("webhook: {0}")]
    Webhook(String),
    #[error(transparent)]
    Service(#[from] throughline_service::ServiceError),
    #[error(transparent)]
    Store(#[from] throughline_store::StoreError),
}

/// A failed delivery is tried again this many times at most, waiting 1, 4, 16, 64 minutes.
pub const MAX_ATTEMPTS: i64 = 5;

fn retry_at(attempts: i64) -> Option<Timestamp> {
    (attempts < MAX_ATTEMPTS).then(|| {
        let minutes = 4_i64.pow(u32::try_from(attempts - 1).unwrap_or(0));
        Timestamp::from_millis(Timestamp::now().as_millis() + minutes * 60_000)
    })
}

/// What one round did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SendReport {
    pub period: String,
    /// (department, channel, target) sent now.
    pub sent: Vec<(String, String, String)>,
    /// Already sent (or being sent, or not yet due for a retry): nothing done.
    pub already: usize,
    /// Subscribers who opted out.
    pub opted_out: usize,
    /// Recipients with no address to send to (a key account's sponsor without an e-mail).
    pub skipped: usize,
    /// (department, channel, target, error) that failed now; they are retried later.
    pub failed: Vec<(String, String, String, String)>,
}

/// Sends `period`'s digest to every subscription (of `department` only, when given). E-mail
/// needs `smtp`; without it e-mail deliveries fail (and are retried once it is configured)
/// while webhooks still go out.
pub async fn send_digests(
    store: &Store,
    period: &Period,
    department: Option<&str>,
    smtp: Option<&SmtpConfig>,
) -> Result<SendReport, NotifyError> {
    let subscriptions: Vec<Subscription> = store
        .subscriptions()
        .await?
        .into_iter()
        .filter(|s| department.is_none_or(|d| s.department == d))
        .collect();
    let mut report = SendReport {
        period: period.key.clone(),
        ..SendReport::default()
    };
    if subscriptions.is_empty() {
        return Ok(report);
    }
    let digests = match department {
        Some(d) => vec![digest::digest(store, d, period).await?],
        None => digest::digests(store, period).await?,
    };
    for s in &subscriptions {
        let Some(d) = digests.iter().find(|d| d.department == s.department) else {
            continue;
        };
        if s.channel == "email" && store.opted_out(&s.target).await? {
            report.opted_out += 1;
            continue;
        }
        let (id, attempt) = match store
            .claim_delivery(&s.department, &period.key, s.id)
            .await?
        {
            Claim::Won { id, attempt } => (id, attempt),
            Claim::Taken => {
                report.already += 1;
                continue;
            }
        };
        match deliver(d, s, smtp).await {
            Ok(()) => {
                store.delivery_sent(id).await?;
                report
                    .sent
                    .push((s.department.clone(), s.channel.clone(), s.target.clone()));
            }
            Err(err) => {
                tracing::warn!(department = %s.department, channel = %s.channel, error = %err, "digest delivery failed");
                store
                    .delivery_failed(id, &err.to_string(), retry_at(attempt))
                    .await?;
                report.failed.push((
                    s.department.clone(),
                    s.channel.clone(),
                    s.target.clone(),
                    err.to_string(),
                ));
            }
        }
    }
    Ok(report)
}

/// Why an e-mail cannot go out: no SMTP server configured.
fn no_smtp() -> NotifyError {
    NotifyError::Config(
        "no SMTP server is configured: set THROUGHLINE_SMTP_HOST (and the other \
         THROUGHLINE_SMTP_* settings)"
            .into(),
    )
}

async fn deliver(
    d: &Digest,
    s: &Subscription,
    smtp: Option<&SmtpConfig>,
) -> Result<(), NotifyError> {
    match s.channel.as_str() {
        "email" => {
            let smtp = smtp.ok_or_else(no_smtp)?;
            let subject = format!(
                "{}: what customers said, {} to {}",
                d.name, d.period.from, d.period.to
            );
            smtp::send(
                smtp,
                &s.target,
                &subject,
                &render::text(d)?,
                &render::html(d)?,
            )
            .await
        }
        "webhook" => {
            let body = if s.format == "slack" {
                render::slack(d)
            } else {
                render::generic(d)
            };
            webhook::post_json(&s.target, &body).await
        }
        other => Err(NotifyError::Config(format!("unknown channel {other:?}"))),
    }
}

/// How often the server sends digests: the period each round covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Daily,
    Weekly,
    Monthly,
}

impl Schedule {
    /// `THROUGHLINE_DIGEST_SCHEDULE`: `weekly` (the default), `daily`, `monthly`, or `off`.
    pub fn from_env() -> Result<Option<Self>, NotifyError> {
        match throughline_domain::settings::var("THROUGHLINE_DIGEST_SCHEDULE")
            .unwrap_or_default()
            .trim()
        {
            "" | "weekly" => Ok(Some(Self::Weekly)),
            "daily" => Ok(Some(Self::Daily)),
            "monthly" => Ok(Some(Self::Monthly)),
            "off" => Ok(None),
            other => Err(NotifyError::Config(format!(
                "THROUGHLINE_DIGEST_SCHEDULE={other:?}: write weekly, daily, monthly or off"
            ))),
        }
    }

    /// The last complete period.
    pub fn period(self) -> Period {
        let spec = match self {
            Self::Daily => "yesterday",
            Self::Weekly => "last-week",
            Self::Monthly => "last-month",
        };
        Period::parse(spec, &throughline_domain::action::Date::today())
            .expect("relative periods always parse")
    }
}

/// The server's background job: every `every`, send the last complete period's digests, and
/// the last complete week's sponsor digests of the key accounts. Each round sends only what no
/// round (on any instance) has sent, and retries failures whose time has come; a failing round
/// is logged and the next one tries again.
pub async fn run_schedule(
    store: Store,
    schedule: Schedule,
    smtp: Option<SmtpConfig>,
    every: std::time::Duration,
) {
    loop {
        let period = schedule.period();
        match send_digests(&store, &period, None, smtp.as_ref()).await {
            Ok(report) if !report.sent.is_empty() || !report.failed.is_empty() => {
                tracing::info!(period = %period.key, sent = report.sent.len(), failed = report.failed.len(), "digests");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "digest round failed"),
        }
        // Sponsors review their accounts weekly, whatever the departments' schedule.
        let week = Schedule::Weekly.period();
        match send_sponsor_digests(&store, &week, None, smtp.as_ref()).await {
            Ok(report) if !report.sent.is_empty() || !report.failed.is_empty() => {
                tracing::info!(period = %week.key, sent = report.sent.len(), failed = report.failed.len(), "sponsor digests");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "sponsor digest round failed"),
        }
        tokio::time::sleep(every).await;
    }
}
