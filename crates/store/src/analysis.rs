//! Storing what analysis found: the codebook (the saved theme model), the themes with their
//! aggregates, each record's sentiment, stage and themes, and the history of analysis runs.
//!
//! The store keeps the codebook as opaque bytes and impacts and summaries as JSON: what they
//! mean belongs to the analytics crate. Every change goes through an [`AnalysisSession`], one
//! transaction, so that a run or an edit that fails half-way leaves the previous analysis
//! whole.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use throughline_domain::Timestamp;

use crate::feedback::values_statement;
use crate::{Backend, Result, Store, StoreError};

/// Where a theme stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThemeStatus {
    /// In use: given to records, listed, ranked.
    Active,
    /// Set aside by a person: no longer given to records, listed or ranked.
    Archived,
    /// Merged into another theme (see [`StoredTheme::merged_into`]).
    Merged,
    /// Split into parts (themes whose [`StoredTheme::split_from`] is this one).
    Split,
    /// A rediscovery did not find it again.
    Retired,
}

impl ThemeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
            Self::Merged => "merged",
            Self::Split => "split",
            Self::Retired => "retired",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Active,
            Self::Archived,
            Self::Merged,
            Self::Split,
            Self::Retired,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A theme's measures from the latest analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ThemeAggregates {
    /// Records with the theme (first or not).
    pub records: u64,
    pub share: f64,
    pub mean_sentiment: Option<f64>,
    /// The stage most of its placed records are on.
    pub stage: Option<String>,
    /// Its impact on the score.
    pub impact: Option<StoredImpact>,
    /// Its place in the Top Ten, from 1.
    pub top_ten_rank: Option<u32>,
    /// Its records month by month, oldest first.
    pub trend: Vec<TrendPoint>,
}

/// A measure with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Interval {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// A theme's impact on the score as the analysis measured it (the analytics crate's
/// `ThemeImpact`, stored as JSON and read back as this type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoredImpact {
    /// The theme's index in its analysis run.
    pub theme: u64,
    /// Scored records with the theme.
    pub support: u64,
    pub share: f64,
    /// The score of the records with the theme, and of those without it.
    pub with: f64,
    pub without: f64,
    /// Overall score minus the score without the theme (negative: the theme pulls it down).
    pub cost: Interval,
    /// Regression coefficient: points per record with the theme.
    pub effect: Interval,
}

/// A theme's records in one month (the analytics crate's `PeriodPoint`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrendPoint {
    /// `YYYY-MM`.
    pub period: String,
    /// Records with the theme in the month.
    pub count: u64,
    /// Share of all the month's records.
    pub share: f64,
    /// Mean sentiment of the theme's records in the month (0 when there are none).
    pub sentiment: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StoredTheme {
    pub id: i64,
    pub label: String,
    /// Renamed by a person: a rediscovery keeps the label.
    pub label_edited: bool,
    /// The discovered distinctive phrases, best first.
    pub phrases: Vec<String>,
    /// Phrases people added: records containing one get the theme.
    pub added_phrases: Vec<String>,
    pub status: ThemeStatus,
    pub merged_into: Option<i64>,
    pub split_from: Option<i64>,
    /// The owner a person set: a department key, or `council`. `None`: the routing rule
    /// decides.
    pub owner: Option<String>,
    /// The theme this one is a sub-theme of (one level deep), set by a person: one customer
    /// issue in several wordings or aspects. The Top Ten ranks the parent with its sub-themes'
    /// records; a sub-theme keeps its own counts.
    pub parent: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(flatten)]
    pub aggregates: ThemeAggregates,
}

/// A theme to create.
#[derive(Debug, Clone)]
pub struct NewTheme {
    pub label: String,
    pub phrases: Vec<String>,
    pub split_from: Option<i64>,
}

/// What analysis found in one record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordAnalysisRow {
    pub feedback_id: i64,
    pub sentiment: f64,
    /// `negative`, `neutral` or `positive`.
    pub sentiment_label: String,
    pub stage: Option<String>,
    /// Why it is on that stage (or why on none), in words.
    pub stage_reason: String,
    /// Its themes, best first, with their confidence.
    pub themes: Vec<(i64, f64)>,
}

/// One analysis run, as listed in the history. Its summary is the analytics crate's, stored as
/// JSON: [`AnalysisRun::decode`] reads it back as the caller's type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisRun<S = serde_json::Value> {
    pub id: i64,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// `discover`, `incremental` or `rediscover` (`edit` after a theme edit).
    pub mode: String,
    pub records_analysed: u64,
    pub records_total: u64,
    pub codebook_id: i64,
    /// The analytics crate's summary (scores, sentiment, Top Ten, spikes), as JSON until
    /// decoded.
    pub summary: S,
}

impl AnalysisRun {
    /// The run with its summary read as `S`; a summary that does not read is an inconsistency
    /// in the database, named with the run.
    pub fn decode<S: serde::de::DeserializeOwned>(self) -> Result<AnalysisRun<S>> {
        let summary = S::deserialize(self.summary).map_err(|e| {
            StoreError::Inconsistent(format!("analysis run {}: its summary: {e}", self.id))
        })?;
        Ok(AnalysisRun {
            id: self.id,
            started_at: self.started_at,
            finished_at: self.finished_at,
            mode: self.mode,
            records_analysed: self.records_analysed,
            records_total: self.records_total,
            codebook_id: self.codebook_id,
            summary,
        })
    }
}

/// A run to record.
#[derive(Debug, Clone)]
pub struct NewAnalysisRun {
    pub started_at: Timestamp,
    pub mode: String,
    pub records_analysed: u64,
    pub records_total: u64,
    pub codebook_id: i64,
    pub summary: serde_json::Value,
}

/// A record's text and its stored analysis, for verbatims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verbatim {
    pub feedback_id: i64,
    pub external_id: Option<String>,
    pub received_at: Timestamp,
    pub text: String,
    pub nps: Option<u8>,
    pub sentiment: f64,
    pub stage: Option<String>,
    pub confidence: f64,
}

/// Changes to the analysis in progress: an open transaction. Dropping it without
/// [`AnalysisSession::commit`] rolls everything back.
#[derive(Debug)]
pub struct AnalysisSession {
    tx: crate::transaction::WriteTx,
    backend: Backend,
}

const THEME_COLUMNS: &str = "id, label, label_edited, phrases, added_phrases, status, merged_into, \
     split_from, owner, parent_id, created_at, updated_at, records, share, mean_sentiment, stage_key, impact, \
     top_ten_rank, trend";

impl Store {
    /// Starts changing the analysis; nothing is visible to others until it commits.
    pub async fn begin_analysis(&self) -> Result<AnalysisSession> {
        Ok(AnalysisSession {
            tx: self.begin_write().await?,
            backend: self.backend,
        })
    }

    /// The codebook in use (the newest), as its id and bytes.
    pub async fn current_codebook(&self) -> Result<Option<(i64, Vec<u8>)>> {
        let row = sqlx::query("SELECT id, model FROM codebooks ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.map(|r| Ok((r.try_get("id")?, r.try_get("model")?)))
            .transpose()
    }

    /// Every theme, in id order, whatever its status.
    pub async fn themes(&self) -> Result<Vec<StoredTheme>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {THEME_COLUMNS} FROM themes ORDER BY id"
        )))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(stored_theme).collect()
    }

    pub async fn theme(&self, id: i64) -> Result<Option<StoredTheme>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {THEME_COLUMNS} FROM themes WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(stored_theme).transpose()
    }

    /// Every stored record analysis, by feedback id, its themes best first.
    pub async fn record_analyses(&self) -> Result<HashMap<i64, RecordAnalysisRow>> {
        let rows = sqlx::query(
            "SELECT feedback_id, sentiment, sentiment_label, stage_key, stage_reason \
             FROM feedback_analysis",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("feedback_id")?;
            out.insert(
                id,
                RecordAnalysisRow {
                    feedback_id: id,
                    sentiment: row.try_get("sentiment")?,
                    sentiment_label: row.try_get("sentiment_label")?,
                    stage: row.try_get("stage_key")?,
                    stage_reason: row.try_get("stage_reason")?,
                    themes: Vec::new(),
                },
            );
        }
        let rows = sqlx::query(
            "SELECT feedback_id, theme_id, confidence FROM feedback_themes \
             ORDER BY feedback_id, theme_rank",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        for row in &rows {
            let id: i64 = row.try_get("feedback_id")?;
            let analysis = out.get_mut(&id).ok_or_else(|| {
                StoreError::Inconsistent(format!("feedback {id} has themes but no analysis"))
            })?;
            analysis
                .themes
                .push((row.try_get("theme_id")?, row.try_get("confidence")?));
        }
        Ok(out)
    }

    /// Up to `limit` records with the theme, most confident first, with their text.
    pub async fn theme_verbatims(&self, theme: i64, limit: u32) -> Result<Vec<Verbatim>> {
        let rows = sqlx::query(
            "SELECT f.id, f.external_id, f.received_at, f.comment, f.helpful, f.hindering, f.nps, \
             a.sentiment, a.stage_key, t.confidence FROM feedback_themes t \
             JOIN feedback f ON f.id = t.feedback_id \
             JOIN feedback_analysis a ON a.feedback_id = t.feedback_id \
             WHERE t.theme_id = $1 ORDER BY t.confidence DESC, f.id LIMIT $2",
        )
        .bind(theme)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(verbatim).collect()
    }

    /// Up to `limit` records placed on a stage whose sentiment is at most `at_most`, most
    /// negative first (the records behind a cell of the journey map). `confidence` is 1.
    pub async fn stage_verbatims(
        &self,
        stage: &str,
        at_most: f64,
        limit: u32,
    ) -> Result<Vec<Verbatim>> {
        let rows = sqlx::query(
            "SELECT f.id, f.external_id, f.received_at, f.comment, f.helpful, f.hindering, f.nps, \
             a.sentiment, a.stage_key, CAST(1 AS DOUBLE PRECISION) AS confidence FROM feedback_analysis a \
             JOIN feedback f ON f.id = a.feedback_id \
             WHERE a.stage_key = $1 AND a.sentiment <= $2 ORDER BY a.sentiment, f.id LIMIT $3",
        )
        .bind(stage)
        .bind(at_most)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(verbatim).collect()
    }

    /// The newest analysis run.
    pub async fn latest_analysis_run(&self) -> Result<Option<AnalysisRun>> {
        let row = sqlx::query(
            "SELECT id, started_at, finished_at, mode, records_analysed, records_total, \
             codebook_id, summary FROM analysis_runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let count =
            |c: &str| -> Result<u64> { Ok(u64::try_from(row.try_get::<i64, _>(c)?).unwrap_or(0)) };
        let id: i64 = row.try_get("id")?;
        Ok(Some(AnalysisRun {
            id,
            started_at: Timestamp::from_millis(row.try_get("started_at")?),
            finished_at: Timestamp::from_millis(row.try_get("finished_at")?),
            mode: row.try_get("mode")?,
            records_analysed: count("records_analysed")?,
            records_total: count("records_total")?,
            codebook_id: row.try_get("codebook_id")?,
            summary: json_column(&row, "summary", &format!("analysis run {id}"))?,
        }))
    }

    /// Sets the owner a person chose (`None`: back to the routing rule).
    pub async fn set_theme_owner(&self, id: i64, owner: Option<&str>) -> Result<bool> {
        let done = sqlx::query("UPDATE themes SET owner = $1, updated_at = $2 WHERE id = $3")
            .bind(owner)
            .bind(Timestamp::now().as_millis())
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets the theme a theme is a sub-theme of (`None`: a theme of its own).
    pub async fn set_theme_parent(&self, id: i64, parent: Option<i64>) -> Result<bool> {
        let done = sqlx::query("UPDATE themes SET parent_id = $1, updated_at = $2 WHERE id = $3")
            .bind(parent)
            .bind(Timestamp::now().as_millis())
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Renames a theme (marking the label as a person's, which rediscovery keeps).
    pub async fn rename_theme(&self, id: i64, label: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE themes SET label = $1, label_edited = 1, updated_at = $2 WHERE id = $3",
        )
        .bind(label)
        .bind(Timestamp::now().as_millis())
        .bind(id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl AnalysisSession {
    /// Every theme as this session sees it (its own changes included), in id order.
    pub async fn themes(&mut self) -> Result<Vec<StoredTheme>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {THEME_COLUMNS} FROM themes ORDER BY id"
        )))
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(stored_theme).collect()
    }

    /// Saves a new codebook, which becomes the one in use.
    pub async fn save_codebook(&mut self, model: &[u8], seed: u64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO codebooks (created_at, seed, model) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(Timestamp::now().as_millis())
        .bind(i64::try_from(seed).unwrap_or(i64::MAX))
        .bind(model)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// Replaces a codebook's model (after a merge or a split).
    pub async fn update_codebook(&mut self, id: i64, model: &[u8]) -> Result<()> {
        sqlx::query("UPDATE codebooks SET model = $1 WHERE id = $2")
            .bind(model)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_theme(&mut self, theme: &NewTheme) -> Result<i64> {
        let now = Timestamp::now().as_millis();
        Ok(sqlx::query_scalar(
            "INSERT INTO themes (label, phrases, split_from, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(&theme.label)
        .bind(json_list(&theme.phrases))
        .bind(theme.split_from)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// A rediscovered theme keeps its id: its discovered phrases (and its label, unless a person
    /// set it) are replaced and it is active again (an archived one stays archived).
    pub async fn refresh_theme(&mut self, id: i64, label: &str, phrases: &[String]) -> Result<()> {
        sqlx::query(
            "UPDATE themes SET label = CASE WHEN label_edited = 1 THEN label ELSE $1 END, \
             phrases = $2, status = CASE WHEN status = 'archived' THEN status ELSE 'active' END, \
             merged_into = NULL, updated_at = $3 WHERE id = $4",
        )
        .bind(label)
        .bind(json_list(phrases))
        .bind(Timestamp::now().as_millis())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn set_theme_status(
        &mut self,
        id: i64,
        status: ThemeStatus,
        merged_into: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE themes SET status = $1, merged_into = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(merged_into)
        .bind(Timestamp::now().as_millis())
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        if status != ThemeStatus::Active {
            self.rehome_sub_themes(id, merged_into).await?;
        }
        Ok(())
    }

    /// A theme that leaves use is no one's sub-theme, and its sub-themes go with its records:
    /// under the theme it was merged into (or that theme's parent: sub-themes are one level
    /// deep), else they become themes of their own.
    async fn rehome_sub_themes(&mut self, id: i64, merged_into: Option<i64>) -> Result<()> {
        let now = Timestamp::now().as_millis();
        sqlx::query("UPDATE themes SET parent_id = NULL, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let Some(into) = merged_into else {
            sqlx::query("UPDATE themes SET parent_id = NULL, updated_at = $1 WHERE parent_id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
            return Ok(());
        };
        // A parent merged into one of its own sub-themes: that sub-theme is the issue now.
        sqlx::query(
            "UPDATE themes SET parent_id = NULL, updated_at = $1 WHERE id = $2 AND parent_id = $3",
        )
        .bind(now)
        .bind(into)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(
            "UPDATE themes SET parent_id = COALESCE((SELECT t.parent_id FROM themes t \
             WHERE t.id = $1), $2), updated_at = $3 WHERE parent_id = $4",
        )
        .bind(into)
        .bind(into)
        .bind(now)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn set_added_phrases(&mut self, id: i64, phrases: &[String]) -> Result<()> {
        sqlx::query("UPDATE themes SET added_phrases = $1, updated_at = $2 WHERE id = $3")
            .bind(json_list(phrases))
            .bind(Timestamp::now().as_millis())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Forgets every record's analysis (before a rediscovery re-analyses them all).
    pub async fn clear_record_analyses(&mut self) -> Result<()> {
        sqlx::query("DELETE FROM feedback_themes")
            .execute(&mut *self.tx)
            .await?;
        sqlx::query("DELETE FROM feedback_analysis")
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Stores records' analyses, replacing any earlier analysis of the same records.
    pub async fn save_record_analyses(&mut self, rows: &[RecordAnalysisRow]) -> Result<()> {
        let now = Timestamp::now().as_millis();
        for chunk in rows.chunks(crate::INSERT_BATCH) {
            let sql = values_statement(
                "INSERT INTO feedback_analysis (feedback_id, sentiment, sentiment_label, \
                 stage_key, stage_reason, analysed_at) VALUES ",
                6,
                chunk.len(),
                self.backend,
                " ON CONFLICT (feedback_id) DO UPDATE SET sentiment = excluded.sentiment, \
                 sentiment_label = excluded.sentiment_label, stage_key = excluded.stage_key, \
                 stage_reason = excluded.stage_reason, analysed_at = excluded.analysed_at",
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for row in chunk {
                query = query
                    .bind(row.feedback_id)
                    .bind(row.sentiment)
                    .bind(row.sentiment_label.as_str())
                    .bind(row.stage.as_deref())
                    .bind(row.stage_reason.as_str())
                    .bind(now);
            }
            query.execute(&mut *self.tx).await?;
        }
        let themes: Vec<(i64, Vec<(i64, f64)>)> = rows
            .iter()
            .map(|r| (r.feedback_id, r.themes.clone()))
            .collect();
        self.replace_record_themes(&themes).await
    }

    /// Replaces the themes of each given record by the given list (best first).
    pub async fn replace_record_themes(
        &mut self,
        records: &[(i64, Vec<(i64, f64)>)],
    ) -> Result<()> {
        for chunk in records.chunks(crate::INSERT_BATCH) {
            let sql = values_statement(
                "DELETE FROM feedback_themes WHERE feedback_id IN ",
                chunk.len(),
                1,
                self.backend,
                "",
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (id, _) in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *self.tx).await?;
        }
        let rows: Vec<(i64, i64, i64, f64)> = records
            .iter()
            .flat_map(|(feedback, themes)| {
                themes
                    .iter()
                    .enumerate()
                    .map(move |(rank, (theme, confidence))| {
                        (*feedback, *theme, rank as i64, *confidence)
                    })
            })
            .collect();
        for chunk in rows.chunks(crate::INSERT_BATCH) {
            let sql = values_statement(
                "INSERT INTO feedback_themes (feedback_id, theme_id, theme_rank, confidence) \
                 VALUES ",
                4,
                chunk.len(),
                self.backend,
                "",
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (feedback, theme, rank, confidence) in chunk {
                query = query
                    .bind(*feedback)
                    .bind(*theme)
                    .bind(*rank)
                    .bind(*confidence);
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Writes the aggregates of the latest analysis: the given themes get theirs, every other
    /// theme is reset to none.
    pub async fn save_theme_aggregates(&mut self, themes: &[(i64, ThemeAggregates)]) -> Result<()> {
        sqlx::query(
            "UPDATE themes SET records = 0, share = 0, mean_sentiment = NULL, stage_key = NULL, \
             impact = NULL, top_ten_rank = NULL, trend = '[]'",
        )
        .execute(&mut *self.tx)
        .await?;
        for (id, a) in themes {
            sqlx::query(
                "UPDATE themes SET records = $1, share = $2, mean_sentiment = $3, stage_key = $4, \
                 impact = $5, top_ten_rank = $6, trend = $7 WHERE id = $8",
            )
            .bind(i64::try_from(a.records).unwrap_or(i64::MAX))
            .bind(a.share)
            .bind(a.mean_sentiment)
            .bind(a.stage.as_deref())
            .bind(
                a.impact
                    .as_ref()
                    .map(|v| serde_json::to_string(v).expect("an impact always serialises")),
            )
            .bind(a.top_ten_rank.map(i64::from))
            .bind(serde_json::to_string(&a.trend).expect("a trend always serialises"))
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    pub async fn record_run(&mut self, run: &NewAnalysisRun) -> Result<i64> {
        let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Ok(sqlx::query_scalar(
            "INSERT INTO analysis_runs (started_at, finished_at, mode, records_analysed, \
             records_total, codebook_id, summary) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(run.started_at.as_millis())
        .bind(Timestamp::now().as_millis())
        .bind(&run.mode)
        .bind(signed(run.records_analysed))
        .bind(signed(run.records_total))
        .bind(run.codebook_id)
        .bind(run.summary.to_string())
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// Makes every change of the session visible at once.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

fn verbatim(row: &AnyRow) -> Result<Verbatim> {
    let texts: Vec<String> = ["comment", "helpful", "hindering"]
        .into_iter()
        .filter_map(|c| row.try_get::<Option<String>, _>(c).transpose())
        .collect::<Result<_, _>>()?;
    Ok(Verbatim {
        feedback_id: row.try_get("id")?,
        external_id: row.try_get("external_id")?,
        received_at: Timestamp::from_millis(row.try_get("received_at")?),
        text: texts.join("\n"),
        nps: row
            .try_get::<Option<i64>, _>("nps")?
            .and_then(|v| u8::try_from(v).ok()),
        sentiment: row.try_get("sentiment")?,
        stage: row.try_get("stage_key")?,
        confidence: row.try_get("confidence")?,
    })
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("a list of strings always serialises")
}

fn json_column<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
    what: &str,
) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Inconsistent(format!("{what}: {column}: {e}")))
}

fn stored_theme(row: &AnyRow) -> Result<StoredTheme> {
    let id: i64 = row.try_get("id")?;
    let what = format!("theme {id}");
    let status: String = row.try_get("status")?;
    let impact: Option<String> = row.try_get("impact")?;
    Ok(StoredTheme {
        id,
        label: row.try_get("label")?,
        label_edited: row.try_get::<i64, _>("label_edited")? != 0,
        phrases: json_column(row, "phrases", &what)?,
        added_phrases: json_column(row, "added_phrases", &what)?,
        status: ThemeStatus::parse(&status).ok_or_else(|| {
            StoreError::Inconsistent(format!("{what}: unknown status {status:?}"))
        })?,
        merged_into: row.try_get("merged_into")?,
        split_from: row.try_get("split_from")?,
        owner: row.try_get("owner")?,
        parent: row.try_get("parent_id")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        updated_at: Timestamp::from_millis(row.try_get("updated_at")?),
        aggregates: ThemeAggregates {
            records: u64::try_from(row.try_get::<i64, _>("records")?).unwrap_or(0),
            share: row.try_get("share")?,
            mean_sentiment: row.try_get("mean_sentiment")?,
            stage: row.try_get("stage_key")?,
            impact: impact
                .map(|text| {
                    serde_json::from_str(&text)
                        .map_err(|e| StoreError::Inconsistent(format!("{what}: impact: {e}")))
                })
                .transpose()?,
            trend: json_column(row, "trend", &what)?,
            top_ten_rank: row
                .try_get::<Option<i64>, _>("top_ten_rank")?
                .and_then(|r| u32::try_from(r).ok()),
        },
    })
}

/// [`Store::data_version`]: what people changed, what the analysis added, and what has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataVersion {
    /// What people change or load in batches: the analysis runs other than incremental ones
    /// (a discovery, an edit of the themes, an erasure or the retention policy's deletions
    /// recompute the aggregates as a run of their own), the themes, the organisation, customer
    /// events and KPI values.
    pub changed: String,
    /// Every analysis run: a run that analysed new records with the saved themes changes this
    /// alone.
    pub analysed: String,
    /// The records (how many the imports stored).
    pub arrived: String,
}

impl Store {
    /// A fingerprint of everything the derived views (the Top Ten with owners, the journey
    /// map, the journey check, moments, chains) are computed from, in three parts: what people
    /// change or load in batches — edits and discoveries of themes, the organisation, customer
    /// events and KPI values —, the analysis of new records, and what flows in all day: the
    /// records. Views cached under one fingerprint are stale once it changes. One cheap
    /// query, asked by every page.
    ///
    /// The records' part is the imports' count of records stored, not the highest record id:
    /// every record arrives in an import (a file's, or the API's hourly one), whose count is
    /// written in the transaction that stores its records. On PostgreSQL `MAX(id)` walks the
    /// index back over every row an import in flight has written and not committed: during an
    /// import of a million records each page's fingerprint took hundreds of milliseconds (a
    /// department's page 1.2 s at the median).
    pub async fn data_version(&self) -> Result<DataVersion> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM analysis_runs) AS runs, \
             (SELECT COALESCE(MAX(id), 0) FROM analysis_runs WHERE mode <> 'incremental') \
             AS edits, \
             (SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM themes) AS themes, \
             (SELECT COUNT(*) FROM themes) AS theme_count, \
             (SELECT COALESCE(MAX(updated_at), 0) FROM organisation) AS org, \
             (SELECT CAST(COALESCE(SUM(imported), 0) AS BIGINT) FROM imports) AS records, \
             (SELECT COALESCE(MAX(id), 0) FROM customer_events) AS events, \
             (SELECT CAST(COALESCE(SUM(created_at), 0) AS BIGINT) FROM kpi_values) AS kpis",
        )
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let runs: i64 = row.try_get("runs")?;
        let edits: i64 = row.try_get("edits")?;
        let themes: i64 = row.try_get("themes")?;
        let count: i64 = row.try_get("theme_count")?;
        let org: i64 = row.try_get("org")?;
        let records: i64 = row.try_get("records")?;
        let events: i64 = row.try_get("events")?;
        let kpis: i64 = row.try_get("kpis")?;
        Ok(DataVersion {
            changed: format!("{edits}.{themes}.{count}.{org}.{events}.{kpis}"),
            analysed: runs.to_string(),
            arrived: records.to_string(),
        })
    }
}
