//! Views that take the whole dataset to compute (the Top Ten with its owners, the journey map)
//! kept in memory under the store's data fingerprint ([`Store::data_version`]): a request reads
//! the fingerprint (one cheap query) and gets the cached view while nothing it depends on has
//! changed. One computation at a time per view: requests that arrive meanwhile wait for it
//! rather than repeat it. Each server instance keeps its own; all read the same fingerprint.

use std::sync::Arc;

use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_service::chains::Chains;
use throughline_service::journey::JourneyCheck;
use throughline_service::moments::Moments;
use throughline_service::scorecards::JourneyMap;
use throughline_service::themes::TopTen;
use throughline_store::Store;
use tokio::sync::Mutex;

use crate::AppError;

#[derive(Debug)]
struct Cached<T> {
    slot: Mutex<Option<(String, Arc<T>)>>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(None),
        }
    }
}

impl<T> Cached<T> {
    async fn get<F, Fut>(&self, version: String, compute: F) -> Result<Arc<T>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((key, value)) = slot.as_ref()
            && *key == version
        {
            return Ok(value.clone());
        }
        let value = Arc::new(compute().await?);
        *slot = Some((version, value.clone()));
        Ok(value)
    }
}

#[derive(Debug, Default)]
pub struct ViewCache {
    top_ten: Cached<TopTen>,
    journey: Cached<JourneyMap>,
    journey_check: Cached<JourneyCheck>,
    moments: Cached<Moments>,
    chains: Cached<Chains>,
}

impl ViewCache {
    /// The Top Ten with owners at the default single-department share.
    pub async fn top_ten(&self, store: &Store) -> Result<Arc<TopTen>, AppError> {
        let version = store.data_version().await?;
        self.top_ten
            .get(version, || async {
                Ok(throughline_service::themes::top_ten(store, SINGLE_DEPARTMENT_SHARE).await?)
            })
            .await
    }

    /// The journey check over its default period (the 90 days up to the latest record).
    pub async fn journey_check(&self, store: &Store) -> Result<Arc<JourneyCheck>, AppError> {
        let version = store.data_version().await?;
        self.journey_check
            .get(version, || async {
                Ok(throughline_service::journey::check(store, None, None).await?)
            })
            .await
    }

    /// The cross-silo chains at the default false-discovery rate.
    pub async fn chains(&self, store: &Store) -> Result<Arc<Chains>, AppError> {
        let version = store.data_version().await?;
        self.chains
            .get(version, || async {
                Ok(throughline_service::chains::chains(
                    store,
                    throughline_analytics::chains::DEFAULT_FDR,
                )
                .await?)
            })
            .await
    }

    /// The moments of truth found in customers' histories.
    pub async fn moments(&self, store: &Store) -> Result<Arc<Moments>, AppError> {
        let version = store.data_version().await?;
        self.moments
            .get(version, || async {
                Ok(throughline_service::moments::moments(store).await?)
            })
            .await
    }

    pub async fn journey_map(&self, store: &Store) -> Result<Arc<JourneyMap>, AppError> {
        let version = store.data_version().await?;
        self.journey
            .get(version, || async {
                Ok(throughline_service::scorecards::journey_map(store).await?)
            })
            .await
    }
}
