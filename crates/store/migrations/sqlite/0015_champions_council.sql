-- A third kind of council: the champions' network (the CX champions of every department). SQLite
-- cannot change a CHECK constraint, so the councils table is rebuilt with the new kind allowed;
-- its members are kept aside meanwhile (dropping the table deletes them through their foreign
-- key) and put back.
CREATE TABLE council_members_kept AS SELECT * FROM council_members;
CREATE TABLE councils_rebuilt (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('operational', 'strategic', 'champions')),
    cadence TEXT NOT NULL,
    position INTEGER NOT NULL
);
INSERT INTO councils_rebuilt (id, key, name, kind, cadence, position)
    SELECT id, key, name, kind, cadence, position FROM councils;
DROP TABLE councils;
ALTER TABLE councils_rebuilt RENAME TO councils;
DELETE FROM council_members;
INSERT INTO council_members (council_id, position, is_chair, name, email, title, department_id)
    SELECT council_id, position, is_chair, name, email, title, department_id
    FROM council_members_kept;
DROP TABLE council_members_kept;
