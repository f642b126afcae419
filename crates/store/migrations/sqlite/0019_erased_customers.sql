-- Customers erased on request, by the SHA-256 of their id (never the id): an import or an API
-- call that brings their rows back is refused, row by row, with the reason.
CREATE TABLE erased_customers (
    customer_hash TEXT PRIMARY KEY,
    erased_at BIGINT NOT NULL
);
