-- A forgotten password reset by e-mail (issue 26): each link's token is kept only as its
-- SHA-256 hash, for one user, until it expires; it works once (`used_at`).
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX password_resets_by_user ON password_resets (user_id, created_at);

-- A new table only: the version before this one works with it.
INSERT INTO schema_compat (version, oldest_reader) VALUES (24, 23);
