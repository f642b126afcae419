//! The customers who lived a moment of truth, and when — the people a team calls back, and the
//! evidence behind a moment's effect, customer by customer: their score before the moment and
//! after it.

use serde::Serialize;
use throughline_analytics::moments::reached_at;
use throughline_domain::Timestamp;
use throughline_domain::action::Date;
use throughline_store::Store;

use super::{MomentEffect, around, data, load, mean, moment_effect, rule_of};
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
}

/// A moment's effect with the customers behind it, the most recent first.
#[derive(Debug, Clone, Serialize)]
pub struct MomentCustomers {
    pub moment: MomentEffect,
    pub customers: Vec<Reached>,
}

/// The customers who reached the moment of truth ranked `rank` in the organisation file.
pub async fn customers(store: &Store, rank: u32) -> Result<MomentCustomers> {
    let (org, records, analyses, events) = load(store).await?;
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
        let data = data(&records, &analyses, events);
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
