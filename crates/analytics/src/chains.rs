//! Cross-silo chains as hypotheses: which weekly series (a department's KPI, a theme's volume,
//! a stage's score) leads which, by how many weeks, with false-discovery control.
//!
//! The method, for every pair the journey allows (the caller says which) and every lag from 0
//! to [`MAX_LAG_WEEKS`]:
//!
//! 1. **Stationary series.** Each series is differenced (week-on-week change), so that two
//!    series that both merely trend do not look linked, and its annual cycle (one sine and
//!    cosine of 52 weeks, fitted by least squares) is removed when it spans three quarters of a
//!    year or more, so that two
//!    series that both peak at Christmas do not either.
//! 2. **Lagged correlation** of the upstream change at week t with the downstream change at
//!    week t + lag, over the weeks where both are known (at least [`MIN_POINTS`]).
//! 3. **Significance that respects autocorrelation.** Neighbouring weeks are not independent
//!    draws; the test uses the effective sample size of Bretherton et al. (1999),
//!    `n · (1 − r₁ˣ r₁ʸ) / (1 + r₁ˣ r₁ʸ)` with each series' lag-1 autocorrelation, and Fisher's
//!    z: `z = atanh(r) · √(n_eff − 3)`, two-sided normal p-value. The 95% interval of the
//!    correlation is the same z interval transformed back.
//! 4. **Benjamini–Hochberg** over every pair and lag tested: the links kept have q ≤ the
//!    chosen false-discovery rate (default [`DEFAULT_FDR`]). Per pair, the lag with the
//!    strongest kept correlation is the link.
//! 5. **Chains**: kept links joined head to tail along the journey, up to three links.
//!
//! A link is a hypothesis for the council, never called a cause: an unseen third series can
//! lead both.

use serde::Serialize;

use crate::moments::normal_quantile;

/// Lags tried, in weeks: 0 to this.
pub const MAX_LAG_WEEKS: usize = 8;
/// The false-discovery rate links are kept at unless another is asked for.
pub const DEFAULT_FDR: f64 = 0.10;
/// Fewest weeks where both changes are known for a pair and lag to be tested.
pub const MIN_POINTS: usize = 20;
/// Weeks in the annual cycle removed from each series…
const YEAR_WEEKS: f64 = 52.0;
/// …when its changes span at least this many weeks (three quarters of the cycle: enough to
/// tell a cycle from a trend; a year of weekly levels has 51 changes).
const CYCLE_SPAN_WEEKS: f64 = 39.0;

/// A weekly series: one value per week of a common calendar, `None` where unknown.
#[derive(Debug, Clone)]
pub struct Series {
    pub values: Vec<Option<f64>>,
}

/// A lagged association kept after false-discovery control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Link {
    /// Indexes into the series given.
    pub from: usize,
    pub to: usize,
    pub lag_weeks: usize,
    /// The correlation of the changes, with its 95% interval.
    pub strength: f64,
    pub low: f64,
    pub high: f64,
    /// The weeks behind it.
    pub points: usize,
    pub p: f64,
    /// The Benjamini–Hochberg adjusted p-value.
    pub q: f64,
}

/// What [`find_links`] tested and kept.
#[derive(Debug, Clone, Serialize)]
pub struct Links {
    /// Pairs × lags tested.
    pub tested: usize,
    pub fdr: f64,
    /// Per pair, the kept lag with the strongest correlation, strongest first.
    pub links: Vec<Link>,
}

/// The week-on-week changes of a series with its annual cycle removed (see the module).
pub fn stationary(series: &Series) -> Vec<Option<f64>> {
    let v = &series.values;
    let mut diff: Vec<Option<f64>> = vec![None; v.len()];
    for t in 1..v.len() {
        if let (Some(a), Some(b)) = (v[t - 1], v[t]) {
            diff[t] = Some(b - a);
        }
    }
    let known: Vec<usize> = (0..diff.len()).filter(|&t| diff[t].is_some()).collect();
    let span = known.last().zip(known.first()).map_or(0, |(l, f)| l - f);
    if span as f64 >= CYCLE_SPAN_WEEKS && known.len() >= 8 {
        // Least squares on [1, sin, cos] of the week's angle; subtract the fitted cycle (the
        // mean stays, it is a trend in the levels, harmless to a correlation).
        let angle = |t: usize| 2.0 * std::f64::consts::PI * t as f64 / YEAR_WEEKS;
        let mut xtx = [[0.0f64; 3]; 3];
        let mut xty = [0.0f64; 3];
        for &t in &known {
            let row = [1.0, angle(t).sin(), angle(t).cos()];
            let y = diff[t].unwrap_or(0.0);
            for i in 0..3 {
                xty[i] += row[i] * y;
                for j in 0..3 {
                    xtx[i][j] += row[i] * row[j];
                }
            }
        }
        if let Some(beta) = crate::linalg::solve(xtx, xty) {
            for &t in &known {
                if let Some(d) = diff[t].as_mut() {
                    *d -= beta[1] * angle(t).sin() + beta[2] * angle(t).cos();
                }
            }
        }
    }
    diff
}

fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return 0.0;
    }
    sxy / (sxx * syy).sqrt()
}

/// Lag-1 autocorrelation of the known consecutive values.
fn autocorrelation(values: &[Option<f64>]) -> f64 {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for w in values.windows(2) {
        if let (Some(x), Some(y)) = (w[0], w[1]) {
            a.push(x);
            b.push(y);
        }
    }
    if a.len() < 3 {
        0.0
    } else {
        correlation(&a, &b)
    }
}

/// The standard normal distribution function (Abramowitz and Stegun 7.1.26; error < 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs() / std::f64::consts::SQRT_2);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-(x * x) / 2.0).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

/// Tests every allowed (upstream, downstream) pair at lags 0 to [`MAX_LAG_WEEKS`] and keeps the
/// links whose q-value is at most `fdr`.
pub fn find_links(series: &[Series], allowed: impl Fn(usize, usize) -> bool, fdr: f64) -> Links {
    let changes: Vec<Vec<Option<f64>>> = series.iter().map(stationary).collect();
    let rho: Vec<f64> = changes.iter().map(|c| autocorrelation(c)).collect();
    let z95 = normal_quantile(0.975);
    let mut tests: Vec<Link> = Vec::new();
    for from in 0..series.len() {
        for to in 0..series.len() {
            if from == to || !allowed(from, to) {
                continue;
            }
            for lag in 0..=MAX_LAG_WEEKS {
                let (mut x, mut y) = (Vec::new(), Vec::new());
                for t in 0..changes[from].len() {
                    if let (Some(a), Some(Some(b))) = (changes[from][t], changes[to].get(t + lag)) {
                        x.push(a);
                        y.push(*b);
                    }
                }
                if x.len() < MIN_POINTS {
                    continue;
                }
                let r = correlation(&x, &y).clamp(-0.999_999, 0.999_999);
                let product = (rho[from] * rho[to]).clamp(-0.9, 0.9);
                let n_eff = (x.len() as f64 * (1.0 - product) / (1.0 + product)).max(4.0);
                let se = 1.0 / (n_eff - 3.0).sqrt();
                let z = r.atanh();
                let p = 2.0 * (1.0 - normal_cdf((z / se).abs()));
                tests.push(Link {
                    from,
                    to,
                    lag_weeks: lag,
                    strength: r,
                    low: (z - z95 * se).tanh(),
                    high: (z + z95 * se).tanh(),
                    points: x.len(),
                    p,
                    q: 1.0,
                });
            }
        }
    }
    let q = benjamini_hochberg(&tests.iter().map(|t| t.p).collect::<Vec<_>>());
    for (t, q) in tests.iter_mut().zip(q) {
        t.q = q;
    }
    let tested = tests.len();
    let mut best: Vec<Link> = Vec::new();
    for t in tests.into_iter().filter(|t| t.q <= fdr) {
        match best.iter_mut().find(|b| b.from == t.from && b.to == t.to) {
            Some(b) if b.strength.abs() >= t.strength.abs() => {}
            Some(b) => *b = t,
            None => best.push(t),
        }
    }
    best.sort_by(|a, b| b.strength.abs().total_cmp(&a.strength.abs()));
    Links {
        tested,
        fdr,
        links: best,
    }
}

/// The kept links joined head to tail into chains of up to three links, longest first; a link
/// or chain inside a longer one is not repeated.
pub fn chains(links: &[Link]) -> Vec<Vec<Link>> {
    let mut paths: Vec<Vec<Link>> = links.iter().map(|l| vec![*l]).collect();
    for _ in 0..2 {
        let mut longer = Vec::new();
        for path in &paths {
            let last = path[path.len() - 1];
            for next in links.iter().filter(|l| l.from == last.to) {
                if path.iter().any(|p| p.from == next.to) {
                    continue;
                }
                let mut p = path.clone();
                p.push(*next);
                longer.push(p);
            }
        }
        paths.extend(longer);
    }
    paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut kept: Vec<Vec<Link>> = Vec::new();
    for path in paths {
        let inside = kept.iter().any(|k| {
            k.windows(path.len()).any(|w| {
                w.iter()
                    .zip(&path)
                    .all(|(a, b)| a.from == b.from && a.to == b.to)
            })
        });
        if !inside {
            kept.push(path);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn walk(rng: &mut SplitMix64, weeks: usize, trend: f64, season: f64) -> Vec<f64> {
        let phase = rng.unit() * 6.3;
        let mut level = 100.0;
        (0..weeks)
            .map(|t| {
                level += trend + rng.normal();
                level + season * (2.0 * std::f64::consts::PI * t as f64 / 52.0 + phase).sin()
            })
            .collect()
    }

    fn series(values: Vec<f64>) -> Series {
        Series {
            values: values.into_iter().map(Some).collect(),
        }
    }

    #[test]
    fn a_planted_chain_is_found_with_its_order_and_lags() {
        let mut rng = SplitMix64::new(7);
        let weeks = 78;
        let leads = walk(&mut rng, weeks, 0.3, 3.0);
        // The theme follows the leads' changes three weeks later, complaint calls the theme's
        // one week after that; an unrelated KPI wanders on its own.
        let mut theme = vec![50.0; weeks];
        let mut calls = vec![20.0; weeks];
        for t in 1..weeks {
            let push = if t >= 3 {
                leads[t - 2] - leads[t - 3]
            } else {
                0.0
            };
            theme[t] = theme[t - 1] + 0.9 * push + 0.4 * rng.normal();
            let push = theme[t - 1] - theme[t.saturating_sub(2)];
            calls[t] = calls[t - 1] + 0.9 * push + 0.4 * rng.normal();
        }
        let other = walk(&mut rng, weeks, -0.2, 2.0);
        let all = vec![series(leads), series(theme), series(calls), series(other)];
        let found = find_links(&all, |a, b| a < b || b == 3, DEFAULT_FDR);
        let link = |from, to| found.links.iter().find(|l| l.from == from && l.to == to);
        let first = link(0, 1).expect("leads → theme");
        assert!((2..=4).contains(&first.lag_weeks), "{first:?}");
        assert!(first.strength > 0.5 && first.low > 0.0 && first.q <= 0.1);
        let second = link(1, 2).expect("theme → calls");
        assert!(second.lag_weeks <= 2, "{second:?}");
        assert!(
            link(0, 3).is_none() && link(1, 3).is_none(),
            "{:?}",
            found.links
        );
        let chains = chains(&found.links);
        assert!(
            chains
                .iter()
                .any(|c| c.len() >= 2 && c[0].from == 0 && c[0].to == 1 && c[1].to == 2),
            "{chains:?}"
        );
    }

    #[test]
    fn independent_series_give_no_chain_in_at_least_90_of_100_datasets() {
        let mut clean = 0;
        for seed in 0..100u64 {
            let mut rng = SplitMix64::new(1000 + seed);
            let all: Vec<Series> = (0..6)
                .map(|i| series(walk(&mut rng, 52, 0.5 - 0.2 * i as f64, 4.0)))
                .collect();
            let found = find_links(&all, |a, b| a < b, DEFAULT_FDR);
            if found.links.is_empty() {
                clean += 1;
            }
        }
        assert!(clean >= 90, "{clean} of 100 datasets without a false link");
    }

    #[test]
    fn benjamini_hochberg_matches_a_worked_example() {
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.2]);
        // Sorted: 0.01·4/1, 0.03·4/2, 0.04·4/3, 0.2·4/4, made monotone from the largest down.
        let expected = [0.04, 0.16 / 3.0, 0.16 / 3.0, 0.2];
        for (a, b) in q.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
    }
}
