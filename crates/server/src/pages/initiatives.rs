//! The initiatives board (every initiative by where it stands, and the proposal form) and the
//! initiative page (objective and progress, the council's decision, the root cause behind it,
//! tasks, weekly reviews, completion, and the forms that move it on).
//!
//! A form with a bad value comes back as the same page with the error above the form and the
//! values kept (422); a refused change is a 403 page; nothing is written in either case.

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_domain::action::{Date, InitiativeStatus, TaskStatus, WorkOwner};
use throughline_domain::org::Organisation;
use throughline_service::actions::{self, InitiativeProposal};
use throughline_store::StoredInitiative;

use super::{PageUser, UserView, check_csrf, or_show_again, user_view};
use crate::changes::{self, TaskInput, may_edit};
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/initiatives", get(board).post(propose))
        .route("/initiatives/{id}", get(initiative_page))
        .route("/initiatives/{id}/status", post(change_status))
        .route("/initiatives/{id}/tasks", post(add_task))
        .route("/initiatives/{id}/reviews", post(add_review))
        .route("/tasks/{id}/done", post(complete_task))
}

/// The name of whoever owns an initiative: a department's or a council's.
fn owner_name(org: &Organisation, owner: &WorkOwner) -> String {
    match owner {
        WorkOwner::Department(key) => org
            .departments
            .iter()
            .find(|d| &d.key == key)
            .map_or_else(|| key.as_str().to_owned(), |d| d.name.as_str().to_owned()),
        WorkOwner::Council(key) => org
            .councils
            .iter()
            .find(|c| &c.key == key)
            .map_or_else(|| key.as_str().to_owned(), |c| c.name.as_str().to_owned()),
    }
}

fn objective_text(i: &StoredInitiative) -> String {
    let o = &i.initiative.objective;
    format!("{}: {} → {} by {}", o.metric, o.baseline, o.target, o.due)
}

fn progress(i: &StoredInitiative) -> Option<String> {
    i.current_value
        .map(|v| format!("{:.0}", i.initiative.objective.progress(v)))
}

#[derive(Serialize)]
struct Card {
    id: i64,
    title: String,
    owner: String,
    objective: String,
    progress: Option<String>,
    tasks: String,
    overdue: u64,
}

#[derive(Serialize)]
struct Column {
    status: &'static str,
    cards: Vec<Card>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// What the proposal form held, to show it again with its error.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
struct ProposalForm {
    csrf_token: String,
    title: String,
    description: String,
    owner: String,
    sponsor: String,
    metric: String,
    baseline: String,
    target: String,
    due: String,
    theme: String,
    resources_requested: String,
}

#[derive(Serialize)]
struct BoardPage {
    user: UserView,
    csrf_token: String,
    columns: Vec<Column>,
    owners: Vec<Choice>,
    themes: Vec<Choice>,
    form: ProposalForm,
    error: Option<String>,
}

async fn board(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    Ok(Html(
        board_page(&state, &user, ProposalForm::default(), None).await?,
    ))
}

async fn board_page(
    state: &AppState,
    user: &PageUser,
    form: ProposalForm,
    error: Option<String>,
) -> Result<String, PageError> {
    let org = state.organisation().await?;
    let initiatives = state.store.initiatives().await?;
    let tasks = state.store.tasks(None).await?;
    let today = Date::today();
    let columns = [
        InitiativeStatus::Proposed,
        InitiativeStatus::Approved,
        InitiativeStatus::Active,
        InitiativeStatus::Done,
        InitiativeStatus::Rejected,
    ]
    .into_iter()
    .map(|status| Column {
        status: status.as_str(),
        cards: initiatives
            .iter()
            .filter(|i| i.status == status)
            .map(|i| {
                let own: Vec<_> = tasks.iter().filter(|t| t.task.initiative == i.id).collect();
                let done = own.iter().filter(|t| t.status == TaskStatus::Done).count();
                Card {
                    id: i.id,
                    title: i.initiative.title.clone(),
                    owner: owner_name(&org, &i.initiative.owner),
                    objective: objective_text(i),
                    progress: progress(i),
                    tasks: format!("{done} of {} tasks done", own.len()),
                    overdue: own
                        .iter()
                        .filter(|t| t.status == TaskStatus::Open && t.task.due < today)
                        .count() as u64,
                }
            })
            .collect(),
    })
    .collect();
    // The owners this person may propose for: every department and council for admins and
    // chairs, their own department for members, none for viewers.
    let me = &user.session.user;
    let mut owners: Vec<Choice> = org
        .departments
        .iter()
        .filter(|d| may_edit(me, Some(&d.key)).is_ok())
        .map(|d| Choice {
            value: format!("department:{}", d.key),
            label: d.name.as_str().to_owned(),
        })
        .collect();
    if may_edit(me, None).is_ok() {
        owners.extend(org.councils.iter().map(|c| Choice {
            value: format!("council:{}", c.key),
            label: c.name.as_str().to_owned(),
        }));
    }
    let themes = throughline_service::themes::list(&state.store, false)
        .await?
        .into_iter()
        .map(|t| Choice {
            value: t.id.to_string(),
            label: t.label,
        })
        .collect();
    render(
        "initiatives.html",
        BoardPage {
            user: user_view(user),
            csrf_token: user.session.csrf_token.clone(),
            columns,
            owners,
            themes,
            form,
            error,
        },
    )
    .map_err(PageError::from)
}

/// A number typed into a form field, or an error naming the field.
fn number(field: &str, value: &str) -> Result<f64, AppError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| AppError::Invalid(format!("{field} must be a number, not {value:?}")))
}

async fn propose(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<ProposalForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let attempt = async {
        let proposal = InitiativeProposal {
            title: form.title.clone(),
            description: form.description.clone(),
            owner: form.owner.clone(),
            sponsor: Some(form.sponsor.clone()),
            metric: form.metric.clone(),
            baseline: number("the baseline", &form.baseline)?,
            target: number("the target", &form.target)?,
            due: form.due.clone(),
            themes: match form.theme.trim() {
                "" => Vec::new(),
                id => vec![
                    id.parse::<i64>()
                        .map_err(|_| AppError::Invalid(format!("there is no theme {id:?}")))?,
                ],
            },
            resources_requested: form.resources_requested.clone(),
            ..InitiativeProposal::default()
        };
        let stored = changes::propose(&state, &user.session.user, proposal).await?;
        Ok(Redirect::to(&format!("/initiatives/{}", stored.id)).into_response())
    }
    .await;
    or_show_again(attempt, async |message| {
        board_page(&state, &user, form.clone(), Some(message)).await
    })
    .await
}

#[derive(Serialize)]
struct TaskRow {
    id: i64,
    title: String,
    owner: String,
    department: String,
    due: String,
    done: Option<String>,
    overdue: bool,
    may_complete: bool,
}

#[derive(Serialize)]
struct ReviewRow {
    on: String,
    progress: String,
    metric_value: String,
}

#[derive(Serialize)]
struct Transition {
    to: &'static str,
    label: &'static str,
    decision: bool,
}

#[derive(Serialize)]
struct RootCauseView {
    problem: String,
    whys: Vec<String>,
    root_cause: String,
    corrective_action: String,
}

#[derive(Serialize)]
struct InitiativeView {
    id: i64,
    title: String,
    description: String,
    status: &'static str,
    owner: String,
    sponsor: String,
    objective: String,
    metric: String,
    current: String,
    progress: Option<String>,
    decision: Option<String>,
    resources_requested: String,
    themes: Vec<Choice>,
    stages: Vec<String>,
}

#[derive(Serialize)]
struct InitiativePage {
    user: UserView,
    csrf_token: String,
    initiative: InitiativeView,
    root_cause: Option<RootCauseView>,
    transitions: Vec<Transition>,
    tasks: Vec<TaskRow>,
    completion: String,
    reviews: Vec<ReviewRow>,
    may_review: bool,
    task_departments: Vec<Choice>,
    today: String,
    error: Option<String>,
}

async fn initiative_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    Ok(Html(initiative_view(&state, &user, id, None).await?))
}

async fn initiative_view(
    state: &AppState,
    user: &PageUser,
    id: i64,
    error: Option<String>,
) -> Result<String, PageError> {
    let org = state.organisation().await?;
    let me = &user.session.user;
    let i = actions::initiative(&state.store, id).await?;
    let today = Date::today();
    let tasks = state.store.tasks(Some(id)).await?;
    let completion = actions::completion(&state.store, None, None)
        .await?
        .by_initiative
        .get(&id)
        .copied()
        .unwrap_or_default();
    let mut themes = Vec::new();
    for theme in &i.initiative.themes {
        if let Ok(detail) = throughline_service::themes::show(&state.store, *theme, 0).await {
            themes.push(Choice {
                value: theme.to_string(),
                label: detail.theme.label,
            });
        }
    }
    let root_cause = match i.initiative.root_cause {
        Some(rca) => {
            let r = actions::root_cause(&state.store, rca).await?.analysis;
            Some(RootCauseView {
                problem: r.problem,
                whys: r.whys,
                root_cause: r.root_cause,
                corrective_action: r.corrective_action,
            })
        }
        None => None,
    };
    let transitions = InitiativeStatus::ALL
        .into_iter()
        .filter(|to| i.status.check_transition(*to).is_ok())
        .filter(|to| changes::may_transition(me, &i, *to).is_ok())
        .map(|to| Transition {
            to: to.as_str(),
            label: match to {
                InitiativeStatus::Approved => "Approve",
                InitiativeStatus::Rejected => "Reject",
                InitiativeStatus::Active => "Start",
                InitiativeStatus::Done => "Mark done",
                InitiativeStatus::Proposed => "Propose",
            },
            decision: matches!(to, InitiativeStatus::Approved | InitiativeStatus::Rejected),
        })
        .collect();
    let department_name = |key: &str| {
        org.departments
            .iter()
            .find(|d| d.key.as_str() == key)
            .map_or_else(|| key.to_owned(), |d| d.name.as_str().to_owned())
    };
    let page = InitiativePage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        initiative: InitiativeView {
            id,
            title: i.initiative.title.clone(),
            description: i.initiative.description.clone(),
            status: i.status.as_str(),
            owner: owner_name(&org, &i.initiative.owner),
            sponsor: i.initiative.sponsor.clone().unwrap_or_default(),
            objective: objective_text(&i),
            metric: i.initiative.objective.metric.clone(),
            current: i
                .current_value
                .map_or_else(|| "not reviewed yet".to_owned(), |v| v.to_string()),
            progress: progress(&i),
            decision: i.decision.as_ref().map(|d| {
                let mut text = format!("{} by {} on {}", i.status.as_str(), d.by, Date::of(d.at));
                if let Some(note) = &d.note {
                    text.push_str(&format!(": {note}"));
                }
                if let Some(granted) = &d.resources_granted {
                    text.push_str(&format!(" (resources granted: {granted})"));
                }
                text
            }),
            resources_requested: i.initiative.resources_requested.clone(),
            themes,
            stages: i
                .initiative
                .stages
                .iter()
                .map(|k| {
                    org.stage(k)
                        .map_or_else(|| k.as_str().to_owned(), |s| s.name.as_str().to_owned())
                })
                .collect(),
        },
        root_cause,
        transitions,
        tasks: tasks
            .into_iter()
            .map(|t| TaskRow {
                id: t.id,
                overdue: t.status == TaskStatus::Open && t.task.due < today,
                may_complete: t.status == TaskStatus::Open
                    && may_edit(me, Some(&t.task.department)).is_ok(),
                title: t.task.title,
                owner: t.task.owner_name,
                department: department_name(t.task.department.as_str()),
                due: t.task.due.to_string(),
                done: t.done_on.map(|d| d.to_string()),
            })
            .collect(),
        completion: match completion.completion_rate {
            Some(rate) => format!(
                "{} of {} tasks done ({rate:.0}%), {} on time{}",
                completion.done,
                completion.planned,
                completion.on_time,
                completion
                    .on_time_rate
                    .map(|r| format!(" ({r:.0}% of those done)"))
                    .unwrap_or_default()
            ),
            None => "no tasks yet".to_owned(),
        },
        reviews: state
            .store
            .reviews(id)
            .await?
            .into_iter()
            .rev()
            .map(|r| ReviewRow {
                on: r.review.on.to_string(),
                progress: r.review.progress,
                metric_value: r
                    .review
                    .metric_value
                    .map_or_else(String::new, |v| v.to_string()),
            })
            .collect(),
        may_review: matches!(
            i.status,
            InitiativeStatus::Approved | InitiativeStatus::Active
        ) && may_edit(me, changes::owner_department(&i)).is_ok(),
        task_departments: if matches!(
            i.status,
            InitiativeStatus::Rejected | InitiativeStatus::Done
        ) {
            Vec::new()
        } else {
            org.departments
                .iter()
                .filter(|d| may_edit(me, Some(&d.key)).is_ok())
                .map(|d| Choice {
                    value: d.key.as_str().to_owned(),
                    label: d.name.as_str().to_owned(),
                })
                .collect()
        },
        today: today.to_string(),
        error,
    };
    render("initiative.html", page).map_err(PageError::from)
}

/// After a change on an initiative's page: the page again, or the page with the error.
async fn back_to_initiative(
    state: &AppState,
    user: &PageUser,
    id: i64,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    let result = result.map(|()| Redirect::to(&format!("/initiatives/{id}")).into_response());
    or_show_again(result, async |message| {
        initiative_view(state, user, id, Some(message)).await
    })
    .await
}

#[derive(Deserialize)]
struct StatusForm {
    csrf_token: String,
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    resources_granted: String,
}

async fn change_status(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = async {
        let to =
            InitiativeStatus::parse(&form.status).map_err(|e| AppError::Invalid(e.to_string()))?;
        changes::change_status(
            &state,
            &user.session.user,
            id,
            to,
            Some(form.note),
            Some(form.resources_granted),
        )
        .await
        .map(drop)
    }
    .await;
    back_to_initiative(&state, &user, id, result).await
}

#[derive(Deserialize)]
struct TaskForm {
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

async fn add_task(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<TaskForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let input = TaskInput {
        initiative: id,
        title: form.title,
        owner_name: form.owner_name,
        department: form.department,
        due: form.due,
    };
    let result = changes::add_task(&state, &user.session.user, input)
        .await
        .map(drop);
    back_to_initiative(&state, &user, id, result).await
}

#[derive(Deserialize)]
struct ReviewForm {
    csrf_token: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    metric_value: String,
}

async fn add_review(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = async {
        let metric_value = match form.metric_value.trim() {
            "" => None,
            v => Some(number("the metric's value", v)?),
        };
        changes::add_review(
            &state,
            &user.session.user,
            id,
            form.on.trim(),
            &form.progress,
            metric_value,
        )
        .await
        .map(drop)
    }
    .await;
    back_to_initiative(&state, &user, id, result).await
}

#[derive(Deserialize)]
struct DoneForm {
    csrf_token: String,
}

async fn complete_task(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<DoneForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let task = state
        .store
        .task(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no task {id}")))?;
    let result = changes::complete_task(&state, &user.session.user, id, None)
        .await
        .map(drop);
    back_to_initiative(&state, &user, task.task.initiative, result).await
}
