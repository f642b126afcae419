//! The theme explorer: every theme with its volume, sentiment, impact and monthly trend; a
//! theme's page with its trend chart, the (redacted) records behind it searchable and
//! filterable by words, stage, department, score, period and channel, and — for admins and
//! council chairs — rename, merge, split, archive and added phrases.

use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_analytics::impact::Metric;
use throughline_service::analysis;
use throughline_service::feedback::{self, FeedbackQuery};
use throughline_service::org;
use throughline_service::themes;
use throughline_store::{FeedbackListing, StoredTheme, ThemeStatus};

use super::{PageUser, UserView, percent_encode, user_view};
use crate::charts::{LineChart, Point, Sparkline};
use crate::error::PageError;
use crate::error::extract::{Path, Query};
use crate::{AppError, AppState, render};
use throughline_service::changes::{self, Actor};

mod edits;
mod export;
mod search;

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

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct RecordView {
    text: String,
    received: String,
    nps: String,
    sentiment: String,
    stage: String,
    channel: String,
}

impl From<FeedbackListing> for RecordView {
    fn from(r: FeedbackListing) -> Self {
        Self {
            text: r.text(
                "
",
            ),
            received: throughline_domain::action::Date::of(r.received_at).to_string(),
            nps: r.nps.map_or_else(String::new, |n| n.to_string()),
            sentiment: r.sentiment.map_or_else(String::new, |s| format!("{s:+.2}")),
            stage: r.stage.unwrap_or_else(|| "no stage".into()),
            channel: r.channel.unwrap_or_default(),
        }
    }
}

/// The verbatims' filters, as the search form sends them, and where the page starts.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct VerbatimQuery {
    #[serde(flatten)]
    filters: FeedbackQuery,
    /// Text, not a number: flattened query strings carry every value as text.
    after: Option<String>,
}

const RECORDS_PER_PAGE: u32 = 25;

#[derive(Serialize)]
struct ThemePage {
    user: UserView,
    csrf_token: String,
    theme: ThemeRow,
    unit: &'static str,
    chart: Option<LineChart>,
    may_edit: bool,
    active: bool,
    others: Vec<Choice>,
    related: Vec<Choice>,
    /// The themes this one may go under: active, themes of their own, not this one.
    parents: Vec<Choice>,
    /// The theme this one is a sub-theme of.
    parent: Option<Choice>,
    /// This theme's sub-themes, each with its own counts.
    sub_themes: Vec<ThemeRow>,
    stages: Vec<Choice>,
    departments: Vec<Choice>,
    query: FeedbackQuery,
    records: Vec<RecordView>,
    /// "25 of 212 records match" — how many the filters keep, of all the theme's.
    matching: Option<String>,
    next: Option<String>,
    /// The records the filters keep, as a CSV file.
    export: String,
    export_xlsx: String,
    error: Option<String>,
    search_error: Option<String>,
    /// A merge, split or archive asked for: the question before it is done.
    confirm: Option<ConfirmView>,
}

/// "Merge “A” (120 records) into “B” (340 records)?" — a change that is hard to take back, asked
/// once more with what it does, and a form that makes it.
#[derive(Serialize)]
struct ConfirmView {
    pub(super) question: String,
    pub(super) consequence: String,
    pub(super) action: String,
    pub(super) fields: Vec<(String, String)>,
    pub(super) button: String,
}

async fn theme_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<VerbatimQuery>,
) -> Result<Response, PageError> {
    let body = theme_view(&state, &user, id, query, None).await?;
    Ok(Html(body).into_response())
}

async fn theme_view(
    state: &AppState,
    user: &PageUser,
    id: i64,
    query: VerbatimQuery,
    error: Option<String>,
) -> Result<String, PageError> {
    theme_view_asking(state, user, id, query, error, None).await
}

async fn theme_view_asking(
    state: &AppState,
    user: &PageUser,
    id: i64,
    query: VerbatimQuery,
    error: Option<String>,
    confirm: Option<ConfirmView>,
) -> Result<String, PageError> {
    let detail = themes::show(&state.store, id, 0).await?;
    let org = org::organisation(&state.store).await?;
    let mut filters = query.filters;
    filters.theme = Some(id.to_string());
    let after = page_start(query.after.as_deref())?;
    let (records, next, search_error) = records_page(state, &filters, after, |after| {
        next_link(id, &filters, after)
    })
    .await?;
    let matching = if search_error.is_none() {
        let matched = feedback::count(&state.store, &filters).await?;
        let all = detail.theme.aggregates.records;
        let mut said = if matched == all {
            format!("The theme's {all} records, {RECORDS_PER_PAGE} a page")
        } else {
            format!(
                "{matched} of the theme's {all} records match the filters, {RECORDS_PER_PAGE} a page"
            )
        };
        // Days from and to (a period from another page): the same filters on the days before.
        if filters.from.is_some() && filters.to.is_some() {
            let days = throughline_service::period::PeriodQuery {
                period: Some("custom".into()),
                from: filters.from.clone(),
                to: filters.to.clone(),
            };
            if let Ok(Some(span)) = days.span(&throughline_domain::action::Date::today()) {
                let before = FeedbackQuery {
                    from: Some(span.previous.from.as_str().to_owned()),
                    to: Some(span.previous.last().as_str().to_owned()),
                    ..filters.clone()
                };
                let earlier = feedback::count(&state.store, &before).await?;
                said.push_str(&format!(
                    "; {earlier} in the period before, {}",
                    span.previous.describe()
                ));
            }
        }
        Some(said)
    } else {
        None
    };
    // With days from and to, the chart keeps the months they touch (all of them when that
    // leaves fewer than two: one month is no line).
    let month_of =
        |day: &Option<String>| day.as_deref().and_then(|d| d.get(..7)).map(str::to_owned);
    let (first, last) = (month_of(&filters.from), month_of(&filters.to));
    let all_months = monthly_counts(&detail.theme);
    let kept: Vec<(String, f64)> = all_months
        .iter()
        .filter(|(month, _)| {
            first.as_ref().is_none_or(|f| month >= f) && last.as_ref().is_none_or(|l| month <= l)
        })
        .cloned()
        .collect();
    let (counts, months) = if kept.len() >= 2 && kept.len() < all_months.len() {
        let (from, to) = (&kept[0].0, &kept[kept.len() - 1].0);
        (kept.clone(), format!(", {from} to {to}"))
    } else {
        (all_months, String::new())
    };
    let chart = LineChart::new(
        &format!("Records with “{}” by month{months}", detail.theme.label),
        "records",
        &counts
            .iter()
            .map(|(period, count)| Point {
                label: period.clone(),
                value: *count,
                interval: None,
                n: *count as u64,
            })
            .collect::<Vec<_>>(),
    );
    let listed: Vec<StoredTheme> = themes::list(&state.store, false)
        .await?
        .into_iter()
        .filter(|t| t.id != id && t.status == ThemeStatus::Active)
        .collect();
    let choice = |t: &StoredTheme| Choice {
        value: t.id.to_string(),
        label: t.label.clone(),
    };
    let others = listed.iter().map(choice).collect();
    let parents = if detail.sub_themes.is_empty() {
        listed
            .iter()
            .filter(|t| t.parent.is_none())
            .map(choice)
            .collect()
    } else {
        Vec::new()
    };
    let parent = detail
        .theme
        .parent
        .and_then(|p| listed.iter().find(|t| t.id == p))
        .map(choice);
    let (stages, departments) = stage_and_department_choices(org.as_ref());
    filters.theme = None;
    let export = filtered_link(&format!("/themes/{id}/records.csv"), &filters, None);
    let export_xlsx = filtered_link(&format!("/themes/{id}/records.xlsx"), &filters, None);
    let page = ThemePage {
        export,
        export_xlsx,
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        theme: theme_row(&detail.theme),
        unit: cost_unit(state).await?,
        chart,
        may_edit: may_edit_themes(user),
        active: detail.theme.status == ThemeStatus::Active,
        others,
        parents,
        parent,
        sub_themes: detail.sub_themes.iter().map(theme_row).collect(),
        related: detail
            .related
            .into_iter()
            .map(|t| Choice {
                value: t.id.to_string(),
                label: t.label,
            })
            .collect(),
        stages,
        departments,
        query: filters,
        records,
        matching,
        next,
        error,
        search_error,
        confirm,
    };
    Ok(render("theme.html", page)?)
}

/// The address of the next page of records, with the same filters.
/// Where a page of records starts (`after`, a record's number), as the query gives it.
fn page_start(after: Option<&str>) -> Result<Option<i64>, PageError> {
    match after.map(str::trim).filter(|a| !a.is_empty()) {
        Some(after) => Ok(Some(after.parse::<i64>().map_err(|_| {
            AppError::Invalid(format!("after must be a record's number, not {after:?}"))
        })?)),
        None => Ok(None),
    }
}

/// A page of the records `filters` keep, the link to the next page (`next_link` of the last
/// record's number) when there is one, and — instead of failing the page — why a filter was
/// refused, to be shown beside the search form.
async fn records_page(
    state: &AppState,
    filters: &FeedbackQuery,
    after: Option<i64>,
    next_link: impl Fn(i64) -> String,
) -> Result<(Vec<RecordView>, Option<String>, Option<String>), PageError> {
    match feedback::find(&state.store, filters, after, RECORDS_PER_PAGE + 1).await {
        Ok(mut found) => {
            let more = found.len() > RECORDS_PER_PAGE as usize;
            found.truncate(RECORDS_PER_PAGE as usize);
            let next = more
                .then(|| found.last().map(|r| r.id))
                .flatten()
                .map(next_link);
            Ok((
                found.into_iter().map(RecordView::from).collect(),
                next,
                None,
            ))
        }
        Err(throughline_service::ServiceError::Invalid(message)) => {
            Ok((Vec::new(), None, Some(message)))
        }
        Err(other) => Err(other.into()),
    }
}

/// The organisation's stages and departments as the search form's choices.
fn stage_and_department_choices(
    org: Option<&throughline_domain::org::Organisation>,
) -> (Vec<Choice>, Vec<Choice>) {
    let choice = |value: &str, label: &str| Choice {
        value: value.to_owned(),
        label: label.to_owned(),
    };
    match org {
        Some(org) => (
            org.journey
                .stages
                .iter()
                .map(|s| choice(s.key.as_str(), s.name.as_str()))
                .collect(),
            org.departments
                .iter()
                .map(|d| choice(d.key.as_str(), d.name.as_str()))
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    }
}

fn next_link(id: i64, filters: &FeedbackQuery, after: i64) -> String {
    filtered_link(&format!("/themes/{id}"), filters, Some(after))
}

/// `path` with the filters (and where the page starts) as its query.
fn filtered_link(path: &str, filters: &FeedbackQuery, after: Option<i64>) -> String {
    let mut query: Vec<(String, String)> = serde_json::to_value(filters)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "theme")
        .filter_map(|(k, v)| {
            v.as_str()
                .filter(|s| !s.is_empty())
                .map(|s| (k, s.to_owned()))
        })
        .collect();
    if let Some(after) = after {
        query.push(("after".into(), after.to_string()));
    }
    let encoded: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    if encoded.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", encoded.join("&"))
    }
}
