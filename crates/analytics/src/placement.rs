//! Placing a comment on a journey stage, with the reason.
//!
//! In order of precedence:
//! 1. **explicit** — the record names its stage (or touchpoint): that wins;
//! 2. **vocabulary** — the comment uses the organisation's words for a stage ("delivery",
//!    "arrived late"): the stage with the most matching phrases wins, longer phrases breaking
//!    ties; an unbroken tie leaves the comment unplaced rather than guessing;
//! 3. **learned** — once at least [`MIN_LEARNING_EXAMPLES`] records carry an explicit stage, a
//!    multinomial naive Bayes model of their words places the rest, when it is at least
//!    [`MIN_LEARNED_PROBABILITY`] sure;
//! 4. otherwise the comment stays **unplaced**.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use throughline_domain::org::Organisation;

use crate::text::{borrowed_tokens, is_stopword, tokens};

pub const MIN_LEARNING_EXAMPLES: usize = 20;
pub const MIN_LEARNED_PROBABILITY: f64 = 0.6;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Reason {
    Explicit,
    Vocabulary { phrases: Vec<String> },
    Learned { probability: f64 },
    Unplaced,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    pub stage: Option<String>,
    pub reason: Reason,
}

impl Placement {
    /// The reason in words, for people.
    pub fn explain(&self) -> String {
        match (&self.stage, &self.reason) {
            (Some(stage), Reason::Explicit) => format!("{stage}: given by the record"),
            (Some(stage), Reason::Vocabulary { phrases }) => {
                format!("{stage}: mentions {}", phrases.join(", "))
            }
            (Some(stage), Reason::Learned { probability }) => format!(
                "{stage}: worded like records placed there ({:.0}% sure)",
                probability * 100.0
            ),
            _ => "unplaced: no stage is clear from the text".to_owned(),
        }
    }
}

/// Places comments on the stages of one journey.
#[derive(Debug, Clone, Default)]
pub struct Placer {
    /// (stage key, its phrases as token lists), in journey order.
    stages: Vec<(String, Vec<Vec<String>>)>,
    /// Each phrase's first word → (stage, phrase) indices into `stages`: a comment's words are
    /// each looked up once, rather than every phrase searched for in every comment.
    by_first_word: HashMap<String, Vec<(u32, u32)>, foldhash::fast::RandomState>,
    learned: Option<NaiveBayes>,
}

#[derive(Debug, Clone)]
struct NaiveBayes {
    stages: Vec<String>,
    log_prior: Vec<f64>,
    /// word → log P(word | stage) per stage.
    log_likelihood: HashMap<String, Vec<f64>, foldhash::fast::RandomState>,
    log_unseen: Vec<f64>,
}

fn content_words(text: &str) -> Vec<String> {
    tokens(text).filter(|w| !is_stopword(w)).collect()
}

impl Placer {
    /// The stages and their vocabularies (plus each stage's name) from the organisation.
    pub fn from_organisation(org: &Organisation) -> Self {
        Self::new(
            org.journey
                .stages
                .iter()
                .map(|s| {
                    let mut phrases = s.vocabulary.clone();
                    phrases.push(s.name.as_str().to_owned());
                    (s.key.as_str().to_owned(), phrases)
                })
                .collect(),
        )
    }

    pub fn new(stages: Vec<(String, Vec<String>)>) -> Self {
        let stages: Vec<(String, Vec<Vec<String>>)> = stages
            .into_iter()
            .map(|(key, phrases)| {
                let phrases = phrases
                    .iter()
                    .map(|p| tokens(p).collect::<Vec<_>>())
                    .filter(|p| !p.is_empty())
                    .collect();
                (key, phrases)
            })
            .collect();
        let mut by_first_word: HashMap<String, Vec<(u32, u32)>, _> = HashMap::default();
        for (s, (_, phrases)) in stages.iter().enumerate() {
            for (p, phrase) in phrases.iter().enumerate() {
                by_first_word
                    .entry(phrase[0].clone())
                    .or_default()
                    .push((s as u32, p as u32));
            }
        }
        Self {
            stages,
            by_first_word,
            learned: None,
        }
    }

    /// Learns from records whose stage is known. Does nothing with fewer than
    /// [`MIN_LEARNING_EXAMPLES`] of them.
    pub fn learn(&mut self, examples: &[(&str, &str)]) {
        if examples.len() < MIN_LEARNING_EXAMPLES {
            return;
        }
        // Stages the examples name but the vocabulary does not know (no organisation given)
        // are learned too.
        for (_, stage) in examples {
            if !self.stages.iter().any(|(k, _)| k == stage) {
                self.stages.push(((*stage).to_owned(), Vec::new()));
            }
        }
        let stages: Vec<String> = self.stages.iter().map(|(k, _)| k.clone()).collect();
        // Identical examples (the same comment on the same stage) are read once, counted as
        // often as they occur. The counts are whole numbers: the order they add up in is moot.
        let mut repeats: HashMap<(&str, &str), u32, foldhash::fast::RandomState> =
            HashMap::default();
        for &(text, stage) in examples {
            *repeats.entry((text, stage)).or_default() += 1;
        }
        let mut docs = vec![0usize; stages.len()];
        let mut counts: HashMap<String, Vec<f64>, foldhash::fast::RandomState> = HashMap::default();
        let mut totals = vec![0.0; stages.len()];
        for ((text, stage), times) in repeats {
            let Some(s) = stages.iter().position(|k| k == stage) else {
                continue;
            };
            docs[s] += times as usize;
            for word in content_words(text) {
                counts
                    .entry(word)
                    .or_insert_with(|| vec![0.0; stages.len()])[s] += f64::from(times);
                totals[s] += f64::from(times);
            }
        }
        let vocabulary = counts.len() as f64;
        let known: usize = docs.iter().sum();
        let log_prior = docs
            .iter()
            .map(|&d| ((d as f64 + 1.0) / (known as f64 + stages.len() as f64)).ln())
            .collect();
        let log_unseen: Vec<f64> = totals
            .iter()
            .map(|t| (1.0 / (t + vocabulary)).ln())
            .collect();
        let log_likelihood = counts
            .into_iter()
            .map(|(word, c)| {
                let logs = c
                    .iter()
                    .zip(&totals)
                    .map(|(n, t)| ((n + 1.0) / (t + vocabulary)).ln())
                    .collect();
                (word, logs)
            })
            .collect();
        self.learned = Some(NaiveBayes {
            stages,
            log_prior,
            log_likelihood,
            log_unseen,
        });
    }

    /// The stage of one comment. `explicit` is the record's own stage, if it has one.
    pub fn place(&self, explicit: Option<&str>, text: &str) -> Placement {
        if let Some(stage) = explicit {
            return Placement {
                stage: Some(stage.to_owned()),
                reason: Reason::Explicit,
            };
        }
        let words: Vec<Cow<str>> = borrowed_tokens(text).collect();
        // Every (stage, phrase) that occurs in the comment, in stage then phrase order.
        let mut hits: Vec<(u32, u32)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let Some(candidates) = self.by_first_word.get(word.as_ref()) else {
                continue;
            };
            for &(s, p) in candidates {
                let phrase = &self.stages[s as usize].1[p as usize];
                let here = words
                    .get(i..i + phrase.len())
                    .is_some_and(|window| window.iter().zip(phrase).all(|(a, b)| a == b));
                if here {
                    hits.push((s, p));
                }
            }
        }
        hits.sort_unstable();
        hits.dedup();
        let mut best: Option<(usize, usize, usize, Vec<String>)> = None; // (matches, longest, stage, phrases)
        let mut tie = false;
        for stage_hits in hits.chunk_by(|a, b| a.0 == b.0) {
            let index = stage_hits[0].0 as usize;
            let phrases = &self.stages[index].1;
            let found: Vec<&Vec<String>> = stage_hits
                .iter()
                .map(|&(_, p)| &phrases[p as usize])
                .collect();
            let longest = found.iter().map(|p| p.len()).max().unwrap_or(0);
            let candidate = (found.len(), longest);
            match &best {
                Some((m, l, _, _)) if (*m, *l) > candidate => {}
                Some((m, l, _, _)) if (*m, *l) == candidate => tie = true,
                _ => {
                    tie = false;
                    best = Some((
                        found.len(),
                        longest,
                        index,
                        found.iter().map(|p| p.join(" ")).collect(),
                    ));
                }
            }
        }
        if let Some((_, _, index, phrases)) = best
            && !tie
        {
            return Placement {
                stage: Some(self.stages[index].0.clone()),
                reason: Reason::Vocabulary { phrases },
            };
        }
        if let Some(model) = &self.learned {
            // Each content word looked up once, not once per stage.
            let likelihoods: Vec<Option<&Vec<f64>>> = words
                .iter()
                .filter(|w| !is_stopword(w))
                .map(|w| model.log_likelihood.get(w.as_ref()))
                .collect();
            if !likelihoods.is_empty() {
                let scores: Vec<f64> = (0..model.stages.len())
                    .map(|s| {
                        model.log_prior[s]
                            + likelihoods
                                .iter()
                                .map(|l| l.map_or(model.log_unseen[s], |l| l[s]))
                                .sum::<f64>()
                    })
                    .collect();
                let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                if let Some((s, score)) =
                    scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))
                {
                    let probability = (score - max).exp() / total;
                    if probability >= MIN_LEARNED_PROBABILITY {
                        return Placement {
                            stage: Some(model.stages[s].clone()),
                            reason: Reason::Learned { probability },
                        };
                    }
                }
            }
        }
        Placement {
            stage: None,
            reason: Reason::Unplaced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placer() -> Placer {
        let org = throughline_domain::org::parse(include_str!("../../../examples/org.toml"))
            .unwrap()
            .organisation;
        Placer::from_organisation(&org)
    }

    #[test]
    fn explicit_stages_win_and_vocabulary_places_the_rest() {
        let p = placer();
        let explicit = p.place(Some("pay"), "the delivery was late");
        assert_eq!(explicit.stage.as_deref(), Some("pay"));
        assert_eq!(explicit.explain(), "pay: given by the record");

        let by_words = p.place(None, "The salesperson promised a discount in the showroom");
        assert_eq!(by_words.stage.as_deref(), Some("choose"), "{by_words:?}");
        assert!(
            by_words.explain().contains("salesperson"),
            "{}",
            by_words.explain()
        );

        let none = p.place(None, "lovely, thanks");
        assert_eq!(none.stage, None);
        assert_eq!(none.reason, Reason::Unplaced);
    }

    #[test]
    fn learned_associations_place_comments_the_vocabulary_misses() {
        let mut p = Placer::new(vec![
            ("wait".to_owned(), vec!["delivery date".to_owned()]),
            ("pay".to_owned(), vec!["invoice".to_owned()]),
        ]);
        let mut examples = Vec::new();
        for _ in 0..15 {
            examples.push(("the courier never turned up with my parcel", "wait"));
            examples.push(("my card was debited twice this month", "pay"));
        }
        assert_eq!(p.place(None, "parcel and courier problems").stage, None);
        p.learn(&examples);
        let learned = p.place(None, "parcel and courier problems");
        assert_eq!(learned.stage.as_deref(), Some("wait"));
        assert!(matches!(learned.reason, Reason::Learned { probability } if probability > 0.9));
        assert_eq!(
            p.place(None, "where is the invoice").reason,
            Reason::Vocabulary {
                phrases: vec!["invoice".to_owned()]
            },
            "vocabulary still comes first"
        );
    }

    #[test]
    fn a_tie_between_stages_is_left_unplaced() {
        let p = Placer::new(vec![
            ("wait".to_owned(), vec!["delivery".to_owned()]),
            ("pay".to_owned(), vec!["refund".to_owned()]),
        ]);
        assert_eq!(p.place(None, "delivery refund").stage, None);
        assert_eq!(
            p.place(None, "delivery delivery refund").stage,
            None,
            "counted once"
        );
    }
}
