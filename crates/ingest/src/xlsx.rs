//! Excel workbooks (`.xlsx`, `.xlsm`): the first sheet, its first non-empty row as the header.
//!
//! The sheet is streamed cell by cell (calamine's cell reader) on a thread of its own, which
//! hands rows over a small bounded channel: memory stays flat however long the sheet is (the
//! workbook's shared-string table, which Excel keeps in one part, is the exception). Numbers
//! that are whole print without a decimal point (`9`, not `9.0`) and date cells become ISO
//! dates, so a sheet imports exactly as the same data saved as CSV.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use calamine::{DataRef, Reader as _, Xlsx, open_workbook};

use crate::rows::{RawRow, ReadError, io_error, unique_columns};

#[derive(Debug)]
enum Message {
    Header { columns: Vec<String>, rows: u64 },
    Row(Result<RawRow, ReadError>),
}

/// Reading threads not yet ended, in this process.
static READING: AtomicUsize = AtomicUsize::new(0);

/// Counts a reading thread in [`READING`] while it runs.
struct Reading;

impl Reading {
    fn started() -> Self {
        READING.fetch_add(1, Ordering::SeqCst);
        Self
    }
}

impl Drop for Reading {
    fn drop(&mut self) {
        READING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The rows of a sheet, as they arrive from the reading thread.
#[derive(Debug)]
pub struct XlsxRows {
    rows: Receiver<Message>,
    /// The reading thread, joined when the rows are dropped: nothing of a file outlives its
    /// reading (the fuzzer's leak check found the thread of a refused file still ending).
    reader: Option<JoinHandle<()>>,
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
        let reader = std::thread::Builder::new()
            .name("xlsx-reader".to_owned())
            .spawn(move || {
                let _alive = Reading::started();
                if let Err(err) = read_sheet(&owned, &thread_name, &sender) {
                    let _ = sender.send(Message::Row(Err(err)));
                }
            })
            .map_err(|e| io_error(&name, e))?;
        let refused = match rows.recv() {
            Ok(Message::Header {
                columns,
                rows: total,
            }) => {
                return Ok(Self {
                    rows,
                    reader: Some(reader),
                    columns,
                    total_rows: total,
                    last_row: 0,
                });
            }
            Ok(Message::Row(Err(err))) => err,
            Ok(Message::Row(Ok(_))) | Err(_) => ReadError::Empty { path: name },
        };
        // The thread has said all it will (an error, or nothing): let it end.
        drop(rows);
        let _ = reader.join();
        Err(refused)
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

impl Drop for XlsxRows {
    /// Stops the reading thread (its next send fails once the rows are gone) and waits for it.
    fn drop(&mut self) {
        let (_, closed) = sync_channel(0);
        drop(std::mem::replace(&mut self.rows, closed));
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// Reads the first sheet, sending the header and then each non-empty row. Returns early,
/// quietly, when the receiving side has gone (the import stopped).
fn read_sheet(path: &Path, name: &str, out: &SyncSender<Message>) -> Result<(), ReadError> {
    check_parts(path, name)?;
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
    // The row being read: its number, its values up to the header's width, and whether a value
    // lies beyond the header (kept as a flag, not as cells: a cell at column XFD of every row
    // must not make every row 16,384 strings).
    let mut current: Option<(u32, Vec<String>, bool)> = None;
    // Sends a finished row; the first non-empty row is the header.
    let flush =
        |row: u32, values: Vec<String>, beyond: bool, columns: &mut Option<Vec<String>>| -> bool {
            if values.iter().all(|v| v.trim().is_empty()) && !beyond {
                return true;
            }
            let message = match columns {
                None => {
                    let header =
                        unique_columns(values.iter().map(|v| v.trim().to_owned()).collect());
                    *columns = Some(header.clone());
                    Message::Header {
                        columns: header,
                        rows: total,
                    }
                }
                Some(columns) => {
                    Message::Row(Ok(sheet_row(u64::from(row) + 1, columns, values, beyond)))
                }
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
        if column >= EXCEL_COLUMNS || row >= EXCEL_ROWS {
            return Err(ReadError::Io {
                path: name.to_owned(),
                reason: format!(
                    "a cell lies at row {}, column {}, beyond Excel's last row (1,048,576) or \
                     column (XFD, 16,384): the workbook is damaged or was not written by a \
                     spreadsheet",
                    u64::from(row) + 1,
                    u64::from(column) + 1
                ),
            });
        }
        if current.as_ref().is_some_and(|(r, _, _)| *r != row) {
            let (r, values, beyond) = current.take().expect("checked above");
            if !flush(r, values, beyond, &mut columns) {
                return Ok(());
            }
        }
        let (_, values, beyond) = current.get_or_insert_with(|| (row, Vec::new(), false));
        let column = column as usize;
        let text = cell_text(cell.get_value());
        if columns.as_ref().is_some_and(|c| column >= c.len()) {
            *beyond |= !text.trim().is_empty();
            continue;
        }
        if values.len() <= column {
            values.resize(column + 1, String::new());
        }
        values[column] = text;
    }
    if let Some((r, values, beyond)) = current.take() {
        flush(r, values, beyond, &mut columns);
    }
    if columns.is_none() {
        return Err(ReadError::Empty {
            path: name.to_owned(),
        });
    }
    Ok(())
}

fn sheet_row(line: u64, columns: &[String], mut values: Vec<String>, beyond: bool) -> RawRow {
    let beyond = beyond
        || values
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

/// Excel's last column (XFD) and row: a cell beyond them is no spreadsheet's.
const EXCEL_COLUMNS: u32 = 16_384;
const EXCEL_ROWS: u32 = 1_048_576;
/// The longest text between two XML tags a workbook may hold: a cell holds at most 32,767
/// characters, which with XML's escapes stay well under this.
const MAX_VALUE_BYTES: u64 = 4 * 1024 * 1024;
/// The shared strings are read into memory whole (calamine keeps them for the cells to point
/// at), so they may expand to at most this many times the file's size, or this floor.
const MAX_SHARED_STRINGS_RATIO: u64 = 64;
const SHARED_STRINGS_FLOOR: u64 = 64 * 1024 * 1024;

/// Reads every part of the workbook once, decompressing as a stream (nothing held), before
/// calamine reads it: a value longer than any cell's, shared strings that expand far beyond the
/// file's size (a zip bomb), or a string count the table cannot hold (calamine reserves room
/// for the count it declares) make the workbook refused, with what was wrong, instead of
/// driving the import out of memory.
fn check_parts(path: &Path, name: &str) -> Result<(), ReadError> {
    use std::io::Read;

    let refuse = |reason: String| ReadError::Io {
        path: name.to_owned(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| io_error(name, e))?;
    let file_size = file.metadata().map_err(|e| io_error(name, e))?.len();
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| refuse(format!("not a readable Excel workbook ({e})")))?;
    let mut buffer = vec![0u8; 64 * 1024];
    for index in 0..zip.len() {
        let mut part = zip
            .by_index(index)
            .map_err(|e| refuse(format!("not a readable Excel workbook ({e})")))?;
        let part_name = part
            .name()
            .map_or_else(|_| format!("number {index}"), |n| n.into_owned());
        let shared_strings = part_name.ends_with("sharedStrings.xml");
        let (mut total, mut run, mut longest) = (0u64, 0u64, 0u64);
        let mut declared_count: Option<u64> = None;
        let mut head = Vec::new();
        loop {
            let read = part
                .read(&mut buffer)
                .map_err(|e| refuse(format!("the part {part_name} cannot be read ({e})")))?;
            if read == 0 {
                break;
            }
            let chunk = &buffer[..read];
            if shared_strings && head.len() < 4096 {
                head.extend_from_slice(&chunk[..chunk.len().min(4096 - head.len())]);
            }
            total += read as u64;
            for &byte in chunk {
                if byte == b'<' || byte == b'>' {
                    longest = longest.max(run);
                    run = 0;
                } else {
                    run += 1;
                }
            }
            longest = longest.max(run);
            if longest > MAX_VALUE_BYTES {
                return Err(refuse(format!(
                    "the part {part_name} holds a value of more than {} MB; a cell holds at most \
                     32,767 characters",
                    MAX_VALUE_BYTES / (1024 * 1024)
                )));
            }
            let limit =
                SHARED_STRINGS_FLOOR.max(file_size.saturating_mul(MAX_SHARED_STRINGS_RATIO));
            if shared_strings && total > limit {
                return Err(refuse(format!(
                    "the shared strings expand to more than {} MB, over {MAX_SHARED_STRINGS_RATIO} \
                     times the file's size: refused as a compression bomb",
                    limit / (1024 * 1024)
                )));
            }
        }
        if shared_strings {
            declared_count = unique_count(&head);
        }
        // A string takes at least `<si><t/></si>`, 13 bytes.
        if let Some(count) = declared_count
            && count > total / 13 + 1
        {
            return Err(refuse(format!(
                "the shared strings declare {count} strings, more than their {total} bytes can \
                 hold"
            )));
        }
    }
    Ok(())
}

/// The `uniqueCount` the shared-string table declares in its opening tag.
fn unique_count(head: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    let start = text.find("<sst")?;
    let tag = &text[start
        ..text[start..]
            .find('>')
            .map_or(text.len(), |end| start + end)];
    let value = tag.split("uniqueCount=").nth(1)?;
    let value = value.trim_start_matches(['"', '\'']);
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    // A number too long for u64 is as hostile as a large one.
    Some(digits.parse().unwrap_or(u64::MAX)).filter(|_| !digits.is_empty())
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

    /// The fuzzer's leak check (CI, `read_xlsx`) found the thread of a refused file still ending
    /// after `open` had returned: a file's reading thread now ends before its rows do — refused
    /// at once (an empty file) or dropped half read. (No other test of this binary opens a
    /// workbook.)
    #[test]
    fn no_reading_thread_outlives_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.xlsx");
        std::fs::write(&empty, b"").unwrap();
        for _ in 0..20 {
            assert!(XlsxRows::open(&empty).is_err());
            assert_eq!(
                READING.load(Ordering::SeqCst),
                0,
                "a refused file's thread is still there"
            );
        }
        let survey = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/seeds/read_xlsx/survey.xlsx"
        );
        let mut rows = XlsxRows::open(Path::new(survey)).unwrap();
        assert!(rows.next_row().is_some());
        drop(rows);
        assert_eq!(
            READING.load(Ordering::SeqCst),
            0,
            "a dropped file's thread is still there"
        );
    }

    #[test]
    fn the_declared_string_count_is_read() {
        assert_eq!(
            unique_count(b"<?xml?><sst xmlns=\"x\" count=\"3\" uniqueCount=\"2\"><si>"),
            Some(2)
        );
        assert_eq!(
            unique_count(b"<sst uniqueCount=\"99999999999999999999999\">"),
            Some(u64::MAX)
        );
        assert_eq!(unique_count(b"<sst count=\"3\">"), None);
    }

    #[test]
    fn numbers_print_as_a_spreadsheet_user_sees_them() {
        assert_eq!(number_text(9.0), "9");
        assert_eq!(number_text(4.5), "4.5");
        assert_eq!(number_text(-3.0), "-3");
    }

    #[test]
    fn short_rows_are_padded_and_overlong_ones_flagged() {
        let columns = vec!["a".to_owned(), "b".to_owned()];
        let short = sheet_row(3, &columns, vec!["x".to_owned()], false);
        assert_eq!(short.get("b"), Some(""));
        assert!(short.problem.is_none());
        let long = sheet_row(4, &columns, vec!["x".into(), "y".into(), "z".into()], false);
        assert!(long.problem.unwrap().contains("beyond the last"));
        let flagged = sheet_row(5, &columns, vec!["x".into()], true);
        assert!(flagged.problem.unwrap().contains("beyond the last"));
        let long = sheet_row(4, &columns, vec!["x".into(), "y".into(), "z".into()], false);
        assert!(long.problem.unwrap().contains("beyond the last"));
    }
}
