//! Invitations: customers asked by e-mail to answer a survey through their own link.
//!
//! Who is not invited, and why it is reported: a customer who asked never to be surveyed again
//! (by their id or their e-mail address), a customer whose data was erased, a customer invited
//! to any survey within the contact-frequency window (by id or address: one person is not
//! surveyed twice in N days however many surveys there are), and a second row for the same
//! customer in one file. Rows that name no open survey are reported by line.

use std::collections::HashSet;

use serde::Serialize;
use throughline_domain::Timestamp;
use throughline_domain::date::DAY_MS;
use throughline_ingest::invitations::InvitationRow;
use throughline_store::{NewInvitation, Store, Survey, customer_hash};

use super::may_manage;
use crate::changes::Actor;
use crate::{Result, ServiceError};

/// The contact-frequency rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitePolicy {
    /// No customer is invited more than once in this many days, across all surveys.
    pub min_days_between: u32,
}

impl Default for InvitePolicy {
    fn default() -> Self {
        Self {
            min_days_between: 30,
        }
    }
}

/// What an invitation round did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InviteReport {
    /// (survey id, survey title, customers invited).
    pub invited: Vec<(i64, String, u64)>,
    /// Invited to a survey within the frequency window.
    pub skipped_recent: u64,
    pub skipped_opted_out: u64,
    pub skipped_erased: u64,
    /// A second row for a customer (or an address) already in the file.
    pub skipped_repeated: u64,
    /// (line, why): rows that name no open survey.
    pub unmatched: Vec<(u64, String)>,
}

impl InviteReport {
    pub fn total_invited(&self) -> u64 {
        self.invited.iter().map(|(_, _, n)| n).sum()
    }
}

/// The hashes a customer's opt-out is kept and looked up by: their id and their address.
pub fn contact_hashes(customer: &str, email: &str) -> Vec<String> {
    vec![
        customer_hash(&format!("customer:{}", customer.trim())),
        customer_hash(&format!("email:{}", email.trim().to_lowercase())),
    ]
}

/// Invites `rows` to `survey` (when given) or to the open survey of each row's touchpoint
/// (the newest, when a touchpoint has several); administrators and council chairs. The
/// invitations are stored here and e-mailed by the sender (`throughline_notify::surveys`).
pub async fn invite(
    store: &Store,
    actor: Actor<'_>,
    survey: Option<i64>,
    rows: &[InvitationRow],
    policy: InvitePolicy,
) -> Result<InviteReport> {
    may_manage(actor)?;
    let open: Vec<Survey> = store
        .surveys()
        .await?
        .into_iter()
        .filter(|s| s.closed_at.is_none())
        .collect();
    if let Some(id) = survey
        && !open.iter().any(|s| s.id == id)
    {
        return Err(match store.survey(id).await? {
            Some(s) => ServiceError::Invalid(format!("survey {id} ({}) is closed", s.title)),
            None => ServiceError::NotFound(format!("there is no survey {id}")),
        });
    }
    let erased = store.erased_customers().await?;
    let window_ms = i64::from(policy.min_days_between) * DAY_MS;
    let cutoff = Timestamp::now().as_millis() - window_ms;
    let mut report = InviteReport::default();
    let mut seen: HashSet<String> = HashSet::new();
    // Surveys in the order first met, with their invitations.
    let mut batches: Vec<(&Survey, Vec<NewInvitation>)> = Vec::new();
    for row in rows {
        let chosen = match (survey, &row.touchpoint) {
            (Some(id), touchpoint) => {
                let chosen = open.iter().find(|s| s.id == id).expect("checked above");
                if let Some(tp) = touchpoint
                    && tp != chosen.asks().key()
                {
                    report.unmatched.push((
                        row.line,
                        format!(
                            "touchpoint {tp} is not survey {id}'s ({})",
                            chosen.asks().key()
                        ),
                    ));
                    continue;
                }
                chosen
            }
            // The touchpoint column names a survey's touchpoint, or the stage a survey of a
            // whole stage asks about.
            (None, Some(tp)) => match open.iter().find(|s| s.asks().key() == tp) {
                Some(chosen) => chosen,
                None => {
                    report
                        .unmatched
                        .push((row.line, format!("no open survey asks about {tp}")));
                    continue;
                }
            },
            (None, None) => {
                report.unmatched.push((
                    row.line,
                    "the row names no touchpoint: give one, or choose the survey".to_owned(),
                ));
                continue;
            }
        };
        let email = row.email.as_str().to_lowercase();
        if !seen.insert(format!("c:{}", row.customer)) | !seen.insert(format!("e:{email}")) {
            report.skipped_repeated += 1;
            continue;
        }
        if erased.contains(&customer_hash(&row.customer)) {
            report.skipped_erased += 1;
            continue;
        }
        if store
            .opted_out_of_surveys(&contact_hashes(&row.customer, &email))
            .await?
        {
            report.skipped_opted_out += 1;
            continue;
        }
        if store
            .last_invited(&row.customer, &email)
            .await?
            .is_some_and(|at| at.as_millis() > cutoff)
        {
            report.skipped_recent += 1;
            continue;
        }
        let invitation = NewInvitation {
            customer: row.customer.clone(),
            email,
            event_date: row.event_date.clone(),
            language: row.language,
        };
        match batches.iter_mut().find(|(s, _)| s.id == chosen.id) {
            Some((_, batch)) => batch.push(invitation),
            None => batches.push((chosen, vec![invitation])),
        }
    }
    for (chosen, batch) in batches {
        let ids = store
            .add_invitations(chosen.id, &batch, &actor.audit_name())
            .await?;
        report
            .invited
            .push((chosen.id, chosen.title.clone(), ids.len() as u64));
    }
    Ok(report)
}

/// The customer behind the survey link `token` asks never to be surveyed again: remembered
/// (as hashes of their id and address) for good. False when the link is no invitation.
pub async fn opt_out(store: &Store, token: &str) -> Result<bool> {
    let Some(link) = super::open_link(store, token).await? else {
        return Ok(false);
    };
    let Some(invitation) = link.invitation() else {
        return Ok(false);
    };
    store
        .opt_out_of_surveys(&contact_hashes(&invitation.customer, &invitation.email))
        .await?;
    Ok(true)
}
