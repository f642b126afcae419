//! The survey pages customers answer (`/s/{token}`): no account, no cookie, no JavaScript —
//! server-rendered forms that work on any phone, with labelled radio groups, errors named on
//! their fields and the answers kept when a form comes back. Rate-limited (`rate_limit`); a
//! link opens one survey's form and nothing else, and says nothing about anyone.
//!
//! Every page is in the customer's language where the survey speaks it: the one chosen on the
//! form (`?lang=`), else the invitation's, else the browser's (`Accept-Language`), else the
//! survey's own.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_domain::survey::{AnswerProblem, Language, RawAnswers, Texts};
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

/// A page with one message (thanks, closed, no such link…) in `language`, and its status.
pub(crate) fn message(
    status: StatusCode,
    language: Language,
    title: &str,
    text: &str,
) -> Result<Response, PageError> {
    let body = render(
        "survey_message.html",
        serde_json::json!({ "lang": language.code(), "title": title, "message": text }),
    )?;
    Ok((status, Html(body)).into_response())
}

/// The language of a page that opens no survey: the browser's, where Throughline speaks it.
pub(crate) fn browser_language(headers: &HeaderMap) -> Language {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| Language::from_accept_language(h, &Language::ALL))
        .unwrap_or_default()
}

fn no_such_link(headers: &HeaderMap) -> Result<Response, PageError> {
    let language = browser_language(headers);
    let texts = language.texts();
    message(
        StatusCode::NOT_FOUND,
        language,
        texts.no_survey_title,
        texts.no_survey,
    )
}

fn closed(language: Language) -> Result<Response, PageError> {
    let texts = language.texts();
    message(StatusCode::GONE, language, texts.closed_title, texts.closed)
}

fn already_answered(language: Language) -> Result<Response, PageError> {
    let texts = language.texts();
    message(
        StatusCode::CONFLICT,
        language,
        texts.answered_title,
        texts.answered,
    )
}

/// The language `link` is shown in for this request (`asked`: the form's or the address's
/// `lang`).
fn language_of(link: &Link, asked: Option<&str>, headers: &HeaderMap) -> Language {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok());
    surveys::language_for(link, asked, accept)
}

/// `?lang=` on a survey link.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LanguageQuery {
    lang: Option<String>,
}

#[derive(Serialize)]
struct FormPage {
    lang: &'static str,
    texts: &'static Texts,
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
    language: Language,
    answers: RawAnswers,
    problems: Vec<AnswerProblem>,
    form_token: Option<String>,
) -> Result<String, PageError> {
    let org = throughline_service::org::organisation(&state.store).await?;
    let form = surveys::form_of(org.as_ref(), link.survey(), language);
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
            lang: form.language,
            texts: form.texts,
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
    Query(query): Query<LanguageQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(link) = surveys::open_link(&state.store, &token).await? else {
        return no_such_link(&headers);
    };
    let language = language_of(&link, query.lang.as_deref(), &headers);
    if link.survey().closed_at.is_some() {
        return closed(language);
    }
    if link.invitation().is_some_and(|i| i.responded_at.is_some()) {
        return already_answered(language);
    }
    let body = form_page(
        &state,
        &token,
        &link,
        language,
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
    /// The language the form was shown in.
    lang: String,
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
    headers: HeaderMap,
    axum::Form(form): axum::Form<AnswerForm>,
) -> Result<Response, PageError> {
    let Some(link) = surveys::open_link(&state.store, &token).await? else {
        return no_such_link(&headers);
    };
    let language = language_of(&link, Some(&form.lang), &headers);
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
        language,
    };
    let outcome = surveys::submit_to(&state.store, &link, &token, &submission)
        .await
        .map_err(crate::AppError::from)?;
    match outcome {
        SubmitOutcome::Stored(_) | SubmitOutcome::AlreadyReceived | SubmitOutcome::SetAside => {
            let texts = language.texts();
            message(StatusCode::OK, language, texts.thanks_title, texts.thanks)
        }
        SubmitOutcome::AlreadyAnswered => already_answered(language),
        SubmitOutcome::Closed => closed(language),
        SubmitOutcome::Problems(problems) => {
            // A form refused for its token gets a fresh one; otherwise the same form goes on.
            let keep = (!problems.iter().any(|p| p.field == "form"))
                .then(|| submission.form_token.clone());
            let body = form_page(
                &state,
                &token,
                &link,
                language,
                submission.answers,
                problems,
                keep,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
    }
}

async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    match surveys::open_link(&state.store, &token).await? {
        Some(link) if link.invitation().is_some() => {
            let language = language_of(&link, None, &headers);
            let texts = language.texts();
            let body = render(
                "survey_message.html",
                serde_json::json!({
                    "lang": language.code(),
                    "title": texts.never_again_title,
                    "message": texts.never_again,
                    "button": texts.never_again_button,
                    "unsubscribe": format!("/s/{token}/unsubscribe"),
                }),
            )?;
            Ok(Html(body).into_response())
        }
        _ => no_such_link(&headers),
    }
}

async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let link = surveys::open_link(&state.store, &token).await?;
    if surveys::opt_out(&state.store, &token).await? {
        let language = link.map_or_else(
            || browser_language(&headers),
            |link| language_of(&link, None, &headers),
        );
        let texts = language.texts();
        message(
            StatusCode::OK,
            language,
            texts.unsubscribed_title,
            texts.unsubscribed,
        )
    } else {
        no_such_link(&headers)
    }
}
