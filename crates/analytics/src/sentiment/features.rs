//! What the sentiment model reads of a text: its sentences, cleaned of handles and links, each
//! scored by VADER with the complaint layer (and the whole text too); the cue families' counts;
//! its words and word pairs; and its content words' tokens in the semantic prior. Features are
//! computed the same way for training and for scoring.

use std::borrow::Cow;

use super::cues::{self, CueCounts};
use super::vader_compound;
use crate::prior;
use crate::sentiment::vader::{self, ALPHA};

/// The dense features, in the order of the model's rows (names as the model file writes them).
pub(crate) const DENSE_NAMES: [&str; 15] = [
    "bias",
    "score_whole",
    "score_min",
    "score_max",
    "score_last",
    "politeness",
    "help",
    "problem",
    "sarcasm",
    "question_marks",
    "exclamations",
    "sarcasm_x_praise",
    "politeness_x_problem",
    "short",
    "complaint_valence",
];
pub(crate) const DENSE: usize = DENSE_NAMES.len();

/// Lowercase words in one buffer (one allocation, not one per word), with breaks where no word
/// pair may be read across (between sentences).
#[derive(Debug, Clone, Default)]
pub(crate) struct Words {
    text: String,
    /// Where each word ends in `text`; a break is an empty word.
    pub ends: Vec<u32>,
}

impl Words {
    fn push(&mut self, word: &str) {
        self.text.push_str(word);
        self.ends.push(self.text.len() as u32);
    }

    fn push_break(&mut self) {
        self.ends.push(self.text.len() as u32);
    }

    /// The words in order, `None` for a break.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let word = &self.text[start as usize..end as usize];
            start = end;
            (!word.is_empty()).then_some(word)
        })
    }

    /// Whether there is no word (breaks aside).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// A text as the model reads it.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    pub dense: [f64; DENSE],
    /// Lowercase words of the cleaned text in order, sentence by sentence, with a break between
    /// sentences (no word pair is read across them).
    pub words: Words,
    /// The words' tokens in the semantic prior ([`crate::prior`]).
    pub pieces: Vec<u32>,
}

/// Hashtags that mark sarcasm: read as the word "sarcasm".
const SARCASM_TAGS: &[&str] = &[
    "sarcasm",
    "sarcastic",
    "not",
    "notreally",
    "irony",
    "eyeroll",
    "smh",
];

/// The @handles of a text, lowercase without the `@` (the brand addressed, other customers).
fn handles(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter_map(|chunk| chunk.strip_prefix('@'))
        .map(|h| {
            h.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_')
                .to_lowercase()
        })
        .filter(|h| !h.is_empty())
        .collect()
}

/// A sentence without what names someone rather than says something: @handles, links, "RT",
/// and hashtags of a handle in the text ("@united … #united"). A sarcasm hashtag ("#sarcasm",
/// "#not") becomes the word "sarcasm"; any other hashtag is read as its word ("#fail").
fn clean<'a>(sentence: &'a str, handles: &[String]) -> Cow<'a, str> {
    // The brand a text addresses is a name wherever it stands: "@united … United lost my bag"
    // — VADER reads "united" as praise.
    let names_a_handle = |chunk: &str| {
        let core = chunk.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
        !core.is_empty() && handles.iter().any(|h| h.eq_ignore_ascii_case(core))
    };
    let plain = !sentence.contains(['@', '#'])
        && !sentence.contains("http")
        && !sentence.contains("www.")
        && !sentence.contains("RT")
        && (handles.is_empty() || !sentence.split_whitespace().any(names_a_handle));
    if plain {
        return Cow::Borrowed(sentence);
    }
    let mut out = String::with_capacity(sentence.len());
    for chunk in sentence.split_whitespace() {
        let lower_start = chunk.get(..8).unwrap_or(chunk).to_ascii_lowercase();
        if chunk.starts_with('@')
            || chunk == "RT"
            || names_a_handle(chunk)
            || lower_start.starts_with("http://")
            || lower_start.starts_with("https://")
            || lower_start.starts_with("www.")
        {
            continue;
        }
        let word = if let Some(tag) = chunk.strip_prefix('#') {
            let core = tag.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
            let lower = core.to_lowercase();
            if SARCASM_TAGS.contains(&lower.as_str()) {
                Cow::Owned(format!("sarcasm{}", &tag[core.len()..]))
            } else if handles.contains(&lower) || lower.is_empty() {
                continue;
            } else {
                Cow::Borrowed(tag)
            }
        } else {
            Cow::Borrowed(chunk)
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    Cow::Owned(out)
}

/// Complaint valence (VADER units) of a sentence that is a plea for help ("HELP!", "Help?",
/// "please help me"), and of a sarcastic one.
const PLEA_VALENCE: f64 = -4.0;
const SARCASM_VALENCE: f64 = -1.5;

/// Words a plea for help is made of: "help" or "sos" with at most these beside it.
const PLEA_WORDS: &[&str] = &[
    "help", "sos", "me", "us", "please", "pls", "plz", "anyone", "someone", "somebody", "i",
    "need", "needed", "we", "your", "urgent", "asap",
];

/// Whether a sentence is a plea for help and nothing else.
fn is_plea<S: AsRef<str>>(words: &[S]) -> bool {
    words.iter().any(|w| matches!(w.as_ref(), "help" | "sos"))
        && words.iter().all(|w| PLEA_WORDS.contains(&w.as_ref()))
}

/// `text` without its politeness words ("Thanks!", "please") and requests for help ("help"),
/// which VADER reads as praise.
fn without_courtesy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for chunk in text.split_whitespace() {
        let core = chunk.trim_matches(|c: char| !c.is_alphanumeric());
        let lower = core.to_lowercase();
        if cues::is_politeness(&lower) || lower == "help" {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(chunk);
    }
    out
}

/// VADER's compound with the complaint valence added in VADER's unnormalised units.
pub(crate) fn layer_score(compound: f64, complaint: f64) -> f64 {
    if complaint == 0.0 {
        return compound;
    }
    let c = compound.clamp(-0.9999, 0.9999);
    let raw = c * (ALPHA / (1.0 - c * c)).sqrt();
    let adjusted = raw + complaint;
    adjusted / (adjusted * adjusted + ALPHA).sqrt()
}

/// The sentences of a text, trimmed, those with at least one letter or digit. Sentences end at
/// `.`, `!`, `?` or a line break (runs such as `!!!` or `?!` stay with their sentence, where
/// VADER reads them as emphasis); a full stop not followed by space ("3.5", "e.g.") does not end
/// one.
pub(crate) fn sentence_spans(text: &str) -> Vec<&str> {
    fn push<'a>(out: &mut Vec<&'a str>, s: &'a str) {
        let s = s.trim();
        if s.chars().any(char::is_alphanumeric) {
            out.push(s);
        }
    }
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?' | b'\n') {
            let mut end = i + 1;
            while end < bytes.len() && matches!(bytes[end], b'.' | b'!' | b'?') {
                end += 1;
            }
            let boundary = b != b'.' || end >= bytes.len() || bytes[end].is_ascii_whitespace();
            if boundary {
                push(&mut out, &text[start..end]);
                start = end;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    push(&mut out, &text[start..]);
    out
}

/// What one sentence contributes to a reading.
#[derive(Debug, Clone)]
struct Part {
    /// Where the sentence is in the text (bytes).
    span: std::ops::Range<usize>,
    score: f64,
    /// The cue counts; `complaint` with the plea and sarcasm valences added, `problem` with a
    /// plea, `sarcasm` with a sarcasm hashtag of the text.
    cues: CueCounts,
    questions: usize,
    exclamations: usize,
    /// VADER's sums for the sentence (`None` where the fast scorer left it to `vader-parity`).
    vader: Option<vader::Raw>,
    words: Words,
    pieces: Vec<u32>,
}

/// A text read whole and sentence by sentence (sentence readings only when it has more than
/// one): each sentence is read once and the whole is put together from them.
#[derive(Debug, Clone)]
pub(crate) struct TextReading {
    pub whole: Reading,
    pub sentences: Vec<Reading>,
    /// Where each of `sentences` is in the text (bytes).
    pub spans: Vec<std::ops::Range<usize>>,
}

/// The model's reading of `text` whole and per sentence.
pub(crate) fn read_text(text: &str) -> TextReading {
    let parts = parts(text, &sentence_spans(text));
    if parts.len() <= 1 {
        return TextReading {
            whole: combine(parts.iter(), None),
            sentences: Vec::new(),
            spans: Vec::new(),
        };
    }
    // VADER's intensity adds up over a text ("Love it! Best day ever!"): the whole text is
    // scored as one too, not only as the mean of its sentences — from the sentences' own VADER
    // sums where the fast scorer gave them, rather than reading the text a second time.
    let whole = match parts.iter().map(|p| p.vader).collect::<Option<Vec<_>>>() {
        Some(raws) => {
            let exclamations = parts.iter().map(|p| p.exclamations).sum();
            let questions = parts.iter().map(|p| p.questions).sum();
            let vader = vader::compose(&raws, exclamations, questions);
            // The whole text's words are its sentences' words, read once already: the cues
            // are scanned over them rather than over the text cleaned and split again (a
            // number read as "<num>" matches no cue, as the number itself does not).
            let between = words_between(text, &parts);
            let mut words: Vec<&str> = Vec::new();
            for (gap, part) in between.iter().zip(&parts) {
                words.extend(gap.iter().map(String::as_str));
                words.extend(part.words.iter().flatten());
            }
            words.extend(between[parts.len()].iter().map(String::as_str));
            let (cues, _) = cue_counts(&words, false, || {
                vader_compound(&without_courtesy(&clean(text, &handles_of(text))))
            });
            layer_score(sarcastic(vader, &cues), cues.complaint)
        }
        None => {
            let cleaned = clean(text, &handles_of(text));
            let words = cues::words(&cleaned);
            score(&cleaned, &words, false).0
        }
    };
    TextReading {
        whole: combine(parts.iter(), Some(whole)),
        sentences: parts
            .iter()
            .map(|p| combine(std::iter::once(p), None))
            .collect(),
        spans: parts.iter().map(|p| p.span.clone()).collect(),
    }
}

/// The words before each part's sentence and after the last. What lies between sentences has
/// no letter or digit (or it would be a sentence), but it may hold an emoji that counts for the
/// whole text: "… maintained before the flight. 😒", "Who can I write?😑".
fn words_between(text: &str, parts: &[Part]) -> Vec<Vec<String>> {
    let mut handles = None;
    (0..=parts.len())
        .map(|i| {
            let from = if i == 0 { 0 } else { parts[i - 1].span.end };
            let to = parts.get(i).map_or(text.len(), |p| p.span.start);
            let gap = text.get(from..to).unwrap_or("");
            if gap.is_ascii() {
                return Vec::new();
            }
            let handles = handles.get_or_insert_with(|| handles_of(text));
            cues::words(&clean(gap, handles))
                .into_iter()
                .map(Cow::into_owned)
                .collect()
        })
        .collect()
}

/// The model's reading of one sentence of `text` (the text gives the handles and hashtags).
pub(crate) fn read_sentence(text: &str, sentence: &str) -> Reading {
    combine(parts(text, &[sentence]).iter(), None)
}

fn handles_of(text: &str) -> Vec<String> {
    if text.contains('@') {
        handles(text)
    } else {
        Vec::new()
    }
}

/// The parts of the sentences `sentences` of `text` that hold a word.
fn parts(text: &str, sentences: &[&str]) -> Vec<Part> {
    let handles = handles_of(text);
    // A sarcasm hashtag ("#sarcasm", "#not") speaks for the whole text, wherever it stands.
    let tagged_sarcasm = text.contains('#')
        && text.split_whitespace().any(|chunk| {
            chunk.strip_prefix('#').is_some_and(|tag| {
                let core = tag.trim_end_matches(|c: char| !c.is_alphanumeric());
                SARCASM_TAGS.contains(&core.to_lowercase().as_str())
            })
        });
    sentences
        .iter()
        .filter_map(|sentence| {
            // The sentences are slices of `text` (or, read alone, not: then no place).
            let start = (sentence.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
            let span = if start <= text.len() && start + sentence.len() <= text.len() {
                start..start + sentence.len()
            } else {
                0..0
            };
            part(sentence, span, &handles, tagged_sarcasm)
        })
        .collect()
}

fn part(
    sentence: &str,
    span: std::ops::Range<usize>,
    handles: &[String],
    tagged_sarcasm: bool,
) -> Option<Part> {
    let cleaned = clean(sentence, handles);
    let words = cues::words(&cleaned);
    if words.is_empty() {
        return None;
    }
    let (score, cues, vader) = score(&cleaned, &words, tagged_sarcasm);
    let prior = prior::prior();
    let mut pieces = Vec::with_capacity(words.len() + 4);
    let mut buffer = Words::default();
    for w in &words {
        // Function words say nothing of what the text means.
        if !crate::text::is_stopword(w) {
            prior.pieces(w, &mut pieces);
        }
        buffer.push(normalise(w));
    }
    Some(Part {
        span,
        score,
        cues,
        questions: cleaned.matches('?').count(),
        exclamations: cleaned.matches('!').count(),
        vader,
        words: buffer,
        pieces,
    })
}

/// The VADER-with-complaint-layer score of cleaned text, its cue counts (see [`Part`]) and
/// VADER's sums for it (where the fast scorer read it).
fn score(
    cleaned: &str,
    words: &[Cow<'_, str>],
    tagged_sarcasm: bool,
) -> (f64, CueCounts, Option<vader::Raw>) {
    let (cues, plea) = cue_counts(words, tagged_sarcasm, || {
        vader_compound(&without_courtesy(cleaned))
    });
    // A plea for help is no praise: VADER reads it without its courtesy ("help", "please").
    let courtesy_free;
    let vader_text = if plea {
        courtesy_free = without_courtesy(cleaned);
        courtesy_free.as_str()
    } else {
        cleaned
    };
    let raw = vader::raw(vader_text);
    let vader = raw.map_or_else(|| vader_compound(vader_text), |r| r.compound);
    (
        layer_score(sarcastic(vader, &cues), cues.complaint),
        cues,
        raw,
    )
}

/// The cue counts of the words of cleaned text (see [`Part`]), and whether it is a plea for
/// help; `courtesy_free_vader` is VADER's score of the text without its politeness words,
/// asked for only when the text is polite and complains.
fn cue_counts<S: AsRef<str>>(
    words: &[S],
    tagged_sarcasm: bool,
    courtesy_free_vader: impl FnOnce() -> f64,
) -> (CueCounts, bool) {
    let mut cues = cues::scan(words);
    cues.sarcasm += usize::from(tagged_sarcasm);
    let plea = is_plea(words);
    if plea {
        cues.complaint += PLEA_VALENCE;
        // A plea for help states a problem without naming it.
        cues.problem += 1;
    }
    if cues.polite > 0 && cues.complaint < 0.0 && courtesy_free_vader() <= 0.0 {
        // Thanks for a complaint ("thank you for the three hour delay") is a complaint, ironic
        // or polite.
        cues.complaint += SARCASM_VALENCE;
    }
    if cues.sarcasm > 0 {
        cues.complaint += SARCASM_VALENCE;
    }
    (cues, plea)
}

/// Praise beside sarcasm is a complaint: a text's VADER valence turns negative.
fn sarcastic(vader: f64, cues: &CueCounts) -> f64 {
    if cues.sarcasm > 0 {
        -vader.abs()
    } else {
        vader
    }
}

/// The reading of a run of sentences from their parts; `whole` is the score of the run read as
/// one text (the mean of the parts' when not given).
fn combine<'a>(parts: impl Iterator<Item = &'a Part>, whole: Option<f64>) -> Reading {
    let mut dense = [0.0; DENSE];
    dense[0] = 1.0;
    let (mut n, mut sum, mut min, mut max, mut last) =
        (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY, 0.0);
    let (mut polite, mut help, mut problem, mut sarcasm) = (0, 0, 0, 0);
    let (mut questions, mut exclamations, mut complaint) = (0, 0, 0.0);
    let mut words = Words::default();
    let mut pieces = Vec::new();
    for part in parts {
        pieces.extend_from_slice(&part.pieces);
        n += 1;
        sum += part.score;
        min = min.min(part.score);
        max = max.max(part.score);
        last = part.score;
        polite += part.cues.polite;
        help += part.cues.help;
        problem += part.cues.problem;
        sarcasm += part.cues.sarcasm;
        questions += part.questions;
        exclamations += part.exclamations;
        complaint += part.cues.complaint;
        if !words.ends.is_empty() {
            words.push_break();
        }
        words.text.push_str(&part.words.text);
        let shift = words.text.len() as u32 - part.words.text.len() as u32;
        words.ends.extend(part.words.ends.iter().map(|e| e + shift));
    }
    if n > 0 {
        dense[1] = whole.unwrap_or(sum / n as f64);
        dense[2] = min;
        dense[3] = max;
        dense[4] = last;
    }
    let word_count = words.iter().flatten().count();
    let capped = |n: usize, cap: usize| n.min(cap) as f64;
    dense[5] = capped(polite, 3);
    dense[6] = capped(help, 3);
    dense[7] = capped(problem, 5);
    dense[8] = capped(sarcasm, 2);
    dense[9] = capped(questions, 3);
    // Exclamation marks intensify what the text says, praise or complaint, so they count with
    // the sign of its score.
    dense[10] = capped(exclamations, 3)
        * if dense[1] < 0.0 {
            -1.0
        } else if dense[1] > 0.0 {
            1.0
        } else {
            0.0
        };
    dense[11] = if sarcasm > 0 { dense[3].max(0.0) } else { 0.0 };
    dense[12] = if polite > 0 && problem + help > 0 {
        1.0
    } else {
        0.0
    };
    dense[13] = if word_count <= 3 { 1.0 } else { 0.0 };
    dense[14] = complaint.clamp(-4.0, 0.0) / 4.0;
    Reading {
        dense,
        words,
        pieces,
    }
}

/// A word as the model's vocabulary holds it: numbers as one word.
fn normalise(word: &str) -> &str {
    if word.bytes().any(|b| b.is_ascii_digit()) {
        "<num>"
    } else {
        word
    }
}
