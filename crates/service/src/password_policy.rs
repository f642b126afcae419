//! What makes a password too easy to guess: too short, a handful of characters repeated
//! ("aaaaaaaaaa", "abababab12"), a run along the keyboard or the alphabet ("qwertyuiop",
//! "1234567890"), one of the passwords people choose most often or such a word with digits and
//! symbols added ("Password123!"), or the person's own e-mail name. The list of common
//! passwords ships as data (`data/common-passwords.txt`).

use std::collections::HashSet;
use std::sync::LazyLock;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Runs along a keyboard's rows and the alphabet, both ways.
const SEQUENCES: &[&str] = &[
    "1234567890",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "azertyuiop",
    "qwertzuiop",
];

/// Why `password` is refused for the account `email`, or `None` when it is good enough.
pub fn problem(password: &str, email: &str) -> Option<String> {
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_PASSWORD_CHARS {
        return Some(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    let lower = password.to_lowercase();
    let distinct: HashSet<char> = lower.chars().collect();
    if distinct.len() <= 3 {
        return Some(format!(
            "the password uses only {} different characters: anyone could guess it",
            distinct.len()
        ));
    }
    let lower_chars: Vec<char> = lower.chars().collect();
    for period in 1..=lower_chars.len() / 2 {
        let repeats = lower_chars.len() >= 2 * period
            && lower_chars
                .iter()
                .enumerate()
                .skip(period)
                .filter(|(i, c)| lower_chars[i - period] == **c)
                .count()
                * 10
                >= (lower_chars.len() - period) * 9;
        if repeats {
            return Some(
                "the password repeats the same few characters: anyone could guess it".to_owned(),
            );
        }
    }
    let plain: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    let in_sequence = |text: &str| {
        text.len() >= 6
            && SEQUENCES
                .iter()
                .any(|s| s.contains(text) || s.chars().rev().collect::<String>().contains(text))
    };
    if in_sequence(&plain) {
        return Some(
            "the password runs along the keyboard or the alphabet: it is among the first guessed"
                .to_owned(),
        );
    }
    // The word under digits and symbols added at the end ("Password123!", "summer2026").
    let base = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let base_plain: String = base.chars().filter(char::is_ascii_alphanumeric).collect();
    if COMMON.contains(lower.as_str())
        || COMMON.contains(plain.as_str())
        || COMMON.contains(base)
        || COMMON.contains(base_plain.as_str())
        || in_sequence(&base_plain)
    {
        return Some(
            "the password is one of those people choose most often: it is among the first guessed"
                .to_owned(),
        );
    }
    let name = email.split('@').next().unwrap_or_default().to_lowercase();
    if name.chars().count() >= 5 && lower.contains(&name) {
        return Some("the password contains your e-mail address's name".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn easy_passwords_are_refused_with_the_reason() {
        let email = "amara.nwosu@northwind.example";
        for (password, reason) in [
            ("short", "at least 10"),
            ("aaaaaaaaaa", "only 1 different"),
            ("abababababab", "only 2 different"),
            ("abcdabcdabcd", "repeats"),
            ("1234567890", "keyboard or the alphabet"),
            ("qwertyuiop", "keyboard or the alphabet"),
            ("0987654321", "keyboard or the alphabet"),
            ("Password123!", "choose most often"),
            ("password1234", "choose most often"),
            ("Summer2026!!", "choose most often"),
            ("Northwind2026", "choose most often"),
            ("qwerty123456", "choose most often"),
            ("amara.nwosu-2026", "e-mail address's name"),
        ] {
            let refused = problem(password, email);
            assert!(
                refused.as_deref().is_some_and(|r| r.contains(reason)),
                "{password}: {refused:?}"
            );
        }
    }

    #[test]
    fn passphrases_and_random_passwords_are_accepted() {
        let email = "amara.nwosu@northwind.example";
        for password in [
            "correct horse battery",
            // The demo's (its account is demo@…: names under five letters are not checked).
            "a brand new passphrase",
            "northwind-demo",
            "Tr0ub4dor&3x",
            "v8#Kq2!mZp",
            "my sofa arrived late",
        ] {
            assert_eq!(problem(password, email), None, "{password}");
        }
    }
}
