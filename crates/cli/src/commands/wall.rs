//! `throughline wall …`: the story wall's links for screens with no account (make, list,
//! revoke — administrators' work, audited as the command line's) and the staff-meeting handout
//! (five stories of a department on one page, HTML or PDF).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use throughline_service::wall::{self, WallFilter};
use throughline_store::WallLink;

use super::{command_line, open_store};

#[derive(Debug, Args)]
pub struct WallArgs {
    #[command(subcommand)]
    command: WallCommand,
}

#[derive(Debug, Subcommand)]
enum WallCommand {
    /// Links that show the story wall, and nothing else, on a screen with no account.
    Link {
        #[command(subcommand)]
        command: LinkCommand,
    },
    /// Five stories on one page for a staff meeting.
    Handout {
        /// Stories of this department (the stages it takes part in).
        #[arg(long)]
        department: Option<String>,
        #[arg(long, value_enum, default_value = "html")]
        format: HandoutFormat,
        /// Where to write it (default: standard output for HTML; a PDF needs a file).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum LinkCommand {
    /// Make a link; prints its id and its address (shown this once: only its hash is kept).
    Create {
        /// Where the screen is ("Break room, 2nd floor").
        #[arg(long, default_value = "Story wall")]
        label: String,
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        stage: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every link, newest first, revoked ones too.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Stop a link for good.
    Revoke { id: i64 },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum HandoutFormat {
    Html,
    Pdf,
}

#[derive(Serialize)]
struct Made<'a> {
    id: i64,
    label: &'a str,
    department: Option<&'a str>,
    stage: Option<&'a str>,
    /// The address after the server's own (`https://cx.example.com` + path).
    path: String,
}

pub async fn run(url: &str, args: WallArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let result = match args.command {
        WallCommand::Link { command } => link(&store, command).await,
        WallCommand::Handout {
            department,
            format,
            out,
        } => {
            let filter = WallFilter {
                department,
                ..WallFilter::default()
            };
            let html = throughline_server::handout_html(&store, &filter, true).await?;
            match (format, out) {
                (HandoutFormat::Html, None) => {
                    print!("{html}");
                    Ok(())
                }
                (HandoutFormat::Html, Some(path)) => {
                    std::fs::write(&path, html)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    println!("Wrote the handout to {}.", path.display());
                    Ok(())
                }
                (HandoutFormat::Pdf, Some(path)) => {
                    throughline_server::pack::html_to_pdf(&html, &path)?;
                    println!("Wrote the handout to {}.", path.display());
                    Ok(())
                }
                (HandoutFormat::Pdf, None) => {
                    Err(anyhow::anyhow!("a PDF handout needs --out FILE.pdf"))
                }
            }
        }
    };
    store.close().await;
    result
}

async fn link(store: &throughline_store::Store, command: LinkCommand) -> anyhow::Result<()> {
    let actor = command_line();
    match command {
        LinkCommand::Create {
            label,
            department,
            stage,
            json,
        } => {
            let (made, secret) = wall::create_link(
                store,
                actor,
                &label,
                department.as_deref(),
                stage.as_deref(),
            )
            .await?;
            let shown = Made {
                id: made.id,
                label: &made.label,
                department: made.department.as_deref(),
                stage: made.stage.as_deref(),
                path: wall::link_path(&secret),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                println!("Wall link {} ({}): {}", shown.id, shown.label, shown.path);
                println!(
                    "Open it after the server's address (e.g. http://127.0.0.1:8080{}). It is shown \
                     this once; `throughline wall link revoke {}` stops it.",
                    shown.path, shown.id
                );
            }
        }
        LinkCommand::List { json } => {
            let links = wall::links(store).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&links)?);
            } else if links.is_empty() {
                println!(
                    "No wall links yet: `throughline wall link create --label \"Break room\"`."
                );
            } else {
                for l in &links {
                    println!("{}", line(l));
                }
            }
        }
        LinkCommand::Revoke { id } => {
            wall::revoke_link(store, actor, id).await?;
            println!("Wall link {id} revoked: its address now says so, and shows nothing else.");
        }
    }
    Ok(())
}

fn line(link: &WallLink) -> String {
    let scope = match (&link.department, &link.stage) {
        (Some(d), Some(s)) => format!("department {d}, stage {s}"),
        (Some(d), None) => format!("department {d}"),
        (None, Some(s)) => format!("stage {s}"),
        (None, None) => "every department".to_owned(),
    };
    let state = match link.revoked_at {
        Some(_) => "revoked".to_owned(),
        None if link.last_used_at.is_some() => "live, shown".to_owned(),
        None => "live, not shown yet".to_owned(),
    };
    format!(
        "{:>4}  {}  ({scope}; made by {}; {state})",
        link.id, link.label, link.created_by
    )
}
