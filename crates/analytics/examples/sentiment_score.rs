//! Scores each line of standard input with the shipped sentiment model, beside VADER:
//!
//! echo "Why is the site down?" | cargo run --release -p throughline-analytics --example sentiment_score

use std::io::BufRead;

use throughline_analytics::sentiment::{sentences, sentiment, vader_only};

fn main() {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let ours = sentiment(&line);
        let vader = vader_only(&line);
        println!(
            "{:>7.3} {:<8}  VADER {:>7.3} {:<8}  {line}",
            ours.score,
            ours.label.as_str(),
            vader.score,
            vader.label.as_str()
        );
        let split = sentences(&line);
        if split.len() > 1 {
            for s in split {
                println!(
                    "    {:>7.3} {:<8}  {}",
                    s.sentiment.score,
                    s.sentiment.label.as_str(),
                    s.text
                );
            }
        }
    }
}
