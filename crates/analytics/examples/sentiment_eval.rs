//! Sentiment quality on the VADER ground truth (Hutto & Gilbert 2014): four corpora of texts,
//! each with the mean of about twenty human ratings (−4 … +4). For VADER alone and for
//! Throughline (VADER + the customer-experience layer) it prints the Spearman correlation with
//! the human means and the 3-class accuracy (negative / neutral / positive, with the human
//! classes cut at ±0.05 as in the dataset's documentation).
//!
//! cargo run --release -p throughline-analytics --example sentiment_eval -- ../shared/data/vader_groundtruth

use std::path::PathBuf;

use throughline_analytics::sentiment::{Label, Sentiment, sentiment, vader_only};

const CORPORA: [(&str, &str); 4] = [
    ("tweets", "tweets_GroundTruth.txt"),
    ("amazon reviews", "amazonReviewSnippets_GroundTruth.txt"),
    ("movie reviews", "movieReviewSnippets_GroundTruth.txt"),
    ("NYT editorials", "nytEditorialSnippets_GroundTruth.txt"),
];

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/data/vader_groundtruth".to_owned()),
    );
    println!("Sentiment against human ratings ({})", dir.display());
    println!(
        "{:<16} {:>6}   {:>16} {:>16}   {:>16} {:>16}",
        "corpus", "n", "Spearman VADER", "Spearman ours", "3-class VADER", "3-class ours"
    );
    for (name, file) in CORPORA {
        let path = dir.join(file);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) => {
                eprintln!("error: cannot read {}: {err}", path.display());
                std::process::exit(1);
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let rows: Vec<(f64, &str)> = text
            .lines()
            .filter_map(|line| {
                let mut parts = line.trim_end_matches('\r').splitn(3, '\t');
                let _id = parts.next()?;
                let mean: f64 = parts.next()?.trim().parse().ok()?;
                Some((mean, parts.next()?))
            })
            .collect();
        let human: Vec<f64> = rows.iter().map(|(m, _)| *m).collect();
        let score = |f: fn(&str) -> Sentiment| -> Vec<Sentiment> {
            rows.iter().map(|(_, t)| f(t)).collect()
        };
        let (vader, ours) = (score(vader_only), score(sentiment));
        let report = |s: &[Sentiment]| {
            let scores: Vec<f64> = s.iter().map(|x| x.score).collect();
            let correct = s
                .iter()
                .zip(&human)
                .filter(|(x, h)| x.label == Label::cut(**h, -0.05, 0.05))
                .count();
            (spearman(&scores, &human), correct as f64 / s.len() as f64)
        };
        let (v_rho, v_acc) = report(&vader);
        let (o_rho, o_acc) = report(&ours);
        println!(
            "{name:<16} {:>6}   {v_rho:>16.4} {o_rho:>16.4}   {:>15.1}% {:>15.1}%",
            rows.len(),
            100.0 * v_acc,
            100.0 * o_acc
        );
    }
}

/// Spearman's rank correlation, ties given their average rank.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        cov += (x - ma) * (y - mb);
        va += (x - ma).powi(2);
        vb += (y - mb).powi(2);
    }
    cov / (va * vb).sqrt()
}

fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}
