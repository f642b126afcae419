//! `journey check`: the gaps and overlaps between departments, from the organisation and the
//! feedback of a period.

use clap::{Args, Subcommand};
use throughline_domain::org::Organisation;
use throughline_domain::org::gaps::Severity;
use throughline_service::journey::{self, JourneyCheck};

use super::{open_store, print_json};

#[derive(Debug, Args)]
pub struct JourneyArgs {
    #[command(subcommand)]
    command: JourneyCommand,
}

#[derive(Debug, Subcommand)]
enum JourneyCommand {
    /// List the gaps and overlaps between departments, most severe first, each with its fix:
    /// touchpoints with no owner or several, stages nobody owns, moments of truth with no
    /// metric or no feedback, customer issues on places nobody owns (ranked by their cost),
    /// KPIs on no stage, customer-facing departments that heard nothing, metrics claimed twice.
    /// Exits 0: gaps are for the council to settle, not errors.
    Check {
        /// First day of the period (YYYY-MM-DD); default: 90 days before its end.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day of the period (YYYY-MM-DD); default: the latest record's day.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(url: &str, args: JourneyArgs) -> anyhow::Result<()> {
    let JourneyCommand::Check { from, to, json } = args.command;
    let store = open_store(url).await?;
    let result = journey::check(&store, from.as_deref(), to.as_deref()).await;
    let org = store.load_organisation().await;
    store.close().await;
    let check = result?;
    if json {
        return print_json(&check);
    }
    print_check(&check, org?.as_ref());
    Ok(())
}

fn print_check(check: &JourneyCheck, org: Option<&Organisation>) {
    let name = |key: &str| -> String {
        org.and_then(|o| o.departments.iter().find(|d| d.key.as_str() == key))
            .map_or_else(|| key.to_owned(), |d| d.name.to_string())
    };
    let count = |s: Severity| check.gaps.iter().filter(|g| g.severity == s).count();
    let period = match &check.period {
        Some(p) => format!(
            "{} to {} ({} feedback record{})",
            p.from.as_str(),
            p.to.as_str(),
            check.records,
            if check.records == 1 { "" } else { "s" }
        ),
        None => "no feedback yet: the organisation alone was checked".to_owned(),
    };
    println!("Journey check, {period}");
    if check.gaps.is_empty() {
        println!("No gaps or overlaps between departments.");
        return;
    }
    println!(
        "{} gaps and overlaps: {} high, {} medium, {} low\n",
        check.gaps.len(),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low)
    );
    for gap in &check.gaps {
        let place = match (&gap.stage, &gap.touchpoint) {
            (Some(stage), Some(tp)) => format!(" [{stage} › {tp}]"),
            (Some(stage), None) => format!(" [{stage}]"),
            _ => String::new(),
        };
        println!(
            "{:<6} {}{place}",
            gap.severity.as_str().to_uppercase(),
            gap.kind.as_str()
        );
        println!("       {}", gap.message);
        println!("       Fix: {}", gap.fix);
        if !gap.departments.is_empty() {
            let names: Vec<String> = gap.departments.iter().map(|k| name(k)).collect();
            println!("       Departments: {}", names.join(", "));
        }
        println!();
    }
}
