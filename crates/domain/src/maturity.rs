//! The culture-maturity model ("Naive to Natural"): areas of the business, each with a
//! description per level, the statements people answer (1 = strongly disagree … 5 = strongly
//! agree) and the next step at each level; and the scoring of a set of answers into levels per
//! area, overall and per department, with spreads and the departments that see themselves very
//! differently from the rest (a silo signal).
//!
//! The default model ships in `examples/maturity.toml`; an organisation may give its own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The answer scale.
pub const LOWEST: u8 = 1;
pub const HIGHEST: u8 = 5;
/// A department whose mean in an area is this far (in answer points, one level) from the rest
/// of the organisation's is flagged.
pub const DIVERGENCE: f64 = 1.0;

/// The default model's text.
pub const DEFAULT_MODEL: &str = include_str!("../../../examples/maturity.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub key: String,
    pub name: String,
    /// What each level looks like in this area, lowest first.
    pub levels: Vec<String>,
    pub statements: Vec<String>,
    /// What to do next from each level, lowest first.
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// The level names, lowest first (default Naive, Safe, Committed, Natural).
    pub levels: Vec<String>,
    pub areas: Vec<Area>,
}

impl Model {
    /// The shipped default.
    pub fn default_model() -> Self {
        Self::parse(DEFAULT_MODEL).expect("the shipped maturity model is valid")
    }

    /// Reads and checks a model file: at least two levels and one area; every area with a
    /// description and a next step per level and at least one statement; keys unique.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let model: Self = toml::from_str(text)
            .map_err(|e| ValidationError::new(format!("the maturity model: {e}")))?;
        if model.levels.len() < 2 {
            return Err(ValidationError::new(
                "the maturity model needs at least two levels",
            ));
        }
        if model.areas.is_empty() {
            return Err(ValidationError::new("the maturity model has no areas"));
        }
        let mut seen = Vec::new();
        for area in &model.areas {
            let key = area.key.as_str();
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            {
                return Err(ValidationError::new(format!(
                    "area key {key:?}: use lowercase letters, digits, '-' or '_'"
                )));
            }
            if seen.contains(&key) {
                return Err(ValidationError::new(format!("area {key:?} appears twice")));
            }
            seen.push(key);
            for (what, list) in [("levels", &area.levels), ("next_steps", &area.next_steps)] {
                if list.len() != model.levels.len() {
                    return Err(ValidationError::new(format!(
                        "area {key:?} has {} {what}; the model has {} levels",
                        list.len(),
                        model.levels.len()
                    )));
                }
            }
            if area.statements.is_empty() {
                return Err(ValidationError::new(format!(
                    "area {key:?} has no statements"
                )));
            }
        }
        Ok(model)
    }

    /// Every statement with its id (`AREA.N`, from 1), in order.
    pub fn statements(&self) -> impl Iterator<Item = (String, &Area, &str)> {
        self.areas.iter().flat_map(|area| {
            area.statements
                .iter()
                .enumerate()
                .map(move |(i, s)| (format!("{}.{}", area.key, i + 1), area, s.as_str()))
        })
    }

    /// The level a mean answer reaches: the scale is cut into as many equal bands as there are
    /// levels (with four levels: below 2 the first, below 3 the second, below 4 the third).
    pub fn level_of(&self, mean: f64) -> usize {
        let bands = self.levels.len() as f64;
        let span = f64::from(HIGHEST - LOWEST);
        let position = ((mean - f64::from(LOWEST)) / span * bands).floor();
        (position.max(0.0) as usize).min(self.levels.len() - 1)
    }

    /// The mean answer at which `level` starts.
    pub fn threshold(&self, level: usize) -> f64 {
        f64::from(LOWEST) + f64::from(HIGHEST - LOWEST) * level as f64 / self.levels.len() as f64
    }

    /// The index of a level by its name (any case).
    pub fn level_named(&self, name: &str) -> Result<usize, ValidationError> {
        self.levels
            .iter()
            .position(|l| l.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "there is no level {name:?}; the levels are {}",
                    self.levels.join(", ")
                ))
            })
    }

    /// Checks a respondent's answers: every statement answered, each from 1 to 5, no unknown ids.
    pub fn check_answers(&self, answers: &BTreeMap<String, u8>) -> Result<(), ValidationError> {
        let ids: Vec<String> = self.statements().map(|(id, _, _)| id).collect();
        if let Some(unknown) = answers.keys().find(|k| !ids.contains(k)) {
            return Err(ValidationError::new(format!(
                "there is no statement {unknown:?} in the questionnaire"
            )));
        }
        if let Some((id, value)) = answers
            .iter()
            .find(|(_, v)| !(LOWEST..=HIGHEST).contains(*v))
        {
            return Err(ValidationError::new(format!(
                "statement {id}: answers go from {LOWEST} to {HIGHEST}, not {value}"
            )));
        }
        let missing: Vec<&str> = ids
            .iter()
            .filter(|id| !answers.contains_key(*id))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(ValidationError::new(format!(
                "{} statements are not answered: {}",
                missing.len(),
                missing.join(", ")
            )));
        }
        Ok(())
    }
}

/// One person's answers, with the department they work in (`None`: no department).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answers<'a> {
    pub department: Option<&'a str>,
    pub answers: &'a BTreeMap<String, u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DepartmentScore {
    pub department: String,
    pub respondents: u64,
    pub mean: f64,
    pub level: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AreaResult {
    pub key: String,
    pub name: String,
    /// The mean answer (1–5) over every respondent.
    pub mean: f64,
    pub level: usize,
    pub level_name: String,
    /// What the level looks like in this area.
    pub description: String,
    /// The standard deviation of respondents' area means.
    pub spread: f64,
    /// Answer points still to go to reach the target level (0 when there).
    pub gap: f64,
    pub next_step: String,
    pub departments: Vec<DepartmentScore>,
    /// Departments whose mean is at least one level away from the rest's.
    pub divergent: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Results {
    pub respondents: u64,
    pub mean: f64,
    pub level: usize,
    pub level_name: String,
    pub target: usize,
    pub target_name: String,
    pub areas: Vec<AreaResult>,
    pub departments: Vec<DepartmentScore>,
    /// Department → the areas where it sees itself very differently from the rest.
    pub divergent_departments: BTreeMap<String, Vec<String>>,
    /// The weakest areas (lowest means, up to three), where to act first.
    pub weakest: Vec<String>,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn spread(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

/// Scores `responses` against `model` with the council's `target` level; `None` without any.
pub fn score(model: &Model, responses: &[Answers<'_>], target: usize) -> Option<Results> {
    if responses.is_empty() {
        return None;
    }
    let no_department = "(no department)";
    let department_of = |r: &Answers<'_>| r.department.unwrap_or(no_department).to_owned();
    // Each respondent's mean per area.
    let area_means: Vec<Vec<f64>> = responses
        .iter()
        .map(|r| {
            model
                .areas
                .iter()
                .map(|area| {
                    let values: Vec<f64> = (1..=area.statements.len())
                        .filter_map(|i| r.answers.get(&format!("{}.{i}", area.key)))
                        .map(|v| f64::from(*v))
                        .collect();
                    mean(&values)
                })
                .collect()
        })
        .collect();
    let mut departments: Vec<String> = responses.iter().map(department_of).collect();
    departments.sort();
    departments.dedup();
    let mut areas = Vec::new();
    let mut divergent_departments: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (a, area) in model.areas.iter().enumerate() {
        let all: Vec<f64> = area_means.iter().map(|m| m[a]).collect();
        let area_mean = mean(&all);
        let level = model.level_of(area_mean);
        let mut by_department = Vec::new();
        let mut divergent = Vec::new();
        for d in &departments {
            let mut inside = Vec::new();
            let mut outside = Vec::new();
            for (i, value) in all.iter().enumerate() {
                if department_of(&responses[i]) == *d {
                    inside.push(*value);
                } else {
                    outside.push(*value);
                }
            }
            let m = mean(&inside);
            by_department.push(DepartmentScore {
                department: d.clone(),
                respondents: inside.len() as u64,
                mean: m,
                level: model.level_of(m),
            });
            if !outside.is_empty() && (m - mean(&outside)).abs() >= DIVERGENCE {
                divergent.push(d.clone());
                divergent_departments
                    .entry(d.clone())
                    .or_default()
                    .push(area.key.clone());
            }
        }
        areas.push(AreaResult {
            key: area.key.clone(),
            name: area.name.clone(),
            mean: area_mean,
            level,
            level_name: model.levels[level].clone(),
            description: area.levels[level].clone(),
            spread: spread(&all),
            gap: (model.threshold(target) - area_mean).max(0.0),
            next_step: area.next_steps[level].clone(),
            departments: by_department,
            divergent,
        });
    }
    let overall = mean(&areas.iter().map(|a| a.mean).collect::<Vec<_>>());
    let level = model.level_of(overall);
    let departments = departments
        .iter()
        .map(|d| {
            let own: Vec<f64> = responses
                .iter()
                .zip(&area_means)
                .filter(|(r, _)| department_of(r) == *d)
                .map(|(_, m)| mean(m))
                .collect();
            let m = mean(&own);
            DepartmentScore {
                department: d.clone(),
                respondents: own.len() as u64,
                mean: m,
                level: model.level_of(m),
            }
        })
        .collect();
    let mut order: Vec<&AreaResult> = areas.iter().collect();
    order.sort_by(|x, y| x.mean.total_cmp(&y.mean));
    let weakest = order.iter().take(3).map(|a| a.key.clone()).collect();
    Some(Results {
        respondents: responses.len() as u64,
        mean: overall,
        level,
        level_name: model.levels[level].clone(),
        target,
        target_name: model.levels[target.min(model.levels.len() - 1)].clone(),
        areas,
        departments,
        divergent_departments,
        weakest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(model: &Model, value: impl Fn(&str) -> u8) -> BTreeMap<String, u8> {
        model
            .statements()
            .map(|(id, area, _)| {
                let v = value(&area.key);
                (id, v)
            })
            .collect()
    }

    #[test]
    fn the_default_model_has_nine_areas_of_four_levels() {
        let model = Model::default_model();
        assert_eq!(model.levels, ["Naive", "Safe", "Committed", "Natural"]);
        assert_eq!(model.areas.len(), 9);
        assert!(model.statements().count() >= 27);
    }

    #[test]
    fn means_fall_into_levels() {
        let model = Model::default_model();
        assert_eq!(model.level_of(1.0), 0);
        assert_eq!(model.level_of(1.99), 0);
        assert_eq!(model.level_of(2.0), 1);
        assert_eq!(model.level_of(3.5), 2);
        assert_eq!(model.level_of(4.0), 3);
        assert_eq!(model.level_of(5.0), 3);
        assert_eq!(model.threshold(2), 3.0);
    }

    #[test]
    fn answers_are_checked() {
        let model = Model::default_model();
        let mut good = answers(&model, |_| 3);
        assert!(model.check_answers(&good).is_ok());
        good.insert("leadership.1".into(), 6);
        assert!(
            model
                .check_answers(&good)
                .unwrap_err()
                .to_string()
                .contains("not 6")
        );
        good.remove("leadership.1");
        assert!(
            model
                .check_answers(&good)
                .unwrap_err()
                .to_string()
                .contains("leadership.1")
        );
        good.insert("leadership.1".into(), 2);
        good.insert("nonsense.1".into(), 2);
        assert!(
            model
                .check_answers(&good)
                .unwrap_err()
                .to_string()
                .contains("nonsense.1")
        );
    }

    #[test]
    fn bad_models_are_refused_with_the_reason() {
        assert!(
            Model::parse("levels = [\"A\"]\nareas = []")
                .unwrap_err()
                .to_string()
                .contains("two levels")
        );
        let short = "levels = [\"A\", \"B\"]\n[[areas]]\nkey = \"x\"\nname = \"X\"\nlevels = [\"a\"]\nstatements = [\"s\"]\nnext_steps = [\"n\", \"m\"]";
        assert!(
            Model::parse(short)
                .unwrap_err()
                .to_string()
                .contains("has 1 levels")
        );
    }
}
