//! Journey health: `journey check` (the gaps and overlaps between departments, from the
//! organisation and the feedback of a period) and `moments` (moments of truth found in
//! customers' histories, what they do to satisfaction, and the candidates the data suggests).

use clap::{Args, Subcommand};
use throughline_domain::org::Organisation;
use throughline_domain::org::gaps::Severity;
use throughline_service::journey::{self, JourneyCheck};
use throughline_service::moments::{self, Adoption, Moments};

use super::{command_line, open_store, print_json};

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
    let name = |key: &str| -> String { org.map_or(key, |o| o.department_name(key)).to_owned() };
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

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MomentsArgs {
    #[command(subcommand)]
    command: Option<MomentsCommand>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum MomentsCommand {
    /// The customers who reached one moment of truth, the most recent first: when, and their
    /// score before and after it.
    Show {
        /// The moment's rank in the organisation file.
        rank: u32,
        /// List at most so many customers (all with --json).
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Adopt a moment the data suggests (or any rule) as a moment of truth of the organisation,
    /// ranked after the others; `export-org` then shows it in the file.
    Adopt {
        /// The kind of event: contact (feedback records), order, delivery, …
        #[arg(long)]
        event: String,
        /// The n-th event that makes the moment.
        #[arg(long)]
        count: u32,
        /// Within so many days of the first of those events (leave out for "ever").
        #[arg(long, value_name = "DAYS")]
        within_days: Option<u32>,
        /// The journey stage it belongs to (the candidate's suggested stage, or any).
        #[arg(long)]
        stage: String,
        /// Its name (default: the rule, "3rd contact within 30 days").
        #[arg(long)]
        name: Option<String>,
        /// What the customer expects at this moment.
        #[arg(long)]
        expectation: Option<String>,
    },
}

pub async fn moments(url: &str, args: MomentsArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let result = match args.command {
        None => moments::moments(&store).await.map(Some),
        Some(MomentsCommand::Show { rank, limit, json }) => {
            let found = moments::customers(&store, rank).await;
            store.close().await;
            let found = found?;
            if json {
                return print_json(&found);
            }
            print_moment_customers(&found, limit);
            return Ok(());
        }
        Some(MomentsCommand::Adopt {
            event,
            count,
            within_days,
            stage,
            name,
            expectation,
        }) => {
            let adopted = moments::adopt(
                &store,
                command_line(),
                Adoption {
                    event,
                    count,
                    within_days,
                    stage,
                    name,
                    expectation,
                },
            )
            .await;
            adopted.map(|m| {
                println!(
                    "Adopted moment of truth {} “{}” on stage {}: {}. `throughline moments` \
                     measures it; `throughline export-org` shows it in the file.",
                    m.rank,
                    m.name,
                    m.stage,
                    m.detect.as_ref().map(|d| d.describe()).unwrap_or_default()
                );
                None
            })
        }
    };
    store.close().await;
    let Some(report) = result? else {
        return Ok(());
    };
    if args.json {
        return print_json(&report);
    }
    print_moments(&report);
    Ok(())
}

fn print_moment_customers(found: &moments::MomentCustomers, limit: usize) {
    let m = &found.moment;
    let score = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:+.0}"));
    println!(
        "Moment of truth {} “{}” [{}]: {} customers reached it; effect {} (95% interval {} to \
         {}) against {} other customers.",
        m.rank,
        m.name,
        m.rule,
        m.customers,
        score(m.effect),
        score(m.low),
        score(m.high),
        m.others
    );
    if found.customers.is_empty() {
        println!("No customer has reached it yet.");
        return;
    }
    println!(
        "  customer            reached on   before  after  records after  first comment after"
    );
    for c in found.customers.iter().take(limit) {
        let comment = c.comment_after.as_deref().unwrap_or("");
        let short: String = comment.chars().take(60).collect();
        println!(
            "  {:<18}  {}  {:>6}  {:>5}  {:>13}  {short}{}",
            c.customer,
            c.reached_on,
            score(c.score_before),
            score(c.score_after),
            c.records_after,
            if comment.chars().count() > 60 {
                "…"
            } else {
                ""
            }
        );
    }
    if found.customers.len() > limit {
        println!(
            "  … and {} more (--limit N, or --json for all).",
            found.customers.len() - limit
        );
    }
}

fn print_moments(report: &Moments) {
    let scale = report.scale.map_or("score", |s| s.as_str());
    let points = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:+.1}"));
    if report.moments.is_empty() {
        println!(
            "No moment of truth has a detection rule yet: add [moments_of_truth.detect] to the \
             organisation file (docs/journey-health.md), or adopt a candidate below."
        );
    } else {
        println!("Moments of truth in customers' histories, the most harmful first ({scale}):");
    }
    for m in &report.moments {
        println!(
            "  {}. {} [{}; stage {}]\n     {} customers reached it, {} with feedback after \
             ({} records); after {} vs others {} ({} customers); before it {}\n     effect {} \
             (95% interval {} to {})",
            m.rank,
            m.name,
            m.rule,
            m.stage,
            m.customers,
            m.sample,
            m.records,
            points(m.score_after),
            points(m.score_others),
            m.others,
            points(m.score_before),
            points(m.effect),
            points(m.low),
            points(m.high),
        );
    }
    if report.candidates.is_empty() {
        println!(
            "\nNo candidate moments: none of the {} rules tried moves satisfaction clearly.",
            report.rules_tried
        );
        return;
    }
    println!(
        "\nCandidates the data suggests ({} rules tried; intervals widened for that):",
        report.rules_tried
    );
    for c in &report.candidates {
        let within = c
            .within_days
            .map_or_else(String::new, |d| format!(" --within-days {d}"));
        println!(
            "  {}: {} customers, effect {:+.1} ({:+.1} to {:+.1}) — adopt: throughline moments \
             adopt --event {} --count {}{within} --stage {}",
            c.name,
            c.sample,
            c.effect,
            c.low,
            c.high,
            c.event,
            c.count,
            c.stage.as_deref().unwrap_or("STAGE"),
        );
    }
}
