-- Every accepted change of the organisation is a version: the whole organisation file as it
-- stood after the change, who made it, when, why and how (a file applied, an edit in the
-- journey editor, an accepted proposal). The file and the interface so never drift apart
-- silently: `apply` can tell what changed since the file was last applied.
CREATE TABLE organisation_versions (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    author TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('baseline', 'file', 'editor', 'proposal')),
    summary TEXT NOT NULL,
    reason TEXT,
    document TEXT NOT NULL
);

-- A change a department member proposes, for the CX lead (a council chair) or an administrator
-- to accept or decline. The edit is kept as the change itself (JSON of `OrgEdit`), not as a
-- whole organisation, so accepting it later applies it to the organisation as it is then.
CREATE TABLE organisation_proposals (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    author TEXT NOT NULL,
    author_name TEXT NOT NULL,
    department_key TEXT,
    summary TEXT NOT NULL,
    reason TEXT,
    edit TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'declined')),
    reviewer TEXT,
    reviewed_at INTEGER,
    review_note TEXT,
    version_id INTEGER REFERENCES organisation_versions (id)
);
CREATE INDEX organisation_proposals_by_status ON organisation_proposals (status, id);
