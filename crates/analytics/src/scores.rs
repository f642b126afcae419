//! The scores people report — NPS, CSAT, CES, mean rating — each with its sample size, a 95%
//! confidence interval and a flag when the sample is too small to act on.
//!
//! Intervals:
//! - **NPS** (promoters − detractors, ×100): each answer scores +1, 0 or −1; the interval is
//!   the normal approximation for that mean, `±1.96 · √((p + d − (p − d)²) / n)`, clamped to
//!   [−100, 100].
//! - **CSAT** (share of 4s and 5s, in %): the Wilson score interval, which stays inside 0–100
//!   and behaves at shares near 0 or 1 and for small samples.
//! - **CES** and **rating** (means): `±1.96 · s / √n` with the sample standard deviation.
//!
//! Below [`MIN_SAMPLE`] answers an estimate is still given, with `small_sample` set: the
//! interface shows it greyed out and the Top Ten ignores it.

use serde::{Deserialize, Serialize};
use throughline_domain::feedback::{Ces, Csat, Nps, NpsCategory, Rating};

/// Fewer answers than this and a score is flagged as a small sample.
pub const MIN_SAMPLE: u64 = 30;

const Z95: f64 = 1.959_963_984_540_054;

/// A score with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// How many answers it rests on.
    pub n: u64,
    pub small_sample: bool,
}

impl Estimate {
    fn new(value: f64, half_width: f64, bounds: (f64, f64), n: u64) -> Self {
        Self {
            value,
            low: (value - half_width).max(bounds.0),
            high: (value + half_width).min(bounds.1),
            n,
            small_sample: n < MIN_SAMPLE,
        }
    }
}

/// Net Promoter Score from −100 to 100; `None` without answers.
pub fn nps(answers: impl IntoIterator<Item = Nps>) -> Option<Estimate> {
    let (mut promoters, mut detractors, mut n) = (0u64, 0u64, 0u64);
    for answer in answers {
        n += 1;
        match answer.category() {
            NpsCategory::Promoter => promoters += 1,
            NpsCategory::Detractor => detractors += 1,
            NpsCategory::Passive => {}
        }
    }
    if n == 0 {
        return None;
    }
    let (p, d) = (promoters as f64 / n as f64, detractors as f64 / n as f64);
    let variance = (p + d - (p - d).powi(2)).max(0.0);
    let half = Z95 * (variance / n as f64).sqrt() * 100.0;
    Some(Estimate::new(100.0 * (p - d), half, (-100.0, 100.0), n))
}

/// CSAT as the percentage of satisfied answers (4 or 5); `None` without answers.
pub fn csat(answers: impl IntoIterator<Item = Csat>) -> Option<Estimate> {
    let (mut satisfied, mut n) = (0u64, 0u64);
    for answer in answers {
        n += 1;
        satisfied += u64::from(answer.is_satisfied());
    }
    if n == 0 {
        return None;
    }
    let (low, high) = wilson(satisfied, n);
    let share = satisfied as f64 / n as f64;
    Some(Estimate {
        value: 100.0 * share,
        low: 100.0 * low,
        high: 100.0 * high,
        n,
        small_sample: n < MIN_SAMPLE,
    })
}

/// Mean customer effort (1 easy – 7 hard); `None` without answers.
pub fn ces(answers: impl IntoIterator<Item = Ces>) -> Option<Estimate> {
    mean(
        answers.into_iter().map(|a| f64::from(a.value())),
        (1.0, 7.0),
    )
}

/// Mean rating on the source's own scale; `None` without answers.
pub fn mean_rating(answers: impl IntoIterator<Item = Rating>) -> Option<Estimate> {
    mean(answers.into_iter().map(Rating::value), (0.0, 100.0))
}

/// Mean with a normal-approximation interval (Welford's algorithm, one pass).
fn mean(values: impl Iterator<Item = f64>, bounds: (f64, f64)) -> Option<Estimate> {
    let (mut n, mut mean, mut m2) = (0u64, 0.0, 0.0);
    for x in values {
        n += 1;
        let delta = x - mean;
        mean += delta / n as f64;
        m2 += delta * (x - mean);
    }
    if n == 0 {
        return None;
    }
    let sd = if n > 1 {
        (m2 / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    Some(Estimate::new(mean, Z95 * sd / (n as f64).sqrt(), bounds, n))
}

/// The Wilson score interval for a proportion, at 95%.
fn wilson(successes: u64, n: u64) -> (f64, f64) {
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n_f)) / (1.0 + z2 / n_f);
    let half = Z95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / (1.0 + z2 / n_f);
    // At 0 or n successes the bound is exactly 0 or 1; say so rather than carry rounding.
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if successes == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npss(values: &[u8]) -> Vec<Nps> {
        values.iter().map(|v| Nps::new(*v).unwrap()).collect()
    }

    #[test]
    fn nps_is_promoters_minus_detractors_with_an_interval() {
        // 50 promoters, 30 passives, 20 detractors: NPS 30.
        let mut answers = vec![10; 50];
        answers.extend([7; 30]);
        answers.extend([3; 20]);
        let e = nps(npss(&answers)).unwrap();
        assert!((e.value - 30.0).abs() < 1e-9);
        // Variance 0.5 + 0.2 − 0.09 = 0.61; half width 1.96·√(0.61/100)·100 ≈ 15.3.
        assert!((e.high - e.value - 15.31).abs() < 0.05, "{e:?}");
        assert!(!e.small_sample);
        assert_eq!(e.n, 100);
        let all_promoters = nps(npss(&[10; 40])).unwrap();
        assert_eq!((all_promoters.value, all_promoters.high), (100.0, 100.0));
        assert!(nps(Vec::new()).is_none());
        assert!(nps(npss(&[9, 2])).unwrap().small_sample);
    }

    #[test]
    fn csat_uses_the_wilson_interval() {
        let answers: Vec<Csat> = [5, 4, 4, 3, 1, 5, 5, 2, 4, 5]
            .iter()
            .map(|v| Csat::new(*v).unwrap())
            .collect();
        let e = csat(answers).unwrap();
        assert!((e.value - 70.0).abs() < 1e-9);
        // Wilson 95% for 7/10: 39.7% – 89.2%.
        assert!(
            (e.low - 39.68).abs() < 0.05 && (e.high - 89.22).abs() < 0.05,
            "{e:?}"
        );
        assert!(e.small_sample);
        let none_satisfied = csat(vec![Csat::new(1).unwrap(); 50]).unwrap();
        assert_eq!(none_satisfied.low, 0.0);
        assert!(none_satisfied.high > 0.0, "an interval, not a point, at 0%");
    }

    #[test]
    fn means_have_standard_error_intervals() {
        let answers: Vec<Ces> = (0..60)
            .map(|i| Ces::new(if i % 2 == 0 { 2 } else { 4 }).unwrap())
            .collect();
        let e = ces(answers).unwrap();
        assert!((e.value - 3.0).abs() < 1e-9);
        // s ≈ 1.0084, half width ≈ 1.96 · 1.0084 / √60 ≈ 0.255.
        assert!((e.high - e.value - 0.2552).abs() < 0.001, "{e:?}");
        let single = mean_rating(vec![Rating::new(4.5).unwrap()]).unwrap();
        assert_eq!((single.value, single.low, single.high), (4.5, 4.5, 4.5));
        assert!(single.small_sample);
    }
}
