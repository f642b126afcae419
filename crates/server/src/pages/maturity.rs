//! Culture maturity in the web interface: the assessments and their history (and the form that
//! starts one), an assessment's results, the questionnaire people answer, and the printable
//! report.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use throughline_service::maturity;
use throughline_service::org;

use super::{PageUser, UserView, check_csrf, or_show_again, user_view};
use crate::changes;
use crate::error::PageError;
use crate::error::extract::Path;
use crate::maturity::{HistoryRow, MaturityView, history_rows, view};
use crate::{AppError, AppState, render};
use throughline_service::changes::Actor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/maturity", get(list).post(start))
        .route("/maturity/{id}", get(results))
        .route("/maturity/{id}/answer", get(questionnaire).post(answer))
        .route("/maturity/{id}/close", post(close))
        .route("/maturity/{id}/report", get(report))
}

fn may_run(user: &PageUser) -> bool {
    changes::may_edit(Actor::User(&user.session.user), None).is_ok()
}

#[derive(Serialize)]
struct ListPage {
    user: UserView,
    csrf_token: String,
    history: Vec<HistoryRow>,
    open: Option<(i64, String)>,
    may_run: bool,
    levels: Vec<String>,
    error: Option<String>,
    m: Option<MaturityView>,
}

async fn list_view(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
) -> Result<String, PageError> {
    let history = maturity::history(&state.store).await?;
    let open = maturity::current(&state.store)
        .await?
        .map(|a| (a.stored.id, a.stored.name));
    Ok(render(
        "maturity.html",
        ListPage {
            user: user_view(user),
            csrf_token: user.session.csrf_token.clone(),
            history: history_rows(&history),
            open,
            may_run: may_run(user),
            levels: throughline_domain::maturity::Model::default_model().levels,
            error,
            m: None,
        },
    )?)
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    Ok(Html(list_view(&state, &user, None).await?))
}

async fn start(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    check_csrf(&user, form.get("csrf_token").map_or("", String::as_str))?;
    let result = async {
        let name = form.get("name").map_or("", String::as_str);
        let target = form
            .get("target")
            .map(String::as_str)
            .filter(|t| !t.is_empty());
        let started = changes::start_assessment(
            &state.store,
            Actor::User(&user.session.user),
            name,
            None,
            target,
        )
        .await?;
        Ok::<_, AppError>(Redirect::to(&format!("/maturity/{}", started.stored.id)).into_response())
    }
    .await;
    or_show_again(result, async |message| {
        list_view(&state, &user, Some(message)).await
    })
    .await
}

#[derive(Serialize)]
struct ResultsPage {
    user: UserView,
    csrf_token: String,
    m: MaturityView,
    may_run: bool,
}

async fn results(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let m = view(&state.store, id).await?;
    Ok(Html(render(
        "maturity.html",
        ResultsPage {
            user: user_view(&user),
            csrf_token: user.session.csrf_token.clone(),
            may_run: may_run(&user) && m.open,
            m,
        },
    )?))
}

#[derive(Serialize)]
struct Statement {
    id: String,
    text: String,
    value: Option<u8>,
}

#[derive(Serialize)]
struct AreaForm {
    name: String,
    statements: Vec<Statement>,
}

#[derive(Serialize)]
struct QuestionnairePage {
    user: UserView,
    csrf_token: String,
    id: i64,
    name: String,
    areas: Vec<AreaForm>,
    departments: Vec<(String, String)>,
    department: String,
    error: Option<String>,
}

async fn questionnaire_view(
    state: &AppState,
    user: &PageUser,
    id: i64,
    given: &BTreeMap<String, String>,
    error: Option<String>,
) -> Result<String, PageError> {
    let a = maturity::assessment(&state.store, id).await?;
    let departments = super::department_options(org::organisation(&state.store).await?.as_ref());
    let own = user
        .session
        .user
        .user
        .department
        .as_ref()
        .map(|d| d.as_str().to_owned());
    let areas = a
        .model
        .areas
        .iter()
        .map(|area| AreaForm {
            name: area.name.clone(),
            statements: area
                .statements
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let id = format!("{}.{}", area.key, i + 1);
                    Statement {
                        value: given.get(&id).and_then(|v| v.parse().ok()),
                        id,
                        text: text.clone(),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(render(
        "questionnaire.html",
        QuestionnairePage {
            user: user_view(user),
            csrf_token: user.session.csrf_token.clone(),
            id,
            name: a.stored.name,
            areas,
            departments,
            department: given.get("department").cloned().or(own).unwrap_or_default(),
            error,
        },
    )?)
}

async fn questionnaire(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        questionnaire_view(&state, &user, id, &BTreeMap::new(), None).await?,
    ))
}

async fn answer(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    check_csrf(&user, form.get("csrf_token").map_or("", String::as_str))?;
    let result = async {
        // Everyone signed in may answer, viewers too: the questionnaire asks how each person
        // sees the organisation.
        let mut answers = BTreeMap::new();
        for (key, value) in &form {
            if key == "csrf_token" || key == "department" {
                continue;
            }
            let number = value.trim().parse::<u8>().map_err(|_| {
                AppError::Invalid(format!("statement {key}: answer 1 to 5, not {value:?}"))
            })?;
            answers.insert(key.clone(), number);
        }
        maturity::answer(
            &state.store,
            id,
            user.session.user.user.email.as_str(),
            form.get("department").map(String::as_str),
            &answers,
        )
        .await?;
        Ok::<_, AppError>(Redirect::to(&format!("/maturity/{id}")).into_response())
    }
    .await;
    or_show_again(result, async |message| {
        questionnaire_view(&state, &user, id, &form, Some(message)).await
    })
    .await
}

async fn close(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    check_csrf(&user, form.get("csrf_token").map_or("", String::as_str))?;
    changes::close_assessment(&state.store, Actor::User(&user.session.user), id).await?;
    Ok(Redirect::to(&format!("/maturity/{id}")).into_response())
}

async fn report(
    State(state): State<AppState>,
    _user: PageUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        crate::maturity::maturity_report(&state.store, id, false).await?,
    ))
}
