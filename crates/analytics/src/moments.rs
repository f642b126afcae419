//! Moments of truth found in customers' histories, and what they do to satisfaction.
//!
//! A moment is a rule over one kind of event in a customer's history: "the 3rd contact within
//! 30 days", "the 100th order". [`reached_at`] finds when (if ever) a customer lived it.
//! [`effect`] compares the satisfaction of the customers who reached it — their feedback at or
//! after the moment — with that of comparable customers who did not (they had the same kind of
//! event, never the moment), **per customer**: each customer's scores are averaged first, so a
//! customer who wrote ten times counts once and the interval is about customers, the sample
//! that matters. The difference of the two means has a Welch interval (Student's t with
//! Welch–Satterthwaite degrees of freedom).

use serde::Serialize;

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// The rule of a moment: the `count`-th event of a kind, within `within_days` days of the
/// first of those `count` (any time when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub count: u32,
    pub within_days: Option<u32>,
}

/// When a customer whose events of the rule's kind happened at `times` (milliseconds, sorted)
/// reached the moment: the time of the event that completes the rule, the first time it does.
pub fn reached_at(times: &[i64], rule: Rule) -> Option<i64> {
    let n = rule.count.max(1) as usize;
    if times.len() < n {
        return None;
    }
    match rule.within_days {
        None => Some(times[n - 1]),
        Some(days) => {
            let window = i64::from(days) * DAY_MS;
            times
                .windows(n)
                .find(|w| w[n - 1] - w[0] <= window)
                .map(|w| w[n - 1])
        }
    }
}

/// A difference of two means with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// Mean of the group that reached the moment.
    pub reached: f64,
    /// Mean of the comparison group.
    pub others: f64,
    /// `reached − others`.
    pub effect: f64,
    pub low: f64,
    pub high: f64,
}

impl Difference {
    /// Whether the interval leaves out zero: the data says there is an effect.
    pub fn is_clear(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, variance)
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Student's t quantile with `df` degrees of freedom from the normal one (Cornish–Fisher
/// expansion; within 1% of the exact value from 3 degrees of freedom up).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let z = normal_quantile(p);
    if !df.is_finite() || df <= 0.0 {
        return z;
    }
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * df)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * df.powi(3))
}

/// The difference of the means of `reached` and `others` (one value per customer), with a
/// two-sided interval at confidence `1 − alpha` (Welch). `None` when either group has fewer
/// than two customers.
pub fn effect(reached: &[f64], others: &[f64], alpha: f64) -> Option<Difference> {
    if reached.len() < 2 || others.len() < 2 {
        return None;
    }
    let (m1, v1) = mean_and_variance(reached);
    let (m2, v2) = mean_and_variance(others);
    let (n1, n2) = (reached.len() as f64, others.len() as f64);
    let (a, b) = (v1 / n1, v2 / n2);
    let se = (a + b).sqrt();
    let df = if se > 0.0 {
        (a + b).powi(2) / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0))
    } else {
        f64::INFINITY
    };
    let half = t_quantile(1.0 - alpha / 2.0, df) * se;
    let diff = m1 - m2;
    Some(Difference {
        reached: m1,
        others: m2,
        effect: diff,
        low: diff - half,
        high: diff + half,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_third_contact_within_thirty_days_is_found_when_it_happens() {
        let day = |d: i64| d * DAY_MS;
        let rule = Rule {
            count: 3,
            within_days: Some(30),
        };
        // Contacts on days 0, 40, 50, 65: the 3rd within 30 days is day 65 (40, 50, 65).
        assert_eq!(
            reached_at(&[day(0), day(40), day(50), day(65)], rule),
            Some(day(65))
        );
        assert_eq!(reached_at(&[day(0), day(40), day(80)], rule), None);
        assert_eq!(reached_at(&[day(0), day(10)], rule), None);
        // Exactly 30 days apart counts.
        assert_eq!(reached_at(&[day(0), day(15), day(30)], rule), Some(day(30)));
        let ever = Rule {
            count: 2,
            within_days: None,
        };
        assert_eq!(reached_at(&[day(5), day(500)], ever), Some(day(500)));
    }

    #[test]
    fn quantiles_match_the_tables() {
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-5);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.000_5) + 3.290_527).abs() < 1e-5);
        // t tables: 2.228 (10 df), 2.042 (30 df), 2.571 (5 df).
        assert!((t_quantile(0.975, 10.0) - 2.228).abs() < 0.005);
        assert!((t_quantile(0.975, 30.0) - 2.042).abs() < 0.003);
        assert!((t_quantile(0.975, 5.0) - 2.571).abs() < 0.03);
    }

    #[test]
    fn a_real_difference_is_clear_and_none_is_not() {
        let low: Vec<f64> = (0..40).map(|i| -60.0 + f64::from(i % 7) * 10.0).collect();
        let high: Vec<f64> = (0..200).map(|i| 10.0 + f64::from(i % 9) * 10.0).collect();
        let d = effect(&low, &high, 0.05).unwrap();
        assert!(d.effect < -50.0 && d.high < 0.0 && d.is_clear(), "{d:?}");
        let same: Vec<f64> = (0..200).map(|i| 10.0 + f64::from(i % 9) * 10.0).collect();
        let d = effect(&high[..100], &same[100..], 0.05).unwrap();
        assert!(!d.is_clear(), "{d:?}");
        assert!(effect(&[1.0], &high, 0.05).is_none());
    }
}
