-- Each theme's records month by month (JSON list of {period, count, share, sentiment}), from
-- the latest analysis, for the theme explorer's trend lines.
ALTER TABLE themes ADD COLUMN trend TEXT NOT NULL DEFAULT '[]';
