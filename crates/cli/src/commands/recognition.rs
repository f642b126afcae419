//! `throughline recognition`: the teams whose work prevented a problem, above those that
//! resolved cases of a problem that kept coming back — the strategic council's recognition list.

use clap::Args;
use throughline_service::recognition::{self, Kind};

use super::open_store;

#[derive(Debug, Args)]
pub struct RecognitionArgs {
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(url: &str, args: RecognitionArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let found = recognition::recognise(&store).await?;
    store.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&found)?);
        return Ok(());
    }
    if found.teams.is_empty() {
        println!(
            "Nothing to recognise yet: no started initiative has closed a task or moved its theme."
        );
        return Ok(());
    }
    let mut heading = None;
    for (i, r) in found.teams.iter().enumerate() {
        let section = match r.kind {
            Kind::Prevented => "Prevented a problem (its theme fell and stayed down):",
            Kind::Resolving => "Resolving, while the problem continues:",
        };
        if heading != Some(section) {
            println!("{section}");
            heading = Some(section);
        }
        println!(
            "  {}. {} — {} [initiative {}]",
            i + 1,
            r.credited(),
            r.title,
            r.initiative
        );
        println!("     {}", r.evidence);
    }
    Ok(())
}
