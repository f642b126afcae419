//! The councils' pages: every council with its people and meetings (and the form that
//! schedules the next one), and a meeting's page — its agenda generated from live data, and the
//! forms that record attendance, notes per item, decisions, actions and topics, mark earlier
//! actions done and close the meeting — and its printable pack.

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_service::council::{self, Agenda, MeetingRecord};
use throughline_store::MeetingStatus;

use super::{CsrfForm, PageUser, UserView, back_to, check_csrf, or_show_again, user_view};
use crate::api::council::{CouncilView, councils_of};
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, render};
use throughline_service::changes::Actor;
use throughline_service::changes::{self, MeetingChange};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/councils", get(councils))
        .route("/councils/{key}/meetings", post(schedule))
        .route("/meetings/{id}", get(meeting_page))
        .route("/meetings/{id}/pack", get(pack))
        .route("/meetings/{id}/attendance", post(attendance))
        .route("/meetings/{id}/notes", post(notes))
        .route("/meetings/{id}/decisions", post(decision))
        .route("/meetings/{id}/actions", post(action))
        .route("/meetings/{id}/topics", post(topic))
        .route("/meetings/{id}/close", post(close))
        .route("/council-actions/{id}/done", post(action_done))
}

fn may_run_meetings(user: &PageUser) -> bool {
    changes::may_edit(Actor::User(&user.session.user), None).is_ok()
}

#[derive(Serialize)]
struct MeetingLink {
    id: i64,
    held_on: String,
    status: &'static str,
}

#[derive(Serialize)]
struct CouncilRow {
    council: CouncilView,
    meetings: Vec<MeetingLink>,
}

#[derive(Serialize)]
struct CouncilsPage {
    user: UserView,
    csrf_token: String,
    councils: Vec<CouncilRow>,
    may_schedule: bool,
    error: Option<String>,
}

async fn councils_view(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
) -> Result<String, PageError> {
    let meetings = council::meetings(&state.store, None).await?;
    let councils = councils_of(state)
        .await?
        .into_iter()
        .map(|c| CouncilRow {
            meetings: meetings
                .iter()
                .rev()
                .filter(|m| m.council == c.key_str())
                .map(|m| MeetingLink {
                    id: m.id,
                    held_on: m.held_on.to_string(),
                    status: m.status.as_str(),
                })
                .collect(),
            council: c,
        })
        .collect();
    Ok(render(
        "councils.html",
        CouncilsPage {
            user: user_view(user),
            csrf_token: user.session.csrf_token.clone(),
            councils,
            may_schedule: may_run_meetings(user),
            error,
        },
    )?)
}

async fn councils(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    Ok(Html(councils_view(&state, &user, None).await?))
}

#[derive(Deserialize)]
struct ScheduleForm {
    csrf_token: String,
    #[serde(default)]
    on: String,
}

async fn schedule(
    State(state): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
    Form(form): Form<ScheduleForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let on = Some(form.on.trim()).filter(|d| !d.is_empty());
    let result = changes::schedule_meeting(&state.store, Actor::User(&user.session.user), &key, on)
        .await
        .map(|m| Redirect::to(&format!("/meetings/{}", m.id)).into_response());
    or_show_again(result, async |message| {
        councils_view(&state, &user, Some(message)).await
    })
    .await
}

#[derive(Serialize)]
struct ItemView {
    number: u8,
    title: String,
    lines: Vec<String>,
    notes: String,
    /// Earlier actions still open, with a "done" button (item 1).
    open_actions: Vec<(i64, String)>,
}

#[derive(Serialize)]
struct MeetingPage {
    user: UserView,
    csrf_token: String,
    agenda: Agenda,
    record: MeetingRecord,
    items: Vec<ItemView>,
    planned: bool,
    may_run: bool,
    may_add_topic: bool,
    departments: Vec<(String, String)>,
    members: Vec<String>,
    error: Option<String>,
}

async fn meeting_view(
    state: &AppState,
    user: &PageUser,
    id: i64,
    error: Option<String>,
) -> Result<String, PageError> {
    let views = state.views.for_agenda(&state.store).await?;
    let agenda = council::agenda_of_with(&state.store, id, &views).await?;
    let record = council::record(&state.store, id).await?;
    let org = state.organisation().await?;
    let members = org
        .councils
        .iter()
        .find(|c| c.key.as_str() == record.meeting.council)
        .map(|c| {
            std::iter::once(&c.chair)
                .chain(&c.members)
                .map(|m| m.person.name.as_str().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let planned = record.meeting.status == MeetingStatus::Planned;
    let open_actions: Vec<(i64, String)> = agenda
        .item_data::<council::ActionsData>("actions")
        .actions
        .into_iter()
        .filter(|a| a.status != "done")
        .map(|a| (a.id, a.title))
        .collect();
    let items = agenda
        .items
        .iter()
        .map(|item| ItemView {
            number: item.number,
            title: item.title.clone(),
            lines: item.lines.clone(),
            notes: record
                .meeting
                .notes
                .get(&item.number.to_string())
                .cloned()
                .unwrap_or_default(),
            open_actions: if item.key == "actions" && planned {
                open_actions.clone()
            } else {
                Vec::new()
            },
        })
        .collect();
    let page = MeetingPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        items,
        planned,
        may_run: may_run_meetings(user) && planned,
        may_add_topic: planned
            && user.session.user.user.role != throughline_domain::user::UserRole::Viewer,
        departments: super::department_options(Some(&org)),
        members,
        agenda,
        record,
        error,
    };
    Ok(render("meeting.html", page)?)
}

async fn meeting_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    Ok(Html(meeting_view(&state, &user, id, None).await?))
}

async fn pack(
    State(state): State<AppState>,
    _user: PageUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        crate::pack::council_pack(
            &state.store,
            id,
            false,
            &state.views.for_agenda(&state.store).await?,
        )
        .await?,
    ))
}

/// After a change on a meeting's page: the page again, or the page with the error.
async fn back_to_meeting(
    state: &AppState,
    user: &PageUser,
    id: i64,
    result: Result<impl Sized, impl Into<AppError>>,
) -> Result<Response, PageError> {
    back_to(&format!("/meetings/{id}"), result, async |message| {
        meeting_view(state, user, id, Some(message)).await
    })
    .await
}

#[derive(Deserialize)]
struct AttendanceForm {
    csrf_token: String,
    /// One name per line.
    #[serde(default)]
    names: String,
}

async fn attendance(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<AttendanceForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let names: Vec<String> = form
        .names
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    let result = changes::change_meeting(
        &state.store,
        Actor::User(&user.session.user),
        id,
        MeetingChange::Attendance(&names),
    )
    .await;
    back_to_meeting(&state, &user, id, result).await
}

#[derive(Deserialize)]
struct NotesForm {
    csrf_token: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    text: String,
}

async fn notes(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<NotesForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = async {
        let item = form.item.trim().parse::<u8>().map_err(|_| {
            AppError::Invalid(format!(
                "the item must be a number from 0 to 10, not {:?}",
                form.item
            ))
        })?;
        let change = MeetingChange::Notes {
            item,
            text: &form.text,
        };
        changes::change_meeting(&state.store, Actor::User(&user.session.user), id, change).await?;
        Ok::<_, AppError>(())
    }
    .await;
    back_to_meeting(&state, &user, id, result).await
}

#[derive(Deserialize)]
struct TextForm {
    csrf_token: String,
    #[serde(default)]
    text: String,
}

async fn decision(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = changes::change_meeting(
        &state.store,
        Actor::User(&user.session.user),
        id,
        MeetingChange::Decision(&form.text),
    )
    .await;
    back_to_meeting(&state, &user, id, result).await
}

async fn topic(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = changes::change_meeting(
        &state.store,
        Actor::User(&user.session.user),
        id,
        MeetingChange::Topic {
            text: &form.text,
            by: None,
        },
    )
    .await;
    back_to_meeting(&state, &user, id, result).await
}

#[derive(Deserialize)]
struct ActionForm {
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner_name: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    due: String,
}

async fn action(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let change = MeetingChange::Action {
        title: &form.title,
        owner_name: &form.owner_name,
        department: &form.department,
        due: &form.due,
    };
    let result =
        changes::change_meeting(&state.store, Actor::User(&user.session.user), id, change).await;
    back_to_meeting(&state, &user, id, result).await
}

async fn close(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = changes::change_meeting(
        &state.store,
        Actor::User(&user.session.user),
        id,
        MeetingChange::Close,
    )
    .await;
    back_to_meeting(&state, &user, id, result).await
}

#[derive(Deserialize)]
struct DoneForm {
    csrf_token: String,
    /// The meeting whose page the button was on.
    meeting: i64,
}

async fn action_done(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<DoneForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result =
        changes::complete_council_action(&state.store, Actor::User(&user.session.user), id, None)
            .await
            .map(drop);
    back_to_meeting(&state, &user, form.meeting, result).await
}
