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
}

/// A record as listed: its redacted texts, scores, and what the analysis made of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
        let mut conditions: Vec<String> = Vec::new();
        let mut bound: Vec<Bound> = Vec::new();
        let mut bind = |value: Bound| {
            bound.push(value);
            format!("${}", bound.len())
        };
        if let Some(after) = after {
            conditions.push(format!("f.id > {}", bind(Bound::Int(after))));
        }
        if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
            conditions.push(format!(
                "LOWER(COALESCE(f.comment, '') || ' ' || COALESCE(f.helpful, '') || ' ' || \
                 COALESCE(f.hindering, '')) LIKE {} ESCAPE '\\'",
                bind(Bound::Text(like_pattern(text)))
            ));
        }
        if let Some(theme) = filter.theme {
            conditions.push(format!(
                "f.id IN (SELECT feedback_id FROM feedback_themes WHERE theme_id = {})",
                bind(Bound::Int(theme))
            ));
        }
        if let Some(stages) = &filter.stages {
            if stages.is_empty() {
                conditions.push("1 = 0".to_owned());
            } else {
                let list: Vec<String> = stages
                    .iter()
                    .map(|s| bind(Bound::Text(s.clone())))
                    .collect();
                conditions.push(format!(
                    "COALESCE(a.stage_key, f.stage_key) IN ({})",
                    list.join(", ")
                ));
            }
        }
        if let Some(channel) = &filter.channel {
            conditions.push(format!(
                "LOWER(f.channel) = {}",
                bind(Bound::Text(channel.to_lowercase()))
            ));
        }
        if let Some(source) = &filter.source {
            conditions.push(format!("f.source = {}", bind(Bound::Text(source.clone()))));
        }
        if let Some(from) = filter.from {
            conditions.push(format!(
                "f.received_at >= {}",
                bind(Bound::Int(from.as_millis()))
            ));
        }
        if let Some(to) = filter.to {
            conditions.push(format!(
                "f.received_at < {}",
                bind(Bound::Int(to.as_millis()))
            ));
        }
        if let Some(min) = filter.nps_min {
            conditions.push(format!("f.nps >= {}", bind(Bound::Int(i64::from(min)))));
        }
        if let Some(max) = filter.nps_max {
            conditions.push(format!("f.nps <= {}", bind(Bound::Int(i64::from(max)))));
        }
        if let Some(label) = &filter.sentiment {
            conditions.push(format!(
                "a.sentiment_label = {}",
                bind(Bound::Text(label.clone()))
            ));
        }
        let limit_param = bind(Bound::Int(i64::from(limit)));
        let sql = format!(
            "SELECT f.id, f.source, f.external_id, f.received_at, f.channel, \
             COALESCE(a.stage_key, f.stage_key) AS stage, f.touchpoint_key, f.nps, f.csat, \
             f.ces, f.rating, f.comment, f.helpful, f.hindering, a.sentiment, a.sentiment_label \
             FROM feedback f LEFT JOIN feedback_analysis a ON a.feedback_id = f.id \
             {} ORDER BY f.id LIMIT {limit_param}",
            if conditions.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", conditions.join(" AND "))
            }
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in bound {
            query = match value {
                Bound::Text(text) => query.bind(text),
                Bound::Int(number) => query.bind(number),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
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
