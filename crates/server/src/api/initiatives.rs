//! The council's work through the API: root causes (`/rcas`), initiatives with their status and
//! weekly reviews (`/initiatives`), and tasks (`/tasks`).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use throughline_domain::action::{Date, InitiativeStatus, NewRootCause};
use throughline_service::actions::{self, InitiativeProposal};
use throughline_store::{StoredInitiative, StoredReview, StoredRootCause, StoredTask};

use super::spec::{EDITORS, Endpoint, PAGING, SIGNED_IN, endpoint};
use super::{Page, PageQuery, paginate};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Path, Query};
use crate::{AppError, AppState};
use throughline_service::changes::Actor;
use throughline_service::changes::{self, TaskInput};

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/rcas" => list_rcas;
            "Root-cause analyses (5 whys)";
            who: SIGNED_IN;
            query: &[("theme", "integer", "Only those of this theme."), PAGING[0], PAGING[1]];
            body: None;
            answers: &[(200, "A page of analyses.")]),
        endpoint!(POST "/rcas" => add_rca;
            "Record a root-cause analysis";
            who: EDITORS; query: &[];
            body: Some(r#"{"theme": 4, "problem": "Orders arrive late", "whys": ["The van left late", "Loading took too long", "Orders reached the depot late"], "root_cause": "Orders are released in one daily batch", "corrective_action": "Release orders every two hours", "metric": "On-time deliveries (%)", "participants": [{"name": "Dana Reyes", "department": "fulfilment"}], "verbatims": []}"#);
            answers: &[(201, "The analysis as stored.")]),
        endpoint!(GET "/initiatives" => list_initiatives;
            "Initiatives";
            who: SIGNED_IN;
            query: &[("status", "string", "proposed, approved, rejected, active or done."), PAGING[0], PAGING[1]];
            body: None;
            answers: &[(200, "A page of initiatives.")]),
        endpoint!(POST "/initiatives" => propose;
            "Propose an initiative";
            who: EDITORS; query: &[];
            body: Some(r#"{"title": "Call before every delivery", "owner": "department:fulfilment", "metric": "NPS of Receive", "baseline": -5, "target": 20, "due": "2027-03-31", "themes": [4], "resources_requested": "Two dispatchers"}"#);
            answers: &[(201, "The initiative as stored.")]),
        endpoint!(GET "/initiatives/{id}" => show_initiative;
            "An initiative with its tasks, reviews and completion";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The initiative.")]),
        endpoint!(POST "/initiatives/{id}/status" => change_status;
            "Move an initiative on: approved or rejected (the council), active or done (its owner)";
            who: "approve and reject: admins and council chairs; start and finish: its owner too";
            query: &[];
            body: Some(r#"{"status": "approved", "note": "Go ahead", "resources_granted": "Two dispatchers"}"#);
            answers: &[(200, "The initiative as it now stands.")]),
        endpoint!(POST "/initiatives/{id}/reviews" => add_review;
            "Record a weekly review";
            who: EDITORS; query: &[];
            body: Some(r#"{"on": "2026-11-20", "progress": "Two routes call ahead", "metric_value": 2}"#);
            answers: &[(201, "The initiative with its latest value.")]),
        endpoint!(GET "/tasks" => list_tasks;
            "Tasks";
            who: SIGNED_IN;
            query: &[("initiative", "integer", "Only this initiative's."), ("department", "string", "Only this department's."), PAGING[0], PAGING[1]];
            body: None;
            answers: &[(200, "A page of tasks.")]),
        endpoint!(POST "/tasks" => add_task;
            "Add a task to an initiative";
            who: EDITORS; query: &[];
            body: Some(r#"{"initiative": 1, "title": "Script the call", "owner_name": "Dana Reyes", "department": "fulfilment", "due": "2026-12-15"}"#);
            answers: &[(201, "The task as stored.")]),
        endpoint!(POST "/tasks/{id}/done" => complete_task;
            "Mark a task done";
            who: EDITORS; query: &[];
            body: Some(r#"{"on": "2026-11-24"}"#);
            answers: &[(200, "The task as it now stands.")]),
    ]
}

#[derive(Debug, Deserialize)]
struct RcaQuery {
    theme: Option<i64>,
}

async fn list_rcas(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<RcaQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<StoredRootCause>>, AppError> {
    let all = actions::root_causes(&state.store, query.theme).await?;
    Ok(Json(paginate(all, |r| r.id, &page)?))
}

async fn add_rca(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(analysis): Json<NewRootCause>,
) -> Result<(StatusCode, Json<StoredRootCause>), AppError> {
    let stored = changes::add_root_cause(&state.store, Actor::User(&user), analysis).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Debug, Deserialize)]
struct InitiativeQuery {
    status: Option<String>,
}

async fn list_initiatives(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<InitiativeQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<StoredInitiative>>, AppError> {
    let status = query
        .status
        .as_deref()
        .map(InitiativeStatus::parse)
        .transpose()
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let mut all = actions::initiatives(&state.store).await?;
    all.retain(|i| status.is_none_or(|s| i.status == s));
    Ok(Json(paginate(all, |i| i.id, &page)?))
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct InitiativeDetail {
    #[serde(flatten)]
    initiative: StoredInitiative,
    tasks: Vec<StoredTask>,
    reviews: Vec<StoredReview>,
    completion: Option<actions::Completion>,
    /// Did it work? The change in its metric and themes since it started.
    measured_effect: throughline_service::effects::MeasuredEffect,
}

async fn show_initiative(
    _user: ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<InitiativeDetail>, AppError> {
    let initiative = actions::initiative(&state.store, id).await?;
    let completion = actions::completion(&state.store, None, None).await?;
    Ok(Json(InitiativeDetail {
        measured_effect: throughline_service::effects::measure(&state.store, &initiative).await?,
        initiative,
        tasks: actions::tasks(&state.store, Some(id)).await?,
        reviews: actions::reviews(&state.store, id).await?,
        completion: completion.by_initiative.get(&id).copied(),
    }))
}

async fn propose(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(proposal): Json<InitiativeProposal>,
) -> Result<(StatusCode, Json<StoredInitiative>), AppError> {
    let stored = changes::propose(&state.store, Actor::User(&user), proposal).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct StatusBody {
    status: String,
    note: Option<String>,
    resources_granted: Option<String>,
}

/// Approvals and rejections are the strategic council's: admins and council chairs. Starting
/// and finishing belong to the owner too.
async fn change_status(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<StatusBody>,
) -> Result<Json<StoredInitiative>, AppError> {
    let to = InitiativeStatus::parse(&body.status).map_err(|e| AppError::Invalid(e.to_string()))?;
    let after = changes::change_status(
        &state.store,
        Actor::User(&user),
        id,
        to,
        body.note,
        body.resources_granted,
        None,
    )
    .await?;
    Ok(Json(after))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct ReviewBody {
    on: Option<String>,
    progress: String,
    metric_value: Option<f64>,
}

/// A weekly review: progress in words and, optionally, the objective's metric as it stands.
async fn add_review(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<ReviewBody>,
) -> Result<(StatusCode, Json<StoredInitiative>), AppError> {
    let on = body.on.unwrap_or_else(|| Date::today().to_string());
    let after = changes::add_review(
        &state.store,
        Actor::User(&user),
        id,
        &on,
        &body.progress,
        body.metric_value,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(after)))
}

#[derive(Debug, Deserialize)]
struct TaskQuery {
    initiative: Option<i64>,
    department: Option<String>,
}

async fn list_tasks(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<TaskQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<StoredTask>>, AppError> {
    let mut all = actions::tasks(&state.store, query.initiative).await?;
    if let Some(d) = &query.department {
        all.retain(|t| t.task.department.as_str() == d);
    }
    Ok(Json(paginate(all, |t| t.id, &page)?))
}

async fn add_task(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(input): Json<TaskInput>,
) -> Result<(StatusCode, Json<StoredTask>), AppError> {
    let task = changes::add_task(&state.store, Actor::User(&user), input).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct DoneBody {
    on: Option<String>,
}

async fn complete_task(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<DoneBody>,
) -> Result<Json<StoredTask>, AppError> {
    Ok(Json(
        changes::complete_task(&state.store, Actor::User(&user), id, body.on).await?,
    ))
}
