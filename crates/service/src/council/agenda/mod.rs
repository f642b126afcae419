//! The agenda of a council's meeting, generated from live data: ten items in a fixed order
//! (PRODUCT.md §4.6), each filled with what happened since the council's previous meeting; the
//! strategic council's starts with the initiatives awaiting its approval, the champions'
//! network has items of its own. Every item carries `lines` (what people read) and `data` (the
//! figures behind them, for tools and tests).
//!
//! What the items read is loaded once into a [`Context`]; each item is one module that turns
//! it into lines and figures.

mod actions;
mod approvals;
mod best_practices;
mod champions;
mod departments;
mod initiatives;
mod measurement;
mod measures;
mod new_data;
mod other_business;
mod priorities;

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use throughline_analytics::Estimate;
use throughline_analytics::report::{PeriodScores, Summary};
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_domain::Timestamp;
use throughline_domain::action::Date;
use throughline_domain::org::{Council, CouncilKind, Organisation};
use throughline_store::{
    CouncilAction, MeetingStatus, Store, StoredInitiative, StoredMeeting, StoredTheme,
};

use super::{after_cadence, day_start, find_council, meeting, organisation};
use crate::Result;

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

/// What the agenda's items read, loaded once.
struct Context<'a> {
    store: &'a Store,
    org: Organisation,
    council: Council,
    /// The meeting the agenda is for, when one is scheduled.
    this: Option<&'a StoredMeeting>,
    /// The council's meetings.
    meetings: Vec<StoredMeeting>,
    /// The council's last closed meeting before this one.
    previous: Option<StoredMeeting>,
    /// The meeting's day (the one the cadence gives when none is scheduled).
    date: Date,
    /// What happened since this day (the previous meeting's); everything when `None`.
    since: Option<Date>,
    since_ts: Option<Timestamp>,
    summary: Summary,
    initiatives: Vec<StoredInitiative>,
    completion: crate::actions::CompletionReport,
    council_actions: Vec<CouncilAction>,
    /// The weekly series' inputs: moments of truth (item 2), cross-silo chains (items 3 and 7),
    /// initiatives' measured effects (items 5 and the champions' lessons).
    inputs: Arc<crate::weekly::Inputs>,
    chains: crate::chains::Chains,
    top: crate::themes::TopTen,
    stored_themes: Vec<StoredTheme>,
}

impl<'a> Context<'a> {
    async fn load(
        store: &'a Store,
        council_key: &str,
        this: Option<&'a StoredMeeting>,
    ) -> Result<Context<'a>> {
        let org = organisation(store).await?;
        let council = find_council(&org, Some(council_key))?.clone();
        let meetings = store.meetings(Some(council.key.as_str())).await?;
        let previous = meetings
            .iter()
            .rfind(|m| {
                m.status == MeetingStatus::Closed
                    && Some(m.id) != this.map(|t| t.id)
                    && this.is_none_or(|t| m.held_on <= t.held_on)
            })
            .cloned();
        let date = match this {
            Some(m) => m.held_on.clone(),
            None => previous
                .as_ref()
                .map_or_else(Date::today, |p| after_cadence(&p.held_on, council.cadence)),
        };
        let since = previous.as_ref().map(|p| p.held_on.clone());
        let since_ts = since.as_ref().map(day_start);
        let summary: Summary = crate::analysis::latest_run(store)
            .await?
            .map(|run| run.summary)
            .unwrap_or_default();
        let inputs = Arc::new(crate::weekly::Inputs::load(store).await?);
        let chains =
            crate::chains::chains_of(inputs.clone(), throughline_analytics::chains::DEFAULT_FDR)
                .await?;
        Ok(Context {
            store,
            this,
            meetings,
            previous,
            date,
            since,
            since_ts,
            summary,
            initiatives: store.initiatives().await?,
            completion: crate::actions::completion(store, None, None).await?,
            council_actions: store.council_actions(None).await?,
            inputs,
            chains,
            top: crate::themes::top_ten(store, SINGLE_DEPARTMENT_SHARE).await?,
            stored_themes: store.themes().await?,
            org,
            council,
        })
    }
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

/// The agenda of the council `council_key`'s meeting `this` (or its next one), generated now.
pub(super) async fn agenda_for(
    store: &Store,
    council_key: &str,
    this: Option<&StoredMeeting>,
) -> Result<Agenda> {
    let ctx = Context::load(store, council_key, this).await?;
    let mut items: Vec<AgendaItem> = approvals::item(&ctx).into_iter().collect();
    items.push(actions::item(&ctx));
    items.push(measures::item(&ctx).await?);
    let (departments, improved) = departments::item(&ctx).await?;
    items.push(departments);
    items.push(best_practices::item(&ctx, &improved).await?);
    items.push(initiatives::item(&ctx).await?);
    items.push(measurement::item(&ctx).await?);
    items.push(priorities::item(&ctx));
    items.push(new_data::item(&ctx).await?);
    items.push(other_business::item(&ctx).await?);
    // 10. Adjourn, with the next meeting's date.
    let council = &ctx.council;
    let next_meeting = after_cadence(&ctx.date, council.cadence);
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
        items = champions::items(store, &ctx.org, items, ctx.inputs.clone(), &ctx.top).await?;
    }
    Ok(Agenda {
        council: council.key.as_str().to_owned(),
        council_name: council.name.as_str().to_owned(),
        kind: council.kind.as_str(),
        meeting: this.map(|m| m.id),
        date: ctx.date.clone(),
        previous_meeting: ctx.previous.as_ref().map(|p| p.id),
        since: ctx.since.clone(),
        next_meeting,
        items,
    })
}
