-- Sub-themes (issue 20): a theme may sit under another, one level deep — one customer issue
-- (the parent) in several wordings or aspects (its sub-themes). A person sets it; analysis keeps
-- it while both themes stay active. The Top Ten ranks parents with their sub-themes' records.
ALTER TABLE themes ADD COLUMN parent_id INTEGER REFERENCES themes (id);
