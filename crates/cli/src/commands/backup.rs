//! `throughline backup --out FILE` and `throughline restore FILE`: a consistent online snapshot
//! of the whole workspace in a documented, versioned file (see `throughline_store::backup`),
//! restored into an empty database of either backend — moving from the SQLite file to
//! PostgreSQL is one backup and one restore.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use throughline_store::backup::BackupSummary;

use super::{command_line, open_store};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (JSON Lines; compress it as you like). Written beside it first and
    /// renamed when complete, so an interrupted backup never leaves a partial file under this
    /// name.
    #[arg(long)]
    out: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `throughline backup` wrote.
    file: PathBuf,
    /// Replace everything in a database that is not empty.
    #[arg(long)]
    force: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

fn print(summary: &BackupSummary, json: bool, verb: &str) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(summary)?);
        return Ok(());
    }
    println!(
        "{verb} {} rows in {} tables (schema version {}, from {}); each table's count and \
         SHA-256 checked:",
        summary.rows(),
        summary.tables.len(),
        summary.schema,
        summary.backend
    );
    for table in summary.tables.iter().filter(|t| t.rows > 0) {
        println!(
            "  {:<24} {:>10}  {}",
            table.table,
            table.rows,
            &table.sha256[..16]
        );
    }
    Ok(())
}

pub async fn backup(url: &str, args: BackupArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let name = args
        .out
        .file_name()
        .context("--out names no file")?
        .to_string_lossy()
        .into_owned();
    let partial = args.out.with_file_name(format!(".{name}.partial"));
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let mut out = BufWriter::new(file);
    let summary = match store.backup(&mut out).await {
        Ok(summary) => summary,
        Err(err) => {
            drop(out);
            let _ = std::fs::remove_file(&partial);
            return Err(err.into());
        }
    };
    out.flush()?;
    out.get_ref().sync_all()?;
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    store.close().await;
    print(&summary, args.json, "Backed up")?;
    if !args.json {
        println!("Written to {}.", args.out.display());
    }
    Ok(())
}

pub async fn restore(url: &str, args: RestoreArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let summary = store
        .restore(
            BufReader::new(file),
            args.force,
            &command_line().audit_name(),
            &args.file.display().to_string(),
        )
        .await
        .with_context(|| format!("nothing was restored from {}", args.file.display()))?;
    store.close().await;
    print(&summary, args.json, "Restored")
}
