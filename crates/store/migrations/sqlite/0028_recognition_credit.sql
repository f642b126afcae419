-- Whom recognition of prevention credits (issue 25): 'teams' unless the organisation file says
-- 'individuals' ([organisation] recognition = "individuals").
ALTER TABLE organisation ADD COLUMN recognition TEXT NOT NULL DEFAULT 'teams';
