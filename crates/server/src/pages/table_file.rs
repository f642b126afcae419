//! A table offered as a file, for a spreadsheet or another tool: CSV or Excel, numbers as
//! numbers, and text a spreadsheet would run as a formula kept from running — in CSV behind an
//! apostrophe, in Excel as a text cell. The explorer's exports, the Top Ten's and the
//! initiatives' use it.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};
use throughline_ingest::rejects::guard;

use crate::AppError;
use crate::error::PageError;

/// A cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Text(String),
    Number(f64),
    Blank,
}

impl Cell {
    pub fn text(value: Option<&str>) -> Self {
        value.map_or(Self::Blank, |v| Self::Text(v.to_owned()))
    }

    pub fn number(value: Option<f64>) -> Self {
        value.map_or(Self::Blank, Self::Number)
    }

    /// As a CSV field: text guarded against formulas; numbers as written.
    pub fn csv(&self) -> String {
        match self {
            Self::Text(t) => guard(t).into_owned(),
            Self::Number(n) => n.to_string(),
            Self::Blank => String::new(),
        }
    }
}

/// The two files a table is offered as.
#[derive(Debug, Clone, Copy)]
pub(super) enum FileKind {
    Csv,
    Xlsx,
}

/// An exported table: its file's name (without the extension), its columns and rows.
pub(super) struct Table {
    pub name: String,
    pub header: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn answer(&self, kind: FileKind) -> Result<Response, PageError> {
        let (body, content_type, extension) = match kind {
            FileKind::Csv => (self.csv()?, "text/csv; charset=utf-8", "csv"),
            FileKind::Xlsx => (
                self.xlsx()?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
        };
        Ok((
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.{extension}\"", self.name),
                ),
            ],
            body,
        )
            .into_response())
    }

    fn csv(&self) -> Result<Vec<u8>, PageError> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(self.header).map_err(csv_error)?;
        for row in &self.rows {
            out.write_record(row.iter().map(Cell::csv))
                .map_err(csv_error)?;
        }
        out.into_inner()
            .map_err(|e| csv_error(e.into_error().into()))
    }

    /// One worksheet, the header in bold and frozen; text always a text cell (never a
    /// formula), numbers as numbers. Excel holds 1,048,576 rows: more is refused with the
    /// reason, the CSV file has no such limit.
    fn xlsx(&self) -> Result<Vec<u8>, PageError> {
        const EXCEL_ROWS: usize = 1_048_575;
        if self.rows.len() > EXCEL_ROWS {
            return Err(AppError::Invalid(format!(
                "{} rows are more than an Excel sheet holds ({EXCEL_ROWS}): narrow the filters, \
                 or download the CSV file",
                self.rows.len()
            ))
            .into());
        }
        let failed = |e: rust_xlsxwriter::XlsxError| -> PageError {
            AppError::Internal(format!("cannot write the Excel file: {e}")).into()
        };
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = workbook.add_worksheet();
        // A sheet's name holds at most 31 characters ("top-ten-2026-01-01-to-2026-03-31" has
        // 32): the file keeps the whole name.
        let sheet_name: String = self.name.chars().take(31).collect();
        sheet.set_name(&sheet_name).map_err(failed)?;
        for (col, name) in self.header.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, *name, &bold)
                .map_err(failed)?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            let r = (i + 1) as u32;
            for (col, cell) in row.iter().enumerate() {
                let c = col as u16;
                match cell {
                    Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                    Cell::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                    Cell::Blank => Ok(()),
                }
                .map_err(failed)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        workbook.save_to_buffer().map_err(failed)
    }
}

fn csv_error(err: csv::Error) -> PageError {
    AppError::Internal(format!("cannot write the CSV file: {err}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_holds_formulas_as_text_and_numbers_as_numbers() {
        let table = Table {
            name: "top-ten-2026-01-01-to-2026-03-31".to_owned(),
            header: &["label", "records", "note"],
            rows: vec![vec![
                Cell::Text("=1+1".to_owned()),
                Cell::Number(42.0),
                Cell::Blank,
            ]],
        };
        let path =
            std::env::temp_dir().join(format!("throughline-export-{}.xlsx", std::process::id()));
        std::fs::write(&path, table.xlsx().unwrap()).unwrap();
        let mut sheet = throughline_ingest::xlsx::XlsxRows::open(&path).unwrap();
        let row = sheet.next_row().unwrap().unwrap();
        let _ = std::fs::remove_file(&path);
        // A formula would read back as its value (2); text reads back as it was typed.
        assert_eq!(row.cells[0], ("label".to_owned(), "=1+1".to_owned()));
        assert_eq!(row.cells[1], ("records".to_owned(), "42".to_owned()));
        assert_eq!(
            table.rows[0].iter().map(Cell::csv).collect::<Vec<_>>(),
            ["'=1+1", "42", ""]
        );
    }
}
