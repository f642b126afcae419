//! What a survey asks, in order, as its form shows it — in the customer's language: the
//! practice's questions from the built-in texts, the company's own words from the survey's
//! translation — and which language a customer gets.

use serde::Serialize;
use throughline_domain::org::Organisation;
use throughline_domain::survey::{self, Language, Texts, fill};
use throughline_store::Survey;

use super::{Link, place_name};

/// The name of what `survey` asks about (a touchpoint or a stage) as its questions say it in
/// `language`: the translation's where it gives one, else the organisation's name for it.
pub fn place_in(org: Option<&Organisation>, survey: &Survey, language: Language) -> String {
    survey
        .translations
        .get(&language)
        .and_then(|t| t.place.clone())
        .unwrap_or_else(|| place_name(org, survey))
}

/// One question with a scale, as the form shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleQuestion {
    pub text: String,
    pub choices: Vec<u8>,
    pub low: String,
    pub high: String,
}

/// Another language a survey can be answered in, for a link to it.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageLink {
    pub code: &'static str,
    pub name: &'static str,
}

/// What a survey asks, in order, for its form, in one language.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyForm {
    /// The language's code (the page's `lang`).
    pub language: &'static str,
    pub title: String,
    pub heading: String,
    pub intro: String,
    pub goal: ScaleQuestion,
    pub measure: Option<ScaleQuestion>,
    pub helpful: &'static str,
    pub hindering: &'static str,
    pub comment: &'static str,
    pub extra: Vec<String>,
    pub max_answer_chars: usize,
    /// The form's other words in this language.
    pub texts: &'static Texts,
    /// The survey's other languages.
    pub other_languages: Vec<LanguageLink>,
}

/// The form of `survey` in `language` (one of its languages; its own otherwise), with names
/// from the organisation when it has them.
pub fn form_of(org: Option<&Organisation>, survey: &Survey, language: Language) -> SurveyForm {
    let language = survey.spoken(Some(language));
    let translation = survey.translations.get(&language);
    let place = place_in(org, survey, language);
    let company = org.map_or_else(|| "us".to_owned(), |o| o.name.to_string());
    let texts = language.texts();
    let values = [("place", place.as_str()), ("company", company.as_str())];
    let (low, high) = survey.goal_scale.range();
    SurveyForm {
        language: language.code(),
        title: translation
            .and_then(|t| t.title.clone())
            .unwrap_or_else(|| survey.title.clone()),
        heading: fill(texts.heading, &values),
        intro: fill(texts.intro, &values),
        goal: ScaleQuestion {
            text: fill(texts.goal, &values),
            choices: (low..=high).collect(),
            low: texts.goal_low.to_owned(),
            high: texts.goal_high.to_owned(),
        },
        measure: survey.measure.range().map(|(low, high)| {
            let (low_text, high_text) = survey.measure.ends(texts);
            ScaleQuestion {
                text: survey
                    .measure
                    .question(texts, &company, &place)
                    .unwrap_or_default(),
                choices: (low..=high).collect(),
                low: low_text.to_owned(),
                high: high_text.to_owned(),
            }
        }),
        helpful: texts.helpful,
        hindering: texts.hindering,
        comment: texts.comment,
        extra: translation
            .filter(|t| !t.questions.is_empty())
            .map_or_else(|| survey.questions.clone(), |t| t.questions.clone()),
        max_answer_chars: survey::MAX_ANSWER_CHARS,
        texts,
        other_languages: survey
            .languages()
            .into_iter()
            .filter(|&l| l != language)
            .map(|l| LanguageLink {
                code: l.code(),
                name: l.name(),
            })
            .collect(),
    }
}

/// The language a customer answers `link` in: the one asked for (`?lang=`), else the
/// invitation's, else the first of the browser's (`Accept-Language`) the survey speaks, else
/// the survey's own.
pub fn language_for(link: &Link, asked: Option<&str>, accept_language: Option<&str>) -> Language {
    let survey = link.survey();
    let speaks = |l: &Language| survey.spoken(Some(*l)) == *l;
    asked
        .and_then(|code| Language::parse(code).ok())
        .filter(speaks)
        .or_else(|| link.invitation().and_then(|i| i.language).filter(speaks))
        .or_else(|| {
            accept_language.and_then(|h| Language::from_accept_language(h, &survey.languages()))
        })
        .unwrap_or(survey.language)
}
