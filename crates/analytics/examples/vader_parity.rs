//! The fast VADER scorer (`sentiment::vader`) against `vader-parity` on real text: every distinct
//! text in the given files (each field of a CSV file; each line of any other file, and each of
//! its tab-separated fields), and each sentence of them. Prints how many texts took the fast
//! path and every one whose compound differs; exits 1 if any does.
//!
//! cargo run --release -p throughline-analytics --example vader_parity -- \
//!     ../shared/data/vader_groundtruth/*.txt ../shared/data/banking77/*.csv

use std::collections::HashSet;
use std::time::Instant;

use throughline_analytics::sentiment::{sentences, vader};
use vader_parity::SentimentIntensityAnalyzer;

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: vader_parity FILE...");
        std::process::exit(2);
    }
    let mut texts: HashSet<String> = HashSet::new();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap_or_else(|err| {
            eprintln!("error: cannot read {path}: {err}");
            std::process::exit(2);
        });
        if path.ends_with(".csv") {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes.as_slice());
            for record in reader.byte_records().flatten() {
                texts.extend(
                    record
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned()),
                );
            }
        } else {
            for line in String::from_utf8_lossy(&bytes).lines() {
                texts.insert(line.to_owned());
                texts.extend(line.split('\t').map(str::to_owned));
            }
        }
    }
    let whole: Vec<String> = texts.iter().cloned().collect();
    for text in &whole {
        texts.extend(sentences(text).into_iter().map(|s| s.text));
    }
    let mut texts: Vec<String> = texts.into_iter().collect();
    texts.sort();

    let reference = SentimentIntensityAnalyzer::new();
    let (mut fast, mut differ) = (0usize, 0usize);
    let started = Instant::now();
    let ours: Vec<Option<f64>> = texts.iter().map(|t| vader::compound(t)).collect();
    let ours_time = started.elapsed();
    let started = Instant::now();
    let theirs: Vec<f64> = texts
        .iter()
        .map(|t| reference.polarity_scores(t).compound)
        .collect();
    let theirs_time = started.elapsed();
    for ((text, ours), theirs) in texts.iter().zip(&ours).zip(&theirs) {
        if let Some(ours) = ours {
            fast += 1;
            if ours.to_bits() != theirs.to_bits() {
                differ += 1;
                if differ <= 20 {
                    println!("DIFFERS {text:?}: fast {ours}, vader-parity {theirs}");
                }
            }
        }
    }
    println!(
        "{} distinct texts from {} files: {fast} on the fast path, {differ} differ from \
         vader-parity; {} left to vader-parity (not ASCII). Time: fast {:.0} ms, vader-parity {:.0} ms.",
        texts.len(),
        paths.len(),
        texts.len() - fast,
        ours_time.as_secs_f64() * 1000.0,
        theirs_time.as_secs_f64() * 1000.0,
    );
    if differ > 0 {
        std::process::exit(1);
    }
}
