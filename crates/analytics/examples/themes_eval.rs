//! Theme discovery quality on BANKING77 (PolyAI, CC BY 4.0): 3,080 test-split customer
//! queries labelled with 77 intents. Discovers 77 themes in the test split — with the 10,003
//! training queries as unlabelled background text, as earlier records would be in a workspace —
//! and prints NMI and ARI against the intent labels, plus a few theme labels.
//!
//! cargo run --release -p throughline-analytics --example themes_eval -- ../shared/data/banking77
//! (add `--no-background` to learn from the test split alone, `--seed N` for another seed,
//! `--together` to analyse the test and training queries as one corpus, scored on the test
//! split; `--themes N|auto` for another number of themes than 77; `--multi` for multi-topic
//! comments: the test queries joined three to six at a time,
//! each of another intent, as a long review talks of several things — prints the largest
//! theme's share of the comments and how many of each comment's intents its themes find)

use std::path::PathBuf;
use std::time::Instant;

use throughline_analytics::metrics::{ari, nmi};
use throughline_analytics::themes::{DiscoverOptions, Discovery, ThemeCount, discover};

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
    let theme_count = match args
        .iter()
        .position(|a| a == "--themes")
        .and_then(|i| args.get(i + 1))
    {
        Some(n) if n == "auto" => ThemeCount::Auto,
        Some(n) => ThemeCount::Fixed(n.parse().expect("--themes N or auto")),
        None => ThemeCount::Fixed(77),
    };
    let test = read(&dir.join("test.csv"));
    if args.iter().any(|a| a == "--multi") {
        return multi_topic(&test, seed);
    }
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
            themes: theme_count,
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
        "BANKING77 test split: {} queries, {} themes, background: {} queries",
        texts.len(),
        discovery.themes.len(),
        background.len()
    );
    println!(
        "NMI {:.4}   ARI {:.4}   ({:.2} s)",
        nmi(&labels, &predicted),
        ari(&labels, &predicted),
        elapsed.as_secs_f64()
    );
    print_largest_themes(&discovery);
}

/// Multi-topic comments from single-topic queries: each comment is three to six queries of
/// distinct intents (a deterministic shuffle). Themes are discovered with the number chosen
/// from the data, as `analyze-file` does by default.
fn multi_topic(queries: &[(String, String)], seed: u64) {
    use throughline_analytics::rng::SplitMix64;
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..queries.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut comments: Vec<(String, Vec<&str>)> = Vec::new();
    let mut rest = order.as_slice();
    while !rest.is_empty() {
        let want = 3 + rng.below(4);
        let mut text = String::new();
        let mut intents: Vec<&str> = Vec::new();
        let mut taken = 0;
        for &q in rest.iter().take(want) {
            let (query, intent) = &queries[q];
            taken += 1;
            if intents.contains(&intent.as_str()) {
                continue;
            }
            let query = query.trim();
            text.push_str(query);
            if !query.ends_with(['.', '?', '!']) {
                text.push('.');
            }
            text.push(' ');
            intents.push(intent);
        }
        rest = &rest[taken..];
        comments.push((text, intents));
    }
    let texts: Vec<&str> = comments.iter().map(|(t, _)| t.as_str()).collect();
    let started = Instant::now();
    let discovery = discover(
        &texts,
        &[],
        DiscoverOptions {
            themes: ThemeCount::Auto,
            seed,
        },
    );
    let elapsed = started.elapsed();
    let mut with_theme = vec![0usize; discovery.themes.len()];
    for assigned in &discovery.assignments {
        for a in assigned {
            with_theme[a.theme] += 1;
        }
    }
    let largest = with_theme.iter().copied().max().unwrap_or(0);
    // An intent is found when one of the comment's themes is the theme most of that intent's
    // queries, analysed alone, would be given.
    let mut theme_of_intent: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (query, intent) in queries {
        if let Some(a) = discovery.model.assign(query).first() {
            theme_of_intent.entry(intent).or_default().push(a.theme);
        }
    }
    let usual = |intent: &str| -> Option<usize> {
        let themes = theme_of_intent.get(intent)?;
        let mut counts = vec![0usize; discovery.themes.len()];
        for &t in themes {
            counts[t] += 1;
        }
        (0..counts.len()).max_by_key(|&t| counts[t])
    };
    let (mut found, mut intents) = (0usize, 0usize);
    for ((_, wanted), assigned) in comments.iter().zip(&discovery.assignments) {
        for intent in wanted {
            intents += 1;
            if usual(intent).is_some_and(|t| assigned.iter().any(|a| a.theme == t)) {
                found += 1;
            }
        }
    }
    let themes_per_comment =
        discovery.assignments.iter().map(Vec::len).sum::<usize>() as f64 / comments.len() as f64;
    println!(
        "Multi-topic comments from the BANKING77 test split: {} comments of 3-6 intents, {} themes (chosen from the data)",
        comments.len(),
        discovery.themes.len()
    );
    println!(
        "largest theme: {:.1}% of comments   themes per comment {:.2}   intents found {:.1}%   ({:.2} s)",
        100.0 * largest as f64 / comments.len() as f64,
        themes_per_comment,
        100.0 * found as f64 / intents as f64,
        elapsed.as_secs_f64()
    );
    print_largest_themes(&discovery);
}

/// The eight largest themes: size, label, phrases.
fn print_largest_themes(discovery: &Discovery) {
    for theme in discovery.themes.iter().take(8) {
        println!(
            "  {:>4}  {:<32} {}",
            theme.size,
            theme.label,
            theme.phrases.join(" · ")
        );
    }
}
