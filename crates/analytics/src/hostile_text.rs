//! The text pipeline on hostile and malformed text (issue 28's fuzzing, bounded so that it runs
//! in every `cargo test`): thousands of comments mutated from real-looking ones — control
//! characters and NUL, invalid-looking escapes, emoji and combining marks, right-to-left and
//! zero-width characters, words tens of thousands of letters long, punctuation runs, handles,
//! links and hashtags spliced in, pieces repeated and cut at arbitrary character boundaries —
//! through redaction, sentiment (record and sentences) and the whole analysis (passages, word
//! vectors, the sentence encoder, k-means, labels, placement, impact). None may panic; every
//! score stays finite and in range, every record keeps its id, every label is text.

use crate::report::{Input, Options, analyze};
use crate::rng::SplitMix64;
use crate::themes::ThemeCount;

/// Pieces a hostile comment is made of.
const PIECES: &[&str] = &[
    "The delivery was late again and nobody answered the phone.",
    "Thanks!!! Great service 😡😡",
    "@united #fail http://x.example/a?b=c&d=%00",
    "not not not good",
    "\u{0}\u{1}\u{7f}\u{1b}[31m",
    "\u{202e}evil\u{202c}\u{200b}\u{feff}",
    "e\u{301}\u{301}\u{301}a\u{308}",
    "客服太慢了。退款还没到！",
    "مرحبا، الخدمة سيئة",
    "💩🏳️‍🌈👨‍👩‍👧‍👦",
    "...!!!???;;;,,,",
    "\r\n\r\n\t\t  ",
    "my card 4111 1111 1111 1111 and ann@example.com, +44 20 7946 0958",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "BUT however although; but",
    "\\u0000 \\x00 %s %n {{7*7}}",
    "I can't log in. Help?",
];

/// A comment assembled from `PIECES` and mutated: characters inserted, deleted, repeated.
fn hostile(rng: &mut SplitMix64) -> String {
    let mut text = String::new();
    for _ in 0..1 + rng.below(6) {
        text.push_str(rng.pick(PIECES));
        text.push(rng.pick(&[' ', '\n', '.', ',', '\u{0}', '😡']));
    }
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.below(8) {
        if chars.is_empty() {
            break;
        }
        let at = rng.below(chars.len());
        match rng.below(5) {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(
                at,
                char::from_u32(rng.below(0x3_0000) as u32).unwrap_or('\u{fffd}'),
            ),
            2 => {
                let end = (at + rng.below(20)).min(chars.len());
                let piece: Vec<char> = chars[at..end].to_vec();
                for _ in 0..rng.below(10) {
                    chars.splice(at..at, piece.iter().copied());
                }
            }
            3 => chars.truncate(at),
            _ => chars.insert(at, rng.pick(&['!', '?', '#', '@', '\'', '"', ';', '\u{0}'])),
        }
    }
    chars.into_iter().collect()
}

#[test]
fn hostile_text_goes_through_the_whole_analysis() {
    let mut rng = SplitMix64::new(28);
    let mut texts: Vec<String> = (0..3_000).map(|_| hostile(&mut rng)).collect();
    // The extremes: empty, blank, one word of 50,000 letters, 20,000 exclamation marks, a
    // 200 KB comment of many sentences, only emoji, only NUL.
    texts.extend([
        String::new(),
        " \n\t ".to_owned(),
        "a".repeat(50_000),
        "!".repeat(20_000),
        "The parcel was late. ".repeat(10_000),
        "😡".repeat(5_000),
        "\u{0}".repeat(1_000),
    ]);

    for text in &texts {
        let redacted = crate::redact::redact(text);
        assert!(
            redacted.len() <= text.len() * 8 + 64,
            "redaction grew {text:?}"
        );
        let sentiment = crate::sentiment::sentiment(text);
        assert!(
            sentiment.score.is_finite() && (-1.0..=1.0).contains(&sentiment.score),
            "{} for {text:?}",
            sentiment.score
        );
    }

    // The whole analysis on a sample (the sentence encoder reads every distinct passage of a
    // small corpus, a few seconds per thousand).
    let inputs: Vec<Input> = texts
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 == 0 || *i >= 3_000)
        .map(|(i, text)| Input {
            id: format!("h{i}"),
            received_at_millis: 1_700_000_000_000 + i as i64 * 3_600_000,
            text: text.clone(),
            nps: throughline_domain::feedback::Nps::new((i % 11) as u8).ok(),
            ..Input::default()
        })
        .collect();
    for themes in [ThemeCount::Auto, ThemeCount::Fixed(8)] {
        let report = analyze(&inputs, None, Options { themes, seed: 7 });
        assert_eq!(report.records.len(), inputs.len());
        for (record, input) in report.records.iter().zip(&inputs) {
            assert_eq!(record.id, input.id);
            assert!((-1.0..=1.0).contains(&record.sentiment), "{record:?}");
            assert!(record.theme_confidence.iter().all(|c| c.is_finite()));
            assert!(record.theme_sentiments.iter().all(|(_, s)| s.is_finite()));
        }
        assert!(!report.themes.is_empty(), "themes are found in {themes:?}");
        for theme in &report.themes {
            assert!(!theme.label.trim().is_empty(), "{theme:?}");
            assert!(theme.mean_sentiment.is_finite(), "{theme:?}");
        }
    }
}
