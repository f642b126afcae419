-- Culture-maturity assessments ("Naive to Natural"): the model each used, kept as JSON so that
-- history is not rewritten by later edits of the model; the council's target level (an index
-- into the model's levels); and each respondent's answers (JSON: statement id → 1..5), one set
-- per respondent and assessment.

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    model TEXT NOT NULL,
    target_level BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);

CREATE TABLE assessment_responses (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments (id),
    respondent TEXT NOT NULL,
    department TEXT,
    answers TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    UNIQUE (assessment_id, respondent)
);
