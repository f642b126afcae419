//! A feedback file imported through the web interface: what the command line's `import` does,
//! in two steps a person can check. The **preview** reads the file's header and says how it will
//! be imported — its format, the source it lands under, which column feeds which field, and the
//! notes the automatic mapping made — storing nothing. The **import** then stores every valid
//! row (all of them or, if the import fails, none), writes the rejected rows with their reasons
//! to a file beside the upload, runs the organisation's follow-up rules on what arrived, and is
//! written to the audit log in the same transaction.
//!
//! Administrators and council chairs import (the same rule as feedback sent through the API).

use std::path::{Path, PathBuf};

use serde::Serialize;
use throughline_domain::Name;
use throughline_ingest::pipeline::{ImportError, ImportReport, ImportRequest, PreparedImport};
use throughline_store::{CandidateScope, Store};

use crate::changes::{Actor, in_transaction, may_edit};
use crate::{Result, ServiceError};

/// How a file will be imported.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPreview {
    pub file_name: String,
    /// `csv`, `jsonl` or `xlsx`.
    pub format: &'static str,
    /// The source the records land under (re-imports are recognised within one source).
    pub source: String,
    /// Each field with the column that feeds it, in field order.
    pub mapping: Vec<MappedField>,
    /// What the automatic mapping noticed (a column it could not place, a date format chosen).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MappedField {
    pub field: &'static str,
    pub column: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct FileImported {
    pub import_id: i64,
    pub source: String,
    pub rows_read: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// The first rejected rows, "row at line N, column C: reason".
    pub first_rejections: Vec<String>,
    /// The rejected rows with their reasons, when there are any.
    pub rejects_path: Option<PathBuf>,
    /// Follow-up cases the organisation's rules opened for what arrived.
    pub cases_opened: u64,
}

fn request(path: &Path, source: Option<&str>, rejects: PathBuf) -> Result<ImportRequest> {
    let source = source
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Name::parse(s).map_err(|e| ServiceError::Invalid(format!("source: {e}"))))
        .transpose()?;
    Ok(ImportRequest {
        path: path.to_owned(),
        source,
        rejects: Some(rejects),
        ..ImportRequest::default()
    })
}

fn refused(err: ImportError) -> ServiceError {
    match err {
        ImportError::Store(err) => ServiceError::Store(err),
        other => ServiceError::Invalid(other.to_string()),
    }
}

/// Where a file's rejected rows go: beside it, `NAME.rejects.csv`.
pub fn rejects_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "upload".to_owned(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.rejects.csv"))
}

/// How the file at `path` would be imported under `source` (the file's name when not given).
pub async fn preview(
    store: &Store,
    actor: Actor<'_>,
    path: &Path,
    source: Option<&str>,
) -> Result<ImportPreview> {
    may_edit(actor, None)?;
    let prepared = PreparedImport::new(store, request(path, source, rejects_path(path))?)
        .await
        .map_err(refused)?;
    Ok(ImportPreview {
        file_name: path.file_name().map_or_else(
            || prepared.file_name().to_owned(),
            |n| n.to_string_lossy().into_owned(),
        ),
        format: prepared.format().name(),
        source: prepared.source().to_string(),
        mapping: prepared
            .mapping()
            .fields
            .iter()
            .map(|(field, column)| MappedField {
                field: field.name(),
                column: column.clone(),
            })
            .collect(),
        notes: prepared.notes().to_vec(),
    })
}

/// Imports the file at `path` under `source`; see the module documentation.
pub async fn import(
    store: &Store,
    actor: Actor<'_>,
    path: &Path,
    source: Option<&str>,
) -> Result<FileImported> {
    may_edit(actor, None)?;
    let request = request(path, source, rejects_path(path))?;
    let done = in_transaction(store, async |store| {
        let prepared = PreparedImport::new(store, request).await.map_err(refused)?;
        let report: ImportReport = prepared.run(store, |_| {}).await.map_err(refused)?;
        let cases = crate::follow_up::scan(store, CandidateScope::Import(report.import.id)).await?;
        let totals = &report.import.totals;
        let done = FileImported {
            import_id: report.import.id,
            source: report.import.source.clone(),
            rows_read: totals.rows_read,
            imported: totals.imported,
            duplicates: totals.duplicates,
            rejected: totals.rejected,
            first_rejections: report
                .first_rejections
                .iter()
                .map(ToString::to_string)
                .collect(),
            rejects_path: totals.rejects_path.as_ref().map(PathBuf::from),
            cases_opened: cases.opened,
        };
        store
            .audit(
                &actor.audit_name(),
                "feedback.import",
                &format!("import {}", done.import_id),
                None,
                Some(&serde_json::json!({
                    "file": report.import.file_name, "source": done.source,
                    "read": done.rows_read, "imported": done.imported,
                    "duplicates": done.duplicates, "rejected": done.rejected,
                })),
            )
            .await?;
        Ok(done)
    })
    .await?;
    // Inside the transaction the import's own refresh did nothing (its rows had not landed):
    // now they have.
    store
        .after_bulk_write(&[(throughline_store::BulkTable::Feedback, done.imported)])
        .await;
    Ok(done)
}
