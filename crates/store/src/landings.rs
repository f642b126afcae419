//! What routing and the departments' scorecards read of the records, counted or selected by the
//! database instead of by loading every record: where each record of some themes landed (its
//! stage, touchpoint and text), and how many analysed records each day brought.

use sqlx::{AssertSqlSafe, Row};

use crate::{Result, Store};

/// One record of a theme as routing reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeLanding {
    pub theme: i64,
    /// The stage the analysis placed the record on.
    pub stage: Option<String>,
    /// The touchpoint the record named when it was imported.
    pub touchpoint: Option<String>,
    /// The record's texts joined as the analysis joins them (`RecordTexts::joined`).
    pub text: String,
}

/// The day (UTC, days since 1970-01-01) of `f.received_at`, rounded down for any sign: integer
/// division truncates toward zero on both databases.
const DAY: &str = "(CASE WHEN f.received_at >= 0 THEN f.received_at / 86400000 \
                   ELSE (f.received_at - 86399999) / 86400000 END)";

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Every analysed record carrying one of `themes`, once per theme it carries, in theme
    /// and record order.
    pub async fn theme_landings(&self, themes: &[i64]) -> Result<Vec<ThemeLanding>> {
        if themes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT t.theme_id, a.stage_key, f.touchpoint_key, f.comment, f.helpful, f.hindering \
             FROM feedback_themes t JOIN feedback f ON f.id = t.feedback_id \
             JOIN feedback_analysis a ON a.feedback_id = f.id \
             WHERE t.theme_id IN ({}) ORDER BY t.theme_id, t.feedback_id",
            placeholders(themes.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for theme in themes {
            query = query.bind(*theme);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|row| {
                let texts: Vec<String> = ["comment", "helpful", "hindering"]
                    .into_iter()
                    .map(|c| row.try_get::<Option<String>, _>(c))
                    .collect::<std::result::Result<Vec<_>, _>>()?
                    .into_iter()
                    .flatten()
                    .collect();
                Ok(ThemeLanding {
                    theme: row.try_get("theme_id")?,
                    stage: row.try_get("stage_key")?,
                    touchpoint: row.try_get("touchpoint_key")?,
                    text: texts.join("\n"),
                })
            })
            .collect()
    }

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
}

fn day_count(row: &sqlx::any::AnyRow) -> Result<(i64, u64)> {
    Ok((
        row.try_get("day")?,
        u64::try_from(row.try_get::<i64, _>("records")?).unwrap_or(0),
    ))
}
