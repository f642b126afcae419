//! `chains`: cross-silo chains found in the weekly series (department KPIs, themes' shares,
//! stages' NPS) — hypotheses for the council, with the evidence; and `chains propose`, a
//! cross-department initiative from one of them.

use clap::{Args, Subcommand};
use throughline_analytics::chains::DEFAULT_FDR;
use throughline_service::actions::InitiativeProposal;
use throughline_service::chains::{self, Chains};
use throughline_service::changes;

use super::{command_line, open_store, print_json};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ChainsArgs {
    #[command(subcommand)]
    command: Option<ChainsCommand>,
    /// The false-discovery rate links are kept at (Benjamini–Hochberg over every pair and lag
    /// tested).
    #[arg(long, default_value_t = DEFAULT_FDR, value_name = "Q")]
    fdr: f64,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum ChainsCommand {
    /// Propose a cross-department initiative from chain N (as `chains` numbers them), filled in
    /// from it: owned by the operational council, its title, description, metric, baseline,
    /// themes and stages from the chain. Without --target and --due it shows the proposal and
    /// proposes nothing.
    Propose {
        /// The chain's number in `throughline chains`.
        number: usize,
        /// The objective's target.
        #[arg(long)]
        target: Option<f64>,
        /// When it is due, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<String>,
        /// The baseline, when the chain's end is not a KPI with readings (or to override it).
        #[arg(long)]
        baseline: Option<f64>,
    },
}

pub async fn run(url: &str, args: ChainsArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    if let Some(ChainsCommand::Propose {
        number,
        target,
        due,
        baseline,
    }) = args.command
    {
        let result = propose(&store, number, target, due, baseline).await;
        store.close().await;
        return result;
    }
    let result = chains::chains(&store, args.fdr).await;
    store.close().await;
    let found = result?;
    if args.json {
        return print_json(&found);
    }
    print_chains(&found);
    Ok(())
}

fn print_chains(found: &Chains) {
    println!(
        "{} weekly series over {} weeks; {} pairs × lags tested along the journey, links kept at \
         a false-discovery rate of {}.",
        found.series, found.weeks, found.tested, found.fdr
    );
    if found.chains.is_empty() {
        println!("No chain found: no series leads another more clearly than chance would.");
        return;
    }
    println!("Hypotheses for the council (a lead is not a cause; look for the mechanism):");
    for (i, chain) in found.chains.iter().enumerate() {
        let text = chain.path(true);
        println!("  {}. {text}", i + 1);
        println!("     departments: {}", chain.departments.join(", "));
    }
}

async fn propose(
    store: &throughline_store::Store,
    number: usize,
    target: Option<f64>,
    due: Option<String>,
    baseline: Option<f64>,
) -> anyhow::Result<()> {
    let Some(suggestion) = chains::suggestion_numbered(store, number).await? else {
        anyhow::bail!(
            "there is no chain {number}: `throughline chains` lists the chains there are"
        );
    };
    let baseline = baseline.or(suggestion.baseline);
    println!("{}", suggestion.title);
    println!("  {}", suggestion.description);
    println!(
        "  owner {}; metric {}; baseline {}; themes {:?}; stages {}",
        suggestion.owner,
        suggestion.metric,
        baseline.map_or_else(|| "not known".to_owned(), |b| b.to_string()),
        suggestion.themes,
        suggestion.stages.join(", ")
    );
    let (Some(target), Some(due), Some(baseline)) = (target, due, baseline) else {
        let mut missing = Vec::new();
        if target.is_none() {
            missing.push("--target");
        }
        if baseline.is_none() {
            missing.push("--baseline");
        }
        println!(
            "Nothing proposed yet: give {} --due YYYY-MM-DD to propose it.",
            missing.join(" ")
        );
        return Ok(());
    };
    let proposed = changes::propose(
        store,
        command_line(),
        InitiativeProposal {
            title: suggestion.title,
            description: suggestion.description,
            owner: suggestion.owner,
            metric: suggestion.metric,
            baseline,
            target,
            due,
            themes: suggestion.themes,
            stages: suggestion.stages,
            ..InitiativeProposal::default()
        },
    )
    .await?;
    println!(
        "Proposed initiative {}; the strategic council approves it (`throughline initiatives \
         approve {} --by ...`).",
        proposed.id, proposed.id
    );
    Ok(())
}
