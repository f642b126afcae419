//! The councils at work: meetings scheduled from the cadence, attendance, notes per agenda item,
//! decisions, actions and topics for any other business; the agenda generated from live data;
//! closing a meeting (its agenda is kept, its open actions roll into the next one).
//!
//! The agenda has ten items in a fixed order (PRODUCT.md §4.6), each filled with what happened
//! since the council's previous meeting; the strategic council's starts with the initiatives
//! awaiting its approval. Every item carries `lines` (what people read) and `data` (the figures
//! behind them, for tools and tests).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};
use throughline_analytics::Estimate;
use throughline_analytics::report::{PeriodScores, Summary};
use throughline_analytics::routing::{SINGLE_DEPARTMENT_SHARE, Scope};
use throughline_analytics::scorecard::Weights;
use throughline_domain::action::{Date, InitiativeStatus, TaskStatus, WorkOwner, required_text};
use throughline_domain::org::{Cadence, Council, CouncilKind, Organisation};
use throughline_domain::{Key, Timestamp};
use throughline_store::{
    CouncilAction, MeetingDecision, MeetingStatus, MeetingTopic, NewCouncilAction, Store,
    StoredMeeting,
};

use crate::{Result, ServiceError};

/// The titles of the ten items, in order.
pub const ITEMS: [(&str, &str); 10] = [
    ("actions", "Actions agreed last time"),
    ("measures", "Overall satisfaction and its movement"),
    ("departments", "Department reports"),
    ("best_practices", "Best practices"),
    ("initiatives", "The council's initiatives and programmes"),
    ("measurement", "Are the customer measures effective?"),
    ("priorities", "Priorities and next steps"),
    ("new_data", "New customer research and data"),
    ("other_business", "Any other business"),
    ("adjourn", "Adjourn"),
];

/// The champions' network's agenda: "meet together, compare notes, identify best practices".
/// Its own items (`lessons`, `coordination`, `data_sharing`) beside the councils' shared ones.
const CHAMPION_ITEMS: [(&str, &str); 7] = [
    ("actions", "Actions agreed last time"),
    ("best_practices", "Best practices per department"),
    ("lessons", "Lessons from the last quarter's initiatives"),
    ("coordination", "Items for coordination across departments"),
    ("data_sharing", "Data-sharing requests"),
    ("other_business", "Any other business"),
    ("adjourn", "Adjourn"),
];

#[derive(Debug, Clone, Serialize)]
pub struct AgendaItem {
    /// 1 to 10; 0 for the strategic council's approvals, which come first.
    pub number: u8,
    pub key: &'static str,
    pub title: String,
    /// What the item says, for people.
    pub lines: Vec<String>,
    /// The figures behind it.
    pub data: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Agenda {
    pub council: String,
    pub council_name: String,
    pub kind: &'static str,
    /// The meeting it is for; `None` when none is scheduled yet (the date is then the one the
    /// cadence gives).
    pub meeting: Option<i64>,
    pub date: Date,
    pub previous_meeting: Option<i64>,
    /// What happened since this day (the previous meeting's); everything when `None`.
    pub since: Option<Date>,
    pub next_meeting: Date,
    pub items: Vec<AgendaItem>,
}

async fn organisation(store: &Store) -> Result<Organisation> {
    store.load_organisation().await?.ok_or_else(|| {
        ServiceError::Invalid(
            "no organisation has been applied: run `throughline apply ORG.toml` first".into(),
        )
    })
}

/// The council `key`, or the operational council when `None`.
pub fn find_council<'a>(org: &'a Organisation, key: Option<&str>) -> Result<&'a Council> {
    let known = || {
        org.councils
            .iter()
            .map(|c| c.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match key {
        Some(key) => org
            .councils
            .iter()
            .find(|c| c.key.as_str() == key || c.name.as_str().eq_ignore_ascii_case(key))
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "there is no council {key:?}; the councils are {}",
                    known()
                ))
            }),
        None => org
            .councils
            .iter()
            .find(|c| c.kind == CouncilKind::Operational)
            .or(org.councils.first())
            .ok_or_else(|| ServiceError::Invalid("the organisation has no council".into())),
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// The day one cadence after `date` (the same day of the month, or the month's last).
pub fn after_cadence(date: &Date, cadence: Cadence) -> Date {
    let text = date.as_str();
    let year: i32 = text[0..4].parse().expect("a valid date");
    let month: u32 = text[5..7].parse().expect("a valid date");
    let day: u32 = text[8..10].parse().expect("a valid date");
    let days = |n: i64| {
        let start = throughline_ingest::dates::parse_timestamp(text)
            .expect("a valid date")
            .as_millis();
        Date::of(Timestamp::from_millis(start + n * 86_400_000))
    };
    let months = |n: u32| {
        let total = month - 1 + n;
        let (y, m) = (year + (total / 12) as i32, total % 12 + 1);
        let d = day.min(days_in_month(y, m));
        Date::parse(&format!("{y:04}-{m:02}-{d:02}")).expect("a valid date")
    };
    match cadence {
        Cadence::Weekly => days(7),
        Cadence::Fortnightly => days(14),
        Cadence::Monthly => months(1),
        Cadence::Quarterly => months(3),
    }
}

fn day_start(date: &Date) -> Timestamp {
    throughline_ingest::dates::parse_timestamp(date.as_str()).expect("a valid date")
}

/// Schedules the council's next meeting on `date`, or one cadence after its last meeting (today
/// when it has none). A council has one planned meeting at a time.
pub async fn schedule(store: &Store, council: &str, date: Option<&str>) -> Result<StoredMeeting> {
    let org = organisation(store).await?;
    let council = find_council(&org, Some(council))?;
    let meetings = store.meetings(Some(council.key.as_str())).await?;
    if let Some(planned) = meetings.iter().find(|m| m.status == MeetingStatus::Planned) {
        return Err(ServiceError::Invalid(format!(
            "{} already has a planned meeting ({}, on {}); hold and close it first",
            council.name, planned.id, planned.held_on
        )));
    }
    let date = match date {
        Some(text) => Date::parse(text.trim())?,
        None => meetings
            .last()
            .map_or_else(Date::today, |m| after_cadence(&m.held_on, council.cadence)),
    };
    let id = store.insert_meeting(&council.key, &date).await?;
    meeting(store, id).await
}

/// Every meeting, or one council's.
pub async fn meetings(store: &Store, council: Option<&str>) -> Result<Vec<StoredMeeting>> {
    Ok(store.meetings(council).await?)
}

pub async fn meeting(store: &Store, id: i64) -> Result<StoredMeeting> {
    store
        .meeting(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no meeting {id}")))
}

async fn planned(store: &Store, id: i64) -> Result<StoredMeeting> {
    let found = meeting(store, id).await?;
    if found.status != MeetingStatus::Planned {
        return Err(ServiceError::Invalid(format!(
            "meeting {id} is closed: its record can no longer change"
        )));
    }
    Ok(found)
}

/// Who came: names as written, one each.
pub async fn record_attendance(store: &Store, id: i64, names: &[String]) -> Result<StoredMeeting> {
    planned(store, id).await?;
    let mut unique: Vec<String> = Vec::new();
    for name in names {
        let name = required_text("an attendee's name", name, 200)?;
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    if !store.set_attendance(id, &unique).await? {
        return Err(ServiceError::Invalid(format!(
            "meeting {id} closed meanwhile"
        )));
    }
    meeting(store, id).await
}

/// Notes on agenda item `item` (0 to 10).
pub async fn record_notes(store: &Store, id: i64, item: u8, text: &str) -> Result<StoredMeeting> {
    planned(store, id).await?;
    if item > 10 {
        return Err(ServiceError::Invalid(format!(
            "the agenda has items 1 to 10 (0 for the strategic council's approvals), not {item}"
        )));
    }
    if text.chars().count() > 20_000 {
        return Err(ServiceError::Invalid(
            "notes are at most 20,000 characters".into(),
        ));
    }
    if !store.set_item_notes(id, item, text).await? {
        return Err(ServiceError::Invalid(format!(
            "meeting {id} closed meanwhile"
        )));
    }
    meeting(store, id).await
}

pub async fn add_decision(store: &Store, id: i64, text: &str) -> Result<MeetingDecision> {
    planned(store, id).await?;
    let text = required_text("the decision", text, 4000)?;
    let decision = store.insert_decision(id, &text).await?;
    Ok(store
        .decisions(id)
        .await?
        .into_iter()
        .find(|d| d.id == decision)
        .expect("just stored"))
}

/// An action agreed at the meeting: what, who, which department, by when.
pub async fn add_action(
    store: &Store,
    id: i64,
    title: &str,
    owner_name: &str,
    department: &str,
    due: &str,
) -> Result<CouncilAction> {
    planned(store, id).await?;
    let org = organisation(store).await?;
    let department = Key::parse(department.trim())?;
    if org.department(&department).is_none() {
        return Err(ServiceError::Invalid(format!(
            "there is no department {:?}",
            department.as_str()
        )));
    }
    let new = NewCouncilAction {
        meeting: id,
        title: required_text("the action", title, 200)?,
        owner_name: required_text("the action's owner", owner_name, 200)?,
        department,
        due: Date::parse(due.trim())?,
    };
    let action = store.insert_council_action(&new).await?;
    council_action(store, action).await
}

pub async fn council_action(store: &Store, id: i64) -> Result<CouncilAction> {
    store
        .council_action(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no council action {id}")))
}

pub async fn complete_action(store: &Store, id: i64, on: &str) -> Result<CouncilAction> {
    let action = council_action(store, id).await?;
    if action.status == TaskStatus::Done {
        return Err(ServiceError::Invalid(format!(
            "action {id} was already done"
        )));
    }
    if !store
        .complete_council_action(id, &Date::parse(on.trim())?)
        .await?
    {
        return Err(ServiceError::Invalid(format!(
            "action {id} changed meanwhile"
        )));
    }
    council_action(store, id).await
}

/// A topic for any other business, added before the meeting.
pub async fn add_topic(store: &Store, id: i64, text: &str, by: &str) -> Result<MeetingTopic> {
    planned(store, id).await?;
    let text = required_text("the topic", text, 2000)?;
    let topic = store.insert_topic(id, &text, by).await?;
    Ok(store
        .topics(id)
        .await?
        .into_iter()
        .find(|t| t.id == topic)
        .expect("just stored"))
}

/// Closes a meeting: its agenda, as generated now, is kept with it; its open actions appear in
/// the next meeting's first item.
pub async fn close(store: &Store, id: i64) -> Result<StoredMeeting> {
    let found = planned(store, id).await?;
    let agenda = agenda_for(store, &found.council, Some(&found)).await?;
    let snapshot = serde_json::to_value(&agenda).expect("an agenda always serialises");
    if !store.close_meeting(id, &snapshot).await? {
        return Err(ServiceError::Invalid(format!(
            "meeting {id} closed meanwhile"
        )));
    }
    meeting(store, id).await
}

/// The agenda of the council's next meeting (the planned one, else the one the cadence gives).
pub async fn agenda(store: &Store, council: Option<&str>) -> Result<Agenda> {
    let org = organisation(store).await?;
    let council = find_council(&org, council)?;
    let meetings = store.meetings(Some(council.key.as_str())).await?;
    let next = meetings
        .into_iter()
        .find(|m| m.status == MeetingStatus::Planned);
    agenda_for(store, council.key.as_str(), next.as_ref()).await
}

/// A meeting's agenda: as kept when it closed, or generated now while it is planned.
pub async fn agenda_of(store: &Store, id: i64) -> Result<Agenda> {
    let found = meeting(store, id).await?;
    if let Some(kept) = &found.agenda {
        return Ok(from_snapshot(kept, &found));
    }
    agenda_for(store, &found.council, Some(&found)).await
}

fn from_snapshot(kept: &Value, meeting: &StoredMeeting) -> Agenda {
    let text = |key: &str| kept[key].as_str().unwrap_or_default().to_owned();
    let date = |key: &str| kept[key].as_str().and_then(|d| Date::parse(d).ok());
    let items = kept["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let key = item["key"].as_str().unwrap_or_default();
                    AgendaItem {
                        number: item["number"].as_u64().unwrap_or(0) as u8,
                        key: ITEMS
                            .iter()
                            .map(|(k, _)| *k)
                            .chain(["approvals"])
                            .chain(CHAMPION_ITEMS.iter().map(|(k, _)| *k))
                            .find(|k| *k == key)
                            .unwrap_or("other_business"),
                        title: item["title"].as_str().unwrap_or_default().to_owned(),
                        lines: item["lines"]
                            .as_array()
                            .map(|l| {
                                l.iter()
                                    .filter_map(|x| x.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        data: item["data"].clone(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Agenda {
        council: text("council"),
        council_name: text("council_name"),
        kind: match kept["kind"].as_str() {
            Some("strategic") => "strategic",
            Some("champions") => "champions",
            _ => "operational",
        },
        meeting: Some(meeting.id),
        date: meeting.held_on.clone(),
        previous_meeting: kept["previous_meeting"].as_i64(),
        since: date("since"),
        next_meeting: date("next_meeting").unwrap_or_else(|| meeting.held_on.clone()),
        items,
    }
}

/// The period key (`YYYY-MM`) of a day.
fn month_of(date: &Date) -> String {
    date.as_str()[..7].to_owned()
}

/// A month's value of one score (NPS or CSAT).
type MonthScore = fn(&PeriodScores) -> Option<Estimate>;

/// Whether a theme's share of its month's records rose in its last month against the month
/// before (`Some(true)` worsening, `Some(false)` improving, `None` without two months).
fn theme_direction(trend: &Value) -> Option<bool> {
    let points = trend.as_array()?;
    let [.., before, last] = points.as_slice() else {
        return None;
    };
    let (b, l) = (before["share"].as_f64()?, last["share"].as_f64()?);
    (b != l).then_some(l > b)
}

async fn agenda_for(
    store: &Store,
    council_key: &str,
    this: Option<&StoredMeeting>,
) -> Result<Agenda> {
    let org = organisation(store).await?;
    let council = find_council(&org, Some(council_key))?;
    let meetings = store.meetings(Some(council.key.as_str())).await?;
    let previous = meetings.iter().rfind(|m| {
        m.status == MeetingStatus::Closed
            && Some(m.id) != this.map(|t| t.id)
            && this.is_none_or(|t| m.held_on <= t.held_on)
    });
    let date = match this {
        Some(m) => m.held_on.clone(),
        None => previous.map_or_else(Date::today, |p| after_cadence(&p.held_on, council.cadence)),
    };
    let since = previous.map(|p| p.held_on.clone());
    let since_ts = since.as_ref().map(day_start);
    let summary: Summary = crate::analysis::latest_run(store)
        .await?
        .map(|run| run.summary)
        .unwrap_or_default();
    let department_name = |key: &str| org.department_name(key).to_owned();
    let mut items = Vec::new();

    let initiatives = store.initiatives().await?;
    let completion = crate::actions::completion(store, None, None).await?;

    // The strategic council first decides what awaits it.
    if council.kind == CouncilKind::Strategic {
        let awaiting: Vec<_> = initiatives
            .iter()
            .filter(|i| i.status == InitiativeStatus::Proposed)
            .collect();
        let lines = if awaiting.is_empty() {
            vec!["No initiative awaits approval.".to_owned()]
        } else {
            awaiting
                .iter()
                .map(|i| {
                    let resources = if i.initiative.resources_requested.is_empty() {
                        "no resources requested".to_owned()
                    } else {
                        format!("requests: {}", i.initiative.resources_requested)
                    };
                    format!(
                        "Initiative {} “{}”: {} → {} by {}; {resources}",
                        i.id,
                        i.initiative.title,
                        i.initiative.objective.baseline,
                        i.initiative.objective.target,
                        i.initiative.objective.due
                    )
                })
                .collect()
        };
        items.push(AgendaItem {
            number: 0,
            key: "approvals",
            title: "Initiatives awaiting approval and resource requests".to_owned(),
            lines,
            data: json!({ "initiatives": awaiting.iter().map(|i| json!({
                "id": i.id, "title": i.initiative.title,
                "resources_requested": i.initiative.resources_requested,
            })).collect::<Vec<_>>() }),
        });
    }

    // 1. Actions agreed at earlier meetings: every one still open, and those done since.
    let meeting_ids: BTreeSet<i64> = meetings
        .iter()
        .filter(|m| Some(m.id) != this.map(|t| t.id) && m.held_on <= date)
        .map(|m| m.id)
        .collect();
    let actions: Vec<CouncilAction> = store
        .council_actions(None)
        .await?
        .into_iter()
        .filter(|a| meeting_ids.contains(&a.action.meeting))
        .filter(|a| {
            a.status == TaskStatus::Open
                || since
                    .as_ref()
                    .is_none_or(|s| a.done_on.as_ref().is_some_and(|d| d >= s))
        })
        .collect();
    let status_of = |a: &CouncilAction| {
        if a.status == TaskStatus::Done {
            "done"
        } else if a.action.due < date {
            "overdue"
        } else {
            "open"
        }
    };
    let mut by_owner: BTreeMap<String, BTreeMap<&str, u64>> = BTreeMap::new();
    for a in &actions {
        *by_owner
            .entry(a.action.owner_name.clone())
            .or_default()
            .entry(status_of(a))
            .or_default() += 1;
    }
    items.push(AgendaItem {
        number: 1,
        key: ITEMS[0].0,
        title: ITEMS[0].1.to_owned(),
        lines: if actions.is_empty() {
            vec!["No actions were agreed at earlier meetings.".to_owned()]
        } else {
            actions
                .iter()
                .map(|a| {
                    format!(
                        "{} — {} ({}), due {}: {}{}",
                        a.action.title,
                        a.action.owner_name,
                        department_name(a.action.department.as_str()),
                        a.action.due,
                        status_of(a),
                        a.done_on
                            .as_ref()
                            .map(|d| format!(" on {d}"))
                            .unwrap_or_default()
                    )
                })
                .collect()
        },
        data: json!({
            "actions": actions.iter().map(|a| json!({
                "id": a.id, "meeting": a.action.meeting, "title": a.action.title,
                "owner": a.action.owner_name, "department": a.action.department.as_str(),
                "due": a.action.due.as_str(), "status": status_of(a),
                "done_on": a.done_on.as_ref().map(Date::as_str),
            })).collect::<Vec<_>>(),
            "by_owner": by_owner,
        }),
    });

    // 2. The overall measures with their intervals, and their movement since the last meeting.
    let months = &summary.monthly;
    let mut lines = Vec::new();
    let mut measures = serde_json::Map::new();
    let measured: [(&str, &str, &str, Option<Estimate>, MonthScore); 2] = [
        ("NPS", "nps", "", summary.scores.nps, |m| m.nps),
        ("CSAT", "csat", "%", summary.scores.csat, |m| m.csat),
    ];
    for (name, key, unit, overall, of_month) in measured {
        let Some(Estimate {
            value,
            low,
            high,
            n,
            ..
        }) = overall
        else {
            continue;
        };
        // The months with this score, each with it.
        let with_scores: Vec<(&PeriodScores, Estimate)> = months
            .iter()
            .filter_map(|m| of_month(m).map(|e| (m, e)))
            .collect();
        let latest = with_scores.last().copied();
        // Against the last full month before the previous meeting; without one (or when no
        // later month has data), against the month before the latest.
        let before_previous = since.as_ref().and_then(|s| {
            with_scores
                .iter()
                .rev()
                .find(|(m, _)| m.period.as_str() < month_of(s).as_str())
                .copied()
        });
        let earlier = before_previous
            .or_else(|| with_scores.len().checked_sub(2).map(|i| with_scores[i]))
            .filter(|e| Some(*e) != latest);
        let mut line =
            format!("{name} {value:.1}{unit} (95% interval {low:.1} to {high:.1}, {n} answers)");
        let mut movement = Value::Null;
        if let (Some((from, from_score)), Some((to, to_score))) = (earlier, latest) {
            let (f, fl, fh) = (from_score.value, from_score.low, from_score.high);
            let (t, tl, th) = (to_score.value, to_score.low, to_score.high);
            let clear = tl > fh || th < fl;
            line.push_str(&format!(
                "; {} {f:.1} → {} {t:.1} ({:+.1}{}{})",
                from.period,
                to.period,
                t - f,
                unit,
                if clear {
                    ", beyond the intervals"
                } else {
                    ", within the intervals"
                }
            ));
            movement = json!({
                "from_period": from.period, "from": f, "from_low": fl, "from_high": fh,
                "to_period": to.period, "to": t, "to_low": tl, "to_high": th,
                "change": t - f, "clear": clear,
            });
        }
        lines.push(line);
        measures.insert(
            key.to_owned(),
            json!({ "value": value, "low": low, "high": high, "n": n, "movement": movement }),
        );
    }
    if lines.is_empty() {
        lines.push("No scores yet: import feedback with NPS or CSAT and analyse it.".to_owned());
    }
    // The weekly series' inputs, read once: moments of truth (item 2), cross-silo chains for
    // item 3's NOT ALIGNED and item 7, initiatives' measured effects (item 5).
    let inputs = std::sync::Arc::new(crate::weekly::Inputs::load(store).await?);
    // The moments of truth that move satisfaction most, found in customers' histories.
    let found = crate::moments::moments_with(store, inputs.clone()).await?;
    let mut moving: Vec<&crate::moments::MomentEffect> = found
        .moments
        .iter()
        .filter(|m| m.low.is_some_and(|l| l > 0.0) || m.high.is_some_and(|h| h < 0.0))
        .collect();
    moving.sort_by(|a, b| {
        let size = |m: &crate::moments::MomentEffect| m.effect.unwrap_or(0.0).abs();
        size(b).total_cmp(&size(a))
    });
    moving.truncate(3);
    let unit = found.scale.map_or("", |s| match s {
        crate::moments::ScoreScale::Nps => " NPS points",
        _ => " points",
    });
    for m in &moving {
        lines.push(format!(
            "Moment of truth “{}” ({}): {} customers reached it; {:+.0}{unit} against other \
             customers (95% interval {:+.0} to {:+.0})",
            m.name,
            m.rule,
            m.customers,
            m.effect.unwrap_or(0.0),
            m.low.unwrap_or(0.0),
            m.high.unwrap_or(0.0),
        ));
    }
    items.push(AgendaItem {
        number: 2,
        key: ITEMS[1].0,
        title: ITEMS[1].1.to_owned(),
        lines,
        data: json!({ "measures": measures, "monthly": months, "moments": moving }),
    });

    // Cross-silo chains (hypotheses) for item 3's NOT ALIGNED and item 7.
    let found =
        crate::chains::chains_of(inputs.clone(), throughline_analytics::chains::DEFAULT_FDR)
            .await?;

    // 3. One slot per department represented on the council (every department when none is).
    let top = crate::themes::top_ten(store, SINGLE_DEPARTMENT_SHARE).await?;
    let stored_themes = store.themes().await?;
    let trend_of = |theme: i64| {
        stored_themes
            .iter()
            .find(|t| t.id == theme)
            .and_then(|t| theme_direction(&t.aggregates.trend))
    };
    let cards =
        crate::scorecards::departments(store, Weights::default(), SINGLE_DEPARTMENT_SHARE).await?;
    let represented: BTreeSet<&str> = council
        .members
        .iter()
        .chain([&council.chair])
        .filter_map(|m| m.department.as_ref().map(Key::as_str))
        .collect();
    let tasks = store.tasks(None).await?;
    let all_actions = store.council_actions(None).await?;
    // Gaps and overlaps between departments: each department hears the ones it is part of.
    let journey = crate::journey::check(store, None, None).await?;
    let mut slots = Vec::new();
    let mut lines = Vec::new();
    let mut improved = Vec::new();
    for card in cards
        .iter()
        .filter(|c| represented.is_empty() || represented.contains(c.department.as_str()))
    {
        let key = card.department.as_str();
        let mut open = 0;
        let mut done = 0;
        let mut overdue = 0;
        let mut done_since = Vec::new();
        let work = tasks
            .iter()
            .filter(|t| t.task.department.as_str() == key)
            .map(|t| (&t.task.title, t.status, &t.task.due, &t.done_on))
            .chain(
                all_actions
                    .iter()
                    .filter(|a| a.action.department.as_str() == key)
                    .map(|a| (&a.action.title, a.status, &a.action.due, &a.done_on)),
            );
        for (title, status, due, done_on) in work {
            match status {
                TaskStatus::Done => {
                    done += 1;
                    if since
                        .as_ref()
                        .is_none_or(|s| done_on.as_ref().is_some_and(|d| d >= s))
                    {
                        done_since.push(title.clone());
                    }
                }
                TaskStatus::Open if *due < date => overdue += 1,
                TaskStatus::Open => open += 1,
            }
        }
        // Aligned unless its own KPI improves while a cross-department theme it touches worsens.
        let improving_kpis: Vec<&str> = card
            .own_kpis
            .iter()
            .filter(|k| k.movement == Some("improving"))
            .map(|k| k.name.as_str())
            .collect();
        let worsening_shared: Vec<&str> = top
            .entries
            .iter()
            .filter(|e| {
                e.ownership.as_ref().is_some_and(|o| {
                    o.scope == Scope::CrossDepartment
                        && o.evidence
                            .iter()
                            .any(|s| s.department == key && s.share >= 0.1)
                })
            })
            .filter(|e| trend_of(e.theme) == Some(true))
            .map(|e| e.label.as_str())
            .collect();
        let shared_worsens = !improving_kpis.is_empty() && !worsening_shared.is_empty();
        // …or unless, in a cross-silo chain, its KPI leads something that worsens for others as
        // the KPI improves.
        let conflicts = crate::chains::conflicts(&found, &org, &stored_themes, key);
        let misaligned = shared_worsens || !conflicts.is_empty();
        let owned_improving: Vec<&str> = card
            .negative_themes
            .iter()
            .filter(|(id, _)| trend_of(*id) == Some(false))
            .map(|(_, label)| label.as_str())
            .collect();
        if !owned_improving.is_empty() || !improving_kpis.is_empty() {
            improved.push(json!({
                "department": key, "name": card.name,
                "themes_improving": owned_improving, "kpis_improving": improving_kpis,
                "what_they_did": done_since,
            }));
        }
        let score = card.scorecard.score;
        lines.push(format!(
            "{}: scorecard {}; {done} done, {open} open, {overdue} overdue{}",
            card.name,
            score.map_or_else(|| "not yet scored".to_owned(), |s| format!("{s:.0}/100")),
            if misaligned {
                let mut why = Vec::new();
                if shared_worsens {
                    why.push(format!(
                        "its own {} improves while “{}”, which it shares with other departments, \
                         worsens",
                        improving_kpis.join(", "),
                        worsening_shared.join("”, “")
                    ));
                }
                if !conflicts.is_empty() {
                    let said: Vec<&str> = conflicts.iter().map(|c| c.text.as_str()).collect();
                    why.push(format!("in the chains, {} (a hypothesis)", said.join("; ")));
                }
                format!("; NOT ALIGNED: {}", why.join("; and "))
            } else {
                String::new()
            }
        ));
        let gaps: Vec<&throughline_domain::org::gaps::Gap> = journey.of_department(key).collect();
        if !gaps.is_empty() {
            let said: Vec<&str> = gaps.iter().map(|g| g.message.as_str()).collect();
            lines.push(format!(
                "{}, journey gaps and overlaps to settle: {}",
                card.name,
                said.join("; ")
            ));
        }
        slots.push(json!({
            "department": key, "name": card.name, "score": score,
            "done": done, "open": open, "overdue": overdue,
            "aligned": !misaligned, "improving_kpis": improving_kpis,
            "worsening_shared_themes": worsening_shared,
            "chain_conflicts": conflicts,
            "journey_gaps": gaps,
        }));
    }
    // The inner loop: how each department got back to the customers its cases named, over
    // the cases opened in the last 30 days.
    let follow_up = crate::follow_up::by_department(
        store,
        throughline_domain::Timestamp::from_millis(
            throughline_domain::Timestamp::now().as_millis() - 30 * 24 * 60 * 60 * 1000,
        ),
    )
    .await?;
    for f in &follow_up {
        lines.push(format!(
            "{}, follow-up of customers (30 days): {} of {} contacted{}{}{}",
            f.name,
            f.followed_up,
            f.opened,
            f.rate
                .map(|r| format!(" ({:.0}%)", r * 100.0))
                .unwrap_or_default(),
            f.median_hours_to_contact
                .map(|h| format!(", median {h:.0} h to contact"))
                .unwrap_or_default(),
            if f.overdue > 0 {
                format!("; {} overdue", f.overdue)
            } else {
                String::new()
            }
        ));
    }
    items.push(AgendaItem {
        number: 3,
        key: ITEMS[2].0,
        title: ITEMS[2].1.to_owned(),
        lines,
        data: json!({ "departments": slots, "follow_up": follow_up }),
    });

    // 4. Best practices: departments whose themes or measures improved, and what they did;
    // and the teams whose work prevented a problem (recognition, prevention before resolution).
    let recognised = crate::recognition::recognise_with(store, inputs.clone()).await?;
    let prevention: Vec<&crate::recognition::Recognition> = recognised.prevented().collect();
    items.push(AgendaItem {
        number: 4,
        key: ITEMS[3].0,
        title: ITEMS[3].1.to_owned(),
        lines: if improved.is_empty() {
            vec!["No department's themes or measures improved since the last meeting.".to_owned()]
                .into_iter()
                .chain(prevention.iter().map(|r| recognition_line(r)))
                .collect()
        } else {
            improved
                .iter()
                .map(|d| {
                    let list = |key: &str| {
                        d[key]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            })
                            .unwrap_or_default()
                    };
                    let parts: Vec<String> = [
                        ("themes_improving", "fewer complaints of "),
                        ("kpis_improving", "better "),
                        ("what_they_did", "what they did: "),
                    ]
                    .into_iter()
                    .filter_map(|(key, label)| {
                        let text = list(key);
                        (!text.is_empty()).then(|| format!("{label}{text}"))
                    })
                    .collect();
                    format!(
                        "{}: {}",
                        d["name"].as_str().unwrap_or_default(),
                        parts.join("; ")
                    )
                })
                .chain(prevention.iter().map(|r| recognition_line(r)))
                .collect()
        },
        data: json!({ "departments": improved, "prevention": prevention }),
    });

    // 5. The council's own initiatives with status and completion.
    let own: Vec<_> = initiatives
        .iter()
        .filter(|i| {
            matches!(&i.initiative.owner, WorkOwner::Council(c) if c == &council.key)
                || (council.kind == CouncilKind::Strategic
                    && !matches!(i.status, InitiativeStatus::Rejected))
        })
        .collect();
    // Did it work? The measured effect of those that have started.
    let measured: Vec<crate::effects::MeasuredEffect> = if own
        .iter()
        .any(|i| matches!(i.status, InitiativeStatus::Active | InitiativeStatus::Done))
    {
        crate::effects::measure_started_with(store, inputs.clone()).await?
    } else {
        Vec::new()
    };
    let effect_of = |id: i64| measured.iter().find(|m| m.initiative == id);
    items.push(AgendaItem {
        number: 5,
        key: ITEMS[4].0,
        title: ITEMS[4].1.to_owned(),
        lines: if own.is_empty() {
            vec!["The council owns no initiative yet.".to_owned()]
        } else {
            own.iter()
                .map(|i| {
                    let c = completion
                        .by_initiative
                        .get(&i.id)
                        .copied()
                        .unwrap_or_default();
                    format!(
                        "{} ({}): {} of {} tasks done{}{}{}",
                        i.initiative.title,
                        i.status.as_str(),
                        c.done,
                        c.planned,
                        i.current_value
                            .map(|v| format!(
                                "; {} now {v} ({:.0}% of the way)",
                                i.initiative.objective.metric,
                                i.initiative.objective.progress(v)
                            ))
                            .unwrap_or_default(),
                        format_args!("; due {}", i.initiative.objective.due),
                        effect_of(i.id)
                            .map(|m| format!("; did it work? {}", m.headline()))
                            .unwrap_or_default()
                    )
                })
                .collect()
        },
        data: json!({ "initiatives": own.iter().map(|i| {
            let c = completion.by_initiative.get(&i.id).copied().unwrap_or_default();
            json!({ "id": i.id, "title": i.initiative.title, "status": i.status.as_str(),
                "tasks": c.planned, "done": c.done, "completion_rate": c.completion_rate,
                "current_value": i.current_value,
                "started_on": i.started_on, "measured_effect": effect_of(i.id) })
        }).collect::<Vec<_>>() }),
    });

    // 6. Whether the customer measures do their job: volume, coverage, precision.
    let stage_measures = crate::scorecards::stage_measures(store).await?;
    let (records, placed) = (summary.records, summary.placed);
    let recent: u64 = months
        .iter()
        .filter(|m| {
            since
                .as_ref()
                .is_none_or(|s| m.period.as_str() >= month_of(s).as_str())
        })
        .map(|m| m.records)
        .sum();
    let empty: Vec<&str> = stage_measures
        .iter()
        .filter(|m| m.records == 0)
        .map(|m| m.name.as_str())
        .collect();
    let thin: Vec<&str> = stage_measures
        .iter()
        .filter(|m| m.records > 0 && m.nps.is_none_or(|e| e.small_sample))
        .map(|m| m.name.as_str())
        .collect();
    let width = summary.scores.nps.map(|e| e.high - e.low);
    let last_month_width = months.last().and_then(|m| m.nps).map(|e| e.high - e.low);
    let mut lines = vec![
        format!(
            "{records} responses analysed, {recent} of them {}",
            since.as_ref().map_or_else(
                || "in all".to_owned(),
                |s| format!("in the months since {s}")
            )
        ),
        format!(
            "{placed} of {records} placed on a journey stage ({:.0}%)",
            if records == 0 {
                0.0
            } else {
                placed as f64 * 100.0 / records as f64
            }
        ),
    ];
    if let Some(w) = width {
        lines.push(format!(
            "The NPS interval is {w:.1} points wide overall{}",
            last_month_width
                .map(|l| format!(", {l:.1} for the last month alone"))
                .unwrap_or_default()
        ));
    }
    lines.push(if empty.is_empty() {
        "Every stage has data.".to_owned()
    } else {
        format!("Stages with no data: {}", empty.join(", "))
    });
    if !thin.is_empty() {
        lines.push(format!(
            "Stages with too few NPS answers for a firm figure: {}",
            thin.join(", ")
        ));
    }
    items.push(AgendaItem {
        number: 6,
        key: ITEMS[5].0,
        title: ITEMS[5].1.to_owned(),
        lines,
        data: json!({
            "records": records, "records_since": recent, "placed": placed,
            "nps_interval_width": width, "last_month_nps_interval_width": last_month_width,
            "stages": stage_measures.iter().map(|m| json!({
                "stage": m.stage, "records": m.records,
                "small_sample": m.nps.is_none_or(|e| e.small_sample),
            })).collect::<Vec<_>>(),
            "stages_without_data": empty,
        }),
    });

    // 7. Priorities: the Top Ten against the previous meeting's, new cross-department themes,
    //    spikes.
    let before: Vec<Value> = previous
        .and_then(|p| p.agenda.as_ref())
        .and_then(|a| a["items"].as_array())
        .and_then(|items| items.iter().find(|i| i["key"] == "priorities"))
        .and_then(|i| i["data"]["top_ten"].as_array().cloned())
        .unwrap_or_default();
    let was = |theme: i64| before.iter().find(|b| b["theme"].as_i64() == Some(theme));
    let current: Vec<Value> = top
        .entries
        .iter()
        .map(|e| {
            let scope = e.ownership.as_ref().map_or("unplaced", |o| match o.scope {
                Scope::SingleDepartment => "single-department",
                Scope::CrossDepartment => "cross-department",
                Scope::Unplaced => "unplaced",
            });
            json!({ "rank": e.rank, "theme": e.theme, "label": e.label, "scope": scope,
                "owner": e.ownership.as_ref().map(|o| o.owner_name.clone()),
                "previous_rank": was(e.theme).and_then(|b| b["rank"].as_u64()) })
        })
        .collect();
    let mut lines: Vec<String> = current
        .iter()
        .map(|e| {
            let change = match e["previous_rank"].as_u64() {
                _ if previous.is_none() => String::new(),
                None => " — new".to_owned(),
                Some(r) if r == e["rank"].as_u64().unwrap_or(0) => " — unchanged".to_owned(),
                Some(r) => format!(" — was {r}"),
            };
            format!(
                "{}. {} ({}, {}){change}",
                e["rank"],
                e["label"].as_str().unwrap_or_default(),
                e["scope"].as_str().unwrap_or_default(),
                e["owner"].as_str().unwrap_or("no owner")
            )
        })
        .collect();
    let left: Vec<&str> = before
        .iter()
        .filter(|b| !current.iter().any(|c| c["theme"] == b["theme"]))
        .filter_map(|b| b["label"].as_str())
        .collect();
    if !left.is_empty() {
        lines.push(format!("Left the Top Ten: {}", left.join(", ")));
    }
    let new_cross: Vec<&str> = current
        .iter()
        .filter(|c| c["scope"] == "cross-department")
        .filter(|c| {
            previous.is_none()
                || !before
                    .iter()
                    .any(|b| b["theme"] == c["theme"] && b["scope"] == "cross-department")
        })
        .filter_map(|c| c["label"].as_str())
        .collect();
    if !new_cross.is_empty() {
        lines.push(format!(
            "New cross-department themes for the council: {}",
            new_cross.join(", ")
        ));
    }
    for s in &summary.spikes {
        lines.push(format!(
            "Spike: “{}” in {}: {} records where {:.0} were expected",
            s.label, s.period, s.count, s.expected
        ));
    }
    // Cross-silo chains, marked new when the previous agenda did not have them.
    let known_chains: Vec<String> = previous
        .and_then(|p| p.agenda.as_ref())
        .and_then(|a| a["items"].as_array())
        .and_then(|items| items.iter().find(|i| i["key"] == "priorities"))
        .and_then(|i| i["data"]["chain_keys"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    let department_names = |keys: &[String]| -> String {
        keys.iter()
            .map(|k| department_name(k))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for chain in &found.chains {
        let path = chain.path(false);
        let new = if previous.is_some() && !known_chains.contains(&chain.key()) {
            " — new since the last meeting"
        } else {
            ""
        };
        lines.push(format!(
            "Chain (a hypothesis to examine, not a proven cause): {path}; departments: {}{new}",
            department_names(&chain.departments)
        ));
    }
    let chain_keys: Vec<String> = found.chains.iter().map(|c| c.key()).collect();
    if lines.is_empty() {
        lines.push("No Top Ten yet: analyse the feedback first.".to_owned());
    }
    items.push(AgendaItem {
        number: 7,
        key: ITEMS[6].0,
        title: ITEMS[6].1.to_owned(),
        lines,
        data: json!({ "top_ten": current, "left": left, "new_cross_department": new_cross,
            "spikes": summary.spikes, "chains": found.chains, "chain_keys": chain_keys }),
    });

    // 8. New research and data since the last meeting.
    let imports: Vec<_> = store
        .imports()
        .await?
        .into_iter()
        .filter(|i| since_ts.is_none_or(|s| i.started_at >= s))
        .collect();
    items.push(AgendaItem {
        number: 8,
        key: ITEMS[7].0,
        title: ITEMS[7].1.to_owned(),
        lines: if imports.is_empty() {
            vec!["No new data since the last meeting.".to_owned()]
        } else {
            imports
                .iter()
                .map(|i| {
                    format!(
                        "{} on {}: {} new records from {} ({} duplicates, {} rejected)",
                        i.source,
                        Date::of(i.started_at),
                        i.totals.imported,
                        i.file_name,
                        i.totals.duplicates,
                        i.totals.rejected
                    )
                })
                .collect()
        },
        data: json!({
            "imports": imports.iter().map(|i| json!({
                "id": i.id, "source": i.source, "file": i.file_name,
                "on": Date::of(i.started_at).as_str(), "imported": i.totals.imported,
            })).collect::<Vec<_>>(),
            "records": imports.iter().map(|i| i.totals.imported).sum::<u64>(),
        }),
    });

    // 9. Any other business members added.
    let topics = match this {
        Some(m) => store.topics(m.id).await?,
        None => Vec::new(),
    };
    items.push(AgendaItem {
        number: 9,
        key: ITEMS[8].0,
        title: ITEMS[8].1.to_owned(),
        lines: if topics.is_empty() {
            vec!["Nothing added.".to_owned()]
        } else {
            topics
                .iter()
                .map(|t| format!("{} (added by {})", t.text, t.added_by))
                .collect()
        },
        data: json!({ "topics": topics }),
    });

    // 10. Adjourn, with the next meeting's date.
    let next_meeting = after_cadence(&date, council.cadence);
    items.push(AgendaItem {
        number: 10,
        key: ITEMS[9].0,
        title: ITEMS[9].1.to_owned(),
        lines: vec![format!(
            "The next meeting: {next_meeting} ({} cadence)",
            council.cadence.as_str()
        )],
        data: json!({ "next_meeting": next_meeting.as_str() }),
    });

    if council.kind == CouncilKind::Champions {
        items = champions_items(store, &org, items, inputs.clone(), &top).await?;
    }

    Ok(Agenda {
        council: council.key.as_str().to_owned(),
        council_name: council.name.as_str().to_owned(),
        kind: council.kind.as_str(),
        meeting: this.map(|m| m.id),
        date,
        previous_meeting: previous.map(|p| p.id),
        since,
        next_meeting,
        items,
    })
}

/// Everything recorded about a meeting, for its page and the API.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingRecord {
    #[serde(flatten)]
    pub meeting: StoredMeeting,
    pub decisions: Vec<MeetingDecision>,
    pub actions: Vec<CouncilAction>,
    pub topics: Vec<MeetingTopic>,
}

pub async fn record(store: &Store, id: i64) -> Result<MeetingRecord> {
    Ok(MeetingRecord {
        meeting: meeting(store, id).await?,
        decisions: store.decisions(id).await?,
        actions: store.council_actions(Some(id)).await?,
        topics: store.topics(id).await?,
    })
}

/// "Recognised for prevention: Customer Service (Call back instead of holding) — …".
fn recognition_line(r: &crate::recognition::Recognition) -> String {
    format!(
        "Recognised for prevention: {} ({}) — {}",
        r.team.join(", "),
        r.title,
        r.evidence
    )
}

/// The champions' network's items, from the councils' agenda computed for it: its actions, best
/// practices (with the prevention recognised), other business and adjournment as they are, and
/// its own — what the last quarter's initiatives taught (their measured effects), what crosses
/// departments (cross-department Top Ten themes, moments of truth on stages several departments
/// share), and the data one department needs from another (the journey check's data gaps).
async fn champions_items(
    store: &Store,
    org: &Organisation,
    computed: Vec<AgendaItem>,
    inputs: std::sync::Arc<crate::weekly::Inputs>,
    top: &crate::themes::TopTen,
) -> Result<Vec<AgendaItem>> {
    let kept = |key: &str| computed.iter().find(|i| i.key == key).cloned();
    let item = |number: usize, lines: Vec<String>, data: Value| AgendaItem {
        number: number as u8,
        key: CHAMPION_ITEMS[number - 1].0,
        title: CHAMPION_ITEMS[number - 1].1.to_owned(),
        lines,
        data,
    };
    let renumbered = |number: usize, found: Option<AgendaItem>| {
        found.map(|mut i| {
            i.number = number as u8;
            i.key = CHAMPION_ITEMS[number - 1].0;
            i.title = CHAMPION_ITEMS[number - 1].1.to_owned();
            i
        })
    };
    let mut items = Vec::with_capacity(CHAMPION_ITEMS.len());
    items.extend(renumbered(1, kept("actions")));
    items.extend(renumbered(2, kept("best_practices")));

    // 3. Lessons: every initiative that has started, with what its measured effect says.
    let effects = crate::effects::measure_started_with(store, inputs).await?;
    let lessons: Vec<String> = effects
        .iter()
        .map(|e| format!("{}: {}", e.title, e.headline()))
        .collect();
    items.push(item(
        3,
        if lessons.is_empty() {
            vec!["No initiative has started yet: nothing to learn from so far.".to_owned()]
        } else {
            lessons
        },
        json!({ "initiatives": effects }),
    ));

    // 4. Coordination: the Top Ten themes the council owns because they cross departments, and
    // the moments of truth on stages several departments take part in.
    let mut coordination: Vec<String> = top
        .entries
        .iter()
        .filter_map(|e| {
            let o = e.ownership.as_ref()?;
            (o.owner_kind == "council").then(|| {
                let departments: Vec<String> = o
                    .evidence
                    .iter()
                    .take(3)
                    .map(|s| {
                        format!(
                            "{} {:.0}%",
                            org.department_name(&s.department),
                            s.share * 100.0
                        )
                    })
                    .collect();
                format!(
                    "Top Ten {}: “{}” crosses {}",
                    e.rank,
                    e.label,
                    departments.join(", ")
                )
            })
        })
        .collect();
    for moment in &org.moments_of_truth {
        let Some(stage) = org.stage(&moment.stage) else {
            continue;
        };
        // Where several departments own the stage's touchpoints: nobody alone can keep it.
        let departments: Vec<_> = org
            .departments_of_stage(stage)
            .into_iter()
            .filter(|(_, role)| *role == throughline_domain::org::OwnershipRole::Owner)
            .collect();
        if departments.len() >= 2 {
            coordination.push(format!(
                "Moment of truth {} “{}” ({}): {}",
                moment.rank,
                moment.name,
                stage.name,
                departments
                    .iter()
                    .map(|(d, _)| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    items.push(item(
        4,
        if coordination.is_empty() {
            vec!["Nothing crosses departments at the moment.".to_owned()]
        } else {
            coordination.clone()
        },
        json!({ "items": coordination }),
    ));

    // 5. Data-sharing requests: where a department cannot see its part of the journey.
    use throughline_domain::org::gaps::GapKind;
    let check = crate::journey::check(store, None, None).await?;
    let requests: Vec<String> = check
        .gaps
        .iter()
        .filter(|g| {
            matches!(
                g.kind,
                GapKind::MomentWithoutMetric
                    | GapKind::MomentWithoutFeedback
                    | GapKind::KpisOffJourney
                    | GapKind::DepartmentWithoutFeedback
                    | GapKind::MetricClaimedTwice
            )
        })
        .map(|g| format!("{}. Ask: {}.", g.message, g.fix))
        .collect();
    items.push(item(
        5,
        if requests.is_empty() {
            vec!["Every department sees its part of the journey: no data to ask for.".to_owned()]
        } else {
            requests.clone()
        },
        json!({ "requests": requests }),
    ));
    items.extend(renumbered(6, kept("other_business")));
    items.extend(renumbered(7, kept("adjourn")));
    Ok(items)
}
