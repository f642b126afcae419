//! Reading a small fixed-column file — customer events, KPI values — the way feedback files are
//! read: CSV, JSON Lines or Excel; columns found by name in any case; every row that cannot be
//! read goes to the rejects file with its line and reason, and the rest is kept.
//!
//! What a row means is the caller's: [`read_table`] hands each row's cells to a converter that
//! returns the value or the [`Rejection`].

use std::path::{Path, PathBuf};

use crate::convert::Rejection;
use crate::formats::{Format, ReadError, Reader};
use crate::rejects::{RejectsWriter, default_path};

/// What reading a table gave.
#[derive(Debug)]
pub struct Table<T> {
    pub values: Vec<T>,
    pub rows_read: u64,
    /// Rejected rows, each with its line and reason, in file order.
    pub rejected: Vec<Rejection>,
    /// Where the rejected rows were written, when any was.
    pub rejects_path: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(
        "{path}: no column {missing:?}; {what} has the columns {expected}; its columns are: {found}"
    )]
    MissingColumn {
        path: String,
        missing: &'static str,
        what: &'static str,
        expected: String,
        found: String,
    },
    #[error("cannot write the rejects file {path}: {source}")]
    Rejects {
        path: String,
        source: std::io::Error,
    },
}

/// One row as the converter sees it: its line and its cells by the column names asked for.
#[derive(Debug)]
pub struct Row<'a> {
    pub line: u64,
    cells: &'a [(String, String)],
    /// The file's name of each column asked for (required, then optional), `None` when absent.
    columns: &'a [Option<String>],
    wanted: &'a [&'static str],
}

impl Row<'_> {
    /// The trimmed value of the column asked for as `name`; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        let Some(Some(column)) = self
            .wanted
            .iter()
            .position(|w| *w == name)
            .map(|i| &self.columns[i])
        else {
            return "";
        };
        self.cells
            .iter()
            .find(|(c, _)| c == column)
            .map_or("", |(_, v)| v.trim())
    }

    /// A rejection of this row for the column asked for as `name` (named as the file names it).
    pub fn reject(&self, name: &str, reason: impl Into<String>) -> Rejection {
        let column = self
            .wanted
            .iter()
            .position(|w| *w == name)
            .and_then(|i| self.columns[i].clone());
        Rejection {
            line: self.line,
            column,
            reason: reason.into(),
        }
    }
}

/// The columns a table must have and may have, and what a file of it is called in messages.
#[derive(Debug)]
pub struct Layout {
    pub what: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
}

/// Reads every row of `path` through `convert`; rejected rows go to `rejects` (default
/// `NAME.rejects.csv` beside the file).
pub fn read_table<T>(
    path: &Path,
    rejects: Option<PathBuf>,
    layout: &Layout,
    mut convert: impl FnMut(&Row<'_>) -> Result<T, Rejection>,
) -> Result<Table<T>, TableError> {
    let format = Format::from_path(path).unwrap_or(Format::Csv);
    let reader = Reader::open(path, format)?;
    let file_columns = reader.columns().to_vec();
    let find = |name: &str| {
        file_columns
            .iter()
            .find(|c| c.trim().eq_ignore_ascii_case(name))
            .cloned()
    };
    let wanted: Vec<&'static str> = layout
        .required
        .iter()
        .chain(layout.optional)
        .copied()
        .collect();
    let mut columns = Vec::new();
    for name in &wanted {
        let found = find(name);
        if found.is_none() && layout.required.contains(name) {
            return Err(TableError::MissingColumn {
                path: path.display().to_string(),
                missing: name,
                what: layout.what,
                expected: layout.required.join(", "),
                found: file_columns.join(", "),
            });
        }
        columns.push(found);
    }
    let rejects_path = rejects.unwrap_or_else(|| default_path(path, format));
    let rejects_error = |source| TableError::Rejects {
        path: rejects_path.display().to_string(),
        source,
    };
    let mut writer = RejectsWriter::new(rejects_path.clone(), format, &file_columns);
    let mut out = Table {
        values: Vec::new(),
        rows_read: 0,
        rejected: Vec::new(),
        rejects_path: None,
    };
    for raw in reader {
        let raw = raw?;
        out.rows_read += 1;
        let row = Row {
            line: raw.line,
            cells: &raw.cells,
            columns: &columns,
            wanted: &wanted,
        };
        let result = match &raw.problem {
            Some(problem) => Err(Rejection {
                line: raw.line,
                column: None,
                reason: problem.clone(),
            }),
            None => convert(&row),
        };
        match result {
            Ok(value) => out.values.push(value),
            Err(rejection) => {
                writer.write(&raw, &rejection).map_err(rejects_error)?;
                out.rejected.push(rejection);
            }
        }
    }
    out.rejects_path = writer.finish().map_err(rejects_error)?;
    Ok(out)
}
