//! The demo's files — synthetic feedback, the customers' histories and the departments' weekly
//! KPIs — and where in time they lie. The planted story runs over twelve fixed months
//! ([`synthetic::PERIOD_END`]); the demo moves all of it, by whole weeks (the KPIs stay on
//! Mondays), so that the data ends where asked: by default a week before today, so that "the
//! last 30 days", this month's digests and the council's recent weeks have something to show.

use std::path::Path;

use anyhow::Context;
use chrono::Duration;
use throughline_analytics::synthetic;
use throughline_domain::action::Date;

/// Whole weeks, in days, that move the planted data to end on `end` or within the six days
/// before it (0 when `end` is the planted end).
pub fn shift_to(end: &Date) -> i64 {
    let planted_end = planted_day(synthetic::PERIOD_END, 0);
    (end.day_number() - planted_end.day_number()).div_euclid(7) * 7
}

/// The demo's default end: a week before today, so that the data runs up to last week.
pub fn default_end() -> Date {
    Date::today().plus_days(-7)
}

/// `--end` as given, else `default`; a wrong day says so.
pub fn end_of(given: Option<&str>, default: Date) -> anyhow::Result<Date> {
    given.map_or(Ok(default), |day| {
        Date::parse(day).map_err(|e| anyhow::anyhow!("--end: {e}"))
    })
}

/// A planted day (`(year, month, day)` of [`synthetic`]) moved by `shift` days.
pub fn planted_day(ymd: (i32, u32, u32), shift: i64) -> Date {
    let (y, m, d) = ymd;
    Date::parse(&format!("{y:04}-{m:02}-{d:02}"))
        .expect("a valid date")
        .plus_days(shift)
}

/// The generated records of `records` and `seed` as the planted months hold them.
pub fn generated(records: u64, seed: u64) -> Vec<synthetic::SyntheticRecord> {
    synthetic::Generator::new(synthetic::Options {
        records,
        seed,
        spike: true,
        shifts: true,
    })
    .collect()
}

fn create(path: &Path) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(std::io::BufWriter::new(file))
}

/// The synthetic feedback, moved by `shift` days.
pub fn write_feedback(path: &Path, records: u64, seed: u64, shift: i64) -> anyhow::Result<u64> {
    let moved = generated(records, seed).into_iter().map(|mut r| {
        r.received_at += Duration::days(shift);
        r
    });
    synthetic::write_records_csv(moved, create(path)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The weekly department KPIs beside the feedback of `records` and `seed`, with the planted
/// chain (docs/demo-data.md), moved by `shift` days like the feedback.
pub fn write_kpis(path: &Path, records: u64, seed: u64, shift: i64) -> anyhow::Result<u64> {
    let mut readings = synthetic::kpis::weekly(&generated(records, seed), seed);
    for reading in &mut readings {
        reading.on += Duration::days(shift);
    }
    synthetic::kpis::write_kpis_csv(&readings, create(path)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The histories of the customers of the feedback of `records` and `seed`, with the planted
/// moments of truth (docs/demo-data.md), moved by `shift` days like the feedback.
pub fn write_events(path: &Path, records: u64, seed: u64, shift: i64) -> anyhow::Result<u64> {
    let mut events = synthetic::histories::histories(&generated(records, seed), seed);
    for event in &mut events {
        event.at += Duration::days(shift);
    }
    synthetic::histories::write_events_csv(&events, create(path)?)
        .with_context(|| format!("cannot write {}", path.display()))
}
