//! Labels for discovered themes: the phrases that are most distinctive of a theme's comments.
//!
//! Candidates are word sequences of one to four words that neither start nor end with a
//! function word or a number, nor end with a negation ("refund not received" qualifies, "of
//! the" does not); single words need three letters or more. A phrase scores by how much more
//! common it is inside the theme than overall, weighted by how common it is inside
//! (`p_in · ln(p_in / p_all)`, one term of the KL divergence). A longer phrase replaces a shorter
//! one it contains when it covers at least half as many of the theme's comments: "not received"
//! beats "received" when most comments say "not received". Phrases are read from a comment's
//! words ([`crate::text::Corpus::words`]), never from its word pairs.

use std::collections::HashMap;

/// Phrase ids are word ids the corpus assigned, not text a customer controls: a fast fixed hash.
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

use crate::text::{Vocabulary, is_stopword};

/// Words that end no phrase: negations, and adverbs and verbs that say something of what
/// follows ("weeks and still", "could not get" are fragments).
const ENDLESS: &[&str] = &[
    "even", "get", "got", "know", "like", "never", "no", "nor", "not", "really", "still", "way",
];

/// What tokenising leaves of a negated contraction ("don't" → "don", "t"): a feature — "didn
/// arrive" is not "arrive" — but never the edge of a label ("don" is no customer issue).
const CONTRACTION_STEMS: &[&str] = &[
    "aren", "couldn", "didn", "doesn", "don", "hadn", "hasn", "haven", "isn", "shouldn", "wasn",
    "weren", "wouldn",
];

/// Words that open or close a comment rather than say what it is about — "Honestly, …", "To be
/// fair …", "Overall …", "…, thanks" — never the edge of a label ("fair checkout was smooth"
/// reads as "checkout was smooth").
const DISCOURSE: &[&str] = &[
    "anyway", "fair", "hello", "hey", "hmm", "honestly", "overall", "thank", "thanks", "though",
    "well",
];

/// Words that say no issue on their own — time, quantity, a vague pronoun or verb, the particle
/// of a phrasal verb — though they may be part of a phrase that does ("still waiting", "weeks
/// later than promised", "someone else used my card", "top up"): never a label alone ("weeks",
/// "yet", "someone", "out" were).
const NOT_ALONE: &[&str] = &[
    "ago",
    "anyone",
    "anything",
    "back",
    "days",
    "down",
    "even",
    "everyone",
    "everything",
    "get",
    "got",
    "hours",
    "know",
    "like",
    "minutes",
    "months",
    "nobody",
    "nothing",
    "off",
    "one",
    "out",
    "over",
    "really",
    "someone",
    "something",
    "still",
    "thing",
    "things",
    "time",
    "today",
    "up",
    "way",
    "weeks",
    "yet",
];

/// Pronouns that are the object of what comes before, never the start of a label
/// ("explained everything and cleaned up" is a phrase, "everything and cleaned up" a fragment).
const NO_START: &[&str] = &["anything", "everything", "something"];

/// Subject pronouns: inside a phrase they open a clause whose head is outside it — "price i
/// agreed", "plan i was sold", "features we were promised" are fragments of "the price (that) I
/// agreed with the rep …", never an issue's name ("charged twice", "price not honoured" are).
const SUBJECTS: &[&str] = &["he", "i", "she", "they", "we", "you"];

/// Whether a word may start or end a label's phrase, or be one alone.
fn labels_edge(word: &str) -> bool {
    !is_stopword(word)
        && !word.chars().all(|c| c.is_ascii_digit())
        && !CONTRACTION_STEMS.contains(&word)
        && !DISCOURSE.contains(&word)
}

/// The longest phrase counted, in words.
const MAX_PHRASE_WORDS: usize = 4;
/// A phrase as up to [`MAX_PHRASE_WORDS`] word ids, unused places [`NONE`].
type PhraseKey = [u32; MAX_PHRASE_WORDS];
const NONE: u32 = crate::text::GAP;

/// Phrases counted once per comment, with their comment frequency per theme. Phrases are keys
/// of word ids, turned back into text only for the few that make it into a label.
#[derive(Debug)]
pub struct PhraseCounts<'v> {
    vocabulary: &'v Vocabulary,
    /// Per word id: may it start a phrase?
    edge: Vec<bool>,
    /// Per word id: may it end a phrase? Not a negation: "not received" is a phrase, "rep was
    /// not" a fragment.
    end: Vec<bool>,
    /// Per word id: may it be a phrase on its own?
    alone: Vec<bool>,
    /// Per word id: is it a subject pronoun, which no phrase holds ([`SUBJECTS`])?
    subject: Vec<bool>,
    ids: Map<PhraseKey, u32>,
    keys: Vec<PhraseKey>,
    overall: Vec<u32>,
    by_theme: Vec<Map<u32, u32>>,
    theme_sizes: Vec<u32>,
    documents: u32,
    /// Comments counted (each once, whatever its weight).
    comments: u32,
    /// The phrases of the comment being counted, each once…
    seen: Vec<u32>,
    /// …found by the number of the comment that last had each phrase (a linear search of
    /// `seen` cost as much as the rest of the counting on long comments).
    last_comment: Vec<u32>,
}

impl<'v> PhraseCounts<'v> {
    pub fn new(themes: usize, vocabulary: &'v Vocabulary) -> Self {
        let words = || (0..vocabulary.len() as u32).map(|id| vocabulary.word(id));
        Self {
            vocabulary,
            edge: words()
                .map(|w| labels_edge(w) && !NO_START.contains(&w))
                .collect(),
            end: words()
                .map(|w| labels_edge(w) && !ENDLESS.contains(&w))
                .collect(),
            alone: words()
                .map(|w| w.chars().count() >= 3 && labels_edge(w) && !NOT_ALONE.contains(&w))
                .collect(),
            subject: words().map(|w| SUBJECTS.contains(&w)).collect(),
            ids: Map::default(),
            keys: Vec::new(),
            overall: Vec::new(),
            by_theme: vec![Map::default(); themes],
            theme_sizes: vec![0; themes],
            documents: 0,
            comments: 0,
            seen: Vec::new(),
            last_comment: Vec::new(),
        }
    }

    /// Counts a comment written `times` times — its words as vocabulary ids,
    /// [`crate::text::GAP`] for unknown words, which no phrase crosses — in the theme it belongs
    /// to most.
    pub fn add(&mut self, words: &[u32], theme: usize, times: u32) {
        self.documents += times;
        self.theme_sizes[theme] += times;
        self.seen.clear();
        self.comments += 1;
        let stamp = self.comments;
        for len in 1..=MAX_PHRASE_WORDS {
            for window in words.windows(len) {
                if window.contains(&NONE) {
                    continue;
                }
                let (first, last) = (window[0] as usize, window[len - 1] as usize);
                if !self.edge[first] || !self.end[last] || (len == 1 && !self.alone[first]) {
                    continue;
                }
                if window.iter().any(|&w| self.subject[w as usize]) {
                    continue;
                }
                let mut key = [NONE; MAX_PHRASE_WORDS];
                key[..len].copy_from_slice(window);
                let next = self.keys.len() as u32;
                let id = *self.ids.entry(key).or_insert(next);
                if id == next {
                    self.keys.push(key);
                    self.overall.push(0);
                    self.last_comment.push(0);
                }
                if self.last_comment[id as usize] != stamp {
                    self.last_comment[id as usize] = stamp;
                    self.seen.push(id);
                }
            }
        }
        for &id in &self.seen {
            self.overall[id as usize] += times;
            *self.by_theme[theme].entry(id).or_insert(0) += times;
        }
    }

    fn text(&self, id: u32) -> String {
        self.keys[id as usize]
            .iter()
            .filter(|w| **w != NONE)
            .map(|w| self.vocabulary.word(*w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Up to `count` distinctive phrases of a theme, best first, with how many of the theme's
    /// comments use each.
    pub fn top_phrases(&self, theme: usize, count: usize) -> Vec<(String, u32)> {
        let size = f64::from(self.theme_sizes[theme].max(1));
        let n = f64::from(self.documents.max(1));
        let min_support = (size * 0.03).max(2.0);
        let mut scored: Vec<(f64, String, u32)> = self.by_theme[theme]
            .iter()
            .filter(|(_, c)| f64::from(**c) >= min_support)
            .map(|(&id, &c)| {
                let p_in = f64::from(c) / size;
                let p_all = f64::from(self.overall[id as usize]) / n;
                (p_in * (p_in / p_all).ln(), id, c)
            })
            .filter(|(score, _, _)| *score > 0.0)
            .map(|(score, id, c)| (score, self.text(id), c))
            .collect();
        // Best score first; ties broken by the phrase itself, for determinism.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut chosen: Vec<(String, u32)> = Vec::new();
        for (_, phrase, c) in scored.into_iter().take(count * 8) {
            let contains =
                |long: &str, short: &str| format!(" {long} ").contains(&format!(" {short} "));
            if chosen.iter().any(|(p, _)| contains(p, &phrase)) {
                continue;
            }
            if let Some(slot) = chosen
                .iter_mut()
                .find(|(p, pc)| contains(&phrase, p) && 2 * c >= *pc)
            {
                *slot = (phrase, c);
                chosen.dedup_by(|a, b| a.0 == b.0);
                continue;
            }
            if chosen.len() < count {
                chosen.push((phrase, c));
            }
        }
        chosen
    }
}

/// The label among a theme's top phrases: the best one, unless one of the next two is a
/// phrase of several words used by at least a quarter as many comments — "verify my identity"
/// reads better than "identity". When the best is one word, a phrase among the top five that
/// contains it comes first: "not match the invoice" says more of "invoice" than "amount on my
/// card" does.
pub fn label(top: &[(String, u32)]) -> Option<String> {
    let (first, first_count) = top.first()?;
    let candidates = |within: usize| {
        top.iter()
            .take(within)
            .filter(|(p, c)| p.contains(' ') && 4 * c >= *first_count)
    };
    let elaborates = |phrase: &str| format!(" {phrase} ").contains(&format!(" {first} "));
    // An elaboration may come from further down than another phrase: "invoice charged full
    // price" names the theme of "price"; "centre just said sorry", second, does not.
    let better = candidates(5)
        .find(|(p, _)| !first.contains(' ') && elaborates(p))
        .or_else(|| candidates(3).next())
        .map(|(p, _)| p);
    Some(better.unwrap_or(first).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts_for(docs: &[(&str, usize, usize)]) -> (Vocabulary, Vec<(Vec<u32>, usize)>) {
        let expanded: Vec<(&str, usize)> = docs
            .iter()
            .flat_map(|(text, theme, times)| std::iter::repeat_n((*text, *theme), *times))
            .collect();
        let (vocabulary, encoded) = Vocabulary::encode_corpus(expanded.iter().map(|(t, _)| *t), 1);
        let encoded = expanded
            .iter()
            .enumerate()
            .map(|(i, (_, theme))| (encoded.words(i).to_vec(), *theme))
            .collect();
        (vocabulary, encoded)
    }

    #[test]
    fn the_label_is_the_distinctive_phrase_not_the_common_word() {
        let (vocabulary, docs) = counts_for(&[
            ("refund not received for my order", 0, 20),
            ("my order arrived damaged", 1, 20),
            ("still no refund for the order", 0, 5),
        ]);
        let mut counts = PhraseCounts::new(2, &vocabulary);
        for (ids, theme) in &docs {
            counts.add(ids, *theme, 1);
        }
        let top = counts.top_phrases(0, 3);
        assert_eq!(top[0].0, "refund not received", "{top:?}");
        assert!(
            !top.iter().any(|(p, _)| p == "order"),
            "shared by both themes: {top:?}"
        );
        assert_eq!(counts.top_phrases(1, 1)[0].0, "order arrived damaged");
        let readable = label(&[("identity".into(), 80), ("verify my identity".into(), 30)]);
        assert_eq!(readable.as_deref(), Some("verify my identity"));
        let rare = label(&[("identity".into(), 80), ("identity check".into(), 10)]);
        assert_eq!(rare.as_deref(), Some("identity"));
        let elaborated = label(&[
            ("invoice".into(), 90),
            ("amount on my card".into(), 60),
            ("not match the invoice".into(), 55),
        ]);
        assert_eq!(elaborated.as_deref(), Some("not match the invoice"));
        let further = label(&[
            ("price".into(), 76),
            ("centre just said sorry".into(), 30),
            ("discount in the showroom".into(), 30),
            ("invoice charged full price".into(), 28),
        ]);
        assert_eq!(further.as_deref(), Some("invoice charged full price"));
    }

    #[test]
    fn a_clause_inside_a_phrase_is_no_label() {
        let (vocabulary, docs) = counts_for(&[
            (
                "the price i agreed with the rep was not what i was billed",
                0,
                10,
            ),
            ("the price we agreed was not honoured", 0, 10),
            ("the sofa arrived damaged", 1, 10),
        ]);
        let mut counts = PhraseCounts::new(2, &vocabulary);
        for (ids, theme) in &docs {
            counts.add(ids, *theme, 1);
        }
        let top = counts.top_phrases(0, 8);
        assert!(
            !top.iter()
                .any(|(p, _)| p.split(' ').any(|w| SUBJECTS.contains(&w))),
            "{top:?}"
        );
        assert!(top.iter().any(|(p, _)| p == "price"), "{top:?}");
    }

    #[test]
    fn openers_and_vague_words_make_no_label() {
        let (vocabulary, docs) = counts_for(&[
            ("to be fair checkout was smooth", 0, 10),
            ("overall checkout was smooth", 0, 10),
            ("still waiting weeks", 1, 10),
            ("weeks and still nothing", 1, 10),
        ]);
        let mut counts = PhraseCounts::new(2, &vocabulary);
        for (ids, theme) in &docs {
            counts.add(ids, *theme, 1);
        }
        let smooth = counts.top_phrases(0, 5);
        assert_eq!(smooth[0].0, "checkout was smooth", "{smooth:?}");
        assert!(
            !smooth
                .iter()
                .any(|(p, _)| p.starts_with("fair") || p.starts_with("overall")),
            "{smooth:?}"
        );
        let waiting = counts.top_phrases(1, 5);
        assert!(
            waiting.iter().all(|(p, _)| p.contains(' ')),
            "no vague word alone: {waiting:?}"
        );
        assert!(
            waiting.iter().any(|(p, _)| p.contains("still waiting")),
            "{waiting:?}"
        );
        assert!(
            !waiting.iter().any(|(p, _)| p.ends_with("still")),
            "{waiting:?}"
        );
    }
}
