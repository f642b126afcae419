-- The metrics that watch each moment of truth (the organisation file's `metrics = [...]` under
-- a moment). A moment no metric watches is a gap `journey check` reports.
CREATE TABLE moment_metrics (
    moment_id INTEGER NOT NULL REFERENCES moments_of_truth (id) ON DELETE CASCADE,
    metric_id INTEGER NOT NULL REFERENCES metric_definitions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (moment_id, metric_id)
);
CREATE INDEX moment_metrics_by_metric ON moment_metrics (metric_id);

-- A moment of truth's detection rule: the `detect_count`-th event of kind `detect_event`
-- within `detect_within_days` days (any time when NULL). NULL event: no rule.
ALTER TABLE moments_of_truth ADD COLUMN detect_event TEXT;
ALTER TABLE moments_of_truth ADD COLUMN detect_count INTEGER;
ALTER TABLE moments_of_truth ADD COLUMN detect_within_days INTEGER;

-- Customer events beyond feedback (orders, deliveries, contacts, …) from `events import`.
CREATE TABLE customer_events (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    customer TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    UNIQUE (source, dedup_key)
);
CREATE INDEX customer_events_by_kind ON customer_events (kind, customer, occurred_at);
