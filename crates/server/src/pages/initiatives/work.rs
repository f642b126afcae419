//! One initiative's page and the work on it: its status, tasks and weekly reviews, with the
//! 5-whys root cause it answers.

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_domain::action::{Date, InitiativeStatus, TaskStatus};
use throughline_service::actions;

use super::{Choice, number, objective_text, owner_name, progress};
use crate::error::PageError;
use crate::error::extract::Path;
use crate::pages::{PageUser, UserView, back_to, check_csrf, user_view};
use crate::{AppError, AppState, render};
use throughline_service::changes::Actor;
use throughline_service::changes::{self, TaskInput, may_edit};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/initiatives/{id}", get(initiative_page))
        .route("/initiatives/{id}/status", post(change_status))
        .route("/initiatives/{id}/tasks", post(add_task))
        .route("/initiatives/{id}/reviews", post(add_review))
        .route("/tasks/{id}/done", post(complete_task))
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
    effect: super::effect::EffectView,
    /// Whether the person may correct the start day (an active or done initiative they may
    /// start).
    may_set_start: bool,
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
    let tasks = actions::tasks(&state.store, Some(id)).await?;
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
        .filter(|to| changes::may_transition(Actor::User(me), &i, *to).is_ok())
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
                // The decision was an approval unless the initiative was rejected.
                let verdict = if i.status == InitiativeStatus::Rejected {
                    "rejected"
                } else {
                    "approved"
                };
                let mut text = format!("{verdict} by {} on {}", d.by, Date::of(d.at));
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
        effect: super::effect::view(
            &throughline_service::effects::measure(&state.store, &i).await?,
        ),
        may_set_start: i.status.has_started()
            && changes::may_transition(Actor::User(me), &i, InitiativeStatus::Active).is_ok(),
        tasks: tasks
            .into_iter()
            .map(|t| TaskRow {
                id: t.id,
                overdue: t.status == TaskStatus::Open && t.task.due < today,
                may_complete: t.status == TaskStatus::Open
                    && may_edit(Actor::User(me), Some(&t.task.department)).is_ok(),
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
        reviews: actions::reviews(&state.store, id)
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
        ) && may_edit(Actor::User(me), changes::owner_department(&i)).is_ok(),
        task_departments: if matches!(
            i.status,
            InitiativeStatus::Rejected | InitiativeStatus::Done
        ) {
            Vec::new()
        } else {
            org.departments
                .iter()
                .filter(|d| may_edit(Actor::User(me), Some(&d.key)).is_ok())
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
pub(super) async fn back_to_initiative(
    state: &AppState,
    user: &PageUser,
    id: i64,
    result: Result<impl Sized, impl Into<AppError>>,
) -> Result<Response, PageError> {
    back_to(&format!("/initiatives/{id}"), result, async |message| {
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
            &state.store,
            Actor::User(&user.session.user),
            id,
            to,
            Some(form.note),
            Some(form.resources_granted),
            None,
        )
        .await?;
        Ok::<_, AppError>(())
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
    let result = changes::add_task(&state.store, Actor::User(&user.session.user), input)
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
            &state.store,
            Actor::User(&user.session.user),
            id,
            form.on.trim(),
            &form.progress,
            metric_value,
        )
        .await?;
        Ok::<_, AppError>(())
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
    let task = actions::task(&state.store, id).await?;
    let result = changes::complete_task(&state.store, Actor::User(&user.session.user), id, None)
        .await
        .map(drop);
    back_to_initiative(&state, &user, task.task.initiative, result).await
}
