//! Theme volume and sentiment over time, and alerts on significant rises.
//!
//! **Spike rule.** For each theme and period, the count of records with the theme is compared
//! with what the theme's share in all *other* periods predicts for this period's number of
//! records. Under "no change" the count is binomial; the one-sided p-value is the exact
//! binomial tail `P(X ≥ count)`. An alert fires when the p-value is below `0.01 / m`, where `m`
//! is the number of (theme, period) pairs tested — a Bonferroni correction, so that the chance
//! of *any* false alarm in a whole report is at most 1% — and the rise is also material: at
//! least [`MIN_SPIKE_COUNT`] records and at least 1.5 times the expected count.

use chrono::{DateTime, Datelike};
use serde::Serialize;

/// Family-wise false-alarm rate of one spike report.
pub const FALSE_ALARM_RATE: f64 = 0.01;
/// A spike needs at least this many records…
pub const MIN_SPIKE_COUNT: u64 = 5;
/// …and at least this multiple of the expected count.
pub const MIN_SPIKE_RATIO: f64 = 1.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// ISO weeks, `2026-W23`.
    Week,
    /// Calendar months (UTC), `2026-06`.
    Month,
}

impl Period {
    /// The period holding a time given in epoch milliseconds.
    pub fn key(self, millis: i64) -> String {
        self.label(self.bucket(millis))
    }

    /// The period holding a time, as a number: cheap to compute and compare for a million
    /// records, written out once per period by [`Period::label`].
    fn bucket(self, millis: i64) -> i64 {
        let at = DateTime::from_timestamp_millis(millis).unwrap_or_default();
        match self {
            Self::Week => {
                let week = at.iso_week();
                i64::from(week.year()) * 64 + i64::from(week.week())
            }
            Self::Month => i64::from(at.year()) * 12 + i64::from(at.month0()),
        }
    }

    /// A [`Period::bucket`] written out: `2026-W23`, `2026-06`.
    fn label(self, bucket: i64) -> String {
        match self {
            Self::Week => format!("{}-W{:02}", bucket.div_euclid(64), bucket.rem_euclid(64)),
            Self::Month => format!("{}-{:02}", bucket.div_euclid(12), bucket.rem_euclid(12) + 1),
        }
    }

    /// Each record's period, by its index in `millis`, and the periods themselves in the order
    /// of their labels.
    pub(crate) fn group(self, millis: impl Iterator<Item = i64>) -> (Vec<usize>, Vec<String>) {
        let buckets: Vec<i64> = millis.map(|m| self.bucket(m)).collect();
        let mut distinct = buckets.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let mut labelled: Vec<(String, i64)> =
            distinct.iter().map(|&b| (self.label(b), b)).collect();
        // Label order, as periods have always been listed (the same as time order for years
        // of four digits).
        labelled.sort();
        let index: std::collections::HashMap<i64, usize> = labelled
            .iter()
            .enumerate()
            .map(|(i, (_, b))| (*b, i))
            .collect();
        (
            buckets.iter().map(|b| index[b]).collect(),
            labelled.into_iter().map(|(label, _)| label).collect(),
        )
    }
}

/// One record, for trends: when, its themes, its sentiment.
#[derive(Debug, Clone, Copy)]
pub struct Dated<'a> {
    pub at_millis: i64,
    pub themes: &'a [usize],
    pub sentiment: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodPoint {
    pub period: String,
    /// Records with the theme in the period.
    pub count: u64,
    /// Share of all the period's records.
    pub share: f64,
    /// Mean sentiment of the theme's records in the period (0 when there are none).
    pub sentiment: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeTrend {
    pub theme: usize,
    pub points: Vec<PeriodPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spike {
    pub theme: usize,
    pub period: String,
    pub count: u64,
    pub expected: f64,
    pub p_value: f64,
}

/// The records per period (in order) and, per theme, its points.
pub fn trends(
    records: &[Dated<'_>],
    themes: usize,
    period: Period,
) -> (Vec<(String, u64)>, Vec<ThemeTrend>) {
    let (period_of, periods) = period.group(records.iter().map(|r| r.at_millis));
    let mut totals = vec![0u64; periods.len()];
    // (count, sentiment sum) per theme and period.
    let mut per_theme = vec![vec![(0u64, 0.0); periods.len()]; themes];
    for (r, &p) in records.iter().zip(&period_of) {
        totals[p] += 1;
        let mut seen: Vec<usize> = r.themes.iter().copied().filter(|t| *t < themes).collect();
        seen.sort_unstable();
        seen.dedup();
        for t in seen {
            let entry = &mut per_theme[t][p];
            entry.0 += 1;
            entry.1 += r.sentiment;
        }
    }
    let trends = per_theme
        .into_iter()
        .enumerate()
        .map(|(theme, counts)| ThemeTrend {
            theme,
            points: periods
                .iter()
                .zip(&totals)
                .zip(counts)
                .map(|((p, &total), (count, sentiment_sum))| PeriodPoint {
                    period: p.clone(),
                    count,
                    share: count as f64 / total as f64,
                    sentiment: if count > 0 {
                        sentiment_sum / count as f64
                    } else {
                        0.0
                    },
                })
                .collect(),
        })
        .collect();
    (periods.into_iter().zip(totals).collect(), trends)
}

/// Significant rises (see the module's rule), strongest first.
pub fn spikes(totals: &[(String, u64)], trends: &[ThemeTrend]) -> Vec<Spike> {
    let tests = (totals.len() * trends.len()).max(1) as f64;
    let threshold = FALSE_ALARM_RATE / tests;
    let all: u64 = totals.iter().map(|(_, n)| n).sum();
    let mut found = Vec::new();
    for trend in trends {
        let theme_total: u64 = trend.points.iter().map(|p| p.count).sum();
        for (point, (_, n)) in trend.points.iter().zip(totals) {
            let other_records = all - n;
            if other_records == 0 {
                continue;
            }
            let rate = (theme_total - point.count) as f64 / other_records as f64;
            let expected = rate * *n as f64;
            if point.count < MIN_SPIKE_COUNT || (point.count as f64) < MIN_SPIKE_RATIO * expected {
                continue;
            }
            let p_value = binomial_upper_tail(*n, rate, point.count);
            if p_value < threshold {
                found.push(Spike {
                    theme: trend.theme,
                    period: point.period.clone(),
                    count: point.count,
                    expected,
                    p_value,
                });
            }
        }
    }
    found.sort_by(|a, b| a.p_value.total_cmp(&b.p_value).then(a.theme.cmp(&b.theme)));
    found
}

/// `P(X ≥ k)` for `X ~ Binomial(n, p)`, summed in log space.
pub fn binomial_upper_tail(n: u64, p: f64, k: u64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (ln_p, ln_q) = (p.ln(), (1.0 - p).ln());
    let ln_pmf = |i: u64| {
        ln_factorial(n) - ln_factorial(i) - ln_factorial(n - i)
            + i as f64 * ln_p
            + (n - i) as f64 * ln_q
    };
    let first = ln_pmf(k);
    let mut sum = 0.0;
    for i in k..=n {
        let term = (ln_pmf(i) - first).exp();
        sum += term;
        if term < 1e-17 * sum && i as f64 > n as f64 * p {
            break;
        }
    }
    (first + sum.ln()).exp().min(1.0)
}

/// `ln(n!)`: exact sums for small n, Stirling's series beyond.
fn ln_factorial(n: u64) -> f64 {
    if n < 64 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    let x = n as f64;
    x * x.ln() - x + 0.5 * (std::f64::consts::TAU * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
        + 1.0 / (1260.0 * x.powi(5))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{Generator, Options, SPIKE, SyntheticRecord, THEMES};

    #[test]
    fn binomial_tails_are_exact_enough() {
        // P(X ≥ 8) for Binomial(10, 0.5) = 56/1024.
        assert!((binomial_upper_tail(10, 0.5, 8) - 56.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_upper_tail(10, 0.5, 0), 1.0);
        assert!((ln_factorial(100) - 363.739_375_555_563_5).abs() < 1e-9);
    }

    fn report(spike: bool, seed: u64) -> Vec<(String, String)> {
        let data: Vec<_> = Generator::new(Options {
            records: 12_000,
            seed,
            spike,
            // The campaigns' waves and the fix's level shift are changes over time of another
            // kind (docs/demo-data.md); this test is about the spike alone.
            shifts: false,
        })
        .collect();
        let themes: Vec<Vec<usize>> = data.iter().map(SyntheticRecord::theme_indices).collect();
        let records: Vec<Dated> = data
            .iter()
            .zip(&themes)
            .map(|(r, t)| Dated {
                at_millis: r.received_at.timestamp_millis(),
                themes: t,
                sentiment: 0.0,
            })
            .collect();
        let (totals, trends) = trends(&records, THEMES.len(), Period::Month);
        assert_eq!(totals.len(), 12, "twelve months");
        spikes(&totals, &trends)
            .into_iter()
            .map(|s| (THEMES[s.theme].key.to_owned(), s.period))
            .collect()
    }

    #[test]
    fn the_planted_spike_is_found_and_nothing_else() {
        let found = report(true, 21);
        assert_eq!(
            found,
            [(
                SPIKE.theme.to_owned(),
                format!("{}-{:02}", SPIKE.year, SPIKE.month)
            )]
        );
    }

    #[test]
    fn data_without_a_spike_raises_no_alarm() {
        for seed in [1, 2, 3, 4, 5] {
            assert_eq!(report(false, seed), [], "seed {seed}");
        }
    }

    #[test]
    fn periods_are_iso_weeks_and_calendar_months() {
        let millis = 1_772_582_400_000; // 2026-03-04
        assert_eq!(Period::Month.key(millis), "2026-03");
        assert_eq!(Period::Week.key(millis), "2026-W10");
    }
}
