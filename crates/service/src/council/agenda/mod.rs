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
mod kept;
mod measurement;
mod measures;
mod new_data;
mod other_business;
mod priorities;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use throughline_analytics::Estimate;
use throughline_analytics::report::{PeriodScores, Summary};
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_domain::Timestamp;
use throughline_domain::action::Date;
use throughline_domain::org::{Council, CouncilKind, Organisation};
use throughline_store::{
    CouncilAction, MeetingStatus, Store, StoredInitiative, StoredMeeting, StoredTheme,
};

use super::{after_cadence, find_council, meeting, organisation};
use crate::Result;
use crate::scorecards::RecordEvidence;
use kept::from_snapshot;
pub use kept::{ActionLine, ActionsData, MeasuresData, PrioritiesData, TopTenLine};

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

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AgendaItem {
    /// 1 to 10; 0 for the strategic council's approvals, which come first.
    pub number: u8,
    pub key: &'static str,
    pub title: String,
    /// What the item says, for people.
    pub lines: Vec<String>,
    /// The figures behind it: each item's own typed figures, serialised ([`figures`]).
    pub data: Value,
}

/// An item's typed figures as the JSON of its `data`. Each item module writes a struct of its
/// own; the items read back later ([`ActionsData`], [`MeasuresData`], [`PrioritiesData`]) are
/// read with types, never by string keys.
fn figures(data: &impl Serialize) -> Value {
    // Plain structs of numbers, strings, lists and string-keyed maps: nothing here can fail
    // to serialise (a non-finite number becomes null).
    serde_json::to_value(data).expect("an agenda item's figures serialise to JSON")
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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

/// The view kept, or computed now (`compute` runs only when none is kept).
async fn kept_or<T>(
    kept: &Option<Arc<T>>,
    compute: impl std::future::Future<Output = Result<T>>,
) -> Result<Arc<T>> {
    Ok(match kept {
        Some(view) => view.clone(),
        None => Arc::new(compute.await?),
    })
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
    /// Every department's work: the tasks of initiatives and the council actions above.
    work: Vec<crate::work::WorkItem>,
    /// Every record with its analysis, for initiatives' measured effects (items 4, 5 and the
    /// champions' lessons): read when an initiative has started, once (at a million records
    /// it takes half a minute, and an agenda without started initiatives needs none of it).
    inputs: tokio::sync::OnceCell<Arc<crate::weekly::Inputs>>,
    chains: Arc<crate::chains::Chains>,
    top: Arc<crate::themes::TopTen>,
    /// Moments of truth (item 2).
    moments: Arc<crate::moments::Moments>,
    /// The journey's gaps and overlaps (item 3; the champions' data-sharing requests).
    journey: Arc<crate::journey::JourneyCheck>,
    /// What every department's scorecard reads from the records (item 3).
    evidence: Arc<HashMap<String, RecordEvidence>>,
    stored_themes: Vec<StoredTheme>,
}

/// The whole-dataset views an agenda reads, where the caller keeps them already (the web
/// server keeps them under the data's fingerprint): each one given is used as it is, each one
/// missing is computed. At a million records computing them all takes about 40 s; a meeting's
/// page that takes them from the server's kept views answers at once.
#[derive(Debug, Clone, Default)]
pub struct KeptViews {
    /// The Top Ten with owners at [`SINGLE_DEPARTMENT_SHARE`].
    pub top_ten: Option<Arc<crate::themes::TopTen>>,
    /// The chains at [`throughline_analytics::chains::DEFAULT_FDR`].
    pub chains: Option<Arc<crate::chains::Chains>>,
    pub moments: Option<Arc<crate::moments::Moments>>,
    /// The journey check over its default period.
    pub journey_check: Option<Arc<crate::journey::JourneyCheck>>,
    /// [`crate::scorecards::record_evidence`] at [`SINGLE_DEPARTMENT_SHARE`].
    pub department_evidence: Option<Arc<HashMap<String, RecordEvidence>>>,
}

impl<'a> Context<'a> {
    /// Every record with its analysis, read the first time an item asks.
    async fn inputs(&self) -> Result<Arc<crate::weekly::Inputs>> {
        self.inputs
            .get_or_try_init(|| async {
                Ok(Arc::new(crate::weekly::Inputs::load(self.store).await?))
            })
            .await
            .cloned()
    }

    /// Whether any initiative has started (active or done): only then are effects measured.
    fn any_started(&self) -> bool {
        self.initiatives.iter().any(|i| i.status.has_started())
    }

    async fn load(
        store: &'a Store,
        council_key: &str,
        this: Option<&'a StoredMeeting>,
        views: &KeptViews,
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
        let since_ts = since.as_ref().map(Date::start);
        let summary: Summary = crate::analysis::latest_run(store)
            .await?
            .map(|run| run.summary)
            .unwrap_or_default();
        // The weekly series counted by the database, not read record by record.
        let chains = kept_or(
            &views.chains,
            crate::chains::chains(store, throughline_analytics::chains::DEFAULT_FDR),
        )
        .await?;
        let top = kept_or(
            &views.top_ten,
            crate::themes::top_ten(store, SINGLE_DEPARTMENT_SHARE),
        )
        .await?;
        let moments = kept_or(&views.moments, crate::moments::moments(store)).await?;
        let journey = kept_or(
            &views.journey_check,
            crate::journey::check(store, None, None),
        )
        .await?;
        let evidence = kept_or(
            &views.department_evidence,
            crate::scorecards::record_evidence(store, SINGLE_DEPARTMENT_SHARE),
        )
        .await?;
        let council_actions = store.council_actions(None).await?;
        let tasks = store.tasks(None).await?;
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
            work: crate::work::items(&tasks, &council_actions),
            council_actions,
            inputs: tokio::sync::OnceCell::new(),
            chains,
            top,
            moments,
            journey,
            evidence,
            stored_themes: store.themes().await?,
            org,
            council,
        })
    }
}

/// The agenda of the council's next meeting (the planned one, else the one the cadence gives).
pub async fn agenda(store: &Store, council: Option<&str>) -> Result<Agenda> {
    agenda_with(store, council, &KeptViews::default()).await
}

/// [`agenda`] over the views the caller keeps.
pub async fn agenda_with(
    store: &Store,
    council: Option<&str>,
    views: &KeptViews,
) -> Result<Agenda> {
    let org = organisation(store).await?;
    let council = find_council(&org, council)?;
    let meetings = store.meetings(Some(council.key.as_str())).await?;
    let next = meetings
        .into_iter()
        .find(|m| m.status == MeetingStatus::Planned);
    agenda_for(store, council.key.as_str(), next.as_ref(), views).await
}

/// A meeting's agenda: as kept when it closed, or generated now while it is planned.
pub async fn agenda_of(store: &Store, id: i64) -> Result<Agenda> {
    agenda_of_with(store, id, &KeptViews::default()).await
}

/// [`agenda_of`] over the views the caller keeps.
pub async fn agenda_of_with(store: &Store, id: i64, views: &KeptViews) -> Result<Agenda> {
    let found = meeting(store, id).await?;
    if let Some(kept) = &found.agenda {
        return Ok(from_snapshot(kept, &found));
    }
    agenda_for(store, &found.council, Some(&found), views).await
}

/// Item 10's figures (`adjourn`).
#[derive(Serialize)]
struct Adjourn<'a> {
    /// `YYYY-MM-DD`.
    next_meeting: &'a str,
}

/// The period key (`YYYY-MM`) of a day.
fn month_of(date: &Date) -> String {
    date.month().to_owned()
}

/// A month's value of one score (NPS or CSAT).
type MonthScore = fn(&PeriodScores) -> Option<Estimate>;

/// Whether a theme's share of its month's records rose in its last month against the month
/// before (`Some(true)` worsening, `Some(false)` improving, `None` without two months).
fn theme_direction(trend: &[throughline_store::TrendPoint]) -> Option<bool> {
    let [.., before, last] = trend else {
        return None;
    };
    (before.share != last.share).then_some(last.share > before.share)
}

/// The agenda of the council `council_key`'s meeting `this` (or its next one), generated now.
pub(super) async fn agenda_for(
    store: &Store,
    council_key: &str,
    this: Option<&StoredMeeting>,
    views: &KeptViews,
) -> Result<Agenda> {
    let ctx = Context::load(store, council_key, this, views).await?;
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
        data: figures(&Adjourn {
            next_meeting: next_meeting.as_str(),
        }),
    });
    if council.kind == CouncilKind::Champions {
        items = champions::items(&ctx, items).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meeting(agenda: Option<Value>) -> StoredMeeting {
        StoredMeeting {
            id: 7,
            council: "cx-council".to_owned(),
            held_on: Date::parse("2026-11-02").unwrap(),
            status: MeetingStatus::Closed,
            attendance: Vec::new(),
            notes: Default::default(),
            agenda,
            created_at: Timestamp::from_millis(0),
            closed_at: None,
        }
    }

    #[test]
    fn a_kept_agenda_reads_back_typed() {
        let line = TopTenLine {
            rank: 2,
            theme: 41,
            label: "refund not received".to_owned(),
            scope: "cross-department".to_owned(),
            owner: Some("CX Council".to_owned()),
            previous_rank: None,
        };
        let agenda = Agenda {
            council: "cx-council".to_owned(),
            council_name: "CX Council".to_owned(),
            kind: "strategic",
            meeting: Some(7),
            date: Date::parse("2026-11-02").unwrap(),
            previous_meeting: Some(3),
            since: Some(Date::parse("2026-10-05").unwrap()),
            next_meeting: Date::parse("2026-12-07").unwrap(),
            items: vec![
                AgendaItem {
                    number: 1,
                    key: "actions",
                    title: ITEMS[0].1.to_owned(),
                    lines: vec!["Call back — Ana, due 2026-10-30: overdue".to_owned()],
                    data: json!({ "actions": [
                        { "id": 5, "title": "Call back", "status": "overdue", "owner": "Ana" }
                    ] }),
                },
                AgendaItem {
                    number: 7,
                    key: "priorities",
                    title: ITEMS[6].1.to_owned(),
                    lines: vec!["2. refund not received".to_owned()],
                    data: json!({ "top_ten": [line], "chain_keys": ["a>b"] }),
                },
            ],
        };
        let kept = serde_json::to_value(&agenda).unwrap();
        let back = from_snapshot(&kept, &meeting(Some(kept.clone())));
        assert_eq!(back.kind, "strategic");
        assert_eq!(back.since, agenda.since);
        assert_eq!(back.next_meeting, agenda.next_meeting);
        assert_eq!(back.items.len(), 2);
        let priorities: PrioritiesData = back.item_data("priorities");
        assert_eq!(priorities.top_ten, vec![line]);
        assert_eq!(priorities.chain_keys, vec!["a>b".to_owned()]);
        let actions: ActionsData = back.item_data("actions");
        assert_eq!(actions.actions[0].id, 5);
        assert_eq!(actions.actions[0].status, "overdue");
        // No such item, or figures of another shape: empty, not a failure.
        assert!(
            back.item_data::<MeasuresData>("measures")
                .monthly
                .is_empty()
        );
        let odd = from_snapshot(&json!({ "items": 3 }), &meeting(None));
        assert!(odd.items.is_empty());
        assert_eq!(odd.next_meeting, Date::parse("2026-11-02").unwrap());
    }
}
