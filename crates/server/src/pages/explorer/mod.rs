//! The theme explorer: every theme with its volume, sentiment, impact and monthly trend; a
//! theme's page with its trend chart, the (redacted) records behind it searchable and
//! filterable by words, stage, department, score, period and channel, and — for admins and
//! council chairs — rename, merge, split, archive and added phrases.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_analytics::impact::Metric;
use throughline_service::analysis;
use throughline_service::themes;
use throughline_store::StoredTheme;

use super::{PageUser, UserView, user_view};
use crate::charts::Sparkline;
use crate::error::PageError;
use crate::{AppError, AppState, render};
use throughline_service::changes::{self, Actor};

mod edits;
mod export;
mod search;
mod theme;

use theme::{
    Choice, ConfirmView, RECORDS_PER_PAGE, RecordView, VerbatimQuery, filtered_link, page_start,
    records_page, stage_and_department_choices, theme_page, theme_view, theme_view_asking,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/themes", get(theme_list))
        .route("/themes.csv", get(export::themes_csv))
        .route("/themes.xlsx", get(export::themes_xlsx))
        .route("/top-ten.csv", get(export::top_ten_csv))
        .route("/top-ten.xlsx", get(export::top_ten_xlsx))
        .route("/feedback", get(search::feedback_search))
        .route("/feedback.csv", get(export::feedback_csv))
        .route("/feedback.xlsx", get(export::feedback_xlsx))
        .route("/themes/{id}", get(theme_page))
        .route("/themes/{id}/records.csv", get(export::theme_records_csv))
        .route("/themes/{id}/records.xlsx", get(export::theme_records_xlsx))
        .route("/themes/{id}/rename", post(edits::rename))
        .route("/themes/{id}/merge", post(edits::merge))
        .route("/themes/{id}/nest", post(edits::nest))
        .route("/themes/{id}/split", post(edits::split))
        .route("/themes/{id}/archive", post(edits::archive))
        .route("/themes/{id}/phrases", post(edits::add_phrase))
}

/// Who may edit the codebook: the council's, so admins and council chairs.
fn may_edit_themes(user: &PageUser) -> bool {
    changes::may_edit(Actor::User(&user.session.user), None).is_ok()
}

/// A theme's records per month, from its stored trend.
fn monthly_counts(theme: &StoredTheme) -> Vec<(String, f64)> {
    theme
        .aggregates
        .trend
        .iter()
        .map(|p| (p.period.clone(), p.count as f64))
        .collect()
}

#[derive(Serialize)]
struct ThemeRow {
    id: i64,
    label: String,
    records: u64,
    share: String,
    sentiment: String,
    stage: String,
    rank: String,
    /// The theme's effect on the overall score, signed: "−3.3" when it lowers it, "+1.2" when
    /// it raises it (the same sign as the API, `analyze-file` and the docs).
    effect: String,
    #[serde(skip)]
    effect_value: Option<f64>,
    /// The effect's 95% interval, for telling a clear effect from none.
    #[serde(skip)]
    effect_interval: Option<(f64, f64)>,
    #[serde(skip)]
    sentiment_value: Option<f64>,
    status: &'static str,
    phrases: String,
    added_phrases: String,
    trend: Option<Sparkline>,
    /// Its records in the period chosen, and in the one before (with a period).
    in_period: Option<u64>,
    before: Option<u64>,
    /// The label of the theme this one is a sub-theme of (in the themes list).
    under: Option<String>,
}

fn theme_row(t: &StoredTheme) -> ThemeRow {
    let a = &t.aggregates;
    let effect = a.impact.as_ref().map(|i| i.cost.value);
    ThemeRow {
        id: t.id,
        label: t.label.clone(),
        records: a.records,
        share: format!("{:.1}%", a.share * 100.0),
        sentiment: a
            .mean_sentiment
            .map_or_else(|| "-".into(), |s| format!("{s:+.2}")),
        stage: a.stage.clone().unwrap_or_else(|| "no stage".into()),
        rank: a.top_ten_rank.map_or_else(String::new, |r| r.to_string()),
        effect: effect.map_or_else(String::new, |e| super::signed(e, 1)),
        effect_value: effect,
        effect_interval: a.impact.as_ref().map(|i| (i.cost.low, i.cost.high)),
        sentiment_value: a.mean_sentiment,
        status: t.status.as_str(),
        phrases: t.phrases.join(", "),
        added_phrases: t.added_phrases.join(", "),
        trend: Sparkline::new("Records", &monthly_counts(t)),
        in_period: None,
        before: None,
        under: None,
    }
}

/// The unit theme costs are in, from the latest analysis.
async fn cost_unit(state: &AppState) -> Result<&'static str, PageError> {
    Ok(match analysis::latest_run(&state.store).await? {
        Some(run) if run.summary.impact_metric == Some(Metric::Mean) => "points of the mean score",
        _ => "NPS points",
    })
}

#[derive(Serialize)]
struct ThemesPage {
    user: UserView,
    csrf_token: String,
    unit: &'static str,
    /// Themes that clearly lower the score (their interval below zero), clearly raise it, and
    /// the others (no clear effect, or none measured).
    lowering: Vec<ThemeRow>,
    lifting: Vec<ThemeRow>,
    unclear: Vec<ThemeRow>,
    /// The column the tables are sorted by: `records`, `effect` or `sentiment`.
    sort: &'static str,
    period_form: super::period::PeriodForm,
    /// The period chosen and the one before, described ("2026-11-07 to 2026-12-06 (30 days)").
    period: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ThemesQuery {
    sort: Option<String>,
    #[serde(flatten)]
    period: throughline_service::period::PeriodQuery,
}

async fn theme_list(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Query(query): crate::error::extract::Query<ThemesQuery>,
) -> Result<Html<String>, PageError> {
    let listed = themes::list(&state.store, false).await?;
    let sort = match query.sort.as_deref() {
        None | Some("records") => "records",
        Some("effect") => "effect",
        Some("sentiment") => "sentiment",
        Some(other) => {
            return Err(AppError::Invalid(format!(
                "sort by {other:?}: by records, effect or sentiment"
            ))
            .into());
        }
    };
    let (period_form, span) = super::period::chosen(&query.period);
    let comparison = match span {
        Some(span) => Some(throughline_service::period::compare(&state.store, span).await?),
        None => None,
    };
    let (mut lowering, mut lifting, mut unclear) = (Vec::new(), Vec::new(), Vec::new());
    let label_of: std::collections::HashMap<i64, &str> =
        listed.iter().map(|t| (t.id, t.label.as_str())).collect();
    for (theme, mut row) in listed.iter().map(|t| (t, theme_row(t))) {
        row.under = theme
            .parent
            .and_then(|p| label_of.get(&p))
            .map(|l| (*l).to_owned());
        if let Some(c) = &comparison {
            row.in_period = Some(c.current.theme_records.get(&row.id).copied().unwrap_or(0));
            row.before = Some(c.previous.theme_records.get(&row.id).copied().unwrap_or(0));
        }
        match row.effect_interval {
            Some((_, high)) if high < 0.0 => lowering.push(row),
            Some((low, _)) if low > 0.0 => lifting.push(row),
            _ => unclear.push(row),
        }
    }
    for rows in [&mut lowering, &mut lifting, &mut unclear] {
        rows.sort_by(|a, b| match sort {
            // The most harmful (or the most helpful) first.
            "effect" => b
                .effect_value
                .unwrap_or(0.0)
                .abs()
                .total_cmp(&a.effect_value.unwrap_or(0.0).abs()),
            // The most negative first.
            "sentiment" => a
                .sentiment_value
                .unwrap_or(0.0)
                .total_cmp(&b.sentiment_value.unwrap_or(0.0)),
            _ => b.records.cmp(&a.records),
        });
    }
    let page = ThemesPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        unit: cost_unit(&state).await?,
        lowering,
        lifting,
        unclear,
        sort,
        period_form,
        period: comparison
            .as_ref()
            .map(|c| (c.span.current.describe(), c.span.previous.describe())),
    };
    Ok(Html(render("themes.html", page)?))
}
