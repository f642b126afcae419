//! The journey's stages: each stage's shared customer measures (NPS, CSAT, sentiment, the
//! departments that answer for it together), the journey map's departments × stages grid, and
//! the records behind a cell — all from the store's counts grouped by stage and answer, never by
//! reading each record.

use std::collections::HashMap;

use serde::Serialize;
use throughline_analytics::Estimate;
use throughline_analytics::scores;
use throughline_domain::org::{Organisation, OwnershipRole};
use throughline_store::{Store, Verbatim};

use super::organisation;
use crate::Result;
use crate::period::Days;

/// A journey stage's customer measures, shared by every department that affects it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StageMeasure {
    pub stage: String,
    pub name: String,
    /// Records placed on the stage.
    pub records: u64,
    pub nps: Option<Estimate>,
    pub csat: Option<Estimate>,
    /// Mean sentiment of its records.
    pub sentiment: Option<f64>,
    /// The departments that affect it, with their strongest role there.
    pub departments: Vec<(String, OwnershipRole)>,
}

/// The journey map: stages left to right with their touchpoints, moments of truth and negative
/// feedback, and a departments × stages grid whose cells say how each department takes part in
/// the stage and how much negative feedback the stage draws.
#[derive(Debug, Clone, Serialize)]
pub struct JourneyMap {
    pub stages: Vec<MapStage>,
    pub departments: Vec<MapRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapStage {
    pub key: String,
    pub name: String,
    pub touchpoints: Vec<String>,
    pub moments_of_truth: Vec<String>,
    pub records: u64,
    /// Records whose sentiment is negative (at most [`NEGATIVE_AT_MOST`]).
    pub negative: u64,
    pub negative_share: Option<f64>,
    pub nps: Option<Estimate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapRow {
    pub key: String,
    pub name: String,
    /// One per stage, in journey order; `None` where the department does not take part.
    pub cells: Vec<Option<MapCell>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapCell {
    pub role: OwnershipRole,
    pub negative: u64,
    pub negative_share: Option<f64>,
}

/// The sentiment at or below which a record counts as negative (VADER's threshold).
pub const NEGATIVE_AT_MOST: f64 = -0.05;

/// Up to `limit` records on `stage` negative enough to count against it
/// ([`NEGATIVE_AT_MOST`]), most negative first: the records behind a cell of the journey map.
pub async fn stage_verbatims(store: &Store, stage: &str, limit: u32) -> Result<Vec<Verbatim>> {
    Ok(store
        .stage_verbatims(stage, NEGATIVE_AT_MOST, limit)
        .await?)
}

pub async fn journey_map(store: &Store) -> Result<JourneyMap> {
    journey_map_of(store, None).await
}

/// The journey map of the records received on `days` (all records with `None`).
pub async fn journey_map_of(store: &Store, days: Option<&Days>) -> Result<JourneyMap> {
    let org = organisation(store).await?;
    let between = days.map(|d| (d.from.start(), d.to.start()));
    let (measures, negative) = grouped_measures(store, &org, between).await?;
    let data = OrgOnly { org };
    let stages: Vec<MapStage> = data
        .org
        .journey
        .stages
        .iter()
        .zip(&measures)
        .map(|(stage, m)| {
            let count = negative.get(stage.key.as_str()).copied().unwrap_or(0);
            MapStage {
                key: stage.key.as_str().to_owned(),
                name: stage.name.as_str().to_owned(),
                touchpoints: stage
                    .touchpoints
                    .iter()
                    .map(|t| t.name.as_str().to_owned())
                    .collect(),
                moments_of_truth: data
                    .org
                    .moments_of_truth
                    .iter()
                    .filter(|m| m.stage == stage.key)
                    .map(|m| m.name.as_str().to_owned())
                    .collect(),
                records: m.records,
                negative: count,
                negative_share: (m.records > 0).then(|| count as f64 / m.records as f64),
                nps: m.nps,
            }
        })
        .collect();
    let departments = data
        .org
        .departments
        .iter()
        .map(|d| MapRow {
            key: d.key.as_str().to_owned(),
            name: d.name.as_str().to_owned(),
            cells: data
                .org
                .journey
                .stages
                .iter()
                .zip(&stages)
                .map(|(stage, s)| {
                    data.org
                        .departments_of_stage(stage)
                        .into_iter()
                        .find(|(x, _)| x.key == d.key)
                        .map(|(_, role)| MapCell {
                            role,
                            negative: s.negative,
                            negative_share: s.negative_share,
                        })
                })
                .collect(),
        })
        .collect();
    Ok(JourneyMap {
        stages,
        departments,
    })
}

/// Every stage's measures, in journey order.
pub async fn stage_measures(store: &Store) -> Result<Vec<StageMeasure>> {
    let org = organisation(store).await?;
    Ok(grouped_measures(store, &org, None).await?.0)
}

/// Every stage's measures and its count of negative records, from the store's counts grouped
/// by stage and answer: the same figures as [`measures`] without reading each record.
pub(super) async fn grouped_measures(
    store: &Store,
    org: &Organisation,
    between: Option<(throughline_domain::Timestamp, throughline_domain::Timestamp)>,
) -> Result<(Vec<StageMeasure>, HashMap<String, u64>)> {
    let groups = store.stage_score_groups(NEGATIVE_AT_MOST, between).await?;
    Ok(measures_of_groups(org, &groups))
}

/// The answers of the groups, each repeated as many times as records gave it.
pub(super) fn group_answers<'a>(
    groups: impl Iterator<Item = &'a throughline_store::StageScoreGroup> + Clone + 'a,
    value: fn(&throughline_store::StageScoreGroup) -> Option<i64>,
) -> impl Iterator<Item = u8> + 'a {
    groups.flat_map(move |g| {
        let v = value(g).and_then(|v| u8::try_from(v).ok());
        std::iter::repeat_n(v, g.records as usize).flatten()
    })
}

/// [`grouped_measures`] from counts already read.
pub(super) fn measures_of_groups(
    org: &Organisation,
    groups: &[throughline_store::StageScoreGroup],
) -> (Vec<StageMeasure>, HashMap<String, u64>) {
    use throughline_domain::feedback::{Csat, Nps};
    let mut negative: HashMap<String, u64> = HashMap::new();
    let measures = org
        .journey
        .stages
        .iter()
        .map(|stage| {
            let on_stage: Vec<&throughline_store::StageScoreGroup> = groups
                .iter()
                .filter(|g| g.stage == stage.key.as_str())
                .collect();
            let records: u64 = on_stage.iter().map(|g| g.records).sum();
            let answers = |value| group_answers(on_stage.iter().copied(), value);
            *negative.entry(stage.key.as_str().to_owned()).or_default() +=
                on_stage.iter().map(|g| g.negative).sum::<u64>();
            StageMeasure {
                stage: stage.key.as_str().to_owned(),
                name: stage.name.as_str().to_owned(),
                records,
                nps: scores::nps(answers(|g| g.nps).filter_map(|v| Nps::new(v).ok())),
                csat: scores::csat(answers(|g| g.csat).filter_map(|v| Csat::new(v).ok())),
                sentiment: (records > 0).then(|| {
                    on_stage.iter().map(|g| g.sentiment_sum).sum::<f64>() / records as f64
                }),
                departments: org
                    .departments_of_stage(stage)
                    .into_iter()
                    .map(|(d, role)| (d.key.as_str().to_owned(), role))
                    .collect(),
            }
        })
        .collect();
    (measures, negative)
}

/// The organisation alone, where a view needs nothing else.
struct OrgOnly {
    org: Organisation,
}
