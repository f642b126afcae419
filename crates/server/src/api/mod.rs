//! The JSON API under `/api/v1`. Every endpoint needs a session or a Bearer token; errors have
//! one shape, `{"error": {"code", "message"}}`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_domain::Key;
use throughline_domain::action::{Date, InitiativeStatus, NewRootCause};
use throughline_domain::org::OwnershipRole;
use throughline_service::actions::{self, InitiativeProposal};
use throughline_service::scorecards::{self, StageMeasure};
use throughline_service::themes::{self, TopTen};
use throughline_store::{StoredInitiative, StoredReview, StoredRootCause, StoredTask, StoredTheme};

use crate::auth::ApiUser;
use crate::changes::{self, TaskInput};
use crate::error::extract::{Json, Path, Query};
use crate::{AppError, AppState};

pub(crate) mod council;
mod feedback;
mod maturity;

mod spec;

use spec::{Endpoint, PAGING, endpoint};

/// Every endpoint: the routes and the OpenAPI document both come from this list.
fn endpoints() -> Vec<Endpoint> {
    const SIGNED_IN: &str = "anyone signed in";
    const EDITORS: &str = "admins and council chairs; members for their own department's work";
    const COUNCIL: &str = "admins and council chairs";
    vec![
        endpoint!(GET "/feedback" => feedback::list;
            "List feedback records, filtered and paged";
            who: SIGNED_IN;
            query: &[
                ("q", "string", "Words the record's text contains (any case)."),
                ("theme", "integer", "A theme's id."),
                ("stage", "string", "A journey stage's key."),
                ("department", "string", "A department's key: records on the stages it takes part in."),
                ("channel", "string", "The channel, e.g. email."),
                ("source", "string", "The import source or API source name."),
                ("from", "string", "Received on or after this day (YYYY-MM-DD)."),
                ("to", "string", "Received on or before this day (YYYY-MM-DD)."),
                ("nps_min", "integer", "Lowest NPS answer, 0 to 10."),
                ("nps_max", "integer", "Highest NPS answer, 0 to 10."),
                ("sentiment", "string", "negative, neutral or positive."),
                PAGING[0], PAGING[1],
            ];
            body: None;
            answers: &[(200, "A page of records: `items` and `next`.")]),
        endpoint!(POST "/feedback" => feedback::ingest_one;
            "Ingest one feedback record (validated and redacted like an imported row)";
            who: COUNCIL;
            query: &[("source", "string", "The feed's name (default `api`); re-sent records of a source are duplicates.")];
            body: Some(r#"{"id": "web-1042", "received_at": "2026-10-02T09:30:00Z", "nps": 3, "comment": "Billed twice for one order", "stage": "pay", "channel": "web"}"#);
            answers: &[(201, "What was stored: `imported` and `duplicates`.")]),
        endpoint!(POST "/feedback/batch" => feedback::ingest_batch;
            "Ingest up to 10,000 records at once; one bad record refuses the batch";
            who: COUNCIL;
            query: &[];
            body: Some(r#"{"source": "crm", "records": [{"id": "c-1", "comment": "Driver was late", "nps": 4}, {"id": "c-2", "comment": "Lovely sofa", "nps": 10}]}"#);
            answers: &[(201, "What was stored: `imported` and `duplicates`.")]),
        endpoint!(GET "/top-ten" => top_ten;
            "The Top Ten themes by what they cost the score, with owners";
            who: SIGNED_IN;
            query: &[("single_department_share", "number", "The share of a theme's records one department must hold to own it alone (default 0.5).")];
            body: None;
            answers: &[(200, "The Top Ten.")]),
        endpoint!(GET "/themes" => list_themes;
            "The themes of the codebook with their aggregates";
            who: SIGNED_IN;
            query: &[("all", "boolean", "Include archived, merged, split and retired themes.")];
            body: None;
            answers: &[(200, "The themes.")]),
        endpoint!(GET "/departments" => departments;
            "The organisation's departments and the stages they take part in";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The departments.")]),
        endpoint!(GET "/journey" => journey;
            "The journey's stages, touchpoints and stage measures";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The journey.")]),
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
        endpoint!(GET "/councils" => council::list_councils;
            "The councils: kind, cadence, chair, members, the chair-independence warning, the next meeting";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The councils.")]),
        endpoint!(GET "/meetings" => council::list_meetings;
            "Council meetings, by date";
            who: SIGNED_IN;
            query: &[("council", "string", "Only this council's (its key)."), PAGING[0], PAGING[1]];
            body: None;
            answers: &[(200, "A page of meetings.")]),
        endpoint!(POST "/meetings" => council::schedule;
            "Schedule a council's next meeting (one planned meeting per council)";
            who: COUNCIL; query: &[];
            body: Some(r#"{"council": "cx-council", "on": "2026-12-15"}"#);
            answers: &[(201, "The meeting.")]),
        endpoint!(GET "/meetings/{id}" => council::show;
            "A meeting's record: attendance, notes per item, decisions, actions, topics";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The record.")]),
        endpoint!(GET "/meetings/{id}/agenda" => council::agenda;
            "The meeting's agenda: ten items from live data (kept as it stood once closed)";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The agenda: `items` in order, each with `lines` and `data`.")]),
        endpoint!(GET "/meetings/{id}/pack" => council::pack;
            "The council pack as an HTML page";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "An HTML page.")]),
        endpoint!(POST "/meetings/{id}/attendance" => council::attendance;
            "Who came";
            who: COUNCIL; query: &[];
            body: Some(r#"{"names": ["Amara Nwosu", "Grace Obi"]}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/notes" => council::notes;
            "Notes on one agenda item (1 to 10; 0 for the strategic council's approvals)";
            who: COUNCIL; query: &[];
            body: Some(r#"{"item": 7, "text": "IT and Fulfilment to align on stock"}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/decisions" => council::decision;
            "A decision the meeting took";
            who: COUNCIL; query: &[];
            body: Some(r#"{"text": "Checkout shows live stock only"}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/actions" => council::action;
            "An action agreed: what, who, which department, by when";
            who: COUNCIL; query: &[];
            body: Some(r#"{"title": "Call customers whose date moves", "owner_name": "Grace Obi", "department": "fulfilment", "due": "2026-12-10"}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/topics" => council::topic;
            "A topic for any other business";
            who: "anyone signed in but a viewer"; query: &[];
            body: Some(r#"{"text": "Holiday staffing"}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/close" => council::close;
            "Close the meeting: its agenda is kept, its open actions roll into the next";
            who: COUNCIL; query: &[]; body: None;
            answers: &[(200, "The record.")]),
        endpoint!(POST "/council-actions/{id}/done" => council::action_done;
            "Mark an action agreed at a meeting done";
            who: EDITORS; query: &[];
            body: Some(r#"{"on": "2026-11-24"}"#);
            answers: &[(200, "The action as it now stands.")]),
        endpoint!(GET "/maturity/model" => maturity::model;
            "The default culture-maturity model: levels, areas, statements, next steps";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The model.")]),
        endpoint!(GET "/assessments" => maturity::list;
            "Culture-maturity assessments, oldest first";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The assessments.")]),
        endpoint!(POST "/assessments" => maturity::start;
            "Start an assessment (the default model unless one is given)";
            who: COUNCIL; query: &[];
            body: Some(r#"{"name": "Spring 2027", "target": "Committed"}"#);
            answers: &[(201, "The assessment.")]),
        endpoint!(GET "/assessments/history" => maturity::history;
            "Every assessment's overall and per-area means, with the movement since the one before";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The history.")]),
        endpoint!(GET "/assessments/{id}/results" => maturity::results;
            "An assessment's results: levels per area, spreads, gaps, divergent departments, next steps";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The results (`results` is null until someone answers).")]),
        endpoint!(POST "/assessments/{id}/responses" => maturity::answer;
            "Answer the questionnaire as yourself: every statement, 1 to 5";
            who: SIGNED_IN; query: &[];
            body: Some(r#"{"department": "billing", "answers": {"leadership.1": 4, "leadership.2": 3, "leadership.3": 2}}"#);
            answers: &[(200, "The results with the answers counted.")]),
        endpoint!(POST "/assessments/{id}/close" => maturity::close;
            "Close an assessment: no more answers";
            who: COUNCIL; query: &[]; body: None;
            answers: &[(200, "The assessment.")]),
        endpoint!(POST "/tasks/{id}/done" => complete_task;
            "Mark a task done";
            who: EDITORS; query: &[];
            body: Some(r#"{"on": "2026-11-24"}"#);
            answers: &[(200, "The task as it now stands.")]),
    ]
}

pub fn router() -> Router<AppState> {
    let mut router = Router::new().route("/openapi.json", get(openapi_document));
    for e in endpoints() {
        router = router.route(e.path, e.route);
    }
    router.fallback(|| async { AppError::NotFound("no such API endpoint".into()) })
}

/// `GET /api/v1/openapi.json`: public, like the health endpoint.
async fn openapi_document() -> axum::Json<serde_json::Value> {
    axum::Json(spec::openapi(&endpoints()))
}

/// The OpenAPI document, for tests and tools.
pub fn openapi() -> serde_json::Value {
    spec::openapi(&endpoints())
}

/// One page of a list: `?limit=N&after=ID` (ids ascending); `next` is the `after` to ask for
/// the next page, `null` on the last.
#[derive(Debug, Serialize)]
pub(crate) struct Page<T> {
    items: Vec<T>,
    next: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    limit: Option<u32>,
    after: Option<i64>,
}

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

/// The page size asked for, checked.
fn paginate_query(query: &PageQuery) -> Result<u32, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(AppError::Invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(limit)
}

fn paginate<T>(
    mut items: Vec<T>,
    id: impl Fn(&T) -> i64,
    query: &PageQuery,
) -> Result<Page<T>, AppError> {
    let limit = paginate_query(query)?;
    items.retain(|item| query.after.is_none_or(|after| id(item) > after));
    items.sort_by_key(|item| id(item));
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more { items.last().map(&id) } else { None };
    Ok(Page { items, next })
}

#[derive(Debug, Serialize)]
struct DepartmentView {
    key: String,
    name: String,
    description: Option<String>,
    lead: Option<String>,
    customer_facing: bool,
    /// The stages it affects, with its strongest role there.
    stages: Vec<(String, OwnershipRole)>,
}

async fn departments(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<DepartmentView>>, AppError> {
    let org = state.organisation().await?;
    Ok(Json(
        org.departments
            .iter()
            .map(|d| DepartmentView {
                key: d.key.as_str().to_owned(),
                name: d.name.as_str().to_owned(),
                description: d.description.clone(),
                lead: d.lead.as_ref().map(|p| p.name.as_str().to_owned()),
                customer_facing: d.customer_facing,
                stages: org
                    .journey
                    .stages
                    .iter()
                    .filter_map(|s| {
                        org.departments_of_stage(s)
                            .into_iter()
                            .find(|(x, _)| x.key == d.key)
                            .map(|(_, role)| (s.key.as_str().to_owned(), role))
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize)]
struct TouchpointView {
    key: String,
    name: String,
    channel: Option<String>,
    owners: Vec<String>,
    contributors: Vec<String>,
}

#[derive(Debug, Serialize)]
struct StageView {
    key: String,
    name: String,
    touchpoints: Vec<TouchpointView>,
    measures: Option<StageMeasure>,
}

#[derive(Debug, Serialize)]
struct JourneyView {
    name: String,
    stages: Vec<StageView>,
}

async fn journey(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<JourneyView>, AppError> {
    let org = state.organisation().await?;
    let mut measures = scorecards::stage_measures(&state.store).await?;
    let keys = |v: &[Key]| v.iter().map(|k| k.as_str().to_owned()).collect();
    Ok(Json(JourneyView {
        name: org.journey.name.as_str().to_owned(),
        stages: org
            .journey
            .stages
            .iter()
            .map(|s| StageView {
                key: s.key.as_str().to_owned(),
                name: s.name.as_str().to_owned(),
                touchpoints: s
                    .touchpoints
                    .iter()
                    .map(|t| TouchpointView {
                        key: t.key.as_str().to_owned(),
                        name: t.name.as_str().to_owned(),
                        channel: t.channel.clone(),
                        owners: keys(&t.owners),
                        contributors: keys(&t.contributors),
                    })
                    .collect(),
                measures: measures
                    .iter()
                    .position(|m| m.stage == s.key.as_str())
                    .map(|i| measures.remove(i)),
            })
            .collect(),
    }))
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
    let all = state.store.root_causes(query.theme).await?;
    Ok(Json(paginate(all, |r| r.id, &page)?))
}

async fn add_rca(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(analysis): Json<NewRootCause>,
) -> Result<(StatusCode, Json<StoredRootCause>), AppError> {
    let stored = changes::add_root_cause(&state, &user, analysis).await?;
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
    let mut all = state.store.initiatives().await?;
    all.retain(|i| status.is_none_or(|s| i.status == s));
    Ok(Json(paginate(all, |i| i.id, &page)?))
}

#[derive(Debug, Serialize)]
struct InitiativeDetail {
    #[serde(flatten)]
    initiative: StoredInitiative,
    tasks: Vec<StoredTask>,
    reviews: Vec<StoredReview>,
    completion: Option<actions::Completion>,
}

async fn show_initiative(
    _user: ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<InitiativeDetail>, AppError> {
    let initiative = actions::initiative(&state.store, id).await?;
    let completion = actions::completion(&state.store, None, None).await?;
    Ok(Json(InitiativeDetail {
        initiative,
        tasks: state.store.tasks(Some(id)).await?,
        reviews: state.store.reviews(id).await?,
        completion: completion.by_initiative.get(&id).copied(),
    }))
}

async fn propose(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(proposal): Json<InitiativeProposal>,
) -> Result<(StatusCode, Json<StoredInitiative>), AppError> {
    let stored = changes::propose(&state, &user, proposal).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Debug, Deserialize)]
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
    let after =
        changes::change_status(&state, &user, id, to, body.note, body.resources_granted).await?;
    Ok(Json(after))
}

#[derive(Debug, Deserialize)]
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
    let after =
        changes::add_review(&state, &user, id, &on, &body.progress, body.metric_value).await?;
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
    let mut all = state.store.tasks(query.initiative).await?;
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
    let task = changes::add_task(&state, &user, input).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[derive(Debug, Deserialize)]
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
        changes::complete_task(&state, &user, id, body.on).await?,
    ))
}

#[derive(Debug, Deserialize)]
struct TopTenQuery {
    single_department_share: Option<f64>,
}

#[tracing::instrument(skip_all, fields(user = user.0.id))]
async fn top_ten(
    user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<TopTenQuery>,
) -> Result<Json<TopTen>, AppError> {
    match query.single_department_share {
        // The default share is the one the pages use: served from the cache.
        None => Ok(Json(
            state.views.top_ten(&state.store).await?.as_ref().clone(),
        )),
        Some(threshold) => Ok(Json(themes::top_ten(&state.store, threshold).await?)),
    }
}

#[derive(Debug, Deserialize)]
struct ThemesQuery {
    #[serde(default)]
    all: bool,
}

#[tracing::instrument(skip_all, fields(user = user.0.id))]
async fn list_themes(
    user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<ThemesQuery>,
) -> Result<Json<Vec<StoredTheme>>, AppError> {
    Ok(Json(themes::list(&state.store, query.all).await?))
}
