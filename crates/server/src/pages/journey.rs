//! The journey map (stages by departments, heat by negative share) and each stage's page.

use axum::Router;
use axum::extract::State;
use axum::response::{Html, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use throughline_domain::org::gaps::{Gap, GapKind};
use throughline_service::period::PeriodQuery;
use throughline_service::scorecards;

use super::table_file::{Cell, FileKind, Table};
use super::{UserView, VerbatimView, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/journey", get(journey_map))
        .route("/journey.csv", get(grid_csv))
        .route("/journey.xlsx", get(grid_xlsx))
        .route("/journey/{stage}", get(stage_page))
}

const GRID_HEADER: [&str; 13] = [
    "stage",
    "stage_name",
    "stage_records",
    "stage_negative",
    "stage_negative_share",
    "stage_nps",
    "department",
    "department_name",
    "role",
    "department_negative",
    "department_negative_share",
    "period_from",
    "period_to",
];

/// `/journey.csv`: the journey map's departments × stages grid, one row per department taking
/// part in a stage (a stage no department takes part in on a row of its own): the stage's
/// records, negative ones, their share and NPS, the department's role and the negative records
/// it shares there — of all the data, or of the period asked for (`?period=…`).
async fn grid_csv(
    State(state): State<AppState>,
    _user: PageUser,
    crate::error::extract::Query(asked): crate::error::extract::Query<PeriodQuery>,
) -> Result<Response, PageError> {
    grid_table(&state, &asked).await?.answer(FileKind::Csv)
}

/// `/journey.xlsx`: the same as an Excel workbook.
async fn grid_xlsx(
    State(state): State<AppState>,
    _user: PageUser,
    crate::error::extract::Query(asked): crate::error::extract::Query<PeriodQuery>,
) -> Result<Response, PageError> {
    grid_table(&state, &asked).await?.answer(FileKind::Xlsx)
}

async fn grid_table(state: &AppState, asked: &PeriodQuery) -> Result<Table, PageError> {
    let today = throughline_domain::action::Date::today();
    let (map, name, from, to) = match asked.span(&today)? {
        Some(span) => {
            let (from, last) = (
                span.current.from.as_str().to_owned(),
                span.current.last().as_str().to_owned(),
            );
            (
                Arc::new(scorecards::journey_map_of(&state.store, Some(&span.current)).await?),
                format!("journey-{from}-to-{last}"),
                Cell::Text(from),
                Cell::Text(last),
            )
        }
        None => (
            state.views.journey_map(&state.store).await?,
            "journey".to_owned(),
            Cell::Blank,
            Cell::Blank,
        ),
    };
    let share = |s: Option<f64>| Cell::number(s.map(|s| (s * 10_000.0).round() / 10_000.0));
    let mut rows = Vec::new();
    for (i, stage) in map.stages.iter().enumerate() {
        let of_stage = vec![
            Cell::Text(stage.key.clone()),
            Cell::Text(stage.name.clone()),
            Cell::Number(stage.records as f64),
            Cell::Number(stage.negative as f64),
            share(stage.negative_share),
            Cell::number(stage.nps.as_ref().map(|e| (e.value * 10.0).round() / 10.0)),
        ];
        let mut taking_part = map
            .departments
            .iter()
            .filter_map(|d| Some((d, d.cells.get(i)?.as_ref()?)))
            .peekable();
        if taking_part.peek().is_none() {
            let mut row = of_stage.clone();
            row.extend([
                Cell::Blank,
                Cell::Blank,
                Cell::Blank,
                Cell::Blank,
                Cell::Blank,
            ]);
            row.extend([from.clone(), to.clone()]);
            rows.push(row);
        }
        for (department, cell) in taking_part {
            let mut row = of_stage.clone();
            row.extend([
                Cell::Text(department.key.clone()),
                Cell::Text(department.name.clone()),
                Cell::Text(cell.role.as_str().to_owned()),
                Cell::Number(cell.negative as f64),
                share(cell.negative_share),
                from.clone(),
                to.clone(),
            ]);
            rows.push(row);
        }
    }
    Ok(Table {
        name,
        header: &GRID_HEADER,
        rows,
    })
}

/// A gap or overlap marked where it is on the map.
#[derive(Serialize)]
struct MarkView {
    severity: &'static str,
    text: &'static str,
    /// The whole message and its fix, shown on hover and read by screen readers.
    title: String,
}

impl MarkView {
    fn of(gap: &Gap) -> Self {
        Self {
            severity: gap.severity.as_str(),
            text: gap.kind.short(),
            title: format!("{}. Fix: {}.", gap.message, gap.fix),
        }
    }
}

#[derive(Serialize)]
struct NamedView {
    name: String,
    marks: Vec<MarkView>,
    /// For a moment of truth found in customers' histories: what it does to satisfaction.
    measured: Option<MeasuredView>,
}

#[derive(Serialize)]
struct MeasuredView {
    /// "−69 NPS" or "+115 NPS".
    effect: String,
    /// "harm", "lift" or "unclear" (the interval holds zero, or too few customers).
    direction: &'static str,
    /// The rule, the customers and the interval, for the title.
    title: String,
}

#[derive(Serialize)]
struct GapView {
    severity: &'static str,
    kind: &'static str,
    message: String,
    fix: String,
    departments: String,
}

#[derive(Serialize)]
struct MapStageView {
    name: String,
    records: u64,
    negative_text: String,
    nps: String,
    touchpoints: Vec<NamedView>,
    moments: Vec<NamedView>,
    /// Gaps of the stage itself (no owner; customer issues nobody owns).
    marks: Vec<MarkView>,
    /// With a period: the stage in the period before ("226 records · 30% negative · NPS 4").
    before: Option<String>,
}

#[derive(Serialize)]
struct MapCellView {
    stage: String,
    role: &'static str,
    share: String,
    heat: u8,
}

#[derive(Serialize)]
struct MapRowView {
    key: String,
    name: String,
    cells: Vec<Option<MapCellView>>,
    /// Gaps of the department with no place on the journey (KPIs on no stage, no feedback, a
    /// metric another department claims too).
    marks: Vec<MarkView>,
}

#[derive(Serialize)]
struct JourneyPage {
    user: UserView,
    csrf_token: String,
    stages: Vec<MapStageView>,
    departments: Vec<MapRowView>,
    /// Every gap and overlap, most severe first.
    gaps: Vec<GapView>,
    period: String,
    period_form: super::period::PeriodForm,
    /// With a period: the period and the one before, described.
    compared: Option<(String, String)>,
}

fn measured_view(e: &throughline_service::moments::MomentEffect, unit: &str) -> MeasuredView {
    let direction = match (e.low, e.high) {
        (_, Some(h)) if h < 0.0 => "harm",
        (Some(l), _) if l > 0.0 => "lift",
        _ => "unclear",
    };
    let interval = match (e.low, e.high) {
        (Some(l), Some(h)) => format!("95% interval {l:+.0} to {h:+.0}"),
        _ => "too few customers for an interval".to_owned(),
    };
    MeasuredView {
        effect: e.effect.map_or_else(
            || "not measured yet".to_owned(),
            |v| format!("{v:+.0} {unit}"),
        ),
        direction,
        title: format!(
            "{}: {} customers reached it; {interval}, against customers who did not",
            e.rule, e.customers
        ),
    }
}

/// 0–4 by the share of negative feedback: below 10%, 20%, 30%, 40%, and above.
fn heat(share: Option<f64>) -> u8 {
    share.map_or(0, |s| ((s * 10.0).floor() as u8).min(4))
}

async fn journey_map(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Query(asked): crate::error::extract::Query<PeriodQuery>,
) -> Result<Html<String>, PageError> {
    // All the data (cached), or the period asked for and the one before it (counted anew).
    let (period_form, span) = super::period::chosen(&asked);
    let (map, before, check) = match &span {
        Some(span) => {
            let now = scorecards::journey_map_of(&state.store, Some(&span.current)).await?;
            let before = scorecards::journey_map_of(&state.store, Some(&span.previous)).await?;
            let check = throughline_service::journey::check(
                &state.store,
                Some(span.current.from.as_str()),
                Some(span.current.last().as_str()),
            )
            .await?;
            (Arc::new(now), Some(before), Arc::new(check))
        }
        None => (
            state.views.journey_map(&state.store).await?,
            None,
            state.views.journey_check(&state.store).await?,
        ),
    };
    let moments = state.views.moments(&state.store).await?;
    let unit = match moments.scale {
        Some(throughline_service::moments::ScoreScale::Nps) => "NPS",
        _ => "points",
    };
    let org = state.organisation().await?;
    let marks = |keep: &dyn Fn(&Gap) -> bool| -> Vec<MarkView> {
        check
            .gaps
            .iter()
            .filter(|g| keep(g))
            .map(MarkView::of)
            .collect()
    };
    use super::period::percent;
    let page = JourneyPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        departments: map
            .departments
            .iter()
            .map(|d| MapRowView {
                marks: marks(&|g| {
                    g.stage.is_none() && g.touchpoint.is_none() && g.involves(&d.key)
                }),
                key: d.key.clone(),
                name: d.name.clone(),
                cells: d
                    .cells
                    .iter()
                    .zip(&map.stages)
                    .map(|(cell, stage)| {
                        cell.as_ref().map(|c| MapCellView {
                            stage: stage.key.clone(),
                            role: c.role.as_str(),
                            share: percent(c.negative_share),
                            heat: heat(c.negative_share),
                        })
                    })
                    .collect(),
            })
            .collect(),
        stages: map
            .stages
            .iter()
            .map(|s| MapStageView {
                negative_text: percent(s.negative_share),
                nps: s
                    .nps
                    .map_or_else(|| "-".into(), |e| super::rounded(e.value, 0)),
                name: s.name.clone(),
                records: s.records,
                touchpoints: org
                    .journey
                    .stages
                    .iter()
                    .find(|stage| stage.key.as_str() == s.key)
                    .map(|stage| {
                        stage
                            .touchpoints
                            .iter()
                            .map(|t| NamedView {
                                measured: None,
                                name: t.name.to_string(),
                                marks: marks(&|g| {
                                    g.moment.is_none()
                                        && g.touchpoint.as_deref() == Some(t.key.as_str())
                                }),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                moments: s
                    .moments_of_truth
                    .iter()
                    .map(|m| NamedView {
                        measured: moments
                            .moments
                            .iter()
                            .find(|e| &e.name == m)
                            .map(|e| measured_view(e, unit)),
                        name: m.clone(),
                        marks: marks(&|g| g.moment.as_deref() == Some(m.as_str())),
                    })
                    .collect(),
                marks: marks(&|g| {
                    g.stage.as_deref() == Some(s.key.as_str())
                        && g.moment.is_none()
                        && (g.touchpoint.is_none() || g.kind == GapKind::UnownedTheme)
                }),
                before: before
                    .as_ref()
                    .and_then(|b| b.stages.iter().find(|x| x.key == s.key))
                    .map(super::period::stage_figures),
            })
            .collect(),
        gaps: check
            .gaps
            .iter()
            .map(|g| GapView {
                severity: g.severity.as_str(),
                kind: g.kind.short(),
                message: g.message.clone(),
                fix: g.fix.clone(),
                departments: g
                    .departments
                    .iter()
                    .map(|k| org.department_name(k))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        period: match &check.period {
            Some(p) => format!(
                "{} to {}, {} feedback records",
                p.from.as_str(),
                p.to.as_str(),
                check.records
            ),
            None => "no feedback yet".to_owned(),
        },
        compared: span
            .as_ref()
            .map(|s| (s.current.describe(), s.previous.describe())),
        period_form,
    };
    Ok(Html(render("journey.html", page)?))
}

#[derive(Deserialize)]
struct StageQuery {
    department: Option<String>,
}

#[derive(Serialize)]
struct StagePage {
    user: UserView,
    csrf_token: String,
    stage: String,
    department: Option<String>,
    role: &'static str,
    verbatims: Vec<VerbatimView>,
}

async fn stage_page(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Path(stage_key): crate::error::extract::Path<String>,
    crate::error::extract::Query(query): crate::error::extract::Query<StageQuery>,
) -> Result<Html<String>, PageError> {
    let org = state.organisation().await?;
    let stage = org
        .journey
        .stages
        .iter()
        .find(|s| s.key.as_str() == stage_key)
        .ok_or_else(|| AppError::NotFound(format!("there is no stage {stage_key:?}")))?;
    let (department, role) = match &query.department {
        Some(key) => {
            let found = org
                .departments_of_stage(stage)
                .into_iter()
                .find(|(d, _)| d.key.as_str() == key)
                .ok_or_else(|| {
                    AppError::NotFound(format!("department {key:?} takes no part in this stage"))
                })?;
            (Some(found.0.name.as_str().to_owned()), found.1.as_str())
        }
        None => (None, ""),
    };
    let verbatims = scorecards::stage_verbatims(&state.store, stage.key.as_str(), 50)
        .await?
        .into_iter()
        .map(VerbatimView::from)
        .collect();
    let page = StagePage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        stage: stage.name.as_str().to_owned(),
        department,
        role,
        verbatims,
    };
    Ok(Html(render("stage.html", page)?))
}
