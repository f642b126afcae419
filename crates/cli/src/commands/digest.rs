//! `throughline digest …`: each department's digest of what customers said — preview it, send
//! it (e-mail over SMTP, chat webhooks; each at most once per period), manage subscriptions and
//! opt-outs, read the delivery log.

use clap::{Args, Subcommand, ValueEnum};
use throughline_domain::action::Date;
use throughline_notify::{SmtpConfig, render, send_digests, subscriptions};
use throughline_service::digest::{self, Period};

use super::open_store;

#[derive(Debug, Args)]
pub struct DigestArgs {
    #[command(subcommand)]
    command: DigestCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PreviewFormat {
    Text,
    Html,
    Json,
    Slack,
}

#[derive(Debug, Subcommand)]
enum DigestCommand {
    /// Show a department's digest without sending it.
    Preview {
        department: String,
        /// last-week (default), this-week, YYYY-Www, yesterday, YYYY-MM-DD, last-month, YYYY-MM.
        #[arg(long, default_value = "last-week")]
        period: String,
        #[arg(long, value_enum, default_value = "text")]
        format: PreviewFormat,
    },
    /// Send the period's digests to every subscription (of --department only). E-mail uses
    /// THROUGHLINE_SMTP_HOST, _PORT, _SECURITY (starttls, tls, none), _USERNAME, _PASSWORD,
    /// _FROM. What was already sent is not sent again.
    Send {
        #[arg(long)]
        department: Option<String>,
        #[arg(long, default_value = "last-week")]
        period: String,
    },
    /// Subscribe an e-mail address or a chat webhook to a department's digest.
    Subscribe {
        department: String,
        #[arg(long, conflicts_with = "webhook", required_unless_present = "webhook")]
        email: Option<String>,
        #[arg(long)]
        webhook: Option<String>,
        /// Send the webhook a Slack-compatible message (default: the generic JSON digest).
        #[arg(long, requires = "webhook")]
        slack: bool,
    },
    /// Remove a subscription (its delivery log stays).
    Unsubscribe { id: i64 },
    /// The subscriptions.
    Subscriptions,
    /// A person stops (or, with --undo, resumes) receiving digests by e-mail.
    OptOut {
        email: String,
        #[arg(long)]
        undo: bool,
    },
    /// The delivery log, newest first.
    Log {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(url: &str, args: DigestArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let today = Date::today();
    match args.command {
        DigestCommand::Preview {
            department,
            period,
            format,
        } => {
            let period = Period::parse(&period, &today)?;
            let d = digest::digest(&store, &department, &period).await?;
            match format {
                PreviewFormat::Text => print!("{}", render::text(&d)?),
                PreviewFormat::Html => print!("{}", render::html(&d)?),
                PreviewFormat::Json => {
                    println!("{}", serde_json::to_string_pretty(&render::generic(&d))?)
                }
                PreviewFormat::Slack => {
                    println!("{}", serde_json::to_string_pretty(&render::slack(&d))?)
                }
            }
        }
        DigestCommand::Send { department, period } => {
            let period = Period::parse(&period, &today)?;
            let smtp = SmtpConfig::from_env()?;
            let report =
                send_digests(&store, &period, department.as_deref(), smtp.as_ref()).await?;
            let outcome = report_round("Digests", &period, &report);
            if outcome.is_err() {
                store.close().await;
            }
            outcome?;
        }
        DigestCommand::Subscribe {
            department,
            email,
            webhook: hook,
            slack,
        } => {
            let (channel, target) = match (&email, &hook) {
                (Some(address), _) => ("email", address.trim().to_owned()),
                (None, Some(url)) => ("webhook", url.trim().to_owned()),
                (None, None) => unreachable!("clap requires one"),
            };
            let wanted = match (&email, &hook) {
                (Some(address), _) => subscriptions::Target::Email(address),
                (None, Some(url)) => subscriptions::Target::Webhook { url, slack },
                (None, None) => unreachable!("clap requires one"),
            };
            match subscriptions::subscribe(&store, &department, wanted).await? {
                Some(id) => {
                    println!("Subscription {id}: {department}'s digest by {channel} to {target}.")
                }
                None => println!("{target} already receives {department}'s digest."),
            }
        }
        DigestCommand::Unsubscribe { id } => {
            if !subscriptions::unsubscribe(&store, id).await? {
                anyhow::bail!("there is no subscription {id}");
            }
            println!("Removed subscription {id}.");
        }
        DigestCommand::Subscriptions => {
            let all = store.subscriptions().await?;
            if all.is_empty() {
                println!(
                    "No subscriptions yet: throughline digest subscribe DEPARTMENT --email ADDRESS"
                );
            }
            for s in all {
                println!(
                    "{:>4}  {:<18} {:<8} {} ({})",
                    s.id, s.department, s.channel, s.target, s.format
                );
            }
        }
        DigestCommand::OptOut { email, undo } => {
            store.set_opt_out(email.trim(), !undo).await?;
            println!(
                "{} {} digests by e-mail.",
                email.trim(),
                if undo {
                    "receives"
                } else {
                    "no longer receives"
                }
            );
        }
        DigestCommand::Log { limit, json } => {
            let log = store.deliveries(limit).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&log)?);
            } else {
                if log.is_empty() {
                    println!("Nothing delivered yet.");
                }
                for d in log {
                    println!(
                        "{:>5}  {}  {:<18} {:<8} {:<40} {:<8} attempts {}{}",
                        d.id,
                        d.period,
                        d.department,
                        d.channel,
                        d.target,
                        d.status,
                        d.attempts,
                        d.last_error.map(|e| format!("  {e}")).unwrap_or_default()
                    );
                }
            }
        }
    }
    store.close().await;
    Ok(())
}

/// What a round of deliveries did, one line each for what went and what failed; an error when
/// anything failed (it is retried by a later round). `what` names the deliveries ("Digests").
pub(super) fn report_round(
    what: &str,
    period: &Period,
    report: &throughline_notify::SendReport,
) -> anyhow::Result<()> {
    let without = if report.skipped > 0 {
        format!(", {} without an address", report.skipped)
    } else {
        String::new()
    };
    println!(
        "{what} for {} ({} to {}): {} sent, {} already sent, {} opted out{without}, {} failed.",
        period.key,
        period.from,
        period.to.plus_days(-1),
        report.sent.len(),
        report.already,
        report.opted_out,
        report.failed.len()
    );
    for (subject, channel, target) in &report.sent {
        println!("  sent {subject} by {channel} to {target}");
    }
    for (subject, channel, target, error) in &report.failed {
        println!("  FAILED {subject} by {channel} to {target}: {error} (retried later)");
    }
    if !report.failed.is_empty() {
        anyhow::bail!(
            "{} deliveries failed; they are retried by later rounds (`throughline digest log` lists the departments' ones)",
            report.failed.len()
        );
    }
    Ok(())
}
