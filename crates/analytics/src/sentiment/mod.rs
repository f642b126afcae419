//! Sentiment of customer feedback, per record and per sentence: a score in [−1, 1] and a label.
//!
//! The base is VADER (Hutto & Gilbert 2014) through `vader-parity`, an exact port of
//! vaderSentiment 3.3.2 — lexicon, negation, intensifiers, "but", emphasis, emoji — pinned, with
//! a parity test against VADER's published outputs below. ASCII text, nearly all feedback
//! (typographic quotes, dashes, £ and € allowed), is scored by [`vader`], a faster
//! transcription of the same rules that gives `vader-parity`'s compound bit for bit (tested
//! there).
//!
//! VADER reads general text well and customer complaints badly: "@united" is praise to it (the
//! word "united" is in its lexicon), so is "Help?", "thanks" and "please" in a complaint, and a
//! stated problem with no emotion word ("can't check in", "no one answering") is neutral. On
//! top of it sits the **customer-experience model** (`model.rs`), a small log-linear model of
//! three classes over what a customer's text does:
//!
//! - each sentence cleaned of @handles, links and a brand's hashtags, then scored by VADER
//!   plus the **complaint layer** (`cues.rs`: waiting, never arrived, transferred, charged
//!   twice, hung up, not working, "third time" — valence added in VADER's own units, a cue after
//!   a negation ignored; a plea for help, thanks for a complaint and praise beside sarcasm count
//!   as complaints); the record reads its whole text's score and its lowest, highest and last
//!   sentence's, so one angry sentence in a polite message is not washed out;
//! - counts of cue families written here: asking for help, stating a problem, politeness,
//!   sarcasm (#sarcasm, "thanks for nothing", eye-roll and angry emoji), question marks and
//!   exclamations (signed by the text's polarity);
//! - the text's words and adjacent word pairs, and the mean of its content words' vectors in
//!   the semantic prior ([`crate::prior`]), weighted by training.
//!
//! The score is 70% the model's P(positive) − P(negative) and 30% VADER with the complaint
//! layer (which keeps general text ordered as VADER orders it); a record's score moves a third
//! of the way toward its most negative sentence when that sentence is negative on its own. The
//! labels cut the score at two thresholds chosen on data. The weights are learned from labelled
//! complaints by `examples/sentiment_train.rs` and ship in `data/cx_sentiment/` (provenance,
//! and the evaluation held out by company, in docs/analytics.md).

use std::sync::LazyLock;

use serde::Serialize;
use vader_parity::SentimentIntensityAnalyzer;

mod cues;
mod features;
pub mod model;
pub mod train;
pub mod vader;

pub use cues::complaint_valence;
pub use model::{Model, ModelError};

static VADER: LazyLock<SentimentIntensityAnalyzer> = LazyLock::new(SentimentIntensityAnalyzer::new);

/// The shipped model's file.
const MODEL_FILE: &str = include_str!("../../data/cx_sentiment/model.tsv");

static MODEL: LazyLock<Model> = LazyLock::new(|| {
    // The file is part of the binary and a test reads it: it cannot be missing or malformed.
    Model::from_tsv(MODEL_FILE).unwrap_or_else(|e| panic!("the shipped {e}"))
});

/// The shipped sentiment model.
pub fn shipped_model() -> &'static Model {
    &MODEL
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Negative,
    Neutral,
    Positive,
}

impl Label {
    /// The label of a score of the shipped model, at its thresholds.
    pub fn of(score: f64) -> Self {
        Self::cut(score, MODEL.negative, MODEL.positive)
    }

    /// The label of a score cut at `negative` and `positive` (at or below, at or above).
    pub fn cut(score: f64, negative: f64, positive: f64) -> Self {
        if score >= positive {
            Self::Positive
        } else if score <= negative {
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

    /// The label of a name as data sets write it ("negative", "neutral", "positive").
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "negative" => Some(Self::Negative),
            "neutral" => Some(Self::Neutral),
            "positive" => Some(Self::Positive),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sentiment {
    /// In [−1, 1].
    pub score: f64,
    pub label: Label,
}

/// A sentence and its sentiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentenceSentiment {
    pub text: String,
    pub sentiment: Sentiment,
}

/// VADER's compound for a text: the fast scorer where it applies, `vader-parity` otherwise.
pub(crate) fn vader_compound(text: &str) -> f64 {
    vader::compound(text).unwrap_or_else(|| VADER.polarity_scores(text).compound)
}

fn labelled(score: f64) -> Sentiment {
    Sentiment {
        score,
        label: Label::of(score),
    }
}

const NEUTRAL: Sentiment = Sentiment {
    score: 0.0,
    label: Label::Neutral,
};

/// The sentiment of a whole record (a text with no words is neutral).
pub fn sentiment(text: &str) -> Sentiment {
    let reading = features::read_text(text);
    if reading.whole.words.is_empty() {
        return NEUTRAL;
    }
    labelled(MODEL.record_score(&reading))
}

/// A sentence's score and where it is in its text (bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceScore {
    pub span: std::ops::Range<usize>,
    pub score: f64,
}

/// [`sentiment`], and for a text of several sentences each sentence's score: the readings the
/// record's score is made from, so they cost nothing more (empty for a text of one sentence).
pub fn sentiment_and_sentences(text: &str) -> (Sentiment, Vec<SentenceScore>) {
    let reading = features::read_text(text);
    if reading.whole.words.is_empty() {
        return (NEUTRAL, Vec::new());
    }
    let (record, scores) = MODEL.record_and_sentence_scores(&reading);
    let sentences = reading
        .spans
        .into_iter()
        .zip(scores)
        .map(|(span, score)| SentenceScore { span, score })
        .collect();
    (labelled(record), sentences)
}

/// VADER alone, with VADER's thresholds (±0.05), for comparison in the evaluation.
pub fn vader_only(text: &str) -> Sentiment {
    let score = vader_compound(text);
    Sentiment {
        score,
        label: Label::cut(score, -0.05, 0.05),
    }
}

/// The sentences of a text (see [`sentences`]), as slices of it.
pub(crate) fn sentence_spans(text: &str) -> Vec<&str> {
    features::sentence_spans(text)
}

/// Each sentence of a text with its sentiment. Sentences end at `.`, `!`, `?` or a line break
/// (runs such as `!!!` or `?!` stay with their sentence, where VADER reads them as emphasis).
pub fn sentences(text: &str) -> Vec<SentenceSentiment> {
    features::sentence_spans(text)
        .into_iter()
        .map(|s| {
            let reading = features::read_sentence(text, s);
            SentenceSentiment {
                text: s.to_owned(),
                sentiment: if reading.words.is_empty() {
                    NEUTRAL
                } else {
                    labelled(MODEL.score(&reading))
                },
            }
        })
        .collect()
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

    /// The complaints that VADER reads as praise or as neutral, from real tweets to airlines
    /// and their like (issue 21), and plain compliments that must stay positive.
    #[test]
    fn customer_complaints_read_as_complaints() {
        let complaints = [
            "HELP!",
            "Help?",
            "@united Help?",
            "Thank you for nothing",
            "Please fix the app, I still cannot log in",
            "I was so excited about this trip but I'm having a hard time getting my bags back",
            "This is awesome. #sarcasm",
            "Called your service line and was hung up on",
            "No one answering",
            "@AmericanAir no one answering the phone for two hours",
            "Your chat support is not working",
            "Why is the site down?",
            "I can't check in or add a bag",
            "You messed up my seating again \u{1f621}",
            "@united still no refund",
        ];
        for text in complaints {
            let s = sentiment(text);
            assert_eq!(s.label, Label::Negative, "{text}: {s:?}");
        }
        for text in [
            "the installer was friendly and quick",
            "@united thanks, the crew was wonderful",
            "Great service, thank you!",
        ] {
            let s = sentiment(text);
            assert_eq!(s.label, Label::Positive, "{text}: {s:?}");
        }
        // A handle is not a sentiment word: "@united" alone says nothing.
        assert_eq!(sentiment("@united").label, Label::Neutral);
        // Nor is the brand's name where the text names the brand it addresses: "United" is
        // praise to VADER.
        assert_eq!(
            sentiment("@united United flight 1234").score,
            sentiment("@united flight 1234").score
        );
        assert_eq!(vader_only("United flight 1234").label, Label::Positive);
    }

    #[test]
    fn one_angry_sentence_is_not_washed_out_by_politeness() {
        let text = "Thanks for the quick reply. Please pass on my thanks to the crew. \
                    But my bag has been lost for five days and nobody answers the phone.";
        let s = sentiment(text);
        assert_eq!(s.label, Label::Negative, "{s:?}");
        let split = sentences(text);
        assert_eq!(split.len(), 3);
        assert_eq!(split[2].sentiment.label, Label::Negative);
    }

    #[test]
    fn an_emoji_after_the_last_sentence_speaks_for_the_text() {
        // The eye-roll stands after the last full stop, in no sentence of its own: the whole
        // text's cues are read from its sentences' words and what lies between them.
        let praise = "Great, the new plane was maintained before the flight. Lovely.";
        assert_eq!(sentiment(praise).label, Label::Positive);
        let rolled = sentiment(&format!("{praise} \u{1f612}"));
        assert!(rolled.score < 0.0, "{rolled:?}");
    }

    #[test]
    fn the_shipped_model_reads_back_as_written() {
        let model = shipped_model();
        assert!(model.sparse_len() > 1000, "words and pairs learned");
        assert!(model.negative < 0.0 && model.positive > 0.0);
        let again = Model::from_tsv(&model.to_tsv("test")).expect("reads back");
        for text in [
            "Still waiting for my refund",
            "Lovely crew, thank you",
            "ok",
        ] {
            let reading = features::read_sentence(text, text);
            assert!((again.score(&reading) - model.score(&reading)).abs() < 1e-3);
        }
        let broken = "dense\tbias\t1\t2\n";
        let err = Model::from_tsv(broken).expect_err("a short row");
        assert_eq!(err.line, 1);
        let e = (Model::from_tsv("word\ta\t1\t2\tx\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1: 'x' is not a number"), "{e}");
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
        // Praise with no complaint in it stays praise (the score is no longer VADER's alone:
        // half of it is the model's).
        assert_eq!(sentiment("The sofa is lovely").label, Label::Positive);
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
