//! `throughline import`: a feedback file into the store, with a summary of what happened.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use throughline_domain::Name;
use throughline_ingest::pipeline::{ImportReport, ImportRequest, PreparedImport, Progress};
use throughline_ingest::presets::Preset;
use throughline_ingest::{Field, Format, Mapping};

use super::open_store;

/// How a feedback file is read: shared by `import` and `analyze-file`, which read files alike.
#[derive(Debug, Args)]
pub struct FileArgs {
    /// The file: .csv/.tsv, .jsonl or .xlsx.
    pub file: PathBuf,
    /// The file's format, when its extension does not say it.
    #[arg(long, value_name = "csv|jsonl|xlsx")]
    format: Option<String>,
    /// Map a field to a column, for example --map nps="How likely…" (repeatable). Fields: id,
    /// comment, helpful, hindering, nps, csat, ces, rating, received_at, customer, channel,
    /// stage, touchpoint. Unmapped columns are kept as metadata.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    /// A known export layout: qualtrics (survey export) or zendesk (ticket export).
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// How the date column is written, strftime-style (e.g. '%d.%m.%Y %H:%M'), for a form
    /// not read on its own. ISO, RFC 2822/3339, month names ("8th November 2023", "Nov 8,
    /// 2023 10:15") and numeric dates whose day/month order the column settles need none.
    #[arg(long, value_name = "FORMAT")]
    date_format: Option<String>,
}

/// The parsed form of [`FileArgs`].
pub struct FileChoices {
    pub format: Option<Format>,
    pub preset: Option<Preset>,
    pub overrides: Vec<(Field, String)>,
    pub date_format: Option<String>,
}

impl FileArgs {
    pub fn parse(&self) -> anyhow::Result<FileChoices> {
        Ok(FileChoices {
            format: self.format.as_deref().map(Format::parse).transpose()?,
            preset: self.preset.as_deref().map(Preset::parse).transpose()?,
            overrides: Mapping::parse_overrides(&self.map)?,
            date_format: self.date_format.clone(),
        })
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    input: FileArgs,
    /// The feed's name; re-imports are recognised within one source. Default: the file's name
    /// without its extension.
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Where rejected rows go. Default: NAME.rejects.csv (or .jsonl) beside the file.
    #[arg(long, value_name = "PATH")]
    rejects: Option<PathBuf>,
    /// Print the summary as JSON (and no progress bar).
    #[arg(long)]
    json: bool,
}

/// Imports the file; with `THROUGHLINE_TIMINGS` set, prints the time, processor time and the
/// process's peak memory when it ends, refused or not (how the memory cap on hostile files is
/// measured: docs/operations.md, "Hostile input").
pub async fn run(url: &str, args: ImportArgs) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let result = import(url, args).await;
    throughline_analytics::timing::report("import", start);
    result
}

async fn import(url: &str, args: ImportArgs) -> anyhow::Result<()> {
    let choices = args.input.parse()?;
    let request = ImportRequest {
        format: choices.format,
        preset: choices.preset,
        overrides: choices.overrides,
        source: args
            .source
            .as_deref()
            .map(Name::parse)
            .transpose()
            .context("--source")?,
        rejects: args.rejects,
        date_format: choices.date_format,
        path: args.input.file,
    };
    let store = open_store(url).await?;
    let prepared = PreparedImport::new(&store, request).await?;
    let bar = (!args.json && std::io::stderr().is_terminal()).then(progress_bar);
    if !args.json {
        println!(
            "Importing {} as source \"{}\" ({})",
            prepared.file_name(),
            prepared.source(),
            prepared.format().name()
        );
        println!("Mapping: {}", prepared.mapping());
        for note in prepared.notes() {
            println!("{note}");
        }
    }
    let report = prepared
        .run(&store, |p: Progress| {
            if let Some(bar) = &bar {
                bar.set_length(p.total.max(1));
                bar.set_position(p.done);
                bar.set_message(format!("{} rows", p.rows_read));
            }
        })
        .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // The follow-up rules look at what arrived (recent records with a customer).
    let cases = match &report {
        Ok(report) => Some(
            throughline_service::follow_up::scan(
                &store,
                throughline_store::CandidateScope::Import(report.import.id),
            )
            .await,
        ),
        Err(_) => None,
    };
    store.close().await;
    let report = report?;
    let cases = cases.transpose()?.unwrap_or_default();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report_json(&report))?);
    } else {
        print_summary(&report);
        if cases.opened > 0 {
            println!(
                "Follow-up cases opened by the organisation's rules: {}.",
                cases.opened
            );
        }
    }
    Ok(())
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent:>3}% {msg} ({elapsed}, {eta} left)")
            .expect("a valid template"),
    );
    bar
}

fn print_summary(report: &ImportReport) {
    let t = &report.import.totals;
    println!(
        "Read {} rows: {} imported, {} duplicates (already stored), {} rejected.",
        t.rows_read, t.imported, t.duplicates, t.rejected
    );
    if !report.first_rejections.is_empty() {
        for rejection in &report.first_rejections {
            println!("  rejected {rejection}");
        }
        if t.rejected > report.first_rejections.len() as u64 {
            println!(
                "  … and {} more",
                t.rejected - report.first_rejections.len() as u64
            );
        }
    }
    if let Some(path) = &t.rejects_path {
        println!(
            "Rejected rows, each with its reason, are in {path}: fix them and import that file."
        );
    }
}

fn report_json(report: &ImportReport) -> serde_json::Value {
    let mapping: serde_json::Map<String, serde_json::Value> = report
        .mapping
        .fields
        .iter()
        .map(|(field, column)| (field.name().to_owned(), json!(column)))
        .collect();
    let rejections: Vec<serde_json::Value> = report
        .first_rejections
        .iter()
        .map(|r| json!({ "line": r.line, "column": r.column, "reason": r.reason }))
        .collect();
    json!({
        "import": report.import,
        "mapping": mapping,
        "first_rejections": rejections,
        "notes": report.notes,
    })
}
