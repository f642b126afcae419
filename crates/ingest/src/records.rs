//! Records sent as JSON objects rather than a file (the HTTP API's ingest): each object is a
//! row whose keys are its columns, mapped, validated and redacted exactly as an imported file's
//! rows are. A batch is all or nothing: one bad record refuses the batch, with every record's
//! problem listed, and nothing is stored. Re-sent records are recognised as duplicates.

use crate::pipeline::erased_customers;
use serde_json::Value;
use throughline_domain::{Name, Timestamp};
use throughline_store::{
    ImportRecord, ImportStart, ImportTotals, KeyedFeedback, Store, StoreError,
};

use crate::convert::{Converter, Placement, Rejection};
use crate::fields::{Mapping, MappingError};
use crate::formats::object_row;

/// The most records one request may carry.
pub const MAX_BATCH: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("no records were sent")]
    Empty,
    #[error("{0} records were sent; at most {MAX_BATCH} go in one request")]
    TooMany(usize),
    #[error("record {index}: it is not a JSON object")]
    NotAnObject { index: usize },
    #[error("{}", describe(.0))]
    Rejected(Vec<Rejection>),
    #[error("{0}")]
    Mapping(MappingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// "record 3, field "nps": …; record 7: …" — a rejection's line is its record's number.
fn describe(rejections: &[Rejection]) -> String {
    let shown: Vec<String> = rejections
        .iter()
        .take(20)
        .map(|r| match &r.column {
            Some(column) => format!("record {}, field {column:?}: {}", r.line, r.reason),
            None => format!("record {}: {}", r.line, r.reason),
        })
        .collect();
    let more = rejections.len().saturating_sub(shown.len());
    let mut text = format!(
        "{} of the records are not valid, so none was stored: {}",
        rejections.len(),
        shown.join("; ")
    );
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    text
}

/// What one call stored: its totals (under the import row of its source and hour, which the
/// calls of that hour share), and the highest record id before its records.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub import: ImportRecord,
    pub records_after: i64,
}

/// Stores `objects` (records numbered from 1 in errors) as part of the import of `source` for
/// the current hour (one import row per source and hour, however many calls).
pub async fn ingest_objects(
    store: &Store,
    source: Name,
    objects: Vec<Value>,
) -> Result<Ingested, IngestError> {
    if objects.is_empty() {
        return Err(IngestError::Empty);
    }
    if objects.len() > MAX_BATCH {
        return Err(IngestError::TooMany(objects.len()));
    }
    let mut rows = Vec::with_capacity(objects.len());
    for (i, object) in objects.into_iter().enumerate() {
        let Value::Object(map) = object else {
            return Err(IngestError::NotAnObject { index: i + 1 });
        };
        rows.push(object_row(i as u64 + 1, map, String::new()));
    }
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for (column, _) in &row.cells {
            if !columns.contains(column) {
                columns.push(column.clone());
            }
        }
    }
    let mapping = Mapping::resolve(&columns, &[]).map_err(IngestError::Mapping)?;
    let organisation = store.load_organisation().await?;
    let converter = Converter {
        mapping: mapping.clone(),
        source: source.clone(),
        placement: organisation
            .as_ref()
            .map(Placement::from_organisation)
            .unwrap_or_default(),
        now: Timestamp::now(),
        values: Vec::new(),
        dates: Default::default(),
        dropped: Vec::new(),
        unguard: false,
        erased: erased_customers(store, &mapping).await?,
    };
    let mut records: Vec<KeyedFeedback> = Vec::with_capacity(rows.len());
    let mut rejections = Vec::new();
    for row in &rows {
        match converter.convert_keyed(row) {
            Ok(record) => records.push(record),
            Err(rejection) => rejections.push(rejection),
        }
    }
    if !rejections.is_empty() {
        return Err(IngestError::Rejected(rejections));
    }
    let mut session = store
        .begin_hourly_import(ImportStart {
            source,
            file_name: throughline_store::API_IMPORT_NAME.to_owned(),
            format: "json".to_owned(),
            mapping: mapping.to_string(),
            started_at: converter.now,
        })
        .await?;
    let imported = session.insert(&records).await?;
    let read = records.len() as u64;
    let records_after = session.records_after();
    let import = session
        .finish(ImportTotals {
            rows_read: read,
            imported,
            duplicates: read - imported,
            rejected: 0,
            rejects_path: None,
        })
        .await?;
    store
        .after_bulk_write(&[(throughline_store::BulkTable::Feedback, imported)])
        .await;
    Ok(Ingested {
        import,
        records_after,
    })
}
