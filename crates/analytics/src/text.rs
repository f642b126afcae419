//! Words: tokenising comments and interning words (and word pairs) as `u32` ids.
//!
//! Tokens are lowercase runs of letters and digits; an apostrophe ends a token (`don't` →
//! `don`, `t`), which keeps "can't" and "cant" close. Placeholders from redaction (`[phone]`)
//! become ordinary tokens (`phone`). @handles and links name someone or somewhere rather than
//! say something: they are no tokens ("@united" is not a theme of complaints to United), and an
//! HTML character reference ("&amp;") is read as its character, not as the word "amp".

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

/// Whether a whitespace-separated chunk is an @handle or a link.
fn is_name_or_link(chunk: &str) -> bool {
    let chunk = chunk.trim_start_matches(['.', '"', '\'', '(', '[']);
    let starts = |prefix: &str| {
        chunk
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    chunk.starts_with('@') || starts("http://") || starts("https://") || starts("www.")
}

/// `text` without its @handles and links, and with HTML character references ("&amp;",
/// "&#39;", as exports of web forms and tweets write "&" and "'") read as the characters they
/// stand for: borrowed when it has none, as most texts.
pub fn plain_text(text: &str) -> Cow<'_, str> {
    let text = without_names_and_links(text);
    if !text.contains('&') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    let mut changed = false;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let reference = CHARACTER_REFERENCES
            .iter()
            .find(|(name, _)| rest[1..].starts_with(name));
        match reference {
            Some((name, character)) => {
                out.push_str(character);
                rest = &rest[1 + name.len()..];
                changed = true;
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    if changed { Cow::Owned(out) } else { text }
}

/// The HTML character references customer text carries, each with its ';', and what they
/// stand for.
const CHARACTER_REFERENCES: &[(&str, &str)] = &[
    ("amp;", "&"),
    ("lt;", "<"),
    ("gt;", ">"),
    ("quot;", "\""),
    ("apos;", "'"),
    ("#39;", "'"),
    ("nbsp;", " "),
];

fn without_names_and_links(text: &str) -> Cow<'_, str> {
    let maybe = text.contains('@') || text.contains("http") || text.contains("www.");
    if !maybe || !text.split_whitespace().any(is_name_or_link) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Keep the whitespace (line breaks end clauses); drop the chunks.
    while !rest.is_empty() {
        let space = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..space]);
        rest = &rest[space..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let chunk = &rest[..end];
        if !is_name_or_link(chunk) {
            out.push_str(chunk);
        }
        rest = &rest[end..];
    }
    Cow::Owned(out)
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

/// The alphanumeric runs of `text`, as written, @handles and links left out.
pub(crate) fn raw_tokens(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.split_whitespace()
        .filter(|chunk| !is_name_or_link(chunk))
        .flat_map(|chunk| chunk.split(|c: char| !c.is_alphanumeric()))
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
///
/// Besides single words, the vocabulary holds **word pairs**: two content words (not function
/// words) of one clause written next to each other or with one content word between — "card
/// arrived", "not arrived" and "card not" in "my card has not arrived". A pair says more than
/// its two words apart ("top up" is neither "top" nor "up"): pairs lift theme discovery on
/// BANKING77 from NMI 0.70 to 0.75 (docs/analytics.md). A pair is an entry like a word,
/// written as its two words with a space between, with an id after every single word's. Pairs
/// are features of a comment's vector, never words of its text: a label's phrases are read
/// from the words alone.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    ids: HashMap<String, u32>,
    words: Vec<String>,
    /// In how many documents each word (or pair) occurs.
    pub doc_freq: Vec<u32>,
    /// The id of each pair of word ids that is itself in the vocabulary.
    pairs: HashMap<(u32, u32), u32, foldhash::fast::FixedState>,
}

/// The most word pairs a vocabulary holds (the most frequent).
pub const MAX_PAIRS: usize = 60_000;

/// How far apart (in content words) the two words of a pair may be: next to each other, or one
/// content word between them.
pub const PAIR_REACH: usize = 2;

/// The pairs of the content words `content` (in order), as `(first, second)` positions: each
/// word with each of the next [`PAIR_REACH`] words.
fn pair_positions(content: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..content).flat_map(move |i| (i + 1..content.min(i + 1 + PAIR_REACH)).map(move |j| (i, j)))
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

    /// How many single words: their ids come before every pair's.
    pub fn single_words(&self) -> usize {
        self.words.len() - self.pairs.len()
    }

    /// The ids of a document's words that are in the vocabulary.
    pub fn encode(&self, doc: &[String]) -> Vec<u32> {
        doc.iter().filter_map(|w| self.id(w)).collect()
    }

    /// A text's features, as its vector reads them ([`Corpus::features`]): the ids of its
    /// content words in the vocabulary, then those of its word pairs in the vocabulary, each
    /// pair once.
    pub fn encode_features(&self, text: &str) -> Vec<u32> {
        let mut pairs = Vec::new();
        let words = read_text(text, &mut pairs, |token| {
            (self.id(token), !is_stopword(token))
        });
        let mut features: Vec<u32> = words
            .into_iter()
            .filter(|&id| id != GAP && !is_stopword(self.word(id)))
            .collect();
        let mut pairs: Vec<u32> = pairs
            .iter()
            .filter_map(|pair| self.pairs.get(pair).copied())
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        features.extend(pairs);
        features
    }

    /// A text's words as ids, as phrase counting reads them ([`Corpus::words`]): [`GAP`] for
    /// each word outside the vocabulary and between the text's phrase segments.
    pub fn encode_words(&self, text: &str) -> Vec<u32> {
        read_text(text, &mut Vec::new(), |token| (self.id(token), false))
    }

    /// The words, in id order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// A vocabulary from its words (and word pairs) in id order and their document frequencies
    /// (as saved with a codebook). `None` when the lengths differ, a word repeats or a pair is
    /// of words the vocabulary does not hold.
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
        let mut pairs = HashMap::default();
        for (id, word) in words.iter().enumerate() {
            if let Some((a, b)) = word.split_once(' ') {
                pairs.insert((*ids.get(a)?, *ids.get(b)?), id as u32);
            }
        }
        Some(Self {
            ids,
            words,
            doc_freq,
            pairs,
        })
    }

    /// Tokenises every distinct text once, keeping ids rather than strings: the vocabulary of
    /// the words and word pairs in at least `min_docs` texts (repeats counted), and the
    /// [`Corpus`] of each text as its words' ids with [`GAP`] for the words left out (so that
    /// no phrase is read across them) and its features (see [`Corpus::features`]). Built this
    /// way, a million comments take megabytes, not the gigabyte their tokens as strings would,
    /// and a comment a thousand customers wrote is tokenised once.
    pub fn encode_corpus<'a>(
        texts: impl IntoIterator<Item = &'a str>,
        min_docs: u32,
    ) -> (Self, Corpus) {
        let (distinct, doc_of) = distinct(texts.into_iter());
        let mut repeats = vec![0u32; distinct.len()];
        for &d in &doc_of {
            repeats[d as usize] += 1;
        }
        // Words and pairs get provisional ids as they first appear, each in a numbering of its
        // own; each is counted once per text, found by the number of the text that last had it.
        let mut words = Interned::<String>::default();
        let mut pairs = Interned::<(u32, u32)>::default();
        let mut content_word: Vec<bool> = Vec::new();
        let mut docs: Vec<Vec<u32>> = Vec::with_capacity(distinct.len());
        let mut doc_pairs: Vec<Vec<u32>> = Vec::with_capacity(distinct.len());
        let mut text_pairs: Vec<(u32, u32)> = Vec::new();
        for (index, text) in distinct.iter().enumerate() {
            let stamp = index as u32 + 1;
            let times = repeats[index];
            let doc = read_text(text, &mut text_pairs, |token| {
                let (id, seen) = words.count(token, stamp, times);
                if seen == Seen::New {
                    content_word.push(!is_stopword(token));
                }
                (Some(id), content_word[id as usize])
            });
            let mut its_pairs = Vec::with_capacity(text_pairs.len());
            for pair in &text_pairs {
                let (id, seen) = pairs.count(pair, stamp, times);
                if seen != Seen::InThisText {
                    its_pairs.push(id);
                }
            }
            docs.push(doc);
            doc_pairs.push(its_pairs);
        }
        // Keep the frequent words, renumbered densely in order of first occurrence, then the
        // frequent pairs (both of whose words are frequent, being in as many texts at least).
        let mut remap = vec![GAP; words.keys.len()];
        let mut vocabulary = Self::default();
        for (old, word) in words.keys.into_iter().enumerate() {
            if words.doc_freq[old] >= min_docs {
                remap[old] = vocabulary.words.len() as u32;
                vocabulary.ids.insert(word.clone(), remap[old]);
                vocabulary.words.push(word);
                vocabulary.doc_freq.push(words.doc_freq[old]);
            }
        }
        // At most MAX_PAIRS pairs, the most frequent (ties: the first seen): real text of a
        // few hundred thousand comments holds hundreds of thousands of pairs in two or three
        // texts each, which would cost more than all the words and tell little.
        let mut frequent: Vec<u32> = pairs
            .doc_freq
            .iter()
            .copied()
            .filter(|&df| df >= min_docs)
            .collect();
        let floor = if frequent.len() > MAX_PAIRS {
            frequent.select_nth_unstable_by(MAX_PAIRS - 1, |a, b| b.cmp(a));
            frequent[MAX_PAIRS - 1]
        } else {
            min_docs
        };
        // Pairs above the floor all fit; those at it are taken in order until the cap.
        let above = pairs.doc_freq.iter().filter(|&&df| df > floor).count();
        let mut at_floor = MAX_PAIRS.saturating_sub(above);
        let mut pair_remap = vec![GAP; pairs.keys.len()];
        for (old, &(a, b)) in pairs.keys.iter().enumerate() {
            let df = pairs.doc_freq[old];
            let keep = df > floor || (df == floor && df >= min_docs && at_floor > 0);
            if keep && df == floor {
                at_floor -= 1;
            }
            if keep {
                let id = vocabulary.words.len() as u32;
                pair_remap[old] = id;
                let (a, b) = (remap[a as usize], remap[b as usize]);
                let text = format!(
                    "{} {}",
                    vocabulary.words[a as usize], vocabulary.words[b as usize]
                );
                vocabulary.ids.insert(text.clone(), id);
                vocabulary.words.push(text);
                vocabulary.doc_freq.push(pairs.doc_freq[old]);
                vocabulary.pairs.insert((a, b), id);
            }
        }
        // Each text: its words, then its features (its content words in the vocabulary, then
        // its pairs in the vocabulary).
        let mut word_count = Vec::with_capacity(docs.len());
        for (doc, its_pairs) in docs.iter_mut().zip(doc_pairs) {
            let words = doc.len();
            for i in 0..words {
                let id = doc[i];
                if id != GAP && content_word[id as usize] && remap[id as usize] != GAP {
                    doc.push(remap[id as usize]);
                }
            }
            for id in &mut doc[..words] {
                if *id != GAP {
                    *id = remap[*id as usize];
                }
            }
            word_count.push(words as u32);
            doc.extend(
                its_pairs
                    .into_iter()
                    .map(|p| pair_remap[p as usize])
                    .filter(|&p| p != GAP),
            );
            doc.shrink_to_fit();
        }
        (
            vocabulary,
            Corpus {
                docs,
                word_count,
                doc_of,
            },
        )
    }
}

/// Keys numbered in order of first appearance, with how many texts have each.
#[derive(Debug)]
struct Interned<K> {
    ids: HashMap<K, u32, foldhash::fast::RandomState>,
    keys: Vec<K>,
    doc_freq: Vec<u32>,
    /// The number of the text that last had each key.
    last_text: Vec<u32>,
}

impl<K> Default for Interned<K> {
    fn default() -> Self {
        Self {
            ids: HashMap::default(),
            keys: Vec::new(),
            doc_freq: Vec::new(),
            last_text: Vec::new(),
        }
    }
}

/// What [`Interned::count`] knew of a key before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Nothing: the key is new.
    New,
    /// Only in earlier texts.
    Before,
    /// Already in this text.
    InThisText,
}

impl<K: std::hash::Hash + Eq + Clone> Interned<K> {
    /// The id of `key`, seen in text number `text` (from 1) that `times` customers wrote, and
    /// where it was seen before.
    fn count<Q>(&mut self, key: &Q, text: u32, times: u32) -> (u32, Seen)
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let (id, mut seen) = match self.ids.get(key) {
            Some(&id) => (id, Seen::Before),
            None => {
                let id = self.keys.len() as u32;
                self.ids.insert(key.to_owned(), id);
                self.keys.push(key.to_owned());
                self.doc_freq.push(0);
                self.last_text.push(0);
                (id, Seen::New)
            }
        };
        if self.last_text[id as usize] == text {
            seen = Seen::InThisText;
        } else {
            self.last_text[id as usize] = text;
            self.doc_freq[id as usize] += times;
        }
        (id, seen)
    }
}

/// Where a clause ends: the two words of a pair belong to one sentence or clause.
const CLAUSE_ENDS: &[char] = &['.', '!', '?', ';', ':', '\n'];

/// The clauses of a text, split where [`CLAUSE_ENDS`] are (words never span them).
fn clauses(text: &str) -> impl Iterator<Item = &str> {
    text.split(CLAUSE_ENDS)
}

/// Where a phrase ends within a clause: a label's phrase is never read across these ("arrived
/// broken, damaged" holds no phrase "broken damaged"), though a word pair may be.
const PHRASE_BREAKS: &[char] = &[',', '(', ')', '[', ']', '"', '/', '|', '–', '—', '…'];

/// Words that open a clause of their own: a label's phrase is never read across them either
/// ("the refund was processed but the money never came" holds no phrase "processed but the
/// money"). They are function words ([`STOPWORDS`]), so no word pair or feature is lost.
const CLAUSE_WORDS: &[&str] = &["but", "because"];

/// Words that, after "and", begin a clause of its own ("I was billed and nobody called back"
/// holds no phrase "billed and nobody"), where "and" between two words ("quick and easy") does
/// not: the "and" is then a gap too.
const CLAUSE_SUBJECTS: &[&str] = &[
    "i",
    "we",
    "you",
    "he",
    "she",
    "it",
    "they",
    "nobody",
    "nothing",
    "someone",
    "somebody",
    "everyone",
    "everybody",
    "then",
];

/// The stretches of a clause that phrases are read from, split where [`PHRASE_BREAKS`] are.
fn phrase_segments(clause: &str) -> impl Iterator<Item = &str> {
    clause.split(PHRASE_BREAKS)
}

/// A text read as the vocabulary reads it — the one place that says where clauses and phrase
/// segments end. `read` gives each lowercase token's id (`None` when unknown) and whether it is
/// a content word. Returns the words in order, [`GAP`] for an unknown word, between phrase
/// segments and for a word that opens a clause (no phrase is read across a clause, a comma or
/// a "but": [`CLAUSE_WORDS`], [`CLAUSE_SUBJECTS`]); and, in `pairs` (cleared first, to be
/// reused from text to text), the pairs of content words of each clause ([`pair_positions`]; an
/// unknown content word takes its place but makes no pair), in order, repeats kept.
fn read_text(
    text: &str,
    pairs: &mut Vec<(u32, u32)>,
    mut read: impl FnMut(&str) -> (Option<u32>, bool),
) -> Vec<u32> {
    let mut words = Vec::new();
    pairs.clear();
    let mut content: Vec<Option<u32>> = Vec::new();
    // Before clauses are split: a link's ':' and '.' would cut it into words, and the ';' of
    // "&amp;" would end a clause.
    let text = plain_text(text);
    for clause in clauses(&text) {
        content.clear();
        for segment in phrase_segments(clause) {
            let mut first = true;
            let mut tokens = raw_tokens(segment).peekable();
            while let Some(raw) = tokens.next() {
                let lower = lowercase(raw);
                let (id, is_content) = read(lower.as_ref());
                if std::mem::take(&mut first) && !words.is_empty() {
                    words.push(GAP);
                }
                // A word that opens a clause is a gap: the phrase before it ends there, the next
                // begins after.
                let opens_clause = CLAUSE_WORDS.contains(&lower.as_ref())
                    || (lower == "and"
                        && tokens.peek().is_some_and(|next| {
                            CLAUSE_SUBJECTS.contains(&lowercase(next).as_ref())
                        }));
                words.push(if opens_clause { GAP } else { id.unwrap_or(GAP) });
                if is_content {
                    content.push(id);
                }
            }
        }
        for (i, j) in pair_positions(content.len()) {
            if let (Some(a), Some(b)) = (content[i], content[j]) {
                pairs.push((a, b));
            }
        }
    }
    words
}

/// Texts as word ids ([`GAP`] for words outside the vocabulary) and as features, each distinct
/// text held once.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// The distinct texts, in order of first appearance: the words, then the features.
    docs: Vec<Vec<u32>>,
    /// How many of each distinct text's ids are its words.
    word_count: Vec<u32>,
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

    /// Text `i`'s words, in order, [`GAP`] for words outside the vocabulary and between clauses
    /// and phrase segments (where no phrase is read across: see [`PHRASE_BREAKS`]).
    pub fn words(&self, i: usize) -> &[u32] {
        self.distinct_words(self.doc_of[i] as usize)
    }

    /// Text `i`'s features as its vector reads them: its content words in the vocabulary (in
    /// order, repeats kept; function words carry no theme), then its word pairs in the
    /// vocabulary (each once). Empty when it has no content word the vocabulary knows.
    pub fn features(&self, i: usize) -> &[u32] {
        self.distinct_features(self.doc_of[i] as usize)
    }

    /// Which distinct text text `i` is: equal for texts written the same.
    pub fn distinct_of(&self, i: usize) -> usize {
        self.doc_of[i] as usize
    }

    /// How many distinct texts.
    pub fn distinct_len(&self) -> usize {
        self.docs.len()
    }

    /// Distinct text `d`'s words (see [`Corpus::words`]).
    pub fn distinct_words(&self, d: usize) -> &[u32] {
        &self.docs[d][..self.word_count[d] as usize]
    }

    /// Distinct text `d`'s features (see [`Corpus::features`]).
    pub fn distinct_features(&self, d: usize) -> &[u32] {
        &self.docs[d][self.word_count[d] as usize..]
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
    fn handles_and_links_are_no_words() {
        let t: Vec<String> =
            tokens(".@united my bag is lost http://t.co/4kLf @AmericanAir www.example.com")
                .collect();
        assert_eq!(t, ["my", "bag", "is", "lost"]);
        assert_eq!(
            without_names_and_links("@united Lost bag.\nSee https://x.io/a:b ok"),
            " Lost bag.\nSee  ok"
        );
        assert!(matches!(
            without_names_and_links("no handle here"),
            Cow::Borrowed(_)
        ));
        // A link's ':' and '.' would otherwise split it into clause-ending words.
        let mut pairs = Vec::new();
        let words = read_text("lost bag https://t.co/abc.def", &mut pairs, |w| {
            (Some(u32::from(w.len() as u8)), true)
        });
        assert_eq!(words.len(), 2, "lost, bag and nothing of the link");
    }

    #[test]
    fn character_references_read_as_their_characters() {
        assert_eq!(
            plain_text("seats &amp; food &lt;3 don&#39;t &ampersand"),
            "seats & food <3 don't &ampersand"
        );
        assert!(matches!(plain_text("fish & chips"), Cow::Borrowed(_)));
        let mut pairs = Vec::new();
        let mut seen = Vec::new();
        read_text("lost bag &amp; late flight", &mut pairs, |w| {
            seen.push(w.to_owned());
            (None, true)
        });
        assert_eq!(seen, ["lost", "bag", "late", "flight"], "no word \"amp\"");
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
    fn word_pairs_join_content_words_of_one_sentence() {
        let texts = [
            "My card has not arrived. Top up failed",
            "my card has not arrived. top up failed!",
            "card not arrived",
        ];
        let (v, docs) = Vocabulary::encode_corpus(texts, 2);
        let has = |word: &str| v.id(word).is_some();
        assert!(has("card not") && has("card arrived") && has("not arrived"));
        assert!(has("top up") && has("top failed") && has("up failed"));
        assert!(!has("arrived top"), "no pair across a full stop");
        assert!(
            !has("my card") && !has("has not"),
            "function words make no pair"
        );
        assert_eq!(
            v.single_words(),
            v.words().iter().filter(|w| !w.contains(' ')).count()
        );
        // Features: the content words, then the pairs; the words keep every token.
        let name =
            |ids: &[u32]| -> Vec<String> { ids.iter().map(|&i| v.word(i).to_owned()).collect() };
        assert_eq!(
            name(&docs.features(2)[..3]),
            ["card", "not", "arrived"],
            "content words first, in order"
        );
        assert_eq!(
            docs.words(0).len(),
            9,
            "eight words and a gap at the full stop"
        );
        assert_eq!(docs.words(0)[5], GAP);
        assert_eq!(
            v.encode_words("My card has not arrived. Top up failed"),
            docs.words(0)
        );
        let card = v.id("card").unwrap();
        let not = v.id("not").unwrap();
        assert_eq!(
            v.encode_words("card, not"),
            [card, GAP, not],
            "no phrase across a comma"
        );
        assert!(!docs.features(0).iter().any(|&id| v.word(id) == "my"));
        // A new text is read into the same features as the corpus's.
        let mut read = v.encode_features("My card has not arrived. Top up failed");
        let mut stored = docs.features(0).to_vec();
        read.sort_unstable();
        stored.sort_unstable();
        assert_eq!(read, stored);
        assert!(v.encode_features("and then it was").is_empty());
        // A saved vocabulary's pairs must be of its own words.
        let words: Vec<String> = v.words().to_vec();
        let reloaded = Vocabulary::from_words(words.clone(), v.doc_freq.clone()).unwrap();
        assert_eq!(
            reloaded.encode_features("card not arrived"),
            v.encode_features("card not arrived")
        );
        let mut broken = words;
        broken.push("zebra card".to_owned());
        let mut freq = v.doc_freq.clone();
        freq.push(2);
        assert!(Vocabulary::from_words(broken, freq).is_none());
    }

    #[test]
    fn no_phrase_is_read_across_a_word_that_opens_a_clause() {
        let text = "the refund was processed but the money never came";
        let (v, docs) = Vocabulary::encode_corpus([text, text], 1);
        let id = |w: &str| v.id(w).unwrap();
        let words = docs.words(0);
        // "but" is a gap, in the corpus and in a new text alike; the words around it are kept.
        assert_eq!(words[3..6], [id("processed"), GAP, id("the")]);
        assert_eq!(v.encode_words(text), words);
        // Features are untouched: "processed money" is still a pair of the sentence, and a
        // clause word is a function word, never a feature.
        assert!(CLAUSE_WORDS.iter().all(|w| is_stopword(w)) && is_stopword("and"));
        assert!(
            v.encode_features(text)
                .contains(&v.id("processed money").unwrap())
        );
        // "and" before a clause's subject is a gap; "and" between two words is not.
        let text = "I was billed and nobody called back, quick and easy";
        let (v, docs) = Vocabulary::encode_corpus([text, text], 1);
        let id = |w: &str| v.id(w).unwrap();
        let words = docs.words(0);
        assert_eq!(words[2..5], [id("billed"), GAP, id("nobody")]);
        assert_eq!(
            words[words.len() - 3..],
            [id("quick"), id("and"), id("easy")]
        );
        assert_eq!(v.encode_words(text), words);
    }

    #[test]
    fn a_corpus_is_encoded_once_with_gaps_for_rare_words() {
        let (v, docs) =
            Vocabulary::encode_corpus(["card card late", "card refund", "refund xyz"], 2);
        assert_eq!(v.len(), 2);
        assert_eq!(v.doc_freq, [2, 2]);
        assert_eq!(docs.words(0), [0, 0, GAP]);
        assert_eq!(docs.words(2), [1, GAP]);
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
        assert_eq!(docs.words(1), [0, GAP]);
        assert_ne!(
            docs.distinct_of(0),
            docs.distinct_of(1),
            "written differently"
        );
        let (_, docs) = Vocabulary::encode_corpus(["late card", "late", "late card"], 1);
        assert_eq!(docs.distinct_of(0), docs.distinct_of(2));
    }
}
