//! What the records received in a period add up to: how often each score answer was given,
//! and how many records carry each theme — the figures of the pages' period filter, counted by
//! the database instead of by reading every record — and each scored record's themes, from
//! which a period's own Top Ten is measured.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};
use throughline_domain::Timestamp;

use crate::{Result, Store};

/// Each answer given in a period and how many records gave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreAnswers {
    /// Records received in the period, with or without a score.
    pub records: u64,
    /// `(answer, records)` for NPS (0–10), CSAT (1–5) and CES (1–7).
    pub nps: Vec<(i64, u64)>,
    pub csat: Vec<(i64, u64)>,
    pub ces: Vec<(i64, u64)>,
    /// `(rating, records)` for the generic rating.
    pub rating: Vec<(f64, u64)>,
}

/// The score a period's themes are ranked on: a fixed column name, never text from a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreColumn {
    Nps,
    Rating,
    Csat,
}

impl ScoreColumn {
    fn column(self) -> &'static str {
        match self {
            Self::Nps => "nps",
            Self::Rating => "rating",
            Self::Csat => "csat",
        }
    }
}

/// One analysed record of a period with a score: its answer and its themes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredThemes {
    pub score: f64,
    pub themes: Vec<i64>,
}

/// The score columns: fixed names, never text from a request.
const INTEGER_SCORES: [&str; 3] = ["nps", "csat", "ces"];

fn count(row: &sqlx::any::AnyRow, column: &str) -> Result<u64> {
    Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
}

impl Store {
    /// The score answers of the records received in `[from, to)`.
    pub async fn score_answers_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ScoreAnswers> {
        let mut conn = self.conn().await?;
        let records = sqlx::query(
            "SELECT COUNT(*) AS records FROM feedback WHERE received_at >= $1 AND received_at < $2",
        )
        .bind(from.as_millis())
        .bind(to.as_millis())
        .fetch_one(&mut *conn)
        .await?;
        let mut answers = ScoreAnswers {
            records: count(&records, "records")?,
            ..ScoreAnswers::default()
        };
        for column in INTEGER_SCORES {
            let sql = format!(
                "SELECT {column} AS answer, COUNT(*) AS records FROM feedback \
                 WHERE received_at >= $1 AND received_at < $2 AND {column} IS NOT NULL \
                 GROUP BY {column} ORDER BY {column}"
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(from.as_millis())
                .bind(to.as_millis())
                .fetch_all(&mut *conn)
                .await?;
            let counted = rows
                .iter()
                .map(|row| Ok((row.try_get::<i64, _>("answer")?, count(row, "records")?)))
                .collect::<Result<Vec<_>>>()?;
            match column {
                "nps" => answers.nps = counted,
                "csat" => answers.csat = counted,
                _ => answers.ces = counted,
            }
        }
        let rows = sqlx::query(
            "SELECT rating AS answer, COUNT(*) AS records FROM feedback \
             WHERE received_at >= $1 AND received_at < $2 AND rating IS NOT NULL \
             GROUP BY rating ORDER BY rating",
        )
        .bind(from.as_millis())
        .bind(to.as_millis())
        .fetch_all(&mut *conn)
        .await?;
        answers.rating = rows
            .iter()
            .map(|row| Ok((row.try_get::<f64, _>("answer")?, count(row, "records")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(answers)
    }

    /// How many records received in `[from, to)` carry each theme (any of their themes); a
    /// parent's are those that carry it or one of its sub-themes.
    pub async fn theme_records_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<HashMap<i64, u64>> {
        let rows = sqlx::query(
            "SELECT theme_id, COUNT(DISTINCT feedback_id) AS records FROM ( \
             SELECT t.theme_id, t.feedback_id FROM feedback_themes t \
             JOIN feedback f ON f.id = t.feedback_id \
             WHERE f.received_at >= $1 AND f.received_at < $2 \
             UNION ALL SELECT th.parent_id AS theme_id, t.feedback_id FROM feedback_themes t \
             JOIN feedback f ON f.id = t.feedback_id JOIN themes th ON th.id = t.theme_id \
             WHERE th.parent_id IS NOT NULL AND f.received_at >= $1 AND f.received_at < $2 \
             ) counted GROUP BY theme_id",
        )
        .bind(from.as_millis())
        .bind(to.as_millis())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get::<i64, _>("theme_id")?, count(row, "records")?)))
            .collect()
    }

    /// The analysed records received in `[from, to)` that carry a `score`, each with its answer
    /// and its themes, in record order: what a period's Top Ten is measured on.
    pub async fn scored_themes_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        score: ScoreColumn,
    ) -> Result<Vec<ScoredThemes>> {
        let column = score.column();
        let sql = format!(
            "SELECT f.id, f.{column} AS score, t.theme_id FROM feedback f \
             JOIN feedback_analysis a ON a.feedback_id = f.id \
             LEFT JOIN feedback_themes t ON t.feedback_id = f.id \
             WHERE f.received_at >= $1 AND f.received_at < $2 AND f.{column} IS NOT NULL \
             ORDER BY f.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(from.as_millis())
            .bind(to.as_millis())
            .fetch_all(&mut *self.conn().await?)
            .await?;
        let mut out: Vec<ScoredThemes> = Vec::new();
        let mut last = None;
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            if last != Some(id) {
                let answer = match score {
                    ScoreColumn::Rating => row.try_get::<f64, _>("score")?,
                    ScoreColumn::Nps | ScoreColumn::Csat => row.try_get::<i64, _>("score")? as f64,
                };
                out.push(ScoredThemes {
                    score: answer,
                    themes: Vec::new(),
                });
                last = Some(id);
            }
            if let Some(theme) = row.try_get::<Option<i64>, _>("theme_id")? {
                out.last_mut().expect("pushed above").themes.push(theme);
            }
        }
        Ok(out)
    }
}
