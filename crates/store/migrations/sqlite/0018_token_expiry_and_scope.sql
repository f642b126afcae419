-- API tokens may expire, and may be read-only (an integration that only reads cannot change
-- anything even if its token leaks). Tokens made before keep working as they were.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
