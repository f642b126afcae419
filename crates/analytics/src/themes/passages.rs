//! A comment's passages and their themes: themes are found among passages (sentences, joined
//! while short; see [`passages`]), and a comment's themes are its passages' — a
//! review that talks about the seat, the food and the crew gets three — led by what the
//! comment as a whole is about.

use super::{Assignment, MAX_THEMES_PER_RECORD};
use crate::text::{is_stopword, lowercase, raw_tokens};

/// The fewest content words a passage holds: a shorter sentence ("Thanks!", "Not good.", "Why
/// is my card not working?") joins its neighbour, since alone it says too little to carry a
/// theme of its own.
pub const MIN_PASSAGE_WORDS: usize = 3;

/// A text with fewer content words than this is one passage: a line of feedback mostly says one
/// thing, and read whole it keeps the words that say what (measured on complaints to airlines,
/// splitting every tweet cost 0.03 NMI against the complaint reason; on multi-topic comments
/// this threshold found the most of their topics, see docs/analytics.md).
pub const MIN_SPLIT_WORDS: usize = 12;

/// The passages of a text, as byte ranges that cover it in order: its sentences, and the
/// clauses a "but" opens ("the food was lovely and fresh but the seat was broken and filthy" is
/// two), any with fewer than [`MIN_PASSAGE_WORDS`] content words joined to the one before (the
/// first to the next); a text of fewer than [`MIN_SPLIT_WORDS`] content words is one. A long
/// review so becomes one passage per thing it talks about, a short comment stays whole.
/// A sentence ends at a line break, or at `.`, `!`, `?` or `;` followed by a space: "3.5" and
/// "site.com" are no ends.
pub fn passages(text: &str) -> Vec<std::ops::Range<usize>> {
    let whole = 0..text.len();
    // Most comments are a line: fewer runs of letters and digits than a split needs content
    // words (every content word is such a run) says so without reading a word.
    let mut runs = 0;
    let mut in_run = false;
    for c in text.chars() {
        let alphanumeric = c.is_alphanumeric();
        if alphanumeric && !in_run {
            runs += 1;
        }
        in_run = alphanumeric;
    }
    if runs < MIN_SPLIT_WORDS {
        return vec![whole];
    }
    let mut cuts = vec![0];
    let mut chars = text.char_indices().peekable();
    let mut previous = ' ';
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match c {
            '\n' => cuts.push(i + 1),
            '.' | '!' | '?' | ';' if next.is_some_and(char::is_whitespace) => cuts.push(i + 1),
            'b' | 'B'
                if (previous.is_whitespace() || previous == ',')
                    // `get`, not slicing: "Buñuel" has no char boundary after "Bu".
                    && text.get(i..i + 3).is_some_and(|w| w.eq_ignore_ascii_case("but"))
                    && text
                        .get(i + 3..)
                        .is_some_and(|rest| rest.starts_with(char::is_whitespace)) =>
            {
                cuts.push(i)
            }
            _ => {}
        }
        previous = c;
    }
    cuts.push(text.len());
    cuts.dedup();
    if cuts.len() <= 2 {
        return vec![whole];
    }
    let content_words = |range: &std::ops::Range<usize>| {
        raw_tokens(&text[range.clone()])
            .filter(|t| !is_stopword(&lowercase(t)))
            .count()
    };
    let mut out: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
    for piece in cuts.windows(2).map(|w| w[0]..w[1]) {
        let words = content_words(&piece);
        match out.last_mut() {
            Some(last) if last.1 < MIN_PASSAGE_WORDS || words < MIN_PASSAGE_WORDS => {
                last.0.end = piece.end;
                last.1 += words;
            }
            _ => out.push((piece, words)),
        }
    }
    let total: usize = out.iter().map(|(_, words)| words).sum();
    if out.is_empty() || total < MIN_SPLIT_WORDS {
        return vec![whole];
    }
    out.into_iter().map(|(range, _)| range).collect()
}

/// A passage of a text and the themes it gave the text.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemedPassage {
    /// Byte range in the text.
    pub range: std::ops::Range<usize>,
    /// Theme ids, each one of the text's.
    pub themes: Vec<usize>,
}

/// The passages of a set of texts, side by side.
pub(super) struct Passages<'a> {
    /// Every text's passages, text after text.
    pub(super) texts: Vec<&'a str>,
    /// Each passage's byte range in its text.
    ranges: Vec<std::ops::Range<usize>>,
    /// Text `r`'s passages are `first[r]..first[r + 1]`.
    first: Vec<usize>,
}

impl<'a> Passages<'a> {
    pub(super) fn of(texts: &[&'a str]) -> Self {
        use rayon::prelude::*;
        let per_text: Vec<Vec<std::ops::Range<usize>>> =
            texts.par_iter().map(|t| passages(t)).collect();
        let total = per_text.iter().map(Vec::len).sum();
        let mut split = Self {
            texts: Vec::with_capacity(total),
            ranges: Vec::with_capacity(total),
            first: Vec::with_capacity(texts.len() + 1),
        };
        for (text, ranges) in texts.iter().zip(per_text) {
            split.first.push(split.texts.len());
            for range in ranges {
                split.texts.push(&text[range.clone()]);
                split.ranges.push(range);
            }
        }
        split.first.push(split.texts.len());
        split
    }

    /// Text `r`'s passages, as indexes among all.
    pub(super) fn of_text(&self, r: usize) -> std::ops::Range<usize> {
        self.first[r]..self.first[r + 1]
    }

    /// Text `r`'s themes from its passages' (`by_unit`: each passage's weight and themes), led
    /// by the main theme of the text read whole (`whole_main`, asked for only when its passages
    /// have more than one theme; `whole_confidence` gives that theme's similarity to the whole
    /// text, asked for only when no passage had it), and, when its passages gave it different
    /// themes, which passage gave which.
    pub(super) fn combine(
        &self,
        r: usize,
        by_unit: &[(usize, &[Assignment])],
        whole_main: impl FnOnce() -> Option<usize>,
        whole_confidence: impl FnOnce(usize) -> f64,
    ) -> (Vec<Assignment>, Vec<ThemedPassage>) {
        let found: Vec<usize> = self
            .of_text(r)
            .filter(|&u| !by_unit[u].1.is_empty())
            .collect();
        let themes_of = |u: usize| by_unit[u].1.iter().map(|a| (a.theme, a.confidence));
        let per_passage = found.iter().map(|&u| (by_unit[u].0, themes_of(u)));
        let mut combined = combine_passages(per_passage.clone());
        if found.len() > 1
            && combined.len() > 1
            && let Some(main) = whole_main()
        {
            let confidence = match combined.iter().find(|c| c.0 == main) {
                Some(c) => c.1,
                None => whole_confidence(main),
            };
            combined = with_whole_first(combined, &[(main, confidence)]);
        }
        let combined: Vec<Assignment> = combined
            .into_iter()
            .map(|(theme, confidence)| Assignment { theme, confidence })
            .collect();
        let passages = if found.len() > 1 && combined.len() > 1 {
            found
                .iter()
                .map(|&u| ThemedPassage {
                    range: self.ranges[u].clone(),
                    themes: by_unit[u]
                        .1
                        .iter()
                        .map(|a| a.theme)
                        .filter(|t| combined.iter().any(|c| c.theme == *t))
                        .collect(),
                })
                .collect()
        } else {
            Vec::new()
        };
        (combined, passages)
    }
}

/// A text's themes (from its passages, [`combine_passages`]) with the main theme of the text
/// read whole (`whole`, best first) put first, added when no passage had it: what the comment
/// as a whole is about leads, its passages add what else it talks about. Measured, the whole
/// text's lead keeps short comments' main themes as good as before passages (airline
/// complaints: NMI 0.218 against 0.180 with the heaviest passage's theme first), and long
/// ones still get each passage's theme.
pub fn with_whole_first<K: PartialEq + Copy>(
    mut themes: Vec<(K, f64)>,
    whole: &[(K, f64)],
) -> Vec<(K, f64)> {
    if let Some(&main) = whole.first() {
        match themes.iter().position(|t| t.0 == main.0) {
            Some(at) => {
                let found = themes.remove(at);
                themes.insert(0, found);
            }
            None => {
                themes.insert(0, main);
                themes.truncate(MAX_THEMES_PER_RECORD);
            }
        }
    }
    themes
}

/// A text's themes from its passages' (each with its weight, the number of its content words,
/// and its themes best first): first the passages' main themes, by the weight of the passages
/// they are the main theme of, then the passages' other themes; each with its best similarity
/// in any passage; at most [`MAX_THEMES_PER_RECORD`]. A text of one passage keeps its themes.
pub fn combine_passages<K: Ord + Copy, I: IntoIterator<Item = (K, f64)>>(
    passages: impl IntoIterator<Item = (usize, I)>,
) -> Vec<(K, f64)> {
    // (theme, weight as main theme, best similarity, first seen)
    let mut found: Vec<(K, usize, f64, usize)> = Vec::new();
    for (weight, themes) in passages {
        for (rank, (theme, sim)) in themes.into_iter().enumerate() {
            let main_weight = if rank == 0 { weight.max(1) } else { 0 };
            match found.iter_mut().find(|f| f.0 == theme) {
                Some(f) => {
                    f.1 += main_weight;
                    f.2 = f.2.max(sim);
                }
                None => {
                    let seen = found.len();
                    found.push((theme, main_weight, sim, seen));
                }
            }
        }
    }
    found.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.3.cmp(&b.3)));
    found
        .into_iter()
        .take(MAX_THEMES_PER_RECORD)
        .map(|(theme, _, sim, _)| (theme, sim))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_are_sentences_and_but_clauses_with_short_ones_joined() {
        let read = |text: &str| -> Vec<String> {
            passages(text)
                .into_iter()
                .map(|r| text[r].trim().to_owned())
                .collect()
        };
        assert_eq!(
            read(
                "The food was lovely and fresh, hot meals but the seat was broken, filthy and \
                 cramped. Cabin crew were rude to every passenger on the flight!"
            ),
            [
                "The food was lovely and fresh, hot meals",
                "but the seat was broken, filthy and cramped.",
                "Cabin crew were rude to every passenger on the flight!"
            ]
        );
        // A short sentence joins the one before; numbers and links are no sentence ends.
        let whole = "Thanks! My card from site.com costs 3.5 euros a month now and the app \
                     keeps logging me out every single day. Why is my card failing? I tried \
                     it at two cash machines today.";
        assert_eq!(
            read(whole),
            [
                "Thanks! My card from site.com costs 3.5 euros a month now and the app keeps \
                 logging me out every single day. Why is my card failing?",
                "I tried it at two cash machines today."
            ]
        );
        // A line says one thing: read whole.
        assert_eq!(
            read("The food was lovely but the seat was broken."),
            ["The food was lovely but the seat was broken."]
        );
        // Letters of more than one byte next to a "bu" are no trouble.
        let text = "A Buñuel film, a crème brûlée, bu ñ but è: the seat was broken and the screen \
                    was dead, but the crew were lovely, kind and helpful all the way.";
        assert_eq!(read(text).len(), 3, "{:?}", read(text));
        assert_eq!(read(""), [""]);
        assert_eq!(read("ok"), ["ok"]);
        // The passages cover the text.
        let text = "Seat was cramped and old, legroom tiny.\nFood was cold and bland, tiny \
                    portions; staff kind.";
        let ranges = passages(text);
        assert_eq!(ranges.first().unwrap().start, 0);
        assert_eq!(ranges.last().unwrap().end, text.len());
        assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(ranges.len(), 2, "{:?}", read(text));
    }

    #[test]
    fn a_comments_themes_lead_with_the_heaviest_passage_and_the_whole_texts_choice() {
        let passages = [
            (5, vec![(1, 0.9), (4, 0.5)]),
            (2, vec![(2, 0.8)]),
            (6, vec![(1, 0.7)]),
        ];
        let combined = combine_passages(passages.iter().map(|(w, t)| (*w, t.iter().copied())));
        assert_eq!(combined, [(1, 0.9), (2, 0.8), (4, 0.5)]);
        assert_eq!(with_whole_first(combined.clone(), &[(2, 0.6)])[0], (2, 0.8));
        assert_eq!(
            with_whole_first(combined, &[(7, 0.6)]),
            [(7, 0.6), (1, 0.9), (2, 0.8)]
        );
    }
}
