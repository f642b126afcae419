-- Department digests: who receives them (an e-mail address or a chat webhook per department),
-- who opted out, and the delivery log. A delivery is one (department, period, subscription):
-- the unique key is what makes every digest go out at most once, whichever server instance or
-- retry tries to send it.

CREATE TABLE digest_subscriptions (
    id INTEGER PRIMARY KEY,
    department TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    format TEXT NOT NULL DEFAULT 'generic',
    created_at BIGINT NOT NULL,
    UNIQUE (department, channel, target)
);

CREATE TABLE digest_optouts (
    email TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE digest_deliveries (
    id INTEGER PRIMARY KEY,
    department TEXT NOT NULL,
    period TEXT NOT NULL,
    subscription_id INTEGER NOT NULL REFERENCES digest_subscriptions (id),
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (department, period, subscription_id)
);
