-- The councils' meetings: when, who came, notes per agenda item, the agenda as it stood when
-- the meeting closed; its decisions, the actions it agreed (owner, department, due date), and
-- the topics members add before it (any other business). Councils themselves are in the
-- organisation file. Dates people choose are `YYYY-MM-DD` text; moments epoch milliseconds.

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    council_key TEXT NOT NULL,
    held_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned',
    attendance TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '{}',
    agenda TEXT,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);

CREATE INDEX meetings_council ON meetings (council_key, held_on);

CREATE TABLE meeting_decisions (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE council_actions (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    title TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    department TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    done_on TEXT,
    created_at BIGINT NOT NULL
);

CREATE INDEX council_actions_meeting ON council_actions (meeting_id);

CREATE TABLE meeting_topics (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    text TEXT NOT NULL,
    added_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
