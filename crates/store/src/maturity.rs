//! Culture-maturity assessments: each with its name, the model it used (kept as it was, so
//! later edits to the model do not rewrite history), the target level the council chose, and
//! the respondents' answers (one set per respondent, replaced when they answer again while the
//! assessment is open).

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::Timestamp;

use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredAssessment {
    pub id: i64,
    pub name: String,
    /// The model as JSON (the domain's `maturity::Model`).
    pub model: serde_json::Value,
    pub target_level: u32,
    pub open: bool,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredResponse {
    pub id: i64,
    pub assessment: i64,
    pub respondent: String,
    pub department: Option<String>,
    pub answers: BTreeMap<String, u8>,
    pub submitted_at: Timestamp,
}

fn inconsistent(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Inconsistent(format!("{what}: {detail}"))
}

fn assessment(row: &AnyRow) -> Result<StoredAssessment> {
    let id: i64 = row.try_get("id")?;
    let model: String = row.try_get("model")?;
    Ok(StoredAssessment {
        id,
        name: row.try_get("name")?,
        model: serde_json::from_str(&model)
            .map_err(|e| inconsistent(&format!("assessment {id}"), e))?,
        target_level: u32::try_from(row.try_get::<i64, _>("target_level")?).unwrap_or(0),
        open: row.try_get::<String, _>("status")? == "open",
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        closed_at: row
            .try_get::<Option<i64>, _>("closed_at")?
            .map(Timestamp::from_millis),
    })
}

fn response(row: &AnyRow) -> Result<StoredResponse> {
    let id: i64 = row.try_get("id")?;
    let answers: String = row.try_get("answers")?;
    Ok(StoredResponse {
        id,
        assessment: row.try_get("assessment_id")?,
        respondent: row.try_get("respondent")?,
        department: row.try_get("department")?,
        answers: serde_json::from_str(&answers)
            .map_err(|e| inconsistent(&format!("response {id}"), e))?,
        submitted_at: Timestamp::from_millis(row.try_get("submitted_at")?),
    })
}

const ASSESSMENT_COLUMNS: &str = "id, name, model, target_level, status, created_at, closed_at";

impl Store {
    pub async fn insert_assessment(
        &self,
        name: &str,
        model: &serde_json::Value,
        target_level: u32,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO assessments (name, model, target_level, status, created_at) \
             VALUES ($1, $2, $3, 'open', $4) RETURNING id",
        )
        .bind(name)
        .bind(model.to_string())
        .bind(i64::from(target_level))
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// Assessments, oldest first.
    pub async fn assessments(&self) -> Result<Vec<StoredAssessment>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM assessments ORDER BY created_at, id"
        )))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(assessment).collect()
    }

    pub async fn assessment(&self, id: i64) -> Result<Option<StoredAssessment>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM assessments WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(assessment).transpose()
    }

    /// Closes an open assessment; false when it was not open.
    pub async fn close_assessment(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE assessments SET status = 'closed', closed_at = $1 WHERE id = $2 AND status = 'open'",
        )
        .bind(Timestamp::now().as_millis())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a respondent's answers to an open assessment, replacing theirs if they answered
    /// before; false when the assessment is closed (or gone).
    pub async fn save_response(
        &self,
        assessment: i64,
        respondent: &str,
        department: Option<&str>,
        answers: &BTreeMap<String, u8>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let open: Option<i64> =
            sqlx::query_scalar("SELECT id FROM assessments WHERE id = $1 AND status = 'open'")
                .bind(assessment)
                .fetch_optional(&mut *tx)
                .await?;
        if open.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "DELETE FROM assessment_responses WHERE assessment_id = $1 AND respondent = $2",
        )
        .bind(assessment)
        .bind(respondent)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO assessment_responses (assessment_id, respondent, department, answers, \
             submitted_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(assessment)
        .bind(respondent)
        .bind(department)
        .bind(serde_json::to_string(answers).expect("answers always serialise"))
        .bind(Timestamp::now().as_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn responses(&self, assessment: i64) -> Result<Vec<StoredResponse>> {
        let rows = sqlx::query(
            "SELECT id, assessment_id, respondent, department, answers, submitted_at \
             FROM assessment_responses WHERE assessment_id = $1 ORDER BY id",
        )
        .bind(assessment)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(response).collect()
    }
}
