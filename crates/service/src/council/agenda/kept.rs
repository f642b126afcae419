//! What an agenda keeps: a closed meeting's agenda read back from its snapshot, and the typed
//! figures of the items that later agendas, pages and the pack read back from it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use throughline_analytics::report::PeriodScores;
use throughline_domain::action::Date;
use throughline_store::StoredMeeting;

use super::{Agenda, AgendaItem, CHAMPION_ITEMS, ITEMS};

/// An agenda as kept when its meeting closed (the [`Agenda`] it was, serialised).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KeptAgenda {
    council: String,
    council_name: String,
    kind: String,
    previous_meeting: Option<i64>,
    since: Option<Date>,
    next_meeting: Option<Date>,
    items: Vec<KeptItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KeptItem {
    number: u8,
    key: String,
    title: String,
    lines: Vec<String>,
    data: Value,
}

/// A closed meeting's agenda from what was kept (one that no longer reads as an agenda — it
/// never should — reads as an empty one rather than failing the page).
pub(super) fn from_snapshot(kept: &Value, meeting: &StoredMeeting) -> Agenda {
    let kept = KeptAgenda::deserialize(kept).unwrap_or_default();
    let items = kept
        .items
        .into_iter()
        .map(|item| AgendaItem {
            number: item.number,
            key: ITEMS
                .iter()
                .map(|(k, _)| *k)
                .chain(["approvals"])
                .chain(CHAMPION_ITEMS.iter().map(|(k, _)| *k))
                .find(|k| *k == item.key)
                .unwrap_or("other_business"),
            title: item.title,
            lines: item.lines,
            data: item.data,
        })
        .collect();
    Agenda {
        council: kept.council,
        council_name: kept.council_name,
        kind: match kept.kind.as_str() {
            "strategic" => "strategic",
            "champions" => "champions",
            _ => "operational",
        },
        meeting: Some(meeting.id),
        date: meeting.held_on.clone(),
        previous_meeting: kept.previous_meeting,
        since: kept.since,
        next_meeting: kept.next_meeting.unwrap_or_else(|| meeting.held_on.clone()),
        items,
    }
}

impl Agenda {
    /// The figures of item `key` as `T` — how a page, the pack and the next agenda read an
    /// item, never by string keys; empty when the agenda has no such item.
    pub fn item_data<T: DeserializeOwned + Default>(&self, key: &str) -> T {
        self.items
            .iter()
            .find(|i| i.key == key)
            .and_then(|i| T::deserialize(&i.data).ok())
            .unwrap_or_default()
    }
}

/// One line of the Top Ten in item 7 (`priorities`), with its rank at the previous meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopTenLine {
    pub rank: u32,
    pub theme: i64,
    pub label: String,
    /// `single-department`, `cross-department` or `unplaced`.
    pub scope: String,
    pub owner: Option<String>,
    pub previous_rank: Option<u32>,
}

/// What item 7 (`priorities`) is read back by: its Top Ten and the chains it listed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PrioritiesData {
    pub top_ten: Vec<TopTenLine>,
    pub chain_keys: Vec<String>,
}

/// What item 2 (`measures`) is read back by: the scores of each month.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MeasuresData {
    pub monthly: Vec<PeriodScores>,
}

/// One action of item 1 (`actions`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionLine {
    pub id: i64,
    /// The meeting that agreed it.
    pub meeting: i64,
    pub title: String,
    pub owner: String,
    pub department: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// `open`, `overdue` or `done`.
    pub status: String,
    /// The day it was done (`YYYY-MM-DD`).
    pub done_on: Option<String>,
}

/// Item 1's figures (`actions`): the actions agreed at earlier meetings, and per owner how
/// many are open, overdue and done. Written and read back with this type.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionsData {
    pub actions: Vec<ActionLine>,
    pub by_owner: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
}
