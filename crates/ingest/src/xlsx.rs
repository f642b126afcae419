//! Excel workbooks (`.xlsx`, `.xlsm`): the first sheet, its first non-empty row as the header.
//!
//! The sheet is streamed cell by cell (calamine's cell reader) on a thread of its own, which
//! hands rows over a small bounded channel: memory stays flat however long the sheet is (the
//! workbook's shared-string table, which Excel keeps in one part, is the exception). Numbers
//! that are whole print without a decimal point (`9`, not `9.0`) and date cells become ISO
//! dates, so a sheet imports exactly as the same data saved as CSV.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{DataRef, Reader as _, Xlsx, open_workbook};

use crate::rows::{RawRow, ReadError, io_error, unique_columns};

#[derive(Debug)]
enum Message {
    Header { columns: Vec<String>, rows: u64 },
    Row(Result<RawRow, ReadError>),
}

/// The rows of a sheet, as they arrive from the reading thread.
#[derive(Debug)]
pub struct XlsxRows {
    rows: Receiver<Message>,
    pub(crate) columns: Vec<String>,
    /// Sheet rows (from the sheet's dimensions) and the last one read, for progress.
    pub(crate) total_rows: u64,
    pub(crate) last_row: u64,
}

impl XlsxRows {
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let name = path.display().to_string();
        let (sender, rows) = sync_channel(512);
        let owned = path.to_owned();
        let thread_name = name.clone();
        std::thread::Builder::new()
            .name("xlsx-reader".to_owned())
            .spawn(move || {
                if let Err(err) = read_sheet(&owned, &thread_name, &sender) {
                    let _ = sender.send(Message::Row(Err(err)));
                }
            })
            .map_err(|e| io_error(&name, e))?;
        match rows.recv() {
            Ok(Message::Header {
                columns,
                rows: total,
            }) => Ok(Self {
                rows,
                columns,
                total_rows: total,
                last_row: 0,
            }),
            Ok(Message::Row(Err(err))) => Err(err),
            Ok(Message::Row(Ok(_))) | Err(_) => Err(ReadError::Empty { path: name }),
        }
    }

    pub fn next_row(&mut self) -> Option<Result<RawRow, ReadError>> {
        match self.rows.recv() {
            Ok(Message::Row(row)) => {
                if let Ok(row) = &row {
                    self.last_row = row.line;
                }
                Some(row)
            }
            Ok(Message::Header { .. }) | Err(_) => None,
        }
    }
}

/// Reads the first sheet, sending the header and then each non-empty row. Returns early,
/// quietly, when the receiving side has gone (the import stopped).
fn read_sheet(path: &Path, name: &str, out: &SyncSender<Message>) -> Result<(), ReadError> {
    let mut workbook: Xlsx<_> = open_workbook(path).map_err(|e| ReadError::Io {
        path: name.to_owned(),
        reason: format!("not a readable Excel workbook ({e})"),
    })?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| ReadError::Empty {
            path: name.to_owned(),
        })?;
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| io_error(name, e))?;
    let total = u64::from(cells.dimensions().end.0) + 1;

    let mut columns: Option<Vec<String>> = None;
    let mut current: Option<(u32, Vec<String>)> = None;
    // Sends a finished row; the first non-empty row is the header.
    let flush = |row: u32, values: Vec<String>, columns: &mut Option<Vec<String>>| -> bool {
        if values.iter().all(|v| v.trim().is_empty()) {
            return true;
        }
        let message = match columns {
            None => {
                let header = unique_columns(values.iter().map(|v| v.trim().to_owned()).collect());
                *columns = Some(header.clone());
                Message::Header {
                    columns: header,
                    rows: total,
                }
            }
            Some(columns) => Message::Row(Ok(sheet_row(u64::from(row) + 1, columns, values))),
        };
        out.send(message).is_ok()
    };
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(err) => return Err(io_error(name, err)),
        };
        let (row, column) = cell.get_position();
        if current.as_ref().is_some_and(|(r, _)| *r != row) {
            let (r, values) = current.take().expect("checked above");
            if !flush(r, values, &mut columns) {
                return Ok(());
            }
        }
        let values = &mut current.get_or_insert_with(|| (row, Vec::new())).1;
        let column = column as usize;
        if values.len() <= column {
            values.resize(column + 1, String::new());
        }
        values[column] = cell_text(cell.get_value());
    }
    if let Some((r, values)) = current.take() {
        flush(r, values, &mut columns);
    }
    if columns.is_none() {
        return Err(ReadError::Empty {
            path: name.to_owned(),
        });
    }
    Ok(())
}

fn sheet_row(line: u64, columns: &[String], mut values: Vec<String>) -> RawRow {
    let beyond = values
        .iter()
        .skip(columns.len())
        .any(|v| !v.trim().is_empty());
    values.truncate(
        columns.len().max(
            values
                .iter()
                .rposition(|v| !v.is_empty())
                .map_or(0, |i| i + 1),
        ),
    );
    let problem = beyond.then(|| {
        format!(
            "a value lies beyond the last of the {} header columns",
            columns.len()
        )
    });
    let cells = columns
        .iter()
        .cloned()
        .zip(
            values
                .iter()
                .cloned()
                .chain(std::iter::repeat(String::new())),
        )
        .collect();
    RawRow {
        line,
        cells,
        raw: values,
        problem,
    }
}

/// A cell as the text a CSV export of the sheet would hold.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.format("%Y-%m-%d").to_string(),
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
            None => number_text(dt.as_f64()),
        },
        DataRef::Error(e) => e.to_string(),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_a_spreadsheet_user_sees_them() {
        assert_eq!(number_text(9.0), "9");
        assert_eq!(number_text(4.5), "4.5");
        assert_eq!(number_text(-3.0), "-3");
    }

    #[test]
    fn short_rows_are_padded_and_overlong_ones_flagged() {
        let columns = vec!["a".to_owned(), "b".to_owned()];
        let short = sheet_row(3, &columns, vec!["x".to_owned()]);
        assert_eq!(short.get("b"), Some(""));
        assert!(short.problem.is_none());
        let long = sheet_row(4, &columns, vec!["x".into(), "y".into(), "z".into()]);
        assert!(long.problem.unwrap().contains("beyond the last"));
    }
}
