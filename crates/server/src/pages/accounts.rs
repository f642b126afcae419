//! Key accounts (`/accounts`, `/accounts/{key}`): each account's sponsor, team and goals, what its
//! customers said (NPS by month, themes, open issues, the latest comments), and the team's weekly
//! reviews with the form that records one; administrators and council chairs add, change and
//! remove accounts here as the accounts file does.

use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_domain::accounts::{AccountPerson, GOAL_STATUSES, KeyAccount};
use throughline_service::changes::Actor;
use throughline_service::key_accounts::{self, AccountSummary, AccountView, ReviewInput, Save};
use throughline_store::ReviewAction;

use super::{CsrfForm, UserView, VerbatimView, check_csrf, or_show_again, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list).post(add))
        .route("/accounts/{key}", get(page).post(review))
        .route("/accounts/{key}/edit", get(edit_page).post(change))
        .route("/accounts/{key}/remove", post(remove))
}

#[derive(Serialize)]
struct ListPage {
    user: UserView,
    csrf_token: String,
    accounts: Vec<AccountSummary>,
    /// The add form: empty, or as it was sent when it was refused.
    form: AccountFields,
    departments: Vec<(String, String)>,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: &PageUser,
    form: AccountFields,
    error: Option<String>,
) -> Result<String, PageError> {
    let view = ListPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        accounts: key_accounts::list(&state.store).await?,
        form,
        departments: departments(state).await?,
        error,
    };
    Ok(render("accounts.html", view)?)
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    Ok(Html(
        list_page(&state, &user, AccountFields::default(), None).await?,
    ))
}

/// The organisation's departments (key, name), for the team field's hint.
async fn departments(state: &AppState) -> Result<Vec<(String, String)>, PageError> {
    let org = throughline_service::org::organisation(&state.store)
        .await
        .map_err(AppError::from)?;
    Ok(org
        .map(|o| {
            o.departments
                .iter()
                .map(|d| (d.key.as_str().to_owned(), d.name.as_str().to_owned()))
                .collect()
        })
        .unwrap_or_default())
}

/// An account as its form writes it: customers one per line (or separated by commas), the team
/// one person per line as `name; department; title; e-mail` (the last ones optional), goals one
/// per line.
#[derive(Debug, Default, Serialize, Deserialize)]
struct AccountFields {
    #[serde(default)]
    key: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    customers: String,
    #[serde(default)]
    sponsor_name: String,
    #[serde(default)]
    sponsor_email: String,
    #[serde(default)]
    sponsor_title: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    goals: String,
}

#[derive(Deserialize)]
struct AccountForm {
    csrf_token: String,
    #[serde(flatten)]
    fields: AccountFields,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl AccountFields {
    fn of(a: &KeyAccount) -> Self {
        let person = |m: &AccountPerson| {
            let mut parts = vec![
                m.name.clone(),
                m.department.clone().unwrap_or_default(),
                m.title.clone().unwrap_or_default(),
                m.email.clone().unwrap_or_default(),
            ];
            while parts.last().is_some_and(String::is_empty) {
                parts.pop();
            }
            parts.join("; ")
        };
        Self {
            key: a.key.clone(),
            name: a.name.clone(),
            customers: a.customers.join("\n"),
            sponsor_name: a.sponsor.name.clone(),
            sponsor_email: a.sponsor.email.clone().unwrap_or_default(),
            sponsor_title: a.sponsor.title.clone().unwrap_or_default(),
            team: a.team.iter().map(person).collect::<Vec<_>>().join("\n"),
            goals: a.goals.join("\n"),
        }
    }

    /// The account the form describes; the service checks it as it checks a file.
    fn account(&self) -> KeyAccount {
        let lines = |text: &str| -> Vec<String> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let team = lines(&self.team)
            .iter()
            .map(|line| {
                let mut parts = line.splitn(4, ';').map(str::trim);
                AccountPerson {
                    name: parts.next().unwrap_or_default().to_owned(),
                    department: parts.next().and_then(optional),
                    title: parts.next().and_then(optional),
                    email: parts.next().and_then(optional),
                }
            })
            .collect();
        KeyAccount {
            key: self.key.trim().to_owned(),
            name: self.name.trim().to_owned(),
            customers: self
                .customers
                .split(['\n', ','])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            sponsor: AccountPerson {
                name: self.sponsor_name.trim().to_owned(),
                email: optional(&self.sponsor_email),
                title: optional(&self.sponsor_title),
                department: None,
            },
            team,
            goals: lines(&self.goals),
        }
    }
}

async fn add(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(form): axum::Form<AccountForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let account = form.fields.account();
    let key = account.key.clone();
    let done = key_accounts::save(
        &state.store,
        Actor::User(&user.session.user),
        Save::Add,
        account,
    )
    .await
    .map(|_| Redirect::to(&format!("/accounts/{key}")).into_response())
    .map_err(AppError::from);
    or_show_again(done, async |message| {
        list_page(&state, &user, form.fields, Some(message)).await
    })
    .await
}

#[derive(Serialize)]
struct EditPage {
    user: UserView,
    csrf_token: String,
    name: String,
    form: AccountFields,
    departments: Vec<(String, String)>,
    error: Option<String>,
}

async fn edit_form(
    state: &AppState,
    user: &PageUser,
    key: &str,
    form: Option<AccountFields>,
    error: Option<String>,
) -> Result<String, PageError> {
    let a = key_accounts::show(&state.store, key).await?;
    let view = EditPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        name: a.account.name.clone(),
        form: form.unwrap_or_else(|| AccountFields::of(&a.account)),
        departments: departments(state).await?,
        error,
    };
    Ok(render("account_edit.html", view)?)
}

async fn edit_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
) -> Result<Html<String>, PageError> {
    Ok(Html(edit_form(&state, &user, &key, None, None).await?))
}

async fn change(
    State(state): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
    axum::Form(mut form): axum::Form<AccountForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    // The key is the address of the account and of its reviews: the form does not edit it.
    form.fields.key.clone_from(&key);
    let done = key_accounts::save(
        &state.store,
        Actor::User(&user.session.user),
        Save::Change(&key),
        form.fields.account(),
    )
    .await
    .map(|_| Redirect::to(&format!("/accounts/{key}")).into_response())
    .map_err(AppError::from);
    or_show_again(done, async |message| {
        edit_form(&state, &user, &key, Some(form.fields), Some(message)).await
    })
    .await
}

async fn remove(
    State(state): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Redirect, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    key_accounts::remove(&state.store, Actor::User(&user.session.user), &key)
        .await
        .map_err(AppError::from)?;
    Ok(Redirect::to("/accounts"))
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
