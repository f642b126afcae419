//! Would the semantic prior join rewordings of one issue? Discovers themes (on the demo's planted
//! data, BANKING77's test split or negative airline tweets), gives each theme the mean prior
//! vector of its passages, and lists the nearest pairs of themes with whether the two are one
//! planted theme / intent / complaint reason (by majority), plus how many pairs a z-score rule
//! (a pair's similarity against each theme's similarities to all others) would join rightly and
//! wrongly at each threshold. The result is in docs/analytics.md ("One theme per issue").
//!
//! cargo run --release -p throughline-analytics --example merge_probe -- synthetic|banking|airline [N|auto]

use std::collections::HashMap;

use throughline_analytics::prior::prior;
use throughline_analytics::synthetic::{Generator, Options};
use throughline_analytics::text::tokens;
use throughline_analytics::themes::{DiscoverOptions, ThemeCount, discover};

fn csv_rows(path: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    r.records().map(|x| x.expect("row")).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (texts, labels): (Vec<String>, Vec<Vec<String>>) = match args[1].as_str() {
        "synthetic" => Generator::new(Options {
            records: 3000,
            seed: 7,
            spike: true,
            shifts: true,
        })
        .filter_map(|r| {
            let c = r.comment.clone()?;
            Some((c, r.themes.iter().map(|t| t.to_string()).collect()))
        })
        .unzip(),
        "banking" => csv_rows("../shared/data/banking77/test.csv")
            .into_iter()
            .map(|r| (r[0].to_string(), vec![r[1].to_string()]))
            .unzip(),
        _ => csv_rows("../shared/data/airline_tweets_dev/tweets_dev.csv")
            .into_iter()
            .filter(|r| &r[1] == "negative")
            .map(|r| (r[10].to_string(), vec![r[3].to_string()]))
            .unzip(),
    };
    let themes = match args.get(2).map(String::as_str) {
        None | Some("auto") => ThemeCount::Auto,
        Some(k) => ThemeCount::Fixed(k.parse().unwrap()),
    };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let d = discover(&refs, &[], DiscoverOptions { themes, seed: 42 });
    let k = d.themes.len();
    // idf over texts
    let mut df: HashMap<String, f64> = HashMap::new();
    for t in &texts {
        let mut seen: Vec<String> = tokens(t).collect();
        seen.sort();
        seen.dedup();
        for w in seen {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let n = texts.len() as f64;
    let p = prior();
    let dims = p.dims();
    let vec_of = |text: &str| -> Option<Vec<f64>> {
        let mut v = vec![0.0; dims];
        let mut any = false;
        let mut pieces = Vec::new();
        for w in tokens(text) {
            if throughline_analytics::text::is_stopword(&w) {
                continue;
            }
            pieces.clear();
            p.pieces(&w, &mut pieces);
            if pieces.is_empty() {
                continue;
            }
            let idf = (n / df.get(&w).copied().unwrap_or(1.0)).ln() + 1.0;
            let mut wv = vec![0.0; dims];
            for &id in &pieces {
                for (a, &b) in wv.iter_mut().zip(p.vector(id)) {
                    *a += b as f64;
                }
            }
            let norm = wv.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-9);
            for (a, b) in v.iter_mut().zip(&wv) {
                *a += idf * b / norm;
            }
            any = true;
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        (any && norm > 0.0).then(|| v.into_iter().map(|x| x / norm).collect())
    };
    // PROBE_ENCODER=1: each part's meaning from the sentence encoder instead of the prior.
    let use_encoder = std::env::var("PROBE_ENCODER").is_ok();
    let dims = if use_encoder {
        throughline_analytics::encoder::DIMS
    } else {
        dims
    };
    let mut all_parts: Vec<String> = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        if d.passages[i].is_empty() {
            all_parts.push(text.clone());
        } else {
            for p in &d.passages[i] {
                all_parts.push(text[p.range.clone()].to_string());
            }
        }
    }
    let mut encoded: HashMap<String, Vec<f64>> = HashMap::new();
    if use_encoder {
        let mut distinct: Vec<&str> = all_parts.iter().map(String::as_str).collect();
        distinct.sort();
        distinct.dedup();
        let e = throughline_analytics::encoder::encoder().encode(&distinct);
        for (t, v) in distinct.iter().zip(e) {
            let norm = v
                .iter()
                .map(|x| (*x as f64).powi(2))
                .sum::<f64>()
                .sqrt()
                .max(1e-9);
            encoded.insert(t.to_string(), v.iter().map(|&x| x as f64 / norm).collect());
        }
    }
    let vec_of = |text: &str| -> Option<Vec<f64>> {
        if use_encoder {
            encoded.get(text).cloned()
        } else {
            vec_of(text)
        }
    };
    let mut cent = vec![vec![0.0; dims]; k];
    let mut counts: Vec<HashMap<String, usize>> = vec![HashMap::new(); k];
    for (i, text) in texts.iter().enumerate() {
        let parts: Vec<(String, Vec<usize>)> = if d.passages[i].is_empty() {
            match d.assignments[i].first() {
                Some(a) => vec![(text.clone(), vec![a.theme])],
                None => vec![],
            }
        } else {
            d.passages[i]
                .iter()
                .map(|p| (text[p.range.clone()].to_string(), p.themes.clone()))
                .collect()
        };
        for (part, ts) in parts {
            if let (Some(v), Some(&t)) = (vec_of(&part), ts.first()) {
                for (a, b) in cent[t].iter_mut().zip(&v) {
                    *a += b;
                }
            }
        }
        if let Some(a) = d.assignments[i].first() {
            for l in &labels[i] {
                *counts[a.theme].entry(l.clone()).or_default() += 1;
            }
        }
    }
    for c in &mut cent {
        let norm = c.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-9);
        c.iter_mut().for_each(|x| *x /= norm);
    }
    let major: Vec<String> = counts
        .iter()
        .map(|c| {
            c.iter()
                .max_by_key(|(l, n)| (**n, std::cmp::Reverse((*l).clone())))
                .map(|(l, _)| l.clone())
                .unwrap_or_default()
        })
        .collect();
    let sim = |a: usize, b: usize| {
        cent[a]
            .iter()
            .zip(&cent[b])
            .map(|(x, y)| x * y)
            .sum::<f64>()
    };
    let mut pairs = Vec::new();
    for a in 0..k {
        for b in a + 1..k {
            pairs.push((sim(a, b), a, b));
        }
    }
    // z-score of each pair relative to both clusters' similarity distributions
    let stats: Vec<(f64, f64)> = (0..k)
        .map(|a| {
            let s: Vec<f64> = (0..k).filter(|&b| b != a).map(|b| sim(a, b)).collect();
            let m = s.iter().sum::<f64>() / s.len() as f64;
            let sd = (s.iter().map(|x| (x - m).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
            (m, sd)
        })
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{k} themes");
    for (t, theme_counts) in counts.iter().enumerate() {
        let mut c: Vec<(&String, &usize)> = theme_counts.iter().collect();
        c.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mix: Vec<String> = c.iter().take(3).map(|(l, n)| format!("{l}:{n}")).collect();
        println!(
            "  {t:>3} {:>5} {:<34} {}",
            d.themes[t].size,
            d.themes[t].label,
            mix.join(" ")
        );
    }
    for t in [0.6f64, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9] {
        let (mut same, mut diff) = (0, 0);
        for (s, a, b) in &pairs {
            if *s >= t {
                if major[*a] == major[*b] {
                    same += 1
                } else {
                    diff += 1
                }
            }
        }
        println!("cosine >= {t}: {same} same, {diff} different");
    }
    for t in [1.0f64, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2] {
        let (mut same, mut diff) = (0, 0);
        for (s, a, b) in &pairs {
            let z = ((s - stats[*a].0) / stats[*a].1).min((s - stats[*b].0) / stats[*b].1);
            if z >= t {
                if major[*a] == major[*b] {
                    same += 1
                } else {
                    diff += 1
                }
            }
        }
        println!("min z >= {t}: {same} same, {diff} different");
    }
    for (s, a, b) in pairs.iter().take(40) {
        let za = (s - stats[*a].0) / stats[*a].1;
        let zb = (s - stats[*b].0) / stats[*b].1;
        println!(
            "{s:.3} z {za:.1}/{zb:.1} {} | {a} {} [{}] | {b} {} [{}]",
            if major[*a] == major[*b] {
                "SAME"
            } else {
                "    "
            },
            d.themes[*a].label,
            major[*a],
            d.themes[*b].label,
            major[*b]
        );
    }
}
