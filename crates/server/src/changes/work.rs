//! Changes to the council's work: root causes, initiatives through their workflow, tasks and
//! weekly reviews.

use throughline_domain::Key;
use throughline_domain::action::{Date, InitiativeStatus, NewRootCause, WorkOwner};
use throughline_service::actions::{self, InitiativeProposal};
use throughline_store::{StoredInitiative, StoredRootCause, StoredTask, StoredUser};

use super::{audit, json_of, may_edit};
use crate::{AppError, AppState};

/// The department whose work an initiative is, if it is one department's.
pub fn owner_department(initiative: &StoredInitiative) -> Option<&Key> {
    match &initiative.initiative.owner {
        WorkOwner::Department(d) => Some(d),
        WorkOwner::Council(_) => None,
    }
}

pub async fn add_root_cause(
    state: &AppState,
    user: &StoredUser,
    analysis: NewRootCause,
) -> Result<StoredRootCause, AppError> {
    let departments: Vec<Key> = analysis
        .participants
        .iter()
        .filter_map(|p| p.department.clone())
        .collect();
    // A member may record an analysis their own department takes part in.
    let own = user
        .user
        .department
        .as_ref()
        .filter(|d| departments.contains(d));
    may_edit(user, own.or(departments.first()))?;
    let stored = actions::add_root_cause(&state.store, analysis).await?;
    audit(
        state,
        user,
        "rca.add",
        format!("rca {}", stored.id),
        None,
        Some(json_of(&stored)),
    )
    .await?;
    Ok(stored)
}

pub async fn propose(
    state: &AppState,
    user: &StoredUser,
    proposal: InitiativeProposal,
) -> Result<StoredInitiative, AppError> {
    let department = proposal
        .owner
        .strip_prefix("department:")
        .and_then(|k| Key::parse(k.trim()).ok());
    may_edit(user, department.as_ref())?;
    let stored = actions::propose(&state.store, proposal).await?;
    audit(
        state,
        user,
        "initiative.propose",
        format!("initiative {}", stored.id),
        None,
        Some(json_of(&stored)),
    )
    .await?;
    Ok(stored)
}

/// Who may move an initiative to `to`: approvals and rejections are the strategic council's;
/// starting and finishing belong to the owner too.
pub fn may_transition(
    user: &StoredUser,
    initiative: &StoredInitiative,
    to: InitiativeStatus,
) -> Result<(), AppError> {
    match to {
        InitiativeStatus::Approved | InitiativeStatus::Rejected => may_edit(user, None),
        _ => may_edit(user, owner_department(initiative)),
    }
}

pub async fn change_status(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    to: InitiativeStatus,
    note: Option<String>,
    resources_granted: Option<String>,
) -> Result<StoredInitiative, AppError> {
    let before = actions::initiative(&state.store, id).await?;
    may_transition(user, &before, to)?;
    let decision =
        matches!(to, InitiativeStatus::Approved | InitiativeStatus::Rejected).then(|| {
            (
                user.user.display_name.as_str().to_owned(),
                note,
                resources_granted,
            )
        });
    let after = actions::transition(&state.store, id, to, decision).await?;
    audit(
        state,
        user,
        &format!("initiative.{}", to.as_str()),
        format!("initiative {id}"),
        Some(json_of(&before)),
        Some(json_of(&after)),
    )
    .await?;
    Ok(after)
}

/// A new task on an initiative, for one department.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TaskInput {
    pub initiative: i64,
    pub title: String,
    pub owner_name: String,
    pub department: String,
    pub due: String,
}

pub async fn add_task(
    state: &AppState,
    user: &StoredUser,
    input: TaskInput,
) -> Result<StoredTask, AppError> {
    let department =
        Key::parse(input.department.trim()).map_err(|e| AppError::Invalid(e.to_string()))?;
    may_edit(user, Some(&department))?;
    let task = actions::add_task(
        &state.store,
        input.initiative,
        &input.title,
        &input.owner_name,
        &input.department,
        &input.due,
    )
    .await?;
    audit(
        state,
        user,
        "task.add",
        format!("task {}", task.id),
        None,
        Some(json_of(&task)),
    )
    .await?;
    Ok(task)
}

/// Marks a task done, on `on` (today when not given).
pub async fn complete_task(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    on: Option<String>,
) -> Result<StoredTask, AppError> {
    let before = state
        .store
        .task(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no task {id}")))?;
    may_edit(user, Some(&before.task.department))?;
    let on = on
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| Date::today().to_string());
    let after = actions::complete_task(&state.store, id, on.trim()).await?;
    audit(
        state,
        user,
        "task.done",
        format!("task {id}"),
        Some(json_of(&before)),
        Some(json_of(&after)),
    )
    .await?;
    Ok(after)
}

/// A weekly review of an initiative: the owner's or the council's.
pub async fn add_review(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    on: &str,
    progress: &str,
    metric_value: Option<f64>,
) -> Result<StoredInitiative, AppError> {
    let before = actions::initiative(&state.store, id).await?;
    may_edit(user, owner_department(&before))?;
    let after = actions::add_review(&state.store, id, on, progress, metric_value).await?;
    audit(
        state,
        user,
        "initiative.review",
        format!("initiative {id}"),
        Some(serde_json::json!({ "current_value": before.current_value })),
        Some(serde_json::json!({
            "on": on, "progress": progress, "current_value": after.current_value
        })),
    )
    .await?;
    Ok(after)
}
