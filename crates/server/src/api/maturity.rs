//! `/api/v1/assessments` and `/api/v1/maturity/model`: the culture-maturity model, assessments
//! (start, answer, results, close) and their history.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use throughline_domain::maturity::Model;
use throughline_service::maturity::{self, AssessmentResults, HistoryEntry};
use throughline_store::StoredAssessment;

use super::spec::{COUNCIL, Endpoint, SIGNED_IN, endpoint};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Path};
use crate::{AppError, AppState};
use throughline_service::changes::Actor;
use throughline_service::changes::{self, may_edit};

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/maturity/model" => model;
            "The default culture-maturity model: levels, areas, statements, next steps";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The model.")]),
        endpoint!(GET "/assessments" => list;
            "Culture-maturity assessments, oldest first";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The assessments.")]),
        endpoint!(POST "/assessments" => start;
            "Start an assessment (the default model unless one is given)";
            who: COUNCIL; query: &[];
            body: Some(r#"{"name": "Spring 2027", "target": "Committed"}"#);
            answers: &[(201, "The assessment.")]),
        endpoint!(GET "/assessments/history" => history;
            "Every assessment's overall and per-area means, with the movement since the one before";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The history.")]),
        endpoint!(GET "/assessments/{id}/results" => results;
            "An assessment's results: levels per area, spreads, gaps, divergent departments, next steps";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The results (`results` is null until someone answers).")]),
        endpoint!(POST "/assessments/{id}/responses" => answer;
            "Answer the questionnaire as yourself: every statement, 1 to 5";
            who: SIGNED_IN; query: &[];
            body: Some(r#"{"department": "billing", "answers": {"leadership.1": 4, "leadership.2": 3, "leadership.3": 2}}"#);
            answers: &[(200, "The results with the answers counted.")]),
        endpoint!(POST "/assessments/{id}/close" => close;
            "Close an assessment: no more answers";
            who: COUNCIL; query: &[]; body: None;
            answers: &[(200, "The assessment.")]),
    ]
}

pub async fn model(_user: ApiUser) -> Json<Model> {
    Json(Model::default_model())
}

pub async fn list(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<StoredAssessment>>, AppError> {
    Ok(Json(maturity::assessments(&state.store).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    name: String,
    /// A level's name; "Committed" (the third) when not given.
    target: Option<String>,
    /// A model of one's own (the default when not given).
    model: Option<Model>,
}

pub async fn start(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(body): Json<StartBody>,
) -> Result<(StatusCode, Json<StoredAssessment>), AppError> {
    may_edit(Actor::User(&user), None)?;
    if let Some(model) = &body.model {
        // The same checks as a model file.
        let text = toml::to_string(model).map_err(|e| AppError::Invalid(e.to_string()))?;
        Model::parse(&text).map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    let started = changes::start_assessment(
        &state.store,
        Actor::User(&user),
        &body.name,
        body.model,
        body.target.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(started.stored)))
}

pub async fn results(
    _user: ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<AssessmentResults>, AppError> {
    Ok(Json(maturity::results(&state.store, id).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// The caller's department when not given.
    department: Option<String>,
    answers: BTreeMap<String, u8>,
}

/// The caller's answers (they answer as themselves; answering again replaces them).
pub async fn answer(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<AnswerBody>,
) -> Result<Json<AssessmentResults>, AppError> {
    let department = body
        .department
        .or_else(|| user.user.department.as_ref().map(|d| d.as_str().to_owned()));
    maturity::answer(
        &state.store,
        id,
        user.user.email.as_str(),
        department.as_deref(),
        &body.answers,
    )
    .await?;
    Ok(Json(maturity::results(&state.store, id).await?))
}

pub async fn close(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<StoredAssessment>, AppError> {
    let closed = changes::close_assessment(&state.store, Actor::User(&user), id).await?;
    Ok(Json(closed.stored))
}

pub async fn history(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<HistoryEntry>>, AppError> {
    Ok(Json(maturity::history(&state.store).await?))
}
