//! The customers who lived a moment of truth, and when — the people a team calls back, and the
//! evidence behind a moment's effect, customer by customer: their score before the moment and
//! after it.

use std::collections::HashMap;

use serde::Serialize;
use throughline_analytics::moments::reached_at;
use throughline_domain::Timestamp;
use throughline_domain::action::Date;
use throughline_store::Store;

use super::{
    MomentEffect, around, contacts_of, data, events, mean, moment_effect, rule_of, scores_present,
};
use crate::weekly::Inputs;
use crate::{Result, ServiceError, blocking};

/// One customer who reached the moment.
#[derive(Debug, Clone, Serialize)]
pub struct Reached {
    pub customer: String,
    /// The day the moment was reached (UTC).
    pub reached_on: Date,
    /// The mean score of their feedback before the moment and at or after it, on the moment's
    /// scale; `None` without such feedback.
    pub score_before: Option<f64>,
    pub score_after: Option<f64>,
    /// Their scored records at or after the moment.
    pub records_after: u64,
    /// What they wrote first at or after it (up to [`COMMENT_CHARS`] characters), if anything.
    pub comment_after: Option<String>,
}

/// The longest comment quoted beside a customer; the theme explorer has the rest.
pub const COMMENT_CHARS: usize = 280;

/// A moment's effect with the customers behind it, the most recent first.
#[derive(Debug, Clone, Serialize)]
pub struct MomentCustomers {
    pub moment: MomentEffect,
    pub customers: Vec<Reached>,
}

/// The customers who reached the moment of truth ranked `rank` in the organisation file.
pub async fn customers(store: &Store, rank: u32) -> Result<MomentCustomers> {
    let inputs = Inputs::load(store).await?;
    let events = events(store).await?;
    let Inputs {
        org,
        records,
        analyses,
        ..
    } = inputs;
    let Some(moment) = org
        .moments_of_truth
        .iter()
        .find(|m| m.rank == rank)
        .cloned()
    else {
        let ranks: Vec<String> = org
            .moments_of_truth
            .iter()
            .map(|m| m.rank.to_string())
            .collect();
        return Err(ServiceError::NotFound(format!(
            "there is no moment of truth ranked {rank}; the ranks are {}",
            ranks.join(", ")
        )));
    };
    let Some(detect) = moment.detect.clone() else {
        return Err(ServiceError::Invalid(format!(
            "moment of truth {rank} “{}” has no detection rule, so no customer can be found \
             reaching it: add [moments_of_truth.detect] to it in the organisation file",
            moment.name
        )));
    };
    Ok(blocking(move || {
        // Each customer's comments by time, to quote the first one after the moment.
        let mut comments: HashMap<&str, Vec<(i64, &str)>> = HashMap::new();
        for r in &records {
            if let (Some(customer), Some(comment)) = (
                r.record.customer.as_deref(),
                r.record.texts.comment.as_deref(),
            ) && !comment.trim().is_empty()
            {
                comments
                    .entry(customer)
                    .or_default()
                    .push((r.record.received_at.as_millis(), comment.trim()));
            }
        }
        for list in comments.values_mut() {
            list.sort_by_key(|(at, _)| *at);
        }
        let data = data(
            scores_present(&records),
            contacts_of(&records, &analyses),
            events,
        );
        let effect = moment_effect(&data, &moment, &detect);
        let empty = Vec::new();
        let mut customers: Vec<Reached> = data
            .histories
            .get(detect.event.as_str())
            .into_iter()
            .flatten()
            .filter_map(|(customer, times)| {
                let at = reached_at(times, rule_of(&detect))?;
                let scored = data.scored.get(customer).unwrap_or(&empty);
                let (before, after) = around(scored, at);
                let after: Vec<f64> = after.iter().map(|(s, _)| *s).collect();
                Some(Reached {
                    customer: customer.clone(),
                    reached_on: Date::of(Timestamp::from_millis(at)),
                    score_before: mean(&before),
                    score_after: mean(&after),
                    records_after: after.len() as u64,
                    comment_after: comments.get(customer.as_str()).and_then(|list| {
                        list.iter().find(|(t, _)| *t >= at).map(|(_, text)| {
                            let mut quoted: String = text.chars().take(COMMENT_CHARS).collect();
                            if text.chars().count() > COMMENT_CHARS {
                                quoted.push('…');
                            }
                            quoted
                        })
                    }),
                })
            })
            .collect();
        customers.sort_by(|a, b| {
            b.reached_on
                .cmp(&a.reached_on)
                .then(a.customer.cmp(&b.customer))
        });
        MomentCustomers {
            moment: effect,
            customers,
        }
    })
    .await)
}
