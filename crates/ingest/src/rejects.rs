//! The rejects file: every rejected row as it was read, plus a `reason` column, so that it can
//! be fixed and imported again. Created only when a row is rejected.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::convert::Rejection;
use crate::formats::{Format, RawRow};

/// `survey.csv` → `survey.rejects.csv`, beside the input.
pub fn default_path(input: &Path, format: Format) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned());
    // A workbook's rejects are written as CSV, which every spreadsheet opens.
    let ext = match format {
        Format::Csv | Format::Xlsx => "csv",
        Format::Jsonl => "jsonl",
    };
    input.with_file_name(format!("{stem}.rejects.{ext}"))
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
/// first: "=cmd|' /C calc'!A0") is written behind an apostrophe, which spreadsheets read as
/// "this is text"; importing the rejects file again takes the apostrophe off ([`unguard`]).
pub fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell of a rejects file as it was before [`guard`]: an apostrophe before a formula's first
/// character is taken off.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// The column a rejects file adds.
pub const REASON_COLUMN: &str = "reason";

/// Whether `path` is a rejects file, `survey.rejects.csv` (or `.jsonl`) as [`default_path`]
/// names them.
pub fn is_rejects_file(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.ends_with(".rejects"))
}

#[derive(Debug)]
pub struct RejectsWriter {
    path: PathBuf,
    format: Format,
    columns: Vec<String>,
    out: Option<Output>,
    count: u64,
}

#[derive(Debug)]
enum Output {
    Csv(Box<csv::Writer<File>>),
    Jsonl(BufWriter<File>),
}

impl RejectsWriter {
    pub fn new(path: PathBuf, format: Format, columns: &[String]) -> Self {
        Self {
            path,
            format,
            columns: columns.to_vec(),
            out: None,
            count: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn write(&mut self, row: &RawRow, rejection: &Rejection) -> std::io::Result<()> {
        let reason = match &rejection.column {
            Some(column) => format!(
                "line {}, column {column}: {}",
                rejection.line, rejection.reason
            ),
            None => format!("line {}: {}", rejection.line, rejection.reason),
        };
        let out = match &mut self.out {
            Some(out) => out,
            None => {
                let file = File::create(&self.path)?;
                let mut out = match self.format {
                    Format::Csv | Format::Xlsx => Output::Csv(Box::new(
                        csv::WriterBuilder::new().flexible(true).from_writer(file),
                    )),
                    Format::Jsonl => Output::Jsonl(BufWriter::new(file)),
                };
                if let Output::Csv(writer) = &mut out {
                    let mut header: Vec<String> =
                        self.columns.iter().map(|c| guard(c).into_owned()).collect();
                    header.push(REASON_COLUMN.to_owned());
                    writer.write_record(&header)?;
                }
                self.out.insert(out)
            }
        };
        match out {
            Output::Csv(writer) => {
                // Pad a short row so that the reason lands under the `reason` header.
                let mut record: Vec<String> = row
                    .raw_fields()
                    .into_iter()
                    .map(|cell| match guard(&cell) {
                        std::borrow::Cow::Borrowed(_) => cell,
                        std::borrow::Cow::Owned(guarded) => guarded,
                    })
                    .collect();
                if record.len() < self.columns.len() {
                    record.resize(self.columns.len(), String::new());
                }
                record.push(guard(&reason).into_owned());
                writer.write_record(&record)?;
            }
            Output::Jsonl(writer) => {
                let original = row.raw.first().map(String::as_str).unwrap_or_default();
                let value = match serde_json::from_str::<serde_json::Value>(original) {
                    Ok(serde_json::Value::Object(mut map)) => {
                        map.insert(REASON_COLUMN.to_owned(), reason.into());
                        serde_json::Value::Object(map)
                    }
                    _ => serde_json::json!({ "line": original, "reason": reason }),
                };
                writeln!(writer, "{value}")?;
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Flushes the file. Returns its path when any row was rejected.
    pub fn finish(self) -> std::io::Result<Option<PathBuf>> {
        match self.out {
            None => Ok(None),
            Some(Output::Csv(mut writer)) => {
                writer.flush()?;
                Ok(Some(self.path))
            }
            Some(Output::Jsonl(mut writer)) => {
                writer.flush()?;
                Ok(Some(self.path))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{guard, unguard};

    #[test]
    fn formulas_are_written_as_text_and_read_back_as_they_were() {
        for cell in ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let guarded = guard(cell);
            assert_eq!(guarded, format!("'{cell}"));
            assert_eq!(unguard(&guarded), cell);
        }
        for cell in ["plain", "", "'quoted", "it's = fine", "9"] {
            assert_eq!(guard(cell), cell);
            assert_eq!(unguard(cell), cell);
        }
    }
}
