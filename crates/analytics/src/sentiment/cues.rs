//! Cue phrases of customer feedback, matched on lowercase words: the complaint language that has
//! no sentiment word ("still waiting", "never arrived", "charged twice"), and the families the
//! sentiment model counts — asking for help, stating a problem, politeness, sarcasm.
//!
//! The lists are written here by hand (what customers write in feedback), not learned; the model
//! learns how much each family weighs (`model.rs`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::text::lowercase;

/// Complaint cues: a phrase (lowercase words, matched on word boundaries) and its valence in
/// VADER units (a strongly negative word such as "horrible" is about −2.5).
const CX_CUES: &[(&str, f64)] = &[
    // Waiting and delays.
    ("still waiting", -2.0),
    ("still not", -1.5),
    ("still no", -1.5),
    ("still haven't", -1.8),
    ("still hasn't", -1.8),
    ("waiting", -0.9),
    ("waited", -0.9),
    ("on hold", -1.2),
    ("delay", -1.2),
    ("delayed", -1.4),
    ("delays", -1.2),
    ("late", -1.6),
    ("overdue", -1.2),
    ("took weeks", -1.5),
    ("took ages", -1.5),
    ("took forever", -1.6),
    ("takes forever", -1.6),
    ("pushed back", -1.2),
    ("rescheduled", -0.9),
    // Broken promises and service failures.
    ("cancelled", -1.0),
    ("canceled", -1.0),
    ("never arrived", -2.2),
    ("never came", -2.0),
    ("never showed", -2.0),
    ("never received", -2.2),
    ("not received", -2.0),
    ("haven't received", -2.0),
    ("hasn't arrived", -2.0),
    ("not arrived", -2.0),
    ("didn't arrive", -2.0),
    ("no show", -1.8),
    ("nobody came", -2.0),
    ("no one came", -2.0),
    ("nobody called", -1.8),
    ("no one called", -1.8),
    ("nobody answers", -1.8),
    ("no response", -1.5),
    ("no reply", -1.5),
    ("no update", -1.4),
    ("no updates", -1.4),
    ("cut off", -1.2),
    // Being passed around and repeating oneself.
    ("transferred", -1.2),
    ("passed around", -1.8),
    ("passed between", -1.8),
    ("bounced between", -1.8),
    ("repeat myself", -1.8),
    ("explain again", -1.5),
    ("chase", -1.2),
    ("chasing", -1.2),
    ("chased", -1.2),
    ("hung up", -1.8),
    ("hang up", -1.5),
    ("no one answering", -2.0),
    ("nobody answering", -2.0),
    ("not answering", -1.5),
    ("no answer", -1.5),
    ("not working", -1.8),
    ("isn't working", -1.8),
    ("doesn't work", -1.8),
    ("stopped working", -1.8),
    ("is down", -1.5),
    ("can't log in", -1.8),
    ("cannot log in", -1.8),
    ("can't check in", -1.8),
    ("cannot check in", -1.8),
    ("messed up", -1.8),
    ("screwed up", -2.0),
    ("please help", -1.2),
    ("need help", -1.2),
    ("help me", -1.0),
    ("can you help", -1.0),
    ("can someone help", -1.5),
    ("can anyone help", -1.5),
    ("thank you for nothing", -3.0),
    ("thanks for nothing", -3.0),
    // Money.
    ("charged twice", -2.2),
    ("double charged", -2.2),
    ("overcharged", -2.0),
    ("refund", -0.6),
    ("no refund", -2.0),
    ("still no refund", -1.0),
    ("wrong", -1.2),
    // Things.
    ("lost", -1.2),
    ("broken", -1.6),
    ("broke", -1.5),
    ("damaged", -1.6),
    ("missing", -1.4),
    ("faulty", -1.6),
    ("defective", -1.6),
    ("scratched", -1.3),
    ("cracked", -1.3),
    // Repetition.
    ("again", -0.6),
    ("second time", -1.0),
    ("third time", -1.5),
    ("fourth time", -1.8),
    ("every time", -0.6),
];

const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "nothing", "isn't", "wasn't", "weren't", "aren't", "didn't",
    "don't", "doesn't", "hardly", "barely", "nor",
];

/// Lowercase words with their apostrophes kept ("wasn't"), for cue matching; each emoji or other
/// symbol outside ASCII is a word of its own. Words already lowercase with a plain apostrophe
/// (most) are borrowed, not copied.
pub(crate) fn words(text: &str) -> Vec<Cow<'_, str>> {
    let mut out = Vec::with_capacity(text.len() / 5);
    let mut start = None;
    let is_word = |c: char| c.is_alphanumeric() || c == '\'' || c == '\u{2019}';
    for (i, c) in text.char_indices() {
        if is_word(c) {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            push_word(&mut out, &text[s..i]);
        }
        // Emoji and other symbols (not the variation selector that may follow one).
        if !c.is_ascii() && !c.is_whitespace() && c != '\u{fe0f}' {
            out.push(Cow::Borrowed(&text[i..i + c.len_utf8()]));
        }
    }
    if let Some(s) = start {
        push_word(&mut out, &text[s..]);
    }
    out
}

fn push_word<'a>(out: &mut Vec<Cow<'a, str>>, w: &'a str) {
    let w = word(w);
    if !w.is_empty() {
        out.push(w);
    }
}

fn word(w: &str) -> Cow<'_, str> {
    // Quotes around a word are not part of it ("'ok'").
    let w = w.trim_matches(|c| c == '\'' || c == '\u{2019}');
    // Nearly every word is ASCII, where no typographic apostrophe can be.
    if !w.is_ascii() && w.contains('\u{2019}') {
        Cow::Owned(w.replace('\u{2019}', "'").to_lowercase())
    } else {
        lowercase(w)
    }
}

/// Asking for help: a customer who asks has a problem.
const HELP_CUES: &[&str] = &[
    "help",
    "helpful",
    "assist",
    "assistance",
    "need help",
    "please help",
    "can you help",
    "can someone",
    "can anyone",
    "anyone",
    "how do i",
    "how can i",
    "what do i",
    "what should i",
    "who do i",
    "where is my",
    "where's my",
    "any update",
    "any news",
    "any word",
    "dm me",
    "call me",
    "contact me",
    "get back to me",
    "respond",
    "sos",
];

/// A stated problem without an emotion word.
const PROBLEM_CUES: &[&str] = &[
    "can't",
    "cant",
    "cannot",
    "couldn't",
    "couldnt",
    "unable",
    "won't",
    "wont",
    "won't let",
    "doesn't work",
    "didn't work",
    "not working",
    "isn't working",
    "stopped working",
    "not work",
    "is down",
    "site down",
    "site is down",
    "app is down",
    "crashed",
    "crashes",
    "error",
    "glitch",
    "hung up",
    "hang up",
    "no one",
    "nobody",
    "no answer",
    "not answering",
    "no one answering",
    "nobody answering",
    "keeps",
    "stuck",
    "stranded",
    "fix",
    "why",
    "still",
    "nothing",
    "never",
    "hours",
    "hour",
    "days",
    "weeks",
    "again",
    "yet",
    "hold",
    "wait",
    "waiting",
    "line",
    "missed",
    "miss",
    "lost",
    "cancelled",
    "canceled",
    "delayed",
    "delay",
    "late",
    "rebooked",
    "overbooked",
    "charged",
    "fee",
    "fees",
    "refund",
    "messed up",
    "screwed up",
    "mixed up",
    "no longer",
    "instead",
    "supposed to",
    "should have",
    "should've",
    "was told",
    "were told",
    "no way",
    "no option",
    "no seat",
    "no seats",
    "not even",
    "only",
];

/// Politeness: a complaint that says "thanks" or "please" is still a complaint.
const POLITENESS_CUES: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "please",
    "pls",
    "plz",
    "appreciate",
    "appreciated",
    "kindly",
    "cheers",
];

/// Sarcasm and eye-rolling: praise beside one of these is not praise.
const SARCASM_CUES: &[&str] = &[
    "sarcasm",
    "sarcastic",
    "thanks for nothing",
    "thank you for nothing",
    "yeah right",
    "so much for",
    "what a joke",
    "\u{1f644}",
    "\u{1f612}",
    "\u{1f621}",
    "\u{1f620}",
    "\u{1f92c}",
    "\u{1f44e}",
    "\u{1f624}",
    "\u{1f611}",
];

/// The families of cues, scanned together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Complaint,
    Help,
    Problem,
    Politeness,
    Sarcasm,
}
const FAMILIES: usize = 5;

/// Every family's cues as word lists with their family and value, by first word: one lookup
/// per word finds the candidates of all five.
type CueIndex =
    HashMap<&'static str, Vec<(Vec<&'static str>, Family, f64)>, foldhash::fast::FixedState>;

static INDEX: LazyLock<CueIndex> = LazyLock::new(|| {
    let mut index = CueIndex::default();
    let mut add = |phrase: &'static str, family: Family, value: f64| {
        let words: Vec<&'static str> = phrase.split(' ').collect();
        index
            .entry(words[0])
            .or_default()
            .push((words, family, value));
    };
    for (phrase, valence) in CX_CUES {
        add(phrase, Family::Complaint, *valence);
    }
    for (list, family) in [
        (HELP_CUES, Family::Help),
        (PROBLEM_CUES, Family::Problem),
        (POLITENESS_CUES, Family::Politeness),
        (SARCASM_CUES, Family::Sarcasm),
    ] {
        for phrase in list {
            add(phrase, family, 1.0);
        }
    }
    index
});

/// What one scan of a text's words finds: the complaint valence and each family's count.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct CueCounts {
    pub complaint: f64,
    pub help: usize,
    pub problem: usize,
    pub polite: usize,
    pub sarcasm: usize,
}

/// Scans `words` for every family's cues. Within a family, the longest cue at a word wins and
/// the scan goes on after it (the families are independent: "thanks for nothing" is
/// politeness and sarcasm). A complaint cue after a negation (within three words) is ignored,
/// unless the cue starts with its own negation ("no refund"); as in VADER, "but" shifts a
/// complaint's weight to what follows it: cues before it count half, cues after it one and a
/// half.
pub(crate) fn scan<S: AsRef<str>>(words: &[S]) -> CueCounts {
    let index = &*INDEX;
    let but = words.iter().position(|w| w.as_ref() == "but");
    let weight = |i: usize| match but {
        Some(b) if i < b => 0.5,
        Some(b) if i > b => 1.5,
        _ => 1.0,
    };
    let mut counts = CueCounts::default();
    // Per family, the first word it may match at.
    let mut next = [0usize; FAMILIES];
    for i in 0..words.len() {
        let Some(candidates) = index.get(words[i].as_ref()) else {
            continue;
        };
        for family in [
            Family::Complaint,
            Family::Help,
            Family::Problem,
            Family::Politeness,
            Family::Sarcasm,
        ] {
            let f = family as usize;
            if next[f] > i {
                continue;
            }
            let best = candidates
                .iter()
                .filter(|(parts, fam, _)| {
                    *fam == family
                        && words.get(i..i + parts.len()).is_some_and(|window| {
                            window.iter().zip(parts).all(|(w, p)| w.as_ref() == *p)
                        })
                })
                .map(|(parts, _, value)| (parts.len(), *value))
                .max_by_key(|(len, _)| *len);
            let Some((len, value)) = best else {
                continue;
            };
            next[f] = i + len;
            match family {
                Family::Complaint => {
                    let negated = words[i.saturating_sub(3)..i]
                        .iter()
                        .any(|w| NEGATORS.contains(&w.as_ref()))
                        && !NEGATORS.contains(&words[i].as_ref());
                    if !negated {
                        counts.complaint += value * weight(i);
                    }
                }
                Family::Help => counts.help += 1,
                Family::Problem => counts.problem += 1,
                Family::Politeness => counts.polite += 1,
                Family::Sarcasm => counts.sarcasm += 1,
            }
        }
    }
    counts
}

/// Whether `word` is a politeness word ("thanks", "please").
pub(crate) fn is_politeness(word: &str) -> bool {
    POLITENESS_CUES.contains(&word)
}

/// The complaint valence of a text: the sum of its cues, longest match first at each word, a
/// cue after a negation (within three words) ignored. As in VADER, "but" shifts the weight to
/// what follows it: cues before it count half, cues after it one and a half.
pub fn complaint_valence(text: &str) -> f64 {
    scan(&words(text)).complaint
}
