//! Sentiment of customer feedback, per record and per sentence: a score in [−1, 1] and a label.
//!
//! The base is VADER (Hutto & Gilbert 2014) through `vader-parity`, an exact port of
//! vaderSentiment 3.3.2 — lexicon, negation, intensifiers, "but", emphasis, emoji — pinned, with
//! a parity test against VADER's published outputs below. ASCII text, nearly all feedback, is
//! scored by [`vader`], a faster transcription of the same rules that gives `vader-parity`'s
//! compound bit for bit (tested there).
//!
//! On top sits a **customer-experience layer**. General-purpose sentiment reads "I have been
//! waiting three weeks for my refund" as neutral: no sentiment word. In feedback it is a
//! complaint. The layer recognises complaint language — waiting and delays, cancellations,
//! being transferred or passed around, repeating oneself, refunds not received, things lost,
//! broken, missing or never arrived, charged twice, "still", "again", "third time" — and adds
//! its negative valence to VADER's, in VADER's own unnormalised units, before the same
//! normalisation to [−1, 1]. A cue preceded by a negation ("not late", "no delay", "nothing
//! missing") is ignored.
//!
//! Labels use VADER's thresholds: ≥ 0.05 positive, ≤ −0.05 negative, otherwise neutral.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;
use vader_parity::SentimentIntensityAnalyzer;

use crate::text::lowercase;
use vader::ALPHA;

pub mod vader;

static VADER: LazyLock<SentimentIntensityAnalyzer> = LazyLock::new(SentimentIntensityAnalyzer::new);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Negative,
    Neutral,
    Positive,
}

impl Label {
    pub fn of(score: f64) -> Self {
        if score >= 0.05 {
            Self::Positive
        } else if score <= -0.05 {
            Self::Negative
        } else {
            Self::Neutral
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Negative => "negative",
            Self::Neutral => "neutral",
            Self::Positive => "positive",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sentiment {
    /// In [−1, 1].
    pub score: f64,
    pub label: Label,
}

impl Sentiment {
    fn from_score(score: f64) -> Self {
        Self {
            score,
            label: Label::of(score),
        }
    }
}

/// A sentence and its sentiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentenceSentiment {
    pub text: String,
    pub sentiment: Sentiment,
}

/// Complaint cues: a phrase (lowercase words, matched on word boundaries) and its valence in
/// VADER units (a strongly negative word such as "horrible" is about −2.5).
const CX_CUES: &[(&str, f64)] = &[
    // Waiting and delays.
    ("still waiting", -2.0),
    ("still not", -1.5),
    ("still no", -1.5),
    ("still haven't", -1.8),
    ("still hasn't", -1.8),
    ("waiting", -0.9),
    ("waited", -0.9),
    ("on hold", -1.2),
    ("delay", -1.2),
    ("delayed", -1.4),
    ("delays", -1.2),
    ("late", -1.6),
    ("overdue", -1.2),
    ("took weeks", -1.5),
    ("took ages", -1.5),
    ("took forever", -1.6),
    ("takes forever", -1.6),
    ("pushed back", -1.2),
    ("rescheduled", -0.9),
    // Broken promises and service failures.
    ("cancelled", -1.0),
    ("canceled", -1.0),
    ("never arrived", -2.2),
    ("never came", -2.0),
    ("never showed", -2.0),
    ("never received", -2.2),
    ("not received", -2.0),
    ("haven't received", -2.0),
    ("hasn't arrived", -2.0),
    ("not arrived", -2.0),
    ("didn't arrive", -2.0),
    ("no show", -1.8),
    ("nobody came", -2.0),
    ("no one came", -2.0),
    ("nobody called", -1.8),
    ("no one called", -1.8),
    ("nobody answers", -1.8),
    ("no response", -1.5),
    ("no reply", -1.5),
    ("no update", -1.4),
    ("no updates", -1.4),
    ("cut off", -1.2),
    // Being passed around and repeating oneself.
    ("transferred", -1.2),
    ("passed around", -1.8),
    ("passed between", -1.8),
    ("bounced between", -1.8),
    ("repeat myself", -1.8),
    ("explain again", -1.5),
    ("chase", -1.2),
    ("chasing", -1.2),
    ("chased", -1.2),
    // Money.
    ("charged twice", -2.2),
    ("double charged", -2.2),
    ("overcharged", -2.0),
    ("refund", -0.6),
    ("no refund", -2.0),
    ("still no refund", -1.0),
    ("wrong", -1.2),
    // Things.
    ("lost", -1.2),
    ("broken", -1.6),
    ("broke", -1.5),
    ("damaged", -1.6),
    ("missing", -1.4),
    ("faulty", -1.6),
    ("defective", -1.6),
    ("scratched", -1.3),
    ("cracked", -1.3),
    // Repetition.
    ("again", -0.6),
    ("second time", -1.0),
    ("third time", -1.5),
    ("fourth time", -1.8),
    ("every time", -0.6),
];

const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "nothing", "isn't", "wasn't", "weren't", "aren't", "didn't",
    "don't", "doesn't", "hardly", "barely", "nor",
];

/// Lowercase words with their apostrophes kept ("wasn't"), for cue matching. Words already
/// lowercase with a plain apostrophe (most) are borrowed, not copied.
fn words(text: &str) -> Vec<Cow<'_, str>> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.contains('’') {
                Cow::Owned(w.replace('’', "'").to_lowercase())
            } else {
                lowercase(w)
            }
        })
        .collect()
}

/// Cues as word lists with their valence, by first word.
type CueIndex = HashMap<&'static str, Vec<(Vec<&'static str>, f64)>, foldhash::fast::FixedState>;

/// The cues as word lists, indexed by their first word (built once).
static CUE_INDEX: LazyLock<CueIndex> = LazyLock::new(|| {
    let mut index = CueIndex::default();
    for (phrase, valence) in CX_CUES {
        let words: Vec<&'static str> = phrase.split(' ').collect();
        index.entry(words[0]).or_default().push((words, *valence));
    }
    index
});

/// The complaint valence of a text: the sum of its cues, longest match first at each word, a
/// cue after a negation (within three words) ignored. As in VADER, "but" shifts the weight to
/// what follows it: cues before it count half, cues after it one and a half.
pub fn complaint_valence(text: &str) -> f64 {
    let words = words(text);
    let but = words.iter().position(|w| w.as_ref() == "but");
    let weight = |i: usize| match but {
        Some(b) if i < b => 0.5,
        Some(b) if i > b => 1.5,
        _ => 1.0,
    };
    let mut total = 0.0;
    let mut i = 0;
    while i < words.len() {
        let best = CUE_INDEX.get(words[i].as_ref()).and_then(|cues| {
            cues.iter()
                .filter(|(parts, _)| {
                    words.get(i..i + parts.len()).is_some_and(|window| {
                        window.iter().zip(parts).all(|(w, p)| w.as_ref() == *p)
                    })
                })
                .map(|(parts, valence)| (parts.len(), *valence))
                .max_by_key(|(len, _)| *len)
        });
        match best {
            Some((len, valence)) => {
                let negated = words[i.saturating_sub(3)..i]
                    .iter()
                    .any(|w| NEGATORS.contains(&w.as_ref()))
                    // A cue that starts with its own negation ("no refund") is the complaint.
                    && !NEGATORS.iter().any(|n| words[i].as_ref() == *n);
                if !negated {
                    total += valence * weight(i);
                }
                i += len;
            }
            None => i += 1,
        }
    }
    total
}

/// VADER's compound for a text: the fast scorer where it applies, `vader-parity` otherwise.
fn vader_compound(text: &str) -> f64 {
    vader::compound(text).unwrap_or_else(|| VADER.polarity_scores(text).compound)
}

/// VADER's compound for a text, with the complaint layer added.
fn score_text(text: &str) -> f64 {
    let compound = vader_compound(text);
    let cx = complaint_valence(text);
    if cx == 0.0 {
        return compound;
    }
    // Back to VADER's unnormalised sum, add the complaint valence, normalise again.
    let c = compound.clamp(-0.9999, 0.9999);
    let raw = c * (ALPHA / (1.0 - c * c)).sqrt();
    let adjusted = raw + cx;
    adjusted / (adjusted * adjusted + ALPHA).sqrt()
}

/// The sentiment of a whole record.
pub fn sentiment(text: &str) -> Sentiment {
    Sentiment::from_score(score_text(text))
}

/// VADER alone, for comparison in the evaluation.
pub fn vader_only(text: &str) -> Sentiment {
    Sentiment::from_score(vader_compound(text))
}

/// Each sentence of a text with its sentiment. Sentences end at `.`, `!`, `?` or a line break
/// (runs such as `!!!` or `?!` stay with their sentence, where VADER reads them as emphasis).
pub fn sentences(text: &str) -> Vec<SentenceSentiment> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?' | b'\n') {
            let mut end = i + 1;
            while end < bytes.len() && matches!(bytes[end], b'.' | b'!' | b'?') {
                end += 1;
            }
            // "3.5" and "e.g." are not sentence ends: a full stop must be followed by space.
            let boundary = b != b'.' || end >= bytes.len() || bytes[end].is_ascii_whitespace();
            if boundary {
                push_sentence(&mut out, &text[start..end]);
                start = end;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    push_sentence(&mut out, &text[start..]);
    out
}

fn push_sentence(out: &mut Vec<SentenceSentiment>, text: &str) {
    let text = text.trim();
    if text.chars().any(char::is_alphanumeric) {
        out.push(SentenceSentiment {
            text: text.to_owned(),
            sentiment: sentiment(text),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outputs published in the vaderSentiment 3.3.2 README; the port must give them exactly.
    #[test]
    fn vader_matches_its_published_outputs() {
        let published = [
            ("VADER is smart, handsome, and funny.", 0.8316),
            ("VADER is smart, handsome, and funny!", 0.8439),
            ("VADER is very smart, handsome, and funny.", 0.8545),
            ("VADER is VERY SMART, handsome, and FUNNY.", 0.9227),
            ("VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342),
            (
                "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
                0.9469,
            ),
            ("VADER is not smart, handsome, nor funny.", -0.7424),
            ("The book was good.", 0.4404),
            ("At least it isn't a horrible book.", 0.431),
            ("The book was only kind of good.", 0.3832),
            (
                "The plot was good, but the characters are uncompelling and the dialog is not great.",
                -0.7042,
            ),
            ("Today SUX!", -0.5461),
            ("Today only kinda sux! But I'll get by, lol", 0.5249),
            ("Make sure you :) or :D today!", 0.8633),
            ("Not bad at all", 0.431),
        ];
        for (text, compound) in published {
            assert_eq!(vader_only(text).score, compound, "{text}");
        }
    }

    #[test]
    fn complaints_without_sentiment_words_are_negative() {
        let complaints = [
            "I have been waiting three weeks for my refund",
            "Still waiting for the engineer",
            "The parcel never arrived",
            "I was transferred four times and had to repeat myself every time",
            "Charged twice for the same order",
            "Third time I call about this invoice",
            "The table arrived damaged and one leg is missing",
            "Delivery was rescheduled again",
        ];
        for text in complaints {
            let base = vader_only(text);
            let ours = sentiment(text);
            assert_eq!(ours.label, Label::Negative, "{text}: {ours:?}");
            assert!(ours.score < base.score, "{text}");
        }
    }

    #[test]
    fn negated_cues_and_plain_praise_are_left_alone() {
        for text in [
            "Delivery was not late at all, great service",
            "Nothing was missing and the fitter was lovely",
            "Arrived on time, no delay, very happy",
        ] {
            assert_eq!(complaint_valence(text), 0.0, "{text}");
            assert_eq!(sentiment(text).label, Label::Positive, "{text}");
        }
        assert!(
            complaint_valence("no refund yet") < -1.5,
            "a cue that is a negation counts"
        );
        assert_eq!(
            sentiment("The sofa is lovely").score,
            vader_only("The sofa is lovely").score
        );
        assert_eq!(sentiment("").label, Label::Neutral);
    }

    #[test]
    fn contrast_and_emphasis_still_work_through_the_layer() {
        let mixed = sentiment("The fitter was great, but the delivery was late again!!!");
        assert_eq!(mixed.label, Label::Negative, "{mixed:?}");
        let split = sentences("Great sofa. But it arrived 3.5 weeks late!! Why?");
        let texts: Vec<&str> = split.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Great sofa.", "But it arrived 3.5 weeks late!!", "Why?"]
        );
        assert_eq!(split[0].sentiment.label, Label::Positive);
        assert_eq!(split[1].sentiment.label, Label::Negative);
    }
}
