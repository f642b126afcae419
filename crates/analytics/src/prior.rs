//! The semantic prior: a static embedding of every WordPiece token of the sentence model
//! all-MiniLM-L6-v2, distilled by `tools/distill_static_embeddings.py` (each token through the
//! transformer on its own, mean-pooled, PCA to 256 dimensions, int8 with a scale per row) and
//! shipped inside the binary (`data/prior/`, provenance and licences there). Words that mean the
//! same thing get near vectors even when a corpus is too small to learn it ("luggage" /
//! "baggage", "delay" / "waiting"). Nothing is downloaded; no model runs at analysis time.
//!
//! A word is split as BERT's uncased tokenizer splits it: at apostrophes, then greedy longest
//! match in the vocabulary, continuation pieces written "##…"; a word with no split is unknown.

use std::collections::HashMap;
use std::sync::LazyLock;

use foldhash::fast::FixedState;

const TABLE: &[u8] = include_bytes!("../data/prior/minilm_static.bin");
const VOCAB: &str = include_str!("../data/prior/vocab.txt");
const MAGIC: &[u8; 8] = b"TLSE0001";
/// BERT reads no word longer than this (it becomes [UNK]).
const MAX_WORD: usize = 100;

/// The shipped token embeddings.
#[derive(Debug)]
pub struct Prior {
    ids: HashMap<&'static str, u32, FixedState>,
    /// The longest token in bytes ("##" counted): no longer piece can match, so the greedy
    /// longest-match split starts there rather than at the whole rest of the word.
    longest: usize,
    dims: usize,
    /// Row-major, already scaled back to floats.
    vectors: Vec<f32>,
}

static PRIOR: LazyLock<Prior> = LazyLock::new(|| {
    // The table is part of the binary and a test reads it: it cannot be malformed.
    Prior::read(TABLE, VOCAB).unwrap_or_else(|e| panic!("the shipped semantic prior: {e}"))
});

/// The shipped semantic prior.
pub fn prior() -> &'static Prior {
    &PRIOR
}

impl Prior {
    fn read(table: &[u8], vocab: &'static str) -> Result<Self, String> {
        if table.len() < 16 || &table[..8] != MAGIC {
            return Err("not a TLSE0001 table".to_owned());
        }
        let u32_at = |at: usize| {
            u32::from_le_bytes([table[at], table[at + 1], table[at + 2], table[at + 3]])
        };
        let (rows, dims) = (u32_at(8) as usize, u32_at(12) as usize);
        let scales_end = 16 + 4 * rows;
        if table.len() != scales_end + rows * dims {
            return Err(format!(
                "{rows} rows of {dims} do not match {} bytes",
                table.len()
            ));
        }
        let words: Vec<&'static str> = vocab.lines().collect();
        if words.len() != rows {
            return Err(format!("{} vocabulary lines for {rows} rows", words.len()));
        }
        let mut vectors = Vec::with_capacity(rows * dims);
        for r in 0..rows {
            let at = 16 + 4 * r;
            let scale =
                f32::from_le_bytes([table[at], table[at + 1], table[at + 2], table[at + 3]]);
            let row = &table[scales_end + r * dims..scales_end + (r + 1) * dims];
            vectors.extend(row.iter().map(|&b| f32::from(b as i8) * scale));
        }
        let ids = words
            .iter()
            .enumerate()
            .map(|(i, w)| (*w, i as u32))
            .collect();
        let longest = words.iter().map(|w| w.len()).max().unwrap_or(0);
        Ok(Self {
            ids,
            longest,
            dims,
            vectors,
        })
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// How many tokens the vocabulary has.
    pub fn len(&self) -> usize {
        self.vectors.len() / self.dims
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// The embedding of token `id`.
    pub fn vector(&self, id: u32) -> &[f32] {
        let at = id as usize * self.dims;
        &self.vectors[at..at + self.dims]
    }

    /// Appends the token ids of one lowercase word to `out` (nothing for a word the vocabulary
    /// cannot spell).
    pub fn pieces(&self, word: &str, out: &mut Vec<u32>) {
        for part in word.split('\'') {
            if part.is_empty() {
                continue;
            }
            if let Some(&id) = self.ids.get(part) {
                out.push(id);
                continue;
            }
            if part.chars().count() > MAX_WORD {
                continue;
            }
            // A word outside the vocabulary is split piece by piece, each the longest token
            // that matches: many lookups. Real feedback repeats its rare words (names, typos,
            // codes), so each thread remembers the splits it made.
            SPLITS.with_borrow_mut(|splits| {
                if let Some(known) = splits.get(part) {
                    out.extend_from_slice(known);
                    return;
                }
                let before = out.len();
                self.split(part, out);
                if splits.len() >= SPLITS_KEPT {
                    splits.clear();
                }
                splits.insert(part.to_owned(), out[before..].to_vec());
            });
        }
    }

    /// The id of a token of the vocabulary ("[CLS]", "card", "##ing").
    pub(crate) fn token_id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    /// Appends the word pieces of one lowercase word without punctuation to `out`, as BERT's
    /// tokenizer spells it; `false` (and nothing appended) when it cannot (BERT's [UNK]).
    pub(crate) fn word_pieces(&self, word: &str, out: &mut Vec<u32>) -> bool {
        if word.chars().count() > MAX_WORD {
            return false;
        }
        let before = out.len();
        self.split(word, out);
        out.len() > before
    }

    /// Appends the greedy longest-match pieces of `part` (one word between apostrophes) to `out`,
    /// or nothing when a piece cannot be matched (BERT makes the whole word [UNK]).
    fn split(&self, part: &str, out: &mut Vec<u32>) {
        let before = out.len();
        let mut start = 0;
        let mut piece = String::with_capacity(part.len() + 2);
        while start < part.len() {
            // The piece at `start` is at most `longest` bytes, "##" included after the
            // first: a longer candidate cannot be in the vocabulary.
            let prefix = if start > 0 { 2 } else { 0 };
            let mut end = part.len().min(start + self.longest.saturating_sub(prefix));
            let mut found = None;
            while end > start {
                if part.is_char_boundary(end) {
                    piece.clear();
                    if start > 0 {
                        piece.push_str("##");
                    }
                    piece.push_str(&part[start..end]);
                    if let Some(&id) = self.ids.get(piece.as_str()) {
                        found = Some(id);
                        break;
                    }
                }
                end -= 1;
            }
            match found {
                Some(id) => {
                    out.push(id);
                    start = end;
                }
                None => {
                    // BERT makes the whole word [UNK]: it says nothing here.
                    out.truncate(before);
                    return;
                }
            }
        }
    }
}

/// How many out-of-vocabulary words' splits a thread remembers before it starts afresh.
const SPLITS_KEPT: usize = 65_536;

thread_local! {
    static SPLITS: std::cell::RefCell<HashMap<String, Vec<u32>, FixedState>> =
        std::cell::RefCell::new(HashMap::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
        dot / (na * nb)
    }

    fn word(w: &str) -> Vec<u32> {
        let mut out = Vec::new();
        prior().pieces(w, &mut out);
        out
    }

    #[test]
    fn words_that_mean_the_same_are_near() {
        let p = prior();
        assert_eq!(p.dims(), 256);
        assert_eq!(p.len(), 30522);
        let v = |w: &str| p.vector(word(w)[0]).to_vec();
        assert!(cosine(&v("luggage"), &v("baggage")) > 0.6);
        assert!(cosine(&v("terrible"), &v("awful")) > 0.6);
        assert!(
            cosine(&v("luggage"), &v("baggage")) > cosine(&v("luggage"), &v("wonderful")) + 0.3
        );
    }

    #[test]
    fn words_split_as_bert_splits_them() {
        let p = prior();
        assert!(
            word("refunds").len() >= 2,
            "a rarer word is spelled in pieces"
        );
        assert_eq!(word("luggage").len(), 1);
        let pieces = word("wasn't");
        assert_eq!(pieces.len(), 2, "wasn ' t: the apostrophe's parts");
        let mut out = Vec::new();
        p.pieces(&"a".repeat(150), &mut out);
        assert!(out.is_empty(), "a word longer than BERT reads is unknown");
    }
}
