//! `throughline survey …`: journey surveys hosted by Throughline — make one for a touchpoint
//! (prints its public link), list, close; invite customers from a file (the contact-frequency
//! rule, opt-outs and erasures honoured) and send the invitations and reminders by e-mail.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use throughline_domain::survey::Translations;
use throughline_ingest::invitations::read_invitations;
use throughline_notify::SmtpConfig;
use throughline_notify::surveys::{SendPolicy, parse_quiet_hours, send_invitations};
use throughline_service::surveys::{self, InvitePolicy, SurveyInput};

use super::{command_line, open_store};

#[derive(Debug, Args)]
pub struct SurveyArgs {
    #[command(subcommand)]
    command: SurveyCommand,
}

/// How links in messages and printouts start.
#[derive(Debug, Args)]
pub struct PublicUrl {
    /// The address people reach the server at; links start with it.
    #[arg(
        long,
        env = "THROUGHLINE_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    pub public_url: String,
}

/// When invitations go out.
#[derive(Debug, Args)]
pub struct SendOptions {
    /// Hours (UTC) in which no invitation is sent, START-END, or none.
    #[arg(
        long,
        env = "THROUGHLINE_SURVEY_QUIET_HOURS",
        default_value = "21-8",
        value_name = "HOURS"
    )]
    quiet_hours: String,
    /// One reminder this many days after an unanswered invitation (0: none).
    #[arg(
        long,
        env = "THROUGHLINE_SURVEY_REMIND_DAYS",
        default_value_t = 7,
        value_name = "DAYS"
    )]
    remind_after_days: u32,
}

impl SendOptions {
    pub fn policy(&self, public_url: &str) -> anyhow::Result<SendPolicy> {
        Ok(SendPolicy {
            public_url: public_url.to_owned(),
            quiet_hours: parse_quiet_hours(&self.quiet_hours)?,
            remind_after_days: (self.remind_after_days > 0).then_some(self.remind_after_days),
        })
    }
}

#[derive(Debug, Subcommand)]
enum SurveyCommand {
    /// Make a survey for a touchpoint (or a whole stage); prints its id and its public link.
    Create {
        /// The touchpoint it asks about (its key or its name).
        #[arg(long, default_value = "", required_unless_present = "stage")]
        touchpoint: String,
        /// The stage it asks about as a whole, instead of one touchpoint (its key or name).
        #[arg(long, default_value = "", conflicts_with = "touchpoint")]
        stage: String,
        /// Its name and its responses' source (default "<touchpoint> survey").
        #[arg(long, default_value = "")]
        title: String,
        /// Also ask: nps, csat, ces or none.
        #[arg(long, default_value = "nps")]
        measure: String,
        /// The goal question's scale: 5 (1 to 5) or 10 (0 to 10).
        #[arg(long, default_value = "5")]
        goal_scale: String,
        /// A question of your own (repeat for more, at most 5).
        #[arg(long = "question", value_name = "TEXT")]
        questions: Vec<String>,
        /// The language it is written in: en, de, fr, es or nl.
        #[arg(long, default_value = "en")]
        language: String,
        /// Its own words in other languages: a TOML file with a table per language
        /// (`[de]` place = "Liefertag", title = "…", questions = ["…"]).
        #[arg(long, value_name = "FILE")]
        translations: Option<PathBuf>,
        #[command(flatten)]
        url: PublicUrl,
        #[arg(long)]
        json: bool,
    },
    /// Every survey with its responses and invitations.
    List {
        #[command(flatten)]
        url: PublicUrl,
        #[arg(long)]
        json: bool,
    },
    /// Close a survey for good: its links stop taking answers.
    Close { id: i64 },
    /// Invite the customers of a file (columns customer, email; optionally touchpoint, which
    /// picks the survey, event_date and language), then send the invitations unless --no-send.
    Invite {
        /// The survey (default: the open survey of each row's touchpoint).
        #[arg(long)]
        survey: Option<i64>,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// Where rows that cannot be read go (default FILE.rejects.csv).
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
        /// No customer is invited more than once in this many days, across all surveys.
        #[arg(long, default_value_t = 30, value_name = "DAYS")]
        min_days_between: u32,
        /// Store the invitations only; `throughline survey send` (or the server) sends them.
        #[arg(long)]
        no_send: bool,
        #[command(flatten)]
        url: PublicUrl,
        #[command(flatten)]
        send: SendOptions,
        #[arg(long)]
        json: bool,
    },
    /// Send the invitations not sent yet and the reminders due (SMTP from THROUGHLINE_SMTP_*).
    Send {
        #[command(flatten)]
        url: PublicUrl,
        #[command(flatten)]
        send: SendOptions,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct Made<'a> {
    id: i64,
    title: &'a str,
    touchpoint: Option<&'a str>,
    stage: Option<&'a str>,
    languages: Vec<&'static str>,
    public_link: String,
}

/// A translations file: a table per language.
fn read_translations(path: &std::path::Path) -> anyhow::Result<Translations> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn public_link(base: &str, token: &str) -> String {
    format!("{}/s/{token}", base.trim_end_matches('/'))
}

pub async fn run(url: &str, args: SurveyArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let result = command(&store, args.command).await;
    store.close().await;
    result
}

async fn command(store: &throughline_store::Store, command: SurveyCommand) -> anyhow::Result<()> {
    match command {
        SurveyCommand::Create {
            touchpoint,
            stage,
            title,
            measure,
            goal_scale,
            questions,
            language,
            translations,
            url,
            json,
        } => {
            let input = SurveyInput {
                touchpoint,
                stage,
                title,
                measure,
                goal_scale,
                questions,
                language,
                translations: translations
                    .as_deref()
                    .map(read_translations)
                    .transpose()?
                    .unwrap_or_default(),
            };
            let survey = surveys::create(store, command_line(), &input).await?;
            let made = Made {
                id: survey.id,
                title: &survey.title,
                touchpoint: survey.touchpoint.as_deref(),
                stage: survey.stage.as_deref(),
                languages: survey.languages().into_iter().map(|l| l.code()).collect(),
                public_link: public_link(&url.public_url, &survey.public_token),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&made)?);
            } else {
                let listed = surveys::listing(store, made.id).await?;
                let about = if listed.touchpoint_name.is_empty() {
                    format!("the whole stage {}", listed.stage_name)
                } else {
                    format!("{} ({})", listed.touchpoint_name, listed.stage_name)
                };
                println!(
                    "Survey {} \"{}\" asks about {about}, in {}. Its public link: {}",
                    made.id,
                    made.title,
                    made.languages.join(", "),
                    made.public_link
                );
                println!(
                    "Invite customers with their own links: throughline survey invite --survey {} \
                     --file customers.csv",
                    made.id
                );
            }
            Ok(())
        }
        SurveyCommand::List { url, json } => {
            let listed = surveys::list(store).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&listed)?);
                return Ok(());
            }
            if listed.is_empty() {
                println!("No survey yet: `throughline survey create --touchpoint KEY` makes one.");
            }
            for s in &listed {
                println!(
                    "{:>4}  {}  ({}{})  {} responses; {} invited, {} sent, {} answered{}\n      {}",
                    s.survey.id,
                    s.survey.title,
                    if s.touchpoint_name.is_empty() {
                        "the whole stage"
                    } else {
                        &s.touchpoint_name
                    },
                    if s.stage_name.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", s.stage_name)
                    },
                    s.survey.responses,
                    s.invitations.invited,
                    s.invitations.sent,
                    s.invitations.responded,
                    if s.survey.closed_at.is_some() {
                        "; closed"
                    } else {
                        ""
                    },
                    public_link(&url.public_url, &s.survey.public_token),
                );
            }
            Ok(())
        }
        SurveyCommand::Close { id } => {
            let survey = surveys::close(store, command_line(), id).await?;
            println!("Closed survey {id} \"{}\".", survey.title);
            Ok(())
        }
        SurveyCommand::Invite {
            survey,
            file,
            rejects,
            min_days_between,
            no_send,
            url,
            send,
            json,
        } => {
            let policy = send.policy(&url.public_url)?;
            let table = read_invitations(&file, rejects)?;
            let report = surveys::invite(
                store,
                command_line(),
                survey,
                &table.values,
                InvitePolicy { min_days_between },
            )
            .await?;
            let round = if no_send {
                None
            } else {
                match SmtpConfig::from_env()? {
                    Some(smtp) => Some(send_invitations(store, &smtp, &policy).await?),
                    None => None,
                }
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "rows_read": table.rows_read,
                        "rejected": table.rejected.len(),
                        "rejects_path": table.rejects_path,
                        "invited": report.invited,
                        "skipped_recent": report.skipped_recent,
                        "skipped_opted_out": report.skipped_opted_out,
                        "skipped_erased": report.skipped_erased,
                        "skipped_repeated": report.skipped_repeated,
                        "unmatched": report.unmatched,
                        "sent": round,
                    }))?
                );
                return Ok(());
            }
            println!(
                "Invited {} of {} customers read ({} rejected).",
                report.total_invited(),
                table.rows_read,
                table.rejected.len()
            );
            for (id, title, n) in &report.invited {
                println!("  {n} to survey {id} \"{title}\"");
            }
            let skipped = [
                (
                    report.skipped_recent,
                    "invited to a survey within the last {min_days_between} days",
                ),
                (report.skipped_opted_out, "asked never to be surveyed"),
                (report.skipped_erased, "erased on request"),
                (
                    report.skipped_repeated,
                    "a second row for the same customer or address",
                ),
            ];
            for (n, why) in skipped {
                if n > 0 {
                    println!(
                        "  not invited: {n} {}",
                        why.replace("{min_days_between}", &min_days_between.to_string())
                    );
                }
            }
            for (line, why) in &report.unmatched {
                println!("  line {line}: {why}");
            }
            if let Some(path) = &table.rejects_path {
                println!("  rows that could not be read: {}", path.display());
            }
            match round {
                Some(round) => print_round(&round),
                None if no_send => println!(
                    "Not sent (--no-send): `throughline survey send` or the server sends them."
                ),
                None => println!(
                    "Not sent: no SMTP server is configured (THROUGHLINE_SMTP_HOST, see \
                     docs/digests.md). `throughline survey send` sends them once it is."
                ),
            }
            Ok(())
        }
        SurveyCommand::Send { url, send, json } => {
            let policy = send.policy(&url.public_url)?;
            let smtp = SmtpConfig::from_env()?.ok_or_else(|| {
                anyhow::anyhow!(
                    "no SMTP server is configured: set THROUGHLINE_SMTP_HOST and \
                     THROUGHLINE_SMTP_FROM (docs/digests.md)"
                )
            })?;
            let round = send_invitations(store, &smtp, &policy).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&round)?);
            } else {
                print_round(&round);
            }
            if !round.failed.is_empty() {
                anyhow::bail!(
                    "{} invitations could not be sent; they are tried again on the next round",
                    round.failed.len()
                );
            }
            Ok(())
        }
    }
}

fn print_round(round: &throughline_notify::surveys::InvitationRound) {
    if round.quiet {
        println!(
            "Quiet hours: nothing sent now; the next round outside them sends the invitations."
        );
        return;
    }
    println!(
        "Sent {} invitations and {} reminders{}{}.",
        round.sent,
        round.reminded,
        if round.opted_out > 0 {
            format!("; {} opted out since", round.opted_out)
        } else {
            String::new()
        },
        if round.failed.is_empty() {
            String::new()
        } else {
            format!("; {} failed (tried again later)", round.failed.len())
        }
    );
    for (id, error) in &round.failed {
        println!("  invitation {id}: {error}");
    }
}
