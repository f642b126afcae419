//! `/api/v1/feedback`: ingest one record or a batch (administrators and council chairs, whose
//! tokens integrations use), and list records with filters (everyone signed in).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use throughline_service::feedback::{self, FeedbackQuery};
use throughline_store::FeedbackListing;

use super::spec::{COUNCIL, Endpoint, PAGING, SIGNED_IN, endpoint};
use super::{Page, PageQuery, paginate_query};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Query};
use crate::{AppError, AppState};
use throughline_service::changes::Actor;
use throughline_service::changes::{self};

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/feedback" => list;
            "List feedback records, filtered and paged";
            who: SIGNED_IN;
            query: &[
                ("q", "string", "Words the record's text contains (any case)."),
                ("theme", "integer", "A theme's id."),
                ("stage", "string", "A journey stage's key."),
                ("department", "string", "A department's key: records on the stages it takes part in."),
                ("channel", "string", "The channel, e.g. email."),
                ("source", "string", "The import source or API source name."),
                ("from", "string", "Received on or after this day (YYYY-MM-DD)."),
                ("to", "string", "Received on or before this day (YYYY-MM-DD)."),
                ("nps_min", "integer", "Lowest NPS answer, 0 to 10."),
                ("nps_max", "integer", "Highest NPS answer, 0 to 10."),
                ("sentiment", "string", "negative, neutral or positive."),
                PAGING[0], PAGING[1],
            ];
            body: None;
            answers: &[(200, "A page of records: `items` and `next`.")]),
        endpoint!(POST "/feedback" => ingest_one;
            "Ingest one feedback record (validated and redacted like an imported row)";
            who: COUNCIL;
            query: &[("source", "string", "The feed's name (default `api`); re-sent records of a source are duplicates.")];
            body: Some(r#"{"id": "web-1042", "received_at": "2026-10-02T09:30:00Z", "nps": 3, "comment": "Billed twice for one order", "stage": "pay", "channel": "web"}"#);
            answers: &[(201, "What was stored: `imported` and `duplicates`.")]),
        endpoint!(POST "/feedback/batch" => ingest_batch;
            "Ingest up to 10,000 records at once; one bad record refuses the batch";
            who: COUNCIL;
            query: &[];
            body: Some(r#"{"source": "crm", "records": [{"id": "c-1", "comment": "Driver was late", "nps": 4}, {"id": "c-2", "comment": "Lovely sofa", "nps": 10}]}"#);
            answers: &[(201, "What was stored: `imported` and `duplicates`.")]),
    ]
}

#[derive(Debug, Deserialize)]
pub struct SourceQuery {
    source: Option<String>,
}

/// What an ingest stored.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Ingested {
    import: i64,
    source: String,
    received: u64,
    imported: u64,
    duplicates: u64,
}

async fn ingest(
    state: &AppState,
    user: &throughline_store::StoredUser,
    source: Option<&str>,
    records: Vec<serde_json::Value>,
) -> Result<(StatusCode, Json<Ingested>), AppError> {
    let import = changes::ingest_feedback(&state.store, Actor::User(user), source, records).await?;
    let totals = &import.totals;
    Ok((
        StatusCode::CREATED,
        Json(Ingested {
            import: import.id,
            source: import.source.clone(),
            received: totals.rows_read,
            imported: totals.imported,
            duplicates: totals.duplicates,
        }),
    ))
}

/// `POST /feedback?source=NAME`: one record, a JSON object with the import's field names
/// (`id`, `received_at`, `comment`, `nps`, `csat`, `stage`, `channel`, …).
pub async fn ingest_one(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Query(query): Query<SourceQuery>,
    Json(record): Json<serde_json::Map<String, serde_json::Value>>,
) -> Result<(StatusCode, Json<Ingested>), AppError> {
    let record = serde_json::Value::Object(record);
    ingest(&state, &user, query.source.as_deref(), vec![record]).await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    source: Option<String>,
    records: Vec<serde_json::Value>,
}

/// `POST /feedback/batch`: `{"source": NAME, "records": [...]}`, up to 10,000 records, all
/// stored or (when one is not valid) none.
pub async fn ingest_batch(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(batch): Json<Batch>,
) -> Result<(StatusCode, Json<Ingested>), AppError> {
    ingest(&state, &user, batch.source.as_deref(), batch.records).await
}

/// `GET /feedback?q=&theme=&stage=&department=&channel=&source=&from=&to=&nps_min=&nps_max=&sentiment=&limit=&after=`
pub async fn list(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<FeedbackQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<FeedbackListing>>, AppError> {
    let limit = paginate_query(&page)?;
    let mut items = feedback::find(&state.store, &query, page.after, limit + 1).await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more {
        items.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Json(Page { items, next }))
}
