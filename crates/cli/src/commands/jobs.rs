//! `throughline worker`: a worker that runs the jobs asked for in the database (analyses…) —
//! `throughline serve` runs one too; any number share one database. `throughline jobs …`: what
//! was asked for and what became of it.

use std::time::Duration;

use clap::{Args, Subcommand};
use throughline_service::jobs::{self, Worker};
use throughline_store::Job;

use super::open_store;

/// How often a worker looks for jobs (`throughline worker`, and the server's own worker).
#[derive(Debug, Args)]
pub struct WorkerPoll {
    /// How often, in seconds, the worker looks for new jobs when it has none.
    #[arg(
        long = "worker-poll-seconds",
        default_value_t = 5,
        env = "THROUGHLINE_WORKER_POLL_SECONDS",
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    seconds: u64,
}

impl WorkerPoll {
    pub fn every(&self) -> Duration {
        Duration::from_secs(self.seconds)
    }
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    poll: WorkerPoll,
    /// Run the jobs ready now, then stop (for a scheduler, or a one-off).
    #[arg(long)]
    once: bool,
}

/// Runs a worker until stopped (or, with --once, until no job is ready).
pub async fn worker(url: &str, args: WorkerArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let worker = Worker::new(store.clone(), Worker::default_name());
    if args.once {
        let mut ran = 0;
        while let Some(done) = worker.run_one().await? {
            println!(
                "Job {} ({}): {}",
                done.job.id,
                done.job.kind,
                done.status.as_str()
            );
            ran += 1;
        }
        println!("{ran} job(s) run; none is waiting now.");
        store.close().await;
        return Ok(());
    }
    println!(
        "Worker {} is running the jobs asked for in the database (Ctrl-C stops it).",
        worker.name()
    );
    worker.run(args.poll.every()).await;
    Ok(())
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    command: JobsCommand,
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// The latest jobs, newest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One job: what it was asked to do, by whom, its attempts, its result or last error.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(url: &str, args: JobsArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let result = match args.command {
        JobsCommand::List { limit, json } => {
            let listed = jobs::list(&store, limit).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&listed)?);
            } else if listed.is_empty() {
                println!(
                    "No job yet: `throughline analyze --queue` asks a worker for an analysis."
                );
            } else {
                for job in &listed {
                    println!("{}", line(job));
                }
            }
            Ok(())
        }
        JobsCommand::Show { id, json } => {
            let job = jobs::one(&store, id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&job)?);
            } else {
                println!("{}", line(&job));
                if let Some(done) = jobs::outcome_in_words(&job) {
                    println!("  what it did: {done}");
                }
                if let Some(error) = &job.last_error {
                    println!("  last error: {error}");
                }
            }
            Ok(())
        }
    };
    store.close().await;
    result
}

/// A job on one line: id, kind, status, attempts, who asked, when.
fn line(job: &Job) -> String {
    format!(
        "{:>5}  {:<10} {:<8} attempt {}/{}  asked by {} at {}{}",
        job.id,
        job.kind,
        job.status.as_str(),
        job.attempts,
        job.max_attempts,
        job.requested_by,
        job.created_at.rfc3339().unwrap_or_default(),
        job.locked_by
            .as_deref()
            .map(|w| format!(", running on {w}"))
            .unwrap_or_default()
    )
}
