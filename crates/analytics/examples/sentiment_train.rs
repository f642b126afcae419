//! Builds and evaluates the customer-experience sentiment model on tweets to airlines
//! (`../shared/data/airline_tweets_dev`: negative / neutral / positive by crowd workers).
//!
//! Evaluation, held out by company: for each airline, the model is trained and tuned on the
//! other two only — the L2 penalty and the label thresholds chosen by training on one of them
//! and scoring the other, both ways round — then trained on both and scored on the held-out
//! airline, beside VADER on the same tweets:
//!
//! cargo run --release -p throughline-analytics --example sentiment_train -- \
//!     ../shared/data/airline_tweets_dev/tweets_dev.csv
//!
//! The shipped model: the same choice made over all three airlines (each held out in turn),
//! then trained on all of them and written as the model file:
//!
//! cargo run --release -p throughline-analytics --example sentiment_train -- \
//!     ../shared/data/airline_tweets_dev/tweets_dev.csv --write crates/analytics/data/cx_sentiment/model.tsv

use std::collections::BTreeSet;

use throughline_analytics::sentiment::train::{
    Readings, TrainOptions, choose_thresholds, confusion, macro_f1, scores, train,
};
use throughline_analytics::sentiment::{Label, Model, vader_only};

const L2_GRID: [f64; 4] = [3e-4, 1e-3, 3e-3, 1e-2];

struct Tweets {
    texts: Vec<String>,
    labels: Vec<Label>,
    /// The labellers' agreement on the label (0–1): the weight of the tweet in training.
    confidence: Vec<f64>,
    airlines: Vec<String>,
}

fn read(path: &str) -> Tweets {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| {
        eprintln!("error: cannot read {path}: {e}");
        std::process::exit(1)
    });
    let headers = reader.headers().expect("a header row").clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).unwrap_or_else(|| {
            eprintln!("error: {path} has no column '{name}'");
            std::process::exit(1)
        })
    };
    let (sentiment, confidence, airline, text) = (
        column("airline_sentiment"),
        column("airline_sentiment_confidence"),
        column("airline"),
        column("text"),
    );
    let mut tweets = Tweets {
        texts: Vec::new(),
        labels: Vec::new(),
        confidence: Vec::new(),
        airlines: Vec::new(),
    };
    for (i, record) in reader.records().enumerate() {
        let record = record.unwrap_or_else(|e| {
            eprintln!("error: {path}, record {}: {e}", i + 2);
            std::process::exit(1)
        });
        let Some(label) = Label::parse(&record[sentiment]) else {
            eprintln!(
                "error: {path}, record {}: unknown sentiment '{}'",
                i + 2,
                &record[sentiment]
            );
            std::process::exit(1)
        };
        tweets.texts.push(record[text].to_owned());
        tweets.labels.push(label);
        let weight = record[confidence].parse::<f64>().unwrap_or(1.0);
        tweets.confidence.push(weight.clamp(0.0, 1.0));
        tweets.airlines.push(record[airline].to_owned());
    }
    tweets
}

/// The L2 penalty and thresholds chosen on `groups` (row sets of companies), each held out in
/// turn: the penalty whose out-of-group scores give the best macro-F1 at their best thresholds.
fn tune(
    readings: &Readings,
    labels: &[Label],
    confidence: &[f64],
    groups: &[Vec<usize>],
) -> (TrainOptions, f64, f64, f64) {
    let mut best: Option<(f64, TrainOptions, f64, f64)> = None;
    for l2 in L2_GRID {
        let options = TrainOptions {
            l2,
            ..TrainOptions::default()
        };
        let mut held_scores = Vec::new();
        let mut held_labels = Vec::new();
        for (g, held) in groups.iter().enumerate() {
            let rows: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|&(h, _)| h != g)
                .flat_map(|(_, rows)| rows.iter().copied())
                .collect();
            let model = train(readings, labels, confidence, &rows, &options);
            held_scores.extend(scores(&model, readings, held));
            held_labels.extend(held.iter().map(|&r| labels[r]));
        }
        let (neg, pos) = choose_thresholds(&held_scores, &held_labels);
        let predicted: Vec<Label> = held_scores
            .iter()
            .map(|&s| Label::cut(s, neg, pos))
            .collect();
        let f1 = macro_f1(&predicted, &held_labels);
        eprintln!(
            "    l2 {l2:.0e}: macro-F1 held out within the training companies {f1:.3} (thresholds {neg:.2}, {pos:.2})"
        );
        if best.as_ref().is_none_or(|b| f1 > b.0) {
            best = Some((f1, options, neg, pos));
        }
    }
    let (f1, options, neg, pos) = best.expect("a grid");
    (options, neg, pos, f1)
}

fn print_confusion(name: &str, predicted: &[Label], gold: &[Label]) {
    let m = confusion(predicted, gold);
    println!("    {name}: gold \\ predicted   negative  neutral  positive");
    for (g, row) in ["negative", "neutral", "positive"].iter().zip(m) {
        println!("      {g:<10} {:>22} {:>8} {:>9}", row[0], row[1], row[2]);
    }
}

fn accuracy(predicted: &[Label], gold: &[Label]) -> f64 {
    predicted.iter().zip(gold).filter(|(p, g)| p == g).count() as f64 / gold.len() as f64
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .cloned()
        .unwrap_or_else(|| "../shared/data/airline_tweets_dev/tweets_dev.csv".to_owned());
    let write = args
        .iter()
        .position(|a| a == "--write")
        .map(|i| args.get(i + 1).cloned().expect("--write PATH"));
    let tweets = read(&path);
    let texts: Vec<&str> = tweets.texts.iter().map(String::as_str).collect();
    let readings = Readings::of(&texts);
    let companies: Vec<String> = tweets
        .airlines
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rows_of = |company: &str| -> Vec<usize> {
        (0..texts.len())
            .filter(|&i| tweets.airlines[i] == company)
            .collect()
    };

    if let Some(out) = write {
        let groups: Vec<Vec<usize>> = companies.iter().map(|c| rows_of(c)).collect();
        eprintln!(
            "choosing the penalty and thresholds, each of {} companies held out in turn",
            groups.len()
        );
        let (options, neg, pos, f1) = tune(&readings, &tweets.labels, &tweets.confidence, &groups);
        let all: Vec<usize> = (0..texts.len()).collect();
        let mut model = train(
            &readings,
            &tweets.labels,
            &tweets.confidence,
            &all,
            &options,
        );
        model.negative = neg;
        model.positive = pos;
        let header = format!(
            "Throughline customer-experience sentiment model (crates/analytics/src/sentiment/model.rs).\n\
             Trained by examples/sentiment_train.rs on {} labelled tweets to {} airlines\n\
             (../shared/data/airline_tweets_dev, CC BY-NC-SA 4.0; see data/cx_sentiment/README.md).\n\
             L2 penalty {:.0e}, words and pairs held by at least {} tweets, {} Adam steps;\n\
             thresholds chosen on scores of companies held out in turn (macro-F1 {:.3} there).\n\
             Columns: kind, key, weight for negative, neutral, positive.",
            texts.len(),
            companies.len(),
            options.l2,
            options.min_count,
            options.iterations,
            f1
        );
        std::fs::write(&out, model.to_tsv(&header)).unwrap_or_else(|e| {
            eprintln!("error: cannot write {out}: {e}");
            std::process::exit(1)
        });
        // The file must read back as the model it was written from.
        let text = std::fs::read_to_string(&out).expect("just written");
        Model::from_tsv(&text).expect("the written model reads back");
        println!(
            "wrote {out}: {} words and pairs, thresholds {neg:.2} / {pos:.2}",
            model.sparse_len()
        );
        return;
    }

    println!(
        "Sentiment held out by company ({path}): trained and tuned on two airlines, scored on the third"
    );
    let mut f1s = Vec::new();
    for held in &companies {
        let held_rows = rows_of(held);
        let groups: Vec<Vec<usize>> = companies
            .iter()
            .filter(|c| *c != held)
            .map(|c| rows_of(c))
            .collect();
        eprintln!("held out: {held}");
        let (options, neg, pos, _) = tune(&readings, &tweets.labels, &tweets.confidence, &groups);
        let train_rows: Vec<usize> = groups.concat();
        let model = train(
            &readings,
            &tweets.labels,
            &tweets.confidence,
            &train_rows,
            &options,
        );
        let held_scores = scores(&model, &readings, &held_rows);
        let ours: Vec<Label> = held_scores
            .iter()
            .map(|&s| Label::cut(s, neg, pos))
            .collect();
        let gold: Vec<Label> = held_rows.iter().map(|&r| tweets.labels[r]).collect();
        let vader: Vec<Label> = held_rows
            .iter()
            .map(|&r| vader_only(texts[r]).label)
            .collect();
        let f1 = macro_f1(&ours, &gold);
        f1s.push(f1);
        println!(
            "  {held} ({} tweets; l2 {:.0e}, thresholds {neg:.2} / {pos:.2}): macro-F1 {f1:.3} (VADER {:.3}), accuracy {:.1}% (VADER {:.1}%)",
            held_rows.len(),
            options.l2,
            macro_f1(&vader, &gold),
            100.0 * accuracy(&ours, &gold),
            100.0 * accuracy(&vader, &gold),
        );
        print_confusion("Throughline", &ours, &gold);
        print_confusion("VADER", &vader, &gold);
    }
    let min = f1s.iter().copied().fold(f64::INFINITY, f64::min);
    let mean = f1s.iter().sum::<f64>() / f1s.len() as f64;
    println!("macro-F1 held out: mean {mean:.3}, lowest {min:.3}");
}
