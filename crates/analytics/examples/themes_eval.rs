//! Theme discovery quality on BANKING77 (PolyAI, CC BY 4.0): 3,080 test-split customer
//! queries labelled with 77 intents. Discovers 77 themes in the test split — with the 10,003
//! training queries as unlabelled background text, as earlier records would be in a workspace —
//! and prints NMI and ARI against the intent labels, plus a few theme labels.
//!
//! cargo run --release -p throughline-analytics --example themes_eval -- ../shared/data/banking77
//! (add `--no-background` to learn from the test split alone, `--seed N` for another seed,
//! `--together` to analyse the test and training queries as one corpus, scored on the test
//! split)

use std::path::PathBuf;
use std::time::Instant;

use throughline_analytics::metrics::{ari, nmi};
use throughline_analytics::themes::{DiscoverOptions, ThemeCount, discover};

fn read(path: &PathBuf) -> Vec<(String, String)> {
    let mut reader = csv_rows(path);
    reader.remove(0);
    reader
        .into_iter()
        .filter_map(|mut row| {
            let category = row.pop()?;
            let text = row.join(",");
            Some((text, category))
        })
        .collect()
}

/// A minimal CSV reader for the two-column files (quoted text, bare category).
fn csv_rows(path: &PathBuf) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("error: cannot read {}: {e}", path.display());
        std::process::exit(1)
    });
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.iter()
            .find(|a| a.contains('/'))
            .cloned()
            .unwrap_or_else(|| "../shared/data/banking77".to_owned()),
    );
    let use_background = !args.iter().any(|a| a == "--no-background");
    let together = args.iter().any(|a| a == "--together");
    let seed: u64 = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(42);
    let test = read(&dir.join("test.csv"));
    let train = read(&dir.join("train.csv"));
    let mut texts: Vec<&str> = test.iter().map(|(t, _)| t.as_str()).collect();
    let labels: Vec<&str> = test.iter().map(|(_, c)| c.as_str()).collect();
    if together {
        texts.extend(train.iter().map(|(t, _)| t.as_str()));
    }
    let background: Vec<&str> = if use_background && !together {
        train.iter().map(|(t, _)| t.as_str()).collect()
    } else {
        Vec::new()
    };
    let started = Instant::now();
    let discovery = discover(
        &texts,
        &background,
        DiscoverOptions {
            themes: ThemeCount::Fixed(77),
            seed,
        },
    );
    let elapsed = started.elapsed();
    let predicted: Vec<usize> = discovery
        .assignments
        .iter()
        .take(labels.len())
        .map(|a| a.first().map_or(usize::MAX, |a| a.theme))
        .collect();
    println!(
        "BANKING77 test split: {} queries, 77 themes, background: {} queries",
        texts.len(),
        background.len()
    );
    println!(
        "NMI {:.4}   ARI {:.4}   ({:.2} s)",
        nmi(&labels, &predicted),
        ari(&labels, &predicted),
        elapsed.as_secs_f64()
    );
    for theme in discovery.themes.iter().take(8) {
        println!(
            "  {:>4}  {:<32} {}",
            theme.size,
            theme.label,
            theme.phrases.join(" · ")
        );
    }
}
