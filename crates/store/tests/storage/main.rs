//! Storage scenarios. Each runs on SQLite and on PostgreSQL (see `backend_tests!`).

mod feedback;
mod org;
