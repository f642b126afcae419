//! Every change a person makes, through a page form or the API: who may make it, the change
//! itself (the service's use case), and its line in the audit log (who, what, when, before and
//! after). Pages and API handlers call these, so that both enforce the same rules.
//!
//! The rules: admins and council chairs change anything; members change the work of their own
//! department; viewers change nothing. Approving or rejecting an initiative is the strategic
//! council's, so admins' and council chairs'. A refused change is checked before anything is
//! written, so it leaves no trace but its 403.

use serde::Serialize;
use throughline_domain::Key;
use throughline_domain::action::{Date, InitiativeStatus, NewRootCause, WorkOwner};
use throughline_domain::user::UserRole;
use throughline_service::actions::{self, InitiativeProposal};
use throughline_service::themes;
use throughline_store::{StoredInitiative, StoredRootCause, StoredTask, StoredTheme, StoredUser};

use crate::{AppError, AppState};

/// Whether `user` may change work of `department` (`None`: work that is no one department's,
/// such as the council's or the codebook).
pub fn may_edit(user: &StoredUser, department: Option<&Key>) -> Result<(), AppError> {
    let role = user.user.role;
    let allowed = match department {
        Some(d) => role.may_edit_department(user.user.department.as_ref(), d),
        None => matches!(role, UserRole::Admin | UserRole::CouncilChair),
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "a {} cannot make this change",
            role.as_str().replace('_', " ")
        )))
    }
}

fn json_of(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("stored values always serialise")
}

async fn audit(
    state: &AppState,
    user: &StoredUser,
    action: &str,
    subject: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    state
        .store
        .audit(
            user.user.email.as_str(),
            action,
            &subject,
            before.as_ref(),
            after.as_ref(),
        )
        .await?;
    Ok(())
}

/// The department whose work an initiative is, if it is one department's.
pub fn owner_department(initiative: &StoredInitiative) -> Option<&Key> {
    match &initiative.initiative.owner {
        WorkOwner::Department(d) => Some(d),
        WorkOwner::Council(_) => None,
    }
}

pub async fn rename_theme(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    label: &str,
) -> Result<StoredTheme, AppError> {
    may_edit(user, None)?;
    let before = themes::show(&state.store, id, 0).await?.theme;
    let after = themes::rename(&state.store, id, label).await?;
    audit(
        state,
        user,
        "theme.rename",
        format!("theme {id}"),
        Some(serde_json::json!({ "label": before.label })),
        Some(serde_json::json!({ "label": after.label })),
    )
    .await?;
    Ok(after)
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

/// The codebook's edits beyond renaming: the council's, so admins' and council chairs'.
pub enum ThemeEdit<'a> {
    Merge { into: i64 },
    Split { parts: usize },
    Archive,
    AddPhrase(&'a str),
}

/// Applies `edit` to theme `id`; returns the themes it produced or changed (the merged-into
/// theme, the parts of a split, the archived or extended theme).
pub async fn edit_theme(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    edit: ThemeEdit<'_>,
) -> Result<Vec<StoredTheme>, AppError> {
    may_edit(user, None)?;
    let before = themes::show(&state.store, id, 0).await?.theme;
    let brief = |t: &StoredTheme| serde_json::json!({ "id": t.id, "label": t.label });
    let (action, after, detail) = match edit {
        ThemeEdit::Merge { into } => {
            let merged = themes::merge(&state.store, id, into).await?;
            let detail = brief(&merged);
            (
                "theme.merge",
                vec![merged],
                serde_json::json!({ "into": detail }),
            )
        }
        ThemeEdit::Split { parts } => {
            let split = themes::split(&state.store, id, parts, 42).await?;
            let detail =
                serde_json::json!({ "parts": split.iter().map(brief).collect::<Vec<_>>() });
            ("theme.split", split, detail)
        }
        ThemeEdit::Archive => {
            let archived = themes::archive(&state.store, id).await?;
            (
                "theme.archive",
                vec![archived],
                serde_json::json!({ "status": "archived" }),
            )
        }
        ThemeEdit::AddPhrase(phrase) => {
            let (theme, gained) = themes::add_phrase(&state.store, id, phrase).await?;
            let detail = serde_json::json!({ "phrase": phrase.trim(), "records_gained": gained });
            ("theme.add_phrase", vec![theme], detail)
        }
    };
    audit(
        state,
        user,
        action,
        format!("theme {id}"),
        Some(serde_json::json!({ "label": before.label, "status": before.status.as_str() })),
        Some(detail),
    )
    .await?;
    Ok(after)
}

/// A change to a council meeting's record.
pub enum MeetingChange<'a> {
    Attendance(&'a [String]),
    Notes {
        item: u8,
        text: &'a str,
    },
    Decision(&'a str),
    Action {
        title: &'a str,
        owner_name: &'a str,
        department: &'a str,
        due: &'a str,
    },
    /// A topic for any other business: anyone but a viewer may add one.
    Topic(&'a str),
    Close,
}

/// Schedules a council's next meeting: the council's business, so admins' and chairs'.
pub async fn schedule_meeting(
    state: &AppState,
    user: &StoredUser,
    council: &str,
    on: Option<&str>,
) -> Result<throughline_store::StoredMeeting, AppError> {
    may_edit(user, None)?;
    let meeting = throughline_service::council::schedule(&state.store, council, on).await?;
    audit(
        state,
        user,
        "meeting.schedule",
        format!("meeting {}", meeting.id),
        None,
        Some(json_of(&meeting)),
    )
    .await?;
    Ok(meeting)
}

/// Records `change` on meeting `id`. The record is the chair's (admins and council chairs);
/// topics for any other business may come from any member.
pub async fn change_meeting(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    change: MeetingChange<'_>,
) -> Result<(), AppError> {
    use throughline_service::council;
    match change {
        MeetingChange::Topic(_) => {
            if user.user.role == UserRole::Viewer {
                return Err(AppError::Forbidden(
                    "a viewer cannot add topics to a meeting".into(),
                ));
            }
        }
        _ => may_edit(user, None)?,
    }
    let store = &state.store;
    let (action, after) = match change {
        MeetingChange::Attendance(names) => {
            let m = council::record_attendance(store, id, names).await?;
            (
                "meeting.attendance",
                serde_json::json!({ "attendance": m.attendance }),
            )
        }
        MeetingChange::Notes { item, text } => {
            council::record_notes(store, id, item, text).await?;
            (
                "meeting.notes",
                serde_json::json!({ "item": item, "notes": text }),
            )
        }
        MeetingChange::Decision(text) => {
            let d = council::add_decision(store, id, text).await?;
            ("meeting.decision", json_of(&d))
        }
        MeetingChange::Action {
            title,
            owner_name,
            department,
            due,
        } => {
            let a = council::add_action(store, id, title, owner_name, department, due).await?;
            ("meeting.action", json_of(&a))
        }
        MeetingChange::Topic(text) => {
            let t = council::add_topic(store, id, text, user.user.display_name.as_str()).await?;
            ("meeting.topic", json_of(&t))
        }
        MeetingChange::Close => {
            council::close(store, id).await?;
            ("meeting.close", serde_json::json!({ "status": "closed" }))
        }
    };
    audit(
        state,
        user,
        action,
        format!("meeting {id}"),
        None,
        Some(after),
    )
    .await
}

/// Marks an action agreed at a council meeting done: its department's, or the council's.
pub async fn complete_council_action(
    state: &AppState,
    user: &StoredUser,
    id: i64,
    on: Option<String>,
) -> Result<throughline_store::CouncilAction, AppError> {
    let before = throughline_service::council::council_action(&state.store, id).await?;
    may_edit(user, Some(&before.action.department))?;
    let on = on
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| Date::today().to_string());
    let after = throughline_service::council::complete_action(&state.store, id, &on).await?;
    audit(
        state,
        user,
        "council_action.done",
        format!("council action {id}"),
        Some(json_of(&before)),
        Some(json_of(&after)),
    )
    .await?;
    Ok(after)
}
