//! Words: tokenising comments and interning words as `u32` ids.
//!
//! Tokens are lowercase runs of letters and digits; an apostrophe ends a token (`don't` →
//! `don`, `t`), which keeps "can't" and "cant" close. Placeholders from redaction (`[phone]`)
//! become ordinary tokens (`phone`).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Lowercase alphanumeric tokens of `text`, in order.
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    borrowed_tokens(text).map(Cow::into_owned)
}

/// [`tokens`], borrowed from `text` where already lowercase (most are).
pub fn borrowed_tokens(text: &str) -> impl Iterator<Item = Cow<'_, str>> + '_ {
    raw_tokens(text).map(lowercase)
}

/// `word` in lowercase, borrowed when it is already (most words are): no new string for them.
pub fn lowercase(word: &str) -> Cow<'_, str> {
    if word
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'\'')
    {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(word.to_lowercase())
    }
}

/// The alphanumeric runs of `text`, as written.
fn raw_tokens(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// Function words that carry no theme on their own. Negations ("not", "no", "never") are kept
/// out of this list — "not received" is a theme, "received" another — and so are the particles
/// of phrasal verbs ("top up", "cut off", "sign out").
pub const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cant",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doing",
    "dont",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "get",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "hello",
    "her",
    "here",
    "hers",
    "herself",
    "hi",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "ive",
    "just",
    "ll",
    "m",
    "me",
    "might",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "now",
    "of",
    "ok",
    "okay",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "over",
    "own",
    "please",
    "re",
    "s",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "u",
    "under",
    "until",
    "us",
    "ve",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

pub fn is_stopword(word: &str) -> bool {
    // A set rather than a search of the sorted list: every word of every comment is asked.
    static SET: LazyLock<HashSet<&str, foldhash::fast::FixedState>> =
        LazyLock::new(|| STOPWORDS.iter().copied().collect());
    SET.contains(word)
}

/// Words interned as dense ids, with their document frequencies.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    ids: HashMap<String, u32>,
    words: Vec<String>,
    /// In how many documents each word occurs.
    pub doc_freq: Vec<u32>,
}

impl Vocabulary {
    pub fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    pub fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The ids of a document's words that are in the vocabulary.
    pub fn encode(&self, doc: &[String]) -> Vec<u32> {
        doc.iter().filter_map(|w| self.id(w)).collect()
    }

    /// A document's words as ids, [`GAP`] for each word outside the vocabulary (the form phrase
    /// counting reads, see [`Vocabulary::encode_corpus`]).
    pub fn encode_with_gaps(&self, doc: &[String]) -> Vec<u32> {
        doc.iter().map(|w| self.id(w).unwrap_or(GAP)).collect()
    }

    /// The words, in id order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// A vocabulary from its words in id order and their document frequencies (as saved with a
    /// codebook). `None` when the lengths differ or a word repeats.
    pub fn from_words(words: Vec<String>, doc_freq: Vec<u32>) -> Option<Self> {
        if words.len() != doc_freq.len() {
            return None;
        }
        let mut ids = HashMap::with_capacity(words.len());
        for (id, word) in words.iter().enumerate() {
            if ids.insert(word.clone(), id as u32).is_some() {
                return None;
            }
        }
        Some(Self {
            ids,
            words,
            doc_freq,
        })
    }

    /// Tokenises every distinct text once, keeping ids rather than strings: the vocabulary of
    /// the words in at least `min_docs` texts (repeats counted), and the [`Corpus`] of each text
    /// as its words' ids with [`GAP`] for the words left out (so that no phrase is read across
    /// them). Built this way, a million comments take megabytes, not the gigabyte their tokens as
    /// strings would, and a comment a thousand customers wrote is tokenised once.
    pub fn encode_corpus<'a>(
        texts: impl IntoIterator<Item = &'a str>,
        min_docs: u32,
    ) -> (Self, Corpus) {
        let (distinct, doc_of) = distinct(texts.into_iter());
        let mut repeats = vec![0u32; distinct.len()];
        for &d in &doc_of {
            repeats[d as usize] += 1;
        }
        let mut ids: HashMap<String, u32, foldhash::fast::RandomState> = HashMap::default();
        let mut words: Vec<String> = Vec::new();
        let mut doc_freq: Vec<u32> = Vec::new();
        let mut last_doc: Vec<u32> = Vec::new();
        let mut docs: Vec<Vec<u32>> = Vec::with_capacity(distinct.len());
        for (index, text) in distinct.iter().enumerate() {
            let stamp = index as u32 + 1;
            let mut doc = Vec::new();
            for raw in raw_tokens(text) {
                let token = lowercase(raw);
                let token = token.as_ref();
                let id = match ids.get(token) {
                    Some(&id) => id,
                    None => {
                        let id = words.len() as u32;
                        ids.insert(token.to_owned(), id);
                        words.push(token.to_owned());
                        doc_freq.push(0);
                        last_doc.push(0);
                        id
                    }
                };
                if last_doc[id as usize] != stamp {
                    doc_freq[id as usize] += repeats[index];
                    last_doc[id as usize] = stamp;
                }
                doc.push(id);
            }
            doc.shrink_to_fit();
            docs.push(doc);
        }
        // Keep the frequent words, renumbered densely in order of first occurrence.
        let mut remap = vec![GAP; words.len()];
        let mut vocabulary = Self::default();
        for (old, word) in words.into_iter().enumerate() {
            if doc_freq[old] >= min_docs {
                remap[old] = vocabulary.words.len() as u32;
                vocabulary.ids.insert(word.clone(), remap[old]);
                vocabulary.words.push(word);
                vocabulary.doc_freq.push(doc_freq[old]);
            }
        }
        for doc in &mut docs {
            for id in doc.iter_mut() {
                *id = remap[*id as usize];
            }
        }
        (vocabulary, Corpus { docs, doc_of })
    }
}

/// Texts as word ids ([`GAP`] for words outside the vocabulary), each distinct text held once.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// The distinct texts' words, in order of first appearance.
    docs: Vec<Vec<u32>>,
    /// For each text, its distinct text.
    doc_of: Vec<u32>,
}

impl Corpus {
    /// How many texts (repeats counted).
    pub fn len(&self) -> usize {
        self.doc_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.doc_of.is_empty()
    }

    /// Text `i`'s words.
    pub fn doc(&self, i: usize) -> &[u32] {
        &self.docs[self.doc_of[i] as usize]
    }

    /// Which distinct text text `i` is: equal for texts written the same.
    pub fn distinct_of(&self, i: usize) -> usize {
        self.doc_of[i] as usize
    }

    /// How many distinct texts.
    pub fn distinct_len(&self) -> usize {
        self.docs.len()
    }

    /// Distinct text `d`'s words.
    pub fn distinct_doc(&self, d: usize) -> &[u32] {
        &self.docs[d]
    }
}

/// The distinct texts among `texts`, in order of first appearance, and for each text the index
/// of its distinct text: work that depends on the text alone is then done once per text.
pub fn distinct<'a>(texts: impl Iterator<Item = &'a str>) -> (Vec<&'a str>, Vec<u32>) {
    let mut seen: HashMap<&str, u32, foldhash::fast::RandomState> = HashMap::default();
    let mut distinct = Vec::new();
    let index = texts
        .map(|text| {
            *seen.entry(text).or_insert_with(|| {
                distinct.push(text);
                distinct.len() as u32 - 1
            })
        })
        .collect();
    (distinct, index)
}

/// The id standing for a word outside the vocabulary in [`Vocabulary::encode_corpus`].
pub const GAP: u32 = u32::MAX;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_lowercase_alphanumeric_runs() {
        let t: Vec<String> =
            tokens("Still NOT received my card (ordered 2 weeks ago)! [phone]").collect();
        assert_eq!(
            t,
            [
                "still", "not", "received", "my", "card", "ordered", "2", "weeks", "ago", "phone"
            ]
        );
        let t: Vec<String> = tokens("can't, café").collect();
        assert_eq!(t, ["can", "t", "café"]);
    }

    #[test]
    fn stopwords_are_sorted_and_keep_negations() {
        assert!(
            STOPWORDS.windows(2).all(|w| w[0] < w[1]),
            "binary search needs order"
        );
        assert!(is_stopword("the") && !is_stopword("not") && !is_stopword("never"));
    }

    #[test]
    fn a_corpus_is_encoded_once_with_gaps_for_rare_words() {
        let (v, docs) =
            Vocabulary::encode_corpus(["card card late", "card refund", "refund xyz"], 2);
        assert_eq!(v.len(), 2);
        assert_eq!(v.doc_freq, [2, 2]);
        assert_eq!(docs.doc(0), [0, 0, GAP]);
        assert_eq!(docs.doc(2), [1, GAP]);
        let again: Vec<String> = tokens("card late card").collect();
        assert_eq!(
            v.encode(&again),
            [0, 0],
            "words outside the vocabulary are skipped"
        );
        // A repeated text is tokenised once but counts as often as it occurs.
        let (v, docs) = Vocabulary::encode_corpus(["Late card", "late card", "late"], 3);
        assert_eq!(v.words(), ["late"]);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs.doc(1), [0, GAP]);
        assert_ne!(
            docs.distinct_of(0),
            docs.distinct_of(1),
            "written differently"
        );
        let (_, docs) = Vocabulary::encode_corpus(["late card", "late", "late card"], 1);
        assert_eq!(docs.distinct_of(0), docs.distinct_of(2));
    }
}
