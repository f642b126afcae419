//! The languages a survey speaks. Everything Throughline itself says to a customer — the
//! practice's questions, the form's words, the messages (thanks, closed, too many requests) and
//! the invitation e-mail — is written here once per language; what a company writes itself (a
//! survey's own questions, its title, the name of the touchpoint or stage it asks about) is
//! translated in the survey's definition ([`Translation`]).
//!
//! Adding a language is one more [`Texts`] (in `texts.rs`) and one more [`Language`] variant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::texts::{DE, EN, ES, FR, NL, Texts};
use super::{MAX_QUESTION_CHARS, MAX_TITLE_CHARS};
use crate::primitives::ValidationError;

/// A language the survey pages and invitations are written in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    De,
    Fr,
    Es,
    Nl,
}

impl Language {
    /// Every language Throughline's survey texts are written in.
    pub const ALL: [Self; 5] = [Self::En, Self::De, Self::Fr, Self::Es, Self::Nl];

    /// The ISO 639-1 code, as `lang` attributes and files write it.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Es => "es",
            Self::Nl => "nl",
        }
    }

    /// The language's name in itself, for a link to the survey in it.
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::De => "Deutsch",
            Self::Fr => "Français",
            Self::Es => "Español",
            Self::Nl => "Nederlands",
        }
    }

    /// A language from its code; a regional tag ("de-CH", "fr_BE") names its language.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let primary = text
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|l| l.code() == primary)
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "language {text:?}: survey pages are written in {}",
                    Self::ALL.map(Self::code).join(", ")
                ))
            })
    }

    /// The first of `offered` that a browser's `Accept-Language` header asks for, by its
    /// weights ("de-CH, fr;q=0.8, en;q=0.5"); `None` when it asks for none of them.
    pub fn from_accept_language(header: &str, offered: &[Self]) -> Option<Self> {
        let mut asked: Vec<(f32, usize, Self)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let weight = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                let language = Self::parse(tag).ok()?;
                (weight > 0.0 && offered.contains(&language)).then_some((weight, i, language))
            })
            .collect();
        asked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        asked.first().map(|&(_, _, language)| language)
    }

    /// What Throughline says in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::De => &DE,
            Self::Fr => &FR,
            Self::Es => &ES,
            Self::Nl => &NL,
        }
    }
}

/// A survey's own words in one more language: its title, the name of what it asks about, its
/// own questions (in the same order as the survey's). What is left out is shown as the survey
/// writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The touchpoint's or stage's name as the questions say it ("Liefertag").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
}

/// A survey's translations by language.
pub type Translations = BTreeMap<Language, Translation>;

/// Checks a survey's translations: none into the survey's own language, each with as many
/// questions as the survey asks of its own (or none, when it asks none), no text empty or too
/// long. Texts come back trimmed.
pub fn check_translations(
    translations: &Translations,
    language: Language,
    questions: usize,
) -> Result<Translations, ValidationError> {
    let mut out = Translations::new();
    for (&into, translation) in translations {
        let code = into.code();
        if into == language {
            return Err(ValidationError::new(format!(
                "translation {code}: the survey is written in {code} already"
            )));
        }
        let text = |what: &str, value: &Option<String>, max: usize| match value
            .as_deref()
            .map(str::trim)
        {
            None => Ok(None),
            Some("") => Err(ValidationError::new(format!(
                "translation {code}: the {what} is empty (leave it out to show the survey's own)"
            ))),
            Some(v) if v.chars().count() > max => Err(ValidationError::new(format!(
                "translation {code}: the {what} is longer than {max} characters"
            ))),
            Some(v) => Ok(Some(v.to_owned())),
        };
        let title = text("title", &translation.title, MAX_TITLE_CHARS)?;
        let place = text("place name", &translation.place, MAX_TITLE_CHARS)?;
        let translated: Vec<String> = translation
            .questions
            .iter()
            .map(|q| q.trim().to_owned())
            .collect();
        if translated.len() != questions {
            return Err(ValidationError::new(format!(
                "translation {code}: the survey asks {questions} question(s) of its own, the \
                 translation gives {}",
                translated.len()
            )));
        }
        for (i, question) in translated.iter().enumerate() {
            if question.is_empty() || question.chars().count() > MAX_QUESTION_CHARS {
                return Err(ValidationError::new(format!(
                    "translation {code}: question {} is empty or longer than \
                     {MAX_QUESTION_CHARS} characters",
                    i + 1
                )));
            }
        }
        out.insert(
            into,
            Translation {
                title,
                place,
                questions: translated,
            },
        );
    }
    Ok(out)
}

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_gets_the_language_it_prefers_among_those_offered() {
        let offered = [Language::En, Language::De, Language::Fr];
        let pick = |h: &str| Language::from_accept_language(h, &offered);
        assert_eq!(pick("de-CH, fr;q=0.8, en;q=0.5"), Some(Language::De));
        assert_eq!(pick("es, fr;q=0.7, de;q=0.9"), Some(Language::De));
        assert_eq!(pick("it, es"), None);
        assert_eq!(pick("fr;q=0, en"), Some(Language::En));
        assert_eq!(pick(""), None);
        assert_eq!(Language::parse("fr_BE").unwrap(), Language::Fr);
        let e = Language::parse("it").unwrap_err().0;
        assert!(e.contains("written in en, de, fr, es, nl"), "{e}");
    }

    #[test]
    fn every_language_has_every_placeholder_english_has() {
        let en = serde_json::to_value(Language::En.texts()).unwrap();
        for language in Language::ALL {
            let texts = serde_json::to_value(language.texts()).unwrap();
            for (field, english) in en.as_object().unwrap() {
                let text = texts[field].as_str().unwrap();
                assert!(!text.is_empty(), "{} {field}", language.code());
                for name in [
                    "{place}",
                    "{company}",
                    "{low}",
                    "{high}",
                    "{max}",
                    "{count}",
                    "{seconds}",
                ] {
                    assert_eq!(
                        english.as_str().unwrap().contains(name),
                        text.contains(name),
                        "{} {field} {name}",
                        language.code()
                    );
                }
            }
        }
    }

    #[test]
    fn translations_match_the_survey_they_translate() {
        let mut translations = Translations::new();
        translations.insert(
            Language::De,
            Translation {
                title: Some(" Umfrage zum Liefertag ".into()),
                place: Some("Liefertag".into()),
                questions: vec!["War alles sauber?".into()],
            },
        );
        let checked = check_translations(&translations, Language::En, 1).unwrap();
        assert_eq!(
            checked[&Language::De].title.as_deref(),
            Some("Umfrage zum Liefertag")
        );
        let e = check_translations(&translations, Language::En, 2)
            .unwrap_err()
            .0;
        assert!(
            e.contains("asks 2 question(s) of its own, the translation gives 1"),
            "{e}"
        );
        let e = check_translations(&translations, Language::De, 1)
            .unwrap_err()
            .0;
        assert!(e.contains("written in de already"), "{e}");
        assert_eq!(fill("{place} and {place}", &[("place", "x")]), "x and x");
    }
}
