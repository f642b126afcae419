//! `throughline demo`: the example organisation in a fresh workspace, and a tour of it.
//! Later steps of the product (sample feedback, analysis, the web interface) extend the demo.

use std::path::PathBuf;

use clap::Args;
use throughline_domain::org::{ChangeKind, Organisation, OwnershipRole};
use throughline_store::redact_url;

use super::open_store;
use super::org::{EXAMPLE_ORG, parse_org};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The SQLite file the demo (re)creates when no --database-url is given.
    #[arg(long, default_value = "throughline-demo.db", value_name = "FILE")]
    file: PathBuf,
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
    store.close().await;

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
    println!();
    println!("Explore it:");
    println!(
        "  throughline --database-url {} export-org",
        redact_url(&url)
    );
    Ok(())
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
