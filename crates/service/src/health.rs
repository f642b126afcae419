//! What an operator watches, for `/metrics` and `/ready`: how much is stored, how fresh the
//! analysis is, the imports and digest deliveries, the job queue — and whether the database
//! answers at all.

use throughline_store::{JobCounts, Store, StoreCounts};

use crate::Result;

/// The store's operational counts (records, the last analysis, imports, deliveries).
pub async fn counts(store: &Store) -> Result<StoreCounts> {
    Ok(store.counts().await?)
}

/// The job queue by status.
pub async fn job_counts(store: &Store) -> Result<JobCounts> {
    Ok(store.job_counts().await?)
}

/// Whether the database answers a query.
pub async fn ready(store: &Store) -> Result<()> {
    store.feedback_count().await?;
    Ok(())
}
