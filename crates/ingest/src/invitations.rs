//! Reading a file of customers to invite to a survey: one row per customer with their id, their
//! e-mail address, optionally the touchpoint (or stage) to ask about (which picks the survey),
//! the date of the event the survey asks about and the customer's language (the e-mail and the
//! form speak it where the survey is translated into it). Read like the other small tables: CSV, JSON Lines or
//! Excel, columns by name in any case, bad rows to the rejects file with line and reason.

use std::path::{Path, PathBuf};

use throughline_domain::survey::Language;
use throughline_domain::{Email, Key};

use crate::dates::parse_timestamp;
use crate::table::{Layout, Table, TableError, read_table};

pub const LAYOUT: Layout = Layout {
    what: "a file of customers to invite",
    required: &["customer", "email"],
    optional: &["touchpoint", "event_date", "language"],
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
    pub language: Option<Language>,
}

/// Checks one customer to invite, as a file row or an API call gives it (empty: not given);
/// a problem names its field (`customer`, `email`, `touchpoint`, `event_date` or `language`).
pub fn check_invitation(
    line: u64,
    customer: &str,
    email: &str,
    touchpoint: &str,
    event_date: &str,
    language: &str,
) -> Result<InvitationRow, (&'static str, String)> {
    let customer = customer.trim();
    if customer.is_empty() {
        return Err(("customer", "the customer is empty".to_owned()));
    }
    if customer.chars().count() > 200 {
        return Err((
            "customer",
            "the customer is longer than 200 characters".to_owned(),
        ));
    }
    let email = Email::parse(email.trim()).map_err(|e| ("email", e.0))?;
    let touchpoint = match touchpoint.trim() {
        "" => None,
        key => Some(Key::parse(key).map_err(|e| ("touchpoint", e.0))?),
    };
    let event_date = match event_date.trim() {
        "" => None,
        date => {
            parse_timestamp(date).map_err(|e| ("event_date", e))?;
            Some(date.to_owned())
        }
    };
    let language = match language.trim() {
        "" => None,
        code => Some(Language::parse(code).map_err(|e| ("language", e.0))?),
    };
    Ok(InvitationRow {
        line,
        customer: customer.to_owned(),
        email,
        touchpoint,
        event_date,
        language,
    })
}

/// Reads every customer of `path`; rejected rows go to `rejects` (default `NAME.rejects.csv`).
pub fn read_invitations(
    path: &Path,
    rejects: Option<PathBuf>,
) -> Result<Table<InvitationRow>, TableError> {
    read_table(path, rejects, &LAYOUT, |row| {
        check_invitation(
            row.line,
            row.get("customer"),
            row.get("email"),
            row.get("touchpoint"),
            row.get("event_date"),
            row.get("language"),
        )
        .map_err(|(field, reason)| row.reject(field, reason))
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
            "Customer,Email,Touchpoint,Event_Date,Language\n\
             C-1,ann@example.com,delivery-day,2026-03-01,de-CH\n\
             C-2,not an address,delivery-day,2026-03-01,\n\
             ,bob@example.com,,,\n\
             C-4,dee@example.com,,someday,\n\
             C-5,eve@example.com,,,klingon\n",
        )
        .unwrap();
        let table = read_invitations(&path, None).unwrap();
        assert_eq!(table.values.len(), 1);
        assert_eq!(table.values[0].customer, "C-1");
        assert_eq!(
            table.values[0].touchpoint.as_ref().unwrap().as_str(),
            "delivery-day"
        );
        assert_eq!(table.values[0].language, Some(Language::De));
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
                (6, Some("Language".to_owned())),
            ]
        );
    }
}
