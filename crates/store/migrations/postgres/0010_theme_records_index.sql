-- A theme's records in record order: the theme explorer pages through them (25 at a time,
-- after the last one shown) without collecting every record of the theme first.
CREATE INDEX feedback_themes_theme_record ON feedback_themes (theme_id, feedback_id);
