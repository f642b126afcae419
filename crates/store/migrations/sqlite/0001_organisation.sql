-- The organisation applied from org.toml: departments, journey, ownership, moments of truth,
-- councils and metric definitions. Entities are keyed by the stable `key` people write in the
-- file; integer ids are what other tables will reference.

CREATE TABLE organisation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    journey_name TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    description TEXT,
    customer_facing INTEGER NOT NULL DEFAULT 1,
    lead_name TEXT,
    lead_email TEXT
);

CREATE TABLE department_champions (
    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    PRIMARY KEY (department_id, position)
);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    description TEXT
);

CREATE TABLE stage_vocabulary (
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    phrase TEXT NOT NULL,
    PRIMARY KEY (stage_id, position)
);

CREATE TABLE touchpoints (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    channel TEXT
);

CREATE TABLE touchpoint_departments (
    touchpoint_id INTEGER NOT NULL REFERENCES touchpoints (id) ON DELETE CASCADE,
    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'contributor')),
    position INTEGER NOT NULL,
    PRIMARY KEY (touchpoint_id, department_id)
);
CREATE INDEX touchpoint_departments_by_department ON touchpoint_departments (department_id);

CREATE TABLE moments_of_truth (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    rank INTEGER NOT NULL,
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    touchpoint_id INTEGER REFERENCES touchpoints (id) ON DELETE SET NULL,
    expectation TEXT NOT NULL
);

CREATE TABLE councils (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('operational', 'strategic')),
    cadence TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE council_members (
    council_id INTEGER NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    is_chair INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    title TEXT,
    department_id INTEGER REFERENCES departments (id) ON DELETE SET NULL,
    PRIMARY KEY (council_id, position)
);

CREATE TABLE metric_definitions (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    stage_id INTEGER REFERENCES stages (id) ON DELETE SET NULL,
    direction TEXT NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    description TEXT,
    position INTEGER NOT NULL
);
