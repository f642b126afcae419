-- A third kind of council: the champions' network (the CX champions of every department).
ALTER TABLE councils DROP CONSTRAINT councils_kind_check;
ALTER TABLE councils ADD CONSTRAINT councils_kind_check
    CHECK (kind IN ('operational', 'strategic', 'champions'));
