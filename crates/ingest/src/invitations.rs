//! Reading a file of customers to invite to a survey: one row per customer with their id, their
//! e-mail address, optionally the touchpoint to ask about (which picks the survey) and the date
//! of the event the survey asks about. Read like the other small tables: CSV, JSON Lines or
//! Excel, columns by name in any case, bad rows to the rejects file with line and reason.

use std::path::{Path, PathBuf};

use throughline_domain::{Email, Key};

use crate::dates::parse_timestamp;
use crate::table::{Layout, Table, TableError, read_table};

pub const LAYOUT: Layout = Layout {
    what: "a file of customers to invite",
    required: &["customer", "email"],
    optional: &["touchpoint", "event_date"],
};

/// One customer to invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRow {
    pub line: u64,
    pub customer: String,
    pub email: Email,
    pub touchpoint: Option<Key>,
    /// The event's date as the file wrote it (checked to be a date).
    pub event_date: Option<String>,
}

/// Reads every customer of `path`; rejected rows go to `rejects` (default `NAME.rejects.csv`).
pub fn read_invitations(
    path: &Path,
    rejects: Option<PathBuf>,
) -> Result<Table<InvitationRow>, TableError> {
    read_table(path, rejects, &LAYOUT, |row| {
        let customer = row.get("customer");
        if customer.is_empty() {
            return Err(row.reject("customer", "the customer is empty"));
        }
        if customer.chars().count() > 200 {
            return Err(row.reject("customer", "the customer is longer than 200 characters"));
        }
        let email = Email::parse(row.get("email")).map_err(|e| row.reject("email", e.0))?;
        let touchpoint = match row.get("touchpoint") {
            "" => None,
            key => Some(Key::parse(key).map_err(|e| row.reject("touchpoint", e.0))?),
        };
        let event_date = match row.get("event_date") {
            "" => None,
            date => {
                parse_timestamp(date).map_err(|e| row.reject("event_date", e))?;
                Some(date.to_owned())
            }
        };
        Ok(InvitationRow {
            line: row.line,
            customer: customer.to_owned(),
            email,
            touchpoint,
            event_date,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_are_read_and_bad_rows_rejected_with_line_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("customers.csv");
        std::fs::write(
            &path,
            "Customer,Email,Touchpoint,Event_Date\n\
             C-1,ann@example.com,delivery-day,2026-03-01\n\
             C-2,not an address,delivery-day,2026-03-01\n\
             ,bob@example.com,,\n\
             C-4,dee@example.com,,someday\n",
        )
        .unwrap();
        let table = read_invitations(&path, None).unwrap();
        assert_eq!(table.values.len(), 1);
        assert_eq!(table.values[0].customer, "C-1");
        assert_eq!(
            table.values[0].touchpoint.as_ref().unwrap().as_str(),
            "delivery-day"
        );
        let reasons: Vec<(u64, Option<String>)> = table
            .rejected
            .iter()
            .map(|r| (r.line, r.column.clone()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (3, Some("Email".to_owned())),
                (4, Some("Customer".to_owned())),
                (5, Some("Event_Date".to_owned())),
            ]
        );
    }
}
