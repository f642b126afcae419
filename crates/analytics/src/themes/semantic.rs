//! Meaning from the sentence encoder, joined to the corpus's own vectors for clustering.
//!
//! Word vectors learned from a few thousand comments cannot know that "still waiting for my
//! refund" and "my money back is nowhere to be seen" say one thing: nothing in so small a corpus
//! ties "refund" to "money back". The sentence encoder ([`crate::encoder`]) knows it. When a
//! corpus has at most [`SEMANTIC_LIMIT`] distinct passages, each passage's point for k-means is
//! its corpus vector and its sentence embedding side by side (each unit length, the embedding
//! weighted by [`SEMANTIC_WEIGHT`], the whole made unit length), so that the themes follow what
//! the passages mean as well as the words this corpus uses for it. Above the limit the corpus
//! teaches itself, and the encoder would cost minutes.
//!
//! Only the clustering sees the joint points: the themes' centroids, which assign passages and
//! new comments (and are saved in codebooks), are the means of their passages' corpus vectors.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::encoder::{self, DIMS};
use crate::linalg::dot;

use super::DIMENSIONS;
use super::embed::normalise;
use super::kmeans::group_sums;

/// Distinct passages up to which the encoder reads them (about 5 s per thousand short ones on
/// two cores).
pub const SEMANTIC_LIMIT: usize = 5_000;

/// The sentence embedding's weight beside the corpus vector's 1.
pub const SEMANTIC_WEIGHT: f64 = 2.0;

/// Dimensions of a joint point.
pub const JOINT_DIMENSIONS: usize = DIMENSIONS + DIMS;

/// The weight in use: `THROUGHLINE_SEMANTIC_WEIGHT` when set (0 turns the encoder off, which
/// gives the corpus-only themes the documentation compares with), else [`SEMANTIC_WEIGHT`].
fn weight() -> f64 {
    std::env::var("THROUGHLINE_SEMANTIC_WEIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEMANTIC_WEIGHT)
}

/// Whether `distinct` passages are few enough for the encoder: at most
/// `THROUGHLINE_SEMANTIC_LIMIT` when set, else [`SEMANTIC_LIMIT`].
pub fn applies(distinct: usize) -> bool {
    let limit = std::env::var("THROUGHLINE_SEMANTIC_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEMANTIC_LIMIT);
    distinct > 0 && distinct <= limit && weight() > 0.0
}

/// `texts.len() × JOINT_DIMENSIONS`: each point of `points` (`DIMENSIONS` each, unit length)
/// beside its text's sentence embedding — the mean of its sentences' embeddings, each weighted
/// by its word pieces. Feedback repeats its sentences ("Never again.", "the delivery date was
/// moved three times") in ever new combinations: each distinct sentence is encoded once, which
/// on the demo's comments is a fifth of the work of encoding each distinct passage whole.
pub fn joint_points(points: &[f64], texts: &[&str]) -> Vec<f64> {
    let encoder = encoder::encoder();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut sentences: Vec<&str> = Vec::new();
    let sentences_of: Vec<Vec<usize>> = texts
        .iter()
        .map(|text| {
            let mut spans = crate::sentiment::sentence_spans(text);
            if spans.is_empty() {
                spans.push(text);
            }
            spans
                .into_iter()
                .map(|s| {
                    *index.entry(s).or_insert_with(|| {
                        sentences.push(s);
                        sentences.len() - 1
                    })
                })
                .collect()
        })
        .collect();
    // Tokenised once: the encoder reads the pieces, the mean weighs by their number.
    let tokens: Vec<Vec<u32>> = sentences.par_iter().map(|s| encoder.tokens(s)).collect();
    let pieces: Vec<f32> = tokens.iter().map(|t| t.len() as f32).collect();
    let embedded = crate::timing::phase("themes: sentence encoder", || {
        encoder.encode_tokens(&tokens)
    });
    let w = weight();
    let mut joint = Vec::with_capacity(texts.len() * JOINT_DIMENSIONS);
    for (point, of) in points.chunks_exact(DIMENSIONS).zip(&sentences_of) {
        let mut meaning = [0.0f64; DIMS];
        for &s in of {
            for (m, &v) in meaning.iter_mut().zip(&embedded[s]) {
                *m += f64::from(pieces[s] * v);
            }
        }
        if dot(&meaning, &meaning) > 0.0 {
            normalise(&mut meaning);
        }
        let start = joint.len();
        joint.extend_from_slice(point);
        joint.extend(meaning.iter().map(|&v| v * w));
        normalise(&mut joint[start..]);
    }
    joint
}

/// The unit mean of each group's points (`dims` each), weighted: the centroids in the space of
/// `points` of a clustering made elsewhere. A group with no point keeps a zero centroid.
pub fn group_centroids(
    points: &[f64],
    weights: &[u32],
    assignment: &[usize],
    groups: usize,
    dims: usize,
) -> Vec<f64> {
    let (mut centroids, _) = group_sums(points, weights, assignment, groups, dims);
    for centroid in centroids.chunks_exact_mut(dims) {
        if dot(centroid, centroid) > 0.0 {
            normalise(centroid);
        }
    }
    centroids
}
