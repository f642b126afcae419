//! Themes: named groupings of comments with their defining phrases — the entries of the
//! codebook. Discovered from the data or written by a person; renamed, merged, split, archived.

use serde::{Deserialize, Serialize};

use crate::primitives::{Name, ValidationError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeOrigin {
    /// Found in the data by theme discovery.
    Discovered,
    /// Created or edited by a person; analysis never overwrites it.
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeStatus {
    Active,
    /// Kept for history; no longer assigned to new records.
    Archived,
}

/// A codebook entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    pub label: Name,
    /// The phrases that define the theme, most distinctive first. Never empty: a theme with no
    /// phrase could not be re-applied to new records.
    pub phrases: Vec<String>,
    pub parent: Option<Name>,
    pub origin: ThemeOrigin,
    pub status: ThemeStatus,
}

impl Theme {
    pub fn new(
        label: Name,
        phrases: Vec<String>,
        origin: ThemeOrigin,
    ) -> Result<Self, ValidationError> {
        let mut cleaned: Vec<String> = Vec::with_capacity(phrases.len());
        for phrase in phrases {
            let phrase = phrase.trim().to_lowercase();
            if !phrase.is_empty() && !cleaned.contains(&phrase) {
                cleaned.push(phrase);
            }
        }
        if cleaned.is_empty() {
            return Err(ValidationError::new(format!(
                "theme {label:?} needs at least one phrase"
            )));
        }
        Ok(Self {
            label,
            phrases: cleaned,
            parent: None,
            origin,
            status: ThemeStatus::Active,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_normalised_and_required() {
        let theme = Theme::new(
            Name::parse("Refund not received").unwrap(),
            vec![
                " Refund not received ".into(),
                "refund not received".into(),
                "".into(),
                "still no refund".into(),
            ],
            ThemeOrigin::Manual,
        )
        .unwrap();
        assert_eq!(theme.phrases, ["refund not received", "still no refund"]);
        assert_eq!(theme.status, ThemeStatus::Active);

        let none = Theme::new(
            Name::parse("Empty").unwrap(),
            vec!["  ".into()],
            ThemeOrigin::Discovered,
        );
        assert!(none.is_err());
    }
}
