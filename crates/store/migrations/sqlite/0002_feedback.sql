-- Imported customer feedback and the imports that brought it in. A record is unique per
-- (source, dedup_key): `id:<external id>` or `sha256:<content hash>`, which makes re-importing
-- a file a no-op. Stage and touchpoint are organisation keys, kept as text so that records
-- survive edits of the organisation file.

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    mapping TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    rows_read INTEGER NOT NULL DEFAULT 0,
    imported INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    rejects_path TEXT
);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    external_id TEXT,
    import_id INTEGER REFERENCES imports (id) ON DELETE SET NULL,
    received_at INTEGER NOT NULL,
    customer TEXT,
    channel TEXT,
    stage_key TEXT,
    touchpoint_key TEXT,
    nps INTEGER,
    csat INTEGER,
    ces INTEGER,
    rating REAL,
    comment TEXT,
    helpful TEXT,
    hindering TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    UNIQUE (source, dedup_key)
);

CREATE INDEX feedback_received_at ON feedback (received_at);
CREATE INDEX feedback_import ON feedback (import_id);
