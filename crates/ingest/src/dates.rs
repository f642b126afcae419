//! Dates as import files write them. Unambiguous forms only: `03/04/2026` could be March or
//! April, so it is refused with a message rather than guessed.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use throughline_domain::Timestamp;

/// Parses RFC 3339 (`2026-03-04T10:20:30Z`, `…+02:00`), `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` and
/// `YYYY-MM-DD` / `YYYY/MM/DD` (read as UTC), and Unix times in seconds (10 digits) or
/// milliseconds (13 digits).
pub fn parse_timestamp(value: &str) -> Result<Timestamp, String> {
    let value = value.trim();
    if let Some(fast) = parse_iso(value) {
        return Ok(fast);
    }
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

/// The ISO shapes nearly every export uses — `YYYY-MM-DD`, then optionally `T` or a space,
/// `HH:MM`, `:SS`, `.fff` and `Z` or `±HH:MM` — read without trying format strings one by one
/// (which dominated the profile of large imports). Anything else returns `None` and goes
/// through the general parser, which gives the same result for these shapes.
fn parse_iso(value: &str) -> Option<Timestamp> {
    let b = value.as_bytes();
    let digits = |from: usize, to: usize| -> Option<u32> {
        let part = b.get(from..to)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0, 4)? as i32, digits(5, 7)?, digits(8, 10)?)?;
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    let mut offset_minutes: i64 = 0;
    if b.len() > 10 {
        if !matches!(b[10], b'T' | b' ') || b.get(13) != Some(&b':') {
            return None;
        }
        hour = digits(11, 13)?;
        minute = digits(14, 16)?;
        let mut at = 16;
        if b.get(at) == Some(&b':') {
            second = digits(17, 19)?;
            at = 19;
            if b.get(at) == Some(&b'.') {
                let start = at + 1;
                let mut end = start;
                while b.get(end).is_some_and(u8::is_ascii_digit) {
                    end += 1;
                }
                if end == start || end - start > 9 {
                    return None;
                }
                // Milliseconds, truncated like chrono's `%.f` read into epoch milliseconds.
                let fraction = &value[start..end];
                let padded = format!("{fraction:0<3}");
                millis = padded[..3].parse().ok()?;
                at = end;
            }
        }
        match b.get(at) {
            None => {}
            Some(b'Z') if at + 1 == b.len() => at += 1,
            Some(sign @ (b'+' | b'-')) if b.len() == at + 6 && b[at + 3] == b':' => {
                // Only with a `T`: `2026-03-04 10:00+02:00` is not a shape chrono reads.
                if b[10] != b'T' {
                    return None;
                }
                let minutes = i64::from(digits(at + 1, at + 3)? * 60 + digits(at + 4, at + 6)?);
                offset_minutes = if *sign == b'+' { minutes } else { -minutes };
                at = b.len();
            }
            Some(_) => return None,
        }
        if at != b.len() {
            return None;
        }
        // `Z` and offsets are RFC 3339, which needs seconds.
        if (b.last() == Some(&b'Z') || offset_minutes != 0) && b.get(16) != Some(&b':') {
            return None;
        }
    }
    let time = date.and_hms_milli_opt(hour, minute, second, millis)?;
    Some(Timestamp::from_millis(
        time.and_utc().timestamp_millis() - offset_minutes * 60_000,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: &str) -> i64 {
        parse_timestamp(value).unwrap().as_millis()
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_parser() {
        let general = |value: &str| {
            let mut all = value.to_owned();
            // A trailing space keeps the fast path out; the general parser trims it anyway.
            all.push(' ');
            let value = all.trim();
            DateTime::parse_from_rfc3339(value)
                .map(|dt| dt.timestamp_millis())
                .ok()
                .or_else(|| {
                    [
                        "%Y-%m-%d %H:%M:%S%.f",
                        "%Y-%m-%dT%H:%M:%S%.f",
                        "%Y-%m-%d %H:%M",
                        "%Y-%m-%dT%H:%M",
                    ]
                    .iter()
                    .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
                    .map(|dt| dt.and_utc().timestamp_millis())
                })
                .or_else(|| {
                    NaiveDate::parse_from_str(value, "%Y-%m-%d")
                        .ok()
                        .map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis())
                })
        };
        for value in [
            "2026-03-04",
            "2026-03-04T10:20",
            "2026-03-04 10:20",
            "2026-03-04T10:20:30",
            "2026-03-04 10:20:30",
            "2026-03-04 10:20:30.5",
            "2026-03-04T10:20:30.123456Z",
            "2026-03-04T10:20:30Z",
            "2026-03-04T10:20:30+02:00",
            "2026-03-04T10:20:30-05:30",
            "2026-02-30",
            "2026-13-01",
            "2026-03-04T25:00",
            "2026-03-04T10:20Z",
            "2026-03-04 10:20:30+02:00",
            "2026-03-04x",
        ] {
            let fast = parse_iso(value).map(Timestamp::as_millis);
            if let Some(fast) = fast {
                assert_eq!(Some(fast), general(value), "{value}");
            } else {
                // Left to the general parser, which must then decide on its own.
                assert!(
                    parse_timestamp(value).ok().map(Timestamp::as_millis) == general(value)
                        || general(value).is_none(),
                    "{value}"
                );
            }
        }
        assert!(parse_iso("2026-03-04").is_some());
        assert!(parse_iso("2026-03-04T10:20:30Z").is_some());
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
