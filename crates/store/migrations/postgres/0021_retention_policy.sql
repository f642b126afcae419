-- The retention policy (issue 28, 6): feedback received more than `months` months ago is
-- deleted, or anonymised (its words, customer id and other columns removed; its date, scores,
-- stage and themes kept), on a schedule. One row at most; none means records are kept.
CREATE TABLE retention_policy (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    months INTEGER NOT NULL CHECK (months >= 1),
    mode TEXT NOT NULL CHECK (mode IN ('delete', 'anonymise')),
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    last_applied_at BIGINT
);
-- A new table only: the version before this one works with it.
INSERT INTO schema_compat (version, oldest_reader) VALUES (21, 20);
