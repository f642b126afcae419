//! `throughline rca …`, `initiatives …`, `tasks …`, `completion`, `scorecard …`, `stages`: from
//! the Top Ten to accountable work, and how it is scored. Each is a thin layer over `throughline_service::actions`.

use clap::{Args, Subcommand};
use serde::Serialize;
use throughline_analytics::scorecard::{Scorecard, Weights};
use throughline_domain::action::{InitiativeStatus, NewRootCause, Participant};
use throughline_service::actions::{self, Completion, InitiativeProposal};
use throughline_service::changes::{self, TaskInput};
use throughline_service::effects;
use throughline_service::scorecards::{self, StageMeasure};
use throughline_store::{StoredInitiative, StoredRootCause, StoredTask};

use super::{command_line, open_store, print_json, report_rejects};

#[derive(Debug, Args)]
pub struct RcaArgs {
    #[command(subcommand)]
    command: RcaCommand,
}

#[derive(Debug, Subcommand)]
enum RcaCommand {
    /// Record a 5-whys root-cause analysis on a theme.
    Add {
        /// The theme's id (see `throughline top-ten`).
        #[arg(long)]
        theme: i64,
        /// The problem statement.
        #[arg(long)]
        problem: String,
        /// One why per flag, in order (one to five).
        #[arg(long = "why", value_name = "WHY", required = true)]
        whys: Vec<String>,
        #[arg(long)]
        root_cause: String,
        /// The corrective action or standard.
        #[arg(long)]
        action: String,
        /// The metric that tracks the fix.
        #[arg(long)]
        metric: String,
        /// `Name (department-key)` or `Name`; repeat for each participant.
        #[arg(long = "participant", value_name = "NAME (DEPT)")]
        participants: Vec<String>,
        /// A feedback record id quoted as an example; repeat.
        #[arg(long = "verbatim", value_name = "RECORD")]
        verbatims: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// The analyses, newest first.
    List {
        #[arg(long)]
        theme: Option<i64>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn rca(url: &str, args: RcaArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let actor = command_line();
    match args.command {
        RcaCommand::Add {
            theme,
            problem,
            whys,
            root_cause,
            action,
            metric,
            participants,
            verbatims,
            json,
        } => {
            let participants = participants
                .iter()
                .map(|p| Participant::parse(p))
                .collect::<Result<_, _>>()?;
            let stored = changes::add_root_cause(
                &store,
                actor,
                NewRootCause {
                    theme,
                    problem,
                    whys,
                    root_cause,
                    corrective_action: action,
                    metric,
                    participants,
                    verbatims,
                },
            )
            .await?;
            if json {
                print_json(&stored)?;
            } else {
                println!(
                    "Recorded root-cause analysis {} on theme {theme}.",
                    stored.id
                );
                print_rca(&stored);
            }
        }
        RcaCommand::List { theme, json } => {
            let all = store.root_causes(theme).await?;
            if json {
                print_json(&all)?;
            } else {
                if all.is_empty() {
                    println!("No root-cause analyses yet.");
                }
                for r in &all {
                    print_rca(r);
                }
            }
        }
    }
    store.close().await;
    Ok(())
}

fn print_rca(r: &StoredRootCause) {
    let a = &r.analysis;
    println!("[{}] theme {}: {}", r.id, a.theme, a.problem);
    for (i, why) in a.whys.iter().enumerate() {
        println!("    why {}: {why}", i + 1);
    }
    println!("    root cause: {}", a.root_cause);
    println!("    corrective action: {}", a.corrective_action);
    println!("    tracked by: {}", a.metric);
    if !a.participants.is_empty() {
        let names: Vec<String> = a
            .participants
            .iter()
            .map(|p| match &p.department {
                Some(d) => format!("{} ({})", p.name, d.as_str()),
                None => p.name.clone(),
            })
            .collect();
        println!("    participants: {}", names.join(", "));
    }
    if !a.verbatims.is_empty() {
        let ids: Vec<String> = a.verbatims.iter().map(i64::to_string).collect();
        println!("    example records: {}", ids.join(", "));
    }
}

#[derive(Debug, Args)]
pub struct InitiativesArgs {
    #[command(subcommand)]
    command: InitiativesCommand,
}

#[derive(Debug, Subcommand)]
enum InitiativesCommand {
    /// Propose an initiative with a measurable objective.
    Propose {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// `department:KEY` or `council:KEY`.
        #[arg(long)]
        owner: String,
        #[arg(long)]
        sponsor: Option<String>,
        /// The metric the objective moves.
        #[arg(long)]
        metric: String,
        #[arg(long, allow_hyphen_values = true)]
        baseline: f64,
        #[arg(long, allow_hyphen_values = true)]
        target: f64,
        /// YYYY-MM-DD.
        #[arg(long)]
        due: String,
        /// A theme it addresses; repeat.
        #[arg(long = "theme", value_name = "ID")]
        themes: Vec<i64>,
        /// A journey stage it addresses; repeat.
        #[arg(long = "stage", value_name = "KEY")]
        stages: Vec<String>,
        /// The root-cause analysis it acts on.
        #[arg(long)]
        rca: Option<i64>,
        /// Resources asked of the strategic council.
        #[arg(long, default_value = "")]
        resources: String,
        #[arg(long)]
        json: bool,
    },
    /// Every initiative with its status and progress.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One initiative: objective, decision, tasks, reviews, and its measured effect (the change
    /// in its metric and themes since it started, against the counterfactual).
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// The strategic council approves a proposed initiative.
    Approve {
        id: i64,
        /// Who decided (a person or the council).
        #[arg(long)]
        by: String,
        /// The day they decided (YYYY-MM-DD, such as the meeting's; today by default).
        #[arg(long)]
        on: Option<String>,
        #[arg(long)]
        resources_granted: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// The strategic council rejects a proposed initiative.
    Reject {
        id: i64,
        #[arg(long)]
        by: String,
        /// The day they decided (YYYY-MM-DD; today by default).
        #[arg(long)]
        on: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// An approved initiative starts (today, or on the day given). With --on alone, an active or
    /// done initiative's start day is corrected: its measured effect is "before" and "after"
    /// that day.
    Start {
        id: i64,
        /// The day it started, YYYY-MM-DD (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// An active initiative is done.
    Finish { id: i64 },
    /// Record the weekly review: progress notes and, optionally, the metric's current value.
    Review {
        id: i64,
        /// YYYY-MM-DD.
        #[arg(long)]
        on: String,
        #[arg(long)]
        progress: String,
        #[arg(long, allow_hyphen_values = true)]
        value: Option<f64>,
    },
}

pub async fn initiatives(url: &str, args: InitiativesArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let actor = command_line();
    match args.command {
        InitiativesCommand::Propose {
            title,
            description,
            owner,
            sponsor,
            metric,
            baseline,
            target,
            due,
            themes,
            stages,
            rca,
            resources,
            json,
        } => {
            let stored = changes::propose(
                &store,
                actor,
                InitiativeProposal {
                    title,
                    description,
                    owner,
                    sponsor,
                    metric,
                    baseline,
                    target,
                    due,
                    themes,
                    stages,
                    root_cause: rca,
                    resources_requested: resources,
                },
            )
            .await?;
            if json {
                print_json(&stored)?;
            } else {
                println!(
                    "Proposed initiative {}: {} (awaiting the strategic council's approval).",
                    stored.id, stored.initiative.title
                );
            }
        }
        InitiativesCommand::List { json } => {
            let all = store.initiatives().await?;
            let completion = actions::completion(&store, None, None).await?;
            if json {
                print_json(&all)?;
            } else {
                if all.is_empty() {
                    println!("No initiatives yet.");
                }
                for i in &all {
                    print_initiative_line(i, completion.by_initiative.get(&i.id));
                }
            }
        }
        InitiativesCommand::Show { id, json } => {
            let initiative = actions::initiative(&store, id).await?;
            let tasks = store.tasks(Some(id)).await?;
            let reviews = store.reviews(id).await?;
            let measured = effects::measure(&store, &initiative).await?;
            if json {
                #[derive(Serialize)]
                struct Detail<'a> {
                    #[serde(flatten)]
                    initiative: &'a StoredInitiative,
                    tasks: &'a [StoredTask],
                    reviews: &'a [throughline_store::StoredReview],
                    measured_effect: &'a effects::MeasuredEffect,
                }
                print_json(&Detail {
                    initiative: &initiative,
                    tasks: &tasks,
                    reviews: &reviews,
                    measured_effect: &measured,
                })?;
            } else {
                let completion = actions::completion(&store, None, None).await?;
                print_initiative_line(&initiative, completion.by_initiative.get(&id));
                let i = &initiative.initiative;
                if let Some(sponsor) = &i.sponsor {
                    println!("    sponsor: {sponsor}");
                }
                if !i.resources_requested.is_empty() {
                    println!("    resources requested: {}", i.resources_requested);
                }
                if let Some(d) = &initiative.decision {
                    println!(
                        "    decided by {} on {}{}{}",
                        d.by,
                        throughline_domain::action::Date::of(d.at),
                        d.resources_granted
                            .as_deref()
                            .map(|g| format!("; granted: {g}"))
                            .unwrap_or_default(),
                        d.note
                            .as_deref()
                            .map(|n| format!("; {n}"))
                            .unwrap_or_default()
                    );
                }
                for t in &tasks {
                    print_task(t);
                }
                for r in &reviews {
                    let value = r
                        .review
                        .metric_value
                        .map(|v| format!(" (metric {v})"))
                        .unwrap_or_default();
                    println!("    review {}: {}{value}", r.review.on, r.review.progress);
                }
                print_measured(&measured);
            }
        }
        InitiativesCommand::Approve {
            id,
            by,
            on,
            resources_granted,
            note,
        } => {
            let i = changes::change_status(
                &store,
                actor,
                id,
                InitiativeStatus::Approved,
                note,
                resources_granted,
                Some(council_decision(by, on.as_deref())?),
            )
            .await?;
            println!("Initiative {id} \"{}\" is approved.", i.initiative.title);
        }
        InitiativesCommand::Reject { id, by, on, note } => {
            let i = changes::change_status(
                &store,
                actor,
                id,
                InitiativeStatus::Rejected,
                note,
                None,
                Some(council_decision(by, on.as_deref())?),
            )
            .await?;
            println!("Initiative {id} \"{}\" is rejected.", i.initiative.title);
        }
        InitiativesCommand::Start { id, on } => {
            let current = actions::initiative(&store, id).await?;
            let mut i = current.clone();
            let started = current.status.has_started();
            if !(started && on.is_some()) {
                i = changes::change_status(
                    &store,
                    actor,
                    id,
                    InitiativeStatus::Active,
                    None,
                    None,
                    None,
                )
                .await?;
            }
            if let Some(on) = &on {
                i = changes::set_start(&store, actor, id, on).await?;
            }
            println!(
                "Initiative {id} \"{}\" is active, started on {}.",
                i.initiative.title,
                i.started_on
                    .as_ref()
                    .map_or_else(|| "?".to_owned(), ToString::to_string)
            );
        }
        InitiativesCommand::Finish { id } => {
            let i =
                changes::change_status(&store, actor, id, InitiativeStatus::Done, None, None, None)
                    .await?;
            println!("Initiative {id} \"{}\" is done.", i.initiative.title);
        }
        InitiativesCommand::Review {
            id,
            on,
            progress,
            value,
        } => {
            let i = changes::add_review(&store, actor, id, &on, &progress, value).await?;
            let progress = i
                .current_value
                .map(|v| {
                    format!(
                        " Progress toward the target: {:.0}%.",
                        i.initiative.objective.progress(v)
                    )
                })
                .unwrap_or_default();
            println!("Recorded the review of initiative {id} on {on}.{progress}");
        }
    }
    store.close().await;
    Ok(())
}

fn print_initiative_line(i: &StoredInitiative, completion: Option<&Completion>) {
    let o = &i.initiative.objective;
    let progress = i
        .current_value
        .map(|v| format!(", now {v} ({:.0}% of the way)", o.progress(v)))
        .unwrap_or_default();
    let tasks = completion
        .map(|c| format!("; tasks {}/{} done", c.done, c.planned))
        .unwrap_or_default();
    println!(
        "[{}] {} — {} — owner {} {}; {} from {} to {} by {}{progress}{tasks}",
        i.id,
        i.initiative.title,
        i.status.as_str(),
        i.initiative.owner.kind(),
        i.initiative.owner.key().as_str(),
        o.metric,
        o.baseline,
        o.target,
        o.due
    );
}

fn print_measured(measured: &effects::MeasuredEffect) {
    match (&measured.started_on, &measured.note) {
        (_, Some(note)) => println!("    measured effect: {note}"),
        (Some(started), None) => {
            println!("    measured effect since it started on {started}:");
            for m in &measured.measures {
                if m.change.is_some() {
                    println!("      {} — {}: {}", m.label, m.verdict(), m.describe());
                } else {
                    println!("      {}", m.describe());
                }
            }
        }
        (None, None) => {}
    }
}

fn print_task(t: &StoredTask) {
    let done = t
        .done_on
        .as_ref()
        .map(|d| format!(", done {d}"))
        .unwrap_or_default();
    println!(
        "    task {}: {} — {} ({}), due {}, {}{done}",
        t.id,
        t.task.title,
        t.task.owner_name,
        t.task.department.as_str(),
        t.task.due,
        t.status.as_str()
    );
}

#[derive(Debug, Args)]
pub struct TasksArgs {
    #[command(subcommand)]
    command: TasksCommand,
}

#[derive(Debug, Subcommand)]
enum TasksCommand {
    /// Add a task to an initiative.
    Add {
        #[arg(long)]
        initiative: i64,
        #[arg(long)]
        title: String,
        /// The person who does it.
        #[arg(long)]
        owner: String,
        /// Their department's key.
        #[arg(long)]
        department: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        due: String,
    },
    /// Tasks, of one initiative or all.
    List {
        #[arg(long)]
        initiative: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Mark a task done (today unless --on says when).
    Done {
        id: i64,
        /// YYYY-MM-DD.
        #[arg(long)]
        on: Option<String>,
    },
}

pub async fn tasks(url: &str, args: TasksArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let actor = command_line();
    match args.command {
        TasksCommand::Add {
            initiative,
            title,
            owner,
            department,
            due,
        } => {
            let input = TaskInput {
                initiative,
                title,
                owner_name: owner,
                department,
                due,
            };
            let t = changes::add_task(&store, actor, input).await?;
            println!(
                "Added task {} to initiative {initiative}, due {}.",
                t.id, t.task.due
            );
        }
        TasksCommand::List { initiative, json } => {
            let all = store.tasks(initiative).await?;
            if json {
                print_json(&all)?;
            } else {
                for t in &all {
                    print_task(t);
                }
            }
        }
        TasksCommand::Done { id, on } => {
            let on = on.unwrap_or_else(today);
            let t = changes::complete_task(&store, actor, id, Some(on.clone())).await?;
            let late = if t.done_on.as_ref().is_some_and(|d| *d > t.task.due) {
                " (late)"
            } else {
                ""
            };
            println!("Task {id} \"{}\" is done on {on}{late}.", t.task.title);
        }
    }
    store.close().await;
    Ok(())
}

fn today() -> String {
    throughline_domain::action::Date::today().to_string()
}

/// The council's decision as `--by` and `--on` give it.
fn council_decision(by: String, on: Option<&str>) -> anyhow::Result<changes::CouncilDecision> {
    let on = on
        .map(|day| {
            throughline_domain::action::Date::parse(day).map_err(|e| anyhow::anyhow!("--on: {e}"))
        })
        .transpose()?;
    Ok(changes::CouncilDecision { by, on })
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// First due date counted (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Last due date counted (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    json: bool,
}

pub async fn completion(url: &str, args: CompletionArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let report = actions::completion(&store, args.from.as_deref(), args.to.as_deref()).await?;
    if args.json {
        print_json(&report)?;
    } else {
        let line = |name: &str, c: &Completion| {
            println!(
                "  {name:<28} {:>3} planned {:>3} done  completion {:>5}  on time {:>5}",
                c.planned,
                c.done,
                c.completion_rate
                    .map_or_else(|| "-".into(), |r| format!("{r:.0}%")),
                c.on_time_rate
                    .map_or_else(|| "-".into(), |r| format!("{r:.0}%")),
            );
        };
        println!("Task completion (tasks due in the period):");
        line("overall", &report.overall);
        for (id, c) in &report.by_initiative {
            line(&format!("initiative {id}"), c);
        }
        for (key, c) in &report.by_department {
            line(&format!("department {key}"), c);
        }
        for (key, c) in &report.by_council {
            line(&format!("council {key}"), c);
        }
    }
    store.close().await;
    Ok(())
}

#[derive(Debug, Args)]
pub struct ScorecardArgs {
    #[command(subcommand)]
    command: ScorecardCommand,
    /// Weights of the action plan, the negative-theme trend and the stage rating.
    #[arg(
        long,
        global = true,
        default_value = "0.5,0.3,0.2",
        value_name = "A,B,C"
    )]
    weights: String,
    /// The single-department share used to find the themes a department owns.
    #[arg(
        long,
        global = true,
        default_value_t = throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE,
        env = "THROUGHLINE_SINGLE_DEPARTMENT_SHARE",
        value_name = "SHARE"
    )]
    single_department_share: f64,
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum ScorecardCommand {
    /// A department's weighted score, its owned negative themes, and the stage measures it
    /// shares with the other departments on those stages.
    Department { key: String },
    /// An initiative's weighted score.
    Initiative { id: i64 },
}

pub async fn scorecard(url: &str, args: ScorecardArgs) -> anyhow::Result<()> {
    let weights = Weights::parse(&args.weights).map_err(anyhow::Error::msg)?;
    let store = open_store(url).await?;
    match args.command {
        ScorecardCommand::Department { key } => {
            let card =
                scorecards::department(&store, &key, weights, args.single_department_share).await?;
            if args.json {
                print_json(&card)?;
            } else {
                println!(
                    "Scorecard of {} ({}): {}",
                    card.name,
                    card.department,
                    score_text(&card.scorecard)
                );
                print_components(&card.scorecard);
                if !card.negative_themes.is_empty() {
                    let themes: Vec<String> = card
                        .negative_themes
                        .iter()
                        .map(|(id, label)| format!("[{id}] {label}"))
                        .collect();
                    println!("  Negative themes it owns: {}", themes.join(", "));
                }
                println!("  Across the experience — the stages it shares with other departments:");
                print_stage_measures(&card.shared_measures);
                if !card.own_kpis.is_empty() {
                    println!("  Its own KPIs:");
                }
                for k in &card.own_kpis {
                    let latest = k.latest.as_ref().map_or_else(
                        || "no value recorded (throughline kpi record)".to_owned(),
                        |v| format!("{} {} on {}", v.value, k.unit, v.on),
                    );
                    let movement = k.movement.map(|m| format!(", {m}")).unwrap_or_default();
                    println!("    {} ({}): {latest}{movement}", k.name, k.key);
                }
            }
        }
        ScorecardCommand::Initiative { id } => {
            let card = scorecards::initiative(&store, id, weights).await?;
            if args.json {
                print_json(&card)?;
            } else {
                println!(
                    "Scorecard of initiative {id}, {}: {}",
                    card.title,
                    score_text(&card.scorecard)
                );
                print_components(&card.scorecard);
                println!(
                    "  Measured effect (did it work?): {}",
                    card.measured_effect.headline()
                );
            }
        }
    }
    store.close().await;
    Ok(())
}

fn score_text(card: &Scorecard) -> String {
    card.score.map_or_else(
        || "no score (every component is missing)".to_owned(),
        |s| format!("{s:.0} / 100"),
    )
}

fn print_components(card: &Scorecard) {
    for c in &card.components {
        let score = c
            .score
            .map_or_else(|| "  -".to_owned(), |s| format!("{s:>3.0}"));
        println!("  {score}  {} (weight {}): {}", c.name, c.weight, c.detail);
    }
}

fn print_stage_measures(measures: &[StageMeasure]) {
    for m in measures {
        let nps = m.nps.as_ref().map_or_else(
            || "NPS -".to_owned(),
            |e| format!("NPS {:.0} ({:.0} to {:.0})", e.value, e.low, e.high),
        );
        let departments: Vec<String> = m
            .departments
            .iter()
            .map(|(d, role)| format!("{d} ({})", role.as_str()))
            .collect();
        println!(
            "    {:<26} {:>5} records  {nps}  — {}",
            m.name,
            m.records,
            departments.join(", ")
        );
    }
}

#[derive(Debug, Args)]
pub struct StagesArgs {
    #[arg(long)]
    json: bool,
}

pub async fn stages(url: &str, args: StagesArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let measures = scorecards::stage_measures(&store).await?;
    if args.json {
        print_json(&measures)?;
    } else {
        println!(
            "Customer measures per journey stage, shared by every department that affects it:"
        );
        print_stage_measures(&measures);
    }
    store.close().await;
    Ok(())
}

#[derive(Debug, Args)]
pub struct KpiArgs {
    #[command(subcommand)]
    command: KpiCommand,
}

#[derive(Debug, Subcommand)]
enum KpiCommand {
    /// Record a department KPI's value on a day (a metric key of the organisation file); a
    /// second value for the same day replaces the first.
    Record {
        metric: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        on: String,
        #[arg(long, allow_hyphen_values = true)]
        value: f64,
    },
    /// Import KPI values from a CSV, JSON Lines or Excel file with the columns metric (a metric
    /// key of the organisation file), date (YYYY-MM-DD) and value. Re-importing is safe: a day
    /// already recorded with the same value is unchanged; a different value replaces it. Bad
    /// rows go to NAME.rejects.csv with their line and reason.
    Import {
        file: std::path::PathBuf,
        /// Where rejected rows go. Default: NAME.rejects.csv beside the file.
        #[arg(long, value_name = "PATH")]
        rejects: Option<std::path::PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A KPI's recorded values, oldest first.
    List {
        metric: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn kpi(url: &str, args: KpiArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let actor = command_line();
    match args.command {
        KpiCommand::Record { metric, on, value } => {
            let kpi = changes::record_kpi(&store, actor, &metric, &on, value).await?;
            println!("Recorded {} = {} on {}.", kpi.metric, kpi.value, kpi.on);
        }
        KpiCommand::Import {
            file,
            rejects,
            json,
        } => {
            let result = changes::import_kpis(&store, actor, file.clone(), rejects).await;
            store.close().await;
            let report = result?;
            if json {
                return print_json(&report);
            }
            let written = report_rejects(&file, &report.rejections, report.rejects_path.as_deref());
            println!(
                "Imported KPI values from {}: {} read, {} added, {} changed, {} unchanged, {} \
                 rejected{written}.",
                file.display(),
                report.rows_read,
                report.added,
                report.changed,
                report.unchanged,
                report.rejected,
            );
            return Ok(());
        }
        KpiCommand::List { metric, json } => {
            let values = store.kpi_values(&metric).await?;
            if json {
                print_json(&values)?;
            } else {
                for v in &values {
                    println!("  {}  {}", v.on, v.value);
                }
            }
        }
    }
    store.close().await;
    Ok(())
}
