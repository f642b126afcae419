#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod actions;
pub mod analysis;
pub mod chains;
pub mod changes;
pub mod council;
pub mod customers;
pub mod digest;
pub mod effects;
pub mod events;
pub mod feedback;
pub mod follow_up;
pub mod health;
pub mod imports;
pub mod jobs;
pub mod journey;
pub mod key_accounts;
pub mod maturity;
pub mod moments;
pub mod org;
pub mod password_policy;
pub mod period;
pub mod recognition;
pub mod retention;
pub mod scorecards;
pub mod sponsor_digest;
pub mod surveys;
pub mod themes;
pub mod wall;
pub mod weekly;
pub mod work;

use throughline_analytics::themes::codebook::CodebookError;
use throughline_store::{Store, StoreError, StoredFeedback};

/// What can go wrong in a use case. Messages are meant for the person who asked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Codebook(#[from] CodebookError),
    /// No such thing (a theme id that does not exist).
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be carried out as asked; the message says why and what to do.
    #[error("{0}")]
    Invalid(String),
    /// The actor may not make this change; the message says why.
    #[error("{0}")]
    Forbidden(String),
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Runs CPU-heavy work on the blocking pool, never on the async runtime; a panic there is
/// carried on here.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

/// Every stored feedback record, in id order.
async fn all_feedback(store: &Store) -> Result<Vec<StoredFeedback>> {
    const PAGE: u32 = 10_000;
    let mut all = Vec::new();
    loop {
        let after = all.last().map_or(0, |r: &StoredFeedback| r.id);
        let page = store.feedback_after(after, PAGE).await?;
        let done = page.len() < PAGE as usize;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}
