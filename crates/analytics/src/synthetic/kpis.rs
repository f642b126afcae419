//! Department KPIs beside the synthetic feedback, one reading per week (the Monday), as a
//! company would export them for `throughline kpi import`, with the planted cross-silo chain
//! (docs/demo-data.md):
//!
//! - **Lead volume** (Marketing) nearly doubles during each of the [`CAMPAIGNS`];
//! - the feedback's [`CAMPAIGN_THEME`] rises three weeks after each campaign starts (planted in
//!   the feedback generator);
//! - **Complaint calls** (Customer Service) follow the share of the week's feedback that carries
//!   that theme, one week later: the customers who write about it also call.
//!
//! Two KPIs wander on their own (deliveries in the promised window, billing disputes), as most
//! of a company's numbers do, so that the chains have something to tell apart.

use std::io::Write;

use chrono::{DateTime, Datelike, Duration, Utc};

use super::{CAMPAIGN_THEME, CAMPAIGNS, SyntheticRecord, period};
use crate::rng::SplitMix64;

/// One KPI reading.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiReading {
    /// The metric's key in `examples/org.toml`.
    pub metric: &'static str,
    /// The Monday of the week it covers.
    pub on: DateTime<Utc>,
    pub value: f64,
}

/// The columns of the KPI file, as `throughline kpi import` reads them.
pub const KPI_COLUMNS: [&str; 3] = ["metric", "date", "value"];

/// Complaint calls a week with no customer missing a promised feature.
const BASE_CALLS: f64 = 110.0;
/// Extra calls per percentage point of the previous week's feedback about missing features.
const CALLS_PER_POINT: f64 = 3.0;

/// The Mondays of the weeks the feedback covers.
fn mondays() -> Vec<DateTime<Utc>> {
    let (first, end) = period();
    let mut monday = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
    let mut all = Vec::new();
    while monday <= end {
        all.push(monday);
        monday += Duration::weeks(1);
    }
    all
}

/// The weekly KPIs for the synthetic feedback `records` (see the module).
pub fn weekly(records: &[SyntheticRecord], seed: u64) -> Vec<KpiReading> {
    let mut rng = SplitMix64::new(seed ^ 0x0C4A_1257_0000_0003);
    let weeks = mondays();
    // The share of each week's records that carry the campaign's theme.
    let mut totals = vec![(0usize, 0usize); weeks.len()];
    for r in records {
        let week = (r.received_at - weeks[0]).num_weeks();
        if let Some(slot) = usize::try_from(week).ok().and_then(|w| totals.get_mut(w)) {
            slot.0 += 1;
            slot.1 += usize::from(r.themes.contains(&CAMPAIGN_THEME));
        }
    }
    let share = |w: usize| {
        let (n, hit) = totals[w];
        if n == 0 { 0.0 } else { hit as f64 / n as f64 }
    };
    let mut readings = Vec::with_capacity(weeks.len() * 4);
    let (mut delivery, mut disputes) = (91.0f64, 36.0f64);
    for (w, &monday) in weeks.iter().enumerate() {
        let campaign = if CAMPAIGNS.running(monday, 0) {
            380.0
        } else {
            0.0
        };
        let leads = 400.0 + 0.5 * w as f64 + campaign + 12.0 * rng.normal();
        let previous = if w == 0 { share(0) } else { share(w - 1) };
        let calls = BASE_CALLS + CALLS_PER_POINT * 100.0 * previous + 3.0 * rng.normal();
        delivery = (delivery + 0.6 * rng.normal()).clamp(80.0, 99.0);
        disputes = (disputes + 1.5 * rng.normal()).clamp(10.0, 80.0);
        for (metric, value) in [
            ("lead-volume", leads.round()),
            ("complaint-calls", calls.round()),
            ("on-time-delivery", (delivery * 10.0).round() / 10.0),
            ("billing-disputes", disputes.round()),
        ] {
            readings.push(KpiReading {
                metric,
                on: monday,
                value,
            });
        }
    }
    readings
}

/// Writes the readings as CSV (`metric,date,value`, dates as YYYY-MM-DD).
pub fn write_kpis_csv(readings: &[KpiReading], out: impl Write) -> std::io::Result<u64> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(KPI_COLUMNS)?;
    for r in readings {
        let day = r.on.format("%Y-%m-%d").to_string();
        writer.write_record([r.metric, day.as_str(), r.value.to_string().as_str()])?;
    }
    writer.flush()?;
    Ok(readings.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::super::{Generator, Options};
    use super::*;

    #[test]
    fn campaigns_lift_leads_and_the_theme_lifts_calls_a_week_later() {
        let records: Vec<SyntheticRecord> = Generator::new(Options {
            records: 6000,
            seed: 42,
            spike: true,
            shifts: true,
        })
        .collect();
        let readings = weekly(&records, 42);
        assert_eq!(
            readings,
            weekly(&records, 42),
            "the same seed, the same KPIs"
        );
        let series = |metric: &str| -> Vec<f64> {
            readings
                .iter()
                .filter(|r| r.metric == metric)
                .map(|r| r.value)
                .collect()
        };
        let (leads, calls) = (series("lead-volume"), series("complaint-calls"));
        assert_eq!(leads.len(), mondays().len());
        let weeks = mondays();
        let mean = |values: &[f64], pick: &dyn Fn(DateTime<Utc>) -> bool| {
            let chosen: Vec<f64> = values
                .iter()
                .zip(&weeks)
                .filter(|(_, m)| pick(**m))
                .map(|(v, _)| *v)
                .collect();
            chosen.iter().sum::<f64>() / chosen.len() as f64
        };
        let in_campaign = |m| CAMPAIGNS.running(m, 0);
        assert!(mean(&leads, &in_campaign) > mean(&leads, &|m| !in_campaign(m)) + 300.0);
        // Calls rise four weeks after a campaign starts (three to the theme, one more to the
        // calls).
        let calls_wave = |m| CAMPAIGNS.running(m, CAMPAIGNS.lag_weeks + 1);
        let (wave, calm) = (mean(&calls, &calls_wave), mean(&calls, &|m| !calls_wave(m)));
        assert!(
            wave > calm + 20.0,
            "calls {wave:.0} in the wave, {calm:.0} otherwise"
        );
    }
}
