//! Changes to the councils' meetings: scheduling, attendance, notes, decisions, actions, topics,
//! closing; and completing a council action.

use throughline_domain::action::Date;
use throughline_domain::user::UserRole;
use throughline_store::{CouncilAction, MeetingDecision, MeetingTopic, Store, StoredMeeting};

use super::{Actor, audit, in_transaction, json_of, may_edit};
use crate::{Result, ServiceError};

/// A change to a council meeting's record.
#[derive(Debug, Clone, Copy)]
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
    /// A topic for any other business: anyone but a viewer may add one. It is recorded under
    /// the actor's name, or `by` when the actor enters it for someone (from the command line).
    Topic {
        text: &'a str,
        by: Option<&'a str>,
    },
    Close,
}

/// What a change to a meeting's record made.
#[derive(Debug, Clone)]
pub enum MeetingChanged {
    Meeting(StoredMeeting),
    Noted,
    Decision(MeetingDecision),
    Action(CouncilAction),
    Topic(MeetingTopic),
}

/// Schedules a council's next meeting: the council's business, so admins' and chairs'.
pub async fn schedule_meeting(
    store: &Store,
    actor: Actor<'_>,
    council: &str,
    on: Option<&str>,
) -> Result<throughline_store::StoredMeeting> {
    in_transaction(store, async |store| {
        may_edit(actor, None)?;
        let meeting = crate::council::schedule(store, council, on).await?;
        audit(
            store,
            actor,
            "meeting.schedule",
            format!("meeting {}", meeting.id),
            None,
            Some(json_of(&meeting)),
        )
        .await?;
        Ok(meeting)
    })
    .await
}

/// Records `change` on meeting `id`. The record is the chair's (admins and council chairs);
/// topics for any other business may come from any member.
pub async fn change_meeting(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    change: MeetingChange<'_>,
) -> Result<MeetingChanged> {
    in_transaction(store, async |store| {
        use crate::council;
        match change {
            MeetingChange::Topic { .. } => {
                if actor.role() == UserRole::Viewer {
                    return Err(ServiceError::Forbidden(
                        "a viewer cannot add topics to a meeting".into(),
                    ));
                }
            }
            _ => may_edit(actor, None)?,
        }
        let (action, after, changed) = match change {
            MeetingChange::Attendance(names) => {
                let m = council::record_attendance(store, id, names).await?;
                let after = serde_json::json!({ "attendance": m.attendance });
                ("meeting.attendance", after, MeetingChanged::Meeting(m))
            }
            MeetingChange::Notes { item, text } => {
                council::record_notes(store, id, item, text).await?;
                let after = serde_json::json!({ "item": item, "notes": text });
                ("meeting.notes", after, MeetingChanged::Noted)
            }
            MeetingChange::Decision(text) => {
                let d = council::add_decision(store, id, text).await?;
                ("meeting.decision", json_of(&d), MeetingChanged::Decision(d))
            }
            MeetingChange::Action {
                title,
                owner_name,
                department,
                due,
            } => {
                let a = council::add_action(store, id, title, owner_name, department, due).await?;
                ("meeting.action", json_of(&a), MeetingChanged::Action(a))
            }
            MeetingChange::Topic { text, by } => {
                let by = by.unwrap_or_else(|| actor.display_name());
                let t = council::add_topic(store, id, text, by).await?;
                ("meeting.topic", json_of(&t), MeetingChanged::Topic(t))
            }
            MeetingChange::Close => {
                let m = council::close(store, id).await?;
                let after = serde_json::json!({ "status": "closed" });
                ("meeting.close", after, MeetingChanged::Meeting(m))
            }
        };
        audit(
            store,
            actor,
            action,
            format!("meeting {id}"),
            None,
            Some(after),
        )
        .await?;
        Ok(changed)
    })
    .await
}

/// Marks an action agreed at a council meeting done: its department's, or the council's.
pub async fn complete_council_action(
    store: &Store,
    actor: Actor<'_>,
    id: i64,
    on: Option<String>,
) -> Result<throughline_store::CouncilAction> {
    in_transaction(store, async |store| {
        let before = crate::council::council_action(store, id).await?;
        may_edit(actor, Some(&before.action.department))?;
        let on = on
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| Date::today().to_string());
        let after = crate::council::complete_action(store, id, &on).await?;
        audit(
            store,
            actor,
            "council_action.done",
            format!("council action {id}"),
            Some(json_of(&before)),
            Some(json_of(&after)),
        )
        .await?;
        Ok(after)
    })
    .await
}
