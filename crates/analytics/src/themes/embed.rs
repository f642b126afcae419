//! Vectors for comments, learned from the comments themselves.
//!
//! Short comments share few words ("card not arrived" / "still waiting for my new card"), so
//! comparing their words directly (TF-IDF) misses most of what they have in common. Word
//! vectors learned from the corpus close that gap without any outside model: words that occur
//! in the same comments get similar vectors (positive pointwise mutual information of
//! co-occurrence within a comment, context distribution smoothed with exponent 0.75, reduced
//! by a truncated SVD weighted by the singular values — Levy, Goldberg & Dagan 2015). Word
//! pairs ("top up", "card not arrived" gives "card not" and "not arrived") get vectors in the
//! same space, folded in from the comments they occur in ([`word_vectors`]). A comment's vector
//! is the TF-IDF-weighted sum of its content words' and word pairs' vectors
//! ([`crate::text::Corpus::features`]), normalised to unit length. Function words carry no
//! vector: they say nothing of a theme, and once they are out there is no common direction
//! that every comment shares to remove (Arora, Liang & Ma 2017 remove one; here it cost small
//! corpora their structure and gained nothing on BANKING77).

use crate::linalg::{CsrMatrix, dot, truncated_svd};
use crate::text::{Corpus, GAP};

/// At most this many comments feed the co-occurrence counts (a deterministic spread over the
/// corpus): word vectors settle long before a million comments.
const MAX_COOCCURRENCE_DOCS: usize = 100_000;
/// At most this many distinct features (words first, then pairs) of one window are counted.
const MAX_WORDS_PER_DOC: usize = 64;
/// Co-occurrence is counted within windows of at most this many content words of a comment
/// (and the word pairs read from them): a long review is several windows, so its cost and
/// memory grow with its length, not with its square, and words far apart in it are not taken
/// for each other's context.
const WINDOW_WORDS: usize = 24;
/// Rows of the co-occurrence matrix counted together, with one accumulator.
const ROW_BLOCK: usize = 256;
/// At most this many words (those with the most co-occurrence) are rows and columns of the
/// SVD; the rarer ones are folded into its space as word pairs are. Below it the SVD reads every
/// word; above it, the rare words' few co-occurrences would add rows and cost (the SVD's time
/// grows with its rows) but little direction of their own.
const MAX_SVD_WORDS: usize = 12_000;

/// Unit-length vectors for the vocabulary's words and word pairs, `vocabulary × dims`,
/// row-major, from the texts' features ([`Corpus::features`]: content words and pairs). Ids
/// below `singles` are single words, the rest word pairs; a function word, never a feature,
/// gets a zero vector.
///
/// The words' vectors come from the PPMI matrix of word × word co-occurrence within a comment,
/// reduced by a truncated SVD (`U·Σ`). A pair is not a row of that matrix — with a pair for
/// almost every two neighbouring words it would have ten times the rows, and its SVD took four
/// times as long for no better themes — but is folded into the same space: its PPMI row against
/// the same context words, times the words' right singular vectors (`m·V`, which for a word's
/// own row gives back its `U·Σ` row). A pair's vector so says what the comments that use it
/// are about, beyond its two words. Above [`MAX_SVD_WORDS`] words, the rarer words are folded
/// in the same way, against the commonest words' contexts.
pub fn word_vectors(
    docs: &Corpus,
    vocabulary: usize,
    singles: usize,
    dims: usize,
    seed: u64,
) -> Vec<f32> {
    word_vectors_within(docs, vocabulary, singles, dims, seed, MAX_SVD_WORDS)
}

/// [`word_vectors`] with at most `max_svd_words` words in the SVD.
fn word_vectors_within(
    docs: &Corpus,
    vocabulary: usize,
    singles: usize,
    dims: usize,
    seed: u64,
    max_svd_words: usize,
) -> Vec<f32> {
    let counts = crate::timing::phase("  word vectors: co-occurrence", || {
        cooccurrence(docs, vocabulary, singles)
    });
    // Marginals: each row's own total; the context distribution (smoothed with exponent 0.75)
    // from the word rows, as if there were no pairs.
    let row_sum: Vec<f64> = counts
        .row_start
        .windows(2)
        .map(|r| counts.value[r[0]..r[1]].iter().sum())
        .collect();
    let mut context = vec![0.0; singles];
    for (&c, &value) in counts.col[..counts.row_start[singles]]
        .iter()
        .zip(&counts.value)
    {
        context[c as usize] += value;
    }
    let smoothed: Vec<f64> = context.iter().map(|c| c.powf(0.75)).collect();
    let smoothed_total: f64 = smoothed.iter().sum();
    if smoothed_total == 0.0 {
        return vec![0.0; vocabulary * dims];
    }
    // The SVD's words: all of them, or the `max_svd_words` with the most co-occurrence (ties:
    // the first seen); `column` numbers them in the SVD's matrix, GAP for the others.
    let svd_words: Vec<usize> = if singles <= max_svd_words {
        (0..singles).collect()
    } else {
        let mut by_mass: Vec<usize> = (0..singles).collect();
        by_mass.sort_by(|&a, &b| row_sum[b].total_cmp(&row_sum[a]).then(a.cmp(&b)));
        by_mass.truncate(max_svd_words);
        by_mass.sort_unstable();
        by_mass
    };
    let mut column = vec![GAP; singles];
    for (i, &w) in svd_words.iter().enumerate() {
        column[w] = i as u32;
    }
    let (counts, row_sum, smoothed, column) = (&counts, &row_sum, &smoothed, &column);
    // Each row's PPMI against the SVD's words, its rows numbered in the order given.
    let ppmi = |rows: &[usize]| -> Vec<(u32, u32, f64)> {
        rows.iter()
            .enumerate()
            .flat_map(|(i, &r)| {
                let range = counts.row_start[r]..counts.row_start[r + 1];
                counts.col[range.clone()]
                    .iter()
                    .zip(&counts.value[range])
                    .filter_map(move |(&c, &count)| {
                        let at = column[c as usize];
                        if at == GAP {
                            return None;
                        }
                        let expected = row_sum[r] * smoothed[c as usize] / smoothed_total;
                        let pmi = (count / expected).ln();
                        (pmi > 0.0).then_some((i as u32, at, pmi))
                    })
            })
            .collect()
    };
    let kept = svd_words.len();
    let words = CsrMatrix::from_sorted(kept, kept, &ppmi(&svd_words));
    crate::timing::note(|| {
        format!(
            "  word vectors: PPMI of {kept} of {singles} words, {} entries",
            words.value.len()
        )
    });
    let rank = dims.min(kept.saturating_sub(1)).max(1);
    let (u, sigma) = crate::timing::phase("  word vectors: SVD", || {
        truncated_svd(&words, rank, 10, 3, seed)
    });
    let mut vectors = vec![0.0; vocabulary * dims];
    let mut scaled = Vec::with_capacity(rank);
    for (&w, u) in svd_words.iter().zip(u.chunks_exact(rank)) {
        scaled.clear();
        scaled.extend(u.iter().zip(&sigma).map(|(x, s)| x * s));
        store_unit(&mut vectors[w * dims..(w + 1) * dims], &scaled);
    }
    // The rest — word pairs, and the rarer words when the SVD took only the commonest — are
    // folded into the same space.
    let folded_rows: Vec<usize> = (0..singles)
        .filter(|&w| column[w] == GAP)
        .chain(singles..vocabulary)
        .collect();
    if !folded_rows.is_empty() {
        // V = Mᵀ·U·Σ⁻¹, the words' right singular vectors, then each row's PPMI times V.
        let inverse: Vec<f64> = sigma
            .iter()
            .map(|&s| if s > 1e-12 { 1.0 / s } else { 0.0 })
            .collect();
        let scaled_u: Vec<f64> = u
            .chunks_exact(rank)
            .flat_map(|row| row.iter().zip(&inverse).map(|(x, i)| x * i))
            .collect();
        let right = words.transposed().mul(&scaled_u, rank);
        let rows = CsrMatrix::from_sorted(folded_rows.len(), kept, &ppmi(&folded_rows));
        let folded = rows.mul(&right, rank);
        for (&r, row) in folded_rows.iter().zip(folded.chunks_exact(rank)) {
            store_unit(&mut vectors[r * dims..(r + 1) * dims], row);
        }
    }
    vectors
}

/// `values` scaled to unit length, written as `f32` at the start of `row` (the rest left
/// zero): word vectors are kept in `f32`, half the memory a comment's vector reads through.
fn store_unit(row: &mut [f32], values: &[f64]) {
    let norm = dot(values, values).sqrt();
    if norm > 1e-12 {
        for (r, v) in row.iter_mut().zip(values) {
            *r = (v / norm) as f32;
        }
    }
}

/// How often each feature (word or pair, the rows) shares a window of a comment
/// ([`WINDOW_WORDS`]) with each word (the columns, ids below `singles`), over an even spread of
/// at most [`MAX_COOCCURRENCE_DOCS`] comments; a word is not its own context. Rows are counted in parallel blocks, each with a
/// dense accumulator over the words and an index from each feature to the comments that have
/// it: whole-number counts in column order, the same on any machine.
fn cooccurrence(docs: &Corpus, vocabulary: usize, singles: usize) -> CsrMatrix {
    use rayon::prelude::*;

    // The comments sampled, as how often each distinct text is among them: a text many
    // customers wrote is read once and counted as often as it was written.
    let step = docs.len().div_ceil(MAX_COOCCURRENCE_DOCS).max(1);
    let mut times = vec![0u32; docs.distinct_len()];
    for i in (0..docs.len()).step_by(step) {
        times[docs.distinct_of(i)] += 1;
    }
    // Each sampled text's windows ("texts" below) with their distinct features, and for each
    // feature the windows that have it. A text's features are its content words in order, then
    // its word pairs in the order they were read: the pairs are shared out over the windows in
    // that order, as many to each as its words would make.
    let mut text_times: Vec<u32> = Vec::new();
    let mut text_start: Vec<usize> = vec![0];
    let mut text_features: Vec<u32> = Vec::new();
    let mut feature_texts = vec![0usize; vocabulary + 1];
    let mut windows: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (d, &t) in times.iter().enumerate().filter(|(_, t)| **t > 0) {
        let features = docs.distinct_features(d);
        let word_count = features
            .iter()
            .position(|&f| f as usize >= singles)
            .unwrap_or(features.len());
        let pair_count = features.len() - word_count;
        let n = word_count.div_ceil(WINDOW_WORDS).max(1);
        windows.clear();
        for w in 0..n {
            let words = (w * word_count / n, (w + 1) * word_count / n);
            let pairs = (
                word_count + w * pair_count / n,
                word_count + (w + 1) * pair_count / n,
            );
            windows.push((words.0, words.1, pairs.0, pairs.1));
        }
        for &(w0, w1, p0, p1) in &windows {
            let from = text_features.len();
            text_features.extend(features[w0..w1].iter().chain(&features[p0..p1]));
            text_features[from..].sort_unstable();
            let mut kept = from;
            for i in from..text_features.len() {
                if (i == from || text_features[i] != text_features[i - 1])
                    && kept - from < MAX_WORDS_PER_DOC
                {
                    text_features[kept] = text_features[i];
                    kept += 1;
                }
            }
            text_features.truncate(kept);
            for &f in &text_features[from..] {
                feature_texts[f as usize + 1] += 1;
            }
            text_start.push(kept);
            text_times.push(t);
        }
    }
    for f in 0..vocabulary {
        feature_texts[f + 1] += feature_texts[f];
    }
    let mut texts_of = vec![0u32; feature_texts[vocabulary]];
    let mut filled = feature_texts.clone();
    for text in 0..text_times.len() {
        for &f in &text_features[text_start[text]..text_start[text + 1]] {
            texts_of[filled[f as usize]] = text as u32;
            filled[f as usize] += 1;
        }
    }
    let blocks: Vec<(Vec<usize>, Vec<u32>, Vec<f64>)> = (0..vocabulary.div_ceil(ROW_BLOCK))
        .into_par_iter()
        .map(|block| {
            let mut counts = vec![0u32; singles];
            let mut touched: Vec<u32> = Vec::new();
            let mut lengths = Vec::with_capacity(ROW_BLOCK);
            let (mut col, mut value) = (Vec::new(), Vec::new());
            for row in block * ROW_BLOCK..vocabulary.min((block + 1) * ROW_BLOCK) {
                for &text in &texts_of[feature_texts[row]..feature_texts[row + 1]] {
                    let text = text as usize;
                    let t = text_times[text];
                    for &w in &text_features[text_start[text]..text_start[text + 1]] {
                        // Words come first in a text's sorted features.
                        if w as usize >= singles {
                            break;
                        }
                        if w as usize != row {
                            if counts[w as usize] == 0 {
                                touched.push(w);
                            }
                            counts[w as usize] += t;
                        }
                    }
                }
                touched.sort_unstable();
                lengths.push(touched.len());
                for &w in &touched {
                    col.push(w);
                    value.push(f64::from(counts[w as usize]));
                    counts[w as usize] = 0;
                }
                touched.clear();
            }
            (lengths, col, value)
        })
        .collect();
    let mut matrix = CsrMatrix {
        rows: vocabulary,
        cols: singles,
        row_start: vec![0],
        col: Vec::new(),
        value: Vec::new(),
    };
    for (lengths, col, value) in blocks {
        for length in lengths {
            let end = matrix.row_start.last().copied().unwrap_or(0) + length;
            matrix.row_start.push(end);
        }
        matrix.col.extend(col);
        matrix.value.extend(value);
    }
    matrix
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

    /// A feature's weight in a comment that holds it `times` times: sublinear term frequency
    /// times its idf.
    pub fn of(&self, feature: u32, times: u32) -> f64 {
        (1.0 + f64::from(times).ln()) * self.idf[feature as usize]
    }
}

/// A comment's unit vector (zero when it has no feature with a vector), from its features' ids
/// ([`crate::text::Corpus::features`]; any [`GAP`] skipped).
pub fn doc_vector(doc: &[u32], words: &[f32], dims: usize, weights: &Weights) -> Vec<f64> {
    let mut out = vec![0.0; dims];
    doc_vector_into(doc, words, weights, &mut out, &mut Vec::new());
    out
}

/// [`doc_vector`] written into `out` (`dims` long), with `scratch` for sorting the features:
/// many comments, no allocation each.
pub fn doc_vector_into(
    doc: &[u32],
    words: &[f32],
    weights: &Weights,
    out: &mut [f64],
    scratch: &mut Vec<u32>,
) {
    let dims = out.len();
    // Written before it is read: `out` is often fresh memory (a large zeroed vector the system
    // has not handed out yet), and a page first read is mapped to the shared zero page, then
    // copied on the first write, which makes the system interrupt every other core to forget
    // the old mapping — a third of the time of the comment vectors on a two-core machine.
    out.fill(0.0);
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
        let weight = weights.of(word, tf);
        let vector = &words[word as usize * dims..(word as usize + 1) * dims];
        for (o, v) in out.iter_mut().zip(vector) {
            *o += weight * f64::from(*v);
        }
    }
    normalise(out);
}

/// Removes `component` from a vector and normalises it again (how version 1 models read
/// comments, see [`super::Reading::AllWords`]).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Vocabulary;

    fn cosine(vectors: &[f32], dims: usize, a: u32, b: u32) -> f32 {
        let (a, b) = (a as usize * dims, b as usize * dims);
        (0..dims).map(|i| vectors[a + i] * vectors[b + i]).sum()
    }

    /// Above the SVD's cap the rarer words are folded into the commonest words' space: each
    /// has a unit vector, near the words it occurs with.
    #[test]
    fn rare_words_beyond_the_svd_are_folded_in_beside_their_company() {
        let mut texts = Vec::new();
        for i in 0..40 {
            texts.push(format!("card arrived damaged parcel {i}"));
            texts.push(format!("refund pending money account {i}"));
            if i % 4 == 0 {
                texts.push("card arrived late parcel".to_owned());
                texts.push("refund pending cash account".to_owned());
            }
        }
        let (vocabulary, docs) = Vocabulary::encode_corpus(texts.iter().map(String::as_str), 2);
        let singles = vocabulary.single_words();
        let dims = 4;
        let id = |w: &str| {
            vocabulary
                .id(w)
                .unwrap_or_else(|| panic!("{w} in the vocabulary"))
        };
        let all = word_vectors_within(&docs, vocabulary.len(), singles, dims, 7, usize::MAX);
        let capped = word_vectors_within(&docs, vocabulary.len(), singles, dims, 7, 6);
        assert!(singles > 6, "{singles} words: some beyond the cap");
        for w in ["late", "cash", "card", "refund"] {
            let v = &capped[id(w) as usize * dims..(id(w) as usize + 1) * dims];
            let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "{w}: norm {norm}");
        }
        for vectors in [&all, &capped] {
            assert!(
                cosine(vectors, dims, id("late"), id("card"))
                    > cosine(vectors, dims, id("late"), id("refund")),
            );
            assert!(
                cosine(vectors, dims, id("cash"), id("refund"))
                    > cosine(vectors, dims, id("cash"), id("card")),
            );
        }
    }
}
