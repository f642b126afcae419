//! The codebook: a workspace's saved themes, which keeps them stable as records arrive.
//!
//! A codebook is a discovered [`ThemeModel`] whose centroids belong to themes identified by the
//! caller's keys (the store's theme ids). A theme may own several centroids: merging two
//! themes hands one's centroids to the other, so that comments like either land in the merged
//! theme; splitting replaces a theme's centroids by those of its parts. Phrases people add to
//! a theme are [`PhraseRule`]s: a comment that contains one gets the theme for certain.
//!
//! Codebooks are saved as bytes ([`Codebook::to_bytes`]); the word vectors are `f32`, as the
//! model holds them, so a saved codebook assigns exactly as the one it was saved from.

use std::collections::BTreeSet;

use super::embed::Weights;
use super::kmeans::spherical_kmeans;
use super::label::{self, PhraseCounts};
use super::{DIMENSIONS, DiscoveredTheme, Reading, ThemeModel, dot, pick_themes};
use crate::text::{Vocabulary, tokens};

/// Why saved codebook bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the saved codebook cannot be read: {0}")]
pub struct CodebookError(String);

/// A phrase a person added to a theme: every comment containing its words, in order and next
/// to one another, gets the theme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseRule {
    pub theme: i64,
    words: Vec<String>,
}

impl PhraseRule {
    /// `None` when the phrase has no word (it would match everything).
    pub fn new(theme: i64, phrase: &str) -> Option<Self> {
        let words: Vec<String> = tokens(phrase).collect();
        (!words.is_empty()).then_some(Self { theme, words })
    }

    fn matches(&self, comment: &[String]) -> bool {
        comment.windows(self.words.len()).any(|w| w == self.words)
    }
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Codebook {
    model: ThemeModel,
    /// The theme key of each centroid of `model`.
    owners: Vec<i64>,
}

/// A theme cut into parts by [`Codebook::split`].
#[derive(Debug, Clone)]
pub struct Split {
    /// The parts, largest first, labelled like discovered themes.
    pub parts: Vec<DiscoveredTheme>,
    /// Per comment given to [`Codebook::split`], the part it belongs to (`None`: no content
    /// word the codebook knows).
    pub part_of: Vec<Option<usize>>,
    centroids: Vec<f64>,
}

impl Codebook {
    /// The codebook of a discovery, its themes (in [`super::Discovery::themes`] order) keyed by
    /// `keys`.
    ///
    /// # Panics
    /// When there is not one key per theme.
    pub fn new(model: ThemeModel, keys: &[i64]) -> Self {
        assert_eq!(
            model.centroids.len(),
            keys.len() * DIMENSIONS,
            "one key per theme"
        );
        Self {
            model,
            owners: keys.to_vec(),
        }
    }

    /// The keys of the themes that own at least one centroid.
    pub fn themes(&self) -> BTreeSet<i64> {
        self.owners.iter().copied().collect()
    }

    /// A comment's themes, best first, with their confidence: the themes of the rules it
    /// matches (confidence 1), then the multi-label rule of [`super::discover`] over the themes
    /// for which `active` holds; at most [`super::MAX_THEMES_PER_RECORD`].
    pub fn assign(
        &self,
        text: &str,
        rules: &[PhraseRule],
        active: impl Fn(i64) -> bool,
    ) -> Vec<(i64, f64)> {
        let words: Vec<String> = tokens(text).collect();
        // A theme's similarity to a vector is that of its nearest centroid.
        let themes_near = |vector: &[f64]| {
            let mut best: Vec<(i64, f64)> = Vec::new();
            let centroids = self.model.centroids.chunks_exact(DIMENSIONS);
            for (centroid, &owner) in centroids.zip(&self.owners) {
                if !active(owner) {
                    continue;
                }
                let sim = dot(vector, centroid);
                match best.iter_mut().find(|(t, _)| *t == owner) {
                    Some(entry) => entry.1 = entry.1.max(sim),
                    None => best.push((owner, sim)),
                }
            }
            pick_themes(best)
        };
        let similar = self.model.read_themes(text, themes_near);
        combine(&words, rules, &active, similar)
    }

    /// Themes found otherwise (by the discovery itself), with the codebook's edits applied: the
    /// rules' themes first, inactive themes dropped.
    pub fn with_rules(
        text: &str,
        rules: &[PhraseRule],
        active: impl Fn(i64) -> bool,
        found: Vec<(i64, f64)>,
    ) -> Vec<(i64, f64)> {
        let words: Vec<String> = tokens(text).collect();
        combine(&words, rules, &active, found)
    }

    /// `from`'s centroids now belong to `into`.
    pub fn merge(&mut self, from: i64, into: i64) {
        for owner in &mut self.owners {
            if *owner == from {
                *owner = into;
            }
        }
    }

    /// Cuts `theme` into `parts` by clustering its comments `texts` in the codebook's space
    /// (deterministic for a seed). `None` when fewer than two of the comments have a content
    /// word the codebook knows, or there are fewer such comments than parts.
    pub fn split(&self, texts: &[&str], parts: usize, seed: u64) -> Option<Split> {
        let vocabulary = &self.model.vocabulary;
        let mut members = Vec::new();
        let mut points = Vec::new();
        let mut encoded = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            if let Some(v) = self.model.vector(text) {
                members.push(i);
                points.extend(v);
            }
            encoded.push(vocabulary.encode_words(text));
        }
        if parts < 2 || members.len() < parts.max(2) {
            return None;
        }
        let clustering = spherical_kmeans(&points, DIMENSIONS, parts, 5, seed);
        let k = clustering.centroids.len() / DIMENSIONS;
        let mut sizes = vec![0usize; k];
        for &c in &clustering.assignment {
            sizes[c] += 1;
        }
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
        let mut rank_of = vec![0; k];
        for (rank, &c) in order.iter().enumerate() {
            rank_of[c] = rank;
        }
        let mut part_of = vec![None; texts.len()];
        let mut phrases = PhraseCounts::new(k, vocabulary);
        for (m, &i) in members.iter().enumerate() {
            let part = rank_of[clustering.assignment[m]];
            part_of[i] = Some(part);
            phrases.add(&encoded[i], part, 1);
        }
        let centroids = order
            .iter()
            .flat_map(|&c| clustering.centroids[c * DIMENSIONS..(c + 1) * DIMENSIONS].to_vec())
            .collect();
        let parts = (0..k)
            .map(|p| {
                let top = phrases.top_phrases(p, 5);
                DiscoveredTheme {
                    label: label::label(&top).unwrap_or_else(|| format!("part {}", p + 1)),
                    phrases: top.into_iter().map(|(phrase, _)| phrase).collect(),
                    size: sizes[order[p]],
                }
            })
            .collect();
        Some(Split {
            parts,
            part_of,
            centroids,
        })
    }

    /// Replaces `theme`'s centroids by the parts of `split`, keyed by `keys` (one per part).
    ///
    /// # Panics
    /// When there is not one key per part.
    pub fn apply_split(&mut self, theme: i64, split: &Split, keys: &[i64]) {
        assert_eq!(keys.len(), split.parts.len(), "one key per part");
        let mut centroids = Vec::with_capacity(self.model.centroids.len());
        let mut owners = Vec::with_capacity(self.owners.len());
        for (centroid, &owner) in self
            .model
            .centroids
            .chunks_exact(DIMENSIONS)
            .zip(&self.owners)
        {
            if owner != theme {
                centroids.extend_from_slice(centroid);
                owners.push(owner);
            }
        }
        centroids.extend_from_slice(&split.centroids);
        owners.extend_from_slice(keys);
        self.model.centroids = centroids;
        self.owners = owners;
    }

    /// The codebook as bytes, to be saved; [`Codebook::from_bytes`] reads them back.
    pub fn to_bytes(&self) -> Vec<u8> {
        let m = &self.model;
        let mut out = Vec::with_capacity(16 + m.words.len() * 4 + m.vocabulary.len() * 16);
        match &m.reading {
            Reading::ContentWordsAndPairs => out.extend_from_slice(MAGIC),
            Reading::AllWords { .. } => out.extend_from_slice(MAGIC_ALL_WORDS),
        }
        put_u32(&mut out, DIMENSIONS as u32);
        put_u32(&mut out, m.vocabulary.len() as u32);
        for (word, df) in m.vocabulary.words().iter().zip(&m.vocabulary.doc_freq) {
            put_u32(&mut out, word.len() as u32);
            out.extend_from_slice(word.as_bytes());
            put_u32(&mut out, *df);
        }
        for idf in &m.weights.idf {
            out.extend_from_slice(&idf.to_le_bytes());
        }
        for value in &m.words {
            out.extend_from_slice(&value.to_le_bytes());
        }
        if let Reading::AllWords { common } = &m.reading {
            for value in common {
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
        put_u32(&mut out, self.owners.len() as u32);
        for (owner, centroid) in self.owners.iter().zip(m.centroids.chunks_exact(DIMENSIONS)) {
            out.extend_from_slice(&owner.to_le_bytes());
            for value in centroid {
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
        out
    }

    /// Reads a codebook saved by [`Codebook::to_bytes`], of this version or the one before.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CodebookError> {
        let mut r = Reader { bytes, at: 0 };
        let magic = r.take(MAGIC.len())?;
        let all_words = if magic == MAGIC {
            false
        } else if magic == MAGIC_ALL_WORDS {
            true
        } else {
            return Err(CodebookError(
                "not a Throughline codebook (version 1 or 2)".into(),
            ));
        };
        let dims = r.u32()? as usize;
        if dims != DIMENSIONS {
            return Err(CodebookError(format!(
                "it has {dims} dimensions where this version uses {DIMENSIONS}"
            )));
        }
        let size = r.u32()? as usize;
        let mut words = Vec::with_capacity(size.min(1 << 20));
        let mut doc_freq = Vec::with_capacity(size.min(1 << 20));
        for _ in 0..size {
            let len = r.u32()? as usize;
            let word = std::str::from_utf8(r.take(len)?)
                .map_err(|_| CodebookError("a word is not UTF-8".into()))?;
            words.push(word.to_owned());
            doc_freq.push(r.u32()?);
        }
        let vocabulary = Vocabulary::from_words(words, doc_freq).ok_or_else(|| {
            CodebookError(
                "a word repeats in the vocabulary, or a word pair is of words it does not hold"
                    .into(),
            )
        })?;
        let idf = (0..size).map(|_| r.f64()).collect::<Result<_, _>>()?;
        let word_vectors = (0..size * dims)
            .map(|_| r.f32())
            .collect::<Result<_, _>>()?;
        let reading = if all_words {
            Reading::AllWords {
                common: (0..dims).map(|_| r.f64()).collect::<Result<_, _>>()?,
            }
        } else {
            Reading::ContentWordsAndPairs
        };
        let count = r.u32()? as usize;
        let mut owners = Vec::with_capacity(count.min(1 << 16));
        let mut centroids = Vec::with_capacity(count.min(1 << 16) * dims);
        for _ in 0..count {
            owners.push(r.i64()?);
            for _ in 0..dims {
                centroids.push(r.f64()?);
            }
        }
        if r.at != bytes.len() {
            return Err(CodebookError("trailing bytes after the themes".into()));
        }
        Ok(Self {
            model: ThemeModel {
                vocabulary,
                words: word_vectors,
                weights: Weights { idf },
                reading,
                centroids,
            },
            owners,
        })
    }
}

fn combine(
    words: &[String],
    rules: &[PhraseRule],
    active: &impl Fn(i64) -> bool,
    found: Vec<(i64, f64)>,
) -> Vec<(i64, f64)> {
    let mut chosen: Vec<(i64, f64)> = Vec::new();
    let matched = rules
        .iter()
        .filter(|r| r.matches(words))
        .map(|r| (r.theme, 1.0));
    for (theme, confidence) in matched.chain(found) {
        if active(theme) && !chosen.iter().any(|(t, _)| *t == theme) {
            chosen.push((theme, confidence));
        }
    }
    chosen.truncate(super::MAX_THEMES_PER_RECORD);
    chosen
}

/// Version 2: the model reads content words and word pairs ([`Reading::ContentWordsAndPairs`]).
const MAGIC: &[u8] = b"TLCB0002";
/// Version 1: the model reads every known word and removes a common direction, saved after the
/// word vectors ([`Reading::AllWords`]).
const MAGIC_ALL_WORDS: &[u8] = b"TLCB0001";

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodebookError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| CodebookError(format!("it ends early, at byte {}", self.bytes.len())))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodebookError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, CodebookError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, CodebookError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    fn f32(&mut self) -> Result<f32, CodebookError> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    fn f64(&mut self) -> Result<f64, CodebookError> {
        Ok(f64::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::themes::{DiscoverOptions, ThemeCount, discover};

    fn comments() -> Vec<String> {
        let mut out = Vec::new();
        for i in 0..30 {
            out.push(format!(
                "my delivery was {} days late, still waiting",
                2 + i % 5
            ));
            out.push(format!("charged twice for order {i}, refund please"));
            out.push("the installer was friendly and tidy".to_owned());
            out.push(format!("the app crashes when I log in, version {}", i % 3));
            out.push(format!("the courier lost my parcel {i}"));
        }
        out
    }

    fn codebook() -> (Codebook, Vec<String>) {
        let texts = comments();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let discovery = discover(
            &refs,
            &[],
            DiscoverOptions {
                themes: ThemeCount::Fixed(4),
                seed: 7,
            },
        );
        let keys: Vec<i64> = (0..discovery.themes.len() as i64)
            .map(|k| 100 + k)
            .collect();
        (Codebook::new(discovery.model, &keys), texts)
    }

    /// The same themes for every text, with the same confidences.
    fn assert_assign_alike(original: &Codebook, loaded: &Codebook, texts: &[String]) {
        for text in texts {
            assert_eq!(
                original.assign(text, &[], |_| true),
                loaded.assign(text, &[], |_| true),
                "{text}"
            );
        }
    }

    fn first(codebook: &Codebook, text: &str) -> Option<i64> {
        codebook.assign(text, &[], |_| true).first().map(|a| a.0)
    }

    #[test]
    fn a_saved_codebook_assigns_like_the_original_and_refuses_damage() {
        let (codebook, texts) = codebook();
        let bytes = codebook.to_bytes();
        let loaded = Codebook::from_bytes(&bytes).unwrap();
        assert_assign_alike(&codebook, &loaded, &texts);
        assert_eq!(loaded.themes(), (100..104).collect());
        let err = Codebook::from_bytes(&bytes[..bytes.len() - 3]).unwrap_err();
        assert!(err.to_string().contains("ends early"), "{err}");
        let err = Codebook::from_bytes(b"not a codebook at all").unwrap_err();
        assert!(
            err.to_string().contains("not a Throughline codebook"),
            "{err}"
        );
    }

    #[test]
    fn a_version_1_codebook_reads_comments_as_it_was_learned() {
        // A codebook saved before word pairs reads every known word, function words included,
        // and removes the common direction saved with it; saved again, it stays version 1.
        let (codebook, texts) = codebook();
        assert!(codebook.model.vector("was the and").is_none());
        let mut legacy = codebook.clone();
        let mut common = vec![0.0; DIMENSIONS];
        common[0] = 1.0;
        legacy.model.reading = Reading::AllWords { common };
        let bytes = legacy.to_bytes();
        assert_eq!(&bytes[..MAGIC_ALL_WORDS.len()], MAGIC_ALL_WORDS);
        let loaded = Codebook::from_bytes(&bytes).unwrap();
        assert_eq!(loaded.model.reading, legacy.model.reading);
        let function_words = loaded.model.vector("was the and").expect("read as words");
        assert!(
            function_words[0].abs() < 1e-9,
            "the common direction is removed"
        );
        assert_assign_alike(&legacy, &loaded, &texts);
        assert_eq!(&codebook.to_bytes()[..MAGIC.len()], MAGIC);
    }

    #[test]
    fn merged_themes_take_both_kinds_and_archived_themes_none() {
        let (mut codebook, _) = codebook();
        let late = first(&codebook, "delivery late again").unwrap();
        let twice = first(&codebook, "charged twice refund").unwrap();
        assert_ne!(late, twice);
        codebook.merge(twice, late);
        assert_eq!(first(&codebook, "charged twice refund"), Some(late));
        assert!(!codebook.themes().contains(&twice));
        // An archived theme is never given; the comment goes to what else fits, if anything.
        let given = codebook.assign("delivery late again", &[], |t| t != late);
        assert!(given.iter().all(|(t, _)| *t != late), "{given:?}");
    }

    #[test]
    fn phrases_people_add_win() {
        let (codebook, _) = codebook();
        let installer = first(&codebook, "friendly installer").unwrap();
        let rule = PhraseRule::new(installer, "Crashes when").unwrap();
        let given = codebook.assign(
            "the app crashes when I pay",
            std::slice::from_ref(&rule),
            |_| true,
        );
        assert_eq!(given[0], (installer, 1.0));
        let given = codebook.assign("crashes sometimes when", &[rule], |_| true);
        assert_ne!(
            given[0].0, installer,
            "the words must be next to one another"
        );
        assert!(PhraseRule::new(1, " ,.; ").is_none());
    }

    #[test]
    fn a_theme_splits_into_labelled_parts() {
        let (mut codebook, _) = codebook();
        let texts: Vec<String> = (0..20)
            .flat_map(|i| {
                [
                    format!("my delivery was {} days late", 2 + i % 5),
                    format!("the courier lost my parcel {i}"),
                ]
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let late = first(&codebook, "delivery late").unwrap();
        let split = codebook.split(&refs, 2, 3).unwrap();
        assert_eq!(split.parts.len(), 2);
        assert_eq!(split.part_of.len(), refs.len());
        let late_part = split.part_of[0].unwrap();
        assert!(
            (0..refs.len()).all(|i| (split.part_of[i] == Some(late_part)) == (i % 2 == 0)),
            "{:?}",
            split.part_of
        );
        let labels: Vec<&str> = split.parts.iter().map(|p| p.label.as_str()).collect();
        assert!(
            labels[late_part].contains("late") || labels[late_part].contains("delivery"),
            "{labels:?}"
        );
        assert!(
            labels[1 - late_part].contains("lost")
                || labels[1 - late_part].contains("courier")
                || labels[1 - late_part].contains("parcel"),
            "{labels:?}"
        );
        codebook.apply_split(late, &split, &[201, 202]);
        assert!(!codebook.themes().contains(&late));
        assert_eq!(
            first(&codebook, "my delivery was 3 days late"),
            Some(201 + late_part as i64)
        );
        assert!(codebook.split(&refs[..1], 2, 3).is_none());
    }
}
