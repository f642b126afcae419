//! The surveys as the company sees them (`/surveys`): every survey with its touchpoint, links,
//! responses and invitations; making one for a touchpoint (administrators and council chairs);
//! a survey's page with its public link, its questions, how invitations went and the answers
//! set aside as a robot's; closing it.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_service::changes::Actor;
use throughline_service::surveys::{self, SurveyInput, SurveyListing};
use throughline_store::Quarantined;

use super::{CsrfForm, UserView, check_csrf, minute, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/surveys", get(list).post(create))
        .route("/surveys/{id}", get(one))
        .route("/surveys/{id}/close", post(close))
        .route("/surveys/{id}/set-aside/{answer}", post(set_aside))
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct ListPage {
    user: UserView,
    csrf_token: String,
    surveys: Vec<SurveyListing>,
    touchpoints: Vec<Choice>,
    may_manage: bool,
    error: Option<String>,
    form: NewSurveyForm,
}

/// The "make a survey" form as sent (and shown again with its error).
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct NewSurveyForm {
    csrf_token: String,
    touchpoint: String,
    title: String,
    measure: String,
    goal_scale: String,
    questions: String,
}

fn may_manage(user: &PageUser) -> bool {
    surveys::manages_surveys(user.session.user.user.role)
}

async fn list_page(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
    form: NewSurveyForm,
) -> Result<String, PageError> {
    let org = throughline_service::org::organisation(&state.store).await?;
    let touchpoints = org
        .as_ref()
        .map(|org| {
            org.touchpoints()
                .map(|(stage, tp)| Choice {
                    value: tp.key.to_string(),
                    label: format!("{} — {}", stage.name, tp.name),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(render(
        "surveys.html",
        ListPage {
            user: user_view(user),
            csrf_token: user.session.csrf_token.clone(),
            surveys: surveys::list(&state.store).await?,
            touchpoints,
            may_manage: may_manage(user),
            error,
            form,
        },
    )?)
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    Ok(Html(
        list_page(&state, &user, None, NewSurveyForm::default()).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(form): axum::Form<NewSurveyForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let input = SurveyInput {
        touchpoint: form.touchpoint.clone(),
        title: form.title.clone(),
        measure: form.measure.clone(),
        goal_scale: form.goal_scale.clone(),
        questions: form.questions.lines().map(str::to_owned).collect(),
    };
    match surveys::create(&state.store, Actor::User(&user.session.user), &input)
        .await
        .map_err(AppError::from)
    {
        Ok(survey) => Ok(Redirect::to(&format!("/surveys/{}", survey.id)).into_response()),
        Err(AppError::Invalid(message)) => {
            let body = list_page(&state, &user, Some(message), form).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct QuarantinedView {
    id: i64,
    received: String,
    reason: String,
    answers: String,
}

impl From<Quarantined> for QuarantinedView {
    fn from(q: Quarantined) -> Self {
        Self {
            id: q.id,
            received: minute(q.received_at),
            reason: q.reason,
            answers: q.answers,
        }
    }
}

#[derive(Serialize)]
struct SurveyPage {
    user: UserView,
    csrf_token: String,
    survey: SurveyListing,
    public_link: String,
    /// The search page with this survey's responses.
    responses_link: String,
    form: surveys::SurveyForm,
    created: String,
    closed: Option<String>,
    quarantined: Vec<QuarantinedView>,
    quarantined_total: u64,
    may_manage: bool,
    results: surveys::SurveyResults,
}

/// Answers set aside shown on a survey's page.
const QUARANTINE_SHOWN: u32 = 50;

async fn one(
    State(state): State<AppState>,
    user: PageUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let survey = surveys::listing(&state.store, id).await?;
    let org = throughline_service::org::organisation(&state.store).await?;
    let (quarantined, quarantined_total) =
        surveys::set_aside(&state.store, id, QUARANTINE_SHOWN).await?;
    // The link as people will type it: this server's address as the browser reached it.
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    let page = SurveyPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        public_link: format!("{scheme}://{host}/s/{}", survey.survey.public_token),
        responses_link: format!(
            "/feedback?source={}",
            super::percent_encode(&survey.survey.title)
        ),
        form: surveys::form_of(org.as_ref(), &survey.survey),
        created: minute(survey.survey.created_at),
        closed: survey.survey.closed_at.map(minute),
        quarantined: quarantined.into_iter().map(Into::into).collect(),
        quarantined_total,
        may_manage: may_manage(&user),
        results: surveys::results(&state.store, &survey.survey, survey.invitations).await?,
        survey,
    };
    Ok(Html(render("survey.html", page)?))
}

async fn close(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    surveys::close(&state.store, Actor::User(&user.session.user), id).await?;
    Ok(Redirect::to(&format!("/surveys/{id}")).into_response())
}

#[derive(Deserialize)]
struct SetAsideForm {
    csrf_token: String,
    /// `release` stores it as an answer; `drop` deletes it.
    action: String,
}

/// A person's verdict on an answer set aside as a robot's.
async fn set_aside(
    State(state): State<AppState>,
    user: PageUser,
    Path((id, answer)): Path<(i64, i64)>,
    axum::Form(form): axum::Form<SetAsideForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let keep = match form.action.as_str() {
        "release" => true,
        "drop" => false,
        other => {
            return Err(AppError::Invalid(format!("{other:?}: release or drop")).into());
        }
    };
    surveys::release(&state.store, Actor::User(&user.session.user), answer, keep).await?;
    Ok(Redirect::to(&format!("/surveys/{id}#set-aside")).into_response())
}
