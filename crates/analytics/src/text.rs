//! Words: tokenising comments and interning words as `u32` ids.
//!
//! Tokens are lowercase runs of letters and digits; an apostrophe ends a token (`don't` →
//! `don`, `t`), which keeps "can't" and "cant" close. Placeholders from redaction (`[phone]`)
//! become ordinary tokens (`phone`).

use std::collections::HashMap;

/// Lowercase alphanumeric tokens of `text`, in order.
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
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
    STOPWORDS.binary_search(&word).is_ok()
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

    /// The words of `docs` that occur in at least `min_docs` documents, ids in order of first
    /// occurrence (deterministic).
    pub fn build<'a>(docs: impl IntoIterator<Item = &'a [String]>, min_docs: u32) -> Self {
        let mut counts: HashMap<&str, (u32, u32)> = HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        for (doc_index, doc) in docs.into_iter().enumerate() {
            let stamp = doc_index as u32 + 1;
            for word in doc {
                let entry = counts.entry(word.as_str()).or_insert_with(|| {
                    order.push(word.as_str());
                    (0, 0)
                });
                // Count each document once: `entry.1` remembers the last document seen.
                if entry.1 != stamp {
                    entry.0 += 1;
                    entry.1 = stamp;
                }
            }
        }
        let mut vocabulary = Self::default();
        for word in order {
            let df = counts[word].0;
            if df >= min_docs {
                vocabulary
                    .ids
                    .insert(word.to_owned(), vocabulary.words.len() as u32);
                vocabulary.words.push(word.to_owned());
                vocabulary.doc_freq.push(df);
            }
        }
        vocabulary
    }

    /// The ids of a document's words that are in the vocabulary.
    pub fn encode(&self, doc: &[String]) -> Vec<u32> {
        doc.iter().filter_map(|w| self.id(w)).collect()
    }
}

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
    fn vocabulary_counts_documents_not_occurrences() {
        let docs: Vec<Vec<String>> = ["card card late", "card refund", "refund"]
            .iter()
            .map(|d| tokens(d).collect())
            .collect();
        let v = Vocabulary::build(docs.iter().map(Vec::as_slice), 2);
        assert_eq!(v.len(), 2);
        assert_eq!(v.word(0), "card");
        assert_eq!(v.doc_freq, [2, 2]);
        assert_eq!(v.encode(&docs[0]), [0, 0]);
    }
}
