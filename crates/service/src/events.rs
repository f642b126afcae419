//! Customer events beyond feedback — orders, deliveries, contact-centre calls — imported from
//! a file for the moments of truth found in customers' histories ([`crate::moments`]); and what
//! the file imports (events, KPI values) share: the rejected rows as people read them, and the
//! refusal of a file that is mostly unreadable.

use serde::Serialize;
use throughline_store::Store;

use throughline_ingest::convert::Rejection;
use throughline_ingest::table::Table;

use crate::{Result, ServiceError, blocking};

/// What an events import did.
#[derive(Debug, Clone, Serialize)]
pub struct EventsImport {
    pub source: String,
    pub rows_read: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// The first rejected rows, "line N, column C: reason".
    pub rejections: Vec<String>,
    pub rejects_path: Option<String>,
}

/// Imports a file of customer events (`customer,event,date`, optionally `id`) under `source`
/// (default: the file's name). Bad rows go to the rejects file with their line and reason;
/// when more than half of the rows are bad, nothing is stored and the error says why.
pub async fn import_events(
    store: &Store,
    path: std::path::PathBuf,
    source: Option<String>,
    rejects: Option<std::path::PathBuf>,
) -> Result<EventsImport> {
    let source = source.unwrap_or_else(|| {
        path.file_stem()
            .map_or_else(|| "events".into(), |s| s.to_string_lossy().into_owned())
    });
    let shown = path.display().to_string();
    let file = blocking(move || throughline_ingest::events::read_events(&path, rejects))
        .await
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    mostly_readable(&shown, &file)?;
    let imported = store.insert_events(&source, &file.values).await?;
    Ok(EventsImport {
        source,
        rows_read: file.rows_read,
        imported,
        duplicates: file.values.len() as u64 - imported,
        rejected: file.rejected.len() as u64,
        rejections: file.rejected.iter().take(20).map(describe).collect(),
        rejects_path: file.rejects_path.map(|p| p.display().to_string()),
    })
}

/// A rejected row as people read it: "line 5, column Date: …".
pub(crate) fn describe(r: &Rejection) -> String {
    match &r.column {
        Some(column) => format!("line {}, column {column}: {}", r.line, r.reason),
        None => format!("line {}: {}", r.line, r.reason),
    }
}

/// Refuses a file whose rows are mostly unreadable — a wrong file or a wrong column, not a few
/// bad rows — so that nothing of it is stored; the message gives three examples.
pub(crate) fn mostly_readable<T>(shown: &str, table: &Table<T>) -> Result<()> {
    if table.rows_read > 0 && table.rejected.len() as u64 * 2 > table.rows_read {
        let examples: Vec<String> = table.rejected.iter().take(3).map(describe).collect();
        return Err(ServiceError::Invalid(format!(
            "{shown}: {} of {} rows cannot be read, so nothing was imported; for example {}",
            table.rejected.len(),
            table.rows_read,
            examples.join("; ")
        )));
    }
    Ok(())
}
