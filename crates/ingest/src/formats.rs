//! Readers for import files, streaming one row at a time.
//!
//! CSV: the delimiter (`,` `;` tab `|`) is sniffed from the header line; a UTF-8 byte-order mark,
//! quoted newlines and Windows line endings are handled by the `csv` crate. A row whose number
//! of fields differs from the header (usually broken quoting) comes back with a `problem`, to be
//! rejected, while the following rows still load. A file that is not UTF-8 stops the import
//! with an error naming the line: guessing an encoding would silently corrupt customers' words.
//!
//! JSON Lines: one object per line; its keys are the columns. Blank lines are skipped.
//!
//! Excel: see [`crate::xlsx`].

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

pub use crate::rows::{RawRow, ReadError};
use crate::rows::{io_error, unique_columns};
use crate::xlsx::XlsxRows;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    Xlsx,
}

impl Format {
    /// The format named by the file's extension, if it names one.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Self::Csv),
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            "xlsx" | "xlsm" => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub fn parse(name: &str) -> Result<Self, ReadError> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "jsonl" | "ndjson" => Ok(Self::Jsonl),
            "xlsx" | "xlsm" | "excel" => Ok(Self::Xlsx),
            other => Err(ReadError::UnknownFormat(other.to_owned())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
            Self::Xlsx => "xlsx",
        }
    }
}

/// A row as [`Reader::next_unread`] hands it over: decoded, or a CSV record still to decode.
#[derive(Debug)]
pub(crate) enum Unread {
    Row(RawRow),
    Csv { line: u64, record: csv::ByteRecord },
}

/// Decodes CSV records into rows (see [`Reader::next_unread`]).
#[derive(Debug, Clone)]
pub struct Decoder {
    path: String,
    columns: Vec<String>,
}

impl Decoder {
    pub(crate) fn row(&self, unread: Unread) -> Result<RawRow, ReadError> {
        let (line, record) = match unread {
            Unread::Row(row) => return Ok(row),
            Unread::Csv { line, record } => (line, record),
        };
        let columns = &self.columns;
        let mut raw = Vec::with_capacity(record.len());
        for field in &record {
            match std::str::from_utf8(field) {
                Ok(text) => raw.push(text.to_owned()),
                Err(_) => {
                    return Err(ReadError::NotUtf8 {
                        path: self.path.clone(),
                        line,
                    });
                }
            }
        }
        let problem = (raw.len() != columns.len()).then(|| {
            format!(
                "expected {} fields, found {} (broken quoting or a stray delimiter?)",
                columns.len(),
                raw.len()
            )
        });
        // A good row's fields are its cells' values, held once; a broken row keeps them as read.
        let (cells, raw) = if problem.is_some() {
            (
                columns.iter().cloned().zip(raw.iter().cloned()).collect(),
                raw,
            )
        } else {
            (columns.iter().cloned().zip(raw).collect(), Vec::new())
        };
        Ok(RawRow {
            line,
            cells,
            raw,
            problem,
        })
    }
}

/// A streaming reader over an import file.
#[derive(Debug)]
pub enum Reader {
    Csv {
        /// The file's name and columns, which decode its records.
        decoder: Decoder,
        reader: csv::Reader<BufReader<File>>,
        lines: LineCounter,
        size: u64,
    },
    Jsonl {
        path: String,
        lines: std::io::Lines<BufReader<File>>,
        line: u64,
        columns: Vec<String>,
        /// The lines read ahead to learn the columns: up to the first that is a JSON object
        /// (the ones before it are handed over as they are, to be rejected by line).
        first: std::collections::VecDeque<RawRow>,
        bytes: u64,
        size: u64,
    },
    Xlsx(XlsxRows),
}

/// How many lines of a JSON Lines file are read to find the first object (its keys are the
/// columns).
const JSONL_LOOKAHEAD: usize = 100;

impl Reader {
    pub fn open(path: &Path, format: Format) -> Result<Self, ReadError> {
        let name = path.display().to_string();
        let open = || File::open(path).map_err(|e| io_error(&name, e));
        match format {
            Format::Csv => {
                let delimiter = sniff_delimiter(open()?).map_err(|e| io_error(&name, e))?;
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .flexible(true)
                    .has_headers(true)
                    .from_reader(BufReader::with_capacity(1 << 16, open()?));
                let headers = reader
                    .byte_headers()
                    .map_err(|e| io_error(&name, e))?
                    .clone();
                if headers.is_empty() {
                    return Err(ReadError::Empty { path: name });
                }
                let columns = unique_columns(
                    headers
                        .iter()
                        .map(|h| {
                            std::str::from_utf8(h)
                                .map(|s| s.trim_start_matches('\u{feff}').trim().to_owned())
                                .map_err(|_| ReadError::NotUtf8 {
                                    path: name.clone(),
                                    line: 1,
                                })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                );
                let lines = LineCounter::new(open()?);
                Ok(Self::Csv {
                    size: file_size(path),
                    decoder: Decoder {
                        path: name,
                        columns,
                    },
                    reader,
                    lines,
                })
            }
            Format::Jsonl => {
                let mut reader = Self::Jsonl {
                    lines: BufReader::with_capacity(1 << 16, open()?).lines(),
                    path: name.clone(),
                    line: 0,
                    columns: Vec::new(),
                    first: Default::default(),
                    bytes: 0,
                    size: file_size(path),
                };
                // The columns are the keys of the first line that is a JSON object: a broken
                // first line is rejected by its line like any other, not taken for a file
                // without columns.
                let mut ahead = std::collections::VecDeque::new();
                let columns = loop {
                    match reader.next_row() {
                        Some(Ok(row)) if row.problem.is_none() => {
                            let columns = row.cells.iter().map(|(c, _)| c.clone()).collect();
                            ahead.push_back(row);
                            break columns;
                        }
                        Some(Ok(row)) if ahead.len() < JSONL_LOOKAHEAD => ahead.push_back(row),
                        Some(Ok(row)) => {
                            let first = ahead.front().unwrap_or(&row);
                            return Err(ReadError::Io {
                                path: name,
                                reason: format!(
                                    "not JSON Lines: none of the first {JSONL_LOOKAHEAD} lines \
                                     is a JSON object (line {}: {})",
                                    first.line,
                                    first.problem.as_deref().unwrap_or_default()
                                ),
                            });
                        }
                        Some(Err(err)) => return Err(err),
                        None => match ahead.front() {
                            Some(first) => {
                                return Err(ReadError::Io {
                                    path: name,
                                    reason: format!(
                                        "no line is a JSON object (line {}: {})",
                                        first.line,
                                        first.problem.as_deref().unwrap_or_default()
                                    ),
                                });
                            }
                            None => return Err(ReadError::Empty { path: name }),
                        },
                    }
                };
                if let Self::Jsonl {
                    columns: slot,
                    first,
                    ..
                } = &mut reader
                {
                    *slot = columns;
                    *first = ahead;
                }
                Ok(reader)
            }
            Format::Xlsx => XlsxRows::open(path).map(Self::Xlsx),
        }
    }

    /// How far the reading has got, as (done, total) in bytes of the file or, for a
    /// workbook, rows of the sheet.
    pub fn progress(&self) -> (u64, u64) {
        match self {
            Self::Csv { lines, size, .. } => (lines.offset, *size),
            Self::Jsonl { bytes, size, .. } => (*bytes, *size),
            Self::Xlsx(rows) => (rows.last_row, rows.total_rows),
        }
    }

    /// The columns the mapping is made from: the CSV header, or the keys of the first JSON
    /// object.
    pub fn columns(&self) -> &[String] {
        match self {
            Self::Csv { decoder, .. } => &decoder.columns,
            Self::Jsonl { columns, .. } => columns,
            Self::Xlsx(rows) => &rows.columns,
        }
    }

    pub(crate) fn next_row(&mut self) -> Option<Result<RawRow, ReadError>> {
        match self.next_unread()? {
            Ok(unread) => Some(self.decoding().row(unread)),
            Err(err) => Some(Err(err)),
        }
    }

    /// The next row, with a CSV record's decoding (UTF-8, cells) left to
    /// [`Decoder::row`] — which another thread can do while this one reads on.
    pub(crate) fn next_unread(&mut self) -> Option<Result<Unread, ReadError>> {
        match self {
            Self::Csv {
                decoder,
                reader,
                lines,
                ..
            } => {
                let path = &decoder.path;
                // Room for a typical row up front: grown from empty, a record's buffers were
                // reallocated several times per row, on the one thread that reads the file.
                let mut record = csv::ByteRecord::with_capacity(256, decoder.columns.len().max(1));
                match reader.read_byte_record(&mut record) {
                    Ok(false) => None,
                    Err(err) => Some(Err(io_error(path, err))),
                    Ok(true) => {
                        let byte = record.position().map_or(0, csv::Position::byte);
                        // After a CRLF the crate's record position is the `\n` of the previous
                        // terminator; counting through the position's byte covers both endings
                        // (a record never starts with a bare `\n`).
                        match lines.line_at(byte + 1) {
                            Ok(line) => Some(Ok(Unread::Csv { line, record })),
                            Err(err) => Some(Err(io_error(path, err))),
                        }
                    }
                }
            }
            Self::Jsonl {
                path,
                lines,
                line,
                first,
                bytes,
                ..
            } => {
                if let Some(row) = first.pop_front() {
                    return Some(Ok(Unread::Row(row)));
                }
                loop {
                    let text = match lines.next()? {
                        Ok(text) => text,
                        Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
                            return Some(Err(ReadError::NotUtf8 {
                                path: path.clone(),
                                line: *line + 1,
                            }));
                        }
                        Err(err) => return Some(Err(io_error(path, err))),
                    };
                    *line += 1;
                    *bytes += text.len() as u64 + 1;
                    if text.trim().is_empty() {
                        continue;
                    }
                    return Some(Ok(Unread::Row(json_row(*line, text))));
                }
            }
            Self::Xlsx(rows) => rows.next_row().map(|row| row.map(Unread::Row)),
        }
    }

    /// A decoder for this reader's rows, to decode them on other threads.
    pub(crate) fn decoder(&self) -> Decoder {
        self.decoding().clone()
    }

    fn decoding(&self) -> &Decoder {
        // Other formats hand over decoded rows, which any decoder passes through.
        static PASS_THROUGH: Decoder = Decoder {
            path: String::new(),
            columns: Vec::new(),
        };
        match self {
            Self::Csv { decoder, .. } => decoder,
            Self::Jsonl { .. } | Self::Xlsx(_) => &PASS_THROUGH,
        }
    }
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

impl Iterator for Reader {
    type Item = Result<RawRow, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

/// Line numbers from byte offsets. The csv crate's own line count is off by one after a CRLF
/// header, and people fix rejected rows by line number, so lines are counted here: a second
/// reader moves forward to each record's offset counting newlines (constant memory).
#[derive(Debug)]
pub struct LineCounter {
    reader: BufReader<File>,
    offset: u64,
    line: u64,
}

impl LineCounter {
    fn new(file: File) -> Self {
        Self {
            reader: BufReader::with_capacity(1 << 16, file),
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line holding byte `target`; targets must not decrease.
    fn line_at(&mut self, target: u64) -> std::io::Result<u64> {
        while self.offset < target {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                break;
            }
            let wanted = usize::try_from(target - self.offset).unwrap_or(usize::MAX);
            let take = buffer.len().min(wanted);
            self.line += buffer[..take].iter().filter(|&&b| b == b'\n').count() as u64;
            self.reader.consume(take);
            self.offset += take as u64;
        }
        Ok(self.line)
    }
}

/// A JSON object as a row: its keys are the columns; strings as they are, numbers and booleans
/// as written, `null` as empty.
pub fn object_row(
    line: u64,
    map: serde_json::Map<String, serde_json::Value>,
    raw: String,
) -> RawRow {
    RawRow {
        line,
        cells: map
            .into_iter()
            .map(|(key, value)| {
                let value = match value {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (key, value)
            })
            .collect(),
        raw: vec![raw],
        problem: None,
    }
}

fn json_row(line: u64, text: String) -> RawRow {
    let text = text.trim_start_matches('\u{feff}').to_owned();
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(map)) => object_row(line, map, text),
        Ok(_) => RawRow {
            line,
            cells: Vec::new(),
            raw: vec![text],
            problem: Some("the line is JSON but not an object".to_owned()),
        },
        Err(err) => RawRow {
            line,
            cells: Vec::new(),
            raw: vec![text],
            problem: Some(format!("invalid JSON: {err}")),
        },
    }
}

/// Picks the delimiter that occurs most often, outside quotes, in the header line.
fn sniff_delimiter(file: File) -> std::io::Result<u8> {
    let mut head = Vec::with_capacity(8192);
    file.take(64 * 1024).read_to_end(&mut head)?;
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut in_quotes = false;
    for &byte in &head {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(entry) = counts.iter_mut().find(|(d, _)| *d == byte) {
                    entry.1 += 1;
                }
            }
            _ => {}
        }
    }
    let best = counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .expect("four candidates");
    Ok(if best.1 == 0 { b',' } else { best.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn rows(path: &Path, format: Format) -> (Vec<String>, Vec<RawRow>) {
        let reader = Reader::open(path, format).unwrap();
        let columns = reader.columns().to_vec();
        (columns, reader.map(Result::unwrap).collect())
    }

    #[test]
    fn csv_quirks_bom_semicolons_crlf_and_quoted_newlines() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "survey.csv",
            "\u{feff}id;comment;nps\r\n1;\"Late again;\r\nsecond line\";3\r\n2;Fine;9\r\n"
                .as_bytes(),
        );
        let (columns, rows) = rows(&path, Format::Csv);
        assert_eq!(columns, ["id", "comment", "nps"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("comment"), Some("Late again;\r\nsecond line"));
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            rows[1].line, 4,
            "the quoted newline moved the next row down a line"
        );
        assert!(rows.iter().all(|r| r.problem.is_none()));
    }

    #[test]
    fn tabs_are_sniffed_and_short_rows_are_flagged_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "t.tsv",
            b"id\tcomment\tnps\n1\tok\t9\n2\tbroken\n3\tfine\t10\n",
        );
        let (_, rows) = rows(&path, Format::Csv);
        assert_eq!(rows.len(), 3);
        assert!(
            rows[1]
                .problem
                .as_deref()
                .unwrap()
                .contains("expected 3 fields, found 2")
        );
        assert!(rows[2].problem.is_none());
    }

    #[test]
    fn a_non_utf8_file_is_a_clear_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "latin1.csv", b"id,comment\n1,ok\n2,caf\xe9\n");
        let results: Vec<_> = Reader::open(&path, Format::Csv).unwrap().collect();
        let err = results[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("line 3 is not valid UTF-8"), "{err}");
    }

    #[test]
    fn json_lines_with_blank_and_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "f.jsonl",
            b"{\"id\": \"a\", \"comment\": \"Great\", \"nps\": 10, \"extra\": {\"x\": 1}}\n\n{not json\n[1,2]\n{\"id\": \"b\", \"nps\": null}\n",
        );
        let (columns, rows) = rows(&path, Format::Jsonl);
        assert_eq!(columns, ["id", "comment", "nps", "extra"]);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].get("nps"), Some("10"));
        assert_eq!(rows[0].get("extra"), Some("{\"x\":1}"));
        assert_eq!(rows[1].line, 3);
        assert!(
            rows[1]
                .problem
                .as_deref()
                .unwrap()
                .starts_with("invalid JSON")
        );
        assert!(
            rows[2]
                .problem
                .as_deref()
                .unwrap()
                .contains("not an object")
        );
        assert_eq!(rows[3].get("nps"), Some(""));
    }

    #[test]
    fn a_broken_first_json_line_is_rejected_by_its_line_not_taken_for_no_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "f.jsonl",
            b"{\"comment\": \"cut\", \"nps\": 3\n\n{\"comment\": \"Fine\", \"nps\": 9}\n",
        );
        let (columns, rows) = rows(&path, Format::Jsonl);
        assert_eq!(columns, ["comment", "nps"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 1);
        assert!(
            rows[0]
                .problem
                .as_deref()
                .unwrap()
                .starts_with("invalid JSON")
        );
        assert_eq!((rows[1].line, rows[1].get("nps")), (3, Some("9")));

        let none = write(&dir, "g.jsonl", b"nope\n[1]\n");
        let err = Reader::open(&none, Format::Jsonl).unwrap_err().to_string();
        assert!(
            err.contains("no line is a JSON object (line 1: invalid JSON"),
            "{err}"
        );
    }

    #[test]
    fn line_numbers_count_quoted_newlines_with_either_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        for ending in ["\n", "\r\n"] {
            let text = ["a,b", "1,2", "3,\"4", "5\"", "6,7", ""].join(ending);
            let path = write(&dir, "lines.csv", text.as_bytes());
            let (_, rows) = rows(&path, Format::Csv);
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3, 5], "line ending {ending:?}");
        }
    }

    #[test]
    fn formats_come_from_extensions() {
        assert_eq!(Format::from_path(Path::new("a.CSV")), Some(Format::Csv));
        assert_eq!(
            Format::from_path(Path::new("a.ndjson")),
            Some(Format::Jsonl)
        );
        assert_eq!(Format::from_path(Path::new("a.xlsx")), Some(Format::Xlsx));
        assert_eq!(Format::from_path(Path::new("a.pdf")), None);
        let e = (Format::parse("parquet")).unwrap_err().to_string();
        assert!(e.contains("use csv, jsonl or xlsx"), "{e}");
    }

    #[test]
    fn duplicate_and_empty_headers_become_unique() {
        assert_eq!(
            unique_columns(vec!["a".into(), "".into(), "a".into()]),
            ["a", "column 2", "a (2)"]
        );
    }
}
