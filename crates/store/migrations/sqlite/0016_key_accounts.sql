-- Key accounts: the customers whose relationship an executive sponsors, with the cross-department
-- team that serves them and the goals set for them (from an accounts file, replaced whole on
-- apply), and the account team's weekly reviews (kept whatever the file says later).
CREATE TABLE key_accounts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    -- The account as its file describes it (customers, sponsor, team, goals), as JSON.
    definition TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE account_reviews (
    id INTEGER PRIMARY KEY,
    account_key TEXT NOT NULL,
    held_on TEXT NOT NULL,
    notes TEXT NOT NULL,
    -- Each goal's status ("on track", "at risk", "off track", "done"), and the actions agreed
    -- (title, owner, due), as JSON.
    goals TEXT NOT NULL,
    actions TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX account_reviews_by_account ON account_reviews (account_key, held_on);
