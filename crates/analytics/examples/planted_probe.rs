//! Does theme discovery find one theme per planted issue? Runs the whole analysis on the demo's
//! planted data (the records `throughline demo` imports: 3,000, seed 42, themes from the data)
//! and prints each theme with the planted issues of the records it leads, then the Top Ten with
//! the planted issue each entry stands for, how many distinct issues it names, and the NMI of
//! the first theme against the first planted issue. The result is in docs/analytics.md ("One
//! theme per issue").
//!
//! cargo run --release -p throughline-analytics --example planted_probe -- [RECORDS] [SEED] [THEMES|auto]

use std::collections::HashMap;

use throughline_analytics::report::{Input, Options, analyze};
use throughline_analytics::synthetic::{self, Generator};
use throughline_analytics::themes::ThemeCount;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let records = args.get(1).map_or(3000, |a| a.parse().expect("records"));
    let seed = args.get(2).map_or(42, |a| a.parse().expect("seed"));
    let themes = match args.get(3).map(String::as_str) {
        None | Some("auto") => ThemeCount::Auto,
        Some(k) => ThemeCount::Fixed(k.parse().expect("themes")),
    };
    let data: Vec<_> = Generator::new(synthetic::Options {
        records,
        seed,
        spike: true,
        shifts: true,
    })
    .collect();
    let inputs: Vec<Input> = data.iter().map(Input::from_synthetic).collect();
    let report = analyze(&inputs, None, Options { themes, seed: 42 });
    // Per theme, the planted issues of the records it leads.
    let mut led: HashMap<&str, HashMap<&str, usize>> = HashMap::new();
    for (record, truth) in report.records.iter().zip(&data) {
        if let Some(first) = record.themes.first() {
            let counts = led.entry(first.as_str()).or_default();
            for key in &truth.themes {
                *counts.entry(key).or_default() += 1;
            }
            if truth.themes.is_empty() {
                *counts.entry("(none)").or_default() += 1;
            }
        }
    }
    let planted_of = |theme: &str| -> (&str, f64) {
        let counts = &led[theme];
        let total: usize = counts.values().sum();
        let (key, n) = counts
            .iter()
            .max_by_key(|(k, n)| (**n, std::cmp::Reverse(**k)))
            .map_or(("", 0), |(k, n)| (*k, *n));
        (key, n as f64 / total.max(1) as f64)
    };
    println!("{} themes", report.themes.len());
    let mut per_issue: HashMap<&str, usize> = HashMap::new();
    for theme in &report.themes {
        if !led.contains_key(theme.id.as_str()) {
            continue;
        }
        let (issue, share) = planted_of(&theme.id);
        *per_issue.entry(issue).or_default() += 1;
        println!(
            "  {:>5} {:<40} {:<28} {:.0}%",
            theme.count,
            theme.label,
            issue,
            share * 100.0
        );
    }
    let mut split: Vec<_> = per_issue.into_iter().filter(|(_, n)| *n > 1).collect();
    split.sort();
    println!("issues led by several themes: {split:?}");
    println!("Top Ten:");
    let mut named: Vec<&str> = Vec::new();
    for entry in &report.summary.top_ten {
        let (issue, share) = planted_of(&entry.theme);
        let effect = synthetic::THEMES
            .iter()
            .find(|t| t.key == issue)
            .map_or(0.0, |t| t.nps_effect);
        println!(
            "  {:>2} {:<40} {:<28} {:.0}% (planted {effect:+.1}, cost {:.2})",
            entry.rank,
            entry.label,
            issue,
            share * 100.0,
            entry.cost
        );
        if !named.contains(&issue) {
            named.push(issue);
        }
    }
    println!(
        "distinct issues in the Top Ten: {} of {}",
        named.len(),
        report.summary.top_ten.len()
    );
    let (found, truth): (Vec<&str>, Vec<&str>) = report
        .records
        .iter()
        .zip(&data)
        .filter_map(|(r, t)| Some((r.themes.first()?.as_str(), *t.themes.first()?)))
        .unzip();
    println!(
        "NMI first theme / first planted issue: {:.4}",
        throughline_analytics::metrics::nmi(&found, &truth)
    );
}
