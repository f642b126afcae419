//! `chains`: cross-silo chains found in the weekly series (department KPIs, themes' shares,
//! stages' NPS) — hypotheses for the council, with the evidence.

use clap::Args;
use throughline_analytics::chains::DEFAULT_FDR;
use throughline_service::chains::{self, Chains};

use super::{open_store, print_json};

#[derive(Debug, Args)]
pub struct ChainsArgs {
    /// The false-discovery rate links are kept at (Benjamini–Hochberg over every pair and lag
    /// tested).
    #[arg(long, default_value_t = DEFAULT_FDR, value_name = "Q")]
    fdr: f64,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(url: &str, args: ChainsArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
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
