//! Follow-up cases on the web (the inner loop): every open case, overdue first (`/cases`,
//! narrowed to a department); a case's page with what the customer wrote, its notes, and the
//! form its department's people use to record the contact, the outcome, the customer's answer
//! to "was your issue resolved?" and the root-cause theme.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_service::changes::Actor;
use throughline_service::follow_up::{self, CaseInput, CaseView};

use super::{UserView, check_csrf, minute, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::{Path, Query};
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list))
        .route("/cases/{id}", get(one).post(change))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    department: Option<String>,
    #[serde(default)]
    closed: Option<String>,
}

#[derive(Serialize)]
struct ListPage {
    user: UserView,
    csrf_token: String,
    cases: Vec<CaseView>,
    department: Option<String>,
    with_closed: bool,
    overdue: usize,
}

async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let department = query.department.filter(|d| !d.trim().is_empty());
    let with_closed = query.closed.is_some_and(|c| c == "1");
    let mut cases = follow_up::list(&state.store, department.as_deref(), !with_closed, 500).await?;
    // Overdue first, then by due time (the store's order).
    cases.sort_by_key(|c| !c.overdue);
    Ok(Html(render(
        "cases.html",
        ListPage {
            user: user_view(&user),
            csrf_token: user.session.csrf_token.clone(),
            overdue: cases.iter().filter(|c| c.overdue).count(),
            cases,
            department,
            with_closed,
        },
    )?))
}

#[derive(Serialize)]
struct NoteView {
    at: String,
    author: String,
    text: String,
}

#[derive(Serialize)]
struct ThemeChoice {
    id: i64,
    label: String,
}

#[derive(Serialize)]
struct CasePage {
    user: UserView,
    csrf_token: String,
    case: CaseView,
    notes: Vec<NoteView>,
    themes: Vec<ThemeChoice>,
    contacted: Option<String>,
    closed: Option<String>,
    error: Option<String>,
}

async fn case_page(
    state: &AppState,
    user: &PageUser,
    id: i64,
    error: Option<String>,
) -> Result<String, PageError> {
    let (case, notes) = follow_up::case(&state.store, id).await?;
    let themes = state
        .store
        .themes()
        .await?
        .into_iter()
        .filter(|t| t.status == throughline_store::ThemeStatus::Active)
        .map(|t| ThemeChoice {
            id: t.id,
            label: t.label,
        })
        .collect();
    Ok(render(
        "case.html",
        CasePage {
            user: user_view(user),
            csrf_token: user.session.csrf_token.clone(),
            contacted: case.case.contacted_at.map(minute),
            closed: case.case.closed_at.map(minute),
            notes: notes
                .into_iter()
                .map(|n| NoteView {
                    at: minute(n.at),
                    author: n.author,
                    text: n.text,
                })
                .collect(),
            case,
            themes,
            error,
        },
    )?)
}

async fn one(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    Ok(Html(case_page(&state, &user, id, None).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CaseForm {
    csrf_token: String,
    status: String,
    owner: String,
    note: String,
    customer_says_resolved: String,
    theme: String,
}

async fn change(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<CaseForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let input = CaseInput {
        status: form.status,
        owner: form.owner,
        note: form.note,
        customer_says_resolved: form.customer_says_resolved,
        theme: form.theme,
    };
    match follow_up::change(&state.store, Actor::User(&user.session.user), id, &input)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(AppError::Invalid(message)) => {
            let body = case_page(&state, &user, id, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
