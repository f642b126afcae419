//! `throughline demo`: the example organisation and synthetic feedback in a fresh workspace,
//! analysed, a tour of it, and the web interface serving it with a demo administrator;
//! `throughline demo-data`: the synthetic feedback alone, as a CSV file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_analytics::synthetic;
use throughline_domain::Name;
use throughline_domain::org::{ChangeKind, Organisation, OwnershipRole};
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_server::Application;
use throughline_service::accounts::{self, NewAccount};
use throughline_service::analysis::{AnalyzeOptions, AnalyzeOutcome, analyze};
use throughline_service::themes::{TopTen, top_ten};
use throughline_store::redact_url;

use super::analyze::print_scores;
use super::open_store;
use super::org::{EXAMPLE_ORG, parse_org};
use super::themes::print_top_ten;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The SQLite file the demo (re)creates when no --database-url is given.
    #[arg(long, default_value = "throughline-demo.db", value_name = "FILE")]
    file: PathBuf,
    /// How many synthetic feedback records the demo generates and imports.
    #[arg(long, default_value_t = 3000, value_name = "N")]
    records: u64,
    /// Where the demo's web interface listens (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: String,
    /// Stop after the tour instead of serving the web interface.
    #[arg(long)]
    no_serve: bool,
}

/// The demo's administrator. Demo only: a real workspace gets its users from `users add`.
pub const DEMO_EMAIL: &str = "demo@northwind.example";
pub const DEMO_PASSWORD: &str = "northwind-demo";

#[derive(Debug, Args)]
pub struct DemoDataArgs {
    /// How many records to write.
    #[arg(long, default_value_t = 5000, value_name = "N")]
    records: u64,
    /// The random seed: the same seed gives the same file.
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// The CSV file to write.
    #[arg(
        long,
        default_value = "northwind-feedback.csv",
        value_name = "FILE.csv"
    )]
    out: PathBuf,
}

/// The seed of the demo's data, so that every demo shows the same story.
const DEMO_SEED: u64 = 42;

pub fn demo_data(args: DemoDataArgs) -> anyhow::Result<()> {
    let written = write_synthetic(&args.out, args.records, args.seed)?;
    println!(
        "Wrote {written} synthetic feedback records to {} (seed {}).",
        args.out.display(),
        args.seed
    );
    println!(
        "The customers, comments and scores are invented for the fictional Northwind Home; the \
         planted effects (which themes lower NPS and by how much, the June 2026 spike in damaged \
         items, the Sales→Billing→Customer Service chain) are listed in docs/demo-data.md."
    );
    println!("Import it: throughline import {}", args.out.display());
    Ok(())
}

fn write_synthetic(path: &Path, records: u64, seed: u64) -> anyhow::Result<u64> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let written = synthetic::write_csv(
        synthetic::Options {
            records,
            seed,
            spike: true,
        },
        std::io::BufWriter::new(file),
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(written)
}

pub async fn run(explicit_url: Option<String>, args: DemoArgs) -> anyhow::Result<()> {
    let (url, fresh) = match explicit_url {
        Some(url) => (url, false),
        None => {
            // The demo file is the demo's own: start it afresh each time.
            for suffix in ["", "-wal", "-shm"] {
                let mut path = args.file.clone().into_os_string();
                path.push(suffix);
                let path = PathBuf::from(path);
                if path.exists() {
                    std::fs::remove_file(&path)?;
                }
            }
            (format!("sqlite://{}", args.file.display()), true)
        }
    };
    let parsed = parse_org(EXAMPLE_ORG, "examples/org.toml")?;
    let org = parsed.organisation;
    let store = open_store(&url).await?;
    let diff = store.apply_organisation(&org, false).await?;

    // The sample feedback is written beside the database and imported like any export.
    let data_path = args.file.with_file_name(format!(
        "{}-feedback.csv",
        args.file
            .file_stem()
            .map_or_else(|| "throughline-demo".into(), |s| s.to_string_lossy())
    ));
    write_synthetic(&data_path, args.records, DEMO_SEED)?;
    let imported = import_file(
        &store,
        ImportRequest {
            path: data_path.clone(),
            source: Some(Name::parse("northwind-survey")?),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await?;

    // The analysis of what was imported, stored in the workspace like any analysis.
    let analysis = analyze(
        &store,
        AnalyzeOptions {
            seed: DEMO_SEED,
            ..AnalyzeOptions::default()
        },
    )
    .await?;
    let top = top_ten(&store, SINGLE_DEPARTMENT_SHARE).await?;

    println!("Throughline demo");
    println!(
        "Database: {}{}",
        redact_url(&url),
        if fresh { " (created fresh)" } else { "" }
    );
    println!(
        "Organisation: {} — a fictional company; all data in the demo is synthetic.",
        org.name
    );
    println!();
    let s = org.summary();
    println!(
        "Applied the example organisation ({} entities written): {} departments, {} journey stages, {} \
         touchpoints, {} moments of truth, {} councils with {} members, {} metrics, {} stage \
         vocabulary phrases.",
        diff.count(ChangeKind::Added) + diff.count(ChangeKind::Changed),
        s.departments,
        s.stages,
        s.touchpoints,
        s.moments_of_truth,
        s.councils,
        s.council_members,
        s.metrics,
        s.vocabulary_phrases
    );
    print_tour(&org);
    let totals = &imported.import.totals;
    println!();
    println!(
        "Imported {} synthetic feedback records from {} (source \"northwind-survey\"; {} \
         duplicates, {} rejected): NPS and CSAT scores and comments over the twelve months to \
         October 2026, with planted effects described in docs/demo-data.md.",
        totals.imported,
        data_path.display(),
        totals.duplicates,
        totals.rejected
    );
    print_analysis(&analysis, &top);
    println!();
    println!("Explore it:");
    let db = redact_url(&url);
    println!("  throughline --database-url {db} themes list");
    if let Some(first) = top.entries.first() {
        println!(
            "  throughline --database-url {db} themes show {}",
            first.theme
        );
    }
    println!("  throughline --database-url {db} top-ten --json");
    println!("  throughline --database-url {db} export-org");
    println!(
        "  throughline analyze-file {} --org examples/org.toml --out analysis/",
        data_path.display()
    );

    // The demo's administrator, so that the web interface can be opened at once.
    let added = accounts::add_user(
        &store,
        NewAccount {
            email: DEMO_EMAIL.into(),
            name: "Demo Administrator".into(),
            role: "admin".into(),
            department: None,
            password: DEMO_PASSWORD.into(),
        },
        "demo",
    )
    .await;
    if let Err(err) = added
        && !err.to_string().contains("already a user")
    {
        return Err(err.into());
    }
    if args.no_serve {
        println!();
        println!(
            "The web interface: throughline --database-url {db} serve, then sign in as \
             {DEMO_EMAIL} with the password {DEMO_PASSWORD} (demo only)."
        );
        store.close().await;
        return Ok(());
    }
    let app = Application::build(store, &args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    println!();
    println!(
        "The web interface is at http://{}/ — sign in as {DEMO_EMAIL} with the password \
         {DEMO_PASSWORD} (demo only). Ctrl-C stops it.",
        app.local_addr()?
    );
    use std::io::Write;
    std::io::stdout().flush()?;
    app.run().await?;
    Ok(())
}

fn print_analysis(analysis: &AnalyzeOutcome, top: &TopTen) {
    let summary = &analysis.summary;
    println!();
    println!(
        "Analysis: {} themes found in the comments (not preconceived) and saved as the codebook; \
         {} of {} records placed on a journey stage.",
        analysis.themes, summary.placed, summary.records
    );
    print_scores(summary);
    print_top_ten(top);
    for spike in &summary.spikes {
        println!(
            "Spike: \"{}\" in {}: {} records where {:.0} were expected (p = {:.1e})",
            spike.label, spike.period, spike.count, spike.expected, spike.p_value
        );
    }
}

fn print_tour(org: &Organisation) {
    println!();
    println!(
        "The customer's journey ({}), and the departments on each stage:",
        org.journey.name
    );
    for (i, stage) in org.journey.stages.iter().enumerate() {
        let departments = org.departments_of_stage(stage);
        let names = |role: OwnershipRole| {
            departments
                .iter()
                .filter(|(_, r)| *r == role)
                .map(|(d, _)| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "  {}. {:<28} {:>2} touchpoints   owners: {}   contributors: {}",
            i + 1,
            stage.name.as_str(),
            stage.touchpoints.len(),
            names(OwnershipRole::Owner),
            names(OwnershipRole::Contributor),
        );
    }
    println!();
    println!("Moments of truth:");
    for moment in &org.moments_of_truth {
        let stage = org
            .stage(&moment.stage)
            .map_or(moment.stage.as_str(), |s| s.name.as_str());
        println!("  {:>2}. {} ({stage})", moment.rank, moment.name);
    }
    println!();
    println!("Councils:");
    for council in &org.councils {
        let chair = &council.chair;
        println!(
            "  {} — {}, meets {}, chaired by {}{}; {} members",
            council.name,
            council.kind.as_str(),
            council.cadence.as_str(),
            chair.person.name,
            chair
                .title
                .as_deref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default(),
            council.members.len()
        );
    }
}
