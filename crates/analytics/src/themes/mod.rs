//! Theme discovery: the natural groupings in a set of comments, each labelled by its most
//! distinctive phrases, with every comment assigned to one or more themes and a confidence.
//!
//! 1. Comments become vectors learned from the corpus itself ([`embed`]): no outside model,
//!    no preconceived categories.
//! 2. Spherical k-means ([`kmeans`]) groups them; the number of themes is chosen by the mean
//!    silhouette over a range of candidates unless it is given.
//! 3. Each theme is labelled by its most distinctive phrases ([`label`]).
//! 4. Each comment gets its nearest theme, plus any other theme nearly as near (multi-label),
//!    with the cosine similarity as its confidence.
//!
//! The result carries a [`ThemeModel`] that assigns new comments to the same themes, so that
//! themes stay stable as records arrive. Everything is deterministic for a given input and seed.

pub mod codebook;
pub mod embed;
pub mod kmeans;
pub mod label;
pub mod passages;
pub mod semantic;

use serde::Serialize;

use crate::linalg::dot;
use crate::rng::SplitMix64;
use crate::text::{Vocabulary, tokens};
use crate::timing;
use embed::{Weights, doc_vector, doc_vector_into, remove_component, word_vectors};
use kmeans::{nearest, spherical_kmeans, weighted_spherical_kmeans};
use label::PhraseCounts;
pub use passages::{
    MIN_PASSAGE_WORDS, MIN_SPLIT_WORDS, ThemedPassage, combine_passages, with_whole_first,
};
use passages::{Passages, passages};

/// Dimensions of the comment vectors.
pub const DIMENSIONS: usize = 100;
/// A second theme is assigned when its similarity is at least this share of the best one's…
pub const SECOND_THEME_RATIO: f64 = 0.92;
/// …and at least this similarity.
pub const MIN_CONFIDENCE: f64 = 0.35;
/// At most this many themes per comment.
pub const MAX_THEMES_PER_RECORD: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeCount {
    /// Chosen from the data (mean silhouette).
    Auto,
    Fixed(usize),
}

#[derive(Debug, Clone, Copy)]
pub struct DiscoverOptions {
    pub themes: ThemeCount,
    pub seed: u64,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            themes: ThemeCount::Auto,
            seed: 42,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscoveredTheme {
    /// A readable label: the most distinctive phrase.
    pub label: String,
    /// The most distinctive phrases, best first.
    pub phrases: Vec<String>,
    /// How many comments have it as their main theme.
    pub size: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Assignment {
    pub theme: usize,
    /// Cosine similarity of the comment to the theme, in [0, 1].
    pub confidence: f64,
}

/// What [`discover`] found.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// Largest first.
    pub themes: Vec<DiscoveredTheme>,
    /// Per input comment, its themes best first (empty when it has no content word the
    /// vocabulary knows).
    pub assignments: Vec<Vec<Assignment>>,
    /// Per input comment whose passages gave it different themes, which passage gave which
    /// (empty for the others: the whole comment carries each of its themes).
    pub passages: Vec<Vec<ThemedPassage>>,
    pub model: ThemeModel,
}

/// Everything needed to place new comments in the discovered themes.
#[derive(Debug, Clone)]
pub struct ThemeModel {
    pub(crate) vocabulary: Vocabulary,
    /// `vocabulary × DIMENSIONS` word (and word pair) vectors, unit length in `f32`.
    pub(crate) words: Vec<f32>,
    pub(crate) weights: Weights,
    pub(crate) reading: Reading,
    /// `themes × DIMENSIONS`, in the order of [`Discovery::themes`].
    pub(crate) centroids: Vec<f64>,
}

/// How a model reads a comment into its vector: the way it was learned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reading {
    /// Content words and word pairs ([`Vocabulary::encode_features`]): every model discovered
    /// now.
    ContentWordsAndPairs,
    /// Every word the vocabulary knows, function words included, and the corpus's common
    /// direction `common` removed: the models of codebooks saved before word pairs (version 1),
    /// which read comments as they always did.
    AllWords { common: Vec<f64> },
}

impl ThemeModel {
    /// A comment's unit vector, or `None` when it has no word the model reads.
    pub(crate) fn vector(&self, text: &str) -> Option<Vec<f64>> {
        let ids = match &self.reading {
            Reading::ContentWordsAndPairs => self.vocabulary.encode_features(text),
            Reading::AllWords { .. } => {
                let words: Vec<String> = tokens(text).collect();
                self.vocabulary.encode(&words)
            }
        };
        if ids.is_empty() {
            return None;
        }
        let mut vector = doc_vector(&ids, &self.words, DIMENSIONS, &self.weights);
        if let Reading::AllWords { common } = &self.reading {
            remove_component(&mut vector, common);
        }
        Some(vector)
    }

    /// The unit vectors of a comment's passages that have a word the model reads, each with its
    /// number of content words (see [`discover`]). A model of a codebook saved before passages
    /// (version 1) reads the comment whole, as it always did.
    pub(crate) fn passage_vectors(&self, text: &str) -> Vec<(usize, Vec<f64>)> {
        if let Reading::AllWords { .. } = &self.reading {
            return self.vector(text).map(|v| (1, v)).into_iter().collect();
        }
        let singles = self.vocabulary.single_words();
        passages(text)
            .into_iter()
            .filter_map(|range| {
                let ids = self.vocabulary.encode_features(&text[range]);
                let weight = ids.iter().filter(|&&id| (id as usize) < singles).count();
                (!ids.is_empty()).then(|| {
                    (
                        weight,
                        doc_vector(&ids, &self.words, DIMENSIONS, &self.weights),
                    )
                })
            })
            .collect()
    }

    /// A comment's themes as discovery gives them: each passage's (`themes_near` a vector,
    /// best first), combined ([`combine_passages`]), led by the whole comment's when its
    /// passages found several ([`with_whole_first`]).
    pub(crate) fn read_themes<K: Ord + Copy>(
        &self,
        text: &str,
        themes_near: impl Fn(&[f64]) -> Vec<(K, f64)>,
    ) -> Vec<(K, f64)> {
        let per_passage: Vec<(usize, Vec<(K, f64)>)> = self
            .passage_vectors(text)
            .into_iter()
            .map(|(weight, vector)| (weight, themes_near(&vector)))
            .collect();
        let themes = combine_passages(per_passage);
        if themes.len() < 2 {
            return themes;
        }
        match self.vector(text) {
            Some(whole) => with_whole_first(themes, &themes_near(&whole)),
            None => themes,
        }
    }

    /// The themes of a comment, best first (see [`Self::read_themes`]).
    pub fn assign(&self, text: &str) -> Vec<Assignment> {
        self.read_themes(text, |v| {
            assign_vector(v, &self.centroids)
                .into_iter()
                .map(|a| (a.theme, a.confidence))
                .collect()
        })
        .into_iter()
        .map(|(theme, confidence)| Assignment { theme, confidence })
        .collect()
    }
}

/// The theme whose centroid is most similar to the vector of a text with features `ids` (as
/// [`doc_vector`] weighs them), from `dots`: each feature's similarity to each centroid, feature
/// by feature. `ids` is sorted in place; `sums` holds one number per theme. Ties go to the lower
/// theme, as [`assign_vector`] breaks them.
fn nearest_by_features(
    ids: &mut [u32],
    weights: &Weights,
    dots: &[f64],
    sums: &mut [f64],
) -> Option<usize> {
    let themes = sums.len();
    if themes == 0 {
        return None;
    }
    sums.fill(0.0);
    ids.sort_unstable();
    for run in ids.chunk_by(|a, b| a == b) {
        let feature = run[0];
        if feature == crate::text::GAP {
            continue;
        }
        let weight = weights.of(feature, run.len() as u32);
        let row = &dots[feature as usize * themes..(feature as usize + 1) * themes];
        for (sum, d) in sums.iter_mut().zip(row) {
            *sum += weight * d;
        }
    }
    let mut best = 0;
    for (t, &sum) in sums.iter().enumerate() {
        if sum > sums[best] {
            best = t;
        }
    }
    Some(best)
}

fn assign_vector(vector: &[f64], centroids: &[f64]) -> Vec<Assignment> {
    let sims = centroids
        .chunks_exact(DIMENSIONS)
        .enumerate()
        .map(|(t, c)| (t, dot(vector, c)))
        .collect();
    pick_themes(sims)
        .into_iter()
        .map(|(theme, confidence)| Assignment { theme, confidence })
        .collect()
}

/// The multi-label rule, from each theme's similarity to a comment: the most similar theme,
/// plus any other at least [`MIN_CONFIDENCE`] and [`SECOND_THEME_RATIO`] of the best, at most
/// [`MAX_THEMES_PER_RECORD`]; best first (ties by key), similarities clamped to [0, 1].
fn pick_themes<K: Ord + Copy>(mut sims: Vec<(K, f64)>) -> Vec<(K, f64)> {
    sims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let best = sims.first().map_or(0.0, |s| s.1);
    sims.into_iter()
        .enumerate()
        .take_while(|(rank, (_, sim))| {
            *rank == 0 || (*sim >= MIN_CONFIDENCE && *sim >= SECOND_THEME_RATIO * best)
        })
        .take(MAX_THEMES_PER_RECORD)
        .map(|(_, (theme, sim))| (theme, sim.clamp(0.0, 1.0)))
        .collect()
}

/// Above this many comments, themes are learned from an even spread of this many of them, and
/// every comment is then placed in its nearest theme. A theme too rare to show among a hundred
/// thousand comments is too rare for a Top Ten; learning from all of a million comments would
/// cost ten times as long for the same themes.
pub const FIT_LIMIT: usize = 100_000;

/// Discovers the themes of `texts`. `background` is further text from the same domain (for
/// example earlier records) that helps learn what words mean but is not itself assigned.
///
/// Themes are found among the texts' passages ([`passages`]: sentences, joined while short),
/// not whole texts: a review that talks about the seat, the food and the crew is three points,
/// not one that looks like every other long review. A text's themes are its passages' themes
/// ([`combine_passages`]).
pub fn discover(texts: &[&str], background: &[&str], options: DiscoverOptions) -> Discovery {
    use rayon::prelude::*;

    let split = timing::phase("themes: passages", || Passages::of(texts));
    let units = split.texts.len();
    let (vocabulary, docs) = timing::phase("themes: tokens", || {
        Vocabulary::encode_corpus(split.texts.iter().chain(background).copied(), 2)
    });
    timing::note(|| {
        format!(
            "themes: vocabulary of {} words and {} word pairs, {} distinct passages of {} texts",
            vocabulary.single_words(),
            vocabulary.len() - vocabulary.single_words(),
            docs.distinct_len(),
            texts.len()
        )
    });
    let words = timing::phase("themes: word vectors", || {
        word_vectors(
            &docs,
            vocabulary.len(),
            vocabulary.single_words(),
            DIMENSIONS,
            options.seed,
        )
    });
    let weights = Weights::new(&vocabulary.doc_freq, docs.len());

    // Passages with at least one known content word take part; the rest get no theme. The
    // themes are learned from `fit`: all of them, or an even spread of `FIT_LIMIT`. A passage
    // that several wrote word for word is one point, weighted by how many wrote it: the same
    // clustering as with every copy, for the cost of one.
    let timer = std::time::Instant::now();
    let has_features = |i: usize| !docs.features(i).is_empty();
    let members: Vec<usize> = (0..units).filter(|&i| has_features(i)).collect();
    let fit: Vec<usize> = even_spread(members.len(), FIT_LIMIT)
        .map(|j| members[j])
        .collect();
    let mut point_of_text = vec![u32::MAX; docs.distinct_len()];
    // Per point, its distinct text and how many of `fit` wrote it.
    let mut point_texts: Vec<usize> = Vec::new();
    let mut point_weights: Vec<u32> = Vec::new();
    // Per point, a passage that wrote it (its words, for the sentence encoder).
    let mut point_passages: Vec<usize> = Vec::new();
    let point_of_fit: Vec<u32> = fit
        .iter()
        .map(|&i| {
            let text = docs.distinct_of(i);
            if point_of_text[text] == u32::MAX {
                point_of_text[text] = point_texts.len() as u32;
                point_texts.push(text);
                point_weights.push(0);
                point_passages.push(i);
            }
            point_weights[point_of_text[text] as usize] += 1;
            point_of_text[text]
        })
        .collect();
    let mut points = vec![0.0; point_texts.len() * DIMENSIONS];
    points
        .par_chunks_exact_mut(DIMENSIONS)
        .zip(point_texts.par_iter())
        .for_each_init(Vec::new, |scratch, (point, &text)| {
            doc_vector_into(
                docs.distinct_features(text),
                &words,
                &weights,
                point,
                scratch,
            );
        });
    let vector_of = |ids: &[u32]| doc_vector(ids, &words, DIMENSIONS, &weights);
    // Background comments can be neighbours too.
    let background_points: Vec<f64> =
        if background.is_empty() || point_texts.len() + background.len() > SMOOTHING_LIMIT {
            Vec::new()
        } else {
            (units..docs.len())
                .filter(|&i| has_features(i))
                .flat_map(|i| vector_of(docs.features(i)))
                .collect()
        };
    smooth_with_neighbours(&mut points, &point_weights, &background_points);
    timing::report("themes: comment vectors", timer);

    let timer = std::time::Instant::now();
    let n = fit.len();
    // A small corpus is clustered on what its passages mean as well (see `semantic`).
    let joint = semantic::applies(point_texts.len()).then(|| {
        let passages: Vec<&str> = point_passages.iter().map(|&i| split.texts[i]).collect();
        semantic::joint_points(&points, &passages)
    });
    let (cluster_points, cluster_dims) = match &joint {
        Some(joint) => (joint.as_slice(), semantic::JOINT_DIMENSIONS),
        None => (points.as_slice(), DIMENSIONS),
    };
    // How many themes is read from the corpus vectors alone: in the joint space the silhouette
    // favours a few broad themes (six for 690 comments of three to six banking intents each,
    // one of them in 69% of the comments), too coarse for a Top Ten.
    let k = match options.themes {
        ThemeCount::Fixed(k) => k.clamp(1, point_texts.len().max(1)),
        ThemeCount::Auto => choose_theme_count(&points, DIMENSIONS, &point_of_fit, options.seed),
    };
    let restarts = if n <= 50_000 { 10 } else { 3 };
    let (centroids, cluster_of) = if n == 0 {
        (Vec::new(), Vec::new())
    } else {
        let clustering = weighted_spherical_kmeans(
            cluster_points,
            &point_weights,
            cluster_dims,
            k,
            restarts,
            options.seed,
        );
        let centroids = if joint.is_some() {
            let groups = clustering.centroids.len() / cluster_dims;
            semantic::group_centroids(
                &points,
                &point_weights,
                &clustering.assignment,
                groups,
                DIMENSIONS,
            )
        } else {
            clustering.centroids
        };
        (centroids, clustering.assignment)
    };
    timing::report("themes: k-means", timer);

    // Every member passage's themes, by cluster number. A passage the clustering saw keeps the
    // clustering's choice first, so that sizes and labels agree; the others go to the nearest.
    let timer = std::time::Instant::now();
    let by_point: Vec<Vec<Assignment>> = points
        .par_chunks_exact(DIMENSIONS)
        .zip(cluster_of.par_iter())
        .map(|(point, &cluster)| assign_with_main(point, &centroids, cluster))
        .collect();
    timing::report("  assignment: sample", timer);
    let mut fit_point = vec![u32::MAX; units];
    for (&i, &point) in fit.iter().zip(&point_of_fit) {
        fit_point[i] = point;
    }
    // The others by their text: a passage many customers wrote is placed once.
    let mut needed = vec![false; docs.distinct_len()];
    for &i in &members {
        if fit_point[i] == u32::MAX {
            needed[docs.distinct_of(i)] = true;
        }
    }
    let by_text: Vec<Option<Vec<Assignment>>> = needed
        .par_iter()
        .enumerate()
        .map(|(d, &needed)| {
            needed.then(|| assign_vector(&vector_of(docs.distinct_features(d)), &centroids))
        })
        .collect();
    timing::report("  assignment: other passages", timer);
    let singles = vocabulary.single_words();
    // Per passage, its themes (empty without a known content word) and how many content words
    // it has: what it weighs among its text's passages. Borrowed, not copied: a million
    // comments hold millions of passages.
    let by_unit: Vec<(usize, &[Assignment])> = (0..units)
        .into_par_iter()
        .map(|i| {
            if !has_features(i) {
                return (0, &[][..]);
            }
            let assigned: &[Assignment] = match fit_point[i] {
                u32::MAX => by_text[docs.distinct_of(i)]
                    .as_deref()
                    .expect("computed for every passage outside the sample"),
                point => &by_point[point as usize],
            };
            let weight = docs
                .features(i)
                .iter()
                .filter(|&&f| (f as usize) < singles)
                .count();
            (weight, assigned)
        })
        .collect();
    timing::report("  assignment: per passage", timer);
    // Each text's themes from its passages', by cluster number. A text whose passages found
    // several themes is led by the main theme of the text read whole: the theme whose centroid
    // its vector is nearest. That vector's similarity to a centroid is the weighted sum of its
    // features' similarities to it, so with each feature's similarity to each centroid at hand
    // the main theme costs a few additions per feature instead of a vector per text (the norm,
    // common to every centroid, does not change which is nearest).
    let clusters = centroids.len() / DIMENSIONS;
    let feature_dots: Vec<f64> = words
        .par_chunks_exact(DIMENSIONS)
        .flat_map_iter(|vector| {
            centroids.chunks_exact(DIMENSIONS).map(move |c| {
                vector
                    .iter()
                    .zip(c)
                    .map(|(v, c)| f64::from(*v) * c)
                    .sum::<f64>()
            })
        })
        .collect();
    let (mut assignments, mut passages): (Vec<Vec<Assignment>>, Vec<Vec<ThemedPassage>>) = (0
        ..texts.len())
        .into_par_iter()
        .map_init(
            || (Vec::new(), vec![0.0; clusters]),
            |(scratch, sums), r| {
                split.combine(
                    r,
                    &by_unit,
                    || {
                        scratch.clear();
                        for u in split.of_text(r) {
                            scratch.extend_from_slice(docs.features(u));
                        }
                        nearest_by_features(scratch, &weights, &feature_dots, sums)
                    },
                    |main| {
                        // Only when no passage had the whole text's main theme.
                        let ids: Vec<u32> = split
                            .of_text(r)
                            .flat_map(|u| docs.features(u).iter().copied())
                            .collect();
                        let centroid = &centroids[main * DIMENSIONS..(main + 1) * DIMENSIONS];
                        dot(&vector_of(&ids), centroid).clamp(0.0, 1.0)
                    },
                )
            },
        )
        .unzip();
    timing::report("  assignment: per text", timer);

    // Themes largest first (by the texts they are the main theme of); ids follow that order.
    let mut sizes = vec![0usize; clusters];
    for assigned in &assignments {
        if let Some(main) = assigned.first() {
            sizes[main.theme] += 1;
        }
    }
    let mut order: Vec<usize> = (0..clusters).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let mut rank_of = vec![0; clusters];
    for (rank, &c) in order.iter().enumerate() {
        rank_of[c] = rank;
    }
    let centroids: Vec<f64> = order
        .iter()
        .flat_map(|&c| centroids[c * DIMENSIONS..(c + 1) * DIMENSIONS].to_vec())
        .collect();
    assignments
        .par_iter_mut()
        .zip(passages.par_iter_mut())
        .for_each(|(assigned, passages)| {
            for a in assigned {
                a.theme = rank_of[a.theme];
            }
            for passage in passages {
                for t in &mut passage.themes {
                    *t = rank_of[*t];
                }
            }
        });
    timing::report("  assignment: renumbered", timer);
    // Labels come from the passages the themes were learned from.
    let mut phrases = PhraseCounts::new(clusters, &vocabulary);
    for ((&text, &weight), &cluster) in point_texts.iter().zip(&point_weights).zip(&cluster_of) {
        phrases.add(docs.distinct_words(text), rank_of[cluster], weight);
    }
    timing::report("themes: assignment, phrase counts", timer);
    let themes = (0..clusters)
        .map(|t| {
            let top = phrases.top_phrases(t, 5);
            DiscoveredTheme {
                label: label::label(&top).unwrap_or_else(|| format!("theme {}", t + 1)),
                phrases: top.into_iter().map(|(p, _)| p).collect(),
                size: sizes[order[t]],
            }
        })
        .collect();
    Discovery {
        themes,
        assignments,
        passages,
        model: ThemeModel {
            vocabulary,
            words,
            weights,
            reading: Reading::ContentWordsAndPairs,
            centroids,
        },
    }
}

/// Indices of an even spread of at most `at_most` of `n` items, in order: all of them when
/// there are no more.
pub(crate) fn even_spread(n: usize, at_most: usize) -> impl Iterator<Item = usize> {
    let taken = n.min(at_most);
    (0..taken).map(move |j| j * n / taken)
}

/// A comment's themes with `main`, the clustering's choice, first whatever the similarities.
fn assign_with_main(point: &[f64], centroids: &[f64], main: usize) -> Vec<Assignment> {
    let mut assigned = assign_vector(point, centroids);
    if assigned.first().is_some_and(|a| a.theme != main) {
        let (_, sim) = nearest(
            point,
            &centroids[main * DIMENSIONS..(main + 1) * DIMENSIONS],
            DIMENSIONS,
        );
        assigned.retain(|a| a.theme != main);
        assigned.insert(
            0,
            Assignment {
                theme: main,
                confidence: sim.clamp(0.0, 1.0),
            },
        );
        assigned.truncate(MAX_THEMES_PER_RECORD);
    }
    assigned
}

/// Up to this many comments, each comment's vector is blended with its nearest neighbours'.
pub const SMOOTHING_LIMIT: usize = 20_000;
const NEIGHBOURS: usize = 3;

/// Adds to each vector the mean of its [`NEIGHBOURS`] most similar vectors — among the others
/// and `others` (background comments, `m × DIMENSIONS`) — and normalises: a short comment
/// borrows the words its close neighbours use, which firms up the groups (about +0.01 NMI on
/// BANKING77, and +0.01 more with the background as neighbours). A point stands for `weights[i]`
/// comments written word for word alike, and counts as that many neighbours: a text many
/// customers wrote has its own copies as its nearest neighbours. Exact, so quadratic: only up
/// to [`SMOOTHING_LIMIT`] comments in all.
fn smooth_with_neighbours(points: &mut [f64], weights: &[u32], others: &[f64]) {
    use rayon::prelude::*;
    let n = points.len() / DIMENSIONS;
    let candidates = n + others.len() / DIMENSIONS;
    let comments: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if comments <= NEIGHBOURS as u64 || candidates > SMOOTHING_LIMIT {
        return;
    }
    let original = points.to_vec();
    let row = |j: usize| {
        if j < n {
            &original[j * DIMENSIONS..(j + 1) * DIMENSIONS]
        } else {
            &others[(j - n) * DIMENSIONS..(j - n + 1) * DIMENSIONS]
        }
    };
    // How many neighbours a candidate can be: its copies (a background comment is one).
    let copies = |j: usize| if j < n { weights[j] as usize } else { 1 };
    points
        .par_chunks_exact_mut(DIMENSIONS)
        .enumerate()
        .for_each(|(i, target)| {
            let mut best: Vec<(f64, usize)> = Vec::with_capacity(2 * NEIGHBOURS);
            let mut offer = |sim: f64, j: usize, times: usize| {
                for _ in 0..times.min(NEIGHBOURS) {
                    if best.len() < NEIGHBOURS || sim > best[best.len() - 1].0 {
                        let at = best.partition_point(|(s, _)| *s >= sim);
                        best.insert(at, (sim, j));
                        best.truncate(NEIGHBOURS);
                    }
                }
            };
            for j in 0..candidates {
                let times = if j == i { copies(i) - 1 } else { copies(j) };
                if times > 0 {
                    offer(dot(row(i), row(j)), j, times);
                }
            }
            for (_, j) in &best {
                for (t, v) in target.iter_mut().zip(row(*j)) {
                    *t += v / NEIGHBOURS as f64;
                }
            }
            embed::normalise(target);
        });
}

/// The number of themes, by the mean silhouette (cosine) on a sample of the comments, among
/// candidates from 4 up to one theme per eight comments (at most 30, as many as a council can
/// work through; more can be asked for): the smallest number whose
/// silhouette is within 10% of the best. Silhouettes tend to keep rising as themes split into
/// rephrasings of one another; the parsimony rule stops where splitting stops paying, which
/// gives a Top Ten of distinct problems rather than ten wordings of one.
///
/// `point_of_comment` says which of `points` each comment is (a point may stand for several).
fn choose_theme_count(points: &[f64], dims: usize, point_of_comment: &[u32], seed: u64) -> usize {
    let n = point_of_comment.len();
    let candidates: Vec<usize> = [4, 6, 8, 10, 12, 15, 20, 25, 30]
        .into_iter()
        .filter(|&k| k * 8 <= n)
        .collect();
    if candidates.is_empty() {
        return (n / 4).clamp(1, 4);
    }
    let mut rng = SplitMix64::new(seed ^ 0x5115_0E77);
    // The points of a sample of comments (a point as often as its comments are drawn).
    let sample: Vec<usize> = if n <= 1500 {
        point_of_comment.iter().map(|&p| p as usize).collect()
    } else {
        (0..1500)
            .map(|_| point_of_comment[rng.below(n)] as usize)
            .collect()
    };
    // Candidates are clustered on the sample alone: the choice needs its shape, not every point.
    let sampled: Vec<f64> = sample
        .iter()
        .flat_map(|&i| points[i * dims..(i + 1) * dims].iter().copied())
        .collect();
    let row = |i: usize| &sampled[i * dims..(i + 1) * dims];
    let m = sample.len();
    // The cosine distances of the sample's pairs, once for every candidate (in parallel).
    let distance: Vec<f64> = {
        use rayon::prelude::*;
        (0..m)
            .into_par_iter()
            .flat_map_iter(|i| (0..m).map(move |j| 1.0 - dot(row(i), row(j))))
            .collect()
    };
    let sample: Vec<usize> = (0..m).collect();
    let mut results: Vec<(usize, f64)> = Vec::new();
    for k in candidates {
        let clustering = spherical_kmeans(&sampled, dims, k, 2, seed);
        let mut total = 0.0;
        for &i in &sample {
            let own = clustering.assignment[i];
            let mut sum = vec![0.0; k];
            let mut count = vec![0usize; k];
            for &j in &sample {
                if j != i {
                    let c = clustering.assignment[j];
                    sum[c] += distance[i * m + j];
                    count[c] += 1;
                }
            }
            if count[own] == 0 {
                continue;
            }
            let a = sum[own] / count[own] as f64;
            let b = (0..k)
                .filter(|&c| c != own && count[c] > 0)
                .map(|c| sum[c] / count[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if b.is_finite() {
                total += (b - a) / a.max(b);
            }
        }
        results.push((k, total / sample.len() as f64));
    }
    let best = results
        .iter()
        .map(|r| r.1)
        .fold(f64::NEG_INFINITY, f64::max);
    results
        .iter()
        .find(|(_, s)| *s >= 0.9 * best)
        .map_or(results[0].0, |(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three kinds of complaint in varied words, 40 comments each, shuffled together.
    fn corpus() -> (Vec<String>, Vec<usize>) {
        let kinds: [&[&str]; 3] = [
            &[
                "my delivery was {n} days late",
                "the delivery is late again",
                "still waiting for my delivery",
                "delivery date moved, waiting at home",
                "late delivery and no update on the delivery",
            ],
            &[
                "charged twice for the same order",
                "I was charged twice on my card",
                "the invoice charged me twice",
                "double charge on the invoice, refund please",
                "refund for the double charge never came",
            ],
            &[
                "the installer was friendly and tidy",
                "friendly installer, quick and tidy work",
                "the installer explained everything, very friendly",
                "tidy installation by a friendly fitter",
                "installer friendly and careful",
            ],
        ];
        let mut rng = SplitMix64::new(3);
        let mut items: Vec<(String, usize)> = Vec::new();
        for (kind, phrases) in kinds.iter().enumerate() {
            for i in 0..40 {
                let text = phrases[i % phrases.len()].replace("{n}", &(2 + i % 9).to_string());
                items.push((text, kind));
            }
        }
        for i in (1..items.len()).rev() {
            items.swap(i, rng.below(i + 1));
        }
        items.into_iter().unzip()
    }

    #[test]
    fn distinct_complaints_become_distinct_labelled_themes() {
        let (texts, kinds) = corpus();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let options = DiscoverOptions {
            themes: ThemeCount::Fixed(3),
            seed: 1,
        };
        let discovery = discover(&refs, &[], options);
        let main: Vec<usize> = discovery.assignments.iter().map(|a| a[0].theme).collect();
        assert!(crate::metrics::nmi(&kinds, &main) > 0.9, "{main:?}");
        let labels: Vec<&str> = discovery.themes.iter().map(|t| t.label.as_str()).collect();
        for expected in [
            &["delivery", "late"][..],
            &["charged", "twice"],
            &["installer", "friendly", "tidy"],
        ] {
            assert!(
                labels
                    .iter()
                    .any(|l| expected.iter().any(|e| l.contains(e))),
                "no label mentions {expected:?}: {labels:?}"
            );
        }
        assert_eq!(discovery.themes.iter().map(|t| t.size).sum::<usize>(), 120);

        // The model places new comments in the same themes; the same seed, the same result.
        let late = discovery.model.assign("my delivery is three days late");
        let late_theme = main[kinds.iter().position(|k| *k == 0).unwrap()];
        assert_eq!(late[0].theme, late_theme);
        assert!(
            discovery.model.assign("zzz qqq").is_empty(),
            "no known word, no theme"
        );
        assert!(
            discovery
                .model
                .assign("and then it was the same")
                .is_empty(),
            "function words alone say nothing of a theme"
        );
        let again = discover(&refs, &[], options);
        assert_eq!(again.themes, discovery.themes);
    }

    #[test]
    fn a_comment_about_several_things_gets_each_of_their_themes() {
        let (mut texts, mut kinds) = corpus();
        // Comments about two things: a late delivery and a friendly installer.
        for i in 0..30 {
            texts.push(format!(
                "my delivery was {} days late and still no update on the delivery date. But the \
                 installer was friendly, tidy and careful",
                2 + i % 5
            ));
            kinds.push(3);
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let options = DiscoverOptions {
            themes: ThemeCount::Fixed(3),
            seed: 1,
        };
        let discovery = discover(&refs, &[], options);
        let theme_of_kind = |kind: usize| {
            let i = kinds.iter().position(|k| *k == kind).unwrap();
            discovery.assignments[i][0].theme
        };
        let (late, friendly) = (theme_of_kind(0), theme_of_kind(2));
        assert_ne!(late, friendly);
        for (i, text) in texts.iter().enumerate().filter(|(i, _)| kinds[*i] == 3) {
            let themes: Vec<usize> = discovery.assignments[i].iter().map(|a| a.theme).collect();
            assert!(
                themes.contains(&late) && themes.contains(&friendly),
                "{text}: {themes:?}"
            );
            // Which passage gave which theme.
            let passages = &discovery.passages[i];
            assert_eq!(passages.len(), 2, "{passages:?}");
            assert!(text[passages[0].range.clone()].contains("delivery"));
            assert_eq!(passages[0].themes, [late]);
            assert!(text[passages[1].range.clone()].contains("installer"));
            assert_eq!(passages[1].themes, [friendly]);
            // The model places the comment the same way.
            let again: Vec<usize> = discovery
                .model
                .assign(text)
                .iter()
                .map(|a| a.theme)
                .collect();
            assert!(
                again.contains(&late) && again.contains(&friendly),
                "{again:?}"
            );
        }
        // A one-passage comment has no passages of its own.
        assert!(discovery.passages[0].is_empty());
    }

    #[test]
    fn the_number_of_themes_can_be_found_from_the_data() {
        let (texts, kinds) = corpus();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let discovery = discover(&refs, &[], DiscoverOptions::default());
        let main: Vec<usize> = discovery.assignments.iter().map(|a| a[0].theme).collect();
        // Fifteen distinct phrasings: the data may support up to fifteen themes, never mixed.
        let count = discovery.themes.len();
        assert!((3..=15).contains(&count), "{count} themes");
        for theme in 0..count {
            let members: Vec<usize> = (0..main.len())
                .filter(|&i| main[i] == theme)
                .map(|i| kinds[i])
                .collect();
            let top = (0..3)
                .map(|k| members.iter().filter(|m| **m == k).count())
                .max()
                .unwrap();
            assert!(
                top * 10 >= members.len() * 9,
                "theme {theme} mixes kinds: {members:?}"
            );
        }
    }
}
