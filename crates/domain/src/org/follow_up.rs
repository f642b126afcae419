//! Follow-up rules — the inner loop: which feedback needs someone to get back to the customer
//! (a detractor, "cancel my contract", "unsafe", a theme that means trouble), how urgent it is,
//! and so by when. Written in the organisation file as `[[follow_up]]` tables; a rule holds when
//! any of its conditions does. The case goes to the department that owns the record's
//! touchpoint.
//!
//! ```toml
//! [[follow_up]]
//! name = "Detractor"
//! nps_at_most = 6
//!
//! [[follow_up]]
//! name = "Wants to leave or is at risk"
//! words = ["cancel my contract", "lawyer", "unsafe"]
//! severity = "high"
//! ```

use serde::{Deserialize, Serialize};

use crate::primitives::Name;

/// How urgent a case is: its due time when the rule gives none.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Within a day.
    High,
    /// Within three days.
    #[default]
    Normal,
    /// Within a week.
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Normal => "normal",
            Self::Low => "low",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "high" => Some(Self::High),
            "normal" => Some(Self::Normal),
            "low" => Some(Self::Low),
            _ => None,
        }
    }

    pub fn default_due_hours(self) -> u32 {
        match self {
            Self::High => 24,
            Self::Normal => 72,
            Self::Low => 168,
        }
    }
}

/// A rule as the organisation file writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpEntry {
    pub name: String,
    /// An NPS answer at or below this (0–10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nps_at_most: Option<u8>,
    /// A CSAT answer at or below this (1–5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_at_most: Option<u8>,
    /// A CES answer at or above this (1–7; 7 is very difficult).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ces_at_least: Option<u8>,
    /// Words or phrases the customer wrote (whole words, any case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<String>,
    /// A theme, by its label (any case): records the analysis placed in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(default)]
    pub severity: Severity,
    /// Hours from the feedback to the case's due time (default by severity: 24, 72, 168).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_hours: Option<u32>,
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRule {
    pub name: Name,
    pub nps_at_most: Option<u8>,
    pub csat_at_most: Option<u8>,
    pub ces_at_least: Option<u8>,
    /// Lower-cased.
    pub words: Vec<String>,
    pub theme: Option<String>,
    pub severity: Severity,
    pub due_hours: u32,
}

/// What a rule looks at in a record.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordFacts<'a> {
    pub nps: Option<u8>,
    pub csat: Option<u8>,
    pub ces: Option<u8>,
    /// Everything the customer wrote.
    pub text: &'a str,
    /// The labels of the record's themes.
    pub themes: &'a [&'a str],
}

impl FollowUpEntry {
    /// Checks the entry; the problems say which field and why.
    pub fn check(&self) -> Result<FollowUpRule, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let name = Name::parse(&self.name)
            .map_err(|e| problems.push(("name", e.0)))
            .ok();
        let mut range = |field: &'static str, value: Option<u8>, low: u8, high: u8| {
            if let Some(v) = value
                && !(low..=high).contains(&v)
            {
                problems.push((field, format!("must be from {low} to {high}, not {v}")));
            }
        };
        range("nps_at_most", self.nps_at_most, 0, 10);
        range("csat_at_most", self.csat_at_most, 1, 5);
        range("ces_at_least", self.ces_at_least, 1, 7);
        let words: Vec<String> = self.words.iter().map(|w| w.trim().to_lowercase()).collect();
        if words.iter().any(String::is_empty) {
            problems.push(("words", "a word or phrase cannot be empty".to_owned()));
        }
        if words.len() > 100 {
            problems.push(("words", "at most 100 words or phrases".to_owned()));
        }
        let theme = self
            .theme
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if self.nps_at_most.is_none()
            && self.csat_at_most.is_none()
            && self.ces_at_least.is_none()
            && words.is_empty()
            && theme.is_none()
        {
            problems.push((
                "name",
                "a rule needs a condition: nps_at_most, csat_at_most, ces_at_least, words or \
                 theme"
                    .to_owned(),
            ));
        }
        let due_hours = self
            .due_hours
            .unwrap_or_else(|| self.severity.default_due_hours());
        if !(1..=8_760).contains(&due_hours) {
            problems.push((
                "due_hours",
                format!("must be from 1 to 8760, not {due_hours}"),
            ));
        }
        match name {
            Some(name) if problems.is_empty() => Ok(FollowUpRule {
                name,
                nps_at_most: self.nps_at_most,
                csat_at_most: self.csat_at_most,
                ces_at_least: self.ces_at_least,
                words,
                theme,
                severity: self.severity,
                due_hours,
            }),
            _ => Err(problems),
        }
    }
}

impl From<&FollowUpRule> for FollowUpEntry {
    fn from(rule: &FollowUpRule) -> Self {
        Self {
            name: rule.name.to_string(),
            nps_at_most: rule.nps_at_most,
            csat_at_most: rule.csat_at_most,
            ces_at_least: rule.ces_at_least,
            words: rule.words.clone(),
            theme: rule.theme.clone(),
            severity: rule.severity,
            due_hours: (rule.due_hours != rule.severity.default_due_hours())
                .then_some(rule.due_hours),
        }
    }
}

impl FollowUpRule {
    /// Why the rule holds for `record` ("NPS 3 (6 or less)", "wrote “cancel”"), or `None`.
    pub fn matches(&self, record: &RecordFacts<'_>) -> Option<String> {
        if let (Some(limit), Some(nps)) = (self.nps_at_most, record.nps)
            && nps <= limit
        {
            return Some(format!("NPS {nps} ({limit} or less)"));
        }
        if let (Some(limit), Some(csat)) = (self.csat_at_most, record.csat)
            && csat <= limit
        {
            return Some(format!("CSAT {csat} ({limit} or less)"));
        }
        if let (Some(limit), Some(ces)) = (self.ces_at_least, record.ces)
            && ces >= limit
        {
            return Some(format!("effort {ces} ({limit} or more)"));
        }
        if !self.words.is_empty() {
            let text = record.text.to_lowercase();
            if let Some(word) = self.words.iter().find(|w| contains_words(&text, w)) {
                return Some(format!("wrote “{word}”"));
            }
        }
        if let Some(theme) = &self.theme
            && let Some(found) = record.themes.iter().find(|t| t.eq_ignore_ascii_case(theme))
        {
            return Some(format!("theme “{found}”"));
        }
        None
    }
}

/// Whether `text` holds `phrase` as whole words (both lower-cased).
fn contains_words(text: &str, phrase: &str) -> bool {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    text.match_indices(phrase).any(|(at, _)| {
        boundary(text[..at].chars().next_back())
            && boundary(text[at + phrase.len()..].chars().next())
    })
}

/// Checks the file's rules: each valid, names unique.
pub fn check_rules(
    entries: &[FollowUpEntry],
) -> (Vec<FollowUpRule>, Vec<(usize, &'static str, String)>) {
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match entry.check() {
            Ok(rule) => {
                if rules.iter().any(|r: &FollowUpRule| {
                    r.name.as_str().eq_ignore_ascii_case(rule.name.as_str())
                }) {
                    problems.push((
                        i,
                        "name",
                        format!("{:?} names another rule too", entry.name),
                    ));
                } else {
                    rules.push(rule);
                }
            }
            Err(found) => problems.extend(found.into_iter().map(|(f, m)| (i, f, m))),
        }
    }
    (rules, problems)
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> FollowUpEntry {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn rules_hold_on_scores_words_and_themes() {
        let detractor = entry("name = \"Detractor\"\nnps_at_most = 6")
            .check()
            .unwrap();
        assert_eq!(detractor.due_hours, 72);
        let facts = |nps, text, themes| RecordFacts {
            nps,
            text,
            themes,
            ..RecordFacts::default()
        };
        assert_eq!(
            detractor.matches(&facts(Some(3), "", &[])).as_deref(),
            Some("NPS 3 (6 or less)")
        );
        assert_eq!(detractor.matches(&facts(Some(7), "", &[])), None);
        assert_eq!(detractor.matches(&facts(None, "", &[])), None);

        let leaving = entry(
            "name = \"Leaving\"\nwords = [\"Cancel my contract\", \"unsafe\"]\nseverity = \"high\"",
        )
        .check()
        .unwrap();
        assert_eq!(leaving.due_hours, 24);
        assert!(
            leaving
                .matches(&facts(None, "I will CANCEL MY CONTRACT today", &[]))
                .is_some()
        );
        assert!(
            leaving
                .matches(&facts(None, "The stairs felt unsafe.", &[]))
                .is_some()
        );
        assert!(
            leaving
                .matches(&facts(None, "Nothing unsafely done", &[]))
                .is_none()
        );

        let theme = entry("name = \"Damage\"\ntheme = \"arrived damaged\"\ndue_hours = 48")
            .check()
            .unwrap();
        assert_eq!(
            theme
                .matches(&facts(None, "", &["Arrived damaged"]))
                .as_deref(),
            Some("theme “Arrived damaged”")
        );
    }

    #[test]
    fn bad_rules_are_refused_by_field() {
        let problems = entry("name = \"Nothing\"").check().unwrap_err();
        assert!(problems[0].1.contains("needs a condition"), "{problems:?}");
        let problems = entry("name = \"x\"\nnps_at_most = 11").check().unwrap_err();
        assert_eq!(problems[0].0, "nps_at_most");
        let (rules, problems) = check_rules(&[
            entry("name = \"A\"\nnps_at_most = 6"),
            entry("name = \"a\"\nwords = [\"cancel\"]"),
        ]);
        assert_eq!(rules.len(), 1);
        assert_eq!((problems[0].0, problems[0].1), (1, "name"));
        // Written back as read.
        let rule = entry("name = \"A\"\nnps_at_most = 6\nseverity = \"low\"")
            .check()
            .unwrap();
        assert_eq!(FollowUpEntry::from(&rule).check().unwrap(), rule);
    }
}
