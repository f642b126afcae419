//! Where a `THROUGHLINE_*` setting comes from: the environment, else the deployment's
//! configuration file (`throughline --config FILE`, read once when the program starts). Every
//! setting that is not a command-line flag is read here, so the file can give any of them;
//! the flags get the file's values as their defaults where the command line is read.

use std::collections::BTreeMap;
use std::sync::OnceLock;

static FILE: OnceLock<BTreeMap<String, String>> = OnceLock::new();

/// The settings read with [`var`]: those no command-line flag has. The configuration file
/// accepts these and the flags' own; a setting read with [`var`] must be listed here (checked
/// in debug builds), or the file would refuse it.
pub const ENVIRONMENT_ONLY: &[&str] = &[
    "THROUGHLINE_DIGEST_SCHEDULE",
    "THROUGHLINE_SMTP_HOST",
    "THROUGHLINE_SMTP_PORT",
    "THROUGHLINE_SMTP_SECURITY",
    "THROUGHLINE_SMTP_USERNAME",
    "THROUGHLINE_SMTP_PASSWORD",
    "THROUGHLINE_SMTP_FROM",
    "THROUGHLINE_TRUSTED_PROXIES",
    "THROUGHLINE_LOG",
    "THROUGHLINE_LOG_FORMAT",
    "THROUGHLINE_CHROMIUM",
];

/// Keeps the configuration file's settings (environment names and values) for the rest of the
/// run; the first call wins (the program reads one file, once).
pub fn use_file(settings: BTreeMap<String, String>) {
    let _ = FILE.set(settings);
}

/// The configuration file's value of setting `name`, if it gives one.
pub fn from_file(name: &str) -> Option<&'static str> {
    FILE.get()?.get(name).map(String::as_str)
}

/// Setting `name` (`THROUGHLINE_…`): the environment's value, else the configuration file's.
pub fn var(name: &str) -> Option<String> {
    debug_assert!(
        ENVIRONMENT_ONLY.contains(&name),
        "{name} is read with settings::var: list it in settings::ENVIRONMENT_ONLY"
    );
    std::env::var(name)
        .ok()
        .or_else(|| from_file(name).map(str::to_owned))
}
