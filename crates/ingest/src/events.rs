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

use crate::dates::parse_timestamp;
use crate::table::{Layout, Table, TableError, read_table};

/// The columns of an events file.
pub const LAYOUT: Layout = Layout {
    what: "an events file",
    required: &["customer", "event", "date"],
    optional: &["id"],
};

/// Reads every event of `path`; rejected rows go to `rejects` (default `NAME.rejects.csv`).
pub fn read_events(path: &Path, rejects: Option<PathBuf>) -> Result<Table<NewEvent>, TableError> {
    let mut seen: HashMap<(String, String, String), u32> = HashMap::new();
    read_table(path, rejects, &LAYOUT, |row| {
        let customer = row.get("customer");
        if customer.is_empty() {
            return Err(row.reject("customer", "the customer is empty"));
        }
        if customer.chars().count() > 200 {
            return Err(row.reject("customer", "the customer is longer than 200 characters"));
        }
        let kind_text = row.get("event").to_lowercase();
        let kind = Key::parse(&kind_text).map_err(|e| {
            row.reject(
                "event",
                format!("{e} (an event kind is a word such as order, delivery, contact)"),
            )
        })?;
        let date = row.get("date");
        let occurred_at = parse_timestamp(date).map_err(|e| row.reject("date", e))?;
        let dedup_key = match row.get("id") {
            "" => {
                let triple = (customer.to_owned(), kind_text.clone(), date.to_owned());
                let n = seen.entry(triple).or_default();
                *n += 1;
                format!("{customer}\u{1f}{kind_text}\u{1f}{date}\u{1f}{n}")
            }
            id => format!("id:{id}"),
        };
        Ok(NewEvent {
            customer: customer.to_owned(),
            kind,
            occurred_at,
            dedup_key,
        })
    })
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
        assert_eq!(file.values.len(), 3);
        assert_ne!(
            file.values[0].dedup_key, file.values[1].dedup_key,
            "two orders on one day are two events"
        );
        assert_eq!(file.values[2].kind.as_str(), "delivery");
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
        let keys = |f: &Table<NewEvent>| -> Vec<String> {
            f.values.iter().map(|e| e.dedup_key.clone()).collect()
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
