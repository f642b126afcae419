//! Key accounts (`/accounts`, `/accounts/{key}`): each account's sponsor, team and goals, what its
//! customers said (NPS by month, themes, open issues, the latest comments), and the team's weekly
//! reviews with the form that records one.

use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_domain::accounts::GOAL_STATUSES;
use throughline_service::changes::Actor;
use throughline_service::key_accounts::{self, AccountSummary, AccountView, ReviewInput};
use throughline_store::ReviewAction;

use super::{UserView, VerbatimView, check_csrf, or_show_again, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list))
        .route("/accounts/{key}", get(page).post(review))
}

#[derive(Serialize)]
struct ListPage {
    user: UserView,
    csrf_token: String,
    accounts: Vec<AccountSummary>,
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    let view = ListPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        accounts: key_accounts::list(&state.store).await?,
    };
    Ok(Html(render("accounts.html", view)?))
}

#[derive(Serialize)]
struct AccountPage {
    user: UserView,
    csrf_token: String,
    a: AccountView,
    nps: String,
    months: Vec<(String, String, usize)>,
    open_issues: Vec<VerbatimView>,
    feedback: Vec<VerbatimView>,
    statuses: &'static [&'static str],
    today: String,
    error: Option<String>,
}

async fn account_page(
    state: &AppState,
    user: &PageUser,
    key: &str,
    error: Option<String>,
) -> Result<String, PageError> {
    let a = key_accounts::show(&state.store, key).await?;
    let view = AccountPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        nps: a.nps.map_or_else(
            || "no NPS answers yet".to_owned(),
            |v| format!("NPS {} ({} answers)", super::rounded(v, 0), a.nps_answers),
        ),
        months: a
            .nps_by_month
            .iter()
            .map(|(m, v, n)| (m.clone(), super::rounded(*v, 0), *n))
            .collect(),
        open_issues: a
            .open_issues
            .iter()
            .cloned()
            .map(VerbatimView::from)
            .collect(),
        feedback: a.feedback.iter().cloned().map(VerbatimView::from).collect(),
        statuses: &GOAL_STATUSES,
        today: throughline_domain::action::Date::today()
            .as_str()
            .to_owned(),
        a,
        error,
    };
    Ok(render("account_page.html", view)?)
}

async fn page(
    State(state): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
) -> Result<Html<String>, PageError> {
    Ok(Html(account_page(&state, &user, &key, None).await?))
}

/// The review form: notes, each goal's status (`goal_0`, `status_0`, …), one action.
#[derive(Deserialize)]
struct ReviewForm {
    csrf_token: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    action_title: String,
    #[serde(default)]
    action_owner: String,
    #[serde(default)]
    action_due: String,
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

async fn review(
    State(state): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
    axum::Form(form): axum::Form<ReviewForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let goals = form
        .rest
        .iter()
        .filter_map(|(k, goal)| {
            let i = k.strip_prefix("goal_")?;
            let status = form.rest.get(&format!("status_{i}"))?;
            Some((goal.clone(), status.clone()))
        })
        .collect();
    let actions = if form.action_title.trim().is_empty() {
        Vec::new()
    } else {
        vec![ReviewAction {
            title: form.action_title.trim().to_owned(),
            owner: form.action_owner.trim().to_owned(),
            due: form.action_due.trim().to_owned(),
        }]
    };
    let input = ReviewInput {
        on: Some(form.on.clone()),
        notes: form.notes.clone(),
        goals,
        actions,
    };
    let done = key_accounts::review(&state.store, Actor::User(&user.session.user), &key, input)
        .await
        .map(|_| Redirect::to(&format!("/accounts/{key}#reviews")).into_response())
        .map_err(AppError::from);
    or_show_again(done, async |message| {
        account_page(&state, &user, &key, Some(message)).await
    })
    .await
}
