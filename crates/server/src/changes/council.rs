//! Changes to the councils' meetings: scheduling, attendance, notes, decisions, actions, topics,
//! closing; and completing a council action.

use throughline_domain::action::Date;
use throughline_domain::user::UserRole;
use throughline_store::StoredUser;

use super::{audit, json_of, may_edit};
use crate::{AppError, AppState};

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
