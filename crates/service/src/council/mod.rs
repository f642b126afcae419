//! The councils at work: meetings scheduled from the cadence, attendance, notes per agenda item,
//! decisions, actions and topics for any other business; the agenda generated from live data;
//! closing a meeting (its agenda is kept, its open actions roll into the next one).
//!
//! The agenda is its own module (`agenda`), one file per item.

mod agenda;

use agenda::agenda_for;
pub use agenda::{
    ActionLine, ActionsData, Agenda, AgendaItem, ITEMS, KeptViews, MeasuresData, PrioritiesData,
    TopTenLine, agenda, agenda_of, agenda_of_with, agenda_with,
};

use serde::Serialize;
use throughline_domain::Key;
use throughline_domain::action::{Date, TaskStatus, required_text};
use throughline_domain::org::{Cadence, Council, CouncilKind, Organisation};
use throughline_store::{
    CouncilAction, MeetingDecision, MeetingStatus, MeetingTopic, NewCouncilAction, Store,
    StoredMeeting,
};

use crate::{Result, ServiceError};

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

/// The day one cadence after `date` (the same day of the month, or the month's last).
pub fn after_cadence(date: &Date, cadence: Cadence) -> Date {
    match cadence {
        Cadence::Weekly => date.plus_days(7),
        Cadence::Fortnightly => date.plus_days(14),
        Cadence::Monthly => date.plus_months(1),
        Cadence::Quarterly => date.plus_months(3),
    }
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
    let agenda = agenda_for(store, &found.council, Some(&found), &KeptViews::default()).await?;
    let snapshot = serde_json::to_value(&agenda).expect("an agenda always serialises");
    if !store.close_meeting(id, &snapshot).await? {
        return Err(ServiceError::Invalid(format!(
            "meeting {id} closed meanwhile"
        )));
    }
    meeting(store, id).await
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
