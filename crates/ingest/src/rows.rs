//! What every file reader yields — one [`RawRow`] at a time, or a [`ReadError`] that stops the
//! import — and the helpers the readers (`formats` for CSV and JSON Lines, `xlsx` for Excel)
//! share. Both readers depend on this module; neither on the other's internals.

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("unknown format {0:?}: use csv, jsonl or xlsx")]
    UnknownFormat(String),
    #[error("cannot read {path}: {reason}")]
    Io { path: String, reason: String },
    #[error(
        "{path}: line {line} is not valid UTF-8; save the file as UTF-8 (for example \
         `iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv`) and import it again"
    )]
    NotUtf8 { path: String, line: u64 },
    #[error("{path} is empty: it has no header row")]
    Empty { path: String },
}

/// One row as read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// The line of the file where the row starts (1 = the first line).
    pub line: u64,
    /// Column name and value, in the file's order.
    pub cells: Vec<(String, String)>,
    /// The row exactly as its fields were read, for the rejects file, when that is not simply
    /// the cells' values (empty then: a million good rows are not held twice). See
    /// [`RawRow::raw_fields`].
    pub raw: Vec<String>,
    /// Why the row could not be read as a row, if it could not.
    pub problem: Option<String>,
}

impl RawRow {
    /// The row's fields as read.
    pub fn raw_fields(&self) -> Vec<String> {
        if self.raw.is_empty() {
            self.cells.iter().map(|(_, v)| v.clone()).collect()
        } else {
            self.raw.clone()
        }
    }

    pub fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn io_error(path: &str, err: impl std::fmt::Display) -> ReadError {
    ReadError::Io {
        path: path.to_owned(),
        reason: err.to_string(),
    }
}

/// Headers must be unique to be mapped: a second `comment` becomes `comment (2)`, an empty
/// header `column 3`. Linear in the number of headers (a set of the names taken): a header of
/// 100,000 columns took 17 s when each name was searched for among the ones before it.
pub(crate) fn unique_columns(headers: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(headers.len());
    let mut taken: std::collections::HashSet<String> =
        std::collections::HashSet::with_capacity(headers.len());
    for (i, header) in headers.into_iter().enumerate() {
        let base = if header.is_empty() {
            format!("column {}", i + 1)
        } else {
            header
        };
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        taken.insert(name.clone());
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unique_columns;

    #[test]
    fn repeated_and_empty_headers_get_names_of_their_own() {
        let names = unique_columns(
            ["comment", "", "comment", "comment (2)", "comment", ""]
                .map(str::to_owned)
                .to_vec(),
        );
        assert_eq!(
            names,
            [
                "comment",
                "column 2",
                "comment (2)",
                "comment (2) (2)",
                "comment (3)",
                "column 6"
            ]
        );
    }

    #[test]
    fn a_hundred_thousand_columns_are_named_in_one_pass() {
        let mut headers: Vec<String> = (0..100_000).map(|i| format!("q{}", i % 50_000)).collect();
        headers.extend(std::iter::repeat_n(String::new(), 1_000));
        let names = unique_columns(headers);
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), 101_000);
        assert_eq!(names[50_000], "q0 (2)");
    }
}
