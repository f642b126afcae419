//! Feedback records through the API: ingesting JSON records (one or a batch, validated and
//! redacted like an imported file, all or nothing) and finding records with filters given as
//! text, as a query string carries them.

use serde::Deserialize;
use throughline_domain::action::Date;
use throughline_domain::date::DAY_MS;
use throughline_domain::{Name, Timestamp};
use throughline_ingest::records::{IngestError, ingest_objects};
use throughline_store::{FeedbackFilter, FeedbackListing, ImportRecord, Store};

use crate::{Result, ServiceError};

/// Stores `records` (JSON objects) from `source` (default `api`), all or none; the calls of one
/// hour share one import row per source. The call's totals, under that import's id.
pub async fn ingest(
    store: &Store,
    source: Option<&str>,
    records: Vec<serde_json::Value>,
) -> Result<ImportRecord> {
    let source = Name::parse(source.unwrap_or("api").trim())
        .map_err(|e| ServiceError::Invalid(format!("source: {e}")))?;
    let ingested = ingest_objects(store, source, records)
        .await
        .map_err(|err| match err {
            IngestError::Store(err) => ServiceError::Store(err),
            other => ServiceError::Invalid(other.to_string()),
        })?;
    // The follow-up rules look at what arrived with this call.
    crate::follow_up::scan(
        store,
        throughline_store::CandidateScope::ImportAfter {
            import: ingested.import.id,
            after: ingested.records_after,
        },
    )
    .await?;
    Ok(ingested.import)
}

/// The filters of a feedback search, as text (from a query string or a form); empty means
/// not given.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct FeedbackQuery {
    /// Words the text contains.
    pub q: Option<String>,
    pub theme: Option<String>,
    pub stage: Option<String>,
    /// A department key: the stages it takes part in.
    pub department: Option<String>,
    pub channel: Option<String>,
    pub source: Option<String>,
    /// `YYYY-MM-DD`, included.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, included.
    pub to: Option<String>,
    pub nps_min: Option<String>,
    pub nps_max: Option<String>,
    /// `negative`, `neutral` or `positive`.
    pub sentiment: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn day_start(field: &str, value: &str) -> Result<Timestamp> {
    let date = Date::parse(value).map_err(|e| ServiceError::Invalid(format!("{field}: {e}")))?;
    Ok(date.start())
}

fn nps_bound(field: &str, value: &str) -> Result<u8> {
    value
        .parse::<u8>()
        .ok()
        .filter(|v| *v <= 10)
        .ok_or_else(|| ServiceError::Invalid(format!("{field} must be 0 to 10, not {value:?}")))
}

impl FeedbackQuery {
    /// The store's filter; a wrong value says which field and why.
    pub async fn filter(&self, store: &Store) -> Result<FeedbackFilter> {
        let mut filter = FeedbackFilter {
            text: given(&self.q).map(str::to_owned),
            channel: given(&self.channel).map(str::to_owned),
            source: given(&self.source).map(str::to_owned),
            ..FeedbackFilter::default()
        };
        if let Some(theme) = given(&self.theme) {
            let id = theme.parse().map_err(|_| {
                ServiceError::Invalid(format!("theme must be a theme's number, not {theme:?}"))
            })?;
            filter.theme = Some(id);
            // A theme's records include those of the wordings put under it.
            filter.sub_themes = crate::themes::sub_theme_ids(store, id).await?;
        }
        // The organisation checks a stage or department asked for; without one (a theme's
        // page, the API's plain listing) it is not read at all.
        let org = if given(&self.stage).is_some() || given(&self.department).is_some() {
            store.load_organisation().await?
        } else {
            None
        };
        if let Some(stage) = given(&self.stage) {
            if let Some(org) = &org
                && !org.journey.stages.iter().any(|s| s.key.as_str() == stage)
            {
                let known: Vec<&str> = org.journey.stages.iter().map(|s| s.key.as_str()).collect();
                return Err(ServiceError::Invalid(format!(
                    "there is no stage {stage:?}; the stages are {}",
                    known.join(", ")
                )));
            }
            filter.stages = Some(vec![stage.to_owned()]);
        }
        if let Some(department) = given(&self.department) {
            let org = org.as_ref().ok_or_else(|| {
                ServiceError::Invalid("no organisation has been applied yet".into())
            })?;
            if !org.departments.iter().any(|d| d.key.as_str() == department) {
                return Err(ServiceError::Invalid(format!(
                    "there is no department {department:?}"
                )));
            }
            let stages: Vec<String> = org
                .stages_of_department(department)
                .iter()
                .map(|s| s.key.as_str().to_owned())
                .collect();
            filter.stages = Some(match filter.stages.take() {
                Some(chosen) => chosen.into_iter().filter(|s| stages.contains(s)).collect(),
                None => stages,
            });
        }
        if let Some(from) = given(&self.from) {
            filter.from = Some(day_start("from", from)?);
        }
        if let Some(to) = given(&self.to) {
            let start = day_start("to", to)?;
            filter.to = Some(Timestamp::from_millis(start.as_millis() + DAY_MS));
        }
        if let Some(min) = given(&self.nps_min) {
            filter.nps_min = Some(nps_bound("nps_min", min)?);
        }
        if let Some(max) = given(&self.nps_max) {
            filter.nps_max = Some(nps_bound("nps_max", max)?);
        }
        if let Some(label) = given(&self.sentiment) {
            if !matches!(label, "negative" | "neutral" | "positive") {
                return Err(ServiceError::Invalid(format!(
                    "sentiment must be negative, neutral or positive, not {label:?}"
                )));
            }
            filter.sentiment = Some(label.to_owned());
        }
        Ok(filter)
    }
}

/// Records matching `query` after the id `after`, at most `limit`.
pub async fn find(
    store: &Store,
    query: &FeedbackQuery,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<FeedbackListing>> {
    let filter = query.filter(store).await?;
    Ok(store.find_feedback(&filter, after, limit).await?)
}

/// Every record matching `query`, in id order (an export): read in batches, the filter built
/// once.
pub async fn all(store: &Store, query: &FeedbackQuery) -> Result<Vec<FeedbackListing>> {
    const BATCH: u32 = 1_000;
    let filter = query.filter(store).await?;
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let batch = store.find_feedback(&filter, after, BATCH).await?;
        let full = batch.len() == BATCH as usize;
        after = batch.last().map(|r| r.id);
        rows.extend(batch);
        if !full {
            return Ok(rows);
        }
    }
}

/// How many records match `query` (every page of them).
pub async fn count(store: &Store, query: &FeedbackQuery) -> Result<u64> {
    let filter = query.filter(store).await?;
    Ok(store.count_feedback(&filter).await?)
}

/// The latest `limit` negative records on any of `stages`, newest first: the customer stories a
/// department hears on its page.
pub async fn latest_negative_on(
    store: &Store,
    stages: Vec<String>,
    limit: u32,
) -> Result<Vec<FeedbackListing>> {
    let filter = FeedbackFilter {
        stages: Some(stages),
        sentiment: Some("negative".into()),
        newest_first: true,
        ..Default::default()
    };
    Ok(store.find_feedback(&filter, None, limit).await?)
}

/// Every import, newest first, with its totals.
pub async fn imports(store: &Store) -> Result<Vec<ImportRecord>> {
    Ok(store.imports().await?)
}

/// A page of the import history, newest first (see `Store::imports_page`).
pub async fn imports_page(
    store: &Store,
    limit: u32,
    before: Option<i64>,
) -> Result<(Vec<ImportRecord>, u64)> {
    Ok(store.imports_page(limit, before).await?)
}

/// How many records are stored, all sources together.
pub async fn total(store: &Store) -> Result<u64> {
    Ok(store.feedback_count().await?)
}
