-- The analysis of stored feedback. `codebooks` holds the saved theme model (one row per
-- discovery; the newest is in use); `themes` the workspace's themes, edited by people (rename,
-- merge, split, archive, added phrases) and carrying the aggregates the latest analysis
-- computed; `feedback_analysis` and `feedback_themes` what each record was found to say;
-- `analysis_runs` the history of runs with each run's summary (scores, Top Ten, spikes).

CREATE TABLE codebooks (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    model BLOB NOT NULL
);

CREATE TABLE themes (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    label_edited INTEGER NOT NULL DEFAULT 0,
    phrases TEXT NOT NULL DEFAULT '[]',
    added_phrases TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'active',
    merged_into INTEGER REFERENCES themes (id),
    -- The owner a person set (a department key, or 'council'); analysis never overwrites it.
    owner TEXT,
    split_from INTEGER REFERENCES themes (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    records INTEGER NOT NULL DEFAULT 0,
    share REAL NOT NULL DEFAULT 0,
    mean_sentiment REAL,
    stage_key TEXT,
    impact TEXT,
    top_ten_rank INTEGER
);

CREATE TABLE feedback_analysis (
    feedback_id INTEGER PRIMARY KEY REFERENCES feedback (id) ON DELETE CASCADE,
    sentiment REAL NOT NULL,
    sentiment_label TEXT NOT NULL,
    stage_key TEXT,
    stage_reason TEXT NOT NULL,
    analysed_at INTEGER NOT NULL
);

CREATE TABLE feedback_themes (
    feedback_id INTEGER NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    theme_id INTEGER NOT NULL REFERENCES themes (id),
    theme_rank INTEGER NOT NULL,
    confidence REAL NOT NULL,
    PRIMARY KEY (feedback_id, theme_id)
);

CREATE INDEX feedback_themes_theme ON feedback_themes (theme_id);

CREATE TABLE analysis_runs (
    id INTEGER PRIMARY KEY,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    mode TEXT NOT NULL,
    records_analysed INTEGER NOT NULL,
    records_total INTEGER NOT NULL,
    codebook_id INTEGER NOT NULL REFERENCES codebooks (id),
    summary TEXT NOT NULL
);
