//! Views that take the whole dataset to compute (the Top Ten with its owners, the journey map,
//! the journey check, moments, chains, what departments' scorecards read from the records) kept
//! in memory under the store's data fingerprint ([`Store::data_version`]); a request reads the
//! fingerprint (one cheap query).
//!
//! - While nothing changed, the cached view is served.
//! - When a person changed something the view is computed from (an analysis ran, a theme was
//!   renamed, the organisation edited, customer events or KPI values loaded), the view is
//!   computed again before it is served: whoever made the change sees it at once.
//! - When only new records arrived (an integration writing all day), the cached view is served
//!   at once and one recomputation starts in the background; the next request after it
//!   finishes gets the new view. The overview used to be
//!   rebuilt in the request after every new record: 5 s at 300,000 records, 36 s at 2.4 million,
//!   so while data flowed in pages were never fast.
//!
//! One computation at a time per view: requests that arrive meanwhile wait for it (or, for
//! arrivals, get the view they had) rather than repeat it; background recomputations take turns
//! in one lane, so that they never hold every database connection and core while pages are
//! asked for. `throughline serve` computes the views ahead of visitors after every change
//! people make ([`ViewCache::warm`]): at a million records the journey map's first request took
//! 30 s and a department's 15 s when the visitor was the one to compute them. Each server
//! instance keeps its own; all read the same fingerprint.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_service::chains::Chains;
use throughline_service::journey::JourneyCheck;
use throughline_service::moments::Moments;
use throughline_service::scorecards::{JourneyMap, RecordEvidence};
use throughline_service::themes::TopTen;

use throughline_store::{DataVersion, Store};
use tokio::sync::{Mutex, Semaphore};

use crate::AppError;

#[derive(Debug)]
struct Slot<T> {
    value: Option<(DataVersion, Arc<T>)>,
    /// A recomputation for newly arrived data is running in the background.
    refreshing: bool,
}

/// How often a view was computed and how long the last computation took (`/metrics`).
#[derive(Debug, Default)]
pub struct ViewStats {
    pub computations: AtomicU64,
    pub last_ms: AtomicU64,
}

impl ViewStats {
    async fn timed<T>(&self, computation: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let value = computation.await;
        self.computations.fetch_add(1, Ordering::Relaxed);
        self.last_ms.store(
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        value
    }
}

#[derive(Debug)]
struct Cached<T> {
    slot: Arc<Mutex<Slot<T>>>,
    stats: Arc<ViewStats>,
    /// Background recomputations run one at a time across every view (the lane is shared):
    /// each holds a database connection and a core for seconds, and the requests served
    /// meanwhile need both.
    lane: Arc<Semaphore>,
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Self {
            slot: self.slot.clone(),
            stats: self.stats.clone(),
            lane: self.lane.clone(),
        }
    }
}

impl<T> Cached<T> {
    fn new(lane: Arc<Semaphore>) -> Self {
        Self {
            slot: Arc::new(Mutex::new(Slot {
                value: None,
                refreshing: false,
            })),
            stats: Arc::default(),
            lane,
        }
    }
}

/// A computation of a view, to run now or behind the requests.
type Computation<T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send>>;

impl<T: Send + Sync + 'static> Cached<T> {
    /// The view for `version`: the kept one when it is current; the kept one at once, brought
    /// up to date behind the request (once), when only new records arrived or new records were
    /// analysed since; computed in the request when people changed what it reads, or when none
    /// is kept.
    async fn get<F>(&self, version: DataVersion, compute: F) -> Result<Arc<T>, AppError>
    where
        F: FnOnce() -> Computation<T> + Send + 'static,
    {
        let mut slot = self.slot.lock().await;
        match &slot.value {
            Some((key, value)) if *key == version => return Ok(value.clone()),
            Some((key, value)) if key.changed == version.changed => {
                let stale = value.clone();
                if !slot.refreshing {
                    slot.refreshing = true;
                    let this = self.clone();
                    tokio::spawn(async move { this.refresh(version, compute).await });
                }
                return Ok(stale);
            }
            _ => {}
        }
        let value = Arc::new(self.stats.timed(compute()).await?);
        slot.value = Some((version, value.clone()));
        Ok(value)
    }

    /// Computes the view for `version` in the lane while the kept one is served, and keeps it
    /// unless a person's change landed meanwhile (what that made is newer). The caller has set
    /// `refreshing`.
    async fn refresh<F>(&self, version: DataVersion, compute: F)
    where
        F: FnOnce() -> Computation<T>,
    {
        let permit = self.lane.acquire().await;
        let result = self.stats.timed(compute()).await;
        drop(permit);
        let mut slot = self.slot.lock().await;
        slot.refreshing = false;
        match result {
            Ok(value)
                if slot
                    .value
                    .as_ref()
                    .is_none_or(|(k, _)| k.changed == version.changed) =>
            {
                slot.value = Some((version, Arc::new(value)));
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "a view could not be updated"),
        }
    }

    /// For the server's warming ([`ViewCache::warm`]): brings the view up to date with every
    /// change people made and every analysis that landed, now, and says whether it computed.
    /// After a person's change the computation holds the view (a visitor waits for it, as in
    /// [`Self::get`]); after an analysis of new records the kept view is served meanwhile — at
    /// a million records that computation takes seconds while an import may be running. New
    /// records alone are left to the visits.
    async fn warm<F>(&self, version: DataVersion, compute: F) -> Result<bool, AppError>
    where
        F: FnOnce() -> Computation<T> + Send + 'static,
    {
        {
            let mut slot = self.slot.lock().await;
            match &slot.value {
                Some((key, _))
                    if key.changed == version.changed && key.analysed == version.analysed =>
                {
                    return Ok(false);
                }
                Some((key, _)) if key.changed == version.changed => {
                    if slot.refreshing {
                        // Already being brought up to date behind a visit.
                        return Ok(false);
                    }
                    slot.refreshing = true;
                }
                _ => {
                    drop(slot);
                    self.get(version, compute).await?;
                    return Ok(true);
                }
            }
        }
        self.refresh(version, compute).await;
        Ok(true)
    }
}

#[derive(Debug)]
pub struct ViewCache {
    top_ten: Cached<TopTen>,
    journey: Cached<JourneyMap>,
    journey_check: Cached<JourneyCheck>,
    moments: Cached<Moments>,
    chains: Cached<Chains>,
    department_evidence: Cached<HashMap<String, RecordEvidence>>,
}

impl Default for ViewCache {
    fn default() -> Self {
        let lane = Arc::new(Semaphore::new(1));
        Self {
            top_ten: Cached::new(lane.clone()),
            journey: Cached::new(lane.clone()),
            journey_check: Cached::new(lane.clone()),
            moments: Cached::new(lane.clone()),
            chains: Cached::new(lane.clone()),
            department_evidence: Cached::new(lane),
        }
    }
}

impl ViewCache {
    /// Each view's name (as `/metrics` labels it) and how often and how long it was computed.
    pub fn stats(&self) -> [(&'static str, &ViewStats); 6] {
        [
            ("top_ten", &self.top_ten.stats),
            ("journey_map", &self.journey.stats),
            ("journey_check", &self.journey_check.stats),
            ("moments", &self.moments.stats),
            ("chains", &self.chains.stats),
            ("department_evidence", &self.department_evidence.stats),
        ]
    }

    /// Computes, one after another, every view that does not reflect the latest change people
    /// made (an edited organisation, a renamed theme) or the latest analysis that landed, so
    /// that the next visitor finds it ready instead of waiting seconds for it; `throughline
    /// serve` does this every few seconds. After a person's change a visitor who asks for a
    /// view while it is computed waits for that computation rather than starting another;
    /// after an analysis of new records the visitor gets the view there is meanwhile. New
    /// records alone are left to the visits (served at once, brought up to date behind them).
    /// Returns the views computed.
    pub async fn warm(&self, store: &Store) -> Result<Vec<&'static str>, AppError> {
        let version = store.data_version().await?;
        let mut computed = Vec::new();
        let s = || store.clone();
        let v = || version.clone();
        for (name, done) in [
            ("top_ten", self.top_ten.warm(v(), top_ten_of(s())).await?),
            (
                "journey_map",
                self.journey.warm(v(), journey_map_of(s())).await?,
            ),
            (
                "journey_check",
                self.journey_check.warm(v(), journey_check_of(s())).await?,
            ),
            ("moments", self.moments.warm(v(), moments_of(s())).await?),
            ("chains", self.chains.warm(v(), chains_of(s())).await?),
            (
                "department_evidence",
                self.department_evidence
                    .warm(v(), department_evidence_of(s()))
                    .await?,
            ),
        ] {
            if done {
                computed.push(name);
            }
        }
        Ok(computed)
    }

    /// The Top Ten with owners at the default single-department share.
    pub async fn top_ten(&self, store: &Store) -> Result<Arc<TopTen>, AppError> {
        let version = store.data_version().await?;
        self.top_ten.get(version, top_ten_of(store.clone())).await
    }

    /// The journey check over its default period (the 90 days up to the latest record).
    pub async fn journey_check(&self, store: &Store) -> Result<Arc<JourneyCheck>, AppError> {
        let version = store.data_version().await?;
        self.journey_check
            .get(version, journey_check_of(store.clone()))
            .await
    }

    /// The cross-silo chains at the default false-discovery rate.
    pub async fn chains(&self, store: &Store) -> Result<Arc<Chains>, AppError> {
        let version = store.data_version().await?;
        self.chains.get(version, chains_of(store.clone())).await
    }

    /// The moments of truth found in customers' histories.
    pub async fn moments(&self, store: &Store) -> Result<Arc<Moments>, AppError> {
        let version = store.data_version().await?;
        self.moments.get(version, moments_of(store.clone())).await
    }

    /// What every department's scorecard reads from the records (its negative themes, their
    /// trend, its stages' rating and measures); the page adds its initiatives and KPIs, read
    /// anew, so finished work shows at once.
    pub async fn department_evidence(
        &self,
        store: &Store,
    ) -> Result<Arc<HashMap<String, RecordEvidence>>, AppError> {
        let version = store.data_version().await?;
        self.department_evidence
            .get(version, department_evidence_of(store.clone()))
            .await
    }

    /// The views a council's agenda reads, from those kept here (each computed now if it is
    /// not kept yet): the agenda then computes none of them itself.
    pub async fn for_agenda(
        &self,
        store: &Store,
    ) -> Result<throughline_service::council::KeptViews, AppError> {
        Ok(throughline_service::council::KeptViews {
            top_ten: Some(self.top_ten(store).await?),
            chains: Some(self.chains(store).await?),
            moments: Some(self.moments(store).await?),
            journey_check: Some(self.journey_check(store).await?),
            department_evidence: Some(self.department_evidence(store).await?),
        })
    }

    pub async fn journey_map(&self, store: &Store) -> Result<Arc<JourneyMap>, AppError> {
        let version = store.data_version().await?;
        self.journey
            .get(version, journey_map_of(store.clone()))
            .await
    }
}

// How each view is computed, for a request or for the warming.

fn top_ten_of(store: Store) -> impl FnOnce() -> Computation<TopTen> + Send + 'static {
    move || {
        Box::pin(async move {
            Ok(throughline_service::themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE).await?)
        })
    }
}

fn journey_map_of(store: Store) -> impl FnOnce() -> Computation<JourneyMap> + Send + 'static {
    move || Box::pin(async move { Ok(throughline_service::scorecards::journey_map(&store).await?) })
}

fn journey_check_of(store: Store) -> impl FnOnce() -> Computation<JourneyCheck> + Send + 'static {
    move || {
        Box::pin(async move { Ok(throughline_service::journey::check(&store, None, None).await?) })
    }
}

fn moments_of(store: Store) -> impl FnOnce() -> Computation<Moments> + Send + 'static {
    move || Box::pin(async move { Ok(throughline_service::moments::moments(&store).await?) })
}

fn chains_of(store: Store) -> impl FnOnce() -> Computation<Chains> + Send + 'static {
    move || {
        Box::pin(async move {
            Ok(throughline_service::chains::chains(
                &store,
                throughline_analytics::chains::DEFAULT_FDR,
            )
            .await?)
        })
    }
}

fn department_evidence_of(
    store: Store,
) -> impl FnOnce() -> Computation<HashMap<String, RecordEvidence>> + Send + 'static {
    move || {
        Box::pin(async move {
            Ok(
                throughline_service::scorecards::record_evidence(&store, SINGLE_DEPARTMENT_SHARE)
                    .await?,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;

    use super::*;

    fn version(changed: &str, analysed: &str, arrived: &str) -> DataVersion {
        DataVersion {
            changed: changed.to_owned(),
            analysed: analysed.to_owned(),
            arrived: arrived.to_owned(),
        }
    }

    /// A view that takes 300 ms to compute and says which computation it was.
    fn slow(counter: &Arc<AtomicU32>) -> impl FnOnce() -> Computation<u32> + Send + 'static {
        let counter = counter.clone();
        move || {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok(counter.fetch_add(1, Ordering::SeqCst) + 1)
            })
        }
    }

    #[tokio::test]
    async fn new_data_never_makes_a_request_wait_and_a_persons_change_is_seen_at_once() {
        let cache: Cached<u32> = Cached::new(Arc::new(Semaphore::new(1)));
        let computed = Arc::new(AtomicU32::new(0));
        assert_eq!(
            *cache
                .get(version("a", "1", "1"), slow(&computed))
                .await
                .unwrap(),
            1
        );

        // One new record: the request is answered at once with the view there is…
        let started = Instant::now();
        assert_eq!(
            *cache
                .get(version("a", "1", "2"), slow(&computed))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            *cache
                .get(version("a", "1", "3"), slow(&computed))
                .await
                .unwrap(),
            1
        );
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "no request waited"
        );
        // … and one recomputation runs behind it (not one per request).
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(computed.load(Ordering::SeqCst), 2);
        assert_eq!(
            *cache
                .get(version("a", "1", "2"), slow(&computed))
                .await
                .unwrap(),
            2
        );
        // The warming leaves new records alone.
        assert!(
            !cache
                .warm(version("a", "1", "4"), slow(&computed))
                .await
                .unwrap()
        );

        // An analysis of the new records lands: the warming computes the view now, and a
        // visitor meanwhile gets the view there is without waiting (at a million records
        // under an import the journey map's first request waited 8 s for the warming).
        let warming = {
            let cache = cache.clone();
            let computed = computed.clone();
            tokio::spawn(async move { cache.warm(version("a", "2", "4"), slow(&computed)).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        assert_eq!(
            *cache
                .get(version("a", "2", "4"), slow(&computed))
                .await
                .unwrap(),
            2
        );
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "the visitor waited"
        );
        assert!(
            warming.await.unwrap().unwrap(),
            "the warming computed the view"
        );
        assert_eq!(computed.load(Ordering::SeqCst), 3, "computed once");
        assert_eq!(
            *cache
                .get(version("a", "2", "4"), slow(&computed))
                .await
                .unwrap(),
            3
        );
        assert!(
            !cache
                .warm(version("a", "2", "4"), slow(&computed))
                .await
                .unwrap()
        );

        // A person's change (a renamed theme, an erasure): computed before it is served.
        let changed = cache
            .get(version("b", "2", "4"), slow(&computed))
            .await
            .unwrap();
        assert_eq!(*changed, 4);
    }
}
