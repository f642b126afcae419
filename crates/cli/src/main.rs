#![doc = include_str!("../README.md")]

mod commands;
mod config_file;

use std::process::ExitCode;

use clap::FromArgMatches;

// mimalloc rather than the system allocator: an analysis allocates millions of short strings
// and small vectors, and glibc's malloc/free took a fifth of a million-comment analysis.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The configuration file fills in the settings neither a flag nor the environment gives;
    // it is read before the command line, whose defaults it sets.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Err(message) = config_file::load(&args) {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let cli = match commands::Cli::from_arg_matches_mut(
        &mut config_file::command().get_matches_from(args),
    ) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    // sqlx's "slow statement" warnings are for developers (THROUGHLINE_LOG=sqlx::query=warn
    // shows them): reading a whole table for an analysis or a backup is slow by nature, and the
    // warning would only alarm an operator.
    let filter = throughline_domain::settings::var("THROUGHLINE_LOG")
        .and_then(|directives| tracing_subscriber::EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("warn,sqlx::query=error"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // One JSON object per line for a log collector (`THROUGHLINE_LOG_FORMAT=json`).
    if throughline_domain::settings::var("THROUGHLINE_LOG_FORMAT")
        .is_some_and(|f| f.eq_ignore_ascii_case("json"))
    {
        logs.json().init();
    } else {
        logs.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole chain of causes on one line.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
