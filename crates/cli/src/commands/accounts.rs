//! `throughline accounts …`: key accounts with their executive sponsors, account teams and goals
//! (from an accounts file), what their customers said, and the team's weekly reviews.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use throughline_domain::action::Date;
use throughline_notify::{SmtpConfig, send_sponsor_digests, sponsors};
use throughline_service::digest::Period;
use throughline_service::key_accounts::{self, ReviewInput};
use throughline_service::sponsor_digest;
use throughline_store::ReviewAction;

use super::{command_line, open_store};

#[derive(Debug, Args)]
pub struct AccountsArgs {
    #[command(subcommand)]
    command: AccountsCommand,
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// Make the key accounts those of an accounts file (TOML; docs/accounts.md); reviews are kept.
    Apply { file: PathBuf },
    /// The key accounts: sponsor, customers, feedback, NPS, last review.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One account: sponsor, team, goals and where they stand, what its customers said, reviews.
    Show {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Record the account team's weekly review.
    Review {
        key: String,
        /// What the team reviewed.
        #[arg(long)]
        notes: String,
        /// The day (YYYY-MM-DD); today without it.
        #[arg(long)]
        on: Option<String>,
        /// "GOAL=STATUS" (on track, at risk, off track, done); repeat for each goal.
        #[arg(long = "goal", value_name = "GOAL=STATUS")]
        goals: Vec<String>,
        /// "TITLE;OWNER;YYYY-MM-DD"; repeat for each action.
        #[arg(long = "action", value_name = "TITLE;OWNER;DUE")]
        actions: Vec<String>,
    },
    /// The weekly digest of each key account for its executive sponsor: print it (--preview)
    /// or send it by e-mail (the THROUGHLINE_SMTP_* settings), once per account and period.
    Digest {
        /// last-week (the default), this-week, 2026-W47, or a month or day as for `digest`.
        #[arg(long, default_value = "last-week", value_name = "PERIOD")]
        period: String,
        /// One account only.
        #[arg(long, value_name = "KEY")]
        account: Option<String>,
        /// Print each digest's text instead of sending it.
        #[arg(long)]
        preview: bool,
    },
}

pub async fn run(url: &str, args: AccountsArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let result = async {
        match args.command {
            AccountsCommand::Apply { file } => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let applied = key_accounts::apply(&store, command_line(), &text)
                    .await
                    .with_context(|| format!("{}: nothing was changed", file.display()))?;
                println!(
                    "Applied {}: {} added, {} changed, {} removed.",
                    file.display(),
                    applied.added,
                    applied.changed,
                    applied.removed
                );
            }
            AccountsCommand::List { json } => {
                let accounts = key_accounts::list(&store).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&accounts)?);
                } else if accounts.is_empty() {
                    println!("No key accounts: `throughline accounts apply accounts.toml`.");
                }
                for a in accounts.iter().filter(|_| !json) {
                    println!(
                        "{}  {} — sponsor {}; {} customers, {} records, {}; last review: {}",
                        a.key,
                        a.name,
                        a.sponsor,
                        a.customers,
                        a.records,
                        a.nps
                            .map_or_else(|| "no NPS".to_owned(), |v| format!("NPS {v:.0}")),
                        a.last_review.as_deref().unwrap_or("none")
                    );
                }
            }
            AccountsCommand::Show { key, json } => {
                let a = key_accounts::show(&store, &key).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&a)?);
                    return Ok(());
                }
                println!("{} (sponsor: {})", a.account.name, a.account.sponsor.name);
                println!(
                    "{} records; {}",
                    a.records,
                    a.nps.map_or_else(
                        || "no NPS answers".to_owned(),
                        |v| format!("NPS {v:.0} ({} answers)", a.nps_answers)
                    )
                );
                for g in &a.goals {
                    println!("  goal: {} — {}", g.goal, g.status);
                }
                for (theme, n) in &a.themes {
                    println!("  theme: {theme} ({n})");
                }
                for r in &a.reviews {
                    println!("  review {} by {}: {}", r.held_on, r.author, r.notes);
                }
            }
            AccountsCommand::Review {
                key,
                notes,
                on,
                goals,
                actions,
            } => {
                let goals = goals
                    .iter()
                    .map(|g| {
                        g.rsplit_once('=')
                            .map(|(goal, status)| {
                                (goal.trim().to_owned(), status.trim().to_owned())
                            })
                            .ok_or_else(|| anyhow::anyhow!("--goal {g:?}: write GOAL=STATUS"))
                    })
                    .collect::<anyhow::Result<_>>()?;
                let actions = actions
                    .iter()
                    .map(|a| {
                        let parts: Vec<&str> = a.split(';').map(str::trim).collect();
                        let [title, owner, due] = parts.as_slice() else {
                            bail!("--action {a:?}: write TITLE;OWNER;YYYY-MM-DD");
                        };
                        Ok(ReviewAction {
                            title: (*title).to_owned(),
                            owner: (*owner).to_owned(),
                            due: (*due).to_owned(),
                        })
                    })
                    .collect::<anyhow::Result<_>>()?;
                let review = key_accounts::review(
                    &store,
                    command_line(),
                    &key,
                    ReviewInput {
                        on,
                        notes,
                        goals,
                        actions,
                    },
                )
                .await?;
                println!(
                    "Recorded the review of {} on {} ({} goal{} reviewed, {} action{}).",
                    key,
                    review.held_on,
                    review.goals.len(),
                    if review.goals.len() == 1 { "" } else { "s" },
                    review.actions.len(),
                    if review.actions.len() == 1 { "" } else { "s" }
                );
            }
            AccountsCommand::Digest {
                period,
                account,
                preview,
            } => {
                let period = Period::parse(&period, &Date::today())?;
                if preview {
                    let digests = match &account {
                        Some(key) => {
                            vec![sponsor_digest::sponsor_digest(&store, key, &period).await?]
                        }
                        None => sponsor_digest::sponsor_digests(&store, &period).await?,
                    };
                    if digests.is_empty() {
                        println!("No key accounts: `throughline accounts apply accounts.toml`.");
                    }
                    for d in &digests {
                        println!(
                            "To: {} <{}>\nSubject: {}\n",
                            d.sponsor.name,
                            d.sponsor.email.as_deref().unwrap_or("no address"),
                            sponsors::subject(d)
                        );
                        print!("{}", sponsors::text(d)?);
                        println!();
                    }
                    return Ok(());
                }
                let smtp = SmtpConfig::from_env()?;
                let report =
                    send_sponsor_digests(&store, &period, account.as_deref(), smtp.as_ref())
                        .await?;
                super::digest::report_round("Sponsor digests", &period, &report)?;
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}
