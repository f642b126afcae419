//! Story-wall links: read-only, revocable addresses of the customer-story wall for screens with
//! no account. Only the SHA-256 of a link's secret is kept.

use serde::Serialize;
use sqlx::Row;
use throughline_domain::Timestamp;

use crate::{Result, Store};

/// A wall link as listed (its secret is never stored).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WallLink {
    pub id: i64,
    pub label: String,
    /// Only this department's stories (the stages it takes part in).
    pub department: Option<String>,
    /// Only this stage's stories.
    pub stage: Option<String>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A link as it is made.
#[derive(Debug, Clone, Copy)]
pub struct NewWallLink<'a> {
    pub secret_hash: &'a str,
    pub label: &'a str,
    pub department: Option<&'a str>,
    pub stage: Option<&'a str>,
    pub created_by: &'a str,
}

const COLUMNS: &str =
    "id, label, department_key, stage_key, created_at, created_by, last_used_at, revoked_at";

impl Store {
    pub async fn create_wall_link(&self, link: NewWallLink<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO wall_links (secret_hash, label, department_key, stage_key, created_at, \
             created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(link.secret_hash)
        .bind(link.label)
        .bind(link.department)
        .bind(link.stage)
        .bind(Timestamp::now().as_millis())
        .bind(link.created_by)
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// Every link, newest first, revoked ones too.
    pub async fn wall_links(&self) -> Result<Vec<WallLink>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM wall_links ORDER BY id DESC"
        )))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(link_of).collect()
    }

    pub async fn wall_link(&self, id: i64) -> Result<Option<WallLink>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM wall_links WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(link_of).transpose()
    }

    /// The link whose secret hashes to `secret_hash` (revoked or not); a live one is marked
    /// used.
    pub async fn wall_link_by_secret(&self, secret_hash: &str) -> Result<Option<WallLink>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM wall_links WHERE secret_hash = $1"
        )))
        .bind(secret_hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(link) = row.as_ref().map(link_of).transpose()? else {
            return Ok(None);
        };
        if link.revoked_at.is_none() {
            sqlx::query("UPDATE wall_links SET last_used_at = $1 WHERE id = $2")
                .bind(Timestamp::now().as_millis())
                .bind(link.id)
                .execute(&mut *self.conn().await?)
                .await?;
        }
        Ok(Some(link))
    }

    /// Revokes a live link; false when there is no such live link.
    pub async fn revoke_wall_link(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE wall_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(Timestamp::now().as_millis())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn link_of(row: &sqlx::any::AnyRow) -> Result<WallLink> {
    let at = |column: &str| -> Result<Option<Timestamp>> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(Timestamp::from_millis))
    };
    Ok(WallLink {
        id: row.try_get("id")?,
        label: row.try_get("label")?,
        department: row.try_get("department_key")?,
        stage: row.try_get("stage_key")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        created_by: row.try_get("created_by")?,
        last_used_at: at("last_used_at")?,
        revoked_at: at("revoked_at")?,
    })
}
