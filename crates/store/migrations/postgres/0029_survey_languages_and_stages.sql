-- Journey surveys (issue 29), second step:
-- * languages: the language a survey is written in, and its translations (JSON: a language code
--   to the survey's title, the name of what it asks about, and its own questions in that
--   language); an invitation's language, from the invitation file.
-- * stages: a survey may ask about a whole stage of the journey rather than one touchpoint. Its
--   stage is in stage_key and its touchpoint_key is '' (the column stays NOT NULL, so an
--   instance one version older still reads every survey).
-- * answers counted per network address in the database, so that every server instance behind a
--   load balancer counts the same answers (the address is kept as a hash, for the window only).
ALTER TABLE surveys ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE surveys ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE surveys ADD COLUMN stage_key TEXT;
ALTER TABLE survey_invitations ADD COLUMN language TEXT;

CREATE TABLE survey_answer_counts (
    address_hash TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    answers BIGINT NOT NULL,
    PRIMARY KEY (address_hash, window_start)
);
-- New columns with defaults and a new table: the version before this one works with them.
INSERT INTO schema_compat (version, oldest_reader) VALUES (29, 28);
