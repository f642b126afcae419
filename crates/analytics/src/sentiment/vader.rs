//! VADER's compound score for ASCII text, three to four times as fast as `vader-parity` and equal
//! to it bit for bit (the parity tests below, and `examples/vader_parity.rs` over the labelled
//! data).
//!
//! `vader-parity` reproduces vaderSentiment 3.3.2 for any Unicode text, which takes CPython's
//! casing tables, an emoji walk over every character, and a lowercase `String` per token. Nearly
//! all feedback is ASCII, where none of that is needed: no character is an emoji, Python's
//! `lower()` and `isupper()` are the ASCII ones, and one lowercase copy of the text serves every
//! token. The rules themselves follow `vader-parity`'s transcription of the reference
//! (`rules.rs`), step for step, Python's quirks included (the first-equal-value slot of the
//! "but" rule, the int-or-float provenance that CPython's `sum` can observe); only the compound
//! is computed, the one score sentiment reads. Text that is not ASCII, or a "but" rule over an
//! unusually long comment, is left to `vader-parity` ([`compound`] says `None`).
//!
//! The lexicon and rule tables are `data/vader/` (provenance and licences there).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::LazyLock;

use foldhash::fast::FixedState;

const LEXICON: &str = include_str!("../../data/vader/vader_lexicon.txt");
const RULES_TABLES: &str = include_str!("../../data/vader/rules_tables.tsv");

const C_INCR: f64 = 0.733;
const N_SCALAR: f64 = -0.74;
const EP_STEP: f64 = 0.292;
const QM_STEP: f64 = 0.18;
const QM_CAP: f64 = 0.96;
/// VADER's normalisation constant: compound = x / √(x² + α).
pub(crate) const ALPHA: f64 = 15.0;
const BUT_BEFORE: f64 = 0.5;
const BUT_AFTER: f64 = 1.5;
const DAMP_2: f64 = 0.95;
const DAMP_3: f64 = 0.9;
const NEVER_SCALAR: f64 = 1.25;

/// Above this many tokens with a "but" among them, the rule's first-equal-value search (linear
/// here, as in Python) is left to `vader-parity`'s indexed one.
const LINEAR_BUT_LIMIT: usize = 512;

/// The reference's `NEGATE` list.
const NEGATE: [&str; 59] = [
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

type Table<V> = HashMap<&'static str, V, FixedState>;

struct Tables {
    lexicon: Table<f64>,
    /// Idiom → (replacement valence, whether Python holds it as an int).
    special_cases: Table<(f64, bool)>,
    boosters: Table<f64>,
    /// Every word of a key of several words in `special_cases` or `boosters`: a sequence with
    /// another word cannot be one of those keys, so it is not joined and looked up.
    idiom_words: Table<()>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    // The reference's `make_lex_dict`: tab-separated word and measure, later lines winning.
    let mut lexicon = Table::default();
    for line in LEXICON.trim_end_matches('\n').split('\n') {
        let mut fields = line.trim_matches(is_py_space).split('\t');
        if let (Some(word), Some(measure)) = (fields.next(), fields.next())
            && let Ok(value) = measure.parse::<f64>()
        {
            lexicon.insert(word, value);
        }
    }
    let mut special_cases = Table::default();
    let mut boosters = Table::default();
    for line in RULES_TABLES
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut fields = line.split('\t');
        if let (Some(kind), Some(key), Some(literal)) =
            (fields.next(), fields.next(), fields.next())
            && let Ok(value) = literal.parse::<f64>()
        {
            match kind {
                "special" => {
                    special_cases.insert(key, (value, !literal.contains('.')));
                }
                "booster" => {
                    boosters.insert(key, value);
                }
                _ => {}
            }
        }
    }
    let idiom_words = special_cases
        .keys()
        .chain(boosters.keys())
        .filter(|key| key.contains(' '))
        .flat_map(|key| key.split(' '))
        .map(|word| (word, ()))
        .collect();
    Tables {
        lexicon,
        special_cases,
        boosters,
        idiom_words,
    }
});

/// Python's `str.isspace()` on ASCII: the usual five controls and space, plus the separators
/// U+001C–U+001F.
fn is_py_space(c: char) -> bool {
    c.is_ascii_whitespace() || c == '\u{0b}' || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// One token: its lowercase form (a slice of the lowercased text) and Python's `isupper()`.
#[derive(Clone, Copy)]
struct Token<'a> {
    lower: &'a str,
    is_upper: bool,
}

/// A valence, and whether Python holds it as an int at this point (CPython's `sum` adds a
/// leading run of ints exactly, outside its compensated float loop).
#[derive(Clone, Copy)]
struct Valence {
    value: f64,
    from_int: bool,
}

const INT_ZERO: Valence = Valence {
    value: 0.0,
    from_int: true,
};

/// Characters beyond ASCII that this scorer reads as VADER does without `vader-parity`'s
/// Unicode tables: typographic quotes and apostrophes, dashes, the ellipsis, £ and €. None is
/// in VADER's emoji lexicon, none is cased, a space or ASCII punctuation, so VADER passes them
/// through as part of their words ("don’t" is not "don't" to it either).
const PASS_THROUGH: [char; 9] = [
    '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2013}', '\u{2014}', '\u{2026}', '\u{a3}',
    '\u{20ac}',
];

/// Whether this scorer reads `text` (ASCII, or ASCII with [`PASS_THROUGH`] characters).
fn readable(text: &str) -> bool {
    text.is_ascii()
        || text
            .chars()
            .all(|c| c.is_ascii() || PASS_THROUGH.contains(&c))
}

/// VADER's compound for `text`, rounded as the reference rounds it (four decimals), or `None`
/// where this scorer leaves the text to `vader-parity`: text with a character beyond ASCII
/// other than [`PASS_THROUGH`]'s (accented letters, emoji), and a "but" in more than
/// [`LINEAR_BUT_LIMIT`] tokens.
pub fn compound(text: &str) -> Option<f64> {
    raw(text).map(|r| r.compound)
}

/// What VADER adds up for a text, for texts put together from sentences scored apart
/// ([`compose`]): the compound, and the valences' sum before and after the "but" rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Raw {
    pub compound: f64,
    /// The valences' sum with the text's own "but" rule applied (before punctuation).
    pub sum: f64,
    /// The plain sum of the valences, no "but" rule.
    pub unscaled: f64,
    pub has_but: bool,
}

/// [`compound`] and the sums behind it.
pub(crate) fn raw(text: &str) -> Option<Raw> {
    if !readable(text) {
        return None;
    }
    let tables = &*TABLES;
    // No ASCII character is in the emoji lexicon: the emoji walk is the strip alone.
    let text = text.trim_matches(is_py_space);
    let lowered = text.to_ascii_lowercase();
    let tokens = tokens(text, &lowered);
    let is_cap_diff = tokens.iter().any(|t| !t.is_upper) && tokens.iter().any(|t| t.is_upper);

    let mut sentiments: Vec<Valence> = Vec::with_capacity(tokens.len());
    for (i, item) in tokens.iter().enumerate() {
        if tables.boosters.contains_key(item.lower)
            || (item.lower == "kind" && tokens.get(i + 1).is_some_and(|next| next.lower == "of"))
        {
            sentiments.push(INT_ZERO);
            continue;
        }
        sentiments.push(sentiment_valence(tables, is_cap_diff, &tokens, i));
    }
    let unscaled: f64 = sentiments.iter().map(|v| v.value).sum();
    let but = tokens.iter().position(|t| t.lower == "but");
    if let Some(bi) = but {
        if sentiments.len() > LINEAR_BUT_LIMIT {
            return None;
        }
        but_check(bi, &mut sentiments);
    }
    let sum = python_sum(&sentiments);
    let compound = if sentiments.is_empty() {
        0.0
    } else {
        normalise(sum, punctuation_emphasis(text))
    };
    Some(Raw {
        compound: python_round4(compound),
        sum,
        unscaled,
        has_but: but.is_some(),
    })
}

/// VADER's normalisation of a sum of valences with the text's punctuation emphasis.
fn normalise(mut sum: f64, emphasis: f64) -> f64 {
    match sum.total_cmp(&0.0) {
        Ordering::Greater => sum += emphasis,
        Ordering::Less => sum -= emphasis,
        Ordering::Equal => {}
    }
    (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// The compound of a text of several sentences from its sentences' [`Raw`] sums, with its `!`
/// and `?` counts, instead of reading it again: as VADER does for the whole text, the first
/// "but" halves what comes before it and adds half to what follows, and the punctuation
/// emphasis is the text's. (VADER's context words at a sentence's start reach into the one
/// before; here they do not.)
pub(crate) fn compose(sentences: &[Raw], exclamations: usize, questions: usize) -> f64 {
    let first_but = sentences.iter().position(|r| r.has_but);
    let sum: f64 = sentences
        .iter()
        .enumerate()
        .map(|(i, r)| match first_but {
            Some(b) if i < b => r.unscaled * BUT_BEFORE,
            Some(b) if i == b => r.sum,
            Some(_) => r.unscaled * BUT_AFTER,
            None => r.unscaled,
        })
        .sum();
    let emphasis = emphasis_of(exclamations, questions);
    python_round4(normalise(sum, emphasis))
}

/// The reference's words-and-emoticons: a whitespace split, each word stripped of leading and
/// trailing punctuation unless that leaves two characters or fewer (":)" stays).
fn tokens<'a>(text: &str, lowered: &'a str) -> Vec<Token<'a>> {
    // ASCII, or ASCII with uncased PASS_THROUGH characters (the caller checks): spaces and
    // punctuation are single bytes, and a character is a byte that does not continue one.
    let bytes = text.as_bytes();
    let mut tokens = Vec::with_capacity(bytes.len() / 4);
    let mut start = 0;
    for end in 0..=bytes.len() {
        if end < bytes.len() && !is_py_space(char::from(bytes[end])) {
            continue;
        }
        if end > start {
            let (mut from, mut to) = (start, end);
            while from < to && bytes[from].is_ascii_punctuation() {
                from += 1;
            }
            while to > from && bytes[to - 1].is_ascii_punctuation() {
                to -= 1;
            }
            let chars = bytes[from..to]
                .iter()
                .filter(|&&b| b & 0xc0 != 0x80)
                .count();
            if chars <= 2 {
                (from, to) = (start, end);
            }
            let word = &bytes[from..to];
            tokens.push(Token {
                lower: &lowered[from..to],
                is_upper: word.iter().any(u8::is_ascii_uppercase)
                    && !word.iter().any(u8::is_ascii_lowercase),
            });
        }
        start = end + 1;
    }
    tokens
}

/// The reference's `sentiment_valence` for the token at `i`.
fn sentiment_valence(tables: &Tables, is_cap_diff: bool, tokens: &[Token], i: usize) -> Valence {
    let item = tokens[i];
    let Some(&lex_valence) = tables.lexicon.get(item.lower) else {
        return INT_ZERO;
    };
    let in_lexicon = |t: &Token| tables.lexicon.contains_key(t.lower);
    let prev1 = i.checked_sub(1).map(|j| tokens[j]);
    let prev2 = i.checked_sub(2).map(|j| tokens[j]);
    let prev3 = i.checked_sub(3).map(|j| tokens[j]);
    let next1 = tokens.get(i + 1);

    let mut valence = lex_valence;
    if item.lower == "no" && next1.is_some_and(in_lexicon) {
        valence = 0.0;
    }
    if prev1.is_some_and(|t| t.lower == "no")
        || prev2.is_some_and(|t| t.lower == "no")
        || (prev3.is_some_and(|t| t.lower == "no")
            && prev1.is_some_and(|t| t.lower == "or" || t.lower == "nor"))
    {
        valence = lex_valence * N_SCALAR;
    }
    if item.is_upper && is_cap_diff {
        if valence > 0.0 {
            valence += C_INCR;
        } else {
            valence -= C_INCR;
        }
    }
    let mut from_int = false;
    // The booster scan, `for start_i in range(0, 3)`, unrolled; the negation and idiom checks
    // run only when the token at that distance is not in the lexicon.
    if let Some(p1) = prev1
        && !in_lexicon(&p1)
    {
        valence += scalar_inc_dec(tables, p1, valence, is_cap_diff);
        if negated(p1.lower) {
            valence *= N_SCALAR;
        }
    }
    if let (Some(p1), Some(p2)) = (prev1, prev2)
        && !in_lexicon(&p2)
    {
        let mut s = scalar_inc_dec(tables, p2, valence, is_cap_diff);
        if s != 0.0 {
            s *= DAMP_2;
        }
        valence += s;
        let without_doubt = p2.lower == "without" && p1.lower == "doubt";
        if p2.lower == "never" && (p1.lower == "so" || p1.lower == "this") {
            valence *= NEVER_SCALAR;
        } else if !without_doubt && negated(p2.lower) {
            valence *= N_SCALAR;
        }
    }
    if let (Some(p1), Some(p2), Some(p3)) = (prev1, prev2, prev3)
        && !in_lexicon(&p3)
    {
        let mut s = scalar_inc_dec(tables, p3, valence, is_cap_diff);
        if s != 0.0 {
            s *= DAMP_3;
        }
        valence += s;
        // Python's `and` binds tighter than `or`: a bare "so" or "this" just before the word
        // takes this arm too.
        let without_doubt = p3.lower == "without" && (p2.lower == "doubt" || p1.lower == "doubt");
        if (p3.lower == "never" && (p2.lower == "so" || p2.lower == "this"))
            || (p1.lower == "so" || p1.lower == "this")
        {
            valence *= NEVER_SCALAR;
        } else if !without_doubt && negated(p3.lower) {
            valence *= N_SCALAR;
        }
        (valence, from_int) = special_idioms_check(tables, valence, tokens, i);
    }
    // The reference's `_least_check`: damping is float arithmetic and clears the int flag.
    let least = |t: Option<Token>| t.is_some_and(|t| t.lower == "least" && !in_lexicon(&t));
    let damped = match (prev1, prev2) {
        (Some(_), Some(p2)) => least(prev1) && p2.lower != "at" && p2.lower != "very",
        (Some(_), None) => least(prev1),
        (None, _) => false,
    };
    if damped {
        Valence {
            value: valence * N_SCALAR,
            from_int: false,
        }
    } else {
        Valence {
            value: valence,
            from_int,
        }
    }
}

/// The reference's `negated` for one word: in `NEGATE`, or containing "n't".
fn negated(word: &str) -> bool {
    // A set, not a search of the list: asked for up to three words before every lexicon word.
    static SET: LazyLock<std::collections::HashSet<&str, FixedState>> =
        LazyLock::new(|| NEGATE.iter().copied().collect());
    SET.contains(word) || word.contains("n't")
}

/// The reference's `scalar_inc_dec`: a preceding booster's push, signed with the valence.
fn scalar_inc_dec(tables: &Tables, word: Token, valence: f64, is_cap_diff: bool) -> f64 {
    let Some(&increment) = tables.boosters.get(word.lower) else {
        return 0.0;
    };
    let mut scalar = if valence < 0.0 { -increment } else { increment };
    if word.is_upper && is_cap_diff {
        if valence > 0.0 {
            scalar += C_INCR;
        } else {
            scalar -= C_INCR;
        }
    }
    scalar
}

/// `len` lowercase tokens from `start`, joined by spaces; `None` out of range.
fn joined(tokens: &[Token], start: Option<usize>, len: usize) -> Option<String> {
    let slice = tokens.get(start?..start? + len)?;
    let mut out = String::with_capacity(slice.iter().map(|t| t.lower.len() + 1).sum());
    for (k, token) in slice.iter().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(token.lower);
    }
    Some(out)
}

/// The reference's `_special_idioms_check` at `i` (which has three predecessors): the idiom
/// sequences around the word, in the reference's order, then the multi-word boosters before it.
/// Returns the valence and whether Python now holds it as an int.
fn special_idioms_check(tables: &Tables, valence: f64, tokens: &[Token], i: usize) -> (f64, bool) {
    let mut valence = valence;
    let mut from_int = false;
    // Most words are in no idiom: such a sequence is neither built nor looked up.
    let idiom: Vec<bool> = (i.saturating_sub(3)..(i + 3).min(tokens.len()))
        .map(|j| tables.idiom_words.contains_key(tokens[j].lower))
        .collect();
    let first = i.saturating_sub(3);
    let joined = |start: Option<usize>, len: usize| {
        let start = start?;
        let all = (start..start + len).all(|j| idiom.get(j - first).copied().unwrap_or(false));
        if all {
            joined(tokens, Some(start), len)
        } else {
            None
        }
    };
    let onezero = joined(i.checked_sub(1), 2);
    let twoonezero = joined(i.checked_sub(2), 3);
    let twoone = joined(i.checked_sub(2), 2);
    let threetwoone = joined(i.checked_sub(3), 3);
    let threetwo = joined(i.checked_sub(3), 2);
    let special = |seq: &Option<String>| {
        seq.as_deref()
            .and_then(|s| tables.special_cases.get(s))
            .copied()
    };
    if let Some((value, is_int)) = [&onezero, &twoonezero, &twoone, &threetwoone, &threetwo]
        .into_iter()
        .find_map(special)
    {
        valence = value;
        from_int = is_int;
    }
    for forward in [joined(Some(i), 2), joined(Some(i), 3)] {
        if let Some((value, is_int)) = special(&forward) {
            valence = value;
            from_int = is_int;
        }
    }
    for n_gram in [&threetwoone, &threetwo, &twoone] {
        if let Some(&increment) = n_gram.as_deref().and_then(|s| tables.boosters.get(s)) {
            valence += increment;
            from_int = false;
        }
    }
    (valence, from_int)
}

/// The reference's `_but_check`, quirk included: each value is reweighted in the FIRST slot
/// holding an equal value (Python's `list.index`), before the "but" at `bi` by 0.5, after it by
/// 1.5. Python's `==` makes 0.0 equal −0.0 and an int equal its float.
fn but_check(bi: usize, sentiments: &mut [Valence]) {
    for pos in 0..sentiments.len() {
        let value = sentiments[pos].value;
        let si = sentiments
            .iter()
            .position(|s| s.value == value)
            .unwrap_or(pos);
        let weight = match si.cmp(&bi) {
            Ordering::Less => BUT_BEFORE,
            Ordering::Greater => BUT_AFTER,
            Ordering::Equal => continue,
        };
        sentiments[si] = Valence {
            value: value * weight,
            from_int: false,
        };
    }
}

/// CPython's builtin `sum` over the valences: a leading run of ints added exactly, the first
/// float added plainly, the rest with Neumaier compensation (CPython ≥ 3.12).
fn python_sum(values: &[Valence]) -> f64 {
    let mut iter = values.iter();
    let mut int_total = 0.0_f64;
    let (mut total, mut compensation) = loop {
        match iter.next() {
            None => return int_total,
            Some(v) if v.from_int => int_total += v.value,
            Some(v) => break (int_total + v.value, 0.0_f64),
        }
    };
    for v in iter {
        let x = v.value;
        let t = total + x;
        if total.abs() >= x.abs() {
            compensation += (total - t) + x;
        } else {
            compensation += (x - t) + total;
        }
        total = t;
    }
    if compensation != 0.0 && compensation.is_finite() {
        total += compensation;
    }
    total
}

/// The reference's `_punctuation_emphasis`: 0.292 per "!" (at most four); for "?", nothing for
/// one, 0.18 each for two or three, 0.96 past three.
fn punctuation_emphasis(text: &str) -> f64 {
    emphasis_of(
        text.bytes().filter(|&b| b == b'!').count(),
        text.bytes().filter(|&b| b == b'?').count(),
    )
}

/// [`punctuation_emphasis`] of a text with these counts of "!" and "?".
fn emphasis_of(bangs: usize, questions: usize) -> f64 {
    let bangs = bangs.min(4);
    let question_amplifier = match questions {
        0 | 1 => 0.0,
        2 | 3 => questions as f64 * QM_STEP,
        _ => QM_CAP,
    };
    bangs as f64 * EP_STEP + question_amplifier
}

/// CPython's `round(value, 4)`: the exact binary value rounded to four decimals (ties to even),
/// which is what Rust's fixed-precision formatting does, read back as the nearest f64.
///
/// Formatting costs more than the rest of a short comment's scoring, so it is kept for values
/// near a tie. Elsewhere `value · 10⁴`, off the exact product by at most half a unit in its
/// last place (under 10⁻¹² for a score in [−1, 1]), rounds to the same whole number `n` as the
/// exact value does, and `n / 10⁴` — both exact in binary, the quotient correctly rounded — is
/// the f64 nearest to the decimal, as parsing it gives (test
/// `python_round_matches_formatting`).
fn python_round4(value: f64) -> f64 {
    let scaled = value * 1e4;
    let fraction = scaled - scaled.floor();
    if value.abs() <= 1.0 && (fraction - 0.5).abs() > 1e-6 {
        scaled.round() / 1e4
    } else {
        format!("{value:.4}").parse().unwrap_or(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use vader_parity::SentimentIntensityAnalyzer;

    fn assert_parity(reference: &SentimentIntensityAnalyzer, text: &str) {
        let expected = reference.polarity_scores(text).compound;
        match compound(text) {
            Some(ours) => assert_eq!(
                ours.to_bits(),
                expected.to_bits(),
                "{text:?}: {ours} vs vader-parity {expected}"
            ),
            None => assert!(!readable(text) || text.len() > LINEAR_BUT_LIMIT, "{text:?}"),
        }
    }

    /// A text of several sentences put together from its sentences' sums scores as VADER
    /// scores the whole text where no context word reaches across a sentence: the "but" rule
    /// and the punctuation emphasis are the text's.
    #[test]
    fn composed_sentences_score_as_the_whole_text() {
        for sentences in [
            &["Love it!", "Best day ever!"][..],
            &["The food was great.", "But the service was slow and rude."],
            &[
                "Lovely crew.",
                "Terrible seat, but the food was good!",
                "Why??",
            ],
            &["Nothing to report."],
        ] {
            let raws: Vec<Raw> = sentences.iter().map(|s| raw(s).expect("ascii")).collect();
            let whole = sentences.join(" ");
            let count = |c: char| whole.matches(c).count();
            assert_eq!(
                compose(&raws, count('!'), count('?')),
                compound(&whole).expect("ascii"),
                "{whole}"
            );
        }
    }

    #[test]
    fn published_outputs_and_rule_cases_match_vader_parity() {
        let reference = SentimentIntensityAnalyzer::new();
        for text in [
            "VADER is smart, handsome, and funny.",
            "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
            "VADER is not smart, handsome, nor funny.",
            "At least it isn't a horrible book.",
            "The book was only kind of good.",
            "The plot was good, but the characters are uncompelling and the dialog is not great.",
            "Today SUX!",
            "Today only kinda sux! But I'll get by, lol",
            "Make sure you :) or :D today!",
            "Not bad at all",
            "",
            "   ",
            "is?",
            "no good",
            "no, no, no",
            "not bad, not good, but not terrible either",
            "good good good but good good",
            "bad but bad but bad",
            "it was the shit",
            "that movie was the bomb and a bad ass ride to die for",
            "yeah right, great service",
            "the kiss of death for this shop",
            "that was just the kiss of death for us",
            "and then the yeah right face",
            "this was truly the shit, yeah",
            "he is never so happy",
            "never this good",
            "without doubt the best",
            "without a doubt great",
            "least happy customer",
            "at least happy",
            "very least happy",
            "the least good",
            "kind of bad, sort of ok, just enough good",
            "I am SO HAPPY with this",
            "GREAT GREAT GREAT",
            "Great! Great!! What??? Really???? ",
            "\u{1c}good\u{1f} thing\u{0b}ok\u{0c}",
            "what?!?! terrible!!!!!!",
            "8-) :) :-( ;)",
            "It wasn't bad, it wasn't good, it was n't anything",
            "rarely good, seldom bad, despite good intentions",
            "no or good",
            "no nor bad",
            "NO good",
            "great bus stop",
            "kind",
            "of kind of",
            "the beating heart of it",
        ] {
            assert_parity(&reference, text);
        }
    }

    /// Random sentences over the words the rules look at (boosters, negations, idioms, "but",
    /// "least", "kind of", lexicon words, caps, punctuation): every rule and combination of
    /// rules, compared with `vader-parity` bit for bit.
    #[test]
    fn random_rule_dense_text_matches_vader_parity() {
        let reference = SentimentIntensityAnalyzer::new();
        let words = [
            "good",
            "bad",
            "great",
            "terrible",
            "love",
            "hate",
            "ok",
            "fine",
            "no",
            "not",
            "never",
            "n't",
            "isn't",
            "without",
            "doubt",
            "so",
            "this",
            "very",
            "extremely",
            "barely",
            "slightly",
            "kind",
            "of",
            "sort",
            "just",
            "enough",
            "but",
            "least",
            "at",
            "the",
            "shit",
            "bomb",
            "bad",
            "ass",
            "yeah",
            "right",
            "kiss",
            "death",
            "to",
            "die",
            "for",
            "bus",
            "stop",
            "beating",
            "heart",
            "or",
            "nor",
            "happy",
            "sad",
            "delay",
            "refund",
            "lol",
            ":)",
            ":(",
            "funny",
            "wow",
            "damn",
            "hardly",
            "really",
            "totally",
            "friggin",
        ];
        let endings = ["", "!", "!!", "?", "??", "???!", ".", ",", "...", "!!!!!"];
        let mut rng = SplitMix64::new(2026);
        for _ in 0..20_000 {
            let len = 1 + rng.below(14);
            let mut text = String::new();
            for k in 0..len {
                if k > 0 {
                    text.push_str([" ", "  ", "\t", " , "][rng.below(4)]);
                }
                let word = words[rng.below(words.len())];
                match rng.below(5) {
                    0 => text.push_str(&word.to_uppercase()),
                    1 => {
                        let mut chars = word.chars();
                        if let Some(first) = chars.next() {
                            text.push(first.to_ascii_uppercase());
                            text.push_str(chars.as_str());
                        }
                    }
                    _ => text.push_str(word),
                }
                if rng.below(6) == 0 {
                    text.push_str(endings[rng.below(endings.len())]);
                }
                // Typographic characters VADER passes through, around, inside and beside words
                // (short tokens such as "“ok”" test the two-character rule by characters).
                if rng.below(5) == 0 {
                    let c = PASS_THROUGH[rng.below(PASS_THROUGH.len())];
                    match rng.below(3) {
                        0 => text.push(c),
                        1 => text.insert(text.len() - word.len().min(text.len()), c),
                        _ => {
                            text.push(' ');
                            text.push(c);
                        }
                    }
                }
            }
            assert_parity(&reference, &text);
        }
    }

    /// CPython's `sum([9, -2.6, -1.6])` is 0x4013333333333334, `sum([9.0, -2.6, -1.6])`
    /// 0x4013333333333333: the int-to-float step is one plain addition (vader-parity's probe).
    #[test]
    fn python_round_matches_formatting() {
        let by_formatting = |v: f64| -> f64 { format!("{v:.4}").parse().unwrap() };
        let mut rng = SplitMix64::new(11);
        let mut values: Vec<f64> = (0..200_000).map(|_| rng.unit() * 2.0 - 1.0).collect();
        // Ties and values a rounding error away from them, both signs.
        for n in -20_000..=20_000 {
            let tie = (f64::from(n) + 0.5) / 1e4;
            values.extend([
                tie,
                tie.next_up(),
                tie.next_down(),
                -tie,
                f64::from(n) / 2e4,
            ]);
        }
        values.extend([0.0, -0.0, 1.0, -1.0, 0.99995, -0.99995, 0.00005, -0.00005]);
        for v in values.into_iter().filter(|v| v.abs() <= 1.0) {
            assert_eq!(
                python_round4(v).to_bits(),
                by_formatting(v).to_bits(),
                "{v:e}"
            );
        }
    }

    #[test]
    fn python_sum_adds_a_leading_int_run_like_cpython() {
        let int = |value| Valence {
            value,
            from_int: true,
        };
        let float = |value| Valence {
            value,
            from_int: false,
        };
        let ints_first = [int(9.0), float(-2.6), float(-1.6)];
        assert_eq!(python_sum(&ints_first).to_bits(), 0x4013_3333_3333_3334);
        let floats = [float(9.0), float(-2.6), float(-1.6)];
        assert_eq!(python_sum(&floats).to_bits(), 0x4013_3333_3333_3333);
        assert_eq!(python_sum(&[int(3.0), INT_ZERO, int(-2.0)]), 1.0);
        assert_eq!(
            python_sum(&[float(1.0e100), int(1.0), float(-1.0e100)]),
            1.0
        );
    }

    #[test]
    fn text_it_leaves_to_vader_parity() {
        assert_eq!(compound("très bien 😀"), None);
        assert_eq!(compound("good 😀"), None);
        assert!(compound("I don’t think it’s “great”… £20 – really").is_some());
        let long = format!("{} but good", "bad ".repeat(LINEAR_BUT_LIMIT));
        assert_eq!(compound(&long), None);
        assert!(compound(&"bad ".repeat(2 * LINEAR_BUT_LIMIT)).is_some());
    }
}
