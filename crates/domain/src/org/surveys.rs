//! Journey surveys declared in the organisation file (`[[surveys]]`): which touchpoints (or
//! whole stages) the company asks about, with which measure and questions, in which languages. Applying the file makes each survey it
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
//! language = "en"                 # the language it is written in (default en)
//!
//! [surveys.translations.de]       # the survey in German: its own words (the practice's
//! place = "Liefertag"             # questions and the form are built in)
//! questions = ["Hat das Team Ihre Wohnung ordentlich hinterlassen?"]
//!
//! [[surveys]]
//! stage = "receive"               # a whole stage instead of one touchpoint
//! ```

use serde::{Deserialize, Serialize};

use super::Journey;
use crate::primitives::Key;
use crate::survey::{
    Asks, GoalScale, Language, Measure, Translations, check_extra_questions, check_translations,
};

/// A survey as the organisation file writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyEntry {
    /// The touchpoint it asks about (or `stage`, not both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touchpoint: Option<String>,
    /// The stage it asks about as a whole (or `touchpoint`, not both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_scale: Option<u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    /// The language the survey is written in (default en).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub translations: Translations,
}

/// A checked survey definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyDefinition {
    pub asks: Asks,
    /// As written (`None`: the default, "<touchpoint name> survey").
    pub title: Option<String>,
    pub measure: Measure,
    pub goal_scale: GoalScale,
    pub questions: Vec<String>,
    pub language: Language,
    pub translations: Translations,
}

impl SurveyDefinition {
    /// Its title: as written, or "<touchpoint or stage name> survey".
    pub fn title_in(&self, journey: &Journey) -> String {
        self.title
            .clone()
            .unwrap_or_else(|| format!("{} survey", self.asks.name_in(journey)))
    }
}

impl From<&SurveyDefinition> for SurveyEntry {
    fn from(d: &SurveyDefinition) -> Self {
        let (touchpoint, stage) = match &d.asks {
            Asks::Touchpoint(key) => (Some(key.to_string()), None),
            Asks::Stage(key) => (None, Some(key.to_string())),
        };
        Self {
            touchpoint,
            stage,
            title: d.title.clone(),
            measure: Some(d.measure.as_str().to_owned()),
            goal_scale: Some(d.goal_scale.top()),
            questions: d.questions.clone(),
            language: (d.language != Language::En).then(|| d.language.code().to_owned()),
            translations: d.translations.clone(),
        }
    }
}

/// Checks the file's surveys against `journey`: each names a touchpoint or a stage of it, a
/// known measure, scale and language, at most five distinct questions, translations that match
/// them; titles are unique. Problems as (index, field, message).
pub fn check_surveys(
    entries: &[SurveyEntry],
    journey: Option<&Journey>,
) -> (Vec<SurveyDefinition>, Vec<(usize, &'static str, String)>) {
    let mut out: Vec<SurveyDefinition> = Vec::new();
    let mut problems = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let mut problem = |field, message: String| problems.push((i, field, message));
        let key =
            |field: &'static str, text: &str, problem: &mut dyn FnMut(&'static str, String)| {
                Key::parse(text.trim())
                    .map_err(|e| problem(field, e.0))
                    .ok()
            };
        let asks = match (&entry.touchpoint, &entry.stage) {
            (Some(touchpoint), None) => key("touchpoint", touchpoint, &mut problem).map(|key| {
                let known = journey.is_none_or(|j| {
                    j.stages
                        .iter()
                        .flat_map(|s| &s.touchpoints)
                        .any(|t| t.key == key)
                });
                if !known {
                    problem("touchpoint", format!("no touchpoint {key} in the journey"));
                }
                Asks::Touchpoint(key)
            }),
            (None, Some(stage)) => key("stage", stage, &mut problem).map(|key| {
                if !journey.is_none_or(|j| j.stages.iter().any(|s| s.key == key)) {
                    problem("stage", format!("no stage {key} in the journey"));
                }
                Asks::Stage(key)
            }),
            (Some(_), Some(_)) => {
                problem(
                    "stage",
                    "a survey asks about a touchpoint or a whole stage: name one, not both"
                        .to_owned(),
                );
                None
            }
            (None, None) => {
                problem(
                    "touchpoint",
                    "name the touchpoint (or the stage) the survey asks about".to_owned(),
                );
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
        let language = Language::parse(entry.language.as_deref().unwrap_or("en"))
            .map_err(|e| problem("language", e.0))
            .ok();
        let translations = match (&questions, language) {
            (Some(questions), Some(language)) => {
                check_translations(&entry.translations, language, questions.len())
                    .map_err(|e| problem("translations", e.0))
                    .ok()
            }
            _ => None,
        };
        let title = entry
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if title
            .as_ref()
            .is_some_and(|t| t.chars().count() > crate::survey::MAX_TITLE_CHARS)
        {
            problem("title", "a title is at most 100 characters".to_owned());
        }
        if let (
            Some(asks),
            Some(measure),
            Some(goal_scale),
            Some(questions),
            Some(language),
            Some(translations),
        ) = (asks, measure, goal_scale, questions, language, translations)
        {
            let definition = SurveyDefinition {
                asks,
                title,
                measure,
                goal_scale,
                questions,
                language,
                translations,
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
    use super::*;
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
        let german = &org.surveys[0].translations[&Language::De];
        assert_eq!(german.place.as_deref(), Some("Liefertag"));
        assert_eq!(german.questions.len(), 1);
        assert_eq!(org.surveys[0].language, Language::En);
    }

    #[test]
    fn a_survey_asks_about_a_touchpoint_or_a_whole_stage_in_languages_that_match() {
        let text = format!(
            "{}\n[[surveys]]\nstage = \"receive\"\nlanguage = \"de\"\n\n\
             [[surveys]]\nstage = \"moon\"\n\n\
             [[surveys]]\ntouchpoint = \"installation\"\nstage = \"receive\"\n\n\
             [[surveys]]\n\n\
             [[surveys]]\ntouchpoint = \"returns\"\nquestions = [\"One?\"]\n\
             [surveys.translations.fr]\nquestions = [\"Un ?\", \"Deux ?\"]\n",
            example()
        );
        let problems: Vec<String> = parse(&text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].contains("no stage moon"), "{problems:#?}");
        assert!(problems[1].contains("not both"), "{problems:#?}");
        assert!(problems[2].contains("name the touchpoint"), "{problems:#?}");
        assert!(
            problems[3].contains("asks 1 question(s) of its own, the translation gives 2"),
            "{problems:#?}"
        );
        // The stage survey alone is fine, and written in German.
        let fine = format!(
            "{}\n[[surveys]]\nstage = \"receive\"\nlanguage = \"de\"\n",
            example()
        );
        let org = parse(&fine).unwrap().organisation;
        let stage = &org.surveys[1];
        assert_eq!(stage.asks, Asks::Stage(Key::parse("receive").unwrap()));
        assert_eq!(stage.language, Language::De);
        let entry = SurveyEntry::from(stage);
        assert_eq!(entry.stage.as_deref(), Some("receive"));
        assert_eq!(entry.touchpoint, None);
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
