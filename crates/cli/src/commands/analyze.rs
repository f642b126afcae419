//! `throughline analyze`: the workspace's stored feedback analysed and the results stored
//! (themes, record analyses, aggregates, the Top Ten); `throughline analyze-file`: one-shot
//! analysis of a feedback file, without a workspace, written as `records.jsonl`, `themes.json`
//! and `summary.json` (format: docs/analysis-output.md).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::command_line;
use super::import::FileArgs;
use super::org::read_org_file;
use anyhow::Context;
use clap::Args;
use throughline_analytics::report::{Input, Options, Report, analyze};
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_analytics::themes::ThemeCount;
use throughline_analytics::timing;
use throughline_ingest::pipeline::read_file;
use throughline_service::analysis::{AnalyzeOptions, Mode, analyze as analyze_workspace};

use super::open_store;
use super::themes::print_top_ten;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Discover the themes afresh from all records (themes found again keep their ids and the
    /// labels people gave them). Without it, only records added since the last run are
    /// analysed, with the saved themes.
    #[arg(long)]
    rediscover: bool,
    /// How many themes a discovery looks for, or `auto` to let the data decide.
    #[arg(long, default_value = "auto", value_name = "N|auto")]
    themes: String,
    /// The random seed of a discovery: the same records and seed give the same themes.
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// Print one JSON object (what the run did and the summary) and nothing else.
    #[arg(long)]
    json: bool,
    /// Ask a worker to run it (the server's, or `throughline worker`) instead of running it
    /// here; prints the job (`throughline jobs show ID` follows it). Asking while an analysis
    /// waits or runs answers that one.
    #[arg(long, conflicts_with_all = ["themes", "seed"])]
    queue: bool,
}

pub async fn analyze_stored(url: &str, args: AnalyzeArgs) -> anyhow::Result<()> {
    if args.queue {
        let store = open_store(url).await?;
        let asked =
            throughline_service::jobs::request_analysis(&store, command_line(), args.rediscover)
                .await;
        store.close().await;
        let (job, new) = asked?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&job)?);
        } else if new {
            println!(
                "Asked for job {}: a worker will run the analysis (`throughline jobs show {}`).",
                job.id, job.id
            );
        } else {
            println!(
                "Job {} already asks for it ({}): `throughline jobs show {}`.",
                job.id,
                job.status.as_str(),
                job.id
            );
        }
        return Ok(());
    }
    let options = AnalyzeOptions {
        rediscover: args.rediscover,
        themes: theme_count(&args.themes)?,
        seed: args.seed,
    };
    let store = open_store(url).await?;
    let outcome = analyze_workspace(&store, options).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(());
    }
    let what = match outcome.mode {
        Mode::Discover => format!(
            "Discovered {} themes in {} records and saved them as the codebook.",
            outcome.themes, outcome.total
        ),
        Mode::Rediscover => format!(
            "Rediscovered the themes of {} records: {} themes, {} found again (same ids), {} new, \
             {} earlier themes retired.",
            outcome.total,
            outcome.themes,
            outcome.kept_themes,
            outcome.new_themes,
            outcome.retired_themes
        ),
        Mode::Incremental | Mode::Edit => format!(
            "Analysed {} new records with the saved themes ({} records in all, {} themes).",
            outcome.analysed, outcome.total, outcome.themes
        ),
    };
    println!("{what}");
    let s = &outcome.summary;
    println!(
        "Sentiment: {} negative, {} neutral, {} positive. {} of {} records placed on a stage.",
        s.sentiment.negative, s.sentiment.neutral, s.sentiment.positive, s.placed, s.records
    );
    print_scores(s);
    print_top_ten(&throughline_service::themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE).await?);
    for spike in &s.spikes {
        println!(
            "Spike: \"{}\" in {}: {} records where {:.0} were expected (p = {:.1e})",
            spike.label, spike.period, spike.count, spike.expected, spike.p_value
        );
    }
    println!("See the themes: throughline themes list");
    store.close().await;
    Ok(())
}

/// The overall scores with their intervals, one line each.
pub fn print_scores(summary: &throughline_analytics::report::Summary) {
    let s = &summary.scores;
    // (name, estimate, decimals, unit)
    let lines = [
        ("NPS", &s.nps, 0, ""),
        ("CSAT", &s.csat, 0, "% satisfied"),
        ("CES", &s.ces, 2, ""),
        ("Rating", &s.rating, 2, ""),
    ];
    for (name, estimate, decimals, unit) in lines {
        if let Some(e) = estimate {
            let u = unit.trim_end_matches(" satisfied");
            let [value, low, high] = [e.value, e.low, e.high].map(|v| fixed(v, decimals));
            println!(
                "  {name} {value}{unit} (95% interval {low}{u} to {high}{u}, {} answers)",
                e.n
            );
        }
    }
}

/// `v` with `decimals` decimals, never "-0": an NPS of −0.3 reads as 0, not as a negative zero.
fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => text,
    }
}

fn theme_count(text: &str) -> anyhow::Result<ThemeCount> {
    Ok(match text.trim() {
        "auto" => ThemeCount::Auto,
        n => match n.parse::<usize>() {
            Ok(k) if k >= 1 => ThemeCount::Fixed(k),
            _ => anyhow::bail!("--themes {n:?}: give a number of themes (1 or more) or auto"),
        },
    })
}

#[derive(Debug, Args)]
pub struct AnalyzeFileArgs {
    /// Read as `throughline import` reads it.
    #[command(flatten)]
    input: FileArgs,
    /// An organisation file, for stage vocabularies and stage names.
    #[arg(long, value_name = "ORG.toml")]
    org: Option<PathBuf>,
    /// How many themes to find, or `auto` to let the data decide.
    #[arg(long, default_value = "auto", value_name = "N|auto")]
    themes: String,
    /// The random seed: the same input and seed give the same output.
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// The folder to write records.jsonl, themes.json and summary.json into (created if
    /// needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn analyze_file(args: AnalyzeFileArgs) -> anyhow::Result<()> {
    let themes = theme_count(&args.themes)?;
    let organisation = args
        .org
        .as_deref()
        .map(read_org_file)
        .transpose()?
        .map(|parsed| parsed.organisation);
    let choices = args.input.parse()?;
    let read = timing::phase("read and check the file", || {
        read_file(
            &args.input.file,
            choices.format,
            choices.preset,
            choices.overrides,
            choices.date_format,
            organisation.as_ref(),
            // Only what the analysis reads is kept: a million texts are held once.
            |line, record| Input::from_record(record, || line.to_string()),
        )
    })?;
    eprintln!("Mapping: {}", read.mapping);
    for note in &read.notes {
        eprintln!("{note}");
    }
    if read.rejected > 0 {
        eprintln!(
            "Skipped {} of {} rows that an import would reject:",
            read.rejected, read.rows_read
        );
        for rejection in &read.first_rejections {
            eprintln!("  {rejection}");
        }
    }
    if read.records.is_empty() {
        anyhow::bail!(
            "no record to analyse: {} of {} rows were rejected (the first are listed above); \
             nothing was written",
            read.rejected,
            read.rows_read
        );
    }
    let inputs = read.records;
    let report = analyze(
        &inputs,
        organisation.as_ref(),
        Options {
            themes,
            seed: args.seed,
        },
    );
    timing::phase("write the report", || write_report(&report, &args.out))?;
    println!(
        "Analysed {} records: {} themes, {} in the Top Ten, {} spike alerts. Wrote {}/records.jsonl, \
         themes.json and summary.json.",
        report.summary.records,
        report.summary.themes,
        report.summary.top_ten.len(),
        report.summary.spikes.len(),
        args.out.display()
    );
    for entry in &report.summary.top_ten {
        println!(
            "  {:>2}. {:<36} {:>6} records   effect {:+.1} points ({:+.1} to {:+.1})",
            entry.rank, entry.label, entry.support, entry.cost, entry.cost_low, entry.cost_high
        );
    }
    if let Some(why) = no_top_ten_reason(&report) {
        println!("{why}");
    }
    Ok(())
}

/// Why a report has no Top Ten, in words a person can act on (`None` when it has one).
fn no_top_ten_reason(report: &Report) -> Option<String> {
    if !report.summary.top_ten.is_empty() {
        return None;
    }
    Some(if report.summary.impact_metric.is_none() {
        "No Top Ten: it ranks themes by what they cost a satisfaction score, and fewer than 30 \
         records carry one (NPS, a rating or CSAT). Map the score's column with --map \
         nps=COLUMN (or rating=, csat=); the themes, their volume and sentiment are in \
         themes.json."
            .to_owned()
    } else {
        format!(
            "No Top Ten: no theme of at least {} records lowers the score by more than chance \
             would (the interval of each theme's effect reaches zero); the themes and their \
             impact are in themes.json.",
            throughline_analytics::impact::MIN_SUPPORT
        )
    })
}

fn write_report(report: &Report, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let create = |name: &str| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        let path = dir.join(name);
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(std::io::BufWriter::new(file))
    };
    let mut records = create("records.jsonl")?;
    // Lines are formatted in parallel, a block at a time, and written in order, a window of
    // blocks at a time (a million lines are never all held in memory); a thread writes one
    // window while the next is formatted.
    use rayon::prelude::*;
    const BLOCK: usize = 16_384;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for blocks in receiver {
                for block in blocks {
                    records.write_all(&block)?;
                }
            }
            records.flush()
        });
        for window in report.records.chunks(BLOCK * 8) {
            let blocks: Vec<Vec<u8>> = window
                .par_chunks(BLOCK)
                .map(|block| -> serde_json::Result<Vec<u8>> {
                    let mut bytes = Vec::with_capacity(block.len() * 160);
                    for record in block {
                        serde_json::to_writer(&mut bytes, record)?;
                        bytes.push(b'\n');
                    }
                    Ok(bytes)
                })
                .collect::<serde_json::Result<_>>()?;
            if sender.send(blocks).is_err() {
                // The writer stopped on an error, which joining it reports.
                break;
            }
        }
        drop(sender);
        writer.join().expect("the writing thread does not panic")?;
        Ok(())
    })
    .with_context(|| format!("cannot write {}", dir.join("records.jsonl").display()))?;
    let mut themes = create("themes.json")?;
    serde_json::to_writer_pretty(&mut themes, &report.themes)?;
    themes.write_all(b"\n")?;
    themes.flush()?;
    let mut summary = create("summary.json")?;
    serde_json::to_writer_pretty(&mut summary, &report.summary)?;
    summary.write_all(b"\n")?;
    summary.flush()?;
    Ok(())
}
