//! Finding feedback records: by words in their text, theme, stage, channel, source, period,
//! NPS range and sentiment — the API's feedback listing and the theme explorer's verbatims.
//! Every value is a bound parameter; only the shape of the query is built here.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use throughline_domain::Timestamp;

use crate::{Result, Store};

/// What to look for; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct FeedbackFilter {
    /// Words the comment (or the helpful/hindering texts) contains, any case.
    pub text: Option<String>,
    pub theme: Option<i64>,
    /// With `theme`: the themes put under it (its sub-themes), whose records are the theme's
    /// too — each record counted and listed once.
    pub sub_themes: Vec<i64>,
    /// The record's stage (as placed by the analysis, else as given) is one of these.
    pub stages: Option<Vec<String>>,
    pub channel: Option<String>,
    pub source: Option<String>,
    /// Received at or after.
    pub from: Option<Timestamp>,
    /// Received before.
    pub to: Option<Timestamp>,
    pub nps_min: Option<u8>,
    pub nps_max: Option<u8>,
    /// `negative`, `neutral` or `positive`, as the analysis labelled it.
    pub sentiment: Option<String>,
    /// The record's customer is one of these (a key account's customers).
    pub customers: Option<Vec<String>>,
    /// The newest records first (ids descending; `after` then means "older than").
    pub newest_first: bool,
}

impl FeedbackFilter {
    /// The theme when it is the only condition (the order asked for changes no count).
    fn theme_alone(&self) -> Option<i64> {
        let Self {
            text,
            theme,
            stages,
            channel,
            source,
            from,
            to,
            nps_min,
            nps_max,
            sentiment,
            customers,
            sub_themes: _,
            newest_first: _,
        } = self;
        let nothing_else = text.is_none()
            && stages.is_none()
            && channel.is_none()
            && source.is_none()
            && from.is_none()
            && to.is_none()
            && nps_min.is_none()
            && nps_max.is_none()
            && sentiment.is_none()
            && customers.is_none();
        theme.filter(|_| nothing_else)
    }
}

/// A record as listed: its redacted texts, scores, and what the analysis made of it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FeedbackListing {
    pub id: i64,
    pub source: String,
    pub external_id: Option<String>,
    pub received_at: Timestamp,
    pub channel: Option<String>,
    pub stage: Option<String>,
    pub touchpoint: Option<String>,
    pub nps: Option<i64>,
    pub csat: Option<i64>,
    pub ces: Option<i64>,
    pub rating: Option<f64>,
    pub comment: Option<String>,
    pub helpful: Option<String>,
    pub hindering: Option<String>,
    pub sentiment: Option<f64>,
    pub sentiment_label: Option<String>,
}

impl FeedbackListing {
    /// The record's texts (comment, most helpful, most hindering) joined by `separator`.
    pub fn text(&self, separator: &str) -> String {
        [&self.comment, &self.helpful, &self.hindering]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(separator)
    }

    /// The first score the record carries, for people: "NPS 3", "CSAT 2" or "effort 6".
    pub fn score_text(&self) -> Option<String> {
        self.nps
            .map(|n| format!("NPS {n}"))
            .or_else(|| self.csat.map(|c| format!("CSAT {c}")))
            .or_else(|| self.ces.map(|c| format!("effort {c}")))
    }
}

/// `%words%` for LIKE, with LIKE's own characters escaped.
fn like_pattern(words: &str) -> String {
    let mut pattern = String::from("%");
    for c in words.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

enum Bound {
    Text(String),
    Int(i64),
}

impl Store {
    /// Records matching `filter` with ids above `after`, ascending by id, at most `limit`.
    pub async fn find_feedback(
        &self,
        filter: &FeedbackFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<FeedbackListing>> {
        let mut matching = Matching::of(filter, after);
        let limit_param = matching.bind(Bound::Int(i64::from(limit)));
        let sql = format!(
            "SELECT f.id, f.source, f.external_id, f.received_at, f.channel, \
             COALESCE(a.stage_key, f.stage_key) AS stage, f.touchpoint_key, f.nps, f.csat, \
             f.ces, f.rating, f.comment, f.helpful, f.hindering, a.sentiment, a.sentiment_label \
             FROM {} {} ORDER BY {}{} LIMIT {limit_param}",
            matching.from,
            matching.where_clause(),
            matching.id_column,
            if filter.newest_first { " DESC" } else { "" }
        );
        let rows = matching
            .bound_to(&sql)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(listing).collect()
    }

    /// How many records match `filter`: the "n" of a filtered list's "n of N".
    pub async fn count_feedback(&self, filter: &FeedbackFilter) -> Result<u64> {
        let matching = Matching::counting(filter);
        let sql = format!(
            "SELECT COUNT(*) AS n FROM {} {}",
            matching.from,
            matching.where_clause()
        );
        let row = matching
            .bound_to(&sql)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        let n: i64 = row.try_get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The tables, conditions and parameters a [`FeedbackFilter`] selects records with.
struct Matching {
    from: String,
    /// With a theme: where its records' entries are read from (the theme's index entries, or
    /// those of the theme and its sub-themes, each record once) — enough alone to count them.
    theme_entries: Option<String>,
    id_column: &'static str,
    conditions: Vec<String>,
    bound: Vec<Bound>,
}

impl Matching {
    fn bind(&mut self, value: Bound) -> String {
        self.bound.push(value);
        format!("${}", self.bound.len())
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    fn bound_to(
        &self,
        sql: &str,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(sql.to_owned()));
        for value in &self.bound {
            query = match value {
                Bound::Text(text) => query.bind(text.clone()),
                Bound::Int(number) => query.bind(*number),
            };
        }
        query
    }

    /// What counting the records of `filter` reads. A theme's page counts its records: when the
    /// theme is the only condition, the theme's entries in the index are enough (every entry is
    /// a stored record: deleting a record deletes its entries) — joined to the records and
    /// their analyses it took 1.2–1.8 s for a theme of a million-record workspace.
    fn counting(filter: &FeedbackFilter) -> Self {
        let mut m = Self::of(filter, None);
        if filter.theme_alone().is_some() {
            m.from = m.theme_entries.take().unwrap_or_default();
        }
        m
    }

    fn of(filter: &FeedbackFilter, after: Option<i64>) -> Self {
        // With a theme, the query walks that theme's records in order (an index on
        // feedback_themes (theme_id, feedback_id)) instead of collecting them all first.
        let by_theme = filter.theme.is_some();
        let mut m = Self {
            from: "feedback f LEFT JOIN feedback_analysis a ON a.feedback_id = f.id".to_owned(),
            theme_entries: None,
            // A sentiment filter keeps only analysed records, so the records can be walked in
            // the analysis's own key order, and the newest few found without sorting them all
            // (a department's latest negative stories at a million records: 640 → 5 ms).
            id_column: if by_theme {
                "t.feedback_id"
            } else if filter.sentiment.is_some() {
                "a.feedback_id"
            } else {
                "f.id"
            },
            conditions: Vec::new(),
            bound: Vec::new(),
        };
        if let Some(theme) = filter.theme {
            let p = m.bind(Bound::Int(theme));
            let entries = if filter.sub_themes.is_empty() {
                m.conditions.push(format!("t.theme_id = {p}"));
                "feedback_themes t".to_owned()
            } else {
                // A record may carry the theme and one of its sub-themes: once.
                let mut ids = vec![p];
                for &sub in &filter.sub_themes {
                    ids.push(m.bind(Bound::Int(sub)));
                }
                format!(
                    "(SELECT DISTINCT feedback_id FROM feedback_themes WHERE theme_id IN ({})) t",
                    ids.join(", ")
                )
            };
            m.from = format!(
                "{entries} JOIN feedback f ON f.id = t.feedback_id \
                 LEFT JOIN feedback_analysis a ON a.feedback_id = f.id"
            );
            m.theme_entries = Some(entries);
        }
        if let Some(after) = after {
            let op = if filter.newest_first { "<" } else { ">" };
            let p = m.bind(Bound::Int(after));
            m.conditions.push(format!("{} {op} {p}", m.id_column));
        }
        if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
            let p = m.bind(Bound::Text(like_pattern(text)));
            m.conditions.push(format!(
                "LOWER(COALESCE(f.comment, '') || ' ' || COALESCE(f.helpful, '') || ' ' || \
                 COALESCE(f.hindering, '')) LIKE {p} ESCAPE '\\'"
            ));
        }
        if let Some(stages) = &filter.stages {
            if stages.is_empty() {
                m.conditions.push("1 = 0".to_owned());
            } else {
                let list: Vec<String> = stages
                    .iter()
                    .map(|s| m.bind(Bound::Text(s.clone())))
                    .collect();
                m.conditions.push(format!(
                    "COALESCE(a.stage_key, f.stage_key) IN ({})",
                    list.join(", ")
                ));
            }
        }
        if let Some(channel) = &filter.channel {
            let p = m.bind(Bound::Text(channel.to_lowercase()));
            m.conditions.push(format!("LOWER(f.channel) = {p}"));
        }
        if let Some(source) = &filter.source {
            let p = m.bind(Bound::Text(source.clone()));
            m.conditions.push(format!("f.source = {p}"));
        }
        if let Some(from) = filter.from {
            let p = m.bind(Bound::Int(from.as_millis()));
            m.conditions.push(format!("f.received_at >= {p}"));
        }
        if let Some(to) = filter.to {
            let p = m.bind(Bound::Int(to.as_millis()));
            m.conditions.push(format!("f.received_at < {p}"));
        }
        if let Some(min) = filter.nps_min {
            let p = m.bind(Bound::Int(i64::from(min)));
            m.conditions.push(format!("f.nps >= {p}"));
        }
        if let Some(max) = filter.nps_max {
            let p = m.bind(Bound::Int(i64::from(max)));
            m.conditions.push(format!("f.nps <= {p}"));
        }
        if let Some(label) = &filter.sentiment {
            let p = m.bind(Bound::Text(label.clone()));
            m.conditions.push(format!("a.sentiment_label = {p}"));
        }
        if let Some(customers) = &filter.customers {
            if customers.is_empty() {
                m.conditions.push("1 = 0".to_owned());
            } else {
                let list: Vec<String> = customers
                    .iter()
                    .map(|c| m.bind(Bound::Text(c.clone())))
                    .collect();
                m.conditions
                    .push(format!("f.customer IN ({})", list.join(", ")));
            }
        }
        m
    }
}

/// One record's place in a theme, for period summaries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThemedRecord {
    pub feedback: i64,
    pub theme: i64,
    pub confidence: f64,
    pub sentiment: f64,
    pub received_at: Timestamp,
}

impl Store {
    /// The themed records received in `[from, to)` whose stage is one of `stages`.
    pub async fn themed_records_between(
        &self,
        stages: &[String],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ThemedRecord>> {
        if stages.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..stages.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT f.id, t.theme_id, t.confidence, a.sentiment, f.received_at FROM feedback f \
             JOIN feedback_analysis a ON a.feedback_id = f.id \
             JOIN feedback_themes t ON t.feedback_id = f.id \
             WHERE f.received_at >= $1 AND f.received_at < $2 \
             AND COALESCE(a.stage_key, f.stage_key) IN ({}) ORDER BY f.id",
            list.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(from.as_millis())
            .bind(to.as_millis());
        for stage in stages {
            query = query.bind(stage.as_str());
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|row| {
                Ok(ThemedRecord {
                    feedback: row.try_get("id")?,
                    theme: row.try_get("theme_id")?,
                    confidence: row.try_get("confidence")?,
                    sentiment: row.try_get("sentiment")?,
                    received_at: Timestamp::from_millis(row.try_get("received_at")?),
                })
            })
            .collect()
    }

    /// Records by id, as listed (ids not found are left out).
    /// Each of `ids`' main theme (its first), as (record, theme) in record order; records with
    /// no theme are left out.
    pub async fn main_themes(&self, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT feedback_id, theme_id FROM feedback_themes WHERE feedback_id IN ({}) \
             ORDER BY feedback_id, theme_rank",
            list.join(", ")
        );
        let mut query = sqlx::query_as::<_, (i64, i64)>(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(*id);
        }
        let mut rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.dedup_by_key(|(record, _)| *record);
        Ok(rows)
    }

    pub async fn feedback_by_ids(&self, ids: &[i64]) -> Result<Vec<FeedbackListing>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT f.id, f.source, f.external_id, f.received_at, f.channel, \
             COALESCE(a.stage_key, f.stage_key) AS stage, f.touchpoint_key, f.nps, f.csat, \
             f.ces, f.rating, f.comment, f.helpful, f.hindering, a.sentiment, a.sentiment_label \
             FROM feedback f LEFT JOIN feedback_analysis a ON a.feedback_id = f.id \
             WHERE f.id IN ({}) ORDER BY f.id",
            list.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(listing).collect()
    }
}

fn listing(row: &AnyRow) -> Result<FeedbackListing> {
    Ok(FeedbackListing {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        external_id: row.try_get("external_id")?,
        received_at: Timestamp::from_millis(row.try_get("received_at")?),
        channel: row.try_get("channel")?,
        stage: row.try_get("stage")?,
        touchpoint: row.try_get("touchpoint_key")?,
        nps: row.try_get("nps")?,
        csat: row.try_get("csat")?,
        ces: row.try_get("ces")?,
        rating: row.try_get("rating")?,
        comment: row.try_get("comment")?,
        helpful: row.try_get("helpful")?,
        hindering: row.try_get("hindering")?,
        sentiment: row.try_get("sentiment")?,
        sentiment_label: row.try_get("sentiment_label")?,
    })
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern(" Late "), "%late%");
        assert_eq!(like_pattern("100%_off\\"), "%100\\%\\_off\\\\%");
    }
}

/// Analysed records on one stage with one pair of scores, counted (for stage measures without
/// reading every record).
#[derive(Debug, Clone, PartialEq)]
pub struct StageScoreGroup {
    pub stage: String,
    pub nps: Option<i64>,
    pub csat: Option<i64>,
    pub records: u64,
    pub sentiment_sum: f64,
    /// Records with sentiment at or below the threshold asked for.
    pub negative: u64,
}

impl Store {
    /// The analysed, placed records grouped by stage, NPS and CSAT answer; with `between`,
    /// only those received in `[from, to)`.
    pub async fn stage_score_groups(
        &self,
        negative_at_most: f64,
        between: Option<(Timestamp, Timestamp)>,
    ) -> Result<Vec<StageScoreGroup>> {
        let period = if between.is_some() {
            "AND f.received_at >= $2 AND f.received_at < $3 "
        } else {
            ""
        };
        let sql = format!(
            "SELECT a.stage_key AS stage, f.nps, f.csat, COUNT(*) AS records, \
             SUM(a.sentiment) AS sentiment_sum, \
             SUM(CASE WHEN a.sentiment <= $1 THEN 1 ELSE 0 END) AS negative \
             FROM feedback_analysis a JOIN feedback f ON f.id = a.feedback_id \
             WHERE a.stage_key IS NOT NULL {period}GROUP BY a.stage_key, f.nps, f.csat"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(negative_at_most);
        if let Some((from, to)) = between {
            query = query.bind(from.as_millis()).bind(to.as_millis());
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|row| {
                Ok(StageScoreGroup {
                    stage: row.try_get("stage")?,
                    nps: row.try_get("nps")?,
                    csat: row.try_get("csat")?,
                    records: u64::try_from(row.try_get::<i64, _>("records")?).unwrap_or(0),
                    sentiment_sum: row.try_get("sentiment_sum")?,
                    negative: u64::try_from(row.try_get::<i64, _>("negative")?).unwrap_or(0),
                })
            })
            .collect()
    }
}
