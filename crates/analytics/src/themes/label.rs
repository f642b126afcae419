//! Labels for discovered themes: the phrases that are most distinctive of a theme's comments.
//!
//! Candidates are word sequences of one to three words that neither start nor end with a
//! function word ("refund not received" qualifies, "of the" does not). A phrase scores by how
//! much more common it is inside the theme than overall, weighted by how common it is inside
//! (`p_in · ln(p_in / p_all)`, one term of the KL divergence). A longer phrase replaces a shorter
//! one it contains when it covers at least half as many of the theme's comments: "not received"
//! beats "received" when most comments say "not received".

use std::collections::HashMap;

use crate::text::is_stopword;

/// Phrases counted once per comment, with their comment frequency per theme.
#[derive(Debug, Default)]
pub struct PhraseCounts {
    ids: HashMap<String, u32>,
    phrases: Vec<String>,
    overall: Vec<u32>,
    by_theme: Vec<HashMap<u32, u32>>,
    theme_sizes: Vec<u32>,
    documents: u32,
}

/// The candidate phrases of one comment's tokens, each once.
pub fn candidate_phrases(tokens: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for len in 1..=3 {
        for window in tokens.windows(len) {
            let (first, last) = (&window[0], &window[len - 1]);
            if is_stopword(first) || is_stopword(last) {
                continue;
            }
            if window.iter().all(|w| w.chars().all(|c| c.is_ascii_digit())) {
                continue;
            }
            if len == 1 && first.chars().count() < 3 {
                continue;
            }
            let phrase = window.join(" ");
            if !out.contains(&phrase) {
                out.push(phrase);
            }
        }
    }
    out
}

impl PhraseCounts {
    pub fn new(themes: usize) -> Self {
        Self {
            by_theme: vec![HashMap::new(); themes],
            theme_sizes: vec![0; themes],
            ..Self::default()
        }
    }

    /// Counts one comment, in the theme it belongs to most.
    pub fn add(&mut self, tokens: &[String], theme: usize) {
        self.documents += 1;
        self.theme_sizes[theme] += 1;
        for phrase in candidate_phrases(tokens) {
            let next = self.phrases.len() as u32;
            let id = *self.ids.entry(phrase.clone()).or_insert_with(|| {
                self.phrases.push(phrase);
                next
            });
            if id as usize == self.overall.len() {
                self.overall.push(0);
            }
            self.overall[id as usize] += 1;
            *self.by_theme[theme].entry(id).or_insert(0) += 1;
        }
    }

    /// Up to `count` distinctive phrases of a theme, best first, with how many of the theme's
    /// comments use each.
    pub fn top_phrases(&self, theme: usize, count: usize) -> Vec<(String, u32)> {
        let size = f64::from(self.theme_sizes[theme].max(1));
        let n = f64::from(self.documents.max(1));
        let min_support = (size * 0.03).max(2.0);
        let mut scored: Vec<(f64, u32, u32)> = self.by_theme[theme]
            .iter()
            .filter(|(_, c)| f64::from(**c) >= min_support)
            .map(|(&id, &c)| {
                let p_in = f64::from(c) / size;
                let p_all = f64::from(self.overall[id as usize]) / n;
                (p_in * (p_in / p_all).ln(), id, c)
            })
            .filter(|(score, _, _)| *score > 0.0)
            .collect();
        // Best score first; ties broken by the phrase itself, for determinism.
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| self.phrases[a.1 as usize].cmp(&self.phrases[b.1 as usize]))
        });
        let mut chosen: Vec<(String, u32)> = Vec::new();
        for (_, id, c) in scored.into_iter().take(count * 8) {
            let phrase = &self.phrases[id as usize];
            let contains =
                |long: &str, short: &str| format!(" {long} ").contains(&format!(" {short} "));
            if chosen.iter().any(|(p, _)| contains(p, phrase)) {
                continue;
            }
            if let Some(slot) = chosen
                .iter_mut()
                .find(|(p, pc)| contains(phrase, p) && 2 * c >= *pc)
            {
                *slot = (phrase.clone(), c);
                chosen.dedup_by(|a, b| a.0 == b.0);
                continue;
            }
            if chosen.len() < count {
                chosen.push((phrase.clone(), c));
            }
        }
        chosen
    }
}

/// The label among a theme's top phrases: the best one, unless one of the next two is a
/// phrase of several words used by at least a quarter as many comments — "verify my identity"
/// reads better than "identity".
pub fn label(top: &[(String, u32)]) -> Option<String> {
    let (first, first_count) = top.first()?;
    let better = top
        .iter()
        .take(3)
        .find(|(p, c)| p.contains(' ') && 4 * c >= *first_count)
        .map(|(p, _)| p);
    Some(better.unwrap_or(first).clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    #[test]
    fn candidates_skip_function_words_at_the_edges() {
        let t: Vec<String> = tokens("my refund not received yet").collect();
        let c = candidate_phrases(&t);
        assert!(c.contains(&"refund not received".to_owned()), "{c:?}");
        assert!(c.contains(&"refund".to_owned()));
        assert!(!c.iter().any(|p| p.starts_with("my ")), "{c:?}");
    }

    #[test]
    fn the_label_is_the_distinctive_phrase_not_the_common_word() {
        let mut counts = PhraseCounts::new(2);
        for _ in 0..20 {
            counts.add(
                &tokens("refund not received for my order").collect::<Vec<_>>(),
                0,
            );
            counts.add(&tokens("my order arrived damaged").collect::<Vec<_>>(), 1);
        }
        for _ in 0..5 {
            counts.add(
                &tokens("still no refund for the order").collect::<Vec<_>>(),
                0,
            );
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
    }
}
