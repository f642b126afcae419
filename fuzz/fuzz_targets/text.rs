//! The text pipeline on one comment: redaction, sentiment (the record's and each sentence's,
//! with the sentences' spans inside the text) and the passages themes are found among. Every
//! score must stay in [-1, 1], every span on the text's character boundaries.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let redacted = throughline_analytics::redact::redact(text);
    let (record, sentences) = throughline_analytics::sentiment::sentiment_and_sentences(&redacted);
    assert!((-1.0..=1.0).contains(&record.score), "{}", record.score);
    for sentence in sentences {
        assert!((-1.0..=1.0).contains(&sentence.score), "{}", sentence.score);
        assert!(
            redacted.get(sentence.span.clone()).is_some(),
            "{:?}",
            sentence.span
        );
    }
    for passage in throughline_analytics::themes::passages::passages(text) {
        assert!(text.get(passage.clone()).is_some(), "{passage:?}");
    }
});
