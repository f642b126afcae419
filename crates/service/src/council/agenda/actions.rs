//! Item 1: the actions agreed at earlier meetings — every one still open, and those done since.

use std::collections::{BTreeMap, BTreeSet};

use throughline_domain::action::{Date, TaskStatus};
use throughline_store::CouncilAction;

use super::{ActionLine, ActionsData, AgendaItem, Context, ITEMS, figures};

pub(super) fn item(ctx: &Context<'_>) -> AgendaItem {
    let (meetings, this, since) = (&ctx.meetings, ctx.this, &ctx.since);
    let date = ctx.date.clone();
    let department_name = |key: &str| ctx.org.department_name(key).to_owned();
    let meeting_ids: BTreeSet<i64> = meetings
        .iter()
        .filter(|m| Some(m.id) != this.map(|t| t.id) && m.held_on <= date)
        .map(|m| m.id)
        .collect();
    let actions: Vec<CouncilAction> = ctx
        .council_actions
        .iter()
        .filter(|a| meeting_ids.contains(&a.action.meeting))
        .filter(|a| {
            a.status == TaskStatus::Open
                || since
                    .as_ref()
                    .is_none_or(|s| a.done_on.as_ref().is_some_and(|d| d >= s))
        })
        .cloned()
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
    let mut by_owner: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for a in &actions {
        *by_owner
            .entry(a.action.owner_name.clone())
            .or_default()
            .entry(status_of(a).to_owned())
            .or_default() += 1;
    }
    AgendaItem {
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
        data: figures(&ActionsData {
            actions: actions
                .iter()
                .map(|a| ActionLine {
                    id: a.id,
                    meeting: a.action.meeting,
                    title: a.action.title.clone(),
                    owner: a.action.owner_name.clone(),
                    department: a.action.department.as_str().to_owned(),
                    due: a.action.due.as_str().to_owned(),
                    status: status_of(a).to_owned(),
                    done_on: a.done_on.as_ref().map(Date::as_str).map(str::to_owned),
                })
                .collect(),
            by_owner,
        }),
    }
}
