//! `throughline themes …`: the workspace's themes — list, show with verbatims, rename, merge,
//! split, archive, restore, add a phrase; `throughline top-ten`: the Top Ten as stored.

use clap::{Args, Subcommand};
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_domain::action::Date;
use throughline_service::changes::{self, ThemeEdit};
use throughline_service::period::{self, PeriodQuery};
use throughline_service::themes::{self, TopTen};
use throughline_store::StoredTheme;

use super::{command_line, open_store, print_json};

#[derive(Debug, Args)]
pub struct ThemesArgs {
    #[command(subcommand)]
    command: ThemesCommand,
}

#[derive(Debug, Subcommand)]
enum ThemesCommand {
    /// The themes, largest first: id, records, share, sentiment, stage, label.
    List {
        /// Also the archived, merged, split and retired themes.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One theme: its phrases, measures, impact and its most typical customer comments.
    Show {
        id: i64,
        /// How many comments to show.
        #[arg(long, default_value_t = 5, value_name = "N")]
        verbatims: u32,
        #[arg(long)]
        json: bool,
    },
    /// Give a theme a label of your own (kept by later rediscoveries).
    Rename { id: i64, label: String },
    /// Merge the first theme into the second: its records, phrases and place in the codebook.
    Merge { from: i64, into: i64 },
    /// Split a theme into parts found in its records (new themes; the theme is kept as split).
    Split {
        id: i64,
        #[arg(long, default_value_t = 2, value_name = "N")]
        parts: usize,
        #[arg(long, default_value_t = 42, value_name = "S")]
        seed: u64,
    },
    /// Set a theme aside: no longer given to records, listed or ranked.
    Archive { id: i64 },
    /// Bring an archived theme back.
    Restore { id: i64 },
    /// Every record containing the phrase, stored or to come, gets the theme first.
    AddPhrase { id: i64, phrase: String },
    /// Choose a theme's owner: a department key, `council` (the operational council), or
    /// `auto` to let the routing rule decide. Kept across analyses.
    SetOwner { id: i64, owner: String },
    /// Put a theme under another as one of its sub-themes (one customer issue in several
    /// wordings): the Top Ten then ranks the parent with the records of all of them, and the
    /// parent's page lists each with its own counts.
    Nest {
        id: i64,
        /// The theme it goes under.
        #[arg(long, value_name = "PARENT")]
        under: i64,
    },
    /// Make a sub-theme a theme of its own again.
    Unnest { id: i64 },
}

#[derive(Debug, Args)]
pub struct TopTenArgs {
    /// Print the Top Ten as JSON.
    #[arg(long)]
    json: bool,
    /// A theme is one department's when at least this share of its placed records falls on
    /// that department; otherwise it is cross-department and the operational council owns it.
    #[arg(
        long,
        default_value_t = SINGLE_DEPARTMENT_SHARE,
        env = "THROUGHLINE_SINGLE_DEPARTMENT_SHARE",
        value_name = "SHARE"
    )]
    single_department_share: f64,
    /// Rank the themes on one period's records: 30d, 90d, quarter, year (so far), or custom
    /// with --from and --to. Left out: the Top Ten of all the data, as the latest analysis
    /// ranked it.
    #[arg(long, value_name = "PERIOD")]
    period: Option<String>,
    /// The period's first day (YYYY-MM-DD); alone it means custom.
    #[arg(long, value_name = "DAY")]
    from: Option<String>,
    /// The period's last day (YYYY-MM-DD), included.
    #[arg(long, value_name = "DAY")]
    to: Option<String>,
}

pub async fn run(url: &str, args: ThemesArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let actor = command_line();
    match args.command {
        ThemesCommand::List { all, json } => {
            let listed = themes::list(&store, all).await?;
            if json {
                print_json(&listed)?;
            } else {
                print_list(&listed);
            }
        }
        ThemesCommand::Show {
            id,
            verbatims,
            json,
        } => {
            let detail = themes::show(&store, id, verbatims).await?;
            if json {
                print_json(&detail)?;
            } else {
                print_detail(&detail);
            }
        }
        ThemesCommand::Rename { id, label } => {
            let theme = changes::rename_theme(&store, actor, id, &label).await?;
            println!("Theme {id} is now \"{}\".", theme.label);
        }
        ThemesCommand::Merge { from, into } => {
            let theme =
                only(changes::edit_theme(&store, actor, from, ThemeEdit::Merge { into }).await?);
            println!(
                "Merged theme {from} into {into} \"{}\": {} records now.",
                theme.label, theme.aggregates.records
            );
        }
        ThemesCommand::Split { id, parts, seed } => {
            let parts =
                changes::edit_theme(&store, actor, id, ThemeEdit::Split { parts, seed }).await?;
            println!("Split theme {id} into {} themes:", parts.len());
            print_list(&parts);
        }
        ThemesCommand::Archive { id } => {
            let theme = only(changes::edit_theme(&store, actor, id, ThemeEdit::Archive).await?);
            println!(
                "Archived theme {id} \"{}\" (undo: throughline themes restore {id}).",
                theme.label
            );
        }
        ThemesCommand::Restore { id } => {
            let theme = only(changes::edit_theme(&store, actor, id, ThemeEdit::Restore).await?);
            println!(
                "Restored theme {id} \"{}\": {} records.",
                theme.label, theme.aggregates.records
            );
        }
        ThemesCommand::SetOwner { id, owner } => {
            let theme =
                only(changes::edit_theme(&store, actor, id, ThemeEdit::SetOwner(&owner)).await?);
            match &theme.owner {
                Some(owner) => println!(
                    "Theme {id} \"{}\" is owned by {owner}, as you set it (kept across analyses).",
                    theme.label
                ),
                None => println!(
                    "Theme {id} \"{}\": the routing rule decides its owner again.",
                    theme.label
                ),
            }
        }
        ThemesCommand::Nest { id, under } => {
            let theme = only(
                changes::edit_theme(&store, actor, id, ThemeEdit::Nest { under: Some(under) })
                    .await?,
            );
            let parent = themes::show(&store, under, 0).await?.theme;
            println!(
                "Theme {id} \"{}\" is a sub-theme of {under} \"{}\": the Top Ten ranks \"{}\" \
                 with its {} records{}.",
                theme.label,
                parent.label,
                parent.label,
                parent.aggregates.records,
                parent
                    .aggregates
                    .top_ten_rank
                    .map_or_else(String::new, |rank| format!(", number {rank}"))
            );
        }
        ThemesCommand::Unnest { id } => {
            let theme = only(
                changes::edit_theme(&store, actor, id, ThemeEdit::Nest { under: None }).await?,
            );
            println!(
                "Theme {id} \"{}\" is a theme of its own again: {} records.",
                theme.label, theme.aggregates.records
            );
        }
        ThemesCommand::AddPhrase { id, phrase } => {
            let before = themes::show(&store, id, 0).await?.theme.aggregates.records;
            let theme =
                only(changes::edit_theme(&store, actor, id, ThemeEdit::AddPhrase(&phrase)).await?);
            let gained = theme.aggregates.records.saturating_sub(before);
            println!(
                "Theme {id} \"{}\" now also covers \"{}\": {gained} stored records gained it.",
                theme.label,
                phrase.trim()
            );
        }
    }
    store.close().await;
    Ok(())
}

pub async fn top_ten(url: &str, args: TopTenArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let asked = PeriodQuery {
        period: args.period,
        from: args.from,
        to: args.to,
    };
    let top = match asked.span(&Date::today())? {
        Some(span) => period::top_ten(&store, &span.current, args.single_department_share).await?,
        None => themes::top_ten(&store, args.single_department_share).await?,
    };
    if args.json {
        print_json(&top)?;
    } else {
        print_top_ten(&top);
    }
    store.close().await;
    Ok(())
}

fn print_list(listed: &[StoredTheme]) {
    println!(
        "{:>5}  {:>7}  {:>6}  {:>9}  {:<18} label",
        "id", "records", "share", "sentiment", "stage"
    );
    for t in listed {
        let a = &t.aggregates;
        let status = match t.status {
            throughline_store::ThemeStatus::Active => String::new(),
            other => format!("  [{}]", other.as_str()),
        };
        let status = match t.parent {
            Some(parent) => format!("{status}  (under {parent})"),
            None => status,
        };
        println!(
            "{:>5}  {:>7}  {:>5.1}%  {:>9}  {:<18} {}{status}",
            t.id,
            a.records,
            a.share * 100.0,
            a.mean_sentiment
                .map_or_else(|| "-".to_owned(), |s| format!("{s:+.2}")),
            a.stage.as_deref().unwrap_or("-"),
            t.label,
        );
    }
}

fn print_detail(detail: &themes::ThemeDetail) {
    let t = &detail.theme;
    let a = &t.aggregates;
    println!("Theme {}: {} [{}]", t.id, t.label, t.status.as_str());
    println!("  Phrases: {}", t.phrases.join(", "));
    if !t.added_phrases.is_empty() {
        println!("  Added phrases: {}", t.added_phrases.join(", "));
    }
    println!(
        "  {} records ({:.1}%), mean sentiment {}, mostly on stage {}",
        a.records,
        a.share * 100.0,
        a.mean_sentiment
            .map_or_else(|| "-".to_owned(), |s| format!("{s:+.2}")),
        a.stage.as_deref().unwrap_or("(none)")
    );
    if let Some(rank) = a.top_ten_rank {
        println!("  Top Ten: number {rank}");
    }
    if let Some(parent) = t.parent {
        println!("  A sub-theme of theme {parent} (ranked there in the Top Ten)");
    }
    if !detail.sub_themes.is_empty() {
        println!("  Sub-themes (their records are this theme's too):");
    }
    for sub in &detail.sub_themes {
        println!(
            "    {} \"{}\": {} records ({:.1}%)",
            sub.id,
            sub.label,
            sub.aggregates.records,
            sub.aggregates.share * 100.0
        );
    }
    for related in &detail.related {
        let relation = if t.merged_into == Some(related.id) {
            "merged into"
        } else {
            "split into"
        };
        println!("  {relation} {} \"{}\"", related.id, related.label);
    }
    if !detail.verbatims.is_empty() {
        println!("  Typical comments:");
    }
    for v in &detail.verbatims {
        let nps = v.nps.map(|n| format!("NPS {n}, ")).unwrap_or_default();
        println!(
            "    - \"{}\" ({nps}sentiment {:+.2})",
            v.text.replace('\n', " / "),
            v.sentiment
        );
    }
}

/// The Top Ten as a table; shared with `analyze` and the demo.
pub fn print_top_ten(top: &TopTen) {
    let unit = match top.metric.as_deref() {
        Some("nps") => "NPS points",
        Some(_) => "points of the mean score",
        None => {
            match &top.period {
                Some(days) => println!(
                    "Top Ten of {}: fewer than 30 of its {} records carry a score, so no theme can be ranked by impact.",
                    days.describe(),
                    top.records
                ),
                None => println!(
                    "Top Ten: the records carry no scores, so no theme can be ranked by impact."
                ),
            }
            return;
        }
    };
    match &top.period {
        Some(days) => println!(
            "Top Ten of {}, {} records — the themes that cost the most {unit} in those days (effect on the score, 95% interval):",
            days.describe(),
            top.records
        ),
        None => println!(
            "Top Ten — the themes that cost the most {unit} (effect on the score, 95% interval):"
        ),
    }
    if top.entries.is_empty() {
        println!("  (no theme lowers the score significantly with enough records)");
    }
    for e in &top.entries {
        println!(
            // Signed as the API, analyze-file and the web sign it: −4.9 lowers the score.
            "  {:>2}. [{:>3}] {:<34} {:>5} records  effect {:>+5.1} ({:+.1} to {:+.1})  stage: {}",
            e.rank,
            e.theme,
            e.label,
            e.support,
            e.cost.value,
            e.cost.low,
            e.cost.high,
            e.stage.as_deref().unwrap_or("unplaced")
        );
        if let Some(o) = &e.ownership {
            let scope = o.scope.as_str();
            let evidence: Vec<String> = o
                .evidence
                .iter()
                .take(4)
                .map(|s| format!("{} {:.0}%", s.department, s.share * 100.0))
                .collect();
            println!(
                "      {scope}, owner: {}{} — {}",
                o.owner_name,
                if o.set_by == "person" {
                    " (set by a person)"
                } else {
                    ""
                },
                if evidence.is_empty() {
                    "no record placed on the journey".to_owned()
                } else {
                    evidence.join(", ")
                }
            );
        }
    }
}

/// The one theme an edit that changes one theme returns.
fn only(mut themes: Vec<StoredTheme>) -> StoredTheme {
    themes.pop().expect("an edit of one theme returns it")
}
