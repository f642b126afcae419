//! One customer signal — a survey response, a ticket, a review, a call note — and the scores it
//! may carry. Scores are checked on construction: an NPS of 11 or a CSAT of 0 cannot exist.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::primitives::{Key, Name, Timestamp, ValidationError};

/// Net Promoter Score answer: "how likely are you to recommend us", 0 to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Nps(u8);

/// The three NPS groups: 0–6 detractors, 7–8 passives, 9–10 promoters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsCategory {
    Detractor,
    Passive,
    Promoter,
}

impl Nps {
    pub fn new(value: u8) -> Result<Self, ValidationError> {
        if value > 10 {
            return Err(ValidationError::new(format!(
                "NPS must be between 0 and 10, got {value}"
            )));
        }
        Ok(Self(value))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn category(self) -> NpsCategory {
        match self.0 {
            0..=6 => NpsCategory::Detractor,
            7..=8 => NpsCategory::Passive,
            _ => NpsCategory::Promoter,
        }
    }

    /// The answer's part of an NPS: a promoter +100, a passive 0, a detractor −100, so that the
    /// mean of a group's points is its NPS.
    pub fn points(self) -> f64 {
        match self.category() {
            NpsCategory::Detractor => -100.0,
            NpsCategory::Passive => 0.0,
            NpsCategory::Promoter => 100.0,
        }
    }
}

/// Customer satisfaction, 1 (very dissatisfied) to 5 (very satisfied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Csat(u8);

impl Csat {
    pub fn new(value: u8) -> Result<Self, ValidationError> {
        if !(1..=5).contains(&value) {
            return Err(ValidationError::new(format!(
                "CSAT must be between 1 and 5, got {value}"
            )));
        }
        Ok(Self(value))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// CSAT is reported as the share of 4s and 5s.
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }
}

/// Customer effort score, 1 (very easy) to 7 (very difficult).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Ces(u8);

impl Ces {
    pub fn new(value: u8) -> Result<Self, ValidationError> {
        if !(1..=7).contains(&value) {
            return Err(ValidationError::new(format!(
                "CES must be between 1 and 7, got {value}"
            )));
        }
        Ok(Self(value))
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

macro_rules! score_conversions {
    ($($ty:ident),*) => {$(
        impl TryFrom<u8> for $ty {
            type Error = ValidationError;
            fn try_from(value: u8) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }
        impl From<$ty> for u8 {
            fn from(score: $ty) -> u8 {
                score.0
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}
score_conversions!(Nps, Csat, Ces);

/// A generic rating (star ratings, 1–10 scales, review scores): a finite number from 0 to 100.
/// The scale is the source's; Throughline compares ratings only within one source.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Rating(f64);

impl Rating {
    pub fn new(value: f64) -> Result<Self, ValidationError> {
        if !value.is_finite() || !(0.0..=100.0).contains(&value) {
            return Err(ValidationError::new(format!(
                "a rating must be a number between 0 and 100, got {value}"
            )));
        }
        Ok(Self(value))
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Rating {
    type Error = ValidationError;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Rating> for f64 {
    fn from(rating: Rating) -> f64 {
        rating.0
    }
}

/// The longest free-text field we keep. Longer text is refused rather than cut, so that nothing
/// a customer wrote is silently lost.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// A feedback record as it arrives, before analysis. Made only through [`NewFeedback::new`],
/// which insists on at least one comment or score: an empty record tells nobody anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewFeedback {
    /// Where it came from: a survey, a helpdesk, a review site (a name people chose).
    pub source: Name,
    /// The source's own id for the record. With `source`, it makes re-imports idempotent.
    pub external_id: Option<String>,
    pub received_at: Timestamp,
    pub customer: Option<String>,
    pub channel: Option<String>,
    /// An explicit journey stage, when the source knows it. It wins over inferred placement.
    pub stage: Option<Key>,
    pub touchpoint: Option<Key>,
    pub scores: Scores,
    pub texts: Texts,
    /// Every other column of the source, kept as it was.
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub nps: Option<Nps>,
    pub csat: Option<Csat>,
    pub ces: Option<Ces>,
    pub rating: Option<Rating>,
}

impl Scores {
    pub fn is_empty(&self) -> bool {
        self.nps.is_none() && self.csat.is_none() && self.ces.is_none() && self.rating.is_none()
    }
}

/// The free-text answers: the comment, and the survey's "what helped most" and "what hindered
/// most" questions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Texts {
    pub comment: Option<String>,
    pub helpful: Option<String>,
    pub hindering: Option<String>,
}

impl Texts {
    /// Trims each text, drops empty ones and refuses one longer than [`MAX_TEXT_CHARS`].
    pub fn new(
        comment: Option<&str>,
        helpful: Option<&str>,
        hindering: Option<&str>,
    ) -> Result<Self, ValidationError> {
        let clean = |field: &str, text: Option<&str>| -> Result<Option<String>, ValidationError> {
            let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
                return Ok(None);
            };
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(ValidationError::new(format!(
                    "{field} is longer than {MAX_TEXT_CHARS} characters"
                )));
            }
            Ok(Some(text.to_owned()))
        };
        Ok(Self {
            comment: clean("comment", comment)?,
            helpful: clean("helpful", helpful)?,
            hindering: clean("hindering", hindering)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.comment.is_none() && self.helpful.is_none() && self.hindering.is_none()
    }

    /// All the text of a record, in a fixed order, for analysis.
    pub fn joined(&self) -> String {
        [&self.comment, &self.helpful, &self.hindering]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl NewFeedback {
    #[expect(
        clippy::too_many_arguments,
        reason = "a record has this many independent parts; a builder would only hide them"
    )]
    pub fn new(
        source: Name,
        external_id: Option<String>,
        received_at: Timestamp,
        customer: Option<String>,
        channel: Option<String>,
        placement: (Option<Key>, Option<Key>),
        scores: Scores,
        texts: Texts,
        metadata: BTreeMap<String, String>,
    ) -> Result<Self, ValidationError> {
        if scores.is_empty() && texts.is_empty() {
            return Err(ValidationError::new(
                "a record needs at least one comment or score",
            ));
        }
        let non_empty =
            |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(Self {
            source,
            external_id: non_empty(external_id),
            received_at,
            customer: non_empty(customer),
            channel: non_empty(channel),
            stage: placement.0,
            touchpoint: placement.1,
            scores,
            texts,
            metadata,
        })
    }
}

/// The key that makes importing idempotent, unique per source: `id:<external id>` when the
/// source gave the record an id, otherwise `sha256:<hash of the content>`.
///
/// The content hash covers every field a person would call "the same response" — texts,
/// scores, customer, channel, placement, metadata — and the time only when the file gave one:
/// a record without a date is stamped with the time of its import, which must not make a
/// re-import of the same file look new.
pub fn dedup_key(record: &NewFeedback, time_from_source: bool) -> String {
    use sha2::{Digest, Sha256};

    if let Some(id) = &record.external_id {
        return format!("id:{id}");
    }
    let mut hasher = Sha256::new();
    // Length-prefixed parts, so that no two different records can serialise alike.
    let mut part = |tag: &str, value: Option<&str>| {
        hasher.update(tag.as_bytes());
        match value {
            None => hasher.update([0u8]),
            Some(v) => {
                hasher.update([1u8]);
                hasher.update((v.len() as u64).to_le_bytes());
                hasher.update(v.as_bytes());
            }
        }
    };
    let time = time_from_source.then(|| record.received_at.as_millis().to_string());
    part("time", time.as_deref());
    part("customer", record.customer.as_deref());
    part("channel", record.channel.as_deref());
    part("stage", record.stage.as_ref().map(Key::as_str));
    part("touchpoint", record.touchpoint.as_ref().map(Key::as_str));
    let score = |s: Option<u8>| s.map(|v| v.to_string());
    part("nps", score(record.scores.nps.map(Nps::value)).as_deref());
    part(
        "csat",
        score(record.scores.csat.map(Csat::value)).as_deref(),
    );
    part("ces", score(record.scores.ces.map(Ces::value)).as_deref());
    let rating = record.scores.rating.map(|r| r.value().to_string());
    part("rating", rating.as_deref());
    part("comment", record.texts.comment.as_deref());
    part("helpful", record.texts.helpful.as_deref());
    part("hindering", record.texts.hindering.as_deref());
    for (column, value) in &record.metadata {
        part("column", Some(column));
        part("value", Some(value));
    }
    let digest = hasher.finalize();
    let mut key = String::with_capacity(7 + 32);
    key.push_str("sha256:");
    // 128 bits are plenty to tell records apart and keep the unique index small.
    for byte in &digest[..16] {
        key.push_str(&format!("{byte:02x}"));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_accepts_0_to_10_and_knows_its_group() {
        let e = (Nps::new(11)).unwrap_err().to_string();
        assert!(e.contains("between 0 and 10, got 11"), "{e}");
        assert_eq!(Nps::new(0).unwrap().category(), NpsCategory::Detractor);
        assert_eq!(Nps::new(6).unwrap().category(), NpsCategory::Detractor);
        assert_eq!(Nps::new(7).unwrap().category(), NpsCategory::Passive);
        assert_eq!(Nps::new(8).unwrap().category(), NpsCategory::Passive);
        assert_eq!(Nps::new(9).unwrap().category(), NpsCategory::Promoter);
        assert_eq!(Nps::new(10).unwrap().category(), NpsCategory::Promoter);
    }

    #[test]
    fn csat_and_ces_have_their_own_ranges() {
        let e = (Csat::new(0)).unwrap_err().to_string();
        assert!(e.contains("between 1 and 5, got 0"), "{e}");
        let e = (Csat::new(6)).unwrap_err().to_string();
        assert!(e.contains("between 1 and 5, got 6"), "{e}");
        assert!(Csat::new(4).unwrap().is_satisfied());
        assert!(!Csat::new(3).unwrap().is_satisfied());
        let e = (Ces::new(0)).unwrap_err().to_string();
        assert!(e.contains("between 1 and 7, got 0"), "{e}");
        let e = (Ces::new(8)).unwrap_err().to_string();
        assert!(e.contains("between 1 and 7, got 8"), "{e}");
        assert_eq!(Ces::new(7).unwrap().value(), 7);
    }

    #[test]
    fn ratings_must_be_finite_and_in_range() {
        let e = (Rating::new(f64::NAN)).unwrap_err().to_string();
        assert!(e.contains("between 0 and 100, got NaN"), "{e}");
        let e = (Rating::new(-1.0)).unwrap_err().to_string();
        assert!(e.contains("between 0 and 100, got -1"), "{e}");
        let e = (Rating::new(101.0)).unwrap_err().to_string();
        assert!(e.contains("between 0 and 100, got 101"), "{e}");
        assert_eq!(Rating::new(4.5).unwrap().value(), 4.5);
    }

    #[test]
    fn scores_refuse_bad_values_when_deserialized() {
        let bad: Result<Scores, _> = serde_json::from_str(r#"{"nps": 11}"#);
        let e = (bad).unwrap_err().to_string();
        assert!(e.contains("NPS must be between 0 and 10, got 11"), "{e}");
        let good: Scores = serde_json::from_str(r#"{"nps": 9, "csat": 5}"#).unwrap();
        assert_eq!(good.nps.unwrap().value(), 9);
    }

    #[test]
    fn a_record_needs_text_or_a_score() {
        let make = |scores: Scores, texts: Texts| {
            NewFeedback::new(
                Name::parse("survey").unwrap(),
                Some(" 42 ".into()),
                Timestamp::from_millis(0),
                None,
                Some("  ".into()),
                (None, None),
                scores,
                texts,
                BTreeMap::new(),
            )
        };
        let empty_texts = Texts::new(Some("   "), None, None).unwrap();
        assert!(empty_texts.is_empty());
        let e = (make(Scores::default(), empty_texts))
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least one comment or score"), "{e}");

        let with_score = make(
            Scores {
                nps: Some(Nps::new(3).unwrap()),
                ..Scores::default()
            },
            Texts::default(),
        )
        .unwrap();
        assert_eq!(with_score.external_id.as_deref(), Some("42"));
        assert_eq!(with_score.channel, None, "blank channel is no channel");

        let with_text = make(
            Scores::default(),
            Texts::new(Some("Still waiting for my refund"), None, Some("the wait")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            with_text.texts.joined(),
            "Still waiting for my refund\nthe wait"
        );
    }

    #[test]
    fn overlong_text_is_refused_not_cut() {
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        let err = Texts::new(Some(&long), None, None).unwrap_err();
        assert!(err.to_string().contains("comment"));
    }

    #[test]
    fn dedup_keys_use_the_id_or_the_content() {
        let make = |id: Option<&str>, comment: &str, at: i64| {
            NewFeedback::new(
                Name::parse("survey").unwrap(),
                id.map(str::to_owned),
                Timestamp::from_millis(at),
                None,
                None,
                (None, None),
                Scores::default(),
                Texts::new(Some(comment), None, None).unwrap(),
                BTreeMap::new(),
            )
            .unwrap()
        };
        assert_eq!(dedup_key(&make(Some("r-9"), "a", 1), true), "id:r-9");
        let a = dedup_key(&make(None, "slow delivery", 1), true);
        assert!(a.starts_with("sha256:") && a.len() == 7 + 32, "{a}");
        assert_eq!(a, dedup_key(&make(None, "slow delivery", 1), true));
        assert_ne!(a, dedup_key(&make(None, "slow delivery!", 1), true));
        assert_ne!(a, dedup_key(&make(None, "slow delivery", 2), true));
        assert_eq!(
            dedup_key(&make(None, "slow delivery", 1), false),
            dedup_key(&make(None, "slow delivery", 2), false),
            "a time stamped at import does not make the record new"
        );
    }
}
