-- Closing the loop (issue 29, 4): the organisation file's follow-up rules (each kept as the
-- file writes it, in JSON, in file order), and the cases they open — one per feedback record at
-- most, for the department that owns the record's touchpoint, due by the rule's severity,
-- moved open → contacted → resolved / no answer, with notes, the customer's answer to "was
-- your issue resolved?" and the theme that was its root cause (the inner loop feeding the
-- outer one).
CREATE TABLE follow_up_rules (
    position INTEGER PRIMARY KEY,
    definition TEXT NOT NULL
);

CREATE TABLE follow_up_cases (
    id INTEGER PRIMARY KEY,
    feedback_id INTEGER NOT NULL UNIQUE REFERENCES feedback (id) ON DELETE CASCADE,
    rule_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    department_key TEXT NOT NULL,
    stage_key TEXT,
    touchpoint_key TEXT,
    customer TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('high', 'normal', 'low')),
    opened_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'contacted', 'resolved', 'no_answer')),
    owner TEXT,
    theme_id INTEGER,
    customer_says_resolved INTEGER,
    contacted_at INTEGER,
    closed_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX follow_up_cases_department ON follow_up_cases (department_key, status);

CREATE TABLE follow_up_notes (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES follow_up_cases (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL
);
-- The journey surveys the organisation file declares (`[[surveys]]`), as the file writes them
-- (JSON, in file order); applying the file makes the ones that do not exist yet.
CREATE TABLE survey_definitions (
    position INTEGER PRIMARY KEY,
    definition TEXT NOT NULL
);

-- New tables only: the version before this one works with them (it keeps the rules as they
-- are when it applies an organisation file).
INSERT INTO schema_compat (version, oldest_reader) VALUES (23, 22);
