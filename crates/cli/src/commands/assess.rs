//! `throughline assess …`: the culture-maturity assessment ("Naive to Natural") — the model,
//! starting an assessment, answers, results, history, closing, and the report as HTML or PDF.
//! A thin layer over `throughline_service::maturity`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use throughline_domain::maturity::Model;
use throughline_service::changes;
use throughline_service::maturity;

use super::{command_line, open_store, print_json, write_page};

#[derive(Debug, Args)]
pub struct AssessArgs {
    #[command(subcommand)]
    command: AssessCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    Html,
    Pdf,
}

#[derive(Debug, Subcommand)]
enum AssessCommand {
    /// The model: levels, areas, what each level looks like, the statements (default, or
    /// --model FILE checked).
    Model {
        #[arg(long, value_name = "FILE.toml")]
        model: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Start an assessment.
    Start {
        #[arg(long)]
        name: String,
        /// The level the council aims for (default: the third, Committed).
        #[arg(long)]
        target: Option<String>,
        /// A model file of one's own (see examples/maturity.toml).
        #[arg(long, value_name = "FILE.toml")]
        model: Option<PathBuf>,
    },
    /// Record one person's answers: a JSON object of statement id → 1..5 (see `assess model`).
    Answer {
        assessment: i64,
        #[arg(long)]
        respondent: String,
        #[arg(long)]
        department: Option<String>,
        #[arg(long, value_name = "FILE.json")]
        answers: PathBuf,
    },
    /// Results: each area's level, spread, gap to the target, next step; departments.
    Results {
        assessment: i64,
        #[arg(long)]
        json: bool,
    },
    /// Every assessment and how the areas moved since the one before.
    History {
        #[arg(long)]
        json: bool,
    },
    /// Close an assessment to further answers.
    Close { assessment: i64 },
    /// The report with its chart, as HTML or PDF.
    Report {
        assessment: i64,
        #[arg(long, value_enum, default_value = "html")]
        format: ReportFormat,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn read_model(path: &PathBuf) -> anyhow::Result<Model> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Model::parse(&text).with_context(|| format!("{}", path.display()))
}

pub async fn run(url: &str, args: AssessArgs) -> anyhow::Result<()> {
    if let AssessCommand::Model { model, json } = &args.command {
        let model = match model {
            Some(path) => read_model(path)?,
            None => Model::default_model(),
        };
        if *json {
            return print_json(&model);
        }
        println!("Levels: {}", model.levels.join(" → "));
        for (id, area, text) in model.statements() {
            println!("{id:<16} [{}] {text}", area.name);
        }
        return Ok(());
    }
    let store = open_store(url).await?;
    let actor = command_line();
    match args.command {
        AssessCommand::Model { .. } => unreachable!("handled above"),
        AssessCommand::Start {
            name,
            target,
            model,
        } => {
            let model = model.as_ref().map(read_model).transpose()?;
            let a =
                changes::start_assessment(&store, actor, &name, model, target.as_deref()).await?;
            println!(
                "Started assessment {} ({}), target {}.",
                a.stored.id, a.stored.name, a.model.levels[a.stored.target_level as usize]
            );
        }
        AssessCommand::Answer {
            assessment,
            respondent,
            department,
            answers,
        } => {
            let text = std::fs::read_to_string(&answers)
                .with_context(|| format!("cannot read {}", answers.display()))?;
            let parsed: BTreeMap<String, u8> = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: expected a JSON object of statement id → 1..5",
                    answers.display()
                )
            })?;
            maturity::answer(
                &store,
                assessment,
                &respondent,
                department.as_deref(),
                &parsed,
            )
            .await?;
            println!("Recorded the answers of {respondent} to assessment {assessment}.");
        }
        AssessCommand::Results { assessment, json } => {
            let r = maturity::results(&store, assessment).await?;
            if json {
                print_json(&r)?;
            } else {
                match &r.results {
                    None => println!("Nobody has answered assessment {assessment} yet."),
                    Some(res) => {
                        println!(
                            "{}: {} people, overall {:.2} — {} (target {})",
                            r.assessment.stored.name,
                            res.respondents,
                            res.mean,
                            res.level_name,
                            res.target_name
                        );
                        for a in &res.areas {
                            println!(
                                "  {:<48} {:.2} {:<10} spread {:.2}  gap {:.2}{}",
                                a.name,
                                a.mean,
                                a.level_name,
                                a.spread,
                                a.gap,
                                if a.divergent.is_empty() {
                                    String::new()
                                } else {
                                    format!("  far from the rest: {}", a.divergent.join(", "))
                                }
                            );
                        }
                        println!("Act first on:");
                        for key in &res.weakest {
                            if let Some(a) = res.areas.iter().find(|a| &a.key == key) {
                                println!("  {}: {}", a.name, a.next_step);
                            }
                        }
                    }
                }
            }
        }
        AssessCommand::History { json } => {
            let h = maturity::history(&store).await?;
            if json {
                print_json(&h)?;
            } else {
                for e in &h {
                    println!(
                        "{} {} ({}): {} people, {}",
                        e.assessment,
                        e.name,
                        e.on,
                        e.respondents,
                        e.mean.map_or_else(
                            || "no answers".to_owned(),
                            |m| format!("{m:.2} — {}", e.level.clone().unwrap_or_default())
                        )
                    );
                }
            }
        }
        AssessCommand::Close { assessment } => {
            changes::close_assessment(&store, actor, assessment).await?;
            println!("Closed assessment {assessment}.");
        }
        AssessCommand::Report {
            assessment,
            format,
            out,
        } => {
            write_page(
                throughline_server::maturity::maturity_report(&store, assessment, true).await,
                matches!(format, ReportFormat::Pdf),
                &out,
            )?;
            println!(
                "Wrote the maturity report of assessment {assessment} to {}.",
                out.display()
            );
        }
    }
    store.close().await;
    Ok(())
}
