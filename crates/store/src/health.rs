//! What an operator watches: how much is stored and how fresh the analysis is (the `/metrics`
//! gauges), and whether the database answers (`/ready`).

use sqlx::Row;

use crate::{Result, Store};

/// The file name of the import rows that count the HTTP API's calls (one per source and hour).
pub const API_IMPORT_NAME: &str = "HTTP API";

/// The store's operational counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreCounts {
    pub records: i64,
    /// Records stored and not yet analysed.
    pub unanalysed: i64,
    /// When the last analysis finished, in milliseconds since 1970 (0: never).
    pub last_analysis_finished_ms: i64,
    pub last_analysis_ms: i64,
    /// Digest deliveries by status.
    pub deliveries: Vec<(String, i64)>,
    pub imports: ImportCounts,
}

/// What the finished imports add up to: how many, their rows by outcome, and the last file
/// import's time (the API's calls are counted per source and hour, so their rows have no
/// duration of their own).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportCounts {
    /// Finished imports: files, and the API's hourly rows.
    pub files: i64,
    pub api: i64,
    pub rows_read: i64,
    pub imported: i64,
    pub duplicates: i64,
    pub rejected: i64,
    /// When the last file import finished, in milliseconds since 1970 (0: never), and how
    /// long it took.
    pub last_file_finished_ms: i64,
    pub last_file_ms: i64,
}

impl Store {
    pub async fn counts(&self) -> Result<StoreCounts> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM feedback) AS records, \
             (SELECT COUNT(*) FROM feedback_analysis) AS analysed",
        )
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let records: i64 = row.try_get("records")?;
        let analysed: i64 = row.try_get("analysed")?;
        let last = sqlx::query(
            "SELECT started_at, finished_at FROM analysis_runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let (started, finished) = started_finished(last.as_ref())?;
        let deliveries = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status ORDER BY status",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
        .collect::<Result<Vec<_>>>()?;
        let totals = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(COALESCE(SUM(CASE WHEN file_name = $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS api, \
             CAST(COALESCE(SUM(rows_read), 0) AS BIGINT) AS rows_read, \
             CAST(COALESCE(SUM(imported), 0) AS BIGINT) AS imported, \
             CAST(COALESCE(SUM(duplicates), 0) AS BIGINT) AS duplicates, \
             CAST(COALESCE(SUM(rejected), 0) AS BIGINT) AS rejected \
             FROM imports WHERE finished_at IS NOT NULL",
        )
        .bind(API_IMPORT_NAME)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let last_file = sqlx::query(
            "SELECT started_at, finished_at FROM imports \
             WHERE finished_at IS NOT NULL AND file_name <> $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(API_IMPORT_NAME)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let (file_started, file_finished) = started_finished(last_file.as_ref())?;
        let all: i64 = totals.try_get("n")?;
        let api: i64 = totals.try_get("api")?;
        let imports = ImportCounts {
            files: all - api,
            api,
            rows_read: totals.try_get("rows_read")?,
            imported: totals.try_get("imported")?,
            duplicates: totals.try_get("duplicates")?,
            rejected: totals.try_get("rejected")?,
            last_file_finished_ms: file_finished,
            last_file_ms: (file_finished - file_started).max(0),
        };
        Ok(StoreCounts {
            imports,
            records,
            unanalysed: (records - analysed).max(0),
            last_analysis_finished_ms: finished,
            last_analysis_ms: (finished - started).max(0),
            deliveries,
        })
    }
}

/// A run's `started_at` and `finished_at` (milliseconds), or zeros when there was none.
fn started_finished(row: Option<&sqlx::any::AnyRow>) -> Result<(i64, i64)> {
    Ok(match row {
        Some(r) => (r.try_get("started_at")?, r.try_get("finished_at")?),
        None => (0, 0),
    })
}
