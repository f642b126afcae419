//! Dates as import files write them. Unambiguous forms only: `03/04/2026` could be March or
//! April, so it is refused with a message rather than guessed.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use throughline_domain::Timestamp;

/// Parses RFC 3339 (`2026-03-04T10:20:30Z`, `…+02:00`), `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` and
/// `YYYY-MM-DD` / `YYYY/MM/DD` (read as UTC), and Unix times in seconds (10 digits) or
/// milliseconds (13 digits).
pub fn parse_timestamp(value: &str) -> Result<Timestamp, String> {
    let value = value.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Ok(Timestamp::from_millis(dt.timestamp_millis()));
    }
    // Helpdesk exports: `2026-03-04 10:20:30 +0100`, `2026-03-04 10:20 UTC`.
    for format in ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z"] {
        if let Ok(dt) = DateTime::parse_from_str(value, format) {
            return Ok(Timestamp::from_millis(dt.timestamp_millis()));
        }
    }
    if let Some(utc) = value
        .strip_suffix(" UTC")
        .or_else(|| value.strip_suffix(" GMT"))
    {
        return parse_timestamp(utc);
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(value, format) {
            return Ok(Timestamp::from_millis(dt.and_utc().timestamp_millis()));
        }
    }
    for format in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(date) = NaiveDate::parse_from_str(value, format) {
            let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
            return Ok(Timestamp::from_millis(
                midnight.and_utc().timestamp_millis(),
            ));
        }
    }
    if value.bytes().all(|b| b.is_ascii_digit())
        && let Ok(number) = value.parse::<i64>()
    {
        match value.len() {
            10 => return Ok(Timestamp::from_millis(number * 1000)),
            13 => return Ok(Timestamp::from_millis(number)),
            _ => {}
        }
    }
    if value.contains('/') && value.split('/').next().is_some_and(|p| p.len() <= 2) {
        return Err(format!(
            "ambiguous date {value:?}: day/month order is unknown; use YYYY-MM-DD"
        ));
    }
    Err(format!(
        "unrecognised date {value:?}: use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: &str) -> i64 {
        parse_timestamp(value).unwrap().as_millis()
    }

    #[test]
    fn common_unambiguous_forms_parse() {
        let day = 1_772_582_400_000; // 2026-03-04T00:00:00Z
        assert_eq!(ms("2026-03-04"), day);
        assert_eq!(ms("2026/03/04"), day);
        assert_eq!(ms("2026-03-04T00:00:00Z"), day);
        assert_eq!(ms("2026-03-04T02:00:00+02:00"), day);
        assert_eq!(ms("2026-03-04 00:00:01"), day + 1000);
        assert_eq!(ms("2026-03-04 00:00:01.5"), day + 1500);
        assert_eq!(ms("2026-03-04T00:01"), day + 60_000);
        assert_eq!(ms("1772582400"), day);
        assert_eq!(ms("1772582400000"), day);
        assert_eq!(ms("2026-03-04 01:00:00 +0100"), day);
        assert_eq!(ms("2026-03-04 00:00 UTC"), day);
    }

    #[test]
    fn ambiguous_and_broken_dates_are_refused_with_a_reason() {
        assert!(
            parse_timestamp("03/04/2026")
                .unwrap_err()
                .contains("ambiguous")
        );
        assert!(
            parse_timestamp("2026-13-01")
                .unwrap_err()
                .contains("unrecognised")
        );
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("12345").is_err());
    }
}
