//! Time spent per phase of an analysis, printed to standard error when the environment variable
//! `THROUGHLINE_TIMINGS` is set (for profiling a slow analysis; see docs/analytics.md, Speed).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("THROUGHLINE_TIMINGS").is_some())
}

/// Prints a line of context (a size, a count) among the timings when they are on.
pub fn note(what: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("timing: {}", what());
    }
}

/// Runs `work`, reporting how long it took under `phase` when timings are on.
pub fn phase<T>(phase: &str, work: impl FnOnce() -> T) -> T {
    if !enabled() {
        return work();
    }
    let start = Instant::now();
    let result = work();
    report(phase, start);
    result
}

/// Reports the time since `start` under `phase` when timings are on, with the processor time
/// and the resident and peak memory of the process where the system says (Linux): on a large
/// file, memory touched for the first time costs time too.
pub fn report(phase: &str, start: Instant) {
    if enabled() {
        eprintln!(
            "timing: {phase:<32} {:>8.3} s{}",
            start.elapsed().as_secs_f64(),
            usage().unwrap_or_default()
        );
    }
}

/// "  cpu N s, resident N MB, peak N MB" from /proc/self (the process's processor time so far,
/// which against the phase's time shows how well it used the cores), or None where there is no
/// such file.
fn usage() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let megabytes = |key: &str| -> Option<u64> {
        let line = status.lines().find(|line| line.starts_with(key))?;
        let kilobytes: u64 = line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kilobytes / 1024)
    };
    // Fields 14 and 15 of /proc/self/stat, after the parenthesised command name: user and
    // system time in clock ticks (100 a second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let mut fields = stat[stat.rfind(')')? + 2..].split(' ');
    let user: u64 = fields.nth(11)?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(format!(
        "   cpu {:>6.2} s, resident {:>5} MB, peak {:>5} MB",
        (user + system) as f64 / 100.0,
        megabytes("VmRSS:")?,
        megabytes("VmHWM:")?
    ))
}
