//! Sentiment speed on the distinct texts of a CSV's `comment` column (first column named so):
//! cargo run --release -p throughline-analytics --example sentiment_speed -- FILE.csv
use std::collections::HashSet;
use std::time::Instant;

use rayon::prelude::*;
use throughline_analytics::sentiment::{sentiment, vader_only};

fn main() {
    let path = std::env::args().nth(1).expect("FILE.csv");
    let mut reader = csv::Reader::from_path(&path).expect("a CSV");
    let column = reader
        .headers()
        .expect("headers")
        .iter()
        .position(|h| h == "comment" || h == "text")
        .expect("a comment or text column");
    let mut seen = HashSet::new();
    let texts: Vec<String> = reader
        .records()
        .filter_map(|r| r.ok().map(|r| r[column].to_owned()))
        .filter(|t| seen.insert(t.clone()))
        .collect();
    let _ = sentiment("warm up the model");
    let start = Instant::now();
    let ours: f64 = texts.par_iter().map(|t| sentiment(t).score).sum();
    let ours_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let vader: f64 = texts.par_iter().map(|t| vader_only(t).score).sum();
    let vader_s = start.elapsed().as_secs_f64();
    println!(
        "{} distinct texts: Throughline {ours_s:.3} s, VADER alone {vader_s:.3} s (sums {ours:.1}, {vader:.1})",
        texts.len()
    );
}
