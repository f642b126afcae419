//! Where records landed, selected by the database instead of by loading every record: each
//! record of some themes (its stage, touchpoint and text) for routing their owners, and each
//! record of a period with its themes for the journey check.

use sqlx::{AssertSqlSafe, Row};

use crate::{Result, Store};

/// One record of a theme as routing reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeLanding {
    pub theme: i64,
    /// The record's id.
    pub record: i64,
    /// The stage the analysis placed the record on.
    pub stage: Option<String>,
    /// The touchpoint the record named when it was imported.
    pub touchpoint: Option<String>,
    /// The record's texts joined as the analysis joins them (`RecordTexts::joined`).
    pub text: String,
}

/// A row's comment, most helpful and most hindering texts joined as the analysis joins them
/// (`RecordTexts::joined`).
fn joined_texts(row: &sqlx::any::AnyRow) -> Result<String> {
    let mut texts = Vec::with_capacity(3);
    for column in ["comment", "helpful", "hindering"] {
        texts.extend(row.try_get::<Option<String>, _>(column)?);
    }
    Ok(texts.join("\n"))
}

pub(crate) fn placeholders(n: usize) -> String {
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
            "SELECT t.theme_id, t.feedback_id, a.stage_key, f.touchpoint_key, f.comment, \
             f.helpful, f.hindering \
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
                Ok(ThemeLanding {
                    theme: row.try_get("theme_id")?,
                    record: row.try_get("feedback_id")?,
                    stage: row.try_get("stage_key")?,
                    touchpoint: row.try_get("touchpoint_key")?,
                    text: joined_texts(row)?,
                })
            })
            .collect()
    }
}

/// A record received in a period, as the journey check reads where it landed.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodLanding {
    pub id: i64,
    /// The stage the analysis placed it on, else the one it was imported with.
    pub stage: Option<String>,
    pub touchpoint: Option<String>,
    /// Its texts joined as the analysis joins them.
    pub text: String,
    /// Whether it has been analysed.
    pub analysed: bool,
    /// Its themes, best first (none when not analysed).
    pub themes: Vec<i64>,
}

impl Store {
    /// When the newest record was received; `None` with no record.
    pub async fn latest_received_at(&self) -> Result<Option<throughline_domain::Timestamp>> {
        let row = sqlx::query("SELECT MAX(received_at) AS latest FROM feedback")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(row
            .try_get::<Option<i64>, _>("latest")?
            .map(throughline_domain::Timestamp::from_millis))
    }

    /// The records received in `[from, to)`, in id order, with where they landed and their
    /// themes: a period's records without reading every record.
    pub async fn landings_between(
        &self,
        from: throughline_domain::Timestamp,
        to: throughline_domain::Timestamp,
    ) -> Result<Vec<PeriodLanding>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(
            "SELECT f.id, COALESCE(a.stage_key, f.stage_key) AS stage, f.touchpoint_key, \
             f.comment, f.helpful, f.hindering, \
             CASE WHEN a.feedback_id IS NULL THEN 0 ELSE 1 END AS analysed \
             FROM feedback f LEFT JOIN feedback_analysis a ON a.feedback_id = f.id \
             WHERE f.received_at >= $1 AND f.received_at < $2 ORDER BY f.id",
        )
        .bind(from.as_millis())
        .bind(to.as_millis())
        .fetch_all(&mut *conn)
        .await?;
        let mut landings: Vec<PeriodLanding> = rows
            .iter()
            .map(|row| {
                Ok(PeriodLanding {
                    id: row.try_get("id")?,
                    stage: row.try_get("stage")?,
                    touchpoint: row.try_get("touchpoint_key")?,
                    text: joined_texts(row)?,
                    analysed: row.try_get::<i64, _>("analysed")? == 1,
                    themes: Vec::new(),
                })
            })
            .collect::<Result<_>>()?;
        let themes = sqlx::query(
            "SELECT t.feedback_id, t.theme_id FROM feedback_themes t \
             JOIN feedback f ON f.id = t.feedback_id \
             WHERE f.received_at >= $1 AND f.received_at < $2 \
             ORDER BY t.feedback_id, t.theme_rank",
        )
        .bind(from.as_millis())
        .bind(to.as_millis())
        .fetch_all(&mut *conn)
        .await?;
        for row in &themes {
            let id: i64 = row.try_get("feedback_id")?;
            if let Ok(i) = landings.binary_search_by_key(&id, |l| l.id) {
                landings[i].themes.push(row.try_get("theme_id")?);
            }
        }
        Ok(landings)
    }
}
