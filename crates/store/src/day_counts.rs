//! What the records add up to day by day (UTC days since 1970-01-01), counted by the database
//! instead of by loading every record: the analysed records of each day and those with some
//! themes (a department's scorecard), each day's NPS answers, each theme's records and
//! sentiment, and each stage's NPS answers (the weekly series the chains read).

use sqlx::{AssertSqlSafe, Row};

use crate::landings::placeholders;
use crate::{Result, Store};

/// The day (UTC, days since 1970-01-01) of `f.received_at`, rounded down for any sign: integer
/// division truncates toward zero on both databases.
const DAY: &str = "(CASE WHEN f.received_at >= 0 THEN f.received_at / 86400000 \
                   ELSE (f.received_at - 86399999) / 86400000 END)";

/// One theme's records of one day and the sum of their sentiment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThemeDay {
    pub day: i64,
    pub theme: i64,
    pub records: u64,
    pub sentiment_sum: f64,
}

/// The records of one day that gave one NPS answer (`None`: no NPS), on one stage where asked.
#[derive(Debug, Clone, PartialEq)]
pub struct NpsDay {
    pub day: i64,
    pub stage: Option<String>,
    pub nps: Option<i64>,
    pub records: u64,
}

impl Store {
    /// The analysed records of each day (UTC, days since 1970-01-01) that has any, in day
    /// order.
    pub async fn analysed_records_by_day(&self) -> Result<Vec<(i64, u64)>> {
        let sql = format!(
            "SELECT {DAY} AS day, COUNT(*) AS records FROM feedback f \
             JOIN feedback_analysis a ON a.feedback_id = f.id GROUP BY {DAY} ORDER BY {DAY}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(day_count).collect()
    }

    /// The analysed records of each day that carry any of `themes` (each record once), in
    /// day order; days without one are left out.
    pub async fn records_with_themes_by_day(&self, themes: &[i64]) -> Result<Vec<(i64, u64)>> {
        if themes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {DAY} AS day, COUNT(DISTINCT f.id) AS records FROM feedback_themes t \
             JOIN feedback f ON f.id = t.feedback_id \
             JOIN feedback_analysis a ON a.feedback_id = f.id \
             WHERE t.theme_id IN ({}) GROUP BY {DAY} ORDER BY {DAY}",
            placeholders(themes.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for theme in themes {
            query = query.bind(*theme);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(day_count).collect()
    }

    /// Every day's records by NPS answer (all records, analysed or not), in day order.
    pub async fn nps_answers_by_day(&self) -> Result<Vec<NpsDay>> {
        let sql = format!(
            "SELECT {DAY} AS day, f.nps, COUNT(*) AS records FROM feedback f \
             GROUP BY {DAY}, f.nps ORDER BY {DAY}"
        );
        self.nps_days(sql, false).await
    }

    /// Every day's analysed records with an NPS answer, by the stage the analysis placed them
    /// on and the answer, in day order.
    pub async fn stage_nps_by_day(&self) -> Result<Vec<NpsDay>> {
        let sql = format!(
            "SELECT {DAY} AS day, a.stage_key, f.nps, COUNT(*) AS records FROM feedback f \
             JOIN feedback_analysis a ON a.feedback_id = f.id \
             WHERE a.stage_key IS NOT NULL AND f.nps IS NOT NULL \
             GROUP BY {DAY}, a.stage_key, f.nps ORDER BY {DAY}"
        );
        self.nps_days(sql, true).await
    }

    /// The rows of a query of [`NpsDay`]s; `staged` when it selects `a.stage_key`.
    async fn nps_days(&self, sql: String, staged: bool) -> Result<Vec<NpsDay>> {
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(NpsDay {
                    day: row.try_get("day")?,
                    stage: if staged {
                        row.try_get("stage_key")?
                    } else {
                        None
                    },
                    nps: row.try_get("nps")?,
                    records: count(row)?,
                })
            })
            .collect()
    }

    /// Every day's analysed records of each theme and the sum of their sentiment, in day order.
    pub async fn theme_records_by_day(&self) -> Result<Vec<ThemeDay>> {
        let sql = format!(
            "SELECT {DAY} AS day, t.theme_id, COUNT(*) AS records, \
             SUM(a.sentiment) AS sentiment_sum FROM feedback_themes t \
             JOIN feedback f ON f.id = t.feedback_id \
             JOIN feedback_analysis a ON a.feedback_id = f.id \
             GROUP BY {DAY}, t.theme_id ORDER BY {DAY}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ThemeDay {
                    day: row.try_get("day")?,
                    theme: row.try_get("theme_id")?,
                    records: count(row)?,
                    sentiment_sum: row.try_get("sentiment_sum")?,
                })
            })
            .collect()
    }
}

fn count(row: &sqlx::any::AnyRow) -> Result<u64> {
    Ok(u64::try_from(row.try_get::<i64, _>("records")?).unwrap_or(0))
}

fn day_count(row: &sqlx::any::AnyRow) -> Result<(i64, u64)> {
    Ok((
        row.try_get("day")?,
        u64::try_from(row.try_get::<i64, _>("records")?).unwrap_or(0),
    ))
}
