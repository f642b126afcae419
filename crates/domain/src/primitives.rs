//! Small validated values used across the model: keys, names, e-mail addresses, timestamps.
//! Each one is checked when it is made, so code that holds one never checks it again.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused. The message is written for the person who typed the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// A stable identifier written by people in the organisation file: `customer-service`,
/// `checkout`. Lowercase ASCII letters, digits and `-`, 1 to 64 characters, starting with a
/// letter or digit. Keys are what other records refer to, so renaming a department's display
/// name never breaks a reference.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct Key(String);

impl Key {
    pub const MAX_LEN: usize = 64;

    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        if value.is_empty() {
            return Err(ValidationError::new("a key cannot be empty"));
        }
        if value.len() > Self::MAX_LEN {
            return Err(ValidationError::new(format!(
                "key {value:?} is longer than {} characters",
                Self::MAX_LEN
            )));
        }
        let first_ok = value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let all_ok = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !first_ok || !all_ok {
            return Err(ValidationError::new(format!(
                "key {value:?} may hold only lowercase letters, digits and '-', and must start \
                 with a letter or digit (for example \"customer-service\")"
            )));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Key {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Key> for String {
    fn from(key: Key) -> Self {
        key.0
    }
}

/// A display name: trimmed, not empty, at most 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new("a name cannot be empty"));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new(format!(
                "name is longer than {} characters",
                Self::MAX_CHARS
            )));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ValidationError::new(format!(
                "name {trimmed:?} contains a control character"
            )));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Name {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.0
    }
}

/// An e-mail address, checked for shape (one `@`, a dotted domain, no spaces) and stored in
/// lowercase so that the same person is never two people.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        let value = value.trim();
        let bad = || ValidationError::new(format!("{value:?} is not an e-mail address"));
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = value.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        Ok(Self(value.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

/// A point in time as milliseconds since the Unix epoch, UTC. Stored as an integer in both
/// database backends, so that one query serves both. Written to JSON (the API, `--json`,
/// exports) as RFC 3339 in UTC — "2026-10-22T12:23:21Z", "2026-10-22T12:23:21.200Z" — and read
/// from either that or the integer milliseconds that earlier versions wrote into stored JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// As it is written: an RFC 3339 string in UTC.
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 in UTC, e.g. 2026-10-22T12:23:21Z",
        })
    }
}

impl Timestamp {
    /// RFC 3339 in UTC, with as many decimals of a second as the milliseconds need; `None`
    /// outside the years chrono can write (±262,000).
    pub fn rfc3339(self) -> Option<String> {
        chrono::DateTime::from_timestamp_millis(self.0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.rfc3339() {
            Some(text) => serializer.serialize_str(&text),
            None => serializer.serialize_i64(self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl serde::de::Visitor<'_> for Either {
            type Value = Timestamp;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an RFC 3339 date and time, or milliseconds since 1970-01-01 UTC")
            }

            fn visit_i64<E: serde::de::Error>(self, millis: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(millis))
            }

            fn visit_u64<E: serde::de::Error>(self, millis: u64) -> Result<Timestamp, E> {
                i64::try_from(millis)
                    .map(Timestamp)
                    .map_err(|_| E::custom(format!("{millis} milliseconds is too far ahead")))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                chrono::DateTime::parse_from_rfc3339(text)
                    .map(|t| Timestamp(t.timestamp_millis()))
                    .map_err(|e| {
                        E::custom(format!("{text:?} is not an RFC 3339 date and time: {e}"))
                    })
            }
        }
        deserializer.deserialize_any(Either)
    }
}

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    pub fn now() -> Self {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self(millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_as_rfc_3339_and_read_from_either_form() {
        let at = Timestamp::from_millis(1_793_577_600_000);
        assert_eq!(
            serde_json::to_string(&at).unwrap(),
            "\"2026-11-02T00:00:00Z\""
        );
        let fraction = Timestamp::from_millis(1_793_577_600_250);
        assert_eq!(
            serde_json::to_string(&fraction).unwrap(),
            "\"2026-11-02T00:00:00.250Z\""
        );
        for text in [
            "\"2026-11-02T00:00:00Z\"",
            "\"2026-11-02T01:00:00+01:00\"",
            "1793577600000",
        ] {
            assert_eq!(
                serde_json::from_str::<Timestamp>(text).unwrap(),
                at,
                "{text}"
            );
        }
        let before_1970 = Timestamp::from_millis(-86_400_000);
        let written = serde_json::to_string(&before_1970).unwrap();
        assert_eq!(written, "\"1969-12-31T00:00:00Z\"");
        assert_eq!(
            serde_json::from_str::<Timestamp>(&written).unwrap(),
            before_1970
        );
        let wrong = serde_json::from_str::<Timestamp>("\"yesterday\"").unwrap_err();
        assert!(wrong.to_string().contains("not an RFC 3339"), "{wrong}");
    }

    #[test]
    fn keys_accept_slugs_and_refuse_everything_else() {
        assert_eq!(
            Key::parse("customer-service").unwrap().as_str(),
            "customer-service"
        );
        assert!(Key::parse("3rd-contact").is_ok());
        for bad in [
            "",
            "Customer",
            "-lead",
            "a b",
            "sales_ops",
            "café",
            &"x".repeat(65),
        ] {
            assert!(Key::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn names_are_trimmed_and_must_hold_text() {
        assert_eq!(Name::parse("  Billing ").unwrap().as_str(), "Billing");
        let e = (Name::parse("   ")).unwrap_err().to_string();
        assert!(e.contains("cannot be empty"), "{e}");
        let e = (Name::parse("Bill\u{0}ing")).unwrap_err().to_string();
        assert!(e.contains("control character"), "{e}");
        let e = (Name::parse(&"n".repeat(201))).unwrap_err().to_string();
        assert!(e.contains("longer than 200 characters"), "{e}");
        assert!(Name::parse(&"n".repeat(200)).is_ok());
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(
            Email::parse("Priya.Raman@Example.COM").unwrap().as_str(),
            "priya.raman@example.com"
        );
        for bad in [
            "priya",
            "@example.com",
            "priya@",
            "priya@example",
            "pri ya@example.com",
            "a@b@c.com",
            "a@.com",
            "a@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn keys_deserialize_through_validation() {
        let ok: Result<Key, _> = serde_json::from_str("\"billing\"");
        assert!(ok.is_ok());
        let bad: Result<Key, _> = serde_json::from_str("\"Billing Dept\"");
        let e = (bad).unwrap_err().to_string();
        assert!(e.contains("may hold only lowercase letters"), "{e}");
    }
}
