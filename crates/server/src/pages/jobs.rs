//! The jobs asked for in the database (`/jobs`, `/jobs/{id}`): what was asked, by whom, where it
//! stands, its result or its last error. A job's page refreshes itself while the job waits or
//! runs, so "Analyse the new records now" on the import page can hand the work to a worker and
//! show it arrive.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::Serialize;
use throughline_service::jobs;
use throughline_store::{Job, JobStatus};

use super::{UserView, minute, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list))
        .route("/jobs/{id}", get(one))
}

/// Jobs listed on the page.
const SHOWN: u32 = 100;

#[derive(Serialize)]
struct JobView {
    id: i64,
    kind: String,
    status: &'static str,
    attempts: u32,
    max_attempts: u32,
    requested_by: String,
    asked: String,
    started: Option<String>,
    finished: Option<String>,
    worker: Option<String>,
    last_error: Option<String>,
    /// What it did, in words.
    outcome: Option<String>,
    waiting: bool,
}

impl From<Job> for JobView {
    fn from(job: Job) -> Self {
        let outcome = jobs::outcome_in_words(&job);
        Self {
            id: job.id,
            status: job.status.as_str(),
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            asked: minute(job.created_at),
            started: job.started_at.map(minute),
            finished: job.finished_at.map(minute),
            worker: job.locked_by,
            last_error: job.last_error,
            waiting: matches!(job.status, JobStatus::Queued | JobStatus::Running),
            requested_by: job.requested_by,
            kind: job.kind,
            outcome,
        }
    }
}

#[derive(Serialize)]
struct JobsPage {
    user: UserView,
    jobs: Vec<JobView>,
    job: Option<JobView>,
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    let listed = jobs::list(&state.store, SHOWN).await?;
    Ok(Html(render(
        "jobs.html",
        JobsPage {
            user: user_view(&user),
            jobs: listed.into_iter().map(Into::into).collect(),
            job: None,
        },
    )?))
}

async fn one(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let job = jobs::one(&state.store, id).await?;
    Ok(Html(render(
        "jobs.html",
        JobsPage {
            user: user_view(&user),
            jobs: Vec::new(),
            job: Some(job.into()),
        },
    )?))
}
