//! The overview: scores with their intervals and trend charts, the Top Ten with owners, spike
//! alerts, and the open work.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Serialize;
use throughline_analytics::Estimate;
use throughline_analytics::report::{PeriodScores, Summary};
use throughline_analytics::routing::{SINGLE_DEPARTMENT_SHARE, Scope};
use throughline_service::actions;
use throughline_service::analysis;
use throughline_service::org;
use throughline_service::period::{self, PeriodQuery};
use throughline_service::themes::{TopTen, TopTenEntry};

use super::UserView;
use super::period::PeriodForm;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::{AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/", get(overview))
}

#[derive(Serialize)]
struct ScoreView {
    name: &'static str,
    value: String,
    low: String,
    high: String,
    n: u64,
    small: bool,
}

#[derive(Serialize)]
struct TopTenRow {
    theme: i64,
    rank: u32,
    label: String,
    support: u64,
    /// Its effect on the score, signed as on every page ("−3.3"), and its 95% interval.
    effect: String,
    effect_range: String,
    stage: String,
    owner: String,
    scope: &'static str,
    scope_class: &'static str,
    evidence: String,
    /// Its records in the period chosen and in the one before (with a period).
    in_period: Option<u64>,
    before: Option<u64>,
    /// Its place in the Top Ten of all the data, "—" when it is not in it (with a period).
    overall_rank: String,
}

impl ScoreView {
    /// A score as shown: its value and interval in its unit, rounded to `decimals`.
    fn of(name: &'static str, unit: &str, decimals: usize, e: &Estimate) -> Self {
        let number = |v: f64| format!("{}{unit}", super::rounded(v, decimals));
        Self {
            name,
            value: number(e.value),
            low: number(e.low),
            high: number(e.high),
            n: e.n,
            small: e.small_sample,
        }
    }
}

/// A score in the period chosen beside the period before.
#[derive(Serialize)]
struct PeriodScoreView {
    #[serde(flatten)]
    score: ScoreView,
    previous: String,
    previous_n: u64,
    change: String,
}

/// The period chosen, what its records add up to, and the period before.
#[derive(Serialize)]
struct PeriodView {
    current: String,
    previous: String,
    records: u64,
    previous_records: u64,
    /// Records of all periods.
    total: u64,
    scores: Vec<PeriodScoreView>,
}

#[derive(Serialize)]
struct SpikeView {
    label: String,
    period: String,
    count: u64,
    expected: String,
}

#[derive(Serialize)]
struct Overview {
    user: UserView,
    csrf_token: String,
    organisation: String,
    analysed: bool,
    scores: Vec<ScoreView>,
    unit: &'static str,
    top_ten: Vec<TopTenRow>,
    spikes: Vec<SpikeView>,
    charts: Vec<crate::charts::LineChart>,
    initiatives: Vec<InitiativeCount>,
    overdue: Vec<OverdueTask>,
    period_form: PeriodForm,
    period: Option<PeriodView>,
}

#[derive(Serialize)]
struct InitiativeCount {
    status: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct OverdueTask {
    title: String,
    initiative: i64,
    initiative_title: String,
    department: String,
    owner: String,
    due: String,
}

/// A month's value of one score (NPS or CSAT).
type MonthScore = fn(&PeriodScores) -> Option<Estimate>;

/// The month-by-month charts of the latest analysis: NPS and CSAT with their intervals.
fn score_charts(summary: &Summary) -> Vec<crate::charts::LineChart> {
    let charts: [(&str, &str, MonthScore); 2] = [
        ("NPS by month", "NPS points", |m| m.nps),
        ("CSAT by month", "% satisfied (4–5)", |m| m.csat),
    ];
    charts
        .into_iter()
        .filter_map(|(title, unit, of_month)| {
            let points: Vec<crate::charts::Point> = summary
                .monthly
                .iter()
                .filter_map(|m| {
                    let e = of_month(m)?;
                    Some(crate::charts::Point {
                        label: m.period.clone(),
                        value: e.value,
                        interval: Some((e.low, e.high)),
                        n: e.n,
                    })
                })
                .collect();
            crate::charts::LineChart::new(title, unit, &points)
        })
        .collect()
}

/// The scores shown (name, unit, decimals) and how to read each, of all the data or of a
/// period.
type ScoreOf = fn(&period::Scores) -> Option<Estimate>;
const PERIOD_SCORES: [(&str, &str, usize, ScoreOf); 4] = [
    ("NPS", "", 0, |s| s.nps),
    ("CSAT", "%", 0, |s| s.csat),
    ("CES", "", 2, |s| s.ces),
    ("Rating", "", 2, |s| s.rating),
];

/// One line of the Top Ten as the overview shows it; with a period, beside the theme's records
/// in it and before it, and its place in the Top Ten of all the data.
fn top_ten_row(
    e: &TopTenEntry,
    comparison: Option<&period::Comparison>,
    overall: &TopTen,
) -> TopTenRow {
    let (owner, scope, scope_class, evidence) = match &e.ownership {
        Some(o) => (
            o.owner_name.clone(),
            o.scope.as_str(),
            if o.scope == Scope::CrossDepartment {
                "cross"
            } else {
                "single"
            },
            o.evidence
                .iter()
                .take(3)
                .map(|s| format!("{} {:.0}%", s.department, s.share * 100.0))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        None => ("-".into(), "", "", String::new()),
    };
    TopTenRow {
        theme: e.theme,
        rank: e.rank,
        label: e.label.clone(),
        support: e.support,
        effect: super::signed(e.cost.value, 1),
        effect_range: format!(
            "{} to {}",
            super::signed(e.cost.low, 1),
            super::signed(e.cost.high, 1)
        ),
        stage: e.stage.clone().unwrap_or_else(|| "unplaced".into()),
        owner,
        scope,
        scope_class,
        evidence,
        in_period: comparison.map(|c| c.current.theme_records.get(&e.theme).copied().unwrap_or(0)),
        before: comparison.map(|c| c.previous.theme_records.get(&e.theme).copied().unwrap_or(0)),
        overall_rank: overall
            .entries
            .iter()
            .find(|o| o.theme == e.theme)
            .map_or_else(|| "—".to_owned(), |o| o.rank.to_string()),
    }
}

/// Each score of the period beside the period before, with the change ("+3", "−2", "none
/// before"); a score no record of the period gave is left out.
fn period_scores(current: &period::Scores, previous: &period::Scores) -> Vec<PeriodScoreView> {
    PERIOD_SCORES
        .into_iter()
        .filter_map(|(name, unit, decimals, of)| {
            let now = of(current)?;
            let before = of(previous);
            let number = |v: f64| format!("{}{unit}", super::rounded(v, decimals));
            let change = match before {
                Some(b) => {
                    let delta = super::signed(now.value - b.value, decimals);
                    if delta.starts_with(['+', '−']) {
                        format!("{delta}{unit}")
                    } else {
                        "no change".to_owned()
                    }
                }
                None => "nothing to compare".to_owned(),
            };
            Some(PeriodScoreView {
                score: ScoreView::of(name, unit, decimals, &now),
                previous: before.map_or_else(|| "—".to_owned(), |b| number(b.value)),
                previous_n: before.map_or(0, |b| b.n),
                change,
            })
        })
        .collect()
}

/// Initiatives that are not closed, by status, and the open tasks past their due date.
async fn open_work(
    state: &AppState,
) -> Result<(Vec<InitiativeCount>, Vec<OverdueTask>), PageError> {
    use throughline_domain::action::{Date, InitiativeStatus, TaskStatus};
    let initiatives = actions::initiatives(&state.store).await?;
    let counts = [
        InitiativeStatus::Proposed,
        InitiativeStatus::Approved,
        InitiativeStatus::Active,
    ]
    .into_iter()
    .map(|status| InitiativeCount {
        status: status.as_str(),
        count: initiatives.iter().filter(|i| i.status == status).count(),
    })
    .collect();
    let today = Date::today();
    let mut overdue: Vec<OverdueTask> = actions::tasks(&state.store, None)
        .await?
        .into_iter()
        .filter(|t| t.status == TaskStatus::Open && t.task.due < today)
        .map(|t| OverdueTask {
            initiative_title: initiatives
                .iter()
                .find(|i| i.id == t.task.initiative)
                .map_or_else(String::new, |i| i.initiative.title.clone()),
            initiative: t.task.initiative,
            title: t.task.title,
            department: t.task.department.as_str().to_owned(),
            owner: t.task.owner_name,
            due: t.task.due.to_string(),
        })
        .collect();
    overdue.sort_by(|a, b| a.due.cmp(&b.due));
    Ok((counts, overdue))
}

async fn overview(
    State(state): State<AppState>,
    user: PageUser,
    Query(asked): Query<PeriodQuery>,
) -> Result<Html<String>, PageError> {
    let organisation = org::organisation(&state.store)
        .await?
        .map_or_else(|| "Throughline".to_owned(), |o| o.name.as_str().to_owned());
    let run = analysis::latest_run(&state.store).await?;
    let mut page = Overview {
        user: UserView {
            display_name: user.session.user.user.display_name.as_str().to_owned(),
            role: user.session.user.user.role.as_str(),
        },
        csrf_token: user.session.csrf_token.clone(),
        organisation,
        analysed: run.is_some(),
        scores: Vec::new(),
        unit: "NPS points",
        top_ten: Vec::new(),
        spikes: Vec::new(),
        charts: Vec::new(),
        initiatives: Vec::new(),
        overdue: Vec::new(),
        period_form: PeriodForm::default(),
        period: None,
    };
    (page.initiatives, page.overdue) = open_work(&state).await?;
    // The period asked for: a wrong one is said on the page, which then shows all the data.
    let (form, span) = super::period::chosen(&asked);
    page.period_form = form;
    let comparison = match span {
        Some(span) => Some(period::compare(&state.store, span).await?),
        None => None,
    };
    if let Some(c) = &comparison {
        page.period = Some(PeriodView {
            current: c.span.current.describe(),
            previous: c.span.previous.describe(),
            records: c.current.scores.records,
            previous_records: c.previous.scores.records,
            total: throughline_service::feedback::total(&state.store).await?,
            scores: period_scores(&c.current.scores, &c.previous.scores),
        });
    }
    if let Some(run) = run {
        page.charts = score_charts(&run.summary);
        let s = &run.summary.scores;
        let whole = period::Scores {
            records: 0,
            nps: s.nps,
            csat: s.csat,
            ces: s.ces,
            rating: s.rating,
        };
        page.scores = PERIOD_SCORES
            .into_iter()
            .filter_map(|(name, unit, decimals, of)| {
                Some(ScoreView::of(name, unit, decimals, &of(&whole)?))
            })
            .collect();
        let overall = state.views.top_ten(&state.store).await?;
        // With a period, the Top Ten is the period's own, ranked on its records (counted once,
        // for the scores above).
        let top = match &comparison {
            Some(c) => Arc::new(
                period::top_ten_of(
                    &state.store,
                    &c.span.current,
                    &c.current,
                    SINGLE_DEPARTMENT_SHARE,
                )
                .await?,
            ),
            None => overall.clone(),
        };
        if top.metric.as_deref() == Some("mean") {
            page.unit = "points of the mean score";
        }
        page.top_ten = top
            .entries
            .iter()
            .map(|e| top_ten_row(e, comparison.as_ref(), &overall))
            .collect();
        page.spikes = run
            .summary
            .spikes
            .iter()
            .map(|s| SpikeView {
                label: s.label.clone(),
                period: s.period.clone(),
                count: s.count,
                expected: format!("{:.0}", s.expected),
            })
            .collect();
    }
    Ok(Html(render("overview.html", page)?))
}
