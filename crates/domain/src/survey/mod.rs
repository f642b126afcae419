//! A journey survey: the practice's questions asked at one touchpoint — how well the customer's
//! goal there was supported, a relationship or transaction measure (NPS, CSAT or CES) as
//! chosen, what helped most and what hindered most, and a few optional questions of the
//! company's own — and the checks an answer passes before it becomes a feedback record.
//!
//! Where the answers go: the goal score is the record's rating (on the survey's own scale: a
//! rating is compared only within its source, and the survey is the source), the measure its
//! NPS, CSAT or CES, "what helped" and "what hindered" its helpful and hindering texts, "anything
//! else" its comment, and each optional question's answer a metadata column named by the
//! question.
//!
//! What the survey says is in the customer's language where the survey is translated
//! ([`language`]).

pub mod language;
mod texts;

use serde::{Deserialize, Serialize};

pub use language::{Language, Translation, Translations, check_translations, fill};
pub use texts::Texts;

use crate::primitives::ValidationError;

/// The longest answer to one question; a longer one is refused with a message, not cut.
pub const MAX_ANSWER_CHARS: usize = 2_000;
/// The most optional questions a survey may add to the practice's.
pub const MAX_EXTRA_QUESTIONS: usize = 5;
/// The longest question a survey may ask.
pub const MAX_QUESTION_CHARS: usize = 300;
/// The longest title (or touchpoint or stage name in a translation) a survey may have.
pub const MAX_TITLE_CHARS: usize = 100;

/// What a survey asks about: one touchpoint, or a whole stage of the journey (its answers land on
/// the stage, with no touchpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Asks {
    Touchpoint(crate::Key),
    Stage(crate::Key),
}

impl Asks {
    /// The touchpoint's or stage's name in `journey` (its key where the journey no longer has
    /// it).
    pub fn name_in(&self, journey: &crate::org::Journey) -> String {
        let named = match self {
            Self::Touchpoint(key) => journey
                .stages
                .iter()
                .flat_map(|s| &s.touchpoints)
                .find(|t| &t.key == key)
                .map(|t| t.name.to_string()),
            Self::Stage(key) => journey
                .stages
                .iter()
                .find(|s| &s.key == key)
                .map(|s| s.name.to_string()),
        };
        named.unwrap_or_else(|| self.key().to_string())
    }

    /// The stage its answers land on in `journey`: the stage itself, or the touchpoint's.
    pub fn stage_in<'j>(&self, journey: &'j crate::org::Journey) -> Option<&'j crate::org::Stage> {
        journey.stages.iter().find(|s| match self {
            Self::Stage(key) => &s.key == key,
            Self::Touchpoint(key) => s.touchpoints.iter().any(|t| &t.key == key),
        })
    }

    pub fn key(&self) -> &crate::Key {
        match self {
            Self::Touchpoint(key) | Self::Stage(key) => key,
        }
    }

    /// The touchpoint, when it asks about one.
    pub fn touchpoint(&self) -> Option<&crate::Key> {
        match self {
            Self::Touchpoint(key) => Some(key),
            Self::Stage(_) => None,
        }
    }
}

/// The measure a survey asks besides the goal question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// "How likely are you to recommend …", 0–10.
    Nps,
    /// "How satisfied are you …", 1–5.
    Csat,
    /// "How easy was it …", 1 (very easy) – 7 (very difficult).
    Ces,
    /// The goal question only.
    None,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nps => "nps",
            Self::Csat => "csat",
            Self::Ces => "ces",
            Self::None => "none",
        }
    }

    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "nps" => Ok(Self::Nps),
            "csat" => Ok(Self::Csat),
            "ces" => Ok(Self::Ces),
            "none" | "" => Ok(Self::None),
            other => Err(ValidationError::new(format!(
                "measure {other:?}: choose nps, csat, ces or none"
            ))),
        }
    }

    /// The answers a customer may give, lowest first.
    pub fn range(self) -> Option<(u8, u8)> {
        match self {
            Self::Nps => Some((0, 10)),
            Self::Csat => Some((1, 5)),
            Self::Ces => Some((1, 7)),
            Self::None => None,
        }
    }

    /// What the two ends of the scale mean, for the form, in the language of `texts`.
    pub fn ends(self, texts: &Texts) -> (&'static str, &'static str) {
        match self {
            Self::Nps => (texts.nps_low, texts.nps_high),
            Self::Csat => (texts.csat_low, texts.csat_high),
            Self::Ces => (texts.ces_low, texts.ces_high),
            Self::None => ("", ""),
        }
    }

    /// The question as asked about `company` and `place` (a touchpoint or a stage), in the
    /// language of `texts`.
    pub fn question(self, texts: &Texts, company: &str, place: &str) -> Option<String> {
        let template = match self {
            Self::Nps => texts.nps,
            Self::Csat => texts.csat,
            Self::Ces => texts.ces,
            Self::None => return None,
        };
        Some(fill(template, &[("company", company), ("place", place)]))
    }
}

/// The scale of the goal question: 1–5 or 0–10 (written as its top: 5 or 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(into = "u8", try_from = "u8")]
pub enum GoalScale {
    /// 1 (not at all) to 5 (completely).
    Five,
    /// 0 (not at all) to 10 (completely).
    Ten,
}

impl GoalScale {
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim() {
            "5" | "1-5" | "" => Ok(Self::Five),
            "10" | "0-10" => Ok(Self::Ten),
            other => Err(ValidationError::new(format!(
                "goal scale {other:?}: choose 5 (1 to 5) or 10 (0 to 10)"
            ))),
        }
    }

    /// 5 or 10, as stored.
    pub fn top(self) -> u8 {
        match self {
            Self::Five => 5,
            Self::Ten => 10,
        }
    }

    pub fn from_top(top: u8) -> Option<Self> {
        match top {
            5 => Some(Self::Five),
            10 => Some(Self::Ten),
            _ => None,
        }
    }

    pub fn range(self) -> (u8, u8) {
        match self {
            Self::Five => (1, 5),
            Self::Ten => (0, 10),
        }
    }
}

impl From<GoalScale> for u8 {
    fn from(scale: GoalScale) -> u8 {
        scale.top()
    }
}

impl TryFrom<u8> for GoalScale {
    type Error = ValidationError;
    fn try_from(top: u8) -> Result<Self, Self::Error> {
        Self::from_top(top)
            .ok_or_else(|| ValidationError::new(format!("a goal scale is 5 or 10, not {top}")))
    }
}

/// Checks a survey's optional questions: at most [`MAX_EXTRA_QUESTIONS`], none empty, none
/// longer than [`MAX_QUESTION_CHARS`], none repeated.
pub fn check_extra_questions(questions: &[String]) -> Result<Vec<String>, ValidationError> {
    let questions: Vec<String> = questions
        .iter()
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
        .collect();
    if questions.len() > MAX_EXTRA_QUESTIONS {
        return Err(ValidationError::new(format!(
            "a survey adds at most {MAX_EXTRA_QUESTIONS} questions of its own, not {}",
            questions.len()
        )));
    }
    for (i, question) in questions.iter().enumerate() {
        if question.chars().count() > MAX_QUESTION_CHARS {
            return Err(ValidationError::new(format!(
                "question {} is longer than {MAX_QUESTION_CHARS} characters",
                i + 1
            )));
        }
        if questions[..i].contains(question) {
            return Err(ValidationError::new(format!(
                "question {} is asked twice: {question:?}",
                i + 1
            )));
        }
    }
    Ok(questions)
}

/// Answers as a form sends them: text, empty when not answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAnswers {
    pub goal: String,
    pub measure: String,
    pub helpful: String,
    pub hindering: String,
    pub comment: String,
    /// One per optional question, in order.
    pub extra: Vec<String>,
}

/// Answers that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub goal: u8,
    pub measure: Option<u8>,
    pub helpful: Option<String>,
    pub hindering: Option<String>,
    pub comment: Option<String>,
    pub extra: Vec<Option<String>>,
}

/// What is wrong with one answer: the form's field and a sentence for the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerProblem {
    pub field: String,
    pub message: String,
}

/// Checks `raw` against a survey asking `measure` on a `scale` goal question with `extra`
/// optional questions: the goal question must be answered, numbers must be on their scale and
/// texts no longer than [`MAX_ANSWER_CHARS`]. Every problem is reported, each on its field, in
/// the language of `texts`.
pub fn check_answers(
    raw: &RawAnswers,
    scale: GoalScale,
    measure: Measure,
    extra: usize,
    texts: &Texts,
) -> Result<Answers, Vec<AnswerProblem>> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(AnswerProblem {
            field: field.to_owned(),
            message,
        });
    };
    let number = |text: &str, (low, high): (u8, u8)| -> Result<Option<u8>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<u8>() {
            Ok(n) if (low..=high).contains(&n) => Ok(Some(n)),
            _ => Err(fill(
                texts.choose_number,
                &[("low", &low.to_string()), ("high", &high.to_string())],
            )),
        }
    };
    let goal = match number(&raw.goal, scale.range()) {
        Ok(Some(goal)) => Some(goal),
        Ok(None) => {
            problem("goal", texts.goal_missing.to_owned());
            None
        }
        Err(message) => {
            problem("goal", message);
            None
        }
    };
    let measure_answer = match measure.range() {
        None => None,
        Some(range) => number(&raw.measure, range).unwrap_or_else(|message| {
            problem("measure", message);
            None
        }),
    };
    let mut text = |field: &str, value: &str| -> Option<String> {
        let value = value.trim();
        if value.chars().count() > MAX_ANSWER_CHARS {
            problem(
                field,
                fill(
                    texts.too_long,
                    &[
                        ("max", &MAX_ANSWER_CHARS.to_string()),
                        ("count", &value.chars().count().to_string()),
                    ],
                ),
            );
            return None;
        }
        (!value.is_empty()).then(|| value.to_owned())
    };
    let helpful = text("helpful", &raw.helpful);
    let hindering = text("hindering", &raw.hindering);
    let comment = text("comment", &raw.comment);
    let extra: Vec<Option<String>> = (0..extra)
        .map(|i| {
            text(
                &format!("q{}", i + 1),
                raw.extra.get(i).map_or("", String::as_str),
            )
        })
        .collect();
    match goal {
        Some(goal) if problems.is_empty() => Ok(Answers {
            goal,
            measure: measure_answer,
            helpful,
            hindering,
            comment,
            extra,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> &'static Texts {
        Language::En.texts()
    }

    fn raw(goal: &str, measure: &str) -> RawAnswers {
        RawAnswers {
            goal: goal.into(),
            measure: measure.into(),
            helpful: " the driver called ahead ".into(),
            ..RawAnswers::default()
        }
    }

    #[test]
    fn answers_are_checked_on_their_scales() {
        let ok = check_answers(&raw("4", "9"), GoalScale::Five, Measure::Nps, 0, en()).unwrap();
        assert_eq!(ok.goal, 4);
        assert_eq!(ok.measure, Some(9));
        assert_eq!(ok.helpful.as_deref(), Some("the driver called ahead"));
        assert_eq!(ok.hindering, None);

        let problems = check_answers(&raw("0", "11"), GoalScale::Five, Measure::Nps, 0, en())
            .unwrap_err()
            .into_iter()
            .map(|p| (p.field, p.message))
            .collect::<Vec<_>>();
        assert_eq!(
            problems,
            vec![
                ("goal".to_owned(), "Choose a number from 1 to 5.".to_owned()),
                (
                    "measure".to_owned(),
                    "Choose a number from 0 to 10.".to_owned()
                ),
            ]
        );
        let missing =
            check_answers(&raw("", "3"), GoalScale::Ten, Measure::Csat, 0, en()).unwrap_err();
        assert_eq!(missing[0].field, "goal");
        // 0 is on the 0-10 scale.
        assert_eq!(
            check_answers(&raw("0", ""), GoalScale::Ten, Measure::Csat, 0, en())
                .unwrap()
                .measure,
            None
        );
    }

    #[test]
    fn a_long_answer_is_refused_on_its_field() {
        let mut answers = raw("3", "");
        answers.extra = vec!["x".repeat(MAX_ANSWER_CHARS + 1)];
        let problems =
            check_answers(&answers, GoalScale::Five, Measure::None, 1, en()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "q1");
        assert!(problems[0].message.contains("2000"), "{problems:?}");
    }

    #[test]
    fn optional_questions_are_few_short_and_distinct() {
        assert_eq!(
            check_extra_questions(&[" Was it on time? ".into(), String::new()]).unwrap(),
            vec!["Was it on time?".to_owned()]
        );
        assert!(
            check_extra_questions(&vec!["q".to_owned(); 2])
                .unwrap_err()
                .0
                .contains("asked twice")
        );
        let many: Vec<String> = (0..6).map(|i| format!("Question {i}?")).collect();
        assert!(
            check_extra_questions(&many)
                .unwrap_err()
                .0
                .contains("at most 5")
        );
        assert_eq!(Measure::parse("NPS").unwrap(), Measure::Nps);
        let e = (Measure::parse("stars")).unwrap_err().to_string();
        assert!(e.contains("choose nps, csat, ces or none"), "{e}");
        assert_eq!(GoalScale::parse("10").unwrap().range(), (0, 10));
    }
}
