//! The customer-experience sentiment model: a three-class log-linear model (negative, neutral,
//! positive) over the features of `features.rs` — VADER with the complaint layer per sentence,
//! the cue families, the text's words and word pairs, and the mean of its words' vectors in the
//! semantic prior. Its score is P(positive) − P(negative) blended with the text's VADER score
//! with the complaint layer (70/30), in [−1, 1]; its labels cut the score at two thresholds
//! chosen on data.
//!
//! The weights ship as a text file, `data/cx_sentiment/model.tsv`, built by
//! `examples/sentiment_train.rs` (provenance in that folder's README). Nothing is downloaded.

use std::collections::HashMap;
use std::fmt::Write as _;

use foldhash::fast::FixedState;

use super::features::{DENSE, DENSE_NAMES, Reading, TextReading};
use crate::prior;

/// A trained model.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) dense: [[f64; 3]; DENSE],
    /// Weights of the mean of the text's token embeddings in the semantic prior, one row per
    /// dimension.
    pub(crate) embed: Vec<[f64; 3]>,
    /// Each prior token's embedding times `embed`: a text's embedding term is the mean of its
    /// tokens' rows (the mean and the product commute), so scoring reads no vector.
    pub(crate) piece_logits: Vec<[f64; 3]>,
    /// Word → its row in `sparse`.
    pub(crate) words: HashMap<String, u32, FixedState>,
    /// (first word's row, second word's row) → the pair's row in `sparse`.
    pub(crate) pairs: HashMap<u64, u32, FixedState>,
    pub(crate) sparse: Vec<[f64; 3]>,
    /// Scores at or below `negative` are negative, at or above `positive` positive.
    pub negative: f64,
    pub positive: f64,
}

/// Why a model file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("sentiment model, line {line}: {reason}")]
pub struct ModelError {
    pub line: usize,
    pub reason: String,
}

/// The model's share of a score, the rest being VADER with the complaint layer on the whole
/// text. Held out by airline, the model alone separates the classes best (macro-F1 0.69–0.72)
/// but orders general text worse than VADER (Spearman 0.81 against 0.84 on VADER's tweets);
/// at 0.7 every VADER ground-truth corpus stays within 0.01 of VADER or better and held-out
/// macro-F1 is 0.685–0.714 (docs/analytics.md, "Sentiment"; 0.5 and 0.85 were measured too).
const MODEL_SHARE: f64 = 0.7;

/// How far a record's score moves toward its lowest sentence's. Held out by airline, 0.35
/// costs at most 0.007 of macro-F1 on tweets (mostly one or two sentences, labelled whole);
/// 0.5 cost up to 0.02.
const PULL_TO_LOWEST: f64 = 0.35;

pub(crate) fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

impl Model {
    /// The rows of `sparse` that a reading's words and pairs touch, each once.
    pub(crate) fn active(&self, reading: &Reading) -> Vec<u32> {
        let mut rows = Vec::with_capacity(reading.words.ends.len() * 2);
        let mut prev: Option<u32> = None;
        for word in reading.words.iter() {
            let id = word.and_then(|w| self.words.get(w).copied());
            if let Some(id) = id {
                rows.push(id);
                if let Some(p) = prev
                    && let Some(&pair) = self.pairs.get(&pair_key(p, id))
                {
                    rows.push(pair);
                }
            }
            prev = id;
        }
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// The three class logits of a reading whose [`Self::active`] rows are `rows`.
    fn logits(&self, reading: &Reading, rows: &[u32]) -> [f64; 3] {
        let mut z = [0.0; 3];
        for (x, w) in reading.dense.iter().zip(&self.dense) {
            add(&mut z, w, *x);
        }
        for &row in rows {
            add(&mut z, &self.sparse[row as usize], 1.0);
        }
        if !reading.pieces.is_empty() && !self.piece_logits.is_empty() {
            let share = 1.0 / reading.pieces.len() as f64;
            for &p in &reading.pieces {
                add(&mut z, &self.piece_logits[p as usize], share);
            }
        }
        z
    }

    /// Sets the embedding weights and the per-token logits they give.
    pub(crate) fn set_embed(&mut self, embed: Vec<[f64; 3]>) {
        let prior = prior::prior();
        self.piece_logits = (0..prior.len() as u32)
            .map(|id| {
                let mut z = [0.0; 3];
                for (x, w) in prior.vector(id).iter().zip(&embed) {
                    add(&mut z, w, f64::from(*x));
                }
                z
            })
            .collect();
        self.embed = embed;
    }

    /// The score of a reading: P(positive) − P(negative), blended with the text's own VADER
    /// score with the complaint layer.
    pub(crate) fn score(&self, reading: &Reading) -> f64 {
        self.score_with_rows(reading, &self.active(reading))
    }

    /// [`Self::score`] with the reading's [`Self::active`] rows already found.
    fn score_with_rows(&self, reading: &Reading, rows: &[u32]) -> f64 {
        let p = softmax(self.logits(reading, rows));
        MODEL_SHARE * (p[2] - p[0]) + (1.0 - MODEL_SHARE) * reading.dense[1]
    }

    /// The score of a record read whole and per sentence: the whole text's score, pulled a
    /// third of the way toward its lowest sentence when that sentence is negative on its own,
    /// so one angry sentence in a polite message is not washed out.
    pub(crate) fn record_score(&self, text: &TextReading) -> f64 {
        self.record_and_sentence_scores(text).0
    }

    /// [`Self::record_score`] and the score of each sentence it was made from (empty for a
    /// text read as one sentence).
    pub(crate) fn record_and_sentence_scores(&self, text: &TextReading) -> (f64, Vec<f64>) {
        if text.sentences.is_empty() {
            return (self.score(&text.whole), Vec::new());
        }
        // The whole text's words are its sentences' words with a break between sentences (no
        // pair read across one): its rows are the union of theirs, each word looked up once.
        let mut whole_rows = Vec::new();
        let sentences: Vec<f64> = text
            .sentences
            .iter()
            .map(|r| {
                let rows = self.active(r);
                whole_rows.extend_from_slice(&rows);
                self.score_with_rows(r, &rows)
            })
            .collect();
        whole_rows.sort_unstable();
        whole_rows.dedup();
        let score = self.score_with_rows(&text.whole, &whole_rows);
        let lowest = sentences.iter().copied().fold(f64::INFINITY, f64::min);
        let record = if lowest <= self.negative && lowest < score {
            score + (lowest - score) * PULL_TO_LOWEST
        } else {
            score
        };
        (record, sentences)
    }

    /// The model as its file: a header, the thresholds, dense rows, then words and pairs with
    /// their three weights (negative, neutral, positive), four decimals.
    pub fn to_tsv(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "threshold\tnegative\t{:.4}", self.negative);
        let _ = writeln!(out, "threshold\tpositive\t{:.4}", self.positive);
        let row = |out: &mut String, kind: &str, key: &str, w: &[f64; 3]| {
            let _ = writeln!(out, "{kind}\t{key}\t{:.4}\t{:.4}\t{:.4}", w[0], w[1], w[2]);
        };
        for (name, w) in DENSE_NAMES.iter().zip(&self.dense) {
            row(&mut out, "dense", name, w);
        }
        for (i, w) in self.embed.iter().enumerate() {
            row(&mut out, "embed", &i.to_string(), w);
        }
        let mut names = vec![""; self.words.len()];
        for (w, &id) in &self.words {
            names[id as usize] = w;
        }
        for (id, name) in names.iter().enumerate() {
            row(&mut out, "word", name, &self.sparse[id]);
        }
        let mut pairs: Vec<(u64, u32)> = self.pairs.iter().map(|(&k, &v)| (k, v)).collect();
        pairs.sort_unstable_by_key(|&(_, v)| v);
        for (key, id) in pairs {
            let (a, b) = ((key >> 32) as usize, (key & 0xffff_ffff) as usize);
            row(
                &mut out,
                "pair",
                &format!("{} {}", names[a], names[b]),
                &self.sparse[id as usize],
            );
        }
        out
    }

    /// Reads a model file written by [`Model::to_tsv`].
    pub fn from_tsv(text: &str) -> Result<Self, ModelError> {
        let mut embed = Vec::new();
        let mut model = Self {
            dense: [[0.0; 3]; DENSE],
            embed: Vec::new(),
            piece_logits: Vec::new(),
            words: HashMap::default(),
            pairs: HashMap::default(),
            sparse: Vec::new(),
            negative: -0.05,
            positive: 0.05,
        };
        let mut dense_seen = [false; DENSE];
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            let err = |reason: String| ModelError {
                line: line_no,
                reason,
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let number = |s: &str| {
                s.parse::<f64>()
                    .map_err(|_| err(format!("'{s}' is not a number")))
            };
            match fields.as_slice() {
                ["threshold", "negative", v] => model.negative = number(v)?,
                ["threshold", "positive", v] => model.positive = number(v)?,
                [kind, key, a, b, c] => {
                    let w = [number(a)?, number(b)?, number(c)?];
                    match *kind {
                        "dense" => {
                            let i = DENSE_NAMES
                                .iter()
                                .position(|name| name == key)
                                .ok_or_else(|| err(format!("unknown dense feature '{key}'")))?;
                            model.dense[i] = w;
                            dense_seen[i] = true;
                        }
                        "embed" => {
                            if key.parse::<usize>().ok() != Some(embed.len()) {
                                return Err(err(format!("embedding row '{key}' out of order")));
                            }
                            embed.push(w);
                        }
                        "word" => {
                            let id = model.sparse.len() as u32;
                            if model.words.insert((*key).to_owned(), id).is_some() {
                                return Err(err(format!("word '{key}' twice")));
                            }
                            model.sparse.push(w);
                        }
                        "pair" => {
                            let (a, b) = key
                                .split_once(' ')
                                .ok_or_else(|| err(format!("pair '{key}' is not two words")))?;
                            let (Some(&a), Some(&b)) = (model.words.get(a), model.words.get(b))
                            else {
                                return Err(err(format!(
                                    "pair '{key}' has a word not listed before it"
                                )));
                            };
                            let id = model.sparse.len() as u32;
                            model.pairs.insert(pair_key(a, b), id);
                            model.sparse.push(w);
                        }
                        other => return Err(err(format!("unknown row kind '{other}'"))),
                    }
                }
                _ => return Err(err("expected 3 or 5 tab-separated fields".to_owned())),
            }
        }
        if let Some(i) = dense_seen.iter().position(|seen| !seen) {
            return Err(ModelError {
                line: 0,
                reason: format!("dense feature '{}' missing", DENSE_NAMES[i]),
            });
        }
        if !embed.is_empty() {
            if embed.len() != prior::prior().dims() {
                return Err(ModelError {
                    line: 0,
                    reason: format!(
                        "{} embedding rows for a prior of {} dimensions",
                        embed.len(),
                        prior::prior().dims()
                    ),
                });
            }
            model.set_embed(embed);
        }
        if model.negative >= model.positive {
            return Err(ModelError {
                line: 0,
                reason: "the negative threshold must be below the positive one".to_owned(),
            });
        }
        Ok(model)
    }
}

/// `z += w · x`, class by class.
pub(crate) fn add(z: &mut [f64; 3], w: &[f64; 3], x: f64) {
    for (zc, wc) in z.iter_mut().zip(w) {
        *zc += wc * x;
    }
}

pub(crate) fn softmax(z: [f64; 3]) -> [f64; 3] {
    let m = z[0].max(z[1]).max(z[2]);
    let e = z.map(|v| (v - m).exp());
    let s = e[0] + e[1] + e[2];
    e.map(|v| v / s)
}

impl Model {
    /// How many word and pair weights the model holds.
    pub fn sparse_len(&self) -> usize {
        self.sparse.len()
    }
}
