//! The `throughline` binary, run as a user runs it. Scenarios that touch a database run on
//! SQLite and PostgreSQL.

mod actions;
mod analyze;
mod assess;
mod backup;
mod basics;
mod council;
mod digest;
mod helpers;
mod hostile;
mod import;
mod journey;
mod org;
mod survey;
mod users;
