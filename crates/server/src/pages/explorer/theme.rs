//! A theme's page: its measures, trend, sub-themes, verbatims filtered and paged, and the
//! codebook's edits offered to those who may make them (`edits.rs` makes them); the records
//! page behind it.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use throughline_service::feedback::{self, FeedbackQuery};
use throughline_service::org;
use throughline_service::themes;
use throughline_store::{FeedbackListing, StoredTheme, ThemeStatus};

use super::super::{PageUser, UserView, percent_encode, user_view};
use super::{ThemeRow, cost_unit, may_edit_themes, monthly_counts, theme_row};
use crate::charts::{LineChart, Point};
use crate::error::PageError;
use crate::error::extract::{Path, Query};
use crate::{AppError, AppState, render};

#[derive(Serialize)]
pub(super) struct Choice {
    pub(super) value: String,
    pub(super) label: String,
}

#[derive(Serialize)]
pub(super) struct RecordView {
    pub(super) text: String,
    pub(super) received: String,
    pub(super) nps: String,
    pub(super) sentiment: String,
    pub(super) stage: String,
    pub(super) channel: String,
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
pub(super) struct VerbatimQuery {
    #[serde(flatten)]
    pub(super) filters: FeedbackQuery,
    /// Text, not a number: flattened query strings carry every value as text.
    pub(super) after: Option<String>,
}

pub(super) const RECORDS_PER_PAGE: u32 = 25;

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
pub(super) struct ConfirmView {
    pub(super) question: String,
    pub(super) consequence: String,
    pub(super) action: String,
    pub(super) fields: Vec<(String, String)>,
    pub(super) button: String,
}

pub(super) async fn theme_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(query): Query<VerbatimQuery>,
) -> Result<Response, PageError> {
    let body = theme_view(&state, &user, id, query, None).await?;
    Ok(Html(body).into_response())
}

pub(super) async fn theme_view(
    state: &AppState,
    user: &PageUser,
    id: i64,
    query: VerbatimQuery,
    error: Option<String>,
) -> Result<String, PageError> {
    theme_view_asking(state, user, id, query, error, None).await
}

pub(super) async fn theme_view_asking(
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
pub(super) fn page_start(after: Option<&str>) -> Result<Option<i64>, PageError> {
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
pub(super) async fn records_page(
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
pub(super) fn stage_and_department_choices(
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
pub(super) fn filtered_link(path: &str, filters: &FeedbackQuery, after: Option<i64>) -> String {
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
