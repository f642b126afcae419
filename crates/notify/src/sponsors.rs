//! Key accounts' sponsor digests delivered: each account's executive sponsor receives, by
//! e-mail, the account's period as its team sees it ([`throughline_service::sponsor_digest`]) —
//! each (account, period, address) once, however many rounds or server instances run, with
//! failures retried as the departments' digests are, and opted-out addresses left alone.

use std::sync::LazyLock;

use minijinja::Environment;
use throughline_service::digest::Period;
use throughline_service::sponsor_digest::{self, REVIEW_DUE_DAYS, SponsorDigest};
use throughline_store::{Claim, Store};

use crate::{NotifyError, SendReport, SmtpConfig, retry_at, smtp};

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.add_template(
        "sponsor_digest.html",
        include_str!("../templates/sponsor_digest.html"),
    )
    .expect("the embedded templates are valid");
    env.add_template(
        "sponsor_digest.txt",
        include_str!("../templates/sponsor_digest.txt"),
    )
    .expect("the embedded templates are valid");
    env
});

fn render(name: &str, d: &SponsorDigest) -> Result<String, NotifyError> {
    TEMPLATES
        .get_template(name)
        .and_then(|t| t.render(minijinja::context! { d => d, review_due_days => REVIEW_DUE_DAYS }))
        .map_err(|e| NotifyError::Config(format!("template {name}: {e}")))
}

/// The e-mail's plain-text part (also what `throughline accounts digest --preview` prints).
pub fn text(d: &SponsorDigest) -> Result<String, NotifyError> {
    render("sponsor_digest.txt", d)
}

/// The e-mail's HTML part.
pub fn html(d: &SponsorDigest) -> Result<String, NotifyError> {
    render("sponsor_digest.html", d)
}

/// The e-mail's subject.
pub fn subject(d: &SponsorDigest) -> String {
    format!(
        "{}: your key account, {} to {}",
        d.name, d.period.from, d.last_day
    )
}

/// Sends `period`'s sponsor digest of every key account (of `account` only, when given) to
/// its sponsor's address. An account whose sponsor has no address is counted in `skipped`
/// (the report's `already` is what an earlier round sent).
pub async fn send_sponsor_digests(
    store: &Store,
    period: &Period,
    account: Option<&str>,
    smtp: Option<&SmtpConfig>,
) -> Result<SendReport, NotifyError> {
    let mut report = SendReport {
        period: period.key.clone(),
        ..SendReport::default()
    };
    let digests = match account {
        Some(key) => vec![sponsor_digest::sponsor_digest(store, key, period).await?],
        None => sponsor_digest::sponsor_digests(store, period).await?,
    };
    for d in &digests {
        let Some(address) = d.sponsor.email.as_deref() else {
            report.skipped += 1;
            continue;
        };
        if store.opted_out(address).await? {
            report.opted_out += 1;
            continue;
        }
        let (id, attempt) = match store
            .claim_sponsor_digest(&d.account, &period.key, address)
            .await?
        {
            Claim::Won { id, attempt } => (id, attempt),
            Claim::Taken => {
                report.already += 1;
                continue;
            }
        };
        let sent = match smtp {
            Some(smtp) => smtp::send(smtp, address, &subject(d), &text(d)?, &html(d)?).await,
            None => Err(crate::no_smtp()),
        };
        match sent {
            Ok(()) => {
                store.sponsor_digest_sent(id).await?;
                report
                    .sent
                    .push((d.account.clone(), "email".into(), address.to_owned()));
            }
            Err(err) => {
                tracing::warn!(account = %d.account, error = %err, "sponsor digest failed");
                store
                    .sponsor_digest_failed(id, &err.to_string(), retry_at(attempt))
                    .await?;
                report.failed.push((
                    d.account.clone(),
                    "email".into(),
                    address.to_owned(),
                    err.to_string(),
                ));
            }
        }
    }
    Ok(report)
}
