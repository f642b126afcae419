//! Storing action management: root-cause analyses, initiatives (with their workflow status and
//! the strategic council's decision), tasks and weekly reviews. Validation happens before, in
//! the domain types and the service; the store checks only what it must to stay consistent
//! (a status change applies only from the status the caller saw).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::action::{
    Date, InitiativeStatus, NewRootCause, Objective, Participant, TaskStatus, WorkOwner,
};
use throughline_domain::{Key, Timestamp};

use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredRootCause {
    pub id: i64,
    pub created_at: Timestamp,
    #[serde(flatten)]
    pub analysis: NewRootCause,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NewInitiative {
    pub title: String,
    pub description: String,
    pub owner: WorkOwner,
    pub sponsor: Option<String>,
    pub objective: Objective,
    pub themes: Vec<i64>,
    pub stages: Vec<Key>,
    pub root_cause: Option<i64>,
    pub resources_requested: String,
}

/// The strategic council's decision on a proposed initiative.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Decision {
    pub by: String,
    pub at: Timestamp,
    pub note: Option<String>,
    pub resources_granted: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredInitiative {
    pub id: i64,
    #[serde(flatten)]
    pub initiative: NewInitiative,
    pub status: InitiativeStatus,
    /// The objective's metric as last reviewed.
    pub current_value: Option<f64>,
    pub decision: Option<Decision>,
    /// The day it started (became active, or the day given for it): where its measured
    /// effect's "after" begins.
    pub started_on: Option<Date>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NewTask {
    pub initiative: i64,
    pub title: String,
    pub owner_name: String,
    pub department: Key,
    pub due: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredTask {
    pub id: i64,
    #[serde(flatten)]
    pub task: NewTask,
    pub status: TaskStatus,
    pub done_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NewReview {
    pub initiative: i64,
    pub on: Date,
    pub progress: String,
    pub metric_value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredReview {
    pub id: i64,
    #[serde(flatten)]
    pub review: NewReview,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data always serialises")
}

fn from_json<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str, what: &str) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Inconsistent(format!("{what}: {column}: {e}")))
}

fn stored_date(value: String, what: &str) -> Result<Date> {
    Date::parse(&value).map_err(|e| StoreError::Inconsistent(format!("{what}: {e}")))
}

const INITIATIVE_COLUMNS: &str = "id, title, description, owner_kind, owner_key, sponsor, metric, \
     baseline, target, current_value, due_on, themes, stages, root_cause_id, resources_requested, \
     resources_granted, status, decided_by, decided_at, decision_note, started_on, created_at, \
     updated_at";
const TASK_COLUMNS: &str =
    "id, initiative_id, title, owner_name, department, due_on, status, done_on";

impl Store {
    pub async fn insert_root_cause(&self, rca: &NewRootCause) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO root_causes (theme_id, problem, whys, root_cause, corrective_action, \
             metric, participants, verbatims, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(rca.theme)
        .bind(&rca.problem)
        .bind(json(&rca.whys))
        .bind(&rca.root_cause)
        .bind(&rca.corrective_action)
        .bind(&rca.metric)
        .bind(json(&rca.participants))
        .bind(json(&rca.verbatims))
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// Root-cause analyses, newest first; of one theme when given.
    pub async fn root_causes(&self, theme: Option<i64>) -> Result<Vec<StoredRootCause>> {
        let rows = sqlx::query(
            "SELECT id, theme_id, problem, whys, root_cause, corrective_action, metric, \
             participants, verbatims, created_at FROM root_causes \
             WHERE $1 IS NULL OR theme_id = $1 ORDER BY id DESC",
        )
        .bind(theme)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let what = format!("root-cause analysis {id}");
                Ok(StoredRootCause {
                    id,
                    created_at: Timestamp::from_millis(row.try_get("created_at")?),
                    analysis: NewRootCause {
                        theme: row.try_get("theme_id")?,
                        problem: row.try_get("problem")?,
                        whys: from_json(row, "whys", &what)?,
                        root_cause: row.try_get("root_cause")?,
                        corrective_action: row.try_get("corrective_action")?,
                        metric: row.try_get("metric")?,
                        participants: from_json::<Vec<Participant>>(row, "participants", &what)?,
                        verbatims: from_json(row, "verbatims", &what)?,
                    },
                })
            })
            .collect()
    }

    pub async fn insert_initiative(&self, new: &NewInitiative) -> Result<i64> {
        let now = Timestamp::now().as_millis();
        Ok(sqlx::query_scalar(
            "INSERT INTO initiatives (title, description, owner_kind, owner_key, sponsor, metric, \
             baseline, target, due_on, themes, stages, root_cause_id, resources_requested, status, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, 'proposed', $14, $14) RETURNING id",
        )
        .bind(&new.title)
        .bind(&new.description)
        .bind(new.owner.kind())
        .bind(new.owner.key().as_str())
        .bind(new.sponsor.as_deref())
        .bind(&new.objective.metric)
        .bind(new.objective.baseline)
        .bind(new.objective.target)
        .bind(new.objective.due.as_str())
        .bind(json(&new.themes))
        .bind(json(&new.stages))
        .bind(new.root_cause)
        .bind(&new.resources_requested)
        .bind(now)
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    pub async fn initiatives(&self) -> Result<Vec<StoredInitiative>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INITIATIVE_COLUMNS} FROM initiatives ORDER BY id"
        )))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(stored_initiative).collect()
    }

    pub async fn initiative(&self, id: i64) -> Result<Option<StoredInitiative>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INITIATIVE_COLUMNS} FROM initiatives WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(stored_initiative).transpose()
    }

    /// Moves an initiative from `from` to `to`, recording the decision when there is one; an
    /// initiative that becomes active starts today unless a start day was set before. False
    /// when its status was no longer `from` (someone else moved it first).
    pub async fn set_initiative_status(
        &self,
        id: i64,
        from: InitiativeStatus,
        to: InitiativeStatus,
        decision: Option<&Decision>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE initiatives SET status = $1, updated_at = $2, \
             decided_by = COALESCE($3, decided_by), decided_at = COALESCE($4, decided_at), \
             decision_note = COALESCE($5, decision_note), \
             resources_granted = COALESCE($6, resources_granted), \
             started_on = CASE WHEN $1 = 'active' THEN COALESCE(started_on, $9) \
             ELSE started_on END \
             WHERE id = $7 AND status = $8",
        )
        .bind(to.as_str())
        .bind(Timestamp::now().as_millis())
        .bind(decision.map(|d| d.by.as_str()))
        .bind(decision.map(|d| d.at.as_millis()))
        .bind(decision.and_then(|d| d.note.as_deref()))
        .bind(decision.and_then(|d| d.resources_granted.as_deref()))
        .bind(id)
        .bind(from.as_str())
        .bind(Date::of(Timestamp::now()).as_str())
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets the day an initiative started (its owner knows better than the day it was marked
    /// active). False when there is no such initiative.
    pub async fn set_initiative_start(&self, id: i64, on: &Date) -> Result<bool> {
        let done =
            sqlx::query("UPDATE initiatives SET started_on = $1, updated_at = $2 WHERE id = $3")
                .bind(on.as_str())
                .bind(Timestamp::now().as_millis())
                .bind(id)
                .execute(&mut *self.conn().await?)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_task(&self, task: &NewTask) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO tasks (initiative_id, title, owner_name, department, due_on, status, \
             created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
        )
        .bind(task.initiative)
        .bind(&task.title)
        .bind(&task.owner_name)
        .bind(task.department.as_str())
        .bind(task.due.as_str())
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// Tasks in id order; of one initiative when given.
    pub async fn tasks(&self, initiative: Option<i64>) -> Result<Vec<StoredTask>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE $1 IS NULL OR initiative_id = $1 ORDER BY id"
        )))
        .bind(initiative)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(stored_task).collect()
    }

    pub async fn task(&self, id: i64) -> Result<Option<StoredTask>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(stored_task).transpose()
    }

    /// Marks an open task done on a date; false when it was not open.
    pub async fn complete_task(&self, id: i64, on: &Date) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE tasks SET status = 'done', done_on = $1 WHERE id = $2 AND status = 'open'",
        )
        .bind(on.as_str())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a weekly review; its metric value, if any, becomes the initiative's current
    /// value. One transaction.
    pub async fn insert_review(&self, review: &NewReview) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let now = Timestamp::now().as_millis();
        let id = sqlx::query_scalar(
            "INSERT INTO initiative_reviews (initiative_id, reviewed_on, progress, metric_value, \
             created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(review.initiative)
        .bind(review.on.as_str())
        .bind(&review.progress)
        .bind(review.metric_value)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(value) = review.metric_value {
            sqlx::query("UPDATE initiatives SET current_value = $1, updated_at = $2 WHERE id = $3")
                .bind(value)
                .bind(now)
                .bind(review.initiative)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// An initiative's reviews, oldest first.
    pub async fn reviews(&self, initiative: i64) -> Result<Vec<StoredReview>> {
        let rows = sqlx::query(
            "SELECT id, initiative_id, reviewed_on, progress, metric_value FROM initiative_reviews \
             WHERE initiative_id = $1 ORDER BY reviewed_on, id",
        )
        .bind(initiative)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                Ok(StoredReview {
                    id,
                    review: NewReview {
                        initiative: row.try_get("initiative_id")?,
                        on: stored_date(row.try_get("reviewed_on")?, &format!("review {id}"))?,
                        progress: row.try_get("progress")?,
                        metric_value: row.try_get("metric_value")?,
                    },
                })
            })
            .collect()
    }
}

/// A value of a department's KPI on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiValue {
    pub metric: String,
    pub on: Date,
    pub value: f64,
}

/// A KPI's value on a day, replacing any value already recorded for that day.
const UPSERT_KPI_VALUE: &str = "INSERT INTO kpi_values (metric_key, measured_on, value, created_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (metric_key, measured_on) \
     DO UPDATE SET value = excluded.value, created_at = excluded.created_at";

impl Store {
    /// Records a KPI's value on a day, replacing any value already recorded for that day.
    pub async fn record_kpi_value(&self, kpi: &KpiValue) -> Result<()> {
        sqlx::query(UPSERT_KPI_VALUE)
            .bind(&kpi.metric)
            .bind(kpi.on.as_str())
            .bind(kpi.value)
            .bind(Timestamp::now().as_millis())
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Stores KPI values in one transaction: a value for a new day is added, a different value
    /// for a day already recorded replaces it, the same value changes nothing. Returns (added,
    /// changed, unchanged).
    pub async fn import_kpi_values(&self, values: &[KpiValue]) -> Result<(u64, u64, u64)> {
        let mut tx = self.begin_write().await?;
        let (mut added, mut changed, mut unchanged) = (0, 0, 0);
        let now = Timestamp::now().as_millis();
        for kpi in values {
            let before: Option<f64> = sqlx::query_scalar(
                "SELECT value FROM kpi_values WHERE metric_key = $1 AND measured_on = $2",
            )
            .bind(&kpi.metric)
            .bind(kpi.on.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            match before {
                Some(v) if v == kpi.value => {
                    unchanged += 1;
                    continue;
                }
                Some(_) => changed += 1,
                None => added += 1,
            }
            sqlx::query(UPSERT_KPI_VALUE)
                .bind(&kpi.metric)
                .bind(kpi.on.as_str())
                .bind(kpi.value)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok((added, changed, unchanged))
    }

    /// A KPI's values, oldest first.
    pub async fn kpi_values(&self, metric: &str) -> Result<Vec<KpiValue>> {
        let rows = sqlx::query(
            "SELECT metric_key, measured_on, value FROM kpi_values WHERE metric_key = $1 \
             ORDER BY measured_on",
        )
        .bind(metric)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let metric: String = row.try_get("metric_key")?;
                Ok(KpiValue {
                    on: stored_date(row.try_get("measured_on")?, &format!("KPI {metric}"))?,
                    metric,
                    value: row.try_get("value")?,
                })
            })
            .collect()
    }
}

fn stored_initiative(row: &AnyRow) -> Result<StoredInitiative> {
    let id: i64 = row.try_get("id")?;
    let what = format!("initiative {id}");
    let bad =
        |e: throughline_domain::ValidationError| StoreError::Inconsistent(format!("{what}: {e}"));
    let owner_kind: String = row.try_get("owner_kind")?;
    let owner_key: String = row.try_get("owner_key")?;
    let status: String = row.try_get("status")?;
    let decided_by: Option<String> = row.try_get("decided_by")?;
    let decided_at: Option<i64> = row.try_get("decided_at")?;
    Ok(StoredInitiative {
        id,
        initiative: NewInitiative {
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            owner: WorkOwner::from_parts(&owner_kind, &owner_key).map_err(bad)?,
            sponsor: row.try_get("sponsor")?,
            objective: Objective {
                metric: row.try_get("metric")?,
                baseline: row.try_get("baseline")?,
                target: row.try_get("target")?,
                due: stored_date(row.try_get("due_on")?, &what)?,
            },
            themes: from_json(row, "themes", &what)?,
            stages: from_json(row, "stages", &what)?,
            root_cause: row.try_get("root_cause_id")?,
            resources_requested: row.try_get("resources_requested")?,
        },
        status: InitiativeStatus::parse(&status).map_err(bad)?,
        current_value: row.try_get("current_value")?,
        decision: match (decided_by, decided_at) {
            (Some(by), Some(at)) => Some(Decision {
                by,
                at: Timestamp::from_millis(at),
                note: row.try_get("decision_note")?,
                resources_granted: row.try_get("resources_granted")?,
            }),
            _ => None,
        },
        started_on: row
            .try_get::<Option<String>, _>("started_on")?
            .map(|d| stored_date(d, &what))
            .transpose()?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        updated_at: Timestamp::from_millis(row.try_get("updated_at")?),
    })
}

fn stored_task(row: &AnyRow) -> Result<StoredTask> {
    let id: i64 = row.try_get("id")?;
    let what = format!("task {id}");
    let bad =
        |e: throughline_domain::ValidationError| StoreError::Inconsistent(format!("{what}: {e}"));
    let department: String = row.try_get("department")?;
    let status: String = row.try_get("status")?;
    let done_on: Option<String> = row.try_get("done_on")?;
    Ok(StoredTask {
        id,
        task: NewTask {
            initiative: row.try_get("initiative_id")?,
            title: row.try_get("title")?,
            owner_name: row.try_get("owner_name")?,
            department: Key::parse(&department).map_err(bad)?,
            due: stored_date(row.try_get("due_on")?, &what)?,
        },
        status: TaskStatus::parse(&status).map_err(bad)?,
        done_on: done_on.map(|d| stored_date(d, &what)).transpose()?,
    })
}
