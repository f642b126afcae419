//! `throughline retention`: how long feedback is kept (docs/privacy.md).

use clap::{Args, Subcommand};
use throughline_domain::Timestamp;
use throughline_service::retention;
use throughline_store::RetentionPolicy;

use super::{command_line, open_store};

#[derive(Debug, Args)]
pub struct RetentionArgs {
    #[command(subcommand)]
    command: RetentionCommand,
}

#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// The policy in force and when it was last applied.
    Show,
    /// Keep feedback for MONTHS months: older records are deleted, or anonymised with
    /// `--mode anonymise` (they stay for the counts without their words or customer). The
    /// server applies the policy once a day; `retention apply` does it at once.
    Set {
        #[arg(long, value_name = "MONTHS")]
        months: String,
        /// delete or anonymise.
        #[arg(long, default_value = "delete")]
        mode: String,
    },
    /// Remove the policy: feedback is kept until someone deletes it.
    Off,
    /// Apply the policy now.
    Apply {
        /// Print what was changed as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn day(at: Timestamp) -> String {
    throughline_domain::action::Date::of(at).as_str().to_owned()
}

fn describe(policy: &RetentionPolicy) -> String {
    let what = match policy.mode {
        throughline_store::RetentionMode::Delete => "deleted",
        throughline_store::RetentionMode::Anonymise => {
            "anonymised (kept for the counts without their words, customer or other columns)"
        }
    };
    format!(
        "Feedback received more than {} months ago is {what}; customer events older than that \
         are deleted. Set by {} on {}; last applied {}.",
        policy.months,
        policy.set_by,
        day(policy.set_at),
        policy
            .last_applied_at
            .map_or_else(|| "never".to_owned(), day),
    )
}

pub async fn run(url: &str, args: RetentionArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    match args.command {
        RetentionCommand::Show => match retention::policy(&store).await? {
            Some(policy) => println!("{}", describe(&policy)),
            None => println!(
                "No retention policy: feedback is kept until someone deletes it \
                 (`throughline retention set --months N`)."
            ),
        },
        RetentionCommand::Set { months, mode } => {
            let policy = retention::set(&store, command_line(), Some((&months, &mode)))
                .await?
                .expect("just set");
            println!("{}", describe(&policy));
        }
        RetentionCommand::Off => {
            retention::set(&store, command_line(), None).await?;
            println!("No retention policy now: feedback is kept until someone deletes it.");
        }
        RetentionCommand::Apply { json } => {
            match retention::apply(&store, command_line(), Timestamp::now()).await? {
                None => {
                    if json {
                        println!("null");
                    } else {
                        println!(
                            "No retention policy to apply (`throughline retention set --months N`)."
                        );
                    }
                }
                Some((policy, outcome)) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&outcome)?);
                    } else {
                        let verb = match policy.mode {
                            throughline_store::RetentionMode::Delete => "deleted",
                            throughline_store::RetentionMode::Anonymise => "anonymised",
                        };
                        println!(
                            "Feedback older than {} months: {} records {verb}; {} customer \
                             events deleted.{}",
                            policy.months,
                            outcome.records,
                            outcome.events,
                            if outcome.records > 0 {
                                " The analysis was brought up to date."
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
        }
    }
    store.close().await;
    Ok(())
}
