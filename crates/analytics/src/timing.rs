//! Time spent per phase of an analysis, printed to standard error when the environment variable
//! `THROUGHLINE_TIMINGS` is set (for profiling a slow analysis; see docs/analytics.md, Speed).

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("THROUGHLINE_TIMINGS").is_some())
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

/// Reports the time since `start` under `phase` when timings are on.
pub fn report(phase: &str, start: Instant) {
    if enabled() {
        eprintln!(
            "timing: {phase:<32} {:>8.3} s",
            start.elapsed().as_secs_f64()
        );
    }
}
