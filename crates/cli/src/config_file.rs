//! The optional configuration file (`--config FILE`, or `THROUGHLINE_CONFIG=FILE`): the settings
//! an administrator would otherwise give as `THROUGHLINE_*` environment variables, kept in one
//! TOML file beside the deployment. A flag beats the environment, the environment beats the
//! file, the file beats the built-in default: the file fills in only what is not set already.
//!
//! ```toml
//! database_url = "postgres://throughline@db.internal/throughline"
//! listen = "0.0.0.0:8080"
//! public_url = "https://cx.example.com"
//! digest_schedule = "mon 08:00"
//!
//! [smtp]
//! host = "smtp.example.com"
//! from = "Throughline <cx@example.com>"
//! ```
//!
//! A key is a setting's environment name without `THROUGHLINE_`, in lowercase; a table is a
//! prefix (`[smtp] host` is `THROUGHLINE_SMTP_HOST`). A key that names no setting is refused
//! with the settings there are, so a typo never passes for a setting. The file's values are the
//! command line's defaults ([`command`]) and what `throughline_domain::settings::var` falls back
//! on for the settings read from the environment alone; the environment itself is left as it is.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

/// Settings a file readable by anyone on the machine should not hold.
const SECRETS: &[&str] = &["THROUGHLINE_SMTP_PASSWORD", "THROUGHLINE_SSO_CLIENT_SECRET"];

/// The file the command line or the environment names, if any: `--config FILE`,
/// `--config=FILE`, else `THROUGHLINE_CONFIG`.
fn named_file(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("THROUGHLINE_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Every setting the file may hold: the environment names of the command line's flags and
/// those read from the environment alone.
fn known_settings() -> BTreeSet<String> {
    fn collect(command: &clap::Command, into: &mut BTreeSet<String>) {
        for arg in command.get_arguments() {
            if let Some(name) = arg.get_env().and_then(|e| e.to_str())
                && name != "THROUGHLINE_CONFIG"
            {
                into.insert(name.to_owned());
            }
        }
        for sub in command.get_subcommands() {
            collect(sub, into);
        }
    }
    let mut known: BTreeSet<String> = throughline_domain::settings::ENVIRONMENT_ONLY
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    collect(&crate::commands::Cli::command(), &mut known);
    known
}

/// The settings of a configuration file's text as environment names and values, refused with
/// the reason (`path` names the file in messages).
fn settings_of(path: &Path, text: &str) -> Result<Vec<(String, String)>, String> {
    let file = path.display();
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("{file} is not valid TOML: {e}"))?;
    let known = known_settings();
    let mut settings = Vec::new();
    let mut add = |key: String, value: &toml::Value| -> Result<(), String> {
        let name = format!("THROUGHLINE_{}", key.to_uppercase().replace('-', "_"));
        if !known.contains(&name) {
            let keys: Vec<String> = known
                .iter()
                .map(|k| k.trim_start_matches("THROUGHLINE_").to_lowercase())
                .collect();
            return Err(format!(
                "{file}: {key:?} is not a setting; the settings are: {}",
                keys.join(", ")
            ));
        }
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(format!(
                    "{file}: {key} must be a text, a number or true/false, not {}",
                    value.type_str()
                ));
            }
        };
        settings.push((name, text));
        Ok(())
    };
    for (key, value) in &table {
        match value {
            toml::Value::Table(inner) => {
                for (inner_key, inner_value) in inner {
                    if inner_value.is_table() {
                        return Err(format!(
                            "{file}: [{key}.{inner_key}] is one table too deep: write \
                             [{key}] {inner_key}_… = …"
                        ));
                    }
                    add(format!("{key}_{inner_key}"), inner_value)?;
                }
            }
            _ => add(key.clone(), value)?,
        }
    }
    Ok(settings)
}

/// Reads the configuration file the command line or the environment names, if any, and keeps
/// its settings for the run (`throughline_domain::settings`). The file read; a file that cannot
/// be read or holds a wrong key is an error that names it.
pub fn load(args: &[OsString]) -> Result<Option<PathBuf>, String> {
    let Some(path) = named_file(args) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the configuration file {}: {e}", path.display()))?;
    let settings = settings_of(&path, &text)?;
    if world_readable(&path)
        && let Some((secret, _)) = settings.iter().find(|(n, _)| SECRETS.contains(&n.as_str()))
    {
        eprintln!(
            "warning: {} holds {} and anyone on this machine may read it: chmod 600 it, or \
             give the secret in the environment",
            path.display(),
            secret.trim_start_matches("THROUGHLINE_").to_lowercase()
        );
    }
    throughline_domain::settings::use_file(settings.into_iter().collect());
    Ok(Some(path))
}

/// The command line with the configuration file's values as the defaults of the flags they
/// set: a flag given beats the environment, which beats the file (clap reads a flag's
/// environment variable before its default), and a value from the file is checked as the
/// flag's own would be.
pub fn command() -> clap::Command {
    fn with_file_defaults(mut command: clap::Command) -> clap::Command {
        let subcommands: Vec<String> = command
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for name in subcommands {
            command = command.mut_subcommand(name, with_file_defaults);
        }
        command.mut_args(|arg| {
            let from_file = arg
                .get_env()
                .and_then(|e| e.to_str())
                .and_then(throughline_domain::settings::from_file);
            match from_file {
                Some(value) => arg.default_value(value),
                None => arg,
            }
        })
    }
    with_file_defaults(crate::commands::Cli::command())
}

#[cfg(unix)]
fn world_readable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o004 != 0)
}

#[cfg(not(unix))]
fn world_readable(_path: &Path) -> bool {
    false
}
