//! Search across all feedback (`/feedback`): the records any theme, stage, department, score
//! range, period, channel, sentiment and words keep, 25 a page, how many of all match, and the
//! same records as a CSV file.

use axum::extract::State;
use axum::response::Html;
use serde::Serialize;
use throughline_service::feedback::{self, FeedbackQuery};
use throughline_service::{org, themes};
use throughline_store::ThemeStatus;

use super::{
    Choice, RECORDS_PER_PAGE, RecordView, VerbatimQuery, filtered_link, page_start, records_page,
    stage_and_department_choices,
};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Query;
use crate::pages::{UserView, user_view};
use crate::{AppState, render};

#[derive(Serialize)]
struct SearchPage {
    user: UserView,
    csrf_token: String,
    query: FeedbackQuery,
    themes: Vec<Choice>,
    stages: Vec<Choice>,
    departments: Vec<Choice>,
    records: Vec<RecordView>,
    /// "40 of 3,000 records match the filters, 25 a page".
    matching: Option<String>,
    next: Option<String>,
    export: String,
    export_xlsx: String,
    search_error: Option<String>,
}

pub(super) async fn feedback_search(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<VerbatimQuery>,
) -> Result<Html<String>, PageError> {
    let filters = query.filters;
    let after = page_start(query.after.as_deref())?;
    let (records, next, search_error) = records_page(&state, &filters, after, |after| {
        filtered_link("/feedback", &filters, Some(after))
    })
    .await?;
    let matching = if search_error.is_none() {
        let matched = feedback::count(&state.store, &filters).await?;
        let all = feedback::total(&state.store).await?;
        Some(if matched == all {
            format!("All {all} records, {RECORDS_PER_PAGE} a page")
        } else {
            format!("{matched} of {all} records match the filters, {RECORDS_PER_PAGE} a page")
        })
    } else {
        None
    };
    let organisation = org::organisation(&state.store).await?;
    let (stages, departments) = stage_and_department_choices(organisation.as_ref());
    let themes = themes::list(&state.store, false)
        .await?
        .into_iter()
        .filter(|t| t.status == ThemeStatus::Active)
        .map(|t| Choice {
            value: t.id.to_string(),
            label: t.label,
        })
        .collect();
    let page = SearchPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        export: filtered_link("/feedback.csv", &filters, None),
        export_xlsx: filtered_link("/feedback.xlsx", &filters, None),
        query: filters,
        themes,
        stages,
        departments,
        records,
        matching,
        next,
        search_error,
    };
    Ok(Html(render("feedback.html", page)?))
}
