//! Reading a file of customer events (`customer,event,date`, optionally `id`) for moments of
//! truth: orders, deliveries, contacts, renewals. CSV, JSON Lines or Excel, read like feedback
//! files; a row that cannot be read goes to the rejects file with its line and reason, the
//! rest is kept.
//!
//! Each event gets a dedup key so that importing the same file again adds nothing: its `id`
//! when the file has one, else the customer, the event, the date and how many times that same
//! triple occurred earlier in the file (two orders on one day are two events).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use throughline_domain::Key;
use throughline_store::NewEvent;

use crate::convert::Rejection;
use crate::dates::parse_timestamp;
use crate::formats::{Format, ReadError, Reader};
use crate::rejects::{RejectsWriter, default_path};

/// The columns an events file must have (any case), and the optional one.
pub const REQUIRED: [&str; 3] = ["customer", "event", "date"];
pub const OPTIONAL_ID: &str = "id";

/// What reading an events file gave.
#[derive(Debug)]
pub struct EventsFile {
    pub events: Vec<NewEvent>,
    pub rows_read: u64,
    /// Rejected rows, each with its line and reason (all of them, in file order).
    pub rejected: Vec<Rejection>,
    /// Where the rejected rows were written, when any was.
    pub rejects_path: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(
        "{path}: no column {missing:?}; an events file has the columns customer, event and date \
         (and optionally id); its columns are: {found}"
    )]
    MissingColumn {
        path: String,
        missing: &'static str,
        found: String,
    },
    #[error("cannot write the rejects file {path}: {source}")]
    Rejects {
        path: String,
        source: std::io::Error,
    },
}

fn column(columns: &[String], name: &str) -> Option<String> {
    columns
        .iter()
        .find(|c| c.trim().eq_ignore_ascii_case(name))
        .cloned()
}

/// Reads every event of `path`; rejected rows go to `rejects` (default `NAME.rejects.csv`).
pub fn read_events(path: &Path, rejects: Option<PathBuf>) -> Result<EventsFile, EventsError> {
    let format = Format::from_path(path).unwrap_or(Format::Csv);
    let reader = Reader::open(path, format)?;
    let columns = reader.columns().to_vec();
    let mut names = Vec::new();
    for required in REQUIRED {
        names.push(
            column(&columns, required).ok_or_else(|| EventsError::MissingColumn {
                path: path.display().to_string(),
                missing: required,
                found: columns.join(", "),
            })?,
        );
    }
    let id_column = column(&columns, OPTIONAL_ID);
    let rejects_path = rejects.unwrap_or_else(|| default_path(path, format));
    let mut writer = RejectsWriter::new(rejects_path.clone(), format, &columns);
    let mut seen: HashMap<(String, String, String), u32> = HashMap::new();
    let mut out = EventsFile {
        events: Vec::new(),
        rows_read: 0,
        rejected: Vec::new(),
        rejects_path: None,
    };
    for row in reader {
        let row = row?;
        out.rows_read += 1;
        let cell = |name: &str| -> &str {
            row.cells
                .iter()
                .find(|(c, _)| c == name)
                .map_or("", |(_, v)| v.trim())
        };
        let reject = |column: Option<&str>, reason: String| Rejection {
            line: row.line,
            column: column.map(str::to_owned),
            reason,
        };
        let result = (|| {
            if let Some(problem) = &row.problem {
                return Err(reject(None, problem.clone()));
            }
            let customer = cell(&names[0]);
            if customer.is_empty() {
                return Err(reject(Some(&names[0]), "the customer is empty".into()));
            }
            if customer.chars().count() > 200 {
                return Err(reject(
                    Some(&names[0]),
                    "the customer is longer than 200 characters".into(),
                ));
            }
            let kind_text = cell(&names[1]).to_lowercase();
            let kind = Key::parse(&kind_text).map_err(|e| {
                reject(
                    Some(&names[1]),
                    format!("{e} (an event kind is a word such as order, delivery, contact)"),
                )
            })?;
            let date = cell(&names[2]);
            let occurred_at = parse_timestamp(date).map_err(|e| reject(Some(&names[2]), e))?;
            let dedup_key = match id_column.as_deref().map(cell).filter(|v| !v.is_empty()) {
                Some(id) => format!("id:{id}"),
                None => {
                    let triple = (customer.to_owned(), kind_text.clone(), date.to_owned());
                    let n = seen.entry(triple).or_default();
                    *n += 1;
                    format!("{customer}\u{1f}{kind_text}\u{1f}{date}\u{1f}{n}")
                }
            };
            Ok(NewEvent {
                customer: customer.to_owned(),
                kind,
                occurred_at,
                dedup_key,
            })
        })();
        match result {
            Ok(event) => out.events.push(event),
            Err(rejection) => {
                writer
                    .write(&row, &rejection)
                    .map_err(|source| EventsError::Rejects {
                        path: rejects_path.display().to_string(),
                        source,
                    })?;
                out.rejected.push(rejection);
            }
        }
    }
    out.rejects_path = writer.finish().map_err(|source| EventsError::Rejects {
        path: rejects_path.display().to_string(),
        source,
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_and_bad_rows_rejected_with_line_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        std::fs::write(
            &path,
            "Customer,Event,Date\n\
             C-1,order,2026-03-01\n\
             C-1,order,2026-03-01\n\
             C-2,Delivery,8th November 2023\n\
             ,order,2026-03-02\n\
             C-3,order,not a date\n\
             C-4,two words,2026-03-02\n",
        )
        .unwrap();
        let file = read_events(&path, None).unwrap();
        assert_eq!(file.rows_read, 6);
        assert_eq!(file.events.len(), 3);
        assert_ne!(
            file.events[0].dedup_key, file.events[1].dedup_key,
            "two orders on one day are two events"
        );
        assert_eq!(file.events[2].kind.as_str(), "delivery");
        let lines: Vec<u64> = file.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [5, 6, 7]);
        assert!(file.rejected[0].reason.contains("customer is empty"));
        assert_eq!(file.rejected[1].column.as_deref(), Some("Date"));
        let rejects = std::fs::read_to_string(file.rejects_path.as_ref().unwrap()).unwrap();
        assert!(
            rejects.starts_with("Customer,Event,Date,reason\n"),
            "{rejects}"
        );
        assert_eq!(rejects.lines().count(), 4);
        // The same file read again gives the same keys: re-imports add nothing.
        let again = read_events(&path, None).unwrap();
        let keys = |f: &EventsFile| -> Vec<String> {
            f.events.iter().map(|e| e.dedup_key.clone()).collect()
        };
        assert_eq!(keys(&again), keys(&file));
    }

    #[test]
    fn a_file_without_the_columns_is_refused_with_what_it_has() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.csv");
        std::fs::write(&path, "client,what,when\nC-1,order,2026-03-01\n").unwrap();
        let err = read_events(&path, None).unwrap_err().to_string();
        assert!(err.contains("no column \"customer\""), "{err}");
        assert!(err.contains("client, what, when"), "{err}");
    }
}
