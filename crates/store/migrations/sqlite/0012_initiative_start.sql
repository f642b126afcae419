-- The day an initiative started (moved to active, or the day its owner says it started): the
-- "before" and "after" of its measured effect. Initiatives already active or done when this
-- column came start on the day they last changed, the best the store knows.
ALTER TABLE initiatives ADD COLUMN started_on TEXT;
UPDATE initiatives SET started_on = strftime('%Y-%m-%d', updated_at / 1000, 'unixepoch')
    WHERE status IN ('active', 'done');
