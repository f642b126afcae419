//! What a department's scorecard reads from the records — the negative themes it owns and
//! their trend, its stages' rating, the measures it shares — either counted by the database
//! ([`record_evidence`], what the pages and the CLI use) or from records already read
//! ([`evidence_of`], for the digests, which read them for their stories). Both give the same
//! figures (tested in the service's `actions` tests).

use super::*;

pub(super) fn measures(data: &Data, only: Option<&BTreeSet<String>>) -> Vec<StageMeasure> {
    data.org
        .journey
        .stages
        .iter()
        .filter(|s| only.is_none_or(|o| o.contains(s.key.as_str())))
        .map(|stage| {
            let on_stage: Vec<(&StoredFeedback, &RecordAnalysisRow)> = data
                .records
                .iter()
                .filter_map(|r| data.analyses.get(&r.id).map(|a| (r, a)))
                .filter(|(_, a)| a.stage.as_deref() == Some(stage.key.as_str()))
                .collect();
            StageMeasure {
                stage: stage.key.as_str().to_owned(),
                name: stage.name.as_str().to_owned(),
                records: on_stage.len() as u64,
                nps: scores::nps(on_stage.iter().filter_map(|(r, _)| r.record.scores.nps)),
                csat: scores::csat(on_stage.iter().filter_map(|(r, _)| r.record.scores.csat)),
                sentiment: (!on_stage.is_empty()).then(|| {
                    on_stage.iter().map(|(_, a)| a.sentiment).sum::<f64>() / on_stage.len() as f64
                }),
                departments: data
                    .org
                    .departments_of_stage(stage)
                    .into_iter()
                    .map(|(d, role)| (d.key.as_str().to_owned(), role))
                    .collect(),
            }
        })
        .collect()
}

/// The fewest analysed records a month needs to count in the trend component.
const TREND_MONTH_RECORDS: u64 = 30;

/// The trend component over a set of themes: their share of the records in the latest month
/// against the month before (months with at least [`TREND_MONTH_RECORDS`] records).
pub(super) fn trend_part(data: &Data, themes: &HashSet<i64>, what: &str) -> (Option<f64>, String) {
    if themes.is_empty() {
        return (None, format!("missing: {what}"));
    }
    let mut months: HashMap<String, (u64, u64)> = HashMap::new();
    for record in &data.records {
        let Some(analysis) = data.analyses.get(&record.id) else {
            continue;
        };
        let month = Period::Month.key(record.record.received_at.as_millis());
        let entry = months.entry(month).or_default();
        entry.0 += 1;
        if analysis.themes.iter().any(|(t, _)| themes.contains(t)) {
            entry.1 += 1;
        }
    }
    trend_of_months(&months, themes.len())
}

/// The theme-trend component from each month's analysed records and those with the themes
/// (`themes` of them).
pub(super) fn trend_of_months(
    months: &HashMap<String, (u64, u64)>,
    themes: usize,
) -> (Option<f64>, String) {
    // A month with a handful of records (the first days of a new month, a dozen survey
    // answers) says little about a share: only months with enough records are compared.
    let mut keys: Vec<&String> = months
        .iter()
        .filter(|(_, (all, _))| *all >= TREND_MONTH_RECORDS)
        .map(|(k, _)| k)
        .collect();
    keys.sort();
    let [.., previous, latest] = keys.as_slice() else {
        return (
            None,
            format!(
                "missing: fewer than two months with {TREND_MONTH_RECORDS} or more analysed records"
            ),
        );
    };
    let share = |k: &String| {
        let (all, with) = months[k];
        with as f64 / all.max(1) as f64
    };
    let (p, l) = (share(previous), share(latest));
    match scorecard::theme_trend(p, l) {
        Some(score) => (
            Some(score),
            format!(
                "share of records with the {} theme(s): {:.1}% in {previous} → {:.1}% in {latest}",
                themes,
                p * 100.0,
                l * 100.0
            ),
        ),
        None => (
            None,
            format!("missing: the themes had no records in {previous} to compare with"),
        ),
    }
}

/// The stage-rating component: NPS of the records on the stages.
pub(super) fn rating_part(data: &Data, stages: &BTreeSet<String>) -> (Option<f64>, String) {
    if stages.is_empty() {
        return (None, "missing: no journey stage".into());
    }
    let nps = scores::nps(
        data.records
            .iter()
            .filter(|r| {
                data.analyses
                    .get(&r.id)
                    .and_then(|a| a.stage.as_ref())
                    .is_some_and(|s| stages.contains(s))
            })
            .filter_map(|r| r.record.scores.nps),
    );
    rating_of(&data.org, nps, stages)
}

/// The stage-rating component from the NPS of the records on `stages` (not empty).
pub(super) fn rating_of(
    org: &Organisation,
    nps: Option<Estimate>,
    stages: &BTreeSet<String>,
) -> (Option<f64>, String) {
    let names: Vec<&str> = stages.iter().map(|s| org.stage_name(s)).collect();
    match nps {
        Some(e) => (
            Some(scorecard::stage_rating(e.value)),
            format!(
                "NPS {:.0} (95% interval {:.0} to {:.0}, {} answers{}) on {}",
                e.value,
                e.low,
                e.high,
                e.n,
                if e.small_sample { ", small sample" } else { "" },
                names.join(", ")
            ),
        ),
        None => (
            None,
            format!("missing: no NPS answer on {}", names.join(", ")),
        ),
    }
}

/// What a department's scorecard reads from the records: the negative themes it owns, their
/// trend, its stages' rating and the measures it shares. It is the whole-dataset part of a
/// scorecard and stays the same until the data changes, so the web pages keep it for every
/// department at once ([`record_evidence`]) and read only the initiatives and KPIs anew.
#[derive(Debug, Clone)]
pub struct RecordEvidence {
    pub(super) negative_themes: Vec<(i64, String)>,
    pub(super) trend: (Option<f64>, String),
    pub(super) rating: (Option<f64>, String),
    pub(super) shared_measures: Vec<StageMeasure>,
}

/// Every department's [`RecordEvidence`], from what the database counts (each stage's answers,
/// each day's analysed records and those with a department's themes) and the negative themes'
/// own records for their owners — not from every record: at a million records reading them all
/// took 26 s.
pub async fn record_evidence(
    store: &Store,
    threshold: f64,
) -> Result<HashMap<String, RecordEvidence>> {
    let org = organisation(store).await?;
    evidence_of_departments(store, &org, threshold, None).await
}

/// [`record_evidence`] of every department of `org`, or of `only` that one.
pub(super) async fn evidence_of_departments(
    store: &Store,
    org: &Organisation,
    threshold: f64,
    only: Option<&str>,
) -> Result<HashMap<String, RecordEvidence>> {
    let themes = store.themes().await?;
    let negative = negative_themes(&themes);
    let owners = crate::themes::ownership(store, org, &themes, &negative, threshold).await?;
    let groups = store.stage_score_groups(NEGATIVE_AT_MOST, None).await?;
    let (measures, _) = measures_of_groups(org, &groups);
    let days = store.analysed_records_by_day().await?;
    let mut out = HashMap::new();
    for department in &org.departments {
        let key = department.key.as_str();
        if only.is_some_and(|o| o != key) {
            continue;
        }
        let (owned, stages, affected) = department_reach(org, &themes, &owners, key);
        let owned_ids: Vec<i64> = owned.iter().map(|t| t.0).collect();
        let trend = if owned_ids.is_empty() {
            (None, "missing: it owns no negative theme".to_owned())
        } else {
            let with: HashMap<i64, u64> = store
                .records_with_themes_by_day(&owned_ids)
                .await?
                .into_iter()
                .collect();
            let mut months: HashMap<String, (u64, u64)> = HashMap::new();
            for &(day, records) in &days {
                let month = Period::Month.key(day * 86_400_000);
                let entry = months.entry(month).or_default();
                entry.0 += records;
                entry.1 += with.get(&day).copied().unwrap_or(0);
            }
            trend_of_months(&months, owned_ids.len())
        };
        let rating = if stages.is_empty() {
            (None, "missing: no journey stage".into())
        } else {
            let on_stages = groups.iter().filter(|g| stages.contains(&g.stage));
            let nps = scores::nps(
                group_answers(on_stages, |g| g.nps)
                    .filter_map(|v| throughline_domain::feedback::Nps::new(v).ok()),
            );
            rating_of(org, nps, &stages)
        };
        out.insert(
            key.to_owned(),
            RecordEvidence {
                trend,
                rating,
                shared_measures: measures
                    .iter()
                    .filter(|m| affected.contains(&m.stage))
                    .cloned()
                    .collect(),
                negative_themes: owned,
            },
        );
    }
    Ok(out)
}

/// The owners of the active themes with negative mean sentiment, from the records.
pub(super) fn negative_theme_owners(
    data: &Data,
    themes: &[throughline_store::StoredTheme],
    threshold: f64,
) -> HashMap<i64, crate::themes::Ownership> {
    crate::themes::ownership_of(
        &data.org,
        &negative_themes(themes),
        threshold,
        &data.records,
        &data.analyses,
    )
}

/// The active themes whose records are negative on the whole: those a department answers for.
pub(super) fn negative_themes(
    themes: &[throughline_store::StoredTheme],
) -> Vec<&throughline_store::StoredTheme> {
    themes
        .iter()
        .filter(|t| t.status == ThemeStatus::Active)
        .filter(|t| t.aggregates.mean_sentiment.is_some_and(|s| s < 0.0))
        .collect()
}

/// What department `key` answers for: the negative themes it owns `(id, label)`, the stages
/// of the touchpoints it owns (rated by their NPS), and the stages it affects in any role
/// (whose measures it shares).
pub(super) fn department_reach(
    org: &Organisation,
    themes: &[throughline_store::StoredTheme],
    owners: &HashMap<i64, crate::themes::Ownership>,
    key: &str,
) -> (Vec<(i64, String)>, BTreeSet<String>, BTreeSet<String>) {
    let owned: Vec<(i64, String)> = themes
        .iter()
        .filter(|t| {
            owners
                .get(&t.id)
                .is_some_and(|o| o.owner_kind == "department" && o.owner == key)
        })
        .map(|t| (t.id, t.label.clone()))
        .collect();
    let stages: BTreeSet<String> = org
        .journey
        .stages
        .iter()
        .filter(|s| {
            s.touchpoints
                .iter()
                .any(|t| t.owners.iter().any(|o| o.as_str() == key))
        })
        .map(|s| s.key.as_str().to_owned())
        .collect();
    let affected: BTreeSet<String> = org
        .stages_of_department(key)
        .iter()
        .map(|s| s.key.as_str().to_owned())
        .collect();
    (owned, stages, affected)
}

pub(super) fn evidence_of(
    data: &Data,
    themes: &[throughline_store::StoredTheme],
    owners: &HashMap<i64, crate::themes::Ownership>,
    key: &str,
) -> RecordEvidence {
    let (owned, stages, affected) = department_reach(&data.org, themes, owners, key);
    let owned_ids: HashSet<i64> = owned.iter().map(|t| t.0).collect();
    RecordEvidence {
        trend: trend_part(data, &owned_ids, "it owns no negative theme"),
        rating: rating_part(data, &stages),
        shared_measures: measures(data, Some(&affected)),
        negative_themes: owned,
    }
}
