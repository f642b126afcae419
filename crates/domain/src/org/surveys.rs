//! Journey surveys declared in the organisation file (`[[surveys]]`): which touchpoints the
//! company asks about, with which measure and questions. Applying the file makes each survey it
//! names that does not exist yet (by title); a live survey is never changed under its
//! respondents — to ask other questions, name a new survey and close the old one.
//!
//! ```toml
//! [[surveys]]
//! touchpoint = "delivery-day"
//! measure = "nps"                 # nps (default), csat, ces or none
//! goal_scale = 5                  # 5 (1–5, default) or 10 (0–10)
//! questions = ["Did the crew leave your home tidy?"]
//! title = "Delivery day survey"   # default: "<touchpoint name> survey"
//! ```

use serde::{Deserialize, Serialize};

use super::Journey;
use crate::primitives::Key;
use crate::survey::{GoalScale, Measure, check_extra_questions};

/// A survey as the organisation file writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyEntry {
    pub touchpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_scale: Option<u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
}

/// A checked survey definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyDefinition {
    pub touchpoint: Key,
    /// As written (`None`: the default, "<touchpoint name> survey").
    pub title: Option<String>,
    pub measure: Measure,
    pub goal_scale: GoalScale,
    pub questions: Vec<String>,
}

impl SurveyDefinition {
    /// Its title: as written, or "<touchpoint name> survey".
    pub fn title_in(&self, journey: &Journey) -> String {
        self.title.clone().unwrap_or_else(|| {
            let name = journey
                .stages
                .iter()
                .flat_map(|s| &s.touchpoints)
                .find(|t| t.key == self.touchpoint)
                .map_or_else(|| self.touchpoint.to_string(), |t| t.name.to_string());
            format!("{name} survey")
        })
    }
}

impl From<&SurveyDefinition> for SurveyEntry {
    fn from(d: &SurveyDefinition) -> Self {
        Self {
            touchpoint: d.touchpoint.to_string(),
            title: d.title.clone(),
            measure: Some(d.measure.as_str().to_owned()),
            goal_scale: Some(d.goal_scale.top()),
            questions: d.questions.clone(),
        }
    }
}

/// Checks the file's surveys against `journey`: each names a touchpoint of it, a known measure
/// and scale, at most five distinct questions; titles are unique. Problems as (index, field,
/// message).
pub fn check_surveys(
    entries: &[SurveyEntry],
    journey: Option<&Journey>,
) -> (Vec<SurveyDefinition>, Vec<(usize, &'static str, String)>) {
    let mut out: Vec<SurveyDefinition> = Vec::new();
    let mut problems = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let mut problem = |field, message: String| problems.push((i, field, message));
        let touchpoint = match Key::parse(entry.touchpoint.trim()) {
            Ok(key) => {
                let known = journey.is_none_or(|j| {
                    j.stages
                        .iter()
                        .flat_map(|s| &s.touchpoints)
                        .any(|t| t.key == key)
                });
                if !known {
                    problem("touchpoint", format!("no touchpoint {key} in the journey"));
                }
                Some(key)
            }
            Err(e) => {
                problem("touchpoint", e.0);
                None
            }
        };
        let measure = Measure::parse(entry.measure.as_deref().unwrap_or("nps"))
            .map_err(|e| problem("measure", e.0))
            .ok();
        let goal_scale = GoalScale::parse(&entry.goal_scale.unwrap_or(5).to_string())
            .map_err(|e| problem("goal_scale", e.0))
            .ok();
        let questions = check_extra_questions(&entry.questions)
            .map_err(|e| problem("questions", e.0))
            .ok();
        let title = entry
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if title.as_ref().is_some_and(|t| t.chars().count() > 100) {
            problem("title", "a title is at most 100 characters".to_owned());
        }
        if let (Some(touchpoint), Some(measure), Some(goal_scale), Some(questions)) =
            (touchpoint, measure, goal_scale, questions)
        {
            let definition = SurveyDefinition {
                touchpoint,
                title,
                measure,
                goal_scale,
                questions,
            };
            if let Some(journey) = journey {
                let title = definition.title_in(journey);
                if out.iter().any(|d| d.title_in(journey) == title) {
                    problem("title", format!("another survey is called {title:?}"));
                    continue;
                }
            }
            out.push(definition);
        }
    }
    (out, problems)
}

#[cfg(test)]
mod tests {
    use crate::org::parse;

    fn example() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/org.toml"
        ))
        .unwrap()
    }

    #[test]
    fn the_example_declares_a_survey_with_a_default_title() {
        let org = parse(&example()).unwrap().organisation;
        assert_eq!(org.surveys.len(), 1);
        assert_eq!(org.surveys[0].title_in(&org.journey), "Delivery day survey");
        assert_eq!(
            org.surveys[0].questions,
            ["Did the crew leave your home tidy?"]
        );
    }

    #[test]
    fn bad_surveys_are_refused_where_they_are() {
        let text = format!(
            "{}\n[[surveys]]\ntouchpoint = \"moon\"\n\n[[surveys]]\ntouchpoint = \"installation\"\nmeasure = \"stars\"\n\n[[surveys]]\ntouchpoint = \"returns\"\ntitle = \"Delivery day survey\"\n",
            example()
        );
        let problems: Vec<String> = parse(&text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        // Each placed on its line and column in the file.
        assert!(problems[0].contains("no touchpoint moon"), "{problems:#?}");
        assert!(problems[1].contains("measure \"stars\""), "{problems:#?}");
        assert!(
            problems[2].contains("another survey is called"),
            "{problems:#?}"
        );
        assert!(
            problems
                .iter()
                .all(|p| p.split(':').next().unwrap().parse::<usize>().is_ok())
        );
    }
}
