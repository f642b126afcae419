//! Vectors for comments, learned from the comments themselves.
//!
//! Short comments share few words ("card not arrived" / "still waiting for my new card"), so
//! comparing their words directly (TF-IDF) misses most of what they have in common. Word
//! vectors learned from the corpus close that gap without any outside model: words that occur
//! in the same comments get similar vectors (positive pointwise mutual information of
//! co-occurrence within a comment, context distribution smoothed with exponent 0.75, reduced
//! by a truncated SVD weighted by the singular values — Levy, Goldberg &
//! Dagan 2015). A comment's vector is the TF-IDF-weighted sum of its words' vectors, with the
//! corpus's first principal component removed (Arora, Liang & Ma 2017), normalised to unit
//! length.

use crate::linalg::{CsrMatrix, dot, truncated_svd};
use crate::text::{Corpus, GAP};

/// At most this many comments feed the co-occurrence counts (a deterministic spread over the
/// corpus): word vectors settle long before a million comments.
const MAX_COOCCURRENCE_DOCS: usize = 100_000;
/// At most this many distinct words of one comment pair up (bounds the cost of long texts).
const MAX_WORDS_PER_DOC: usize = 64;

/// Unit-length word vectors, `vocabulary × dims`, row-major, from documents as word ids
/// ([`GAP`] for words outside the vocabulary, skipped).
pub fn word_vectors(docs: &Corpus, vocabulary: usize, dims: usize, seed: u64) -> Vec<f64> {
    use rayon::prelude::*;
    use std::collections::HashMap;

    // The comments sampled, as how often each distinct text is among them: a text many
    // customers wrote is paired up once and counted as often as it was written.
    let step = docs.len().div_ceil(MAX_COOCCURRENCE_DOCS).max(1);
    let mut times = vec![0u32; docs.distinct_len()];
    for i in (0..docs.len()).step_by(step) {
        times[docs.distinct_of(i)] += 1;
    }
    type PairCounts = HashMap<u64, u32, foldhash::fast::FixedState>;
    let merged: PairCounts = times
        .par_iter()
        .enumerate()
        .filter(|(_, t)| **t > 0)
        .fold(
            || (PairCounts::default(), Vec::new()),
            |(mut counts, mut unique): (PairCounts, Vec<u32>), (d, &t)| {
                unique.clear();
                unique.extend(
                    docs.distinct_doc(d)
                        .iter()
                        .filter(|&&id| id != GAP)
                        .take(4 * MAX_WORDS_PER_DOC),
                );
                unique.sort_unstable();
                unique.dedup();
                unique.truncate(MAX_WORDS_PER_DOC);
                for (i, &a) in unique.iter().enumerate() {
                    for &b in &unique[i + 1..] {
                        *counts
                            .entry((u64::from(a) << 32) | u64::from(b))
                            .or_default() += t;
                    }
                }
                (counts, unique)
            },
        )
        .map(|(counts, _)| counts)
        .reduce(PairCounts::default, |mut all, part| {
            for (key, c) in part {
                *all.entry(key).or_default() += c;
            }
            all
        });
    // Both orders of each pair, sorted by row then column. Whole-number counts: the order in
    // which the parts were added does not change them.
    let mut counts: Vec<(u32, u32, f64)> = merged
        .into_iter()
        .flat_map(|(key, c)| {
            let (a, b) = ((key >> 32) as u32, key as u32);
            [(a, b, f64::from(c)), (b, a, f64::from(c))]
        })
        .collect();
    counts.par_sort_unstable_by_key(|&(a, b, _)| (a, b));
    let total: f64 = counts.iter().map(|c| c.2).sum();
    if total == 0.0 {
        return vec![0.0; vocabulary * dims];
    }
    let mut row_sum = vec![0.0; vocabulary];
    let mut col_sum = vec![0.0; vocabulary];
    for &(a, b, c) in &counts {
        row_sum[a as usize] += c;
        col_sum[b as usize] += c;
    }
    let smoothed: Vec<f64> = col_sum.iter().map(|c| c.powf(0.75)).collect();
    let smoothed_total: f64 = smoothed.iter().sum();
    let ppmi: Vec<(u32, u32, f64)> = counts
        .into_iter()
        .filter_map(|(a, b, c)| {
            let pmi = ((c / total)
                / ((row_sum[a as usize] / total) * (smoothed[b as usize] / smoothed_total)))
                .ln();
            (pmi > 0.0).then_some((a, b, pmi))
        })
        .collect();
    let matrix = CsrMatrix::from_sorted(vocabulary, vocabulary, &ppmi);
    let rank = dims.min(vocabulary.saturating_sub(1)).max(1);
    let (u, sigma) = truncated_svd(&matrix, rank, 10, 3, seed);
    let mut vectors = vec![0.0; vocabulary * dims];
    for w in 0..vocabulary {
        let row = &mut vectors[w * dims..w * dims + rank];
        for (k, value) in row.iter_mut().enumerate() {
            *value = u[w * rank + k] * sigma[k];
        }
        normalise(&mut vectors[w * dims..(w + 1) * dims]);
    }
    vectors
}

/// How a comment's words are weighted: sublinear TF-IDF, `(1 + ln tf) · idf`, with the smooth
/// idf `ln((1 + N) / (1 + df)) + 1`.
#[derive(Debug, Clone)]
pub struct Weights {
    pub idf: Vec<f64>,
}

impl Weights {
    pub fn new(doc_freq: &[u32], documents: usize) -> Self {
        let n = documents as f64;
        Self {
            idf: doc_freq
                .iter()
                .map(|&df| ((1.0 + n) / (1.0 + f64::from(df))).ln() + 1.0)
                .collect(),
        }
    }
}

/// A comment's vector before the common component is removed (not normalised when empty), from
/// its words' ids ([`GAP`]s skipped).
pub fn raw_doc_vector(doc: &[u32], words: &[f64], dims: usize, weights: &Weights) -> Vec<f64> {
    let mut out = vec![0.0; dims];
    raw_doc_vector_into(doc, words, weights, &mut out, &mut Vec::new());
    out
}

/// [`raw_doc_vector`] written into `out` (`dims` long, zeroed), with `scratch` for sorting the
/// words: many comments, no allocation each.
pub fn raw_doc_vector_into(
    doc: &[u32],
    words: &[f64],
    weights: &Weights,
    out: &mut [f64],
    scratch: &mut Vec<u32>,
) {
    let dims = out.len();
    scratch.clear();
    scratch.extend(doc.iter().copied().filter(|&id| id != GAP));
    scratch.sort_unstable();
    let sorted = &scratch[..];
    let mut i = 0;
    while i < sorted.len() {
        let word = sorted[i];
        let mut tf = 0;
        while i < sorted.len() && sorted[i] == word {
            tf += 1;
            i += 1;
        }
        let weight = (1.0 + f64::from(tf).ln()) * weights.idf[word as usize];
        let vector = &words[word as usize * dims..(word as usize + 1) * dims];
        for (o, v) in out.iter_mut().zip(vector) {
            *o += weight * v;
        }
    }
    normalise(out);
}

/// The dominant direction of a set of unit vectors, each counted `weights[i]` times (power
/// iteration on XᵀWX), which every comment shares and which tells them apart least.
/// Estimated from at most [`COMMON_COMPONENT_SAMPLE`] vectors (an even spread): the one
/// direction they all share settles long before that.
pub fn common_component(vectors: &[f64], weights: &[u32], dims: usize) -> Vec<f64> {
    use rayon::prelude::*;
    let n = vectors.len() / dims.max(1);
    // The rows used, read in place rather than copied out.
    let rows: Vec<usize> = super::even_spread(n, COMMON_COMPONENT_SAMPLE).collect();
    let mut pc = vec![1.0 / (dims as f64).sqrt(); dims];
    for _ in 0..50 {
        // XᵀWX·pc in parallel blocks, summed in block order (the same result on any machine).
        let partials: Vec<Vec<f64>> = rows
            .par_chunks(4096)
            .map(|block| {
                let mut next = vec![0.0; dims];
                for &i in block {
                    let row = &vectors[i * dims..(i + 1) * dims];
                    let dot = f64::from(weights[i]) * dot(row, &pc);
                    for (x, r) in next.iter_mut().zip(row) {
                        *x += dot * r;
                    }
                }
                next
            })
            .collect();
        let mut next = vec![0.0; dims];
        for partial in partials {
            for (x, p) in next.iter_mut().zip(partial) {
                *x += p;
            }
        }
        normalise(&mut next);
        let change: f64 = next.iter().zip(&pc).map(|(a, b)| (a - b).abs()).sum();
        pc = next;
        if change < 1e-9 {
            break;
        }
    }
    pc
}

/// See [`common_component`].
pub const COMMON_COMPONENT_SAMPLE: usize = 20_000;

/// A comment's unit vector: [`raw_doc_vector`] with the corpus's `common` component removed.
pub fn doc_vector(
    doc: &[u32],
    words: &[f64],
    dims: usize,
    weights: &Weights,
    common: &[f64],
) -> Vec<f64> {
    let mut vector = raw_doc_vector(doc, words, dims, weights);
    remove_component(&mut vector, common);
    vector
}

/// Removes `component` from a vector and normalises it again.
pub fn remove_component(vector: &mut [f64], component: &[f64]) {
    let dot = dot(vector, component);
    for (v, c) in vector.iter_mut().zip(component) {
        *v -= dot * c;
    }
    normalise(vector);
}

pub fn normalise(v: &mut [f64]) {
    let norm = dot(v, v).sqrt();
    if norm > 1e-12 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}
