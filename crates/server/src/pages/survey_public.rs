//! The survey pages customers answer (`/s/{token}`): no account, no cookie, no JavaScript —
//! server-rendered forms that work on any phone, with labelled radio groups, errors named on
//! their fields and the answers kept when a form comes back. Rate-limited (`rate_limit`); a
//! link opens one survey's form and nothing else, and says nothing about anyone.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_domain::survey::{AnswerProblem, RawAnswers};
use throughline_service::surveys::{self, Link, Submission, SubmitOutcome, SurveyForm};

use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppState, render};

pub(super) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/s/{token}", get(show).post(answer))
        .route(
            "/s/{token}/unsubscribe",
            get(unsubscribe_page).post(unsubscribe),
        )
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::rate_limit::survey_limits,
        ))
}

/// A page with one message (thanks, closed, no such link…) and its status.
fn message(status: StatusCode, title: &str, text: &str) -> Result<Response, PageError> {
    let body = render(
        "survey_message.html",
        serde_json::json!({ "title": title, "message": text }),
    )?;
    Ok((status, Html(body)).into_response())
}

fn no_such_link() -> Result<Response, PageError> {
    message(
        StatusCode::NOT_FOUND,
        "No such survey",
        "This address opens no survey. Check that the whole link was copied from the message \
         you received.",
    )
}

fn closed() -> Result<Response, PageError> {
    message(
        StatusCode::GONE,
        "This survey is closed",
        "It no longer takes answers. Thank you for wanting to tell us.",
    )
}

fn already_answered() -> Result<Response, PageError> {
    message(
        StatusCode::CONFLICT,
        "You have already answered",
        "This link takes one answer, and yours has reached us. Thank you.",
    )
}

#[derive(Serialize)]
struct FormPage {
    token: String,
    form_token: String,
    form: SurveyForm,
    answers: RawAnswers,
    problems: Vec<AnswerProblem>,
    /// Each optional question with its answer and its field name (`q1`…).
    extra: Vec<(String, String, String)>,
}

async fn form_page(
    state: &AppState,
    token: &str,
    link: &Link,
    answers: RawAnswers,
    problems: Vec<AnswerProblem>,
    form_token: Option<String>,
) -> Result<String, PageError> {
    let org = throughline_service::org::organisation(&state.store).await?;
    let form = surveys::form_of(org.as_ref(), link.survey());
    let extra = form
        .extra
        .iter()
        .enumerate()
        .map(|(i, question)| {
            (
                format!("q{}", i + 1),
                question.clone(),
                answers.extra.get(i).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let form_token = match form_token {
        Some(token) => token,
        None => surveys::form_token(&state.store, token).await?,
    };
    Ok(render(
        "survey_form.html",
        FormPage {
            token: token.to_owned(),
            form_token,
            form,
            answers,
            problems,
            extra,
        },
    )?)
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let Some(link) = surveys::open_link(&state.store, &token).await? else {
        return no_such_link();
    };
    if link.survey().closed_at.is_some() {
        return closed();
    }
    if link.invitation().is_some_and(|i| i.responded_at.is_some()) {
        return already_answered();
    }
    let body = form_page(
        &state,
        &token,
        &link,
        RawAnswers::default(),
        Vec::new(),
        None,
    )
    .await?;
    Ok(Html(body).into_response())
}

/// The form as sent: every field a string, absent ones empty.
#[derive(Deserialize, Default)]
#[serde(default)]
struct AnswerForm {
    form_token: String,
    /// The field hidden from people.
    website: String,
    goal: String,
    measure: String,
    helpful: String,
    hindering: String,
    comment: String,
    q1: String,
    q2: String,
    q3: String,
    q4: String,
    q5: String,
}

async fn answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<AnswerForm>,
) -> Result<Response, PageError> {
    let answers = RawAnswers {
        goal: form.goal,
        measure: form.measure,
        helpful: form.helpful,
        hindering: form.hindering,
        comment: form.comment,
        extra: vec![form.q1, form.q2, form.q3, form.q4, form.q5],
    };
    let submission = Submission {
        answers,
        form_token: form.form_token,
        honeypot: form.website,
    };
    let outcome = match surveys::submit(&state.store, &token, &submission).await {
        Ok(outcome) => outcome,
        Err(throughline_service::ServiceError::NotFound(_)) => return no_such_link(),
        Err(other) => return Err(crate::AppError::from(other).into()),
    };
    match outcome {
        SubmitOutcome::Stored(_) | SubmitOutcome::AlreadyReceived | SubmitOutcome::SetAside => {
            message(
                StatusCode::OK,
                "Thank you",
                "Your answers have reached us. They are read by the people who can change \
                 things, and they count.",
            )
        }
        SubmitOutcome::AlreadyAnswered => already_answered(),
        SubmitOutcome::Closed => closed(),
        SubmitOutcome::Problems(problems) => {
            let Some(link) = surveys::open_link(&state.store, &token).await? else {
                return no_such_link();
            };
            // A form refused for its token gets a fresh one; otherwise the same form goes on.
            let keep = (!problems.iter().any(|p| p.field == "form"))
                .then(|| submission.form_token.clone());
            let body = form_page(&state, &token, &link, submission.answers, problems, keep).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
    }
}

async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    match surveys::open_link(&state.store, &token).await? {
        Some(link) if link.invitation().is_some() => {
            let body = render(
                "survey_message.html",
                serde_json::json!({
                    "title": "Never be asked again?",
                    "message": "We will not send you any survey again, whichever part of \
                                your journey with us it is about.",
                    "unsubscribe": format!("/s/{token}/unsubscribe"),
                }),
            )?;
            Ok(Html(body).into_response())
        }
        _ => no_such_link(),
    }
}

async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if surveys::opt_out(&state.store, &token).await? {
        message(
            StatusCode::OK,
            "You will not be asked again",
            "We have noted it for good: no survey will be sent to you again.",
        )
    } else {
        no_such_link()
    }
}
