//! Survey invitations e-mailed: each stored invitation (`throughline survey invite`) sent once
//! over SMTP with the customer's own link and an unsubscribe link, outside quiet hours, with
//! one reminder to those who have not answered after some days.
//!
//! Each send is claimed in the store first, so two server instances (or a command run beside
//! the server) never send one invitation twice; a failed send gives its claim back and is
//! tried again in a later round, up to five tries. A customer who opted out after being invited
//! is not sent anything more.

use serde::Serialize;
use throughline_domain::Timestamp;
use throughline_domain::date::DAY_MS;
use throughline_domain::survey::{Texts, fill};
use throughline_service::surveys::{self, contact_hashes};
use throughline_store::{Invitation, Store, Survey};

use crate::{NotifyError, SmtpConfig, smtp};

/// How invitations go out.
#[derive(Debug, Clone)]
pub struct SendPolicy {
    /// The address people reach this server at (`https://cx.example.com`): links in the e-mails
    /// start with it.
    pub public_url: String,
    /// Hours (UTC, start and end, 0–23) in which nothing is sent: `(21, 8)` holds invitations
    /// from 21:00 until 08:00. `None` sends at any hour.
    pub quiet_hours: Option<(u8, u8)>,
    /// One reminder this many days after the invitation, when it is still unanswered; `None`
    /// sends none.
    pub remind_after_days: Option<u32>,
}

/// Reads quiet hours written `21-8` (from 21:00 to 08:00 UTC) or `none`.
pub fn parse_quiet_hours(text: &str) -> Result<Option<(u8, u8)>, NotifyError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") || text.is_empty() {
        return Ok(None);
    }
    let hour = |h: &str| h.trim().parse::<u8>().ok().filter(|h| *h < 24);
    match text.split_once('-').map(|(a, b)| (hour(a), hour(b))) {
        Some((Some(start), Some(end))) if start != end => Ok(Some((start, end))),
        _ => Err(NotifyError::Config(format!(
            "quiet hours {text:?}: write START-END in whole hours, UTC (21-8), or none"
        ))),
    }
}

/// Runs [`send_invitations`] every `every`, for as long as the server runs; a failed round
/// is logged and the next one tries again.
pub async fn run_schedule(
    store: Store,
    smtp_config: SmtpConfig,
    policy: SendPolicy,
    every: std::time::Duration,
) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        match send_invitations(&store, &smtp_config, &policy).await {
            Ok(round) if round.sent + round.reminded > 0 || !round.failed.is_empty() => {
                tracing::info!(
                    sent = round.sent,
                    reminded = round.reminded,
                    failed = round.failed.len(),
                    "survey invitations"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "survey invitations not sent this round"),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InvitationRound {
    pub sent: u64,
    pub reminded: u64,
    /// (invitation id, error): tried again in a later round.
    pub failed: Vec<(i64, String)>,
    /// Opted out since they were invited: not sent.
    pub opted_out: u64,
    /// The round fell in quiet hours: nothing was sent.
    pub quiet: bool,
}

/// Invitations and reminders sent per round at most (a large file goes out over a few rounds).
const PER_ROUND: u32 = 2_000;

/// Whether `now` falls in the quiet hours `(start, end)` (UTC; the span may cross midnight).
pub fn in_quiet_hours(now: Timestamp, quiet: Option<(u8, u8)>) -> bool {
    let Some((start, end)) = quiet else {
        return false;
    };
    let hour = u8::try_from(now.as_millis().rem_euclid(DAY_MS) / 3_600_000).unwrap_or(0);
    if start <= end {
        (start..end).contains(&hour)
    } else {
        hour >= start || hour < end
    }
}

/// Sends the invitations not sent yet and the reminders due.
pub async fn send_invitations(
    store: &Store,
    smtp_config: &SmtpConfig,
    policy: &SendPolicy,
) -> Result<InvitationRound, NotifyError> {
    let mut round = InvitationRound::default();
    if in_quiet_hours(Timestamp::now(), policy.quiet_hours) {
        round.quiet = true;
        return Ok(round);
    }
    let org = store.load_organisation().await?;
    let company = org.as_ref().map(|o| o.name.to_string());
    let mut work: Vec<(Invitation, bool)> = store
        .invitations_to_send(PER_ROUND)
        .await?
        .into_iter()
        .map(|i| (i, false))
        .collect();
    if let Some(days) = policy.remind_after_days {
        let before =
            Timestamp::from_millis(Timestamp::now().as_millis() - i64::from(days) * DAY_MS);
        work.extend(
            store
                .reminders_due(before, PER_ROUND)
                .await?
                .into_iter()
                .map(|i| (i, true)),
        );
    }
    let mut surveys: Vec<Survey> = Vec::new();
    let key = surveys::LinkKey::load(store).await?;
    for (invitation, reminder) in work {
        if store
            .opted_out_of_surveys(&contact_hashes(&invitation.customer, &invitation.email))
            .await?
        {
            store
                .give_up_invitation(invitation.id, "the customer opted out of surveys")
                .await?;
            round.opted_out += 1;
            continue;
        }
        let survey = match surveys.iter().find(|s| s.id == invitation.survey_id) {
            Some(survey) => survey.clone(),
            None => {
                let Some(survey) = store.survey(invitation.survey_id).await? else {
                    continue;
                };
                surveys.push(survey.clone());
                survey
            }
        };
        if survey.closed_at.is_some() || !store.claim_invitation(invitation.id, reminder).await? {
            continue;
        }
        let token = key.invitation_token(invitation.id);
        // The customer's language where the survey speaks it, else the survey's own.
        let language = survey.spoken(invitation.language);
        let place = surveys::place_in(org.as_ref(), &survey, language);
        let message = Message::new(
            &policy.public_url,
            &token,
            &place,
            company.as_deref(),
            reminder,
            language.texts(),
        );
        match smtp::send(
            smtp_config,
            &invitation.email,
            &message.subject,
            &message.text,
            &message.html,
        )
        .await
        {
            Ok(()) if reminder => round.reminded += 1,
            Ok(()) => round.sent += 1,
            Err(err) => {
                let error = err.to_string();
                tracing::warn!(invitation = invitation.id, %error, "survey invitation not sent");
                store
                    .release_invitation(invitation.id, reminder, &error)
                    .await?;
                round.failed.push((invitation.id, error));
            }
        }
    }
    Ok(round)
}

/// An invitation e-mail.
struct Message {
    subject: String,
    text: String,
    html: String,
}

impl Message {
    /// The invitation to answer about `place` through the link `token`, in the language of
    /// `texts`.
    fn new(
        public_url: &str,
        token: &str,
        place: &str,
        company: Option<&str>,
        reminder: bool,
        texts: &Texts,
    ) -> Self {
        let base = public_url.trim_end_matches('/');
        let link = format!("{base}/s/{token}");
        let unsubscribe = format!("{base}/s/{token}/unsubscribe");
        let company = company.unwrap_or("us");
        let values = [("place", place), ("company", company)];
        let subject = fill(
            if reminder {
                texts.mail_reminder_subject
            } else {
                texts.mail_subject
            },
            &values,
        );
        let ask = fill(texts.mail_ask, &values);
        let text = format!(
            "{hello}\n\n{ask}\n\n{link}\n\n{yours}\n\n{thanks}\n{company}\n\n\
             {not_interested} {never_again}: {unsubscribe}\n",
            hello = texts.mail_hello,
            yours = texts.mail_yours,
            thanks = texts.mail_thanks,
            not_interested = texts.mail_not_interested,
            never_again = texts.mail_never_again,
        );
        let html = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
             <p>{hello}</p><p>{ask}</p>\
             <p><a href=\"{link}\" style=\"font-size:1.1em\">{answer}</a></p>\
             <p>{yours}</p><p>{thanks}<br>{company}</p>\
             <p style=\"font-size:0.9em;color:#555\">{not_interested} \
             <a href=\"{unsubscribe}\">{never_again}</a>.</p></body></html>",
            hello = escape(texts.mail_hello),
            ask = escape(&ask),
            answer = escape(texts.mail_answer),
            yours = escape(texts.mail_yours),
            thanks = escape(texts.mail_thanks),
            not_interested = escape(texts.mail_not_interested),
            never_again = escape(texts.mail_never_again),
            link = escape(&link),
            unsubscribe = escape(&unsubscribe),
            company = escape(company),
        );
        Self {
            subject,
            text,
            html,
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_may_cross_midnight() {
        let at = |hour: i64| Timestamp::from_millis(hour * 3_600_000 + 60_000);
        assert!(in_quiet_hours(at(22), Some((21, 8))));
        assert!(in_quiet_hours(at(3), Some((21, 8))));
        assert!(!in_quiet_hours(at(8), Some((21, 8))));
        assert!(!in_quiet_hours(at(12), Some((21, 8))));
        assert!(in_quiet_hours(at(13), Some((12, 14))));
        assert!(!in_quiet_hours(at(14), Some((12, 14))));
        assert!(!in_quiet_hours(at(3), None));
        assert_eq!(parse_quiet_hours("21-8").unwrap(), Some((21, 8)));
        assert_eq!(parse_quiet_hours("none").unwrap(), None);
        let e = (parse_quiet_hours("25-8")).unwrap_err().to_string();
        assert!(e.contains("quiet hours \"25-8\""), "{e}");
        let e = (parse_quiet_hours("evening")).unwrap_err().to_string();
        assert!(e.contains("quiet hours \"evening\""), "{e}");
    }
}
