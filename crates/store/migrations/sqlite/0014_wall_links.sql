-- Story-wall links: signed, read-only, revocable addresses that show the customer-story wall
-- (and nothing else) on a screen with no account — a break room, a staff meeting. The store
-- keeps only the SHA-256 of the link's secret; the link's filters are fixed when it is made.
CREATE TABLE wall_links (
    id INTEGER PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    department_key TEXT,
    stage_key TEXT,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
