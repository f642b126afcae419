//! The initiatives as a file (`/initiatives.csv`, `/initiatives.xlsx`): every initiative with
//! where it stands — owner, objective and progress, its tasks, the council's decision — for a
//! report to the executive team or a spreadsheet of one's own.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use throughline_domain::action::{Date, TaskStatus};
use throughline_service::{actions, themes};

use super::owner_name;
use crate::AppState;
use crate::error::PageError;
use crate::pages::PageUser;
use crate::pages::table_file::{Cell, FileKind, Table};

/// The file's columns.
const HEADER: [&str; 19] = [
    "initiative",
    "title",
    "status",
    "owner",
    "sponsor",
    "themes",
    "metric",
    "baseline",
    "target",
    "due",
    "current_value",
    "progress_percent",
    "tasks",
    "tasks_done",
    "tasks_overdue",
    "decided_by",
    "decided_on",
    "started_on",
    "resources_requested",
];

/// `/initiatives.csv`: every initiative, the newest first.
pub(super) async fn initiatives_csv(
    State(state): State<AppState>,
    _user: PageUser,
) -> Result<Response, PageError> {
    table(&state).await?.answer(FileKind::Csv)
}

/// `/initiatives.xlsx`: the same as an Excel workbook.
pub(super) async fn initiatives_xlsx(
    State(state): State<AppState>,
    _user: PageUser,
) -> Result<Response, PageError> {
    table(&state).await?.answer(FileKind::Xlsx)
}

async fn table(state: &AppState) -> Result<Table, PageError> {
    let org = state.organisation().await?;
    let initiatives = actions::initiatives(&state.store).await?;
    let tasks = actions::tasks(&state.store, None).await?;
    let labels: HashMap<i64, String> = themes::list(&state.store, true)
        .await?
        .into_iter()
        .map(|t| (t.id, t.label))
        .collect();
    let today = Date::today();
    let rows = initiatives
        .iter()
        .map(|i| {
            let o = &i.initiative.objective;
            let own: Vec<_> = tasks.iter().filter(|t| t.task.initiative == i.id).collect();
            let count = |keep: &dyn Fn(&&&throughline_store::StoredTask) -> bool| {
                Cell::Number(own.iter().filter(keep).count() as f64)
            };
            vec![
                Cell::Number(i.id as f64),
                Cell::Text(i.initiative.title.clone()),
                Cell::Text(i.status.as_str().to_owned()),
                Cell::Text(owner_name(&org, &i.initiative.owner)),
                Cell::text(i.initiative.sponsor.as_deref()),
                Cell::Text(
                    i.initiative
                        .themes
                        .iter()
                        .map(|t| labels.get(t).cloned().unwrap_or_else(|| t.to_string()))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Cell::Text(o.metric.clone()),
                Cell::Number(o.baseline),
                Cell::Number(o.target),
                Cell::Text(o.due.as_str().to_owned()),
                Cell::number(i.current_value),
                Cell::number(
                    i.current_value
                        .map(|v| (o.progress(v) * 10.0).round() / 10.0),
                ),
                Cell::Number(own.len() as f64),
                count(&|t| t.status == TaskStatus::Done),
                count(&|t| t.status == TaskStatus::Open && t.task.due < today),
                Cell::text(i.decision.as_ref().map(|d| d.by.as_str())),
                Cell::text(
                    i.decision
                        .as_ref()
                        .map(|d| Date::of(d.at).as_str().to_owned())
                        .as_deref(),
                ),
                Cell::text(i.started_on.as_ref().map(Date::as_str)),
                Cell::Text(i.initiative.resources_requested.clone()),
            ]
        })
        .collect();
    Ok(Table {
        name: "initiatives".to_owned(),
        header: &HEADER,
        rows,
    })
}
