//! The initiatives board (every initiative by where it stands, and the proposal form) here, and
//! in [`work`] the initiative page (objective and progress, the council's decision, the root
//! cause behind it, tasks, weekly reviews, completion, and the forms that move it on), with its
//! measured effect from [`effect`]; the whole board as a file in [`export`].
//!
//! A form with a bad value comes back as the same page with the error above the form and the
//! values kept (422); a refused change is a 403 page; nothing is written in either case.

mod effect;
mod export;
mod work;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_domain::action::{Date, InitiativeStatus, TaskStatus, WorkOwner};
use throughline_domain::org::Organisation;
use throughline_service::actions::{self, InitiativeProposal};
use throughline_store::StoredInitiative;

use crate::error::PageError;
use crate::pages::{PageUser, UserView, check_csrf, or_show_again, user_view};
use crate::{AppError, AppState, render};
use throughline_service::changes::Actor;
use throughline_service::changes::{self, may_edit};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/initiatives", get(board).post(propose))
        .route("/initiatives.csv", get(export::initiatives_csv))
        .route("/initiatives.xlsx", get(export::initiatives_xlsx))
        .merge(work::router())
        .merge(effect::router())
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
    /// Stage keys, comma-separated (filled in from a chain; hidden).
    stages: String,
    resources_requested: String,
    /// The chain it was filled in from, in words.
    from_chain: String,
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

#[derive(Deserialize)]
struct BoardQuery {
    /// A chain's key (`throughline chains --json`, the chains page): the proposal form comes
    /// filled in from it.
    chain: Option<String>,
    /// A theme's id (its page's "Propose an initiative"): the form comes with the theme and its
    /// owner chosen — the department it routes to, or the council for a cross-department one.
    theme: Option<i64>,
}

async fn board(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<BoardQuery>,
) -> Result<Html<String>, PageError> {
    let form = match (query.chain.as_deref(), query.theme) {
        (Some(key), _) => from_chain(&state, key).await?,
        (None, Some(theme)) => from_theme(&state, theme).await?,
        (None, None) => ProposalForm::default(),
    };
    Ok(Html(board_page(&state, &user, form, None).await?))
}

/// The proposal form filled in from a cross-silo chain: the council owns it, its title and
/// description say the chain, its metric is the chain's end (with the KPI's recent level as the
/// baseline), its theme and stages are the chain's. The target and due date are the council's
/// to set.
async fn from_chain(state: &AppState, key: &str) -> Result<ProposalForm, AppError> {
    let suggestion = throughline_service::chains::suggestion(&state.store, key).await?;
    Ok(ProposalForm {
        from_chain: suggestion
            .title
            .trim_start_matches("Break the chain: ")
            .to_owned(),
        title: suggestion.title,
        description: suggestion.description,
        owner: suggestion.owner,
        metric: suggestion.metric,
        baseline: suggestion
            .baseline
            .map_or_else(String::new, |b| b.to_string()),
        theme: suggestion
            .themes
            .first()
            .map_or_else(String::new, ToString::to_string),
        stages: suggestion.stages.join(","),
        ..ProposalForm::default()
    })
}

/// The proposal form for a theme: the theme chosen, its owner the theme's (as the Top Ten routes
/// it), the metric its share of the records.
async fn from_theme(state: &AppState, id: i64) -> Result<ProposalForm, AppError> {
    let theme = throughline_service::themes::show(&state.store, id, 0)
        .await?
        .theme;
    let top = state.views.top_ten(&state.store).await?;
    let owner = top
        .entries
        .iter()
        .find(|e| e.theme == id)
        .and_then(|e| e.ownership.as_ref())
        .map(|o| format!("{}:{}", o.owner_kind, o.owner))
        .or_else(|| {
            theme
                .owner
                .as_deref()
                .map(|o| match o {
                    "council" => "council:".to_owned(),
                    department => format!("department:{department}"),
                })
                .filter(|o| o != "council:")
        })
        .unwrap_or_default();
    Ok(ProposalForm {
        title: format!("Fix “{}”", theme.label),
        owner,
        metric: format!("Share of records on “{}” (%)", theme.label),
        baseline: format!("{:.1}", theme.aggregates.share * 100.0),
        theme: id.to_string(),
        ..ProposalForm::default()
    })
}

async fn board_page(
    state: &AppState,
    user: &PageUser,
    form: ProposalForm,
    error: Option<String>,
) -> Result<String, PageError> {
    let org = state.organisation().await?;
    let initiatives = actions::initiatives(&state.store).await?;
    let tasks = actions::tasks(&state.store, None).await?;
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
        .filter(|d| may_edit(Actor::User(me), Some(&d.key)).is_ok())
        .map(|d| Choice {
            value: format!("department:{}", d.key),
            label: d.name.as_str().to_owned(),
        })
        .collect();
    if may_edit(Actor::User(me), None).is_ok() {
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

/// A number typed into a form field, or an error naming the field. A decimal comma is read as
/// a decimal point ("1,5" is 1.5, as half of Europe writes it); a comma with a point too
/// ("1,500.5") is a thousands separator.
fn number(field: &str, value: &str) -> Result<f64, AppError> {
    let typed = value.trim();
    let normal = if typed.contains('.') {
        typed.replace(',', "")
    } else {
        typed.replacen(',', ".", 1)
    };
    normal
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
            stages: form
                .stages
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            resources_requested: form.resources_requested.clone(),
            ..InitiativeProposal::default()
        };
        let stored =
            changes::propose(&state.store, Actor::User(&user.session.user), proposal).await?;
        Ok::<_, AppError>(Redirect::to(&format!("/initiatives/{}", stored.id)).into_response())
    }
    .await;
    or_show_again(attempt, async |message| {
        board_page(&state, &user, form.clone(), Some(message)).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn decimal_commas_are_numbers_and_words_are_not() {
        assert_eq!(number("the target", "1,5").unwrap(), 1.5);
        assert_eq!(number("the target", " -2,25 ").unwrap(), -2.25);
        assert_eq!(number("the target", "1,500.5").unwrap(), 1500.5);
        assert_eq!(number("the target", "12").unwrap(), 12.0);
        for bad in ["about ten", "1,5,0", "", "NaN", "inf"] {
            assert!(number("the target", bad).is_err(), "{bad:?}");
        }
    }
}
