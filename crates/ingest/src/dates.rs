//! Dates as import files write them. Unambiguous forms are read as they come: ISO and RFC 3339,
//! RFC 2822, month names in full or short with or without an ordinal day ("8th November 2023",
//! "Nov 8, 2023 10:15", "08-Nov-2023"), Unix times. A numeric date such as `03/04/2026` could
//! be March or April: it is read only when its column settles the order (a value with a day
//! above 12, [`settle_order`]) or the user gives a format (`--date-format`), and otherwise
//! refused with a message rather than guessed.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use throughline_domain::Timestamp;

/// Whether numeric dates put the day or the month first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayMonth {
    DayFirst,
    MonthFirst,
}

impl DayMonth {
    pub fn describe(self) -> &'static str {
        match self {
            Self::DayFirst => "day first (DD/MM/YYYY)",
            Self::MonthFirst => "month first (MM/DD/YYYY)",
        }
    }
}

/// How one column's dates are read beyond the unambiguous forms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateRules {
    /// A strftime-style format (`--date-format`), tried before anything else.
    pub format: Option<String>,
    /// The order of numeric dates, when the file settled it.
    pub order: Option<DayMonth>,
}

/// Parses a date with no rules for the column: see [`parse_with`].
pub fn parse_timestamp(value: &str) -> Result<Timestamp, String> {
    parse_with(value, &DateRules::default())
}

/// Parses a date: the rules' format first, then RFC 3339 (`2026-03-04T10:20:30Z`, `…+02:00`),
/// `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` and `YYYY-MM-DD` / `YYYY/MM/DD` (read as UTC), RFC 2822,
/// written dates with month names, numeric day/month dates when unambiguous or when the rules
/// give the order, and Unix times in seconds (10 digits) or milliseconds (13 digits).
pub fn parse_with(value: &str, rules: &DateRules) -> Result<Timestamp, String> {
    let value = value.trim();
    if let Some(format) = &rules.format {
        if let Some(ts) = parse_format(value, format) {
            return Ok(ts);
        }
        return parse_general(value, rules.order)
            .map_err(|_| format!("{value:?} does not match the date format {format:?}"));
    }
    parse_general(value, rules.order)
}

/// `value` read with a strftime-style format, with or without a time and an offset.
fn parse_format(value: &str, format: &str) -> Option<Timestamp> {
    if let Ok(dt) = DateTime::parse_from_str(value, format) {
        return Some(Timestamp::from_millis(dt.timestamp_millis()));
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(value, format) {
        return Some(Timestamp::from_millis(dt.and_utc().timestamp_millis()));
    }
    NaiveDate::parse_from_str(value, format).ok().map(midnight)
}

fn midnight(date: NaiveDate) -> Timestamp {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    Timestamp::from_millis(midnight.and_utc().timestamp_millis())
}

fn parse_general(value: &str, order: Option<DayMonth>) -> Result<Timestamp, String> {
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
        return parse_general(utc, order);
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(value) {
        return Ok(Timestamp::from_millis(dt.timestamp_millis()));
    }
    if value.bytes().any(|b| b.is_ascii_alphabetic())
        && let Some(ts) = parse_written(value)
    {
        return Ok(ts);
    }
    match parse_numeric(value, order) {
        Numeric::Read(ts) => return Ok(ts),
        Numeric::Ambiguous => {
            return Err(format!(
                "ambiguous date {value:?}: it could be day first or month first, and no value \
                 in this column has a day above 12 to settle it; give --date-format \
                 (e.g. %d/%m/%Y or %m/%d/%Y) or write dates as YYYY-MM-DD"
            ));
        }
        Numeric::NoSuchDate => {
            return Err(format!(
                "no such date {value:?} (read {})",
                order.map_or("as its numbers allow", DayMonth::describe)
            ));
        }
        Numeric::Other => {}
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
            return Ok(midnight(date));
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
    Err(format!(
        "unrecognised date {value:?}: use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, RFC 3339, a month \
         name (8 Nov 2023) or give --date-format"
    ))
}

/// Written dates: a month's name in full or short, the day before or after it, with or without
/// an ordinal suffix, commas, a weekday and a time ("8th November 2023", "November 8th, 2023",
/// "May 30, 2011", "08-Nov-2023", "Nov 8, 2023 10:15", "Wed 8 Nov 2023 3:15 pm").
fn parse_written(value: &str) -> Option<Timestamp> {
    let mut words: Vec<String> = Vec::new();
    for raw in value
        .split(|c: char| c.is_whitespace() || c == ',' || c == '-' || c == '/')
        .filter(|w| !w.is_empty())
    {
        let lower = raw.to_ascii_lowercase();
        // "8th", "1st", "22nd", "3rd" → the number.
        let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '.');
        let word = if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && matches!(&lower[digits.len()..], "st" | "nd" | "rd" | "th")
        {
            digits.to_owned()
        } else {
            lower.trim_end_matches('.').to_owned()
        };
        words.push(word);
    }
    // A weekday in front says nothing the date does not.
    const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    if words
        .first()
        // (`get`: a word's third byte may fall inside a character, "no\u{feff}response".)
        .is_some_and(|w| {
            w.get(..3).is_some_and(|head| WEEKDAYS.contains(&head)) && month_number(w).is_none()
        })
    {
        words.remove(0);
    }
    if words.len() < 3 {
        return None;
    }
    let number = |w: &str| -> Option<u32> {
        (w.len() <= 4 && w.bytes().all(|b| b.is_ascii_digit())).then(|| w.parse().ok())?
    };
    let (day, month, year) = if let Some(month) = month_number(&words[0]) {
        (number(&words[1])?, month, number(&words[2])?)
    } else {
        (
            number(&words[0])?,
            month_number(&words[1])?,
            number(&words[2])?,
        )
    };
    if year < 1000 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let time = &words[3..];
    let (hour, minute, second) = match time {
        [] => (0, 0, 0),
        [clock] | [clock, _] => {
            let mut parts = clock.split(':');
            let hour: u32 = parts.next()?.parse().ok()?;
            let minute: u32 = parts.next()?.parse().ok()?;
            let second: u32 = match parts.next() {
                Some(s) => s.parse().ok()?,
                None => 0,
            };
            if parts.next().is_some() {
                return None;
            }
            let hour = match time.get(1).map(String::as_str) {
                None | Some("utc" | "gmt" | "z") => hour,
                Some("am") if (1..=12).contains(&hour) => hour % 12,
                Some("pm") if (1..=12).contains(&hour) => hour % 12 + 12,
                Some(_) => return None,
            };
            (hour, minute, second)
        }
        _ => return None,
    };
    let at = date.and_hms_opt(hour, minute, second)?;
    Some(Timestamp::from_millis(at.and_utc().timestamp_millis()))
}

/// January → 1 … December → 12, in full or the first three letters ("sept" too).
fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| *m == word || (m.starts_with(word) && word.len() <= 4))
        .map(|i| i as u32 + 1)
}

/// What a numeric day/month date (`03/04/2026`, `13.04.2026 10:15`, `4-3-2026`) reads as.
enum Numeric {
    Read(Timestamp),
    /// Both the first and the second number could be the day, and no order was given.
    Ambiguous,
    /// A numeric date that names no day ("31/02/2026").
    NoSuchDate,
    /// Not a numeric day/month date at all.
    Other,
}

/// A numeric `A/B/YYYY[ HH:MM[:SS]]` date: its two leading numbers, year and time.
struct NumericParts {
    a: u32,
    b: u32,
    year: i32,
    clock: (u32, u32, u32),
}

fn numeric_parts(value: &str) -> Option<NumericParts> {
    let (date, time) = match value.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (value, None),
    };
    let separator = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = date.split(separator).collect();
    let [a, b, y] = parts.as_slice() else {
        return None;
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(a) && all_digits(b) && all_digits(y))
        || a.len() > 2
        || b.len() > 2
        || y.len() != 4
    {
        return None;
    }
    let clock = match time {
        None | Some("") => (0, 0, 0),
        Some(t) => {
            let mut p = t.split(':');
            let h = p.next()?.parse().ok()?;
            let m = p.next()?.parse().ok()?;
            let s = p.next().map_or(Some(0), |s| s.parse().ok())?;
            if p.next().is_some() {
                return None;
            }
            (h, m, s)
        }
    };
    Some(NumericParts {
        a: a.parse().ok()?,
        b: b.parse().ok()?,
        year: y.parse().ok()?,
        clock,
    })
}

/// Whether `value` is a numeric day/month date (`03/04/2026`, `13.04.2026 10:15`).
pub fn is_numeric_date(value: &str) -> bool {
    numeric_parts(value.trim()).is_some()
}

fn parse_numeric(value: &str, order: Option<DayMonth>) -> Numeric {
    let Some(NumericParts {
        a,
        b,
        year,
        clock: (h, m, s),
    }) = numeric_parts(value)
    else {
        return Numeric::Other;
    };
    let order = match order {
        Some(order) => order,
        None if a > 12 => DayMonth::DayFirst,
        None if b > 12 => DayMonth::MonthFirst,
        // 04/04/2026 is the same date either way.
        None if a == b => DayMonth::DayFirst,
        None => return Numeric::Ambiguous,
    };
    let (day, month) = match order {
        DayMonth::DayFirst => (a, b),
        DayMonth::MonthFirst => (b, a),
    };
    match NaiveDate::from_ymd_opt(year, month, day).and_then(|d| d.and_hms_opt(h, m, s)) {
        Some(at) => Numeric::Read(Timestamp::from_millis(at.and_utc().timestamp_millis())),
        None => Numeric::NoSuchDate,
    }
}

/// The order of a column's numeric dates, settled by its values: a first number above 12 says
/// day first ("13/04/2026"), a second above 12 month first ("04/13/2026"). `Ok(None)` when no
/// value settles it; an error when values say both.
pub fn settle_order<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Option<(DayMonth, String)>, String> {
    let mut day_first: Option<&str> = None;
    let mut month_first: Option<&str> = None;
    for value in values {
        let value = value.trim();
        let Some(NumericParts { a, b, .. }) = numeric_parts(value) else {
            continue;
        };
        if a > 12 && b <= 12 {
            day_first.get_or_insert(value);
        } else if b > 12 && a <= 12 {
            month_first.get_or_insert(value);
        }
        if let (Some(d), Some(m)) = (day_first, month_first) {
            return Err(format!(
                "its dates are written both day first ({d:?}) and month first ({m:?}); give \
                 --date-format for the one the file means, or write dates as YYYY-MM-DD"
            ));
        }
    }
    Ok(day_first
        .map(|v| (DayMonth::DayFirst, v.to_owned()))
        .or_else(|| month_first.map(|v| (DayMonth::MonthFirst, v.to_owned()))))
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
    fn dates_written_with_month_names_parse() {
        let day = |y, m, d| midnight(NaiveDate::from_ymd_opt(y, m, d).unwrap()).as_millis();
        let nov8 = day(2023, 11, 8);
        for value in [
            "8th November 2023",
            "November 8th, 2023",
            "8 Nov 2023",
            "Nov 8, 2023",
            "08-Nov-2023",
            "8 nov. 2023",
            "Wednesday, 8 November 2023",
            "Wed Nov 8 2023",
        ] {
            assert_eq!(ms(value), nov8, "{value}");
        }
        assert_eq!(ms("May 30, 2011"), day(2011, 5, 30));
        assert_eq!(ms("1st Sept 2024"), day(2024, 9, 1));
        assert_eq!(ms("Nov 8, 2023 10:15"), nov8 + 10 * 3_600_000 + 15 * 60_000);
        assert_eq!(
            ms("8 Nov 2023 3:15 pm"),
            nov8 + 15 * 3_600_000 + 15 * 60_000
        );
        assert_eq!(ms("8 Nov 2023 12:00 am"), nov8);
        assert_eq!(
            ms("Wed, 08 Nov 2023 10:15:00 +0100"),
            nov8 + 9 * 3_600_000 + 15 * 60_000
        );
        assert!(parse_timestamp("31 Nov 2023").is_err(), "no 31 November");
        // A first word whose third byte is inside a character (found by the fuzzer): refused,
        // not a panic.
        assert!(parse_timestamp("no\u{feff}response 8 Nov").is_err());
        assert!(parse_timestamp("wé 8 Nov 2023").is_err());
        let e = (parse_timestamp("Nov 2023")).unwrap_err().to_string();
        assert!(e.contains("unrecognised date \"Nov 2023\""), "{e}");
        let e = (parse_timestamp("8 Novembre 2023"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unrecognised date \"8 Novembre 2023\""), "{e}");
    }

    #[test]
    fn numeric_dates_are_read_when_their_order_is_known() {
        let day = |y, m, d| midnight(NaiveDate::from_ymd_opt(y, m, d).unwrap()).as_millis();
        assert_eq!(
            ms("13/04/2026"),
            day(2026, 4, 13),
            "a day above 12 says which"
        );
        assert_eq!(ms("04/13/2026"), day(2026, 4, 13));
        assert_eq!(ms("04/04/2026"), day(2026, 4, 4), "the same either way");
        let err = parse_timestamp("03/04/2026").unwrap_err();
        assert!(
            err.contains("ambiguous") && err.contains("--date-format"),
            "{err}"
        );
        let day_first = DateRules {
            order: Some(DayMonth::DayFirst),
            ..DateRules::default()
        };
        let read = |v: &str, r: &DateRules| parse_with(v, r).unwrap().as_millis();
        assert_eq!(read("03/04/2026", &day_first), day(2026, 4, 3));
        assert_eq!(
            read("03.04.2026 10:00", &day_first),
            day(2026, 4, 3) + 36_000_000
        );
        let month_first = DateRules {
            order: Some(DayMonth::MonthFirst),
            ..DateRules::default()
        };
        assert_eq!(read("03/04/2026", &month_first), day(2026, 3, 4));
        let err = parse_with("13/04/2026", &month_first).unwrap_err();
        assert!(err.contains("no such date"), "no 13th month: {err}");
        assert!(
            parse_timestamp("31/02/2026")
                .unwrap_err()
                .contains("no such date")
        );

        let settled = settle_order(["03/04/2026", "2026-01-01", "13/04/2026", "05/06/2026"]);
        assert_eq!(
            settled,
            Ok(Some((DayMonth::DayFirst, "13/04/2026".to_owned())))
        );
        assert_eq!(settle_order(["03/04/2026", "05/06/2026"]), Ok(None));
        let both = settle_order(["13/04/2026", "04/13/2026"]).unwrap_err();
        assert!(both.contains("both day first"), "{both}");
    }

    #[test]
    fn a_given_format_reads_what_nothing_else_does() {
        let rules = DateRules {
            format: Some("%d.%m.%y".to_owned()),
            ..DateRules::default()
        };
        let day = midnight(NaiveDate::from_ymd_opt(2026, 4, 3).unwrap()).as_millis();
        assert_eq!(parse_with("03.04.26", &rules).unwrap().as_millis(), day);
        assert_eq!(
            parse_with("2026-04-03", &rules).unwrap().as_millis(),
            day,
            "unambiguous forms still read"
        );
        let err = parse_with("tomorrow", &rules).unwrap_err();
        assert!(err.contains("%d.%m.%y"), "{err}");
        let with_time = DateRules {
            format: Some("%Y%m%d %H%M".to_owned()),
            ..DateRules::default()
        };
        assert_eq!(
            parse_with("20260403 1030", &with_time).unwrap().as_millis(),
            day + 37_800_000
        );
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
        let e = (parse_timestamp("yesterday")).unwrap_err().to_string();
        assert!(e.contains("unrecognised date \"yesterday\""), "{e}");
        let e = (parse_timestamp("12345")).unwrap_err().to_string();
        assert!(e.contains("unrecognised date \"12345\""), "{e}");
    }
}
