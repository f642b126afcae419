-- Journey surveys hosted by Throughline (issue 29): a survey per touchpoint with the practice's
-- questions (how well the customer's goal was supported, NPS/CSAT/CES as chosen, what helped
-- most, what hindered most, optional questions); its public link's token; the per-customer
-- invitations (their links are signed with the instance's survey key, so no secret of theirs
-- is stored); customers who asked never to be surveyed again (hashed, as erasures); answers
-- that looked like a robot's, kept aside for a person to look at rather than dropped.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    public_token TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL UNIQUE,
    touchpoint_key TEXT NOT NULL,
    goal_scale INTEGER NOT NULL CHECK (goal_scale IN (5, 10)),
    measure TEXT NOT NULL CHECK (measure IN ('nps', 'csat', 'ces', 'none')),
    questions TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    responses INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE survey_invitations (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    customer TEXT NOT NULL,
    email TEXT NOT NULL,
    event_date TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    reminded_at INTEGER,
    responded_at INTEGER,
    feedback_id INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX survey_invitations_customer ON survey_invitations (customer);
CREATE INDEX survey_invitations_email ON survey_invitations (email);

CREATE TABLE survey_opt_outs (
    contact_hash TEXT PRIMARY KEY,
    opted_out_at INTEGER NOT NULL
);

CREATE TABLE survey_quarantine (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    invitation_id INTEGER,
    received_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    answers TEXT NOT NULL
);

-- Keys this instance signs with (the survey links and forms), shared by every server instance
-- and kept in backups so that links sent before a restore still open.
CREATE TABLE instance_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);
-- New tables only: the version before this one works with them.
INSERT INTO schema_compat (version, oldest_reader) VALUES (22, 21);
