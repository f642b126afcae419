//! `/api/v1/councils` and `/api/v1/meetings`: the councils, their meetings, the generated
//! agenda, the meeting's record (attendance, notes, decisions, actions, topics), closing, and
//! the council pack.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use throughline_service::council::{self, Agenda, MeetingRecord};
use throughline_store::{CouncilAction, StoredMeeting};

use super::spec::{COUNCIL, EDITORS, Endpoint, PAGING, SIGNED_IN, endpoint};
use super::{Page, PageQuery, paginate};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Path, Query};
use crate::{AppError, AppState};
use throughline_service::changes::Actor;
use throughline_service::changes::{self, MeetingChange};

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/councils" => list_councils;
            "The councils: kind, cadence, chair, members, the chair-independence warning, the next meeting";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The councils.")]),
        endpoint!(GET "/meetings" => list_meetings;
            "Council meetings, by date";
            who: SIGNED_IN;
            query: &[("council", "string", "Only this council's (its key)."), PAGING[0], PAGING[1]];
            body: None;
            answers: &[(200, "A page of meetings.")]),
        endpoint!(POST "/meetings" => schedule;
            "Schedule a council's next meeting (one planned meeting per council)";
            who: COUNCIL; query: &[];
            body: Some(r#"{"council": "cx-council", "on": "2026-12-15"}"#);
            answers: &[(201, "The meeting.")]),
        endpoint!(GET "/meetings/{id}" => show;
            "A meeting's record: attendance, notes per item, decisions, actions, topics";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The record.")]),
        endpoint!(GET "/meetings/{id}/agenda" => agenda;
            "The meeting's agenda: ten items from live data (kept as it stood once closed)";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The agenda: `items` in order, each with `lines` and `data`.")]),
        endpoint!(GET "/meetings/{id}/pack" => pack;
            "The council pack as an HTML page";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "An HTML page.")]),
        endpoint!(POST "/meetings/{id}/attendance" => attendance;
            "Who came";
            who: COUNCIL; query: &[];
            body: Some(r#"{"names": ["Amara Nwosu", "Grace Obi"]}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/notes" => notes;
            "Notes on one agenda item (1 to 10; 0 for the strategic council's approvals)";
            who: COUNCIL; query: &[];
            body: Some(r#"{"item": 7, "text": "IT and Fulfilment to align on stock"}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/decisions" => decision;
            "A decision the meeting took";
            who: COUNCIL; query: &[];
            body: Some(r#"{"text": "Checkout shows live stock only"}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/actions" => action;
            "An action agreed: what, who, which department, by when";
            who: COUNCIL; query: &[];
            body: Some(r#"{"title": "Call customers whose date moves", "owner_name": "Grace Obi", "department": "fulfilment", "due": "2026-12-10"}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/topics" => topic;
            "A topic for any other business";
            who: "anyone signed in but a viewer"; query: &[];
            body: Some(r#"{"text": "Holiday staffing"}"#);
            answers: &[(200, "The record.")]),
        endpoint!(POST "/meetings/{id}/close" => close;
            "Close the meeting: its agenda is kept, its open actions roll into the next";
            who: COUNCIL; query: &[]; body: None;
            answers: &[(200, "The record.")]),
        endpoint!(POST "/council-actions/{id}/done" => action_done;
            "Mark an action agreed at a meeting done";
            who: EDITORS; query: &[];
            body: Some(r#"{"on": "2026-11-24"}"#);
            answers: &[(200, "The action as it now stands.")]),
    ]
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MemberView {
    name: String,
    title: Option<String>,
    department: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CouncilView {
    key: String,
    name: String,
    kind: &'static str,
    cadence: &'static str,
    chair: MemberView,
    members: Vec<MemberView>,
    /// Set when the chair represents a department the council also represents: the chair
    /// should be independent.
    warning: Option<String>,
    next_meeting: Option<StoredMeeting>,
}

impl CouncilView {
    pub fn key_str(&self) -> &str {
        &self.key
    }
}

fn member(m: &throughline_domain::org::CouncilMember) -> MemberView {
    MemberView {
        name: m.person.name.as_str().to_owned(),
        title: m.title.clone(),
        department: m.department.as_ref().map(|d| d.as_str().to_owned()),
    }
}

/// The councils with their people, the chair-independence warning and the next meeting.
pub async fn councils_of(state: &AppState) -> Result<Vec<CouncilView>, AppError> {
    let org = state.organisation().await?;
    let meetings = council::meetings(&state.store, None).await?;
    Ok(org
        .councils
        .iter()
        .map(|c| {
            let warning = c.chair.department.as_ref().and_then(|d| {
                c.members
                    .iter()
                    .any(|m| m.department.as_ref() == Some(d))
                    .then(|| {
                        format!(
                            "the chair represents {d}, which the council also represents: the \
                             chair should be independent of the departments"
                        )
                    })
            });
            CouncilView {
                key: c.key.as_str().to_owned(),
                name: c.name.as_str().to_owned(),
                kind: c.kind.as_str(),
                cadence: c.cadence.as_str(),
                chair: member(&c.chair),
                members: c.members.iter().map(member).collect(),
                warning,
                next_meeting: meetings
                    .iter()
                    .find(|m| {
                        m.council == c.key.as_str()
                            && m.status == throughline_store::MeetingStatus::Planned
                    })
                    .cloned(),
            }
        })
        .collect())
}

pub async fn list_councils(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<CouncilView>>, AppError> {
    Ok(Json(councils_of(&state).await?))
}

#[derive(Debug, Deserialize)]
pub struct MeetingQuery {
    council: Option<String>,
}

pub async fn list_meetings(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<MeetingQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<StoredMeeting>>, AppError> {
    let all = council::meetings(&state.store, query.council.as_deref()).await?;
    Ok(Json(paginate(all, |m| m.id, &page)?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    council: String,
    on: Option<String>,
}

pub async fn schedule(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(body): Json<ScheduleBody>,
) -> Result<(StatusCode, Json<StoredMeeting>), AppError> {
    let meeting = changes::schedule_meeting(
        &state.store,
        Actor::User(&user),
        &body.council,
        body.on.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(meeting)))
}

pub async fn show(
    _user: ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<MeetingRecord>, AppError> {
    Ok(Json(council::record(&state.store, id).await?))
}

pub async fn agenda(
    _user: ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Agenda>, AppError> {
    let views = state.views.for_agenda(&state.store).await?;
    Ok(Json(
        council::agenda_of_with(&state.store, id, &views).await?,
    ))
}

/// The council pack as an HTML page (print it, or `throughline council pack` for a PDF).
pub async fn pack(
    _user: ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let views = state.views.for_agenda(&state.store).await?;
    let html = crate::pack::council_pack(&state.store, id, true, &views).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    names: Vec<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotesBody {
    item: u8,
    text: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    text: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    title: String,
    owner_name: String,
    department: String,
    due: String,
}

async fn changed(
    state: &AppState,
    user: &throughline_store::StoredUser,
    id: i64,
    change: MeetingChange<'_>,
) -> Result<Json<MeetingRecord>, AppError> {
    changes::change_meeting(&state.store, Actor::User(user), id, change).await?;
    Ok(Json(council::record(&state.store, id).await?))
}

pub async fn attendance(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<AttendanceBody>,
) -> Result<Json<MeetingRecord>, AppError> {
    changed(&state, &user, id, MeetingChange::Attendance(&body.names)).await
}

pub async fn notes(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<NotesBody>,
) -> Result<Json<MeetingRecord>, AppError> {
    let change = MeetingChange::Notes {
        item: body.item,
        text: &body.text,
    };
    changed(&state, &user, id, change).await
}

pub async fn decision(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<TextBody>,
) -> Result<Json<MeetingRecord>, AppError> {
    changed(&state, &user, id, MeetingChange::Decision(&body.text)).await
}

pub async fn action(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<ActionBody>,
) -> Result<Json<MeetingRecord>, AppError> {
    let change = MeetingChange::Action {
        title: &body.title,
        owner_name: &body.owner_name,
        department: &body.department,
        due: &body.due,
    };
    changed(&state, &user, id, change).await
}

pub async fn topic(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<TextBody>,
) -> Result<Json<MeetingRecord>, AppError> {
    changed(
        &state,
        &user,
        id,
        MeetingChange::Topic {
            text: &body.text,
            by: None,
        },
    )
    .await
}

pub async fn close(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<MeetingRecord>, AppError> {
    changed(&state, &user, id, MeetingChange::Close).await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct DoneBody {
    on: Option<String>,
}

pub async fn action_done(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<DoneBody>,
) -> Result<Json<CouncilAction>, AppError> {
    Ok(Json(
        changes::complete_council_action(&state.store, Actor::User(&user), id, body.on).await?,
    ))
}
