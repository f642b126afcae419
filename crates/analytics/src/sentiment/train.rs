//! Training and measuring the sentiment model: multinomial logistic regression with an L2
//! penalty, classes weighted to count equally, fitted by full-batch Adam (deterministic: no
//! sampling); the label thresholds that maximise macro-F1 on given scores; macro-F1 and the
//! confusion matrix. `examples/sentiment_train.rs` uses these to build the shipped model and to
//! evaluate it held out by company.

use std::collections::HashMap;

use rayon::prelude::*;

use super::Label;
use super::features::{self, DENSE, TextReading};
use super::model::{Model, add, pair_key, softmax};
use crate::prior;

/// How to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// L2 penalty on every weight but the biases, per unit of (weighted) training example.
    pub l2: f64,
    /// A word or word pair is a feature when at least this many training texts hold it.
    pub min_count: usize,
    /// Full-batch Adam steps.
    pub iterations: usize,
    /// Whether the text's mean token embedding in the semantic prior is a feature.
    pub use_prior: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            l2: 1e-3,
            min_count: 3,
            iterations: 400,
            use_prior: true,
        }
    }
}

/// Texts read for the model, once, to train several models on subsets.
#[derive(Debug, Clone)]
pub struct Readings(Vec<TextReading>);

impl Readings {
    pub fn of(texts: &[&str]) -> Self {
        Self(texts.par_iter().map(|t| features::read_text(t)).collect())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn class(label: Label) -> usize {
    match label {
        Label::Negative => 0,
        Label::Neutral => 1,
        Label::Positive => 2,
    }
}

/// Trains on the readings at `rows` with their labels, each example weighted by `confidence`
/// (how sure the labellers were, 0–1; classes still count equally); thresholds are left at
/// ±0.05 (choose them with [`choose_thresholds`] on scores the model did not train on).
pub fn train(
    readings: &Readings,
    labels: &[Label],
    confidence: &[f64],
    rows: &[usize],
    options: &TrainOptions,
) -> Model {
    // The vocabulary: words and adjacent pairs held by at least `min_count` training texts.
    let mut word_count: HashMap<&str, usize> = HashMap::new();
    for &r in rows {
        let mut seen: Vec<&str> = readings.0[r].whole.words.iter().flatten().collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *word_count.entry(w).or_default() += 1;
        }
    }
    let mut vocab: Vec<&str> = word_count
        .iter()
        .filter(|&(_, &n)| n >= options.min_count)
        .map(|(&w, _)| w)
        .collect();
    vocab.sort_unstable();
    let mut model = Model {
        dense: [[0.0; 3]; DENSE],
        words: vocab
            .iter()
            .enumerate()
            .map(|(i, w)| ((*w).to_owned(), i as u32))
            .collect(),
        pairs: HashMap::default(),
        embed: Vec::new(),
        piece_logits: Vec::new(),
        sparse: vec![[0.0; 3]; vocab.len()],
        negative: -0.05,
        positive: 0.05,
    };
    let mut pair_count: HashMap<u64, usize> = HashMap::new();
    for &r in rows {
        let mut seen = Vec::new();
        let ids: Vec<Option<u32>> = readings.0[r]
            .whole
            .words
            .iter()
            .map(|w| w.and_then(|w| model.words.get(w).copied()))
            .collect();
        for pair in ids.windows(2) {
            if let [Some(a), Some(b)] = pair {
                seen.push(pair_key(*a, *b));
            }
        }
        seen.sort_unstable();
        seen.dedup();
        for key in seen {
            *pair_count.entry(key).or_default() += 1;
        }
    }
    let mut pairs: Vec<u64> = pair_count
        .into_iter()
        .filter(|&(_, n)| n >= options.min_count)
        .map(|(k, _)| k)
        .collect();
    pairs.sort_unstable();
    for key in pairs {
        model.pairs.insert(key, model.sparse.len() as u32);
        model.sparse.push([0.0; 3]);
    }

    // Each example's active sparse rows, target class and weight (classes count equally).
    let active: Vec<Vec<u32>> = rows
        .iter()
        .map(|&r| model.active(&readings.0[r].whole))
        .collect();
    let targets: Vec<usize> = rows.iter().map(|&r| class(labels[r])).collect();
    let mut per_class = [0.0f64; 3];
    for (&t, &r) in targets.iter().zip(rows) {
        per_class[t] += confidence[r];
    }
    let present = per_class.iter().filter(|&&n| n > 0.0).count().max(1) as f64;
    let total: f64 = per_class.iter().sum();
    let weight: Vec<f64> = targets
        .iter()
        .zip(rows)
        .map(|(&t, &r)| confidence[r] * total / (present * per_class[t]))
        .collect();
    let total_weight: f64 = weight.iter().sum();

    // Each example's mean token embedding in the semantic prior.
    let prior = prior::prior();
    let dims = if options.use_prior { prior.dims() } else { 0 };
    let embeddings: Vec<Vec<f64>> = rows
        .par_iter()
        .map(|&r| {
            let pieces = &readings.0[r].whole.pieces;
            let mut mean = vec![0.0; dims];
            if dims > 0 && !pieces.is_empty() {
                for &p in pieces {
                    for (m, x) in mean.iter_mut().zip(prior.vector(p)) {
                        *m += f64::from(*x);
                    }
                }
                let n = pieces.len() as f64;
                mean.iter_mut().for_each(|m| *m /= n);
            }
            mean
        })
        .collect();

    // Full-batch Adam on the weighted cross-entropy plus the L2 penalty. Parameters: the dense
    // rows, the embedding rows, the sparse rows. The gradient is summed over fixed blocks of
    // examples in parallel and the blocks added in order: the same bits on any number of cores.
    let (beta1, beta2, rate, eps): (f64, f64, f64, f64) = (0.9, 0.999, 0.05, 1e-8);
    let n_params = DENSE + dims + model.sparse.len();
    let mut params = vec![[0.0f64; 3]; n_params];
    let mut m = vec![[0.0f64; 3]; n_params];
    let mut v = vec![[0.0f64; 3]; n_params];
    let examples: Vec<usize> = (0..rows.len()).collect();
    for step in 1..=options.iterations {
        let blocks: Vec<Vec<[f64; 3]>> = examples
            .par_chunks(512)
            .map(|block| {
                let mut grad = vec![[0.0f64; 3]; n_params];
                for &i in block {
                    let reading = &readings.0[rows[i]].whole;
                    let mut z = [0.0; 3];
                    for (x, w) in reading.dense.iter().zip(&params) {
                        add(&mut z, w, *x);
                    }
                    for (x, w) in embeddings[i].iter().zip(&params[DENSE..]) {
                        add(&mut z, w, *x);
                    }
                    for &row in &active[i] {
                        add(&mut z, &params[DENSE + dims + row as usize], 1.0);
                    }
                    let p = softmax(z);
                    let mut d = [0.0; 3];
                    for (c, dc) in d.iter_mut().enumerate() {
                        let target = if c == targets[i] { 1.0 } else { 0.0 };
                        *dc = weight[i] * (p[c] - target) / total_weight;
                    }
                    for (x, g) in reading.dense.iter().zip(grad.iter_mut()) {
                        add(g, &d, *x);
                    }
                    for (x, g) in embeddings[i].iter().zip(grad[DENSE..].iter_mut()) {
                        add(g, &d, *x);
                    }
                    for &row in &active[i] {
                        add(&mut grad[DENSE + dims + row as usize], &d, 1.0);
                    }
                }
                grad
            })
            .collect();
        let mut grad = vec![[0.0f64; 3]; n_params];
        for block in &blocks {
            for (g, b) in grad.iter_mut().zip(block) {
                add(g, b, 1.0);
            }
        }
        let t = step as i32;
        let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
        for (j, g) in grad.iter_mut().enumerate() {
            let w = &mut params[j];
            if j != 0 {
                // No penalty on the biases (dense row 0).
                add(g, w, options.l2);
            }
            for c in 0..3 {
                m[j][c] = beta1 * m[j][c] + (1.0 - beta1) * g[c];
                v[j][c] = beta2 * v[j][c] + (1.0 - beta2) * g[c] * g[c];
                w[c] -= rate * (m[j][c] / c1) / ((v[j][c] / c2).sqrt() + eps);
            }
        }
    }
    model.dense.copy_from_slice(&params[..DENSE]);
    if dims > 0 {
        model.set_embed(params[DENSE..DENSE + dims].to_vec());
    }
    model.sparse = params[DENSE + dims..].to_vec();
    model
}

/// The model's record scores of the readings at `rows` (as [`super::sentiment`] scores them).
pub fn scores(model: &Model, readings: &Readings, rows: &[usize]) -> Vec<f64> {
    rows.par_iter()
        .map(|&r| {
            if readings.0[r].whole.words.is_empty() {
                0.0
            } else {
                model.record_score(&readings.0[r])
            }
        })
        .collect()
}

/// The thresholds (negative, positive) on the score that maximise macro-F1 against `labels`,
/// searched on a grid of 0.02.
pub fn choose_thresholds(scores: &[f64], labels: &[Label]) -> (f64, f64) {
    let grid: Vec<f64> = (-49..=49).map(|i| f64::from(i) * 0.02).collect();
    let mut best = (f64::NEG_INFINITY, -0.05, 0.05);
    for (a, &neg) in grid.iter().enumerate() {
        for &pos in &grid[a + 1..] {
            let predicted: Vec<Label> = scores.iter().map(|&s| Label::cut(s, neg, pos)).collect();
            let f1 = macro_f1(&predicted, labels);
            if f1 > best.0 + 1e-12 {
                best = (f1, neg, pos);
            }
        }
    }
    (best.1, best.2)
}

/// The confusion matrix: `[gold][predicted]`, classes negative, neutral, positive.
pub fn confusion(predicted: &[Label], gold: &[Label]) -> [[usize; 3]; 3] {
    let mut m = [[0; 3]; 3];
    for (p, g) in predicted.iter().zip(gold) {
        m[class(*g)][class(*p)] += 1;
    }
    m
}

/// Macro-averaged F1 over the three classes (a class absent from both sides counts as 0).
pub fn macro_f1(predicted: &[Label], gold: &[Label]) -> f64 {
    let m = confusion(predicted, gold);
    let mut total = 0.0;
    for (c, row) in m.iter().enumerate() {
        let tp = row[c] as f64;
        let predicted_c: usize = (0..3).map(|g| m[g][c]).sum();
        let gold_c: usize = row.iter().sum();
        let denominator = (predicted_c + gold_c) as f64;
        if denominator > 0.0 {
            total += 2.0 * tp / denominator;
        }
    }
    total / 3.0
}
