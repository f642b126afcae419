-- Jobs in the database (issue 28): work that takes longer than a request — an analysis run, and
-- the kinds added after it — is a row that any worker (`throughline serve` runs one,
-- `throughline worker` runs one alone) claims, runs and finishes. A claim is a lease: a worker
-- that dies stops renewing it, and once it has run out another worker takes the job over. A
-- failed run is tried again later, up to max_attempts. At most one job of a kind and key waits
-- or runs at a time, so asking twice is asking once.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    job_key TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_after INTEGER NOT NULL,
    locked_by TEXT,
    locked_until INTEGER,
    requested_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    last_error TEXT,
    result TEXT
);
CREATE INDEX jobs_ready ON jobs (status, run_after);
CREATE UNIQUE INDEX jobs_one_active ON jobs (kind, job_key) WHERE status IN ('queued', 'running');
-- A new table: the version before this one works beside it (it runs its analyses in the
-- request, as before).
INSERT INTO schema_compat (version, oldest_reader) VALUES (30, 29);
