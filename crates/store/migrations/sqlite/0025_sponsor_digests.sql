-- The weekly digest each key account's executive sponsor receives (issue 25): each (account,
-- period, address) is sent at most once, as the departments' digests are, with failures retried.
CREATE TABLE sponsor_digest_deliveries (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    period TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (account, period, email)
);

-- A new table only: the version before this one works with it.
INSERT INTO schema_compat (version, oldest_reader) VALUES (25, 24);
