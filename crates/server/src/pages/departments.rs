//! A department's page: its components of the journey, touchpoints, tasks, measures, themes
//! and the customer stories that concern it.

use axum::Router;
use axum::extract::State;
use axum::response::{Html, Response};
use axum::routing::get;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_analytics::scorecard::Weights;
use throughline_domain::org::Organisation;
use throughline_service::period::PeriodQuery;
use throughline_service::scorecards::{DepartmentScorecard, RecordEvidence};
use throughline_service::work::WorkKind;
use throughline_service::{actions, feedback, scorecards};

use super::table_file::{Cell, FileKind, Table};
use super::{UserView, VerbatimView, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::{AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/departments/{key}", get(department_page))
        .route("/departments.csv", get(scorecards_csv))
        .route("/departments.xlsx", get(scorecards_xlsx))
}

/// Department `key`'s scorecard: its records' part from the evidence kept until the data
/// changes, its initiatives and KPIs read now; a key that is no department is refused, naming
/// those there are, without reading the records.
async fn scorecard_of(
    state: &AppState,
    org: &Organisation,
    evidence: &HashMap<String, RecordEvidence>,
    key: &str,
) -> Result<DepartmentScorecard, PageError> {
    Ok(scorecards::department_from_kept(
        &state.store,
        org,
        evidence,
        key,
        Weights::default(),
        SINGLE_DEPARTMENT_SHARE,
    )
    .await?)
}

const SCORECARD_HEADER: [&str; 8] = [
    "department",
    "name",
    "score",
    "component",
    "weight",
    "component_score",
    "how",
    "negative_themes",
];

/// `/departments.csv`: every department's weighted scorecard, one row per component (its
/// weight, its score 0–100 or blank when missing, how it was computed or why it is missing),
/// beside the department's overall score and the negative themes it owns.
async fn scorecards_csv(
    State(state): State<AppState>,
    _user: PageUser,
) -> Result<Response, PageError> {
    scorecards_table(&state).await?.answer(FileKind::Csv)
}

/// `/departments.xlsx`: the same as an Excel workbook.
async fn scorecards_xlsx(
    State(state): State<AppState>,
    _user: PageUser,
) -> Result<Response, PageError> {
    scorecards_table(&state).await?.answer(FileKind::Xlsx)
}

async fn scorecards_table(state: &AppState) -> Result<Table, PageError> {
    let org = state.organisation().await?;
    let evidence = state.views.department_evidence(&state.store).await?;
    let rounded = |v: Option<f64>| Cell::number(v.map(|v| (v * 10.0).round() / 10.0));
    let mut rows = Vec::new();
    for department in &org.departments {
        let card = scorecard_of(state, &org, &evidence, department.key.as_str()).await?;
        let themes = card
            .negative_themes
            .iter()
            .map(|(id, label)| format!("{id} {label}"))
            .collect::<Vec<_>>()
            .join("; ");
        for component in &card.scorecard.components {
            rows.push(vec![
                Cell::Text(card.department.clone()),
                Cell::Text(card.name.clone()),
                rounded(card.scorecard.score),
                Cell::Text(component.name.to_owned()),
                Cell::Number(component.weight),
                rounded(component.score),
                Cell::Text(component.detail.clone()),
                Cell::Text(themes.clone()),
            ]);
        }
    }
    Ok(Table {
        name: "department-scorecards".to_owned(),
        header: &SCORECARD_HEADER,
        rows,
    })
}

#[derive(Serialize)]
struct ComponentView {
    name: &'static str,
    weight: f64,
    score: String,
    detail: String,
}

#[derive(Serialize)]
struct TouchpointRow {
    name: String,
    stage: String,
    role: &'static str,
}

#[derive(Serialize)]
struct TaskRow {
    title: String,
    /// "task" or "council action".
    kind: &'static str,
    /// A task's initiative, or the meeting an action was agreed at.
    from: String,
    owner: String,
    due: String,
    overdue: bool,
}

#[derive(Serialize)]
struct MeasureRow {
    key: String,
    name: String,
    records: u64,
    nps: String,
    departments: String,
    /// With a period: the stage's negative share in it, and its figures in the period before
    /// ("226 records · 30% negative · NPS 4").
    negative: Option<String>,
    before: Option<String>,
}

#[derive(Serialize)]
struct ThemeLink {
    id: i64,
    label: String,
}

#[derive(Serialize)]
struct DepartmentPage {
    user: UserView,
    csrf_token: String,
    key: String,
    name: String,
    score: String,
    components: Vec<ComponentView>,
    touchpoints: Vec<TouchpointRow>,
    themes: Vec<ThemeLink>,
    tasks: Vec<TaskRow>,
    measures: Vec<MeasureRow>,
    kpis: Vec<String>,
    /// What its KPIs lead or follow in the cross-silo chains ("Its Lead volume leads …").
    chains: Vec<String>,
    stories: Vec<VerbatimView>,
    /// Its open follow-up cases, most urgent first (overdue ones marked).
    cases: Vec<throughline_service::follow_up::CaseView>,
    period_form: super::period::PeriodForm,
    /// With a period: the period and the one before, described.
    compared: Option<(String, String)>,
}

/// A department: its scorecard, touchpoints, the negative themes it owns, its open tasks, the
/// stage measures it shares (of all the data, or of a period beside the one before), its own
/// KPIs.
async fn department_page(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Path(key): crate::error::extract::Path<String>,
    crate::error::extract::Query(asked): crate::error::extract::Query<PeriodQuery>,
) -> Result<Html<String>, PageError> {
    let (period_form, span) = super::period::chosen(&asked);
    // The stages' figures in the period and the one before, counted by the database.
    let in_period = match &span {
        Some(span) => Some((
            scorecards::journey_map_of(&state.store, Some(&span.current)).await?,
            scorecards::journey_map_of(&state.store, Some(&span.previous)).await?,
        )),
        None => None,
    };
    // The records' part of its scorecard is kept until the data changes; its initiatives and
    // KPIs are read now.
    let org = state.organisation().await?;
    let evidence = state.views.department_evidence(&state.store).await?;
    let card = scorecard_of(&state, &org, &evidence, &key).await?;
    let touchpoints = org
        .touchpoints()
        .filter_map(|(stage, t)| {
            let role = if t.owners.iter().any(|o| o.as_str() == key) {
                "owner"
            } else if t.contributors.iter().any(|c| c.as_str() == key) {
                "contributor"
            } else {
                return None;
            };
            Some(TouchpointRow {
                name: t.name.as_str().to_owned(),
                stage: stage.name.as_str().to_owned(),
                role,
            })
        })
        .collect();
    let initiatives = actions::initiatives(&state.store).await?;
    let today = throughline_domain::action::Date::today();
    // Its open work: the tasks of initiatives and the actions agreed at council meetings, as
    // the digest and the agenda count them.
    let work = throughline_service::work::all(&state.store).await?;
    let tasks = throughline_service::work::open_of(&work, &key, &today)
        .into_iter()
        .map(|w| TaskRow {
            from: match w.kind {
                WorkKind::Task => initiatives
                    .iter()
                    .find(|i| i.id == w.from)
                    .map_or_else(String::new, |i| i.initiative.title.clone()),
                WorkKind::CouncilAction => format!("Council meeting {}", w.from),
            },
            kind: w.kind.label(),
            overdue: w.is_overdue(&today),
            title: w.title.clone(),
            owner: w.owner.clone(),
            due: w.due.to_string(),
        })
        .collect();
    // Customer stories: the latest negative comments on the stages it takes part in.
    let stages: Vec<String> = org
        .stages_of_department(&key)
        .iter()
        .map(|s| s.key.as_str().to_owned())
        .collect();
    let stories = feedback::latest_negative_on(&state.store, stages, 5)
        .await?
        .into_iter()
        .map(|r| VerbatimView {
            text: r.text(
                "
",
            ),
            received: throughline_domain::action::Date::of(r.received_at).to_string(),
            nps: r.nps.map_or_else(String::new, |n| n.to_string()),
            sentiment: r.sentiment.map_or_else(String::new, |s| format!("{s:+.2}")),
            stage: r.stage.unwrap_or_else(|| "no stage".into()),
        })
        .collect();
    let found = state.views.chains(&state.store).await?;
    let own_kpis: HashSet<&str> = org
        .metrics
        .iter()
        .filter(|m| m.department.as_str() == key)
        .map(|m| m.key.as_str())
        .collect();
    let own_kpi = |series: &throughline_service::chains::SeriesRef| {
        series.kind == "kpi" && own_kpis.contains(series.key.as_str())
    };
    let mut chains: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    // Only the links that touch its own KPIs are written out: the chains hold thousands of
    // links at a million records, and formatting each for every request was most of the page's
    // time.
    for link in found
        .chains
        .iter()
        .filter(|_| !own_kpis.is_empty())
        .flat_map(|c| &c.links)
        .filter(|link| own_kpi(&link.from) || own_kpi(&link.to))
    {
        let weeks = format!(
            "{} week{}",
            link.lag_weeks,
            if link.lag_weeks == 1 { "" } else { "s" }
        );
        let evidence = format!("r {:+.2}, q {:.3}", link.strength, link.q);
        let line = if own_kpi(&link.from) {
            format!(
                "Its {} leads “{}” by {weeks} ({evidence})",
                link.from.label, link.to.label
            )
        } else if own_kpi(&link.to) {
            format!(
                "“{}” leads its {} by {weeks} ({evidence})",
                link.from.label, link.to.label
            )
        } else {
            continue;
        };
        if seen.insert(line.clone()) {
            chains.push(line);
        }
    }
    // A department page listing hundreds of links helps nobody; the chains page has them all.
    const CHAIN_LINES: usize = 20;
    if chains.len() > CHAIN_LINES {
        let more = chains.len() - CHAIN_LINES;
        chains.truncate(CHAIN_LINES);
        chains.push(format!("… and {more} more on the chains page"));
    }
    let cases = throughline_service::follow_up::list(&state.store, Some(&key), true, 50).await?;
    let page = DepartmentPage {
        chains,
        stories,
        cases,
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        key: card.department.clone(),
        name: card.name.clone(),
        score: card
            .scorecard
            .score
            .map_or_else(|| "no score yet".to_owned(), |s| format!("{s:.0} / 100")),
        components: card
            .scorecard
            .components
            .iter()
            .map(|c| ComponentView {
                name: c.name,
                weight: c.weight,
                score: c
                    .score
                    .map_or_else(|| "missing".to_owned(), |s| format!("{s:.0}")),
                detail: c.detail.clone(),
            })
            .collect(),
        touchpoints,
        themes: card
            .negative_themes
            .iter()
            .map(|(id, label)| ThemeLink {
                id: *id,
                label: label.clone(),
            })
            .collect(),
        tasks,
        measures: card
            .shared_measures
            .iter()
            .map(|m| {
                let stage_of = |map: &scorecards::JourneyMap| {
                    map.stages.iter().find(|s| s.key == m.stage).cloned()
                };
                let (now, before) = match &in_period {
                    Some((now, before)) => (stage_of(now), stage_of(before)),
                    None => (None, None),
                };
                MeasureRow {
                    key: m.stage.clone(),
                    name: m.name.clone(),
                    records: now.as_ref().map_or(m.records, |s| s.records),
                    negative: now
                        .as_ref()
                        .map(|s| super::period::percent(s.negative_share)),
                    before: before.as_ref().map(super::period::stage_figures),
                    nps: match &now {
                        Some(s) => s
                            .nps
                            .map_or_else(|| "-".into(), |e| super::rounded(e.value, 0)),
                        None => m.nps.map_or_else(
                            || "-".into(),
                            |e| {
                                format!(
                                    "{} ({} to {})",
                                    super::rounded(e.value, 0),
                                    super::rounded(e.low, 0),
                                    super::rounded(e.high, 0)
                                )
                            },
                        ),
                    },
                    departments: m
                        .departments
                        .iter()
                        .map(|(d, role)| format!("{d} ({})", role.as_str()))
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })
            .collect(),
        compared: span
            .as_ref()
            .map(|s| (s.current.describe(), s.previous.describe())),
        period_form,
        kpis: card
            .own_kpis
            .iter()
            .map(|k| {
                let value = k.latest.as_ref().map_or_else(
                    || "no value recorded".to_owned(),
                    |v| format!("{} {} on {}", v.value, k.unit, v.on),
                );
                let movement = k.movement.map(|m| format!(", {m}")).unwrap_or_default();
                format!("{}: {value}{movement}", k.name)
            })
            .collect(),
    };
    Ok(Html(render("department.html", page)?))
}
