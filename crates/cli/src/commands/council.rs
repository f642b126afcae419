//! `throughline council …`: the councils, their meetings (schedule, attendance, notes,
//! decisions, actions, topics, close), the generated agenda and the council pack. A thin layer
//! over `throughline_service::council`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use throughline_domain::action::Date;
use throughline_service::changes::{self, MeetingChange, MeetingChanged};
use throughline_service::council::{self, Agenda};

use super::{command_line, open_store, print_json, write_page};

#[derive(Debug, Args)]
pub struct CouncilArgs {
    #[command(subcommand)]
    command: CouncilCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PackFormat {
    Html,
    Pdf,
}

#[derive(Debug, Subcommand)]
enum CouncilCommand {
    /// The councils, their chairs, members and meetings.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Schedule the council's next meeting (default: one cadence after its last, or today).
    Schedule {
        /// The council's key or name (default: the operational council).
        #[arg(long)]
        council: Option<String>,
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        on: Option<String>,
    },
    /// The generated agenda of the council's next meeting, or of --meeting ID.
    Agenda {
        #[arg(long)]
        council: Option<String>,
        #[arg(long, value_name = "ID")]
        meeting: Option<i64>,
        /// An object whose `items` list holds the items in order.
        #[arg(long)]
        json: bool,
    },
    /// Who came to a meeting: one --name per person.
    Attend {
        meeting: i64,
        #[arg(long = "name", value_name = "NAME", required = true)]
        names: Vec<String>,
    },
    /// Notes on one agenda item (1 to 10; 0 for the strategic council's approvals).
    Notes {
        meeting: i64,
        #[arg(long)]
        item: u8,
        text: String,
    },
    /// A decision the meeting took.
    Decide { meeting: i64, text: String },
    /// An action agreed at the meeting.
    Action {
        meeting: i64,
        #[arg(long)]
        title: String,
        #[arg(long)]
        owner: String,
        #[arg(long)]
        department: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: String,
    },
    /// Mark an agreed action done (today unless --on).
    Done {
        action: i64,
        #[arg(long)]
        on: Option<String>,
    },
    /// A topic for any other business.
    Topic {
        meeting: i64,
        text: String,
        #[arg(long, default_value = "the command line")]
        by: String,
    },
    /// Close a meeting: its agenda is kept; its open actions roll into the next agenda.
    Close { meeting: i64 },
    /// Everything recorded about a meeting.
    Show {
        meeting: i64,
        #[arg(long)]
        json: bool,
    },
    /// The council pack of a meeting: the agenda with its data, charts and customer comments.
    Pack {
        meeting: i64,
        #[arg(long, value_enum, default_value = "html")]
        format: PackFormat,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub fn print_agenda(agenda: &Agenda) {
    println!(
        "{} — agenda of the meeting on {}{}",
        agenda.council_name,
        agenda.date,
        agenda
            .meeting
            .map(|m| format!(" (meeting {m})"))
            .unwrap_or_else(|| " (not scheduled yet)".to_owned())
    );
    if let Some(since) = &agenda.since {
        println!("Since the previous meeting on {since}.");
    }
    for item in &agenda.items {
        println!();
        if item.number == 0 {
            println!("First: {}", item.title);
        } else {
            println!("{}. {}", item.number, item.title);
        }
        for line in &item.lines {
            println!("   - {line}");
        }
    }
}

pub async fn run(url: &str, args: CouncilArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let actor = command_line();
    match args.command {
        CouncilCommand::List { json } => {
            let org = store
                .load_organisation()
                .await?
                .context("no organisation has been applied: run `throughline apply` first")?;
            let meetings = store.meetings(None).await?;
            if json {
                let councils: Vec<_> = org
                    .councils
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "key": c.key.as_str(), "name": c.name.as_str(),
                            "kind": c.kind.as_str(), "cadence": c.cadence.as_str(),
                            "chair": c.chair.person.name.as_str(),
                            "members": c.members.iter().map(|m| serde_json::json!({
                                "name": m.person.name.as_str(),
                                "department": m.department.as_ref().map(|d| d.as_str()),
                            })).collect::<Vec<_>>(),
                            "meetings": meetings.iter().filter(|m| m.council == c.key.as_str())
                                .collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                print_json(&councils)?;
            } else {
                for c in &org.councils {
                    println!(
                        "{} ({}): {}, meets {}, chaired by {}; {} members",
                        c.name,
                        c.key,
                        c.kind.as_str(),
                        c.cadence.as_str(),
                        c.chair.person.name,
                        c.members.len()
                    );
                    for m in meetings.iter().filter(|m| m.council == c.key.as_str()) {
                        println!("  meeting {} on {}: {}", m.id, m.held_on, m.status.as_str());
                    }
                }
            }
        }
        CouncilCommand::Schedule { council: key, on } => {
            let key = match key {
                Some(k) => k,
                None => {
                    let org = store
                        .load_organisation()
                        .await?
                        .context("no organisation has been applied")?;
                    council::find_council(&org, None)?.key.as_str().to_owned()
                }
            };
            let meeting = changes::schedule_meeting(&store, actor, &key, on.as_deref()).await?;
            println!(
                "Scheduled meeting {} of {} on {}.",
                meeting.id, meeting.council, meeting.held_on
            );
        }
        CouncilCommand::Agenda {
            council: key,
            meeting,
            json,
        } => {
            let agenda = match meeting {
                Some(id) => council::agenda_of(&store, id).await?,
                None => council::agenda(&store, key.as_deref()).await?,
            };
            if json {
                print_json(&agenda)?;
            } else {
                print_agenda(&agenda);
            }
        }
        CouncilCommand::Attend { meeting, names } => {
            let change = MeetingChange::Attendance(&names);
            let MeetingChanged::Meeting(m) =
                changes::change_meeting(&store, actor, meeting, change).await?
            else {
                unreachable!("the change returns what it made")
            };
            println!("Meeting {}: {} attended.", m.id, m.attendance.join(", "));
        }
        CouncilCommand::Notes {
            meeting,
            item,
            text,
        } => {
            let change = MeetingChange::Notes { item, text: &text };
            changes::change_meeting(&store, actor, meeting, change).await?;
            println!("Noted on item {item} of meeting {meeting}.");
        }
        CouncilCommand::Decide { meeting, text } => {
            let change = MeetingChange::Decision(&text);
            let MeetingChanged::Decision(d) =
                changes::change_meeting(&store, actor, meeting, change).await?
            else {
                unreachable!("the change returns what it made")
            };
            println!("Decision {} recorded on meeting {meeting}.", d.id);
        }
        CouncilCommand::Action {
            meeting,
            title,
            owner,
            department,
            due,
        } => {
            let change = MeetingChange::Action {
                title: &title,
                owner_name: &owner,
                department: &department,
                due: &due,
            };
            let MeetingChanged::Action(a) =
                changes::change_meeting(&store, actor, meeting, change).await?
            else {
                unreachable!("the change returns what it made")
            };
            println!(
                "Action {}: {} — {} ({}), due {}.",
                a.id, a.action.title, a.action.owner_name, a.action.department, a.action.due
            );
        }
        CouncilCommand::Done { action, on } => {
            let on = on.unwrap_or_else(|| Date::today().to_string());
            let a =
                changes::complete_council_action(&store, actor, action, Some(on.clone())).await?;
            println!("Action {} done on {on}.", a.id);
        }
        CouncilCommand::Topic { meeting, text, by } => {
            let change = MeetingChange::Topic {
                text: &text,
                by: Some(&by),
            };
            let MeetingChanged::Topic(t) =
                changes::change_meeting(&store, actor, meeting, change).await?
            else {
                unreachable!("the change returns what it made")
            };
            println!("Topic {} added to meeting {meeting}.", t.id);
        }
        CouncilCommand::Close { meeting } => {
            let MeetingChanged::Meeting(m) =
                changes::change_meeting(&store, actor, meeting, MeetingChange::Close).await?
            else {
                unreachable!("closing a meeting returns it")
            };
            println!(
                "Meeting {} of {} on {} closed; its agenda is kept and its open actions go to \
                 the next meeting.",
                m.id, m.council, m.held_on
            );
        }
        CouncilCommand::Show { meeting, json } => {
            let r = council::record(&store, meeting).await?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "Meeting {} of {} on {} ({})",
                    r.meeting.id,
                    r.meeting.council,
                    r.meeting.held_on,
                    r.meeting.status.as_str()
                );
                println!("Attendance: {}", r.meeting.attendance.join(", "));
                for (item, notes) in &r.meeting.notes {
                    println!("Notes on item {item}: {notes}");
                }
                for d in &r.decisions {
                    println!("Decision: {}", d.text);
                }
                for a in &r.actions {
                    println!(
                        "Action {}: {} — {} ({}), due {}, {}",
                        a.id,
                        a.action.title,
                        a.action.owner_name,
                        a.action.department,
                        a.action.due,
                        a.status.as_str()
                    );
                }
                for t in &r.topics {
                    println!("Topic: {} ({})", t.text, t.added_by);
                }
            }
        }
        CouncilCommand::Pack {
            meeting,
            format,
            out,
        } => {
            write_page(
                throughline_server::council_pack(
                    &store,
                    meeting,
                    true,
                    &throughline_service::council::KeptViews::default(),
                )
                .await,
                matches!(format, PackFormat::Pdf),
                &out,
            )?;
            println!(
                "Wrote the council pack of meeting {meeting} to {}.",
                out.display()
            );
        }
    }
    store.close().await;
    Ok(())
}
