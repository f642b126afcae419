//! Personal data out of free text, before it is stored or shown.
//!
//! Customers write their e-mail address, phone number, card or bank details into comments. Each
//! is replaced by a typed placeholder — `[email]`, `[phone]`, `[card]`, `[iban]`, `[account]` —
//! so that the comment still reads ("call me on [phone]") and nothing identifying is kept.
//!
//! Precision matters as much as recall: dates, times, prices, order quantities, order and
//! flight numbers must survive, or comments lose their meaning. So candidates are checked, not
//! just matched: card numbers must pass the Luhn check, IBANs their mod-97 checksum, phone
//! numbers need an international prefix, a trunk `0`, or the North American 3-3-4 shape, and a
//! bare digit run counts as an account number only from nine digits up (an eight-digit run is
//! as often a date, `20260304`).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// The kinds of personal data recognised, in the order they claim overlapping text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PiiKind {
    Email,
    Iban,
    Card,
    Phone,
    Account,
}

impl PiiKind {
    pub fn placeholder(self) -> &'static str {
        match self {
            Self::Email => "[email]",
            Self::Iban => "[iban]",
            Self::Card => "[card]",
            Self::Phone => "[phone]",
            Self::Account => "[account]",
        }
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
        .expect("a valid pattern")
});
static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b").expect("a valid pattern")
});
/// Digits with single spaces or hyphens between them, 13 to 19 digits.
static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9](?:[ \-]?[0-9]){12,18}\b").expect("a valid pattern"));
/// A run of digits, spaces, dots, hyphens and parentheses that may be a phone number; checked
/// by [`is_phone`].
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+|\b00|\()?[0-9](?:[ .\-]?\(?[0-9]\)?){6,16}").expect("a valid pattern")
});
static ACCOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9]{9,}\b").expect("a valid pattern"));

/// The text with personal data replaced; borrowed unchanged when there was none.
pub fn redact(text: &str) -> Cow<'_, str> {
    // Cheap exit: every kind needs an `@` or at least seven digits.
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    if digits < 7 && !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let spans = find(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, kind) in spans {
        out.push_str(&text[at..start]);
        out.push_str(kind.placeholder());
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// The personal data in `text`: (start, end, kind), in order, not overlapping.
pub fn find(text: &str) -> Vec<(usize, usize, PiiKind)> {
    let mut spans: Vec<(usize, usize, PiiKind)> = Vec::new();
    let mut claim = |start: usize, end: usize, kind: PiiKind| {
        if !spans.iter().any(|(s, e, _)| start < *e && *s < end) {
            spans.push((start, end, kind));
        }
    };
    for m in EMAIL.find_iter(text) {
        claim(m.start(), m.end(), PiiKind::Email);
    }
    for m in IBAN.find_iter(text) {
        if is_iban(m.as_str()) {
            claim(m.start(), m.end(), PiiKind::Iban);
        }
    }
    for m in CARD.find_iter(text) {
        if luhn(m.as_str()) {
            claim(m.start(), m.end(), PiiKind::Card);
        }
    }
    for m in PHONE.find_iter(text) {
        let candidate = m.as_str().trim_end_matches(['.', '-', ' ']);
        if is_phone(candidate) && !looks_like_a_date(candidate) {
            claim(m.start(), m.start() + candidate.len(), PiiKind::Phone);
        }
    }
    for m in ACCOUNT.find_iter(text) {
        claim(m.start(), m.end(), PiiKind::Account);
    }
    spans.sort_unstable();
    spans
}

fn digits_of(text: &str) -> Vec<u8> {
    text.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

/// The Luhn checksum every payment card number carries.
fn luhn(text: &str) -> bool {
    let digits = digits_of(text);
    if !(13..=19).contains(&digits.len()) || digits.iter().all(|d| *d == digits[0]) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 13616: move the first four characters to the end, letters to numbers (A = 10), and the
/// whole must be 1 modulo 97.
fn is_iban(text: &str) -> bool {
    let compact: Vec<u8> = text.bytes().filter(|b| *b != b' ').collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let mut remainder: u32 = 0;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// A phone number: an international number (`+` or `00`, 8–15 digits), a national number with
/// its trunk `0` (10–11 digits, as in `020 7946 0958` or `07700 900123`), or the North American
/// shape `(555) 123-4567` / `555-123-4567` / `555.123.4567`.
fn is_phone(candidate: &str) -> bool {
    let digits = digits_of(candidate);
    if candidate.starts_with('+') {
        return (8..=15).contains(&digits.len());
    }
    if candidate.starts_with("00") && candidate[2..].starts_with(|c: char| c != '0') {
        return (10..=17).contains(&digits.len());
    }
    let groups: Vec<&str> = candidate
        .split([' ', '.', '-', '(', ')'])
        .filter(|g| !g.is_empty())
        .collect();
    let north_american = digits.len() == 10
        && groups.len() == 3
        && groups[0].len() == 3
        && groups[1].len() == 3
        && groups[2].len() == 4
        && candidate.len() > 10;
    let national = (10..=11).contains(&digits.len())
        && (candidate.starts_with('0') || candidate.starts_with("(0"))
        && groups.len() >= 2;
    north_american || national
}

/// `2026-03-04`, `2026.03.04`, `04.03.2026`: dates written with separators between numbers.
fn looks_like_a_date(candidate: &str) -> bool {
    let groups: Vec<&str> = candidate
        .split(['.', '-', ' '])
        .filter(|g| !g.is_empty())
        .collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    matches!(lens.as_slice(), [4, 2, 2] | [2, 2, 4] | [4, 2, 2, ..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_replaced_by_typed_placeholders() {
        let cases = [
            (
                "write to jane.doe+cx@example.co.uk please",
                "write to [email] please",
            ),
            (
                "Call me on +44 20 7946 0958 after 5",
                "Call me on [phone] after 5",
            ),
            ("my number is +1 (555) 123-4567.", "my number is [phone]."),
            (
                "ring 020 7946 0958 or 07700 900123",
                "ring [phone] or [phone]",
            ),
            ("US office: (555) 123-4567", "US office: [phone]"),
            ("try 555-123-4567 or 555.123.4567", "try [phone] or [phone]"),
            ("0049 30 1234567 is Berlin", "[phone] is Berlin"),
            ("+33 1 23 45 67 89", "[phone]"),
            (
                "card 4111 1111 1111 1111 was charged twice",
                "card [card] was charged twice",
            ),
            ("card 4111-1111-1111-1111", "card [card]"),
            ("paid with 5500005555555559", "paid with [card]"),
            (
                "refund to GB82 WEST 1234 5698 7654 32 thanks",
                "refund to [iban] thanks",
            ),
            ("IBAN DE89370400440532013000", "IBAN [iban]"),
            (
                "account 123456789012 still not credited",
                "account [account] still not credited",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    #[test]
    fn dates_prices_quantities_and_flight_numbers_survive() {
        let untouched = [
            "delivered 2026-03-04 at 10:20:30, three weeks late",
            "ordered on 04/03/2026 and 4.3.2026, still nothing",
            "the date 20260304 in the order email",
            "paid $1,299.00 and then £45.50 for delivery",
            "bought 2 chairs, 1 table and 12 cushions",
            "flight BA 2490 then LH400, order NW-55120",
            "ticket #48211 and invoice 2026-0042",
            "it cost 1299 euros for 3 items over 14 days",
            "rated it 10/10, would give 5 stars",
            "version 3.14.159 of the app",
            "an email address like support at northwind dot com",
            "card ending 1111 was refused",
            "order 4111 1111 1111 1112 is not a valid card number",
            "between 9:00 and 17:30 on 12.05.2026",
        ];
        for text in untouched {
            assert_eq!(redact(text), text, "{text}");
        }
    }

    #[test]
    fn text_without_candidates_is_borrowed_not_copied() {
        assert!(matches!(redact("the sofa is lovely"), Cow::Borrowed(_)));
        let spans = find("mail a@b.io or call +44 20 7946 0958");
        let kinds: Vec<PiiKind> = spans.iter().map(|s| s.2).collect();
        assert_eq!(kinds, [PiiKind::Email, PiiKind::Phone]);
    }

    #[test]
    fn checksums_are_the_real_ones() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert!(
            !luhn("0000000000000000"),
            "a run of one digit is not a card"
        );
        assert!(is_iban("GB82WEST12345698765432"));
        assert!(!is_iban("GB82WEST12345698765433"));
    }
}
