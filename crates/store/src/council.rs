//! The councils' meetings: scheduling, attendance, notes per agenda item, decisions, the actions
//! agreed (owner, department, due date), topics for any other business, and closing (which
//! keeps the agenda as it stood).

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::action::{Date, TaskStatus};
use throughline_domain::{Key, Timestamp};

use crate::{Result, Store, StoreError};

/// Whether a meeting is still to be held (and edited) or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    Planned,
    Closed,
}

impl MeetingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredMeeting {
    pub id: i64,
    pub council: String,
    pub held_on: Date,
    pub status: MeetingStatus,
    /// Who came, as written.
    pub attendance: Vec<String>,
    /// Notes per agenda item, by the item's number.
    pub notes: BTreeMap<String, String>,
    /// The agenda as it stood when the meeting closed.
    pub agenda: Option<serde_json::Value>,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MeetingDecision {
    pub id: i64,
    pub meeting: i64,
    pub text: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NewCouncilAction {
    pub meeting: i64,
    pub title: String,
    pub owner_name: String,
    pub department: Key,
    pub due: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CouncilAction {
    pub id: i64,
    #[serde(flatten)]
    pub action: NewCouncilAction,
    pub status: TaskStatus,
    pub done_on: Option<Date>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MeetingTopic {
    pub id: i64,
    pub meeting: i64,
    pub text: String,
    pub added_by: String,
    pub created_at: Timestamp,
}

const MEETING_COLUMNS: &str =
    "id, council_key, held_on, status, attendance, notes, agenda, created_at, closed_at";
const ACTION_COLUMNS: &str =
    "id, meeting_id, title, owner_name, department, due_on, status, done_on, created_at";

fn inconsistent(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Inconsistent(format!("{what}: {detail}"))
}

fn meeting(row: &AnyRow) -> Result<StoredMeeting> {
    let id: i64 = row.try_get("id")?;
    let what = format!("meeting {id}");
    let json = |column: &str| -> Result<String> { Ok(row.try_get::<String, _>(column)?) };
    let status: String = row.try_get("status")?;
    Ok(StoredMeeting {
        id,
        council: row.try_get("council_key")?,
        held_on: Date::parse(&row.try_get::<String, _>("held_on")?)
            .map_err(|e| inconsistent(&what, e))?,
        status: match status.as_str() {
            "planned" => MeetingStatus::Planned,
            "closed" => MeetingStatus::Closed,
            other => return Err(inconsistent(&what, format!("unknown status {other:?}"))),
        },
        attendance: serde_json::from_str(&json("attendance")?)
            .map_err(|e| inconsistent(&what, e))?,
        notes: serde_json::from_str(&json("notes")?).map_err(|e| inconsistent(&what, e))?,
        agenda: row
            .try_get::<Option<String>, _>("agenda")?
            .map(|text| serde_json::from_str(&text).map_err(|e| inconsistent(&what, e)))
            .transpose()?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        closed_at: row
            .try_get::<Option<i64>, _>("closed_at")?
            .map(Timestamp::from_millis),
    })
}

fn action(row: &AnyRow) -> Result<CouncilAction> {
    let id: i64 = row.try_get("id")?;
    let what = format!("council action {id}");
    let date = |column: &str| -> Result<Option<Date>> {
        row.try_get::<Option<String>, _>(column)?
            .map(|d| Date::parse(&d).map_err(|e| inconsistent(&what, e)))
            .transpose()
    };
    Ok(CouncilAction {
        id,
        action: NewCouncilAction {
            meeting: row.try_get("meeting_id")?,
            title: row.try_get("title")?,
            owner_name: row.try_get("owner_name")?,
            department: Key::parse(&row.try_get::<String, _>("department")?)
                .map_err(|e| inconsistent(&what, e))?,
            due: date("due_on")?.ok_or_else(|| inconsistent(&what, "no due date"))?,
        },
        status: TaskStatus::parse(&row.try_get::<String, _>("status")?)
            .map_err(|e| inconsistent(&what, e))?,
        done_on: date("done_on")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
    })
}

impl Store {
    pub async fn insert_meeting(&self, council: &Key, held_on: &Date) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO meetings (council_key, held_on, created_at) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(council.as_str())
        .bind(held_on.as_str())
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// Meetings in date order; of one council when given.
    pub async fn meetings(&self, council: Option<&str>) -> Result<Vec<StoredMeeting>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE $1 IS NULL OR council_key = $1 \
             ORDER BY held_on, id"
        )))
        .bind(council)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(meeting).collect()
    }

    pub async fn meeting(&self, id: i64) -> Result<Option<StoredMeeting>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(meeting).transpose()
    }

    /// Replaces who came to a planned meeting; false when it is closed (or gone).
    pub async fn set_attendance(&self, id: i64, names: &[String]) -> Result<bool> {
        let text = serde_json::to_string(names).expect("names always serialise");
        let done =
            sqlx::query("UPDATE meetings SET attendance = $1 WHERE id = $2 AND status = 'planned'")
                .bind(text)
                .bind(id)
                .execute(&mut *self.conn().await?)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets the notes of one agenda item of a planned meeting (empty text removes them); false
    /// when the meeting is closed (or gone). One transaction, so concurrent notes on other items
    /// are kept.
    pub async fn set_item_notes(&self, id: i64, item: u8, text: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT notes FROM meetings WHERE id = $1 AND status = 'planned'")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(current) = current else {
            return Ok(false);
        };
        let mut notes: BTreeMap<String, String> = serde_json::from_str(&current)
            .map_err(|e| inconsistent(&format!("meeting {id}"), e))?;
        if text.trim().is_empty() {
            notes.remove(&item.to_string());
        } else {
            notes.insert(item.to_string(), text.trim().to_owned());
        }
        sqlx::query("UPDATE meetings SET notes = $1 WHERE id = $2")
            .bind(serde_json::to_string(&notes).expect("notes always serialise"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Closes a planned meeting, keeping its agenda; false when it was not planned.
    pub async fn close_meeting(&self, id: i64, agenda: &serde_json::Value) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE meetings SET status = 'closed', agenda = $1, closed_at = $2 \
             WHERE id = $3 AND status = 'planned'",
        )
        .bind(agenda.to_string())
        .bind(Timestamp::now().as_millis())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_decision(&self, meeting: i64, text: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO meeting_decisions (meeting_id, text, created_at) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(meeting)
        .bind(text)
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    pub async fn decisions(&self, meeting: i64) -> Result<Vec<MeetingDecision>> {
        let rows = sqlx::query(
            "SELECT id, meeting_id, text, created_at FROM meeting_decisions \
             WHERE meeting_id = $1 ORDER BY id",
        )
        .bind(meeting)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(MeetingDecision {
                    id: row.try_get("id")?,
                    meeting: row.try_get("meeting_id")?,
                    text: row.try_get("text")?,
                    created_at: Timestamp::from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }

    pub async fn insert_council_action(&self, new: &NewCouncilAction) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO council_actions (meeting_id, title, owner_name, department, due_on, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(new.meeting)
        .bind(&new.title)
        .bind(&new.owner_name)
        .bind(new.department.as_str())
        .bind(new.due.as_str())
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// Actions in id order: of one meeting, or of every meeting when `None`.
    pub async fn council_actions(&self, meeting: Option<i64>) -> Result<Vec<CouncilAction>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTION_COLUMNS} FROM council_actions WHERE $1 IS NULL OR meeting_id = $1 \
             ORDER BY id"
        )))
        .bind(meeting)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(action).collect()
    }

    pub async fn council_action(&self, id: i64) -> Result<Option<CouncilAction>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTION_COLUMNS} FROM council_actions WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(action).transpose()
    }

    /// Marks an open action done; false when it was not open.
    pub async fn complete_council_action(&self, id: i64, on: &Date) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE council_actions SET status = 'done', done_on = $1 \
             WHERE id = $2 AND status = 'open'",
        )
        .bind(on.as_str())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_topic(&self, meeting: i64, text: &str, added_by: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO meeting_topics (meeting_id, text, added_by, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(meeting)
        .bind(text)
        .bind(added_by)
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    pub async fn topics(&self, meeting: i64) -> Result<Vec<MeetingTopic>> {
        let rows = sqlx::query(
            "SELECT id, meeting_id, text, added_by, created_at FROM meeting_topics \
             WHERE meeting_id = $1 ORDER BY id",
        )
        .bind(meeting)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(MeetingTopic {
                    id: row.try_get("id")?,
                    meeting: row.try_get("meeting_id")?,
                    text: row.try_get("text")?,
                    added_by: row.try_get("added_by")?,
                    created_at: Timestamp::from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }
}
