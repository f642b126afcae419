-- Rolling upgrades: each migration from this one on says which older versions of Throughline can
-- still use the schema it leaves (an "expand" migration — new tables, new columns with defaults
-- — keeps the version before it working; a "contract" one does not). An older instance that
-- finds a newer schema starts when every newer migration admits it, and refuses otherwise.
CREATE TABLE schema_compat (
    version BIGINT PRIMARY KEY,
    oldest_reader BIGINT NOT NULL
);
INSERT INTO schema_compat (version, oldest_reader) VALUES (20, 19);
