//! How much each theme moves the overall score, and the Top Ten.
//!
//! Two measures per theme, each with a 95% bootstrap interval (percentiles of 200 seeded
//! Poisson-bootstrap replicates):
//!
//! - **cost** — the overall score minus the score of the records *without* the theme: how many
//!   points of NPS (or of mean rating) the theme costs the organisation as it is now. It grows
//!   with how often the theme comes up and with how much it hurts.
//! - **effect** — the theme's coefficient in a least-squares regression of each record's answer
//!   (0–10 for NPS, the rating otherwise) on indicators of all themes at once: the points one
//!   record loses when it has the theme, with the other themes held fixed. It separates themes
//!   that travel together ("late delivery" with "no updates"). A light ridge penalty keeps it
//!   defined when every record has a theme; effects then read as differences from the average.
//!
//! **The Top Ten rule** — a theme qualifies when it has at least [`MIN_SUPPORT`] scored records
//! and its effect is significantly negative (the whole 95% interval below zero). Qualifying
//! themes are ranked by cost, most costly first (ties: the stronger effect first); the first ten
//! are the Top Ten.

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// Fewer scored records than this and a theme cannot enter the Top Ten.
pub const MIN_SUPPORT: u64 = 30;
/// Bootstrap resamples for the intervals.
pub const BOOTSTRAP_RESAMPLES: usize = 200;

/// One scored record and its themes.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The NPS answer (0–10) or the rating.
    pub score: f64,
    /// Distinct theme ids.
    pub themes: &'a [usize],
}

/// Which overall score the cost is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Scores are 0–10 answers; the overall score is the NPS (−100 … 100).
    Nps,
    /// The overall score is the mean.
    Mean,
}

impl Metric {
    /// The name as the summary and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nps => "nps",
            Self::Mean => "mean",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeImpact {
    pub theme: usize,
    /// Scored records with the theme.
    pub support: u64,
    pub share: f64,
    /// The score of the records with the theme, and of those without it.
    pub with: f64,
    pub without: f64,
    /// Overall score minus the score without the theme (negative: the theme pulls it down).
    pub cost: Interval,
    /// Regression coefficient: points per record with the theme.
    pub effect: Interval,
}

impl ThemeImpact {
    /// Whether the theme meets the Top Ten rule's support and significance conditions.
    pub fn qualifies(&self) -> bool {
        self.support >= MIN_SUPPORT && self.effect.high < 0.0
    }
}

/// The contribution of one answer to the overall score's sum.
fn contribution(metric: Metric, score: f64) -> f64 {
    match metric {
        Metric::Nps if score >= 9.0 => 100.0,
        Metric::Nps if score <= 6.0 => -100.0,
        Metric::Nps => 0.0,
        Metric::Mean => score,
    }
}

/// What one sample says about each theme.
struct Measures {
    costs: Vec<f64>,
    effects: Vec<f64>,
    /// Per theme: score with the theme, score without it, records with it.
    by_theme: Vec<(f64, f64, u64)>,
}

/// Records that are alike for the measures — the same answer and the same themes — counted
/// together: a million records reduce to a few thousand groups.
#[derive(Debug)]
struct Group {
    score: f64,
    themes: Vec<usize>,
    count: f64,
}

fn group(observations: &[Observation<'_>], themes: usize) -> Vec<Group> {
    let mut index: std::collections::HashMap<(u64, Vec<usize>), usize> =
        std::collections::HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for o in observations {
        // Themes are distinct within a record (as assignments are); ids beyond range are ignored.
        let mut present: Vec<usize> = o.themes.iter().copied().filter(|t| *t < themes).collect();
        present.sort_unstable();
        let key = (o.score.to_bits(), present);
        match index.get(&key) {
            Some(&g) => groups[g].count += 1.0,
            None => {
                index.insert(key.clone(), groups.len());
                groups.push(Group {
                    score: o.score,
                    themes: key.1,
                    count: 1.0,
                });
            }
        }
    }
    groups
}

/// Costs and effects for one sample: the groups, each weighted (its count for the data itself,
/// a resampled count for a bootstrap replicate).
fn measure(groups: &[Group], weights: &[f64], themes: usize, metric: Metric) -> Measures {
    let (mut total, mut count) = (0.0, 0.0);
    let mut with = vec![(0.0, 0.0); themes];
    // Normal equations for [1, indicators…]: XᵀX is (themes + 1)², filled sparsely.
    let k = themes + 1;
    let mut xtx = vec![0.0; k * k];
    let mut xty = vec![0.0; k];
    for (g, &w) in groups.iter().zip(weights) {
        if w == 0.0 {
            continue;
        }
        let c = contribution(metric, g.score);
        total += c * w;
        count += w;
        xtx[0] += w;
        xty[0] += g.score * w;
        for &t in &g.themes {
            with[t].0 += c * w;
            with[t].1 += w;
            xtx[t + 1] += w;
            xtx[(t + 1) * k] += w;
            xty[t + 1] += g.score * w;
            for &u in &g.themes {
                xtx[(t + 1) * k + u + 1] += w;
            }
        }
    }
    let overall = if count > 0.0 { total / count } else { 0.0 };
    let mean = |sum: f64, n: f64| if n > 0.0 { sum / n } else { 0.0 };
    let costs = with
        .iter()
        .map(|&(sum, n)| {
            let rest = count - n;
            if rest <= 0.0 {
                0.0
            } else {
                overall - (total - sum) / rest
            }
        })
        .collect();
    let effects = solve(xtx, xty, k)[1..].to_vec();
    let by_theme = with
        .iter()
        .map(|&(sum, n)| (mean(sum, n), mean(total - sum, count - n), n.round() as u64))
        .collect();
    Measures {
        costs,
        effects,
        by_theme,
    }
}

/// A Poisson-distributed count with mean `lambda`: exact (Knuth) below 30, the normal
/// approximation above, where the two are indistinguishable for a bootstrap.
fn poisson(rng: &mut SplitMix64, lambda: f64) -> f64 {
    if lambda < 30.0 {
        let limit = (-lambda).exp();
        let mut k = 0.0;
        let mut p = rng.unit();
        while p > limit {
            k += 1.0;
            p *= rng.unit();
        }
        k
    } else {
        (lambda + lambda.sqrt() * rng.normal()).round().max(0.0)
    }
}

/// Ridge penalty on the theme coefficients (not the intercept). When every record has a theme,
/// the indicators add up to the intercept and the plain regression has no unique answer; the
/// penalty picks the answer with the smallest effects, so that effects read as differences
/// from the average record. Against the thousands of records a theme usually has, it moves an
/// effect by a thousandth of a point.
const RIDGE: f64 = 1.0;

/// Solves the normal equations `a · x = b` (Gaussian elimination, partial pivoting) with the
/// [`RIDGE`] penalty on every coefficient but the first (the intercept).
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Vec<f64> {
    for i in 1..n {
        a[i * n + i] += RIDGE;
    }
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x * n + col].abs().total_cmp(&a[y * n + col].abs()))
            .unwrap_or(col);
        if pivot != col {
            for j in 0..n {
                a.swap(col * n + j, pivot * n + j);
            }
            b.swap(col, pivot);
        }
        let p = a[col * n + col];
        if p.abs() < 1e-15 {
            continue;
        }
        for row in col + 1..n {
            let f = a[row * n + col] / p;
            if f != 0.0 {
                for j in col..n {
                    a[row * n + j] -= f * a[col * n + j];
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|j| a[i * n + j] * x[j]).sum();
        let p = a[i * n + i];
        x[i] = if p.abs() < 1e-15 { 0.0 } else { (b[i] - s) / p };
    }
    x
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let position = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (position.floor() as usize, position.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo as f64)
}

/// The impact of each of `themes` themes (ids `0..themes`) on the overall score.
pub fn theme_impacts(
    observations: &[Observation<'_>],
    themes: usize,
    metric: Metric,
    seed: u64,
) -> Vec<ThemeImpact> {
    let n = observations.len();
    let groups = group(observations, themes);
    let counts: Vec<f64> = groups.iter().map(|g| g.count).collect();
    let Measures {
        costs,
        effects,
        by_theme,
    } = measure(&groups, &counts, themes, metric);
    // The Poisson bootstrap (Hanley & MacGibbon 2006): every record gets a Poisson(1) weight,
    // so a group of c records gets Poisson(c) — as good as resampling n of n records for data
    // of this size, and it works on groups. Each replicate has its own seeded generator, so
    // replicates run in parallel and the result does not depend on scheduling.
    let resamples: Vec<Measures> = {
        use rayon::prelude::*;
        (0..BOOTSTRAP_RESAMPLES as u64)
            .into_par_iter()
            .map(|b| {
                let mut rng = SplitMix64::new(seed ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let weights: Vec<f64> = counts.iter().map(|&c| poisson(&mut rng, c)).collect();
                measure(&groups, &weights, themes, metric)
            })
            .collect()
    };
    let mut boot_costs = vec![Vec::with_capacity(BOOTSTRAP_RESAMPLES); themes];
    let mut boot_effects = vec![Vec::with_capacity(BOOTSTRAP_RESAMPLES); themes];
    for resampled in &resamples {
        for t in 0..themes {
            boot_costs[t].push(resampled.costs[t]);
            boot_effects[t].push(resampled.effects[t]);
        }
    }
    (0..themes)
        .map(|t| {
            let interval = |value: f64, boot: &mut Vec<f64>| {
                boot.sort_by(f64::total_cmp);
                Interval {
                    value,
                    low: percentile(boot, 0.025),
                    high: percentile(boot, 0.975),
                }
            };
            let (with, without, support) = by_theme[t];
            ThemeImpact {
                theme: t,
                support,
                share: if n > 0 {
                    support as f64 / n as f64
                } else {
                    0.0
                },
                with,
                without,
                cost: interval(costs[t], &mut boot_costs[t]),
                effect: interval(effects[t], &mut boot_effects[t]),
            }
        })
        .collect()
}

/// The Top Ten: qualifying themes (see the module's rule), most costly first, at most ten.
pub fn top_ten(impacts: &[ThemeImpact]) -> Vec<ThemeImpact> {
    let mut qualifying: Vec<ThemeImpact> =
        impacts.iter().filter(|i| i.qualifies()).cloned().collect();
    qualifying.sort_by(|a, b| {
        a.cost
            .value
            .total_cmp(&b.cost.value)
            .then(a.effect.value.total_cmp(&b.effect.value))
            .then(a.theme.cmp(&b.theme))
    });
    qualifying.truncate(10);
    qualifying
}

/// Sub-themes: which theme each theme is a sub-theme of (one customer issue in several
/// wordings or aspects; one level deep). A parent is measured with its sub-themes' records, and
/// only themes of their own are ranked: the Top Ten ranks issues.
#[derive(Debug, Clone, Default)]
pub struct Issues {
    parent: Vec<Option<usize>>,
}

impl Issues {
    /// `parents[t]`: the theme `t` sits under. A parent that is itself a sub-theme, itself, or
    /// out of range is ignored (`t` is then a theme of its own).
    pub fn new(parents: Vec<Option<usize>>) -> Self {
        let valid = |t: usize, p: Option<usize>| {
            p.filter(|&p| p != t && p < parents.len() && parents[p].is_none())
        };
        let parent = parents
            .iter()
            .enumerate()
            .map(|(t, &p)| valid(t, p))
            .collect();
        Self { parent }
    }

    /// The theme `t` is a sub-theme of.
    pub fn parent(&self, t: usize) -> Option<usize> {
        self.parent.get(t).copied().flatten()
    }

    /// Whether any theme has a parent.
    pub fn nested(&self) -> bool {
        self.parent.iter().any(Option::is_some)
    }

    /// A record's themes with the parents of its sub-themes added (each once).
    pub fn widen(&self, themes: &[usize]) -> Vec<usize> {
        let mut list = themes.to_vec();
        for &t in themes {
            if let Some(p) = self.parent(t).filter(|p| !list.contains(p)) {
                list.push(p);
            }
        }
        list
    }

    /// The Top Ten among the themes of their own (see [`top_ten`]).
    pub fn top_ten(&self, impacts: &[ThemeImpact]) -> Vec<ThemeImpact> {
        let issues: Vec<ThemeImpact> = impacts
            .iter()
            .filter(|i| self.parent(i.theme).is_none())
            .cloned()
            .collect();
        top_ten(&issues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{Generator, Options, SyntheticRecord, THEMES};

    fn observations<'a>(scores: &[f64], themes: &'a [Vec<usize>]) -> Vec<Observation<'a>> {
        scores
            .iter()
            .zip(themes)
            .map(|(s, t)| Observation {
                score: *s,
                themes: t,
            })
            .collect()
    }

    fn planted(records: u64) -> (Vec<f64>, Vec<Vec<usize>>) {
        let data: Vec<_> = Generator::new(Options {
            records,
            seed: 11,
            spike: true,
            shifts: true,
        })
        .collect();
        let scores = data.iter().map(|r| f64::from(r.nps)).collect();
        let themes = data.iter().map(SyntheticRecord::theme_indices).collect();
        (scores, themes)
    }

    #[test]
    fn the_planted_effects_are_recovered_in_order_with_intervals_that_cover_them() {
        let (scores, themes) = planted(20_000);
        let observations = observations(&scores, &themes);
        let impacts = theme_impacts(&observations, THEMES.len(), Metric::Nps, 5);
        for (impact, theme) in impacts.iter().zip(THEMES) {
            let e = impact.effect;
            // Clamping at 0 and 10 shrinks effects a little; the interval is widened by that.
            assert!(
                e.low - 0.35 <= theme.nps_effect && theme.nps_effect <= e.high + 0.35,
                "{}: planted {}, found {e:?}",
                theme.key,
                theme.nps_effect
            );
        }
        // Any two themes planted at least half a point apart come out in the planted order.
        for (a, ta) in impacts.iter().zip(THEMES) {
            for (b, tb) in impacts.iter().zip(THEMES) {
                if ta.nps_effect + 0.5 <= tb.nps_effect {
                    assert!(
                        a.effect.value < b.effect.value,
                        "{} ({}) should come out below {} ({})",
                        ta.key,
                        a.effect.value,
                        tb.key,
                        b.effect.value
                    );
                }
            }
        }

        let top: Vec<&str> = top_ten(&impacts)
            .iter()
            .map(|i| THEMES[i.theme].key)
            .collect();
        let negative: Vec<&str> = THEMES
            .iter()
            .filter(|t| t.nps_effect < 0.0)
            .map(|t| t.key)
            .collect();
        assert_eq!(top.len(), negative.len(), "{top:?}");
        assert!(top.iter().all(|k| negative.contains(k)), "{top:?}");
        // The most costly: late deliveries, the most frequent of the harshest.
        assert_eq!(top[0], "delivery-delay", "{top:?}");
        let costs: Vec<f64> = top_ten(&impacts).iter().map(|i| i.cost.value).collect();
        assert!(
            costs.windows(2).all(|w| w[0] <= w[1]),
            "ranked by cost: {costs:?}"
        );
    }

    #[test]
    fn small_or_insignificant_themes_stay_out() {
        // Theme 0: 20 records, harsh but too few. Theme 1: many records, no effect.
        let mut scores = Vec::new();
        let mut themes: Vec<Vec<usize>> = Vec::new();
        for i in 0..400 {
            let (score, t) = match i {
                0..20 => (1.0, vec![0]),
                20..220 => (if i % 2 == 0 { 9.0 } else { 7.0 }, vec![1]),
                _ => (if i % 2 == 0 { 9.0 } else { 7.0 }, vec![]),
            };
            scores.push(score);
            themes.push(t);
        }
        let observations = observations(&scores, &themes);
        let impacts = theme_impacts(&observations, 2, Metric::Nps, 1);
        assert_eq!(impacts[0].support, 20);
        assert!(impacts[0].effect.high < 0.0 && !impacts[0].qualifies());
        assert!(!impacts[1].qualifies(), "{:?}", impacts[1]);
        assert!(top_ten(&impacts).is_empty());
        // NPS with and without theme 0: −100 and 50.
        assert_eq!((impacts[0].with, impacts[0].without), (-100.0, 50.0));
    }

    #[test]
    fn a_parent_is_ranked_with_its_sub_themes_and_they_are_not() {
        // Theme 0 costs in two wordings: 1 and 2 are its sub-themes; 3 is a theme of its own.
        let issues = Issues::new(vec![None, Some(0), Some(0), None, Some(1)]);
        assert_eq!(issues.parent(1), Some(0));
        // 4 sits under a sub-theme: sub-themes are one level deep, so it is its own.
        assert_eq!(issues.parent(4), None);
        assert!(issues.nested());
        assert_eq!(issues.widen(&[1, 2, 3]), vec![1, 2, 3, 0]);
        assert_eq!(issues.widen(&[0, 1]), vec![0, 1]);
        let mut scores = Vec::new();
        let mut lists = Vec::new();
        for i in 0..400 {
            let themes = match i % 4 {
                0 => vec![1],
                1 => vec![2],
                2 => vec![3],
                _ => vec![],
            };
            scores.push(if themes.is_empty() { 9.0 } else { 5.0 } + (i % 3) as f64 * 0.1);
            lists.push(issues.widen(&themes));
        }
        let impacts = theme_impacts(&observations(&scores, &lists), 5, Metric::Mean, 7);
        assert_eq!(
            impacts[0].support, 200,
            "the parent holds both wordings' records"
        );
        let top: Vec<usize> = issues.top_ten(&impacts).iter().map(|i| i.theme).collect();
        assert_eq!(top, vec![0, 3], "the issue first, its wordings not ranked");
    }
}
