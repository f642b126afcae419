//! The culture-maturity report, shared by its web page and its printable export: the nine
//! areas as a bar chart on the levels' scale with the council's target, each area's level, what
//! it looks like, the gap and the next step; departments and their spread; departments that see
//! themselves very differently (a silo signal); and the history of earlier assessments.

use serde::Serialize;
use throughline_domain::maturity::{HIGHEST, LOWEST};
use throughline_service::maturity::{self, HistoryEntry};
use throughline_store::Store;

use crate::charts::BarChart;
use crate::{AppError, render};

#[derive(Debug, Serialize)]
pub struct AreaRow {
    pub name: String,
    pub mean: String,
    pub level: String,
    pub description: String,
    pub spread: String,
    pub gap: String,
    pub next_step: String,
    pub divergent: String,
    pub weakest: bool,
}

#[derive(Debug, Serialize)]
pub struct DepartmentRow {
    pub department: String,
    pub respondents: u64,
    pub mean: String,
    pub level: String,
    pub divergent_in: String,
}

#[derive(Debug, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub name: String,
    pub on: String,
    pub respondents: u64,
    pub mean: String,
    pub level: String,
    /// Area changes since the assessment before, as text.
    pub movement: String,
}

#[derive(Debug, Serialize)]
pub struct MaturityView {
    pub id: i64,
    pub name: String,
    pub open: bool,
    pub target: String,
    pub respondents: u64,
    pub overall: String,
    pub overall_level: String,
    pub chart: Option<BarChart>,
    pub areas: Vec<AreaRow>,
    pub departments: Vec<DepartmentRow>,
    pub recommendations: Vec<(String, String)>,
    pub history: Vec<HistoryRow>,
}

pub fn history_rows(history: &[HistoryEntry]) -> Vec<HistoryRow> {
    history
        .iter()
        .map(|h| {
            let moves: Vec<String> = h
                .areas
                .iter()
                .filter_map(|(key, (_, _, change))| {
                    change
                        .filter(|c| c.abs() >= 0.05)
                        .map(|c| format!("{key} {c:+.1}"))
                })
                .collect();
            HistoryRow {
                id: h.assessment,
                name: h.name.clone(),
                on: h.on.clone(),
                respondents: h.respondents,
                mean: h.mean.map_or_else(|| "-".to_owned(), |m| format!("{m:.2}")),
                level: h
                    .level
                    .clone()
                    .unwrap_or_else(|| "no answers yet".to_owned()),
                movement: if moves.is_empty() {
                    "-".to_owned()
                } else {
                    moves.join(", ")
                },
            }
        })
        .collect()
}

pub async fn view(store: &Store, id: i64) -> Result<MaturityView, AppError> {
    let r = maturity::results(store, id).await?;
    let history = maturity::history(store).await?;
    let a = &r.assessment;
    let target_name = r
        .levels
        .get(a.stored.target_level as usize)
        .cloned()
        .unwrap_or_default();
    let mut page = MaturityView {
        id,
        name: a.stored.name.clone(),
        open: a.stored.open,
        target: target_name.clone(),
        respondents: 0,
        overall: "-".into(),
        overall_level: "no answers yet".into(),
        chart: None,
        areas: Vec::new(),
        departments: Vec::new(),
        recommendations: Vec::new(),
        history: history_rows(&history),
    };
    if let Some(res) = &r.results {
        page.respondents = res.respondents;
        page.overall = format!("{:.2}", res.mean);
        page.overall_level = res.level_name.clone();
        page.chart = Some(BarChart::new(
            &format!(
                "{}: the mean answer per area (1 to 5) and the level it reaches",
                a.stored.name
            ),
            "Mean answer, 1 (strongly disagree) to 5 (strongly agree)",
            &res.areas
                .iter()
                .map(|x| (x.name.clone(), x.mean))
                .collect::<Vec<_>>(),
            (f64::from(LOWEST), f64::from(HIGHEST)),
            &r.levels,
            Some((
                a.model.threshold(res.target),
                format!("target: {target_name}"),
            )),
        ));
        page.areas = res
            .areas
            .iter()
            .map(|x| AreaRow {
                name: x.name.clone(),
                mean: format!("{:.2}", x.mean),
                level: x.level_name.clone(),
                description: x.description.clone(),
                spread: format!("{:.2}", x.spread),
                gap: if x.gap > 0.0 {
                    format!("{:.2}", x.gap)
                } else {
                    "reached".to_owned()
                },
                next_step: x.next_step.clone(),
                divergent: x.divergent.join(", "),
                weakest: res.weakest.contains(&x.key),
            })
            .collect();
        page.departments = res
            .departments
            .iter()
            .map(|d| DepartmentRow {
                department: d.department.clone(),
                respondents: d.respondents,
                mean: format!("{:.2}", d.mean),
                level: r.levels[d.level].clone(),
                divergent_in: res
                    .divergent_departments
                    .get(&d.department)
                    .map(|areas| areas.join(", "))
                    .unwrap_or_default(),
            })
            .collect();
        page.recommendations = res
            .weakest
            .iter()
            .filter_map(|key| res.areas.iter().find(|x| &x.key == key))
            .map(|x| (x.name.clone(), x.next_step.clone()))
            .collect();
    }
    Ok(page)
}

#[derive(Serialize)]
struct Report<'a> {
    m: &'a MaturityView,
    inline_styles: Option<String>,
}

/// The report as one HTML page: with `standalone`, its styles inline (a file to print, or a
/// PDF with the CLI); otherwise linking the server's stylesheets (a page).
pub async fn maturity_report(store: &Store, id: i64, standalone: bool) -> Result<String, AppError> {
    let m = view(store, id).await?;
    render(
        "maturity_report.html",
        Report {
            m: &m,
            inline_styles: standalone.then(crate::inline_styles),
        },
    )
}
