//! Jobs in the database: work that takes longer than a request (an analysis run, …) as rows
//! any worker claims, runs and finishes.
//!
//! - **Claimed under a lease**: a claim marks the job running by one worker until a time; the
//!   worker renews the lease while it works. A worker that dies stops renewing, and once the
//!   lease has run out another worker takes the job over. On PostgreSQL the claim takes the
//!   first ready row `FOR UPDATE SKIP LOCKED`, so workers never wait on each other; on SQLite
//!   the claim is one write transaction (SQLite has one writer at a time), which comes to the
//!   same.
//! - **Retried**: a failed run is queued again after a pause, until `max_attempts` runs have
//!   failed; then it is failed for good with its last error. A job whose lease ran out after its
//!   last attempt is failed ("the worker stopped").
//! - **Asked for once**: at most one job of a kind and key waits or runs at a time (a partial
//!   unique index); asking again while it does answers the same job.
//! - **Finished only by its worker**: a worker that lost its lease (the job was taken over) can
//!   no longer finish or fail it.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::Timestamp;

use crate::{AuditLine, Backend, Result, Store, StoreError};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Done, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Job {
    pub id: i64,
    /// What to do ("analyze", …).
    pub kind: String,
    /// What makes two requests the same job (at most one waits or runs per kind and key).
    pub key: String,
    /// What the job is given (JSON).
    pub payload: String,
    pub status: JobStatus,
    /// Runs started so far.
    pub attempts: u32,
    pub max_attempts: u32,
    /// Not run before this time (a retry waits).
    pub run_after: Timestamp,
    /// The worker running it, while it runs.
    pub locked_by: Option<String>,
    /// Until when its worker holds it.
    pub locked_until: Option<Timestamp>,
    pub requested_by: String,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// What it did (JSON), once done.
    pub result: Option<String>,
}

/// A job as it is asked for.
#[derive(Debug, Clone, Copy)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub key: &'a str,
    pub payload: &'a str,
    pub max_attempts: u32,
    /// Who asked (audited).
    pub requested_by: &'a str,
}

/// Jobs counted by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

const JOB_COLUMNS: &str = "id, kind, job_key, payload, status, attempts, max_attempts, \
     run_after, locked_by, locked_until, requested_by, created_at, started_at, finished_at, \
     last_error, result";

impl Store {
    /// Asks for a job; the job, and whether it is new — a job of the same kind and key that
    /// waits or runs already is the one asked for (nothing is added). A new job is audited as
    /// `job.enqueue` in its transaction.
    pub async fn enqueue_job(&self, job: NewJob<'_>) -> Result<(Job, bool)> {
        let active = || {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 AND job_key = $2 \
                 AND status IN ('queued', 'running')"
            )))
        };
        let mut tx = self.begin_write().await?;
        if let Some(row) = active()
            .bind(job.kind)
            .bind(job.key)
            .fetch_optional(&mut *tx)
            .await?
        {
            return Ok((job_of(&row)?, false));
        }
        let now = Timestamp::now().as_millis();
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO jobs (kind, job_key, payload, status, attempts, max_attempts, \
             run_after, requested_by, created_at) \
             VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $5) RETURNING {JOB_COLUMNS}"
        )))
        .bind(job.kind)
        .bind(job.key)
        .bind(job.payload)
        .bind(i64::from(job.max_attempts.max(1)))
        .bind(now)
        .bind(job.requested_by)
        .fetch_one(&mut *tx)
        .await;
        let row = match inserted {
            Ok(row) => row,
            // Another instance asked for it at the same moment (PostgreSQL lets both
            // transactions try): theirs is the one.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                drop(tx);
                let row = active()
                    .bind(job.kind)
                    .bind(job.key)
                    .fetch_one(&mut *self.conn().await?)
                    .await?;
                return Ok((job_of(&row)?, false));
            }
            Err(other) => return Err(other.into()),
        };
        let stored = job_of(&row)?;
        let after = serde_json::json!({ "kind": job.kind, "key": job.key });
        crate::accounts::write_audit(
            &mut tx,
            &AuditLine {
                actor: job.requested_by,
                action: "job.enqueue",
                subject: &format!("job {}", stored.id),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((stored, true))
    }

    /// Claims the oldest job of one of `kinds` (the ones `worker` knows how to run) ready to
    /// run — queued and due, or running under a lease that ran out (its worker stopped) with
    /// attempts left — for `worker` until `lease_ms` from now; `None` when there is none. Jobs
    /// whose lease ran out after their last attempt are failed on the way.
    pub async fn claim_job(
        &self,
        worker: &str,
        kinds: &[&str],
        lease_ms: i64,
    ) -> Result<Option<Job>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let now = Timestamp::now().as_millis();
        // An idle worker looks without taking the write lock: on SQLite a write transaction
        // every few seconds would queue behind a long import for nothing.
        let ready: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE (status = 'queued' AND run_after <= $1) \
             OR (status = 'running' AND locked_until < $1) LIMIT 1",
        )
        .bind(now)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        if ready.is_none() {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1, locked_by = NULL, \
             locked_until = NULL, last_error = COALESCE(last_error || ' — ', '') || \
             'the worker stopped before it finished, on the last attempt' \
             WHERE status = 'running' AND locked_until < $1 AND attempts >= max_attempts",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Workers on PostgreSQL skip the rows another claim holds instead of waiting for it.
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let kind_list = (0..kinds.len())
            .map(|i| format!("${}", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2, started_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE kind IN ({kind_list}) AND \
             ((status = 'queued' AND run_after <= $3) \
             OR (status = 'running' AND locked_until < $3 AND attempts < max_attempts)) \
             ORDER BY id LIMIT 1{skip_locked}) RETURNING {JOB_COLUMNS}"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now);
        for kind in kinds {
            query = query.bind(*kind);
        }
        let row = query.fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        row.as_ref().map(job_of).transpose()
    }

    /// Renews `worker`'s lease on job `id` until `lease_ms` from now; false when the worker no
    /// longer holds it (it was taken over).
    pub async fn renew_job_lease(&self, id: i64, worker: &str, lease_ms: i64) -> Result<bool> {
        let now = Timestamp::now().as_millis();
        Ok(sqlx::query(
            "UPDATE jobs SET locked_until = $1 \
             WHERE id = $2 AND locked_by = $3 AND status = 'running'",
        )
        .bind(now + lease_ms)
        .bind(id)
        .bind(worker)
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    /// Marks job `id` done with its `result` (JSON); false when `worker` no longer holds it.
    pub async fn finish_job(&self, id: i64, worker: &str, result: &str) -> Result<bool> {
        let now = Timestamp::now().as_millis();
        Ok(sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = $1, result = $2, locked_by = NULL, \
             locked_until = NULL WHERE id = $3 AND locked_by = $4 AND status = 'running'",
        )
        .bind(now)
        .bind(result)
        .bind(id)
        .bind(worker)
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected()
            == 1)
    }

    /// A run of job `id` by `worker` failed with `error`: queued again `retry_in_ms` from now
    /// while it has attempts left (and `retry` — an error another run cannot mend is final),
    /// else failed for good. Its status after; `None` when `worker` no longer holds it.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry: bool,
        retry_in_ms: i64,
    ) -> Result<Option<JobStatus>> {
        let attempts_left = if retry {
            "attempts < max_attempts"
        } else {
            "1 = 0"
        };
        let now = Timestamp::now().as_millis();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET \
             status = CASE WHEN {attempts_left} THEN 'queued' ELSE 'failed' END, \
             run_after = $1, finished_at = CASE WHEN {attempts_left} THEN NULL \
             ELSE $2 END, last_error = $3, locked_by = NULL, locked_until = NULL \
             WHERE id = $4 AND locked_by = $5 AND status = 'running' RETURNING {JOB_COLUMNS}"
        )))
        .bind(now + retry_in_ms)
        .bind(now)
        .bind(error)
        .bind(id)
        .bind(worker)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.as_ref().map(job_of).transpose()?.map(|job| job.status))
    }

    /// Job `id`.
    pub async fn job(&self, id: i64) -> Result<Option<Job>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(job_of).transpose()
    }

    /// The latest `limit` jobs, newest first.
    pub async fn jobs(&self, limit: u32) -> Result<Vec<Job>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(job_of).collect()
    }

    /// Jobs counted by status (the queue's depth, its failures).
    pub async fn job_counts(&self) -> Result<JobCounts> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM jobs GROUP BY status")
                .fetch_all(&mut *self.conn().await?)
                .await?;
        let mut counts = JobCounts::default();
        for (status, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match JobStatus::parse(&status) {
                Some(JobStatus::Queued) => counts.queued = n,
                Some(JobStatus::Running) => counts.running = n,
                Some(JobStatus::Done) => counts.done = n,
                Some(JobStatus::Failed) => counts.failed = n,
                None => {}
            }
        }
        Ok(counts)
    }
}

fn job_of(row: &AnyRow) -> Result<Job> {
    let id: i64 = row.try_get("id")?;
    let status: String = row.try_get("status")?;
    let count = |column: &str| -> Result<u32> {
        Ok(u32::try_from(row.try_get::<i64, _>(column)?).unwrap_or(u32::MAX))
    };
    let time = |column: &str| -> Result<Option<Timestamp>> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(Timestamp::from_millis))
    };
    Ok(Job {
        id,
        kind: row.try_get("kind")?,
        key: row.try_get("job_key")?,
        payload: row.try_get("payload")?,
        status: JobStatus::parse(&status)
            .ok_or_else(|| StoreError::Inconsistent(format!("job {id}: status {status:?}")))?,
        attempts: count("attempts")?,
        max_attempts: count("max_attempts")?,
        run_after: Timestamp::from_millis(row.try_get("run_after")?),
        locked_by: row.try_get("locked_by")?,
        locked_until: time("locked_until")?,
        requested_by: row.try_get("requested_by")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        started_at: time("started_at")?,
        finished_at: time("finished_at")?,
        last_error: row.try_get("last_error")?,
        result: row.try_get("result")?,
    })
}
