//! The weighted performance score of a department or an initiative (PRODUCT.md §4.4).
//!
//! Three components, each normalised to 0–100:
//!
//! 1. **Action plan** (default weight 0.5): the mean progress of the initiatives toward their
//!    targets — `(current − baseline) / (target − baseline)`, clamped to 0–100 — over those
//!    with a measured current value.
//! 2. **Negative-theme trend** (0.3): how the share of records carrying the negative themes in
//!    question moved from the previous period to the latest: `50 − 50 × (latest − previous) /
//!    previous`, clamped to 0–100. Unchanged scores 50, halved 75, gone 100, doubled 0.
//! 3. **Stage rating** (0.2): the NPS of the records on the stages in question, `(NPS + 100) /
//!    2`.
//!
//! The score is the weighted mean of the components that exist. A missing component (no
//! initiative with a measured value, no negative theme or no previous period, no scored record)
//! is reported as missing with its reason and its weight is left out — never counted as zero,
//! which would punish a department for what it has not been asked to do. With no component at
//! all there is no score.

use serde::Serialize;

/// The components' weights; they need not sum to one (the score divides by the weights used).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    pub action_plan: f64,
    pub theme_trend: f64,
    pub stage_rating: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            action_plan: 0.5,
            theme_trend: 0.3,
            stage_rating: 0.2,
        }
    }
}

impl Weights {
    /// From `A,B,C` (action plan, theme trend, stage rating): non-negative, not all zero.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<f64> = text
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("weights {text:?}: write three numbers, like 0.5,0.3,0.2"))?;
        let [a, b, c] = parts.as_slice() else {
            return Err(format!(
                "weights {text:?}: write three numbers, like 0.5,0.3,0.2"
            ));
        };
        let weights = Self {
            action_plan: *a,
            theme_trend: *b,
            stage_rating: *c,
        };
        if parts.iter().any(|w| !w.is_finite() || *w < 0.0) || parts.iter().sum::<f64>() <= 0.0 {
            return Err(format!(
                "weights {text:?}: each must be 0 or more and at least one above 0"
            ));
        }
        Ok(weights)
    }
}

/// One component: its score, or why it is missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    pub name: &'static str,
    pub weight: f64,
    /// 0–100, or `None` when missing.
    pub score: Option<f64>,
    /// How it was computed, or why it is missing.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    /// 0–100 over the components that exist; `None` when none does.
    pub score: Option<f64>,
    pub components: Vec<Component>,
}

/// Component 1 from the progress (0–100) of each initiative with a measured value.
pub fn action_plan(progress: &[f64]) -> Option<f64> {
    (!progress.is_empty()).then(|| progress.iter().sum::<f64>() / progress.len() as f64)
}

/// Component 2 from the share of records with the themes in the previous and latest period.
/// `None` when the previous share is zero (no base to compare with).
pub fn theme_trend(previous: f64, latest: f64) -> Option<f64> {
    (previous > 0.0).then(|| (50.0 - 50.0 * (latest - previous) / previous).clamp(0.0, 100.0))
}

/// Component 3 from an NPS (−100 … 100).
pub fn stage_rating(nps: f64) -> f64 {
    ((nps + 100.0) / 2.0).clamp(0.0, 100.0)
}

/// The weighted score of the components given as `(score or None, detail)` in the order action
/// plan, theme trend, stage rating.
pub fn combine(weights: Weights, parts: [(Option<f64>, String); 3]) -> Scorecard {
    let names = ["action plan", "negative-theme trend", "stage rating"];
    let w = [
        weights.action_plan,
        weights.theme_trend,
        weights.stage_rating,
    ];
    let components: Vec<Component> = parts
        .into_iter()
        .zip(names.into_iter().zip(w))
        .map(|((score, detail), (name, weight))| Component {
            name,
            weight,
            score,
            detail,
        })
        .collect();
    let used: f64 = components
        .iter()
        .filter(|c| c.score.is_some())
        .map(|c| c.weight)
        .sum();
    let score = (used > 0.0).then(|| {
        components
            .iter()
            .filter_map(|c| c.score.map(|s| s * c.weight))
            .sum::<f64>()
            / used
    });
    Scorecard { score, components }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn each_component_is_normalised_to_0_100() {
        assert_eq!(action_plan(&[]), None);
        assert!(close(action_plan(&[50.0, 100.0]).unwrap(), 75.0));
        assert!(close(theme_trend(0.10, 0.10).unwrap(), 50.0));
        assert!(close(theme_trend(0.10, 0.05).unwrap(), 75.0));
        assert!(close(theme_trend(0.10, 0.0).unwrap(), 100.0));
        assert!(close(theme_trend(0.10, 0.20).unwrap(), 0.0));
        assert!(close(theme_trend(0.10, 0.40).unwrap(), 0.0), "clamped");
        assert_eq!(theme_trend(0.0, 0.1), None);
        assert!(close(stage_rating(-100.0), 0.0));
        assert!(close(stage_rating(0.0), 50.0));
        assert!(close(stage_rating(40.0), 70.0));
    }

    #[test]
    fn the_score_weighs_the_components_that_exist() {
        let all = combine(
            Weights::default(),
            [
                (Some(80.0), "a".into()),
                (Some(50.0), "b".into()),
                (Some(60.0), "c".into()),
            ],
        );
        // 0.5·80 + 0.3·50 + 0.2·60 = 40 + 15 + 12 = 67.
        assert!(close(all.score.unwrap(), 67.0));
        // Without an action plan: (0.3·50 + 0.2·60) / 0.5 = 54, not 27.
        let missing = combine(
            Weights::default(),
            [
                (None, "no initiative with a measured value".into()),
                (Some(50.0), "b".into()),
                (Some(60.0), "c".into()),
            ],
        );
        assert!(close(missing.score.unwrap(), 54.0));
        assert_eq!(missing.components[0].score, None);
        assert!(missing.components[0].detail.contains("no initiative"));
        let none = combine(
            Weights::default(),
            [
                (None, String::new()),
                (None, String::new()),
                (None, String::new()),
            ],
        );
        assert_eq!(none.score, None);
    }

    #[test]
    fn weights_are_configurable_and_checked() {
        let w = Weights::parse("1, 0, 0").unwrap();
        let s = combine(
            w,
            [
                (Some(30.0), String::new()),
                (Some(90.0), String::new()),
                (None, String::new()),
            ],
        );
        assert!(close(s.score.unwrap(), 30.0));
        for bad in ["0.5,0.3", "a,b,c", "-1,1,1", "0,0,0"] {
            assert!(Weights::parse(bad).is_err(), "{bad}");
        }
    }
}
