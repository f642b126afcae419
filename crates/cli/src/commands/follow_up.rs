//! `throughline followup …`: the inner loop's cases — list (a department's, open ones unless
//! --all), show one with its notes, record the follow-up (status, note, the customer's answer
//! to "was your issue resolved?", root-cause theme; audited as the command line's), and apply
//! the organisation's rules to recent records now.

use clap::{Args, Subcommand};
use throughline_service::follow_up::{self, CaseInput};

use super::{command_line, open_store};

#[derive(Debug, Args)]
pub struct FollowUpArgs {
    #[command(subcommand)]
    command: FollowUpCommand,
}

#[derive(Debug, Subcommand)]
enum FollowUpCommand {
    /// Cases, most urgent first: open ones unless --all.
    List {
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One case with what the customer wrote and its notes.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Record the follow-up of a case.
    Update {
        id: i64,
        /// open, contacted, resolved or no_answer.
        #[arg(long, default_value = "")]
        status: String,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long, default_value = "")]
        owner: String,
        /// The customer's answer to "was your issue resolved?": yes or no.
        #[arg(long, default_value = "")]
        resolved: String,
        /// The theme that was the root cause (its number; none clears it).
        #[arg(long, default_value = "")]
        theme: String,
    },
    /// Apply the organisation's follow-up rules to the recent records now.
    Scan,
}

pub async fn run(url: &str, args: FollowUpArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let result = command(&store, args.command).await;
    store.close().await;
    result
}

async fn command(store: &throughline_store::Store, command: FollowUpCommand) -> anyhow::Result<()> {
    match command {
        FollowUpCommand::List {
            department,
            all,
            json,
        } => {
            let cases = follow_up::list(store, department.as_deref(), !all, 10_000).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&cases)?);
                return Ok(());
            }
            if cases.is_empty() {
                println!("No {}follow-up case.", if all { "" } else { "open " });
            }
            for c in &cases {
                println!(
                    "{:>5}  {:<10} {:<18} {:<12} due {}{}  {}: {}",
                    c.case.id,
                    c.case.status.as_str(),
                    c.department_name,
                    c.case.customer,
                    c.due,
                    if c.overdue { " OVERDUE" } else { "" },
                    c.case.rule_name,
                    c.case.reason
                );
            }
            Ok(())
        }
        FollowUpCommand::Show { id, json } => {
            let (case, notes) = follow_up::case(store, id).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"case": case, "notes": notes})
                    )?
                );
                return Ok(());
            }
            println!(
                "Case {}: get back to {} ({}) — {}: {}",
                case.case.id,
                case.case.customer,
                case.department_name,
                case.case.rule_name,
                case.case.reason
            );
            println!(
                "Status {}, opened {}, due {}{}",
                case.case.status.as_str(),
                case.opened,
                case.due,
                if case.overdue { " (overdue)" } else { "" }
            );
            println!("They wrote: {}", case.text);
            for note in &notes {
                println!(
                    "  {} {}: {}",
                    throughline_domain::action::Date::minute_of(note.at),
                    note.author,
                    note.text
                );
            }
            Ok(())
        }
        FollowUpCommand::Update {
            id,
            status,
            note,
            owner,
            resolved,
            theme,
        } => {
            follow_up::change(
                store,
                command_line(),
                id,
                &CaseInput {
                    status,
                    owner,
                    note,
                    customer_says_resolved: resolved,
                    theme,
                },
            )
            .await?;
            let (case, _) = follow_up::case(store, id).await?;
            println!(
                "Case {id} is {}.",
                case.case.status.as_str().replace('_', " ")
            );
            Ok(())
        }
        FollowUpCommand::Scan => {
            let report = follow_up::scan(store, throughline_store::CandidateScope::Recent).await?;
            println!(
                "Follow-up cases opened: {}{}.",
                report.opened,
                if report.unrouted > 0 {
                    format!(
                        "; {} records needed one but no department owns their touchpoint",
                        report.unrouted
                    )
                } else {
                    String::new()
                }
            );
            Ok(())
        }
    }
}
