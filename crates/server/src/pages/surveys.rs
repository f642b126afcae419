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
use throughline_domain::survey::{Language, Translation, Translations};
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
    /// What a survey may ask about: every touchpoint, and every stage as a whole.
    touchpoints: Vec<Choice>,
    languages: Vec<Choice>,
    /// One set of translation fields per language, as sent.
    translations: Vec<TranslationFields>,
    translations_given: bool,
    may_manage: bool,
    error: Option<String>,
    form: NewSurveyForm,
}

/// A language's translation fields on the "make a survey" form.
#[derive(Serialize)]
struct TranslationFields {
    code: &'static str,
    name: &'static str,
    place: String,
    title: String,
    questions: String,
}

/// The "make a survey" form as sent (and shown again with its error). The touchpoint field
/// holds a touchpoint's key, or `stage:KEY` for a whole stage; translations come as
/// `tr_<language>_<place|title|questions>`.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct NewSurveyForm {
    csrf_token: String,
    touchpoint: String,
    title: String,
    measure: String,
    goal_scale: String,
    questions: String,
    language: String,
    #[serde(flatten)]
    translated: std::collections::BTreeMap<String, String>,
}

impl NewSurveyForm {
    fn translated(&self, language: Language, field: &str) -> String {
        self.translated
            .get(&format!("tr_{}_{field}", language.code()))
            .cloned()
            .unwrap_or_default()
    }

    /// The translations given (a language with every field empty is not offered).
    fn translations(&self) -> Translations {
        let text = |t: String| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        Language::ALL
            .into_iter()
            .filter_map(|language| {
                let translation = Translation {
                    title: text(self.translated(language, "title")),
                    place: text(self.translated(language, "place")),
                    questions: self
                        .translated(language, "questions")
                        .lines()
                        .map(str::trim)
                        .filter(|q| !q.is_empty())
                        .map(str::to_owned)
                        .collect(),
                };
                (translation != Translation::default()).then_some((language, translation))
            })
            .collect()
    }
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
            org.journey
                .stages
                .iter()
                .flat_map(|stage| {
                    stage
                        .touchpoints
                        .iter()
                        .map(|tp| Choice {
                            value: tp.key.to_string(),
                            label: format!("{} — {}", stage.name, tp.name),
                        })
                        .chain(std::iter::once(Choice {
                            value: format!("stage:{}", stage.key),
                            label: format!("{} — the whole stage", stage.name),
                        }))
                })
                .collect()
        })
        .unwrap_or_default();
    let translations = Language::ALL
        .into_iter()
        .map(|language| TranslationFields {
            code: language.code(),
            name: language.name(),
            place: form.translated(language, "place"),
            title: form.translated(language, "title"),
            questions: form.translated(language, "questions"),
        })
        .collect();
    Ok(render(
        "surveys.html",
        ListPage {
            user: user_view(user),
            csrf_token: user.session.csrf_token.clone(),
            surveys: surveys::list(&state.store).await?,
            touchpoints,
            languages: Language::ALL
                .into_iter()
                .map(|l| Choice {
                    value: l.code().to_owned(),
                    label: l.name().to_owned(),
                })
                .collect(),
            translations_given: !form.translations().is_empty(),
            translations,
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
    let (touchpoint, stage) = match form.touchpoint.strip_prefix("stage:") {
        Some(stage) => (String::new(), stage.to_owned()),
        None => (form.touchpoint.clone(), String::new()),
    };
    let input = SurveyInput {
        touchpoint,
        stage,
        title: form.title.clone(),
        measure: form.measure.clone(),
        goal_scale: form.goal_scale.clone(),
        questions: form.questions.lines().map(str::to_owned).collect(),
        language: form.language.clone(),
        translations: form.translations(),
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
    /// The languages it speaks, with a link to its form in each.
    languages: Vec<LanguageView>,
}

#[derive(Serialize)]
struct LanguageView {
    code: &'static str,
    name: &'static str,
    own: bool,
    preview: String,
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
        form: surveys::form_of(org.as_ref(), &survey.survey, survey.survey.language),
        created: minute(survey.survey.created_at),
        closed: survey.survey.closed_at.map(minute),
        quarantined: quarantined.into_iter().map(Into::into).collect(),
        quarantined_total,
        may_manage: may_manage(&user),
        results: surveys::results(&state.store, &survey.survey, survey.invitations).await?,
        languages: survey
            .survey
            .languages()
            .into_iter()
            .map(|l| LanguageView {
                code: l.code(),
                name: l.name(),
                own: l == survey.survey.language,
                preview: format!("/s/{}?lang={}", survey.survey.public_token, l.code()),
            })
            .collect(),
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
