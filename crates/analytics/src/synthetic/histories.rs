//! Customers' histories for the synthetic feedback: the contact centre's contacts and the
//! orders, with two planted moments of truth for the demo (docs/demo-data.md):
//!
//! - **the third contact within 30 days sinks satisfaction**: of the customers whose feedback
//!   turns detractor (NPS 0–6), six in ten called the contact centre twice in the fortnight
//!   before (14 and 5 days earlier), so that their detractor feedback is their third contact
//!   within 30 days;
//! - **the tenth order lifts it**: seven in ten customers whose every answer is a promoter's
//!   (NPS 9–10) placed 10 to 24 orders before they first wrote; every other customer placed 1
//!   to 8.
//!
//! The feedback itself is not changed: the effects are planted in the histories, as they would
//! show in a real company's exports of calls and orders next to its survey.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, Duration, Utc};

use super::SyntheticRecord;
use crate::rng::SplitMix64;

/// One event of a customer's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticEvent {
    pub customer: String,
    /// `contact` or `order`.
    pub kind: &'static str,
    pub at: DateTime<Utc>,
}

/// The columns of the events file, as `throughline events import` reads them.
pub const EVENT_COLUMNS: [&str; 3] = ["customer", "event", "date"];

/// The histories of the customers of `records`, with the planted moments (see the module).
pub fn histories(records: &[SyntheticRecord], seed: u64) -> Vec<SyntheticEvent> {
    let mut rng = SplitMix64::new(seed ^ 0x4157_0B1E_5000_0001);
    let mut by_customer: BTreeMap<&str, Vec<&SyntheticRecord>> = BTreeMap::new();
    for r in records {
        by_customer.entry(r.customer.as_str()).or_default().push(r);
    }
    let mut events = Vec::new();
    for (customer, mut own) in by_customer {
        own.sort_by_key(|r| r.received_at);
        let event = |kind, at| SyntheticEvent {
            customer: customer.to_owned(),
            kind,
            at,
        };
        if let Some(first_detractor) = own.iter().find(|r| r.nps <= 6)
            && rng.chance(0.6)
        {
            let at = first_detractor.received_at;
            events.push(event("contact", at - Duration::days(14)));
            events.push(event("contact", at - Duration::days(5)));
        }
        let promoter = own.iter().all(|r| r.nps >= 9);
        let orders = if promoter && rng.chance(0.7) {
            10 + rng.below(15)
        } else {
            1 + rng.below(8)
        };
        // Spread over the 200 days before the customer first wrote.
        let first = own[0].received_at - Duration::days(1);
        for _ in 0..orders {
            let back = Duration::minutes((rng.unit() * 200.0 * 24.0 * 60.0) as i64);
            events.push(event("order", first - back));
        }
    }
    events.sort_by(|a, b| (&a.customer, a.at).cmp(&(&b.customer, b.at)));
    events
}

/// Writes the events as CSV (`customer,event,date`), dates as RFC 3339.
pub fn write_events_csv(events: &[SyntheticEvent], out: impl Write) -> std::io::Result<u64> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(EVENT_COLUMNS)?;
    for e in events {
        let when = e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        writer.write_record([e.customer.as_str(), e.kind, when.as_str()])?;
    }
    writer.flush()?;
    Ok(events.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::super::{Generator, Options};
    use super::*;

    #[test]
    fn detractors_get_calls_before_and_promoters_orders() {
        let records: Vec<SyntheticRecord> = Generator::new(Options {
            records: 2000,
            seed: 42,
            spike: true,
            shifts: true,
        })
        .collect();
        let events = histories(&records, 42);
        assert_eq!(
            events,
            histories(&records, 42),
            "the same seed, the same histories"
        );
        let contacts = events.iter().filter(|e| e.kind == "contact").count();
        assert!(contacts > 200 && contacts % 2 == 0, "{contacts}");
        let mut orders: BTreeMap<&str, usize> = BTreeMap::new();
        for e in events.iter().filter(|e| e.kind == "order") {
            *orders.entry(e.customer.as_str()).or_default() += 1;
        }
        let regulars: Vec<&&str> = orders
            .iter()
            .filter(|(_, n)| **n >= 10)
            .map(|(c, _)| c)
            .collect();
        assert!(!regulars.is_empty());
        for customer in regulars {
            assert!(
                records
                    .iter()
                    .filter(|r| r.customer == **customer)
                    .all(|r| r.nps >= 9),
                "only promoters are regulars"
            );
        }
    }
}
