//! Jobs: work that takes longer than a request, run by workers that claim it from the database
//! (`throughline_store::Job` says how claims, leases, retries and take-overs work).
//!
//! - [`request_analysis`] asks for an analysis of the new records (or a rediscovery): the
//!   import page's "Analyse the new records now" and `throughline analyze --queue` do; asking
//!   while one waits or runs answers that one.
//! - A [`Worker`] runs the jobs of the kinds it has a handler for: `throughline serve` runs
//!   one beside the web server, `throughline worker` runs one alone (on another machine, too:
//!   any number of workers share one database). While a job runs its worker renews its lease;
//!   a worker that dies leaves a lease that runs out, and another worker takes the job over.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use throughline_store::{Job, JobStatus, NewJob, Store};

use crate::analysis::{self, AnalyzeOptions};
use crate::changes::{self, Actor};
use crate::{Result, ServiceError};

/// An analysis of the records (payload `{"rediscover": bool}`).
pub const ANALYZE: &str = "analyze";
/// How long a claim holds a job before another worker may take it over, unless renewed.
pub const LEASE_MS: i64 = 5 * 60_000;
/// How often a worker renews the lease of the job it runs.
const RENEW_EVERY: Duration = Duration::from_secs(60);
/// A failed run waits this long, times its attempts so far, before it is tried again.
const RETRY_STEP_MS: i64 = 60_000;
/// Runs of an analysis before it fails for good.
const ANALYSIS_ATTEMPTS: u32 = 3;

/// Asks for an analysis — of the new records, or a rediscovery of the themes from all of them —
/// as a job; administrators and council chairs (who import). The job, and whether it is new
/// (one that waits or runs already is the one asked for).
pub async fn request_analysis(
    store: &Store,
    actor: Actor<'_>,
    rediscover: bool,
) -> Result<(Job, bool)> {
    changes::may_edit(actor, None).map_err(|_| {
        ServiceError::Forbidden(
            "only administrators and council chairs start an analysis".to_owned(),
        )
    })?;
    let payload = serde_json::json!({ "rediscover": rediscover }).to_string();
    Ok(store
        .enqueue_job(NewJob {
            kind: ANALYZE,
            key: if rediscover {
                "rediscover"
            } else {
                "new records"
            },
            payload: &payload,
            max_attempts: ANALYSIS_ATTEMPTS,
            requested_by: &actor.audit_name(),
        })
        .await?)
}

/// The latest `limit` jobs, newest first.
pub async fn list(store: &Store, limit: u32) -> Result<Vec<Job>> {
    Ok(store.jobs(limit).await?)
}

/// Job `id`, or 404.
pub async fn one(store: &Store, id: i64) -> Result<Job> {
    store
        .job(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no job {id}")))
}

/// What a handler's run of a job comes to: its result (JSON) or why it failed.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<String>> + Send>>;
/// Runs one job of a kind: given the store and the job's payload.
pub type Handler = Arc<dyn Fn(Store, String) -> HandlerFuture + Send + Sync>;

/// A worker: the kinds it runs, and its name in the leases it holds.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    name: String,
    handlers: HashMap<&'static str, Handler>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("name", &self.name)
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What one turn of a worker did.
#[derive(Debug, Clone, PartialEq)]
pub struct Ran {
    pub job: Job,
    /// Its status after the run (queued again after a failure with attempts left).
    pub status: JobStatus,
}

impl Worker {
    /// A worker named `name` (unique among the workers sharing the database: a host and a
    /// process id), running analyses.
    pub fn new(store: Store, name: impl Into<String>) -> Self {
        let analyze: Handler = Arc::new(|store: Store, payload: String| -> HandlerFuture {
            Box::pin(async move { run_analysis(&store, &payload).await })
        });
        Self {
            store,
            name: name.into(),
            handlers: HashMap::from([(ANALYZE, analyze)]),
        }
    }

    /// This worker also runs jobs of `kind` with `handler`.
    pub fn handle(mut self, kind: &'static str, handler: Handler) -> Self {
        self.handlers.insert(kind, handler);
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A name for a worker of this process: its host and process id.
    pub fn default_name() -> String {
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned());
        format!("{host}:{}", std::process::id())
    }

    /// Claims one job and runs it; `None` when no job was ready.
    pub async fn run_one(&self) -> Result<Option<Ran>> {
        let kinds: Vec<&str> = self.handlers.keys().copied().collect();
        let Some(job) = self.store.claim_job(&self.name, &kinds, LEASE_MS).await? else {
            return Ok(None);
        };
        let handler = Arc::clone(&self.handlers[job.kind.as_str()]);
        tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, worker = %self.name, "job started");
        let run = handler(self.store.clone(), job.payload.clone());
        tokio::pin!(run);
        // The lease is renewed while the job runs, so no other worker takes it over.
        let mut renew = tokio::time::interval(RENEW_EVERY);
        renew.tick().await;
        let outcome = loop {
            tokio::select! {
                outcome = &mut run => break outcome,
                _ = renew.tick() => {
                    if let Err(err) = self.store.renew_job_lease(job.id, &self.name, LEASE_MS).await {
                        tracing::warn!(job = job.id, error = %err, "job lease not renewed");
                    }
                }
            }
        };
        let status = match outcome {
            Ok(result) => {
                if self.store.finish_job(job.id, &self.name, &result).await? {
                    tracing::info!(job = job.id, "job done");
                    JobStatus::Done
                } else {
                    tracing::warn!(
                        job = job.id,
                        "job finished after another worker took it over"
                    );
                    JobStatus::Running
                }
            }
            Err(err) => {
                // A refusal (no feedback yet, a bad payload) is the same on the next run.
                let retry = !matches!(
                    err,
                    ServiceError::Invalid(_)
                        | ServiceError::Forbidden(_)
                        | ServiceError::NotFound(_)
                );
                let wait = RETRY_STEP_MS * i64::from(job.attempts.max(1));
                let status = self
                    .store
                    .fail_job(job.id, &self.name, &err.to_string(), retry, wait)
                    .await?
                    .unwrap_or(JobStatus::Running);
                tracing::warn!(job = job.id, error = %err, status = status.as_str(), "job failed");
                status
            }
        };
        Ok(Some(Ran { job, status }))
    }

    /// Runs jobs until the process stops: each ready job at once, then a look every `poll`.
    pub async fn run(self, poll: Duration) {
        loop {
            match self.run_one().await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(error = %err, worker = %self.name, "the worker could not claim a job")
                }
            }
            tokio::time::sleep(poll).await;
        }
    }
}

/// What an analysis job did: its result, as stored (JSON).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnalysisDone {
    /// discover, incremental, rediscover or edit.
    pub mode: String,
    /// Records this run analysed.
    pub analysed: u64,
    /// Records stored.
    pub total: u64,
    pub themes: usize,
    pub new_themes: usize,
}

/// What a finished job did, in words: an analysis's counts, another kind's result as stored.
pub fn outcome_in_words(job: &Job) -> Option<String> {
    let result = job.result.as_deref()?;
    Some(
        match (
            job.kind.as_str(),
            serde_json::from_str::<AnalysisDone>(result),
        ) {
            (ANALYZE, Ok(done)) => format!(
                "{} records analysed ({} in all): {} themes, {} new",
                done.analysed, done.total, done.themes, done.new_themes
            ),
            _ => result.to_owned(),
        },
    )
}

/// Runs an analysis job; its result says what the analysis did ([`AnalysisDone`]).
async fn run_analysis(store: &Store, payload: &str) -> Result<String> {
    let payload: serde_json::Value = serde_json::from_str(payload)
        .map_err(|e| ServiceError::Invalid(format!("the job's payload cannot be read: {e}")))?;
    let options = AnalyzeOptions {
        rediscover: payload["rediscover"].as_bool().unwrap_or(false),
        ..AnalyzeOptions::default()
    };
    let outcome = analysis::analyze(store, options).await?;
    let done = AnalysisDone {
        mode: format!("{:?}", outcome.mode).to_lowercase(),
        analysed: outcome.analysed,
        total: outcome.total,
        themes: outcome.themes,
        new_themes: outcome.new_themes,
    };
    Ok(serde_json::to_string(&done).expect("counts serialise"))
}
