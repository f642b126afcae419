//! Scorecards per department and per initiative (the formula is in
//! [`throughline_analytics::scorecard`]), and the shared measures per journey stage that every
//! department affecting the stage answers for together.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use throughline_analytics::Estimate;
use throughline_analytics::scorecard::{self, Scorecard, Weights};
use throughline_analytics::scores;
use throughline_analytics::trends::Period;
use throughline_domain::action::InitiativeStatus;
use throughline_domain::action::WorkOwner;
use throughline_domain::org::{Department, Direction, Organisation};
use throughline_store::{KpiValue, RecordAnalysisRow, Store, StoredFeedback, ThemeStatus};

use crate::weekly::Inputs;
use crate::{Result, ServiceError};

mod evidence;
mod stages;

pub use evidence::{RecordEvidence, record_evidence};
use evidence::{
    evidence_of, evidence_of_departments, negative_theme_owners, rating_part, trend_part,
};
pub use stages::{
    JourneyMap, MapCell, MapRow, MapStage, NEGATIVE_AT_MOST, StageMeasure, journey_map,
    journey_map_of, stage_measures, stage_verbatims,
};
use stages::{group_answers, measures_of_groups};

#[derive(Debug, Clone, Serialize)]
pub struct DepartmentScorecard {
    pub department: String,
    pub name: String,
    #[serde(flatten)]
    pub scorecard: Scorecard,
    /// The negative themes it owns (id, label), which the trend component follows.
    pub negative_themes: Vec<(i64, String)>,
    /// Its initiatives (ids).
    pub initiatives: Vec<i64>,
    /// The measures of the stages it affects, shared with the other departments there.
    pub shared_measures: Vec<StageMeasure>,
    /// Its own KPIs (the organisation's metrics it owns), with their latest values.
    pub own_kpis: Vec<OwnKpi>,
}

/// A department's own KPI and how it moved between its last two recorded values.
#[derive(Debug, Clone, Serialize)]
pub struct OwnKpi {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub latest: Option<KpiValue>,
    pub previous: Option<KpiValue>,
    /// `improving`, `worsening` or `steady` (by the metric's direction); `None` with fewer
    /// than two values.
    pub movement: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InitiativeScorecard {
    pub initiative: i64,
    pub title: String,
    #[serde(flatten)]
    pub scorecard: Scorecard,
    /// Beside the reviewed progress: what the data says changed since it started.
    pub measured_effect: crate::effects::MeasuredEffect,
}

/// What scorecards and measures are read from: the weekly series' inputs (organisation,
/// records, analyses, themes, KPI values), loaded once.
type Data = Inputs;

async fn load(store: &Store) -> Result<Arc<Data>> {
    Ok(Arc::new(Inputs::load(store).await?))
}

pub(super) async fn organisation(store: &Store) -> Result<Organisation> {
    store.load_organisation().await?.ok_or_else(|| {
        ServiceError::Invalid(
            "no organisation has been applied: run `throughline apply ORG.toml` first".into(),
        )
    })
}

/// The action-plan component over initiatives.
fn action_plan_part<'a>(
    initiatives: impl Iterator<Item = &'a throughline_store::StoredInitiative>,
) -> (Option<f64>, String) {
    let progress: Vec<(String, f64)> = initiatives
        .filter(|i| {
            matches!(
                i.status,
                InitiativeStatus::Approved | InitiativeStatus::Active | InitiativeStatus::Done
            )
        })
        .filter_map(|i| {
            i.current_value.map(|v| {
                (
                    i.initiative.title.clone(),
                    i.initiative.objective.progress(v),
                )
            })
        })
        .collect();
    let values: Vec<f64> = progress.iter().map(|p| p.1).collect();
    match scorecard::action_plan(&values) {
        Some(score) => {
            let each: Vec<String> = progress
                .iter()
                .map(|(t, p)| format!("{t} {p:.0}%"))
                .collect();
            (
                Some(score),
                format!("progress toward targets: {}", each.join(", ")),
            )
        }
        None => (
            None,
            "missing: no approved or active initiative with a reviewed metric value".into(),
        ),
    }
}

/// The theme-trend component of a started initiative, from its measured effect on its first
/// theme's share (since it started, against the counterfactual) rather than from the last two
/// months: 50 when the change is not clear, up to 100 (or down to 0) as the share moves the
/// wanted (or the wrong) way by as much as its expected level. `None` when nothing was
/// measured.
fn measured_trend_part(effect: &crate::effects::MeasuredEffect) -> Option<(Option<f64>, String)> {
    let measure = effect
        .measures
        .iter()
        .find(|m| m.kind == "theme_share" && m.change.is_some())?;
    let change = measure.change?;
    let size = if change.expected.abs() > 0.0 {
        (change.effect.abs() / change.expected.abs()).min(1.0)
    } else {
        1.0
    };
    let score = match measure.improved {
        Some(true) => 50.0 + 50.0 * size,
        Some(false) => 50.0 - 50.0 * size,
        None => 50.0,
    };
    Some((
        Some(score),
        format!(
            "measured since it started on {}: {} {:.1}% where {:.1}% was expected, {} ({:+.1} \
             points, 95% interval {:+.1} to {:+.1})",
            effect
                .started_on
                .as_ref()
                .map_or_else(|| "?".to_owned(), ToString::to_string),
            measure.label,
            change.after,
            change.expected,
            measure.verdict(),
            change.effect,
            change.low,
            change.high
        ),
    ))
}

/// Department `key`'s scorecard, its record evidence counted by the database
/// ([`record_evidence`]).
pub async fn department(
    store: &Store,
    key: &str,
    weights: Weights,
    threshold: f64,
) -> Result<DepartmentScorecard> {
    let org = organisation(store).await?;
    find_department(&org, key)?;
    let evidence = evidence_of_departments(store, &org, threshold, Some(key)).await?;
    department_from(store, &org, &evidence[key], key, weights).await
}

/// Department `key`'s scorecard from every department's record evidence kept at `threshold`
/// (the web server's, or the agenda's): a department the evidence does not know yet (the
/// organisation changed since) is counted now; a key that is no department is refused.
pub async fn department_from_kept(
    store: &Store,
    org: &Organisation,
    kept: &HashMap<String, RecordEvidence>,
    key: &str,
    weights: Weights,
    threshold: f64,
) -> Result<DepartmentScorecard> {
    match kept.get(key) {
        Some(evidence) => department_from(store, org, evidence, key, weights).await,
        None => {
            find_department(org, key)?;
            department(store, key, weights, threshold).await
        }
    }
}

/// A department's scorecard from inputs already loaded (the digests read them once).
pub async fn department_with(
    store: &Store,
    data: &Data,
    key: &str,
    weights: Weights,
    threshold: f64,
) -> Result<DepartmentScorecard> {
    department_of(store, data, key, weights, threshold).await
}

/// Every department's scorecard, in the organisation's order, their record evidence counted by
/// the database ([`record_evidence`]).
pub async fn departments(
    store: &Store,
    weights: Weights,
    threshold: f64,
) -> Result<Vec<DepartmentScorecard>> {
    let org = organisation(store).await?;
    let evidence = evidence_of_departments(store, &org, threshold, None).await?;
    let mut cards = Vec::new();
    for d in &org.departments {
        let key = d.key.as_str();
        cards.push(department_from(store, &org, &evidence[key], key, weights).await?);
    }
    Ok(cards)
}

/// Every department's scorecard from inputs already loaded.
pub async fn departments_with(
    store: &Store,
    data: &Data,
    weights: Weights,
    threshold: f64,
) -> Result<Vec<DepartmentScorecard>> {
    let mut cards = Vec::new();
    for d in &data.org.departments {
        cards.push(department_of(store, data, d.key.as_str(), weights, threshold).await?);
    }
    Ok(cards)
}

async fn department_of(
    store: &Store,
    data: &Data,
    key: &str,
    weights: Weights,
    threshold: f64,
) -> Result<DepartmentScorecard> {
    find_department(&data.org, key)?;
    let themes = store.themes().await?;
    let owners = negative_theme_owners(data, &themes, threshold);
    let evidence = evidence_of(data, &themes, &owners, key);
    department_from(store, &data.org, &evidence, key, weights).await
}

/// Department `key` of `org`; `NotFound` naming the departments there are.
pub fn find_department<'a>(org: &'a Organisation, key: &str) -> Result<&'a Department> {
    org.departments
        .iter()
        .find(|d| d.key.as_str() == key)
        .ok_or_else(|| {
            let known: Vec<&str> = org.departments.iter().map(|d| d.key.as_str()).collect();
            ServiceError::NotFound(format!(
                "there is no department {key:?}; the departments are {}",
                known.join(", ")
            ))
        })
}

/// Department `key`'s scorecard from its record evidence and its initiatives and KPIs read now.
pub async fn department_from(
    store: &Store,
    org: &Organisation,
    evidence: &RecordEvidence,
    key: &str,
    weights: Weights,
) -> Result<DepartmentScorecard> {
    let department = find_department(org, key)?;
    let initiatives: Vec<_> = store
        .initiatives()
        .await?
        .into_iter()
        .filter(|i| matches!(&i.initiative.owner, WorkOwner::Department(d) if d.as_str() == key))
        .collect();
    let mut own_kpis = Vec::new();
    for metric in org.metrics.iter().filter(|m| m.department.as_str() == key) {
        let mut values = store.kpi_values(metric.key.as_str()).await?;
        let movement = series_movement(metric.direction, &values);
        let latest = values.pop();
        let previous = values.pop();
        own_kpis.push(OwnKpi {
            key: metric.key.as_str().to_owned(),
            name: metric.name.as_str().to_owned(),
            unit: metric.unit.clone(),
            direction: metric.direction,
            latest,
            previous,
            movement,
        });
    }
    let scorecard = scorecard::combine(
        weights,
        [
            action_plan_part(initiatives.iter()),
            evidence.trend.clone(),
            evidence.rating.clone(),
        ],
    );
    Ok(DepartmentScorecard {
        department: key.to_owned(),
        name: department.name.as_str().to_owned(),
        scorecard,
        negative_themes: evidence.negative_themes.clone(),
        initiatives: initiatives.iter().map(|i| i.id).collect(),
        shared_measures: evidence.shared_measures.clone(),
        own_kpis,
    })
}

pub async fn initiative(store: &Store, id: i64, weights: Weights) -> Result<InitiativeScorecard> {
    let data = load(store).await?;
    let initiative = crate::actions::initiative(store, id).await?;
    let themes: HashSet<i64> = initiative.initiative.themes.iter().copied().collect();
    let mut stages: BTreeSet<String> = initiative
        .initiative
        .stages
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    // An initiative that names no stage is rated on its themes' stages.
    if stages.is_empty() {
        stages = data
            .themes
            .iter()
            .filter(|t| themes.contains(&t.id))
            .filter_map(|t| t.aggregates.stage.clone())
            .collect();
    }
    let measured_effect = crate::effects::measure_with(data.clone(), &initiative).await?;
    let trend = measured_trend_part(&measured_effect)
        .unwrap_or_else(|| trend_part(&data, &themes, "the initiative addresses no theme"));
    let scorecard = scorecard::combine(
        weights,
        [
            action_plan_part(std::iter::once(&initiative)),
            trend,
            rating_part(&data, &stages),
        ],
    );
    Ok(InitiativeScorecard {
        initiative: id,
        title: initiative.initiative.title.clone(),
        scorecard,
        measured_effect,
    })
}

/// Readings compared at each end of a KPI series that has enough of them.
const MOVEMENT_WINDOW: usize = 4;

/// How a KPI's readings (oldest first) moved, given which way is better. With two windows of
/// [`MOVEMENT_WINDOW`] readings or more, the mean of the latest window against the one before,
/// `steady` unless the difference is more than twice its standard error (a weekly series
/// wanders; one week against the last is mostly noise); with fewer, the last reading against
/// the one before. `None` with fewer than two readings.
pub fn series_movement(direction: Direction, values: &[KpiValue]) -> Option<&'static str> {
    let n = values.len();
    if n >= 2 * MOVEMENT_WINDOW {
        let window = |from: usize| -> (f64, f64) {
            let xs: Vec<f64> = values[from..from + MOVEMENT_WINDOW]
                .iter()
                .map(|v| v.value)
                .collect();
            let mean = xs.iter().sum::<f64>() / xs.len() as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
            (mean, var)
        };
        let (before, var_before) = window(n - 2 * MOVEMENT_WINDOW);
        let (latest, var_latest) = window(n - MOVEMENT_WINDOW);
        let error = ((var_before + var_latest) / MOVEMENT_WINDOW as f64).sqrt();
        if (latest - before).abs() <= 2.0 * error {
            return Some("steady");
        }
        return Some(kpi_movement(direction, before, latest));
    }
    match values {
        [.., previous, latest] => Some(kpi_movement(direction, previous.value, latest.value)),
        _ => None,
    }
}

/// How a KPI moved from `previous` to `latest`, given which way is better.
pub fn kpi_movement(direction: Direction, previous: f64, latest: f64) -> &'static str {
    let better = match direction {
        Direction::HigherIsBetter => latest > previous,
        Direction::LowerIsBetter => latest < previous,
    };
    if latest == previous {
        "steady"
    } else if better {
        "improving"
    } else {
        "worsening"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use throughline_domain::action::Date;

    #[test]
    fn a_weekly_series_moves_only_when_its_latest_weeks_clearly_differ() {
        let readings = |values: &[f64]| -> Vec<KpiValue> {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| KpiValue {
                    metric: "complaint-calls".into(),
                    on: Date::parse(&format!("2026-01-{:02}", i + 1)).unwrap(),
                    value: *v,
                })
                .collect()
        };
        let lower = Direction::LowerIsBetter;
        // Noise: the last week is lower than the one before, but the last four are not.
        let wandering = readings(&[120.0, 126.0, 118.0, 124.0, 121.0, 127.0, 123.0, 119.0]);
        assert_eq!(series_movement(lower, &wandering), Some("steady"));
        let falling = readings(&[140.0, 142.0, 139.0, 141.0, 121.0, 119.0, 122.0, 120.0]);
        assert_eq!(series_movement(lower, &falling), Some("improving"));
        assert_eq!(
            series_movement(Direction::HigherIsBetter, &falling),
            Some("worsening")
        );
        assert_eq!(
            series_movement(lower, &readings(&[4.2, 3.1])),
            Some("improving")
        );
        assert_eq!(series_movement(lower, &readings(&[4.2])), None);
    }

    #[test]
    fn kpis_move_by_their_direction() {
        assert_eq!(
            kpi_movement(Direction::LowerIsBetter, 14.0, 9.0),
            "improving"
        );
        assert_eq!(
            kpi_movement(Direction::LowerIsBetter, 9.0, 14.0),
            "worsening"
        );
        assert_eq!(
            kpi_movement(Direction::HigherIsBetter, 80.0, 85.0),
            "improving"
        );
        assert_eq!(
            kpi_movement(Direction::HigherIsBetter, 80.0, 80.0),
            "steady"
        );
    }
}
