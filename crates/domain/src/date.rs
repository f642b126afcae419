//! Calendar days and the calendar arithmetic on them, once for the whole product: a [`Date`]
//! is a UTC day (`YYYY-MM-DD`) on `chrono::NaiveDate`; [`DAY_MS`] is a day in milliseconds.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::primitives::{Timestamp, ValidationError};

/// A day in milliseconds (UTC days: no leap seconds, no daylight saving).
pub const DAY_MS: i64 = 86_400_000;

/// A calendar date, `YYYY-MM-DD` (due dates, review dates), from 1970 on. Stored and compared
/// as that text, which sorts chronologically; its arithmetic is chrono's.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct Date(String);

impl Date {
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        let value = value.trim();
        let bad = || ValidationError::new(format!("{value:?} is not a date: write YYYY-MM-DD"));
        // chrono accepts "2026-1-5" and signs; a date here is written one way only.
        let shape = value.len() == 10
            && value.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !shape {
            return Err(bad());
        }
        let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())?;
        if day.year() < 1970 {
            return Err(bad());
        }
        Ok(Self::from_naive(day))
    }

    fn from_naive(day: NaiveDate) -> Self {
        Self(day.format("%Y-%m-%d").to_string())
    }

    fn naive(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0, "%Y-%m-%d").expect("a Date is valid by construction")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The UTC calendar day of a moment.
    pub fn of(moment: Timestamp) -> Self {
        Self::from_day_number(moment.as_millis().div_euclid(DAY_MS))
    }

    /// The day `days` days after 1970-01-01 (day 0, a Thursday).
    pub fn from_day_number(days: i64) -> Self {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch is a date");
        let day = match u64::try_from(days) {
            Ok(after) => epoch.checked_add_days(Days::new(after)),
            Err(_) => epoch.checked_sub_days(Days::new(days.unsigned_abs())),
        };
        Self::from_naive(day.expect("a day within chrono's range"))
    }

    /// Days since 1970-01-01.
    pub fn day_number(&self) -> i64 {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch is a date");
        (self.naive() - epoch).num_days()
    }

    /// The moment the day starts, UTC.
    pub fn start(&self) -> Timestamp {
        Timestamp::from_millis(self.day_number() * DAY_MS)
    }

    /// The day `days` days later (earlier when negative).
    pub fn plus_days(&self, days: i64) -> Self {
        Self::from_day_number(self.day_number() + days)
    }

    /// The same day `months` months later, or that month's last day when it is shorter
    /// (31 January + 1 month = 28 or 29 February).
    pub fn plus_months(&self, months: u32) -> Self {
        Self::from_naive(
            self.naive()
                .checked_add_months(Months::new(months))
                .expect("a day within chrono's range"),
        )
    }

    /// Its month, `YYYY-MM`.
    pub fn month(&self) -> &str {
        &self.0[..7]
    }

    /// A moment to the minute, UTC: `2026-12-07 14:05`.
    pub fn minute_of(moment: Timestamp) -> String {
        let minutes = moment.as_millis().div_euclid(60_000).rem_euclid(24 * 60);
        format!(
            "{} {:02}:{:02}",
            Self::of(moment),
            minutes / 60,
            minutes % 60
        )
    }

    pub fn today() -> Self {
        Self::of(Timestamp::now())
    }
}

impl TryFrom<String> for Date {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Date> for String {
    fn from(value: Date) -> Self {
        value.0
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn dates_are_written_one_way_and_exist() {
        assert_eq!(day(" 2026-02-28 ").as_str(), "2026-02-28");
        assert!(Date::parse("2024-02-29").is_ok());
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-1-05",
            "26-01-05",
            "1969-12-31",
            "+2026-01-05",
            "2026/01/05",
            "2026-01-05T10:00",
            "",
        ] {
            let err = Date::parse(bad).unwrap_err().to_string();
            assert!(err.contains("write YYYY-MM-DD"), "{bad}: {err}");
        }
    }

    #[test]
    fn days_and_moments_agree() {
        assert_eq!(Date::from_day_number(0).as_str(), "1970-01-01");
        assert_eq!(day("2026-12-06").day_number(), 20_793);
        assert_eq!(Date::from_day_number(20_793), day("2026-12-06"));
        assert_eq!(day("2026-12-06").start().as_millis(), 20_793 * DAY_MS);
        assert_eq!(
            Date::of(Timestamp::from_millis(20_793 * DAY_MS - 1)),
            day("2026-12-05")
        );
        assert_eq!(Date::of(Timestamp::from_millis(-1)).as_str(), "1969-12-31");
        assert_eq!(
            Date::minute_of(Timestamp::from_millis(
                20_793 * DAY_MS + 14 * 3_600_000 + 5 * 60_000
            )),
            "2026-12-06 14:05"
        );
    }

    #[test]
    fn days_and_months_are_added_on_the_calendar() {
        assert_eq!(day("2026-12-28").plus_days(7), day("2027-01-04"));
        assert_eq!(day("2024-03-01").plus_days(-1), day("2024-02-29"));
        assert_eq!(day("2026-01-31").plus_months(1), day("2026-02-28"));
        assert_eq!(day("2024-01-31").plus_months(1), day("2024-02-29"));
        assert_eq!(day("2026-11-30").plus_months(3), day("2027-02-28"));
        assert_eq!(day("2026-05-15").plus_months(12), day("2027-05-15"));
        assert_eq!(day("2026-05-15").month(), "2026-05");
    }
}
