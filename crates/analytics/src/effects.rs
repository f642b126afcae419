//! "Did it work?": the change in a weekly series after an initiative started, against what the
//! series would have done without it — an **interrupted time series** with the series' own
//! trend as the counterfactual, and, where a comparison series exists (the same measure where
//! the initiative does not reach), a **difference-in-differences** of the two.
//!
//! The method, on weekly values (`None` where a week has too little behind it):
//!
//! 1. With a comparison, the series studied is the weekly difference between the treated and
//!    the comparison series (weeks where both are known): what moves both — the season, a
//!    company-wide event — cancels out.
//! 2. When the weeks before span a year or more (at least [`MIN_WEEKS_FOR_SEASON`] of them), the
//!    counterfactual is their trend and annual cycle (one sine and cosine of 52 weeks) fitted
//!    together and carried forward, so that a start in a season's low is not taken for an
//!    effect. Otherwise it is a straight line fitted by least squares to the weeks before the
//!    start, carried over the weeks after it — when those weeks show a trend: at least
//!    [`MIN_WEEKS_FOR_TREND`] of them and a slope at least twice its standard error (with the
//!    autocorrelation below). Otherwise it is their mean, flat: a slope the weeks before do not
//!    clearly show, carried half a year forward, would be mostly noise.
//! 3. The effect is the mean of the weeks after the start minus the counterfactual's mean over
//!    the same weeks.
//! 4. Its uncertainty has two parts: the noise of the weeks after (the residual variance of the
//!    fit over their number) and the uncertainty of the line carried forward (its standard
//!    error at the after-weeks' mean time). Neighbouring weeks are not independent draws: both
//!    are inflated by `(1 + ρ) / (1 − ρ)`, with ρ the before-weeks' residual lag-1
//!    autocorrelation (0 to 0.9). The 95% interval uses Student's t with the fit's degrees of
//!    freedom.
//!
//! It is evidence for the council, not proof: another change at the same time would show the
//! same way, which the comparison series guards against only where the initiative's reach is
//! narrower than the company.

use serde::Serialize;

use crate::moments::t_quantile;

/// Fewest weeks before the start for a measure.
pub const MIN_WEEKS_BEFORE: usize = 6;
/// Fewest weeks after the start.
pub const MIN_WEEKS_AFTER: usize = 3;
/// From this many weeks before the start the counterfactual follows their trend; with fewer it
/// is their mean.
pub const MIN_WEEKS_FOR_TREND: usize = 12;
/// From this many weeks before the start, spanning a year, it also follows their annual cycle.
pub const MIN_WEEKS_FOR_SEASON: usize = 40;

/// A measured change with its interval and the weeks behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Change {
    /// The mean of the weeks before the start and after it (of the difference series when
    /// compared).
    pub before: f64,
    pub after: f64,
    /// What the weeks after would have averaged by the counterfactual.
    pub expected: f64,
    /// `after − expected`, with its 95% interval.
    pub effect: f64,
    pub low: f64,
    pub high: f64,
    pub weeks_before: usize,
    pub weeks_after: usize,
    /// Whether the counterfactual carries the before-weeks' trend (else their mean).
    pub trend: bool,
    /// Whether it also carries their annual cycle (a year or more of weeks before the start).
    pub seasonal: bool,
}

impl Change {
    /// Whether the interval leaves zero out.
    pub fn is_clear(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

/// A week's value and its weight: how many observations are behind it (records for a share or
/// a mean of records, answers for NPS, 1 for a KPI reading). Weeks are weighted by it, so a
/// week of five records counts for less than a week of sixty.
pub type Point = (f64, f64);

/// The change in `series` from week `start` on (see the module), against `comparison` when
/// given. `None` with fewer than [`MIN_WEEKS_BEFORE`] known weeks before or
/// [`MIN_WEEKS_AFTER`] after.
///
/// Least squares are weighted by the weeks' weights (a week's noise is taken to shrink with the
/// square root of what is behind it); with a comparison, a week's weight is that of a
/// difference, `1 / (1/wᵃ + 1/wᵇ)`.
pub fn interrupted(
    series: &[Option<Point>],
    comparison: Option<&[Option<Point>]>,
    start: usize,
) -> Option<Change> {
    let point = |t: usize| -> Option<(f64, f64, f64)> {
        let (y, w) = series.get(t).copied().flatten()?;
        let (y, w) = match comparison {
            Some(c) => {
                let (yc, wc) = c.get(t).copied().flatten()?;
                (y - yc, 1.0 / (1.0 / w + 1.0 / wc))
            }
            None => (y, w),
        };
        (w > 0.0 && w.is_finite()).then_some((t as f64, y, w))
    };
    let before: Vec<(f64, f64, f64)> = (0..start.min(series.len())).filter_map(point).collect();
    let after: Vec<(f64, f64, f64)> = (start..series.len()).filter_map(point).collect();
    if before.len() < MIN_WEEKS_BEFORE || after.len() < MIN_WEEKS_AFTER {
        return None;
    }
    let span = before.last().map_or(0.0, |l| l.0) - before.first().map_or(0.0, |f| f.0);
    if span >= YEAR_WEEKS
        && before.len() >= MIN_WEEKS_FOR_SEASON
        && let Some(change) = seasonal(&before, &after)
    {
        return Some(change);
    }
    // Weighted means of the weeks and the values, and the total weight.
    let means = |points: &[(f64, f64, f64)]| {
        let total: f64 = points.iter().map(|p| p.2).sum();
        let t = points.iter().map(|p| p.2 * p.0).sum::<f64>() / total;
        let y = points.iter().map(|p| p.2 * p.1).sum::<f64>() / total;
        (t, y, total)
    };
    let (t_before, y_before, w_before) = means(&before);
    let (t_after, y_after, w_after) = means(&after);
    let sxx: f64 = before.iter().map(|p| p.2 * (p.0 - t_before).powi(2)).sum();
    let fitted_slope = if sxx > 0.0 {
        before
            .iter()
            .map(|p| p.2 * (p.0 - t_before) * (p.1 - y_before))
            .sum::<f64>()
            / sxx
    } else {
        0.0
    };
    // The variance of a unit of weight around a line of `slope`, and the inflation for the
    // standardised residuals' lag-1 autocorrelation.
    let spread = |slope: f64, df: f64| {
        let residuals: Vec<f64> = before
            .iter()
            .map(|p| p.2.sqrt() * (p.1 - y_before - slope * (p.0 - t_before)))
            .collect();
        spread_of(&residuals, df)
    };
    let with_trend = spread(fitted_slope, (before.len() - 2) as f64);
    let trend = before.len() >= MIN_WEEKS_FOR_TREND
        && sxx > 0.0
        && fitted_slope.abs() >= 2.0 * (with_trend.0 * with_trend.1 / sxx).sqrt();
    let slope = if trend { fitted_slope } else { 0.0 };
    let df = (before.len() - if trend { 2 } else { 1 }) as f64;
    let (variance, inflation) = if trend { with_trend } else { spread(0.0, df) };
    let expected = y_before + slope * (t_after - t_before);
    let carried = if trend {
        1.0 / w_before + (t_after - t_before).powi(2) / sxx
    } else {
        1.0 / w_before
    };
    let standard_error = (variance * inflation * (1.0 / w_after + carried)).sqrt();
    let half = t_quantile(0.975, df) * standard_error;
    let effect = y_after - expected;
    Some(Change {
        before: y_before,
        after: y_after,
        expected,
        effect,
        low: effect - half,
        high: effect + half,
        weeks_before: before.len(),
        weeks_after: after.len(),
        trend,
        seasonal: false,
    })
}

/// Weeks in the annual cycle.
const YEAR_WEEKS: f64 = 52.0;

/// The variance of a unit of weight from standardised residuals with `df` degrees of freedom,
/// and the inflation `(1 + ρ)/(1 − ρ)` for their lag-1 autocorrelation ρ (0 to 0.9).
fn spread_of(residuals: &[f64], df: f64) -> (f64, f64) {
    let squares: f64 = residuals.iter().map(|r| r * r).sum();
    let pairs: f64 = residuals.windows(2).map(|w| w[0] * w[1]).sum();
    let rho = if squares > 0.0 {
        (pairs / squares).clamp(0.0, 0.9)
    } else {
        0.0
    };
    (squares / df, (1.0 + rho) / (1.0 - rho))
}

/// The counterfactual of weeks before the start that span a year or more: their trend and
/// their annual cycle (one sine and cosine of 52 weeks), fitted together by weighted least
/// squares and carried over the weeks after. The effect's variance is the noise of the weeks
/// after plus the fit's at the after-weeks' mean regressors, `xᵀ (XᵀWX)⁻¹ x`, inflated for
/// autocorrelation as in the level-and-trend case.
fn seasonal(before: &[(f64, f64, f64)], after: &[(f64, f64, f64)]) -> Option<Change> {
    const K: usize = 4;
    let row = |t: f64| {
        let angle = 2.0 * std::f64::consts::PI * t / YEAR_WEEKS;
        [1.0, t, angle.sin(), angle.cos()]
    };
    let mut xtx = [[0.0; K]; K];
    let mut xty = [0.0; K];
    for &(t, y, w) in before {
        let x = row(t);
        for i in 0..K {
            xty[i] += w * x[i] * y;
            for j in 0..K {
                xtx[i][j] += w * x[i] * x[j];
            }
        }
    }
    let beta = crate::linalg::solve(xtx, xty)?;
    let fitted = |t: f64| row(t).iter().zip(&beta).map(|(x, b)| x * b).sum::<f64>();
    let residuals: Vec<f64> = before
        .iter()
        .map(|&(t, y, w)| w.sqrt() * (y - fitted(t)))
        .collect();
    let df = (before.len() - K) as f64;
    let (variance, inflation) = spread_of(&residuals, df);
    let total = |points: &[(f64, f64, f64)]| points.iter().map(|p| p.2).sum::<f64>();
    let (w_before, w_after) = (total(before), total(after));
    let mean_of =
        |points: &[(f64, f64, f64)], w: f64| points.iter().map(|p| p.2 * p.1).sum::<f64>() / w;
    // The after-weeks' weighted mean regressors, and the fit's variance there.
    let mut x_after = [0.0; K];
    for &(t, _, w) in after {
        for (m, x) in x_after.iter_mut().zip(row(t)) {
            *m += w * x / w_after;
        }
    }
    let solved = crate::linalg::solve(xtx, x_after)?;
    let carried: f64 = x_after.iter().zip(&solved).map(|(a, b)| a * b).sum();
    let expected: f64 = x_after.iter().zip(&beta).map(|(x, b)| x * b).sum();
    let y_after = mean_of(after, w_after);
    let standard_error = (variance * inflation * (1.0 / w_after + carried)).sqrt();
    let half = t_quantile(0.975, df) * standard_error;
    let effect = y_after - expected;
    Some(Change {
        before: mean_of(before, w_before),
        after: y_after,
        expected,
        effect,
        low: effect - half,
        high: effect + half,
        weeks_before: before.len(),
        weeks_after: after.len(),
        trend: true,
        seasonal: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn noisy(weeks: usize, seed: u64, level: impl Fn(usize) -> f64) -> Vec<Option<Point>> {
        let mut rng = SplitMix64::new(seed);
        (0..weeks)
            .map(|t| Some((level(t) + rng.normal(), 1.0)))
            .collect()
    }

    #[test]
    fn a_drop_after_the_start_is_found_with_an_interval_below_zero() {
        let series = noisy(52, 1, |t| if t >= 30 { 7.0 } else { 10.0 });
        let change = interrupted(&series, None, 30).unwrap();
        assert!(change.high < 0.0, "{change:?}");
        assert!((change.effect + 3.0).abs() < 1.2, "{change:?}");
        assert_eq!((change.weeks_before, change.weeks_after), (30, 22));
        assert!(!change.trend, "level before: no trend carried forward");
    }

    #[test]
    fn a_trend_that_merely_goes_on_is_no_effect() {
        // Falling steadily all year: the weeks after are lower than before, as the trend says.
        let mut clear = 0;
        for seed in 0..100 {
            let series = noisy(52, seed, |t| 40.0 - 0.5 * t as f64);
            let change = interrupted(&series, None, 30).unwrap();
            assert!(change.after < change.before - 8.0);
            assert!(change.trend, "the trend before is carried forward");
            clear += usize::from(change.is_clear());
        }
        // A 95% interval leaves zero out about five times in a hundred by chance.
        assert!(clear <= 12, "{clear} false effects in 100");
    }

    #[test]
    fn a_comparison_series_cancels_what_moves_both() {
        // A company-wide dip after week 30 moves both; only the treated series is lifted.
        let dip = |t: usize| if t >= 30 { -4.0 } else { 0.0 };
        let treated = noisy(52, 3, |t| 10.0 + dip(t) + if t >= 30 { 2.0 } else { 0.0 });
        let comparison = noisy(52, 4, |t| 5.0 + dip(t));
        let alone = interrupted(&treated, None, 30).unwrap();
        assert!(alone.high < 0.0, "alone, the dip hides the lift: {alone:?}");
        let compared = interrupted(&treated, Some(&comparison), 30).unwrap();
        assert!(compared.low > 0.0, "{compared:?}");
        assert!((compared.effect - 2.0).abs() < 1.5, "{compared:?}");
    }

    #[test]
    fn a_week_with_little_behind_it_counts_for_little() {
        // A share: the first weeks, with only a few records, happen to be high; weighted by
        // their records they do not make a trend, and the drop after the start is found.
        let mut rng = SplitMix64::new(9);
        let series: Vec<Option<Point>> = (0..52)
            .map(|t| {
                let records = if t < 2 { 6.0 } else { 60.0 };
                let share = if t >= 30 { 1.0 } else { 4.0 };
                let noisy = share + rng.normal() * 20.0 / f64::sqrt(records);
                Some((if t < 2 { 14.0 } else { noisy.max(0.0) }, records))
            })
            .collect();
        let change = interrupted(&series, None, 30).unwrap();
        assert!(!change.trend, "{change:?}");
        assert!(change.high < 0.0, "{change:?}");
    }

    #[test]
    fn a_year_and_more_before_the_start_carries_the_season() {
        // Two years with a strong annual cycle; the start falls as the season turns down.
        let season = |t: usize| 10.0 + 5.0 * (2.0 * std::f64::consts::PI * t as f64 / 52.0).sin();
        let mut clear = 0;
        for seed in 0..100 {
            let series = noisy(104, seed, season);
            let change = interrupted(&series, None, 70).unwrap();
            assert!(change.seasonal, "{change:?}");
            clear += usize::from(change.is_clear());
        }
        assert!(clear <= 12, "{clear} false effects in 100 seasonal series");
        let dropped = noisy(104, 7, |t| season(t) - if t >= 70 { 3.0 } else { 0.0 });
        let change = interrupted(&dropped, None, 70).unwrap();
        assert!(change.high < 0.0, "{change:?}");
        assert!((change.effect + 3.0).abs() < 1.5, "{change:?}");
    }

    #[test]
    fn too_few_weeks_is_no_measure() {
        let series = noisy(10, 5, |_| 1.0);
        assert!(interrupted(&series, None, 4).is_none());
        assert!(interrupted(&series, None, 8).is_none());
        let mut gappy = noisy(40, 6, |_| 1.0);
        for v in gappy.iter_mut().take(30).skip(3) {
            *v = None;
        }
        assert!(interrupted(&gappy, None, 30).is_none());
    }
}
