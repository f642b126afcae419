//! What an operator watches: how much is stored and how fresh the analysis is (the `/metrics`
//! gauges), and whether the database answers (`/ready`).

use sqlx::Row;

use crate::{Result, Store};

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
        let (started, finished) = match last {
            Some(r) => (
                r.try_get::<i64, _>("started_at")?,
                r.try_get::<i64, _>("finished_at")?,
            ),
            None => (0, 0),
        };
        let deliveries = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status ORDER BY status",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
        .collect::<Result<Vec<_>>>()?;
        Ok(StoreCounts {
            records,
            unanalysed: (records - analysed).max(0),
            last_analysis_finished_ms: finished,
            last_analysis_ms: (finished - started).max(0),
            deliveries,
        })
    }
}
