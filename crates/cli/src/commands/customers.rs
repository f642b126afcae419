//! `throughline customers erase ID`: a customer's right to be forgotten.

use clap::{Args, Subcommand};
use throughline_service::customers;

use super::{command_line, open_store};

#[derive(Debug, Args)]
pub struct CustomersArgs {
    #[command(subcommand)]
    command: CustomersCommand,
}

#[derive(Debug, Subcommand)]
enum CustomersCommand {
    /// Erase everything stored of one customer: their feedback with its analysis, their
    /// customer events, their words in closed meetings' agendas; the analysis is brought up to
    /// date without them; the audit log keeps a hash of the id, never the words.
    Erase {
        /// The customer's id, as it was imported (the `customer` field).
        customer: String,
        /// Print what was removed as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(url: &str, args: CustomersArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    match args.command {
        CustomersCommand::Erase { customer, json } => {
            let erased = customers::erase(&store, command_line(), &customer).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&erased)?);
            } else if erased.records + erased.events == 0 {
                println!(
                    "Nothing is stored of customer {customer:?} (no feedback, no events); the \
                     request is in the audit log as {}.",
                    customers::audit_subject(&customer)
                );
            } else {
                println!(
                    "Erased customer {customer:?}: {} feedback records with their analysis, {} \
                     customer events, their words in {} closed meetings' agendas. The analysis \
                     was brought up to date; the audit log names the erasure {}. Backups taken \
                     before still hold the data.",
                    erased.records,
                    erased.events,
                    erased.agendas,
                    customers::audit_subject(&customer)
                );
            }
        }
    }
    store.close().await;
    Ok(())
}
