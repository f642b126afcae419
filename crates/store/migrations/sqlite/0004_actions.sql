-- Turning themes into accountable work: root-cause analyses (5 whys) on themes, initiatives with
-- a measurable objective and an approval workflow, their tasks and weekly reviews; and the values
-- of departments' own KPIs (the metrics of the organisation file), shown beside shared measures.
-- Dates people choose (due, review, done, measured) are `YYYY-MM-DD` text; moments are epoch
-- milliseconds. Lists (whys, participants, verbatim ids, theme ids, stage keys) are JSON text.

CREATE TABLE root_causes (
    id INTEGER PRIMARY KEY,
    theme_id INTEGER NOT NULL REFERENCES themes (id),
    problem TEXT NOT NULL,
    whys TEXT NOT NULL,
    root_cause TEXT NOT NULL,
    corrective_action TEXT NOT NULL,
    metric TEXT NOT NULL,
    participants TEXT NOT NULL,
    verbatims TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX root_causes_theme ON root_causes (theme_id);

CREATE TABLE initiatives (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_kind TEXT NOT NULL,
    owner_key TEXT NOT NULL,
    sponsor TEXT,
    metric TEXT NOT NULL,
    baseline REAL NOT NULL,
    target REAL NOT NULL,
    current_value REAL,
    due_on TEXT NOT NULL,
    themes TEXT NOT NULL DEFAULT '[]',
    stages TEXT NOT NULL DEFAULT '[]',
    root_cause_id INTEGER REFERENCES root_causes (id),
    resources_requested TEXT NOT NULL DEFAULT '',
    resources_granted TEXT,
    status TEXT NOT NULL DEFAULT 'proposed',
    decided_by TEXT,
    decided_at INTEGER,
    decision_note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    initiative_id INTEGER NOT NULL REFERENCES initiatives (id),
    title TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    department TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    done_on TEXT,
    created_at INTEGER NOT NULL
);

CREATE INDEX tasks_initiative ON tasks (initiative_id);

CREATE TABLE initiative_reviews (
    id INTEGER PRIMARY KEY,
    initiative_id INTEGER NOT NULL REFERENCES initiatives (id),
    reviewed_on TEXT NOT NULL,
    progress TEXT NOT NULL,
    metric_value REAL,
    created_at INTEGER NOT NULL
);

CREATE INDEX initiative_reviews_initiative ON initiative_reviews (initiative_id);

CREATE TABLE kpi_values (
    id INTEGER PRIMARY KEY,
    metric_key TEXT NOT NULL,
    measured_on TEXT NOT NULL,
    value REAL NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (metric_key, measured_on)
);
