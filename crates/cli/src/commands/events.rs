//! `events import`: customer events beyond feedback (orders, deliveries, contacts) for moments
//! of truth detected in customers' histories.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use throughline_service::events;

use super::{open_store, print_json, report_rejects};

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(subcommand)]
    command: EventsCommand,
}

#[derive(Debug, Subcommand)]
enum EventsCommand {
    /// Import a CSV, JSON Lines or Excel file with the columns customer, event and date (and
    /// optionally id). Re-importing is safe: events already stored are duplicates. Bad rows go
    /// to NAME.rejects.csv with their line and reason.
    Import {
        file: PathBuf,
        /// The feed's name; re-imports are recognised within one source. Default: the file's
        /// name without its extension.
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// Where rejected rows go. Default: NAME.rejects.csv beside the file.
        #[arg(long, value_name = "PATH")]
        rejects: Option<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(url: &str, args: EventsArgs) -> anyhow::Result<()> {
    let EventsCommand::Import {
        file,
        source,
        rejects,
        json,
    } = args.command;
    let store = open_store(url).await?;
    let result = events::import_events(&store, file.clone(), source, rejects).await;
    store.close().await;
    let report = result?;
    if json {
        return print_json(&report);
    }
    let written = report_rejects(&file, &report.rejections, report.rejects_path.as_deref());
    println!(
        "Imported {} events from {} (source {}): {} read, {} new, {} already stored, {} \
         rejected{written}.",
        report.imported,
        file.display(),
        report.source,
        report.rows_read,
        report.imported,
        report.duplicates,
        report.rejected,
    );
    Ok(())
}
