//! `init`, `apply` and `export-org`: the organisation as code.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use throughline_domain::org::gaps::{self, Gap};
use throughline_domain::org::{self, ChangeKind, OrgDiff, OrgProblem, Parsed};
use throughline_service::changes;
use throughline_store::OrgVersion;
use throughline_store::redact_url;

use super::{command_line, open_store};

/// The example organisation, shipped in the binary so `init` and `demo` work anywhere.
pub const EXAMPLE_ORG: &str = include_str!("../../../../examples/org.toml");

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The organisation file (TOML).
    file: PathBuf,
    /// Show what would change without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print an earlier version of the organisation (`throughline org-history` lists them).
    #[arg(long, value_name = "N")]
    version: Option<i64>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Show what changed from version A to version B instead of the list.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    diff: Option<Vec<i64>>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the starter organisation file (a copy of the example organisation).
    #[arg(long, default_value = "org.toml", value_name = "FILE")]
    org: PathBuf,
}

/// Reads and validates an organisation file. Every problem is reported as `FILE:LINE:COL:
/// message`; the error's last line counts them.
pub fn read_org_file(path: &Path) -> anyhow::Result<Parsed> {
    let source = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the organisation file {}", path.display()))?;
    parse_org(&source, &path.display().to_string())
}

pub fn parse_org(source: &str, name: &str) -> anyhow::Result<Parsed> {
    org::parse(source).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| located(name, p)).collect();
        anyhow::anyhow!(
            "{}\n{name}: {} problem{} found; nothing was changed",
            lines.join("\n"),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        )
    })
}

fn located(file: &str, problem: &OrgProblem) -> String {
    format!("{file}:{problem}")
}

#[derive(Debug, Serialize)]
struct ApplyReport<'a> {
    file: String,
    database: String,
    dry_run: bool,
    applied: bool,
    added: usize,
    changed: usize,
    removed: usize,
    changes: &'a [org::Change],
    /// Versions made in the interface since an organisation file was last applied: applying a
    /// file that lacks their changes undoes them.
    changed_in_interface: &'a [OrgVersion],
    warnings: Vec<String>,
    /// Gaps and overlaps between departments the organisation shows (`journey check` adds the
    /// ones the feedback shows).
    gaps: Vec<Gap>,
}

pub async fn apply(url: &str, args: ApplyArgs) -> anyhow::Result<()> {
    let file = args.file.display().to_string();
    let parsed = read_org_file(&args.file)?;
    let warnings: Vec<String> = parsed.warnings.iter().map(|w| located(&file, w)).collect();
    let mut gaps = gaps::structural(&parsed.organisation);
    gaps::sort(&mut gaps);
    let store = open_store(url).await?;
    let actor = command_line();
    let since_file = throughline_service::org::changed_since_file(&store).await?;
    let diff =
        changes::apply_organisation(&store, actor, &parsed.organisation, &file, args.dry_run)
            .await
            .with_context(|| format!("applying {file} to {}", redact_url(url)))?;
    store.close().await;

    if args.json {
        let report = ApplyReport {
            file,
            database: redact_url(url),
            dry_run: args.dry_run,
            applied: !args.dry_run && !diff.is_empty(),
            added: diff.count(ChangeKind::Added),
            changed: diff.count(ChangeKind::Changed),
            removed: diff.count(ChangeKind::Removed),
            changes: &diff.changes,
            changed_in_interface: &since_file,
            warnings,
            gaps,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    for gap in &gaps {
        eprintln!(
            "warning: {file}: {} gap: {}. Fix: {}.",
            gap.severity.as_str(),
            gap.message,
            gap.fix
        );
    }
    if !gaps.is_empty() {
        eprintln!(
            "{file}: {} gap{} or overlap{} between departments; `throughline journey check` \
             also checks them against the feedback.",
            gaps.len(),
            if gaps.len() == 1 { "" } else { "s" },
            if gaps.len() == 1 { "" } else { "s" },
        );
    }
    if !since_file.is_empty() && !diff.is_empty() {
        println!(
            "Changed in the interface since an organisation file was last applied \
             (`throughline org-history` shows each):"
        );
        for version in &since_file {
            println!("  {}", version_line(version));
        }
        println!(
            "{file} does not hold all of these: the changes below {} them. Export the current \
             organisation with `throughline export-org` to keep them.",
            if args.dry_run { "would undo" } else { "undid" }
        );
    }
    print_diff(&diff, &file, url, args.dry_run);
    Ok(())
}

fn version_line(version: &OrgVersion) -> String {
    format!(
        "version {}, {} by {} ({}): {}{}",
        version.number,
        day_and_time(version.created_at),
        version.author,
        version.source.as_str(),
        version.summary,
        version
            .reason
            .as_deref()
            .map(|r| format!(" (why: {r})"))
            .unwrap_or_default()
    )
}

fn day_and_time(at: throughline_domain::Timestamp) -> String {
    let day = throughline_domain::action::Date::of(at);
    let minute = at.as_millis().div_euclid(60_000).rem_euclid(24 * 60);
    format!("{} {:02}:{:02} UTC", day.as_str(), minute / 60, minute % 60)
}

/// `org-history`: the versions of the organisation, or the changes between two of them.
pub async fn history(url: &str, args: HistoryArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    if let Some([from, to]) = args.diff.as_deref() {
        let diff = throughline_service::org::diff_versions(&store, *from, *to).await?;
        store.close().await;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&diff)?);
        } else if diff.is_empty() {
            println!("Versions {from} and {to} are the same organisation.");
        } else {
            println!("From version {from} to version {to}:");
            for change in &diff.changes {
                println!("{change}");
            }
        }
        return Ok(());
    }
    let versions = throughline_service::org::versions(&store).await?;
    store.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&versions)?);
        return Ok(());
    }
    if versions.is_empty() {
        println!(
            "No versions yet: the organisation's history starts with the next change \
             (`throughline apply`, the journey editor at /journey/edit, or an accepted proposal)."
        );
    }
    for version in &versions {
        println!("{}", version_line(version));
    }
    Ok(())
}

fn print_diff(diff: &OrgDiff, file: &str, url: &str, dry_run: bool) {
    let database = redact_url(url);
    if diff.is_empty() {
        println!("No changes: {database} already matches {file}.");
        return;
    }
    for change in &diff.changes {
        println!("{change}");
    }
    let counts = format!(
        "{} added, {} changed, {} removed",
        diff.count(ChangeKind::Added),
        diff.count(ChangeKind::Changed),
        diff.count(ChangeKind::Removed)
    );
    if dry_run {
        println!(
            "Dry run: applying {file} to {database} would make {counts}. Nothing was written."
        );
    } else {
        println!("Applied {file} to {database}: {counts}.");
    }
}

pub async fn export(url: &str, args: ExportArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    if let Some(number) = args.version {
        let (_, organisation) = throughline_service::org::version(&store, number).await?;
        store.close().await;
        return write_export(&organisation.to_toml(), args.out);
    }
    let organisation = store.load_organisation().await?;
    store.close().await;
    let Some(organisation) = organisation else {
        bail!(
            "{} holds no organisation yet: apply one first with `throughline apply FILE.toml`",
            redact_url(url)
        );
    };
    write_export(&organisation.to_toml(), args.out)
}

fn write_export(text: &str, out: Option<PathBuf>) -> anyhow::Result<()> {
    match out {
        Some(path) => std::fs::write(&path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

pub async fn init(url: &str, args: InitArgs) -> anyhow::Result<()> {
    if args.org.exists() {
        bail!(
            "{} already exists; it was left as it is (apply it with `throughline apply {}`)",
            args.org.display(),
            args.org.display()
        );
    }
    let store = open_store(url).await?;
    store.close().await;
    std::fs::write(&args.org, EXAMPLE_ORG)
        .with_context(|| format!("cannot write {}", args.org.display()))?;
    println!("Database ready: {}", redact_url(url));
    println!(
        "Wrote {}: the example organisation (Northwind Home, fictional) to edit into your own.",
        args.org.display()
    );
    println!(
        "Next: edit it, then `throughline apply {} --dry-run` to see the changes and \
         `throughline apply {}` to make them.",
        args.org.display(),
        args.org.display()
    );
    Ok(())
}
