//! Checks that judge a file as a whole rather than row by row: the day/month order its date
//! column settles (read ahead before the import), and the first rows watched for a column that
//! fails on most of them (the run stops rather than ending as a file of rejects).

use std::path::Path;

use crate::convert::Rejection;
use crate::dates::{self, DateRules};
use crate::fields::{Field, Mapping};
use crate::formats::{Format, Reader};
use crate::pipeline::ImportError;

/// At most this many rows are read ahead to settle the day/month order of numeric dates.
const SETTLE_ROWS: usize = 200_000;
/// When this many dates in a row are not numeric day/month dates, the column needs no order.
const SETTLE_GIVE_UP: usize = 1_000;

/// How the date column is read: the user's format, or the day/month order that the column's
/// own values settle (read ahead in a second pass over the file), printed as a note.
pub(crate) fn date_rules(
    path: &Path,
    format: Format,
    mapping: &Mapping,
    date_format: Option<String>,
    notes: &mut Vec<String>,
) -> Result<DateRules, ImportError> {
    let Some(column) = mapping.column(Field::ReceivedAt) else {
        return Ok(DateRules {
            format: date_format,
            order: None,
        });
    };
    if let Some(format) = date_format {
        notes.push(format!(
            "Dates in column {column:?} read with the format {format:?}."
        ));
        return Ok(DateRules {
            format: Some(format),
            order: None,
        });
    }
    let mut reader = Reader::open(path, format)?;
    let mut values: Vec<String> = Vec::new();
    let mut since_numeric = 0;
    for row in reader.by_ref().take(SETTLE_ROWS) {
        let Ok(row) = row else { break };
        let Some(value) = row.get(column) else {
            continue;
        };
        if dates::is_numeric_date(value) {
            since_numeric = 0;
            values.push(value.to_owned());
        } else {
            since_numeric += 1;
            if since_numeric >= SETTLE_GIVE_UP && values.is_empty() {
                break;
            }
        }
    }
    let settled = dates::settle_order(values.iter().map(String::as_str)).map_err(|reason| {
        ImportError::Dates {
            column: column.to_owned(),
            reason,
        }
    })?;
    let order = settled.map(|(order, by)| {
        notes.push(format!(
            "Dates in column {column:?} read {}: {by:?} settles it.",
            order.describe()
        ));
        order
    });
    Ok(DateRules {
        format: None,
        order,
    })
}

/// The first rows of a file, watched for a column that fails on most of them: such a file
/// stops before anything is stored, with what to do about it, rather than ending as a file of
/// rejects.
#[derive(Debug, Default)]
pub(crate) struct ColumnWatch {
    pub(crate) rows: u64,
    /// Per column: how many rows it rejected, up to three of its values, the first reason.
    columns: Vec<(String, u64, Vec<String>, String)>,
}

/// How many first rows [`ColumnWatch`] judges.
pub const WATCH_ROWS: u64 = 1_000;

impl ColumnWatch {
    /// Counts one row of the first [`WATCH_ROWS`]; after the last of them, the verdict.
    pub(crate) fn see(
        &mut self,
        rejection: Option<(&Rejection, Option<&str>)>,
        mapping: &Mapping,
    ) -> Result<(), ImportError> {
        if self.rows >= WATCH_ROWS {
            return Ok(());
        }
        self.rows += 1;
        if let Some((rejection, value)) = rejection
            && let Some(column) = &rejection.column
        {
            let at = match self.columns.iter().position(|(c, ..)| c == column) {
                Some(at) => at,
                None => {
                    self.columns
                        .push((column.clone(), 0, Vec::new(), rejection.reason.clone()));
                    self.columns.len() - 1
                }
            };
            let entry = &mut self.columns[at];
            entry.1 += 1;
            if entry.2.len() < 3
                && let Some(value) = value
            {
                entry.2.push(format!("{value:?}"));
            }
        }
        if self.rows == WATCH_ROWS {
            self.verdict(mapping)
        } else {
            Ok(())
        }
    }

    /// The verdict on the rows seen: an error when one column rejected more than half of them.
    pub(crate) fn verdict(&self, mapping: &Mapping) -> Result<(), ImportError> {
        let Some((column, rejected, examples, reason)) =
            self.columns.iter().max_by_key(|(_, n, ..)| *n)
        else {
            return Ok(());
        };
        if self.rows == 0 || *rejected * 2 <= self.rows {
            return Ok(());
        }
        let field = mapping
            .fields
            .iter()
            .find(|(_, c)| c == column)
            .map(|(f, _)| *f);
        let fix = match field {
            Some(Field::ReceivedAt) => "Give the dates' format with --date-format (strftime, \
                 e.g. --date-format '%d.%m.%Y %H:%M'), map another column with --map \
                 received_at=COLUMN, or leave the date out with --map received_at= (records then \
                 carry the import's time)."
                .to_owned(),
            Some(field) => format!(
                "Map another column with --map {field}=COLUMN, leave the field out with --map \
                 {field}=, or correct the column in the file."
            ),
            None => "Correct the column in the file.".to_owned(),
        };
        Err(ImportError::ColumnUnreadable {
            column: column.clone(),
            rejected: *rejected,
            rows: self.rows,
            examples: examples.join(", "),
            reason: reason.clone(),
            fix,
        })
    }
}
