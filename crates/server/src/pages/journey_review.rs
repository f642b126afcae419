//! Reviewing changes to the journey map: the proposals department members made, each shown as
//! the change it would make to the map as it is now, for the CX lead to accept or decline with a
//! note (`/journey/proposals`); and the organisation's history — every version with who, when
//! and why, and the changes between any two (`/journey/history`).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_domain::org::{ChangeKind, OrgDiff};
use throughline_domain::user::UserRole;
use throughline_service::changes::{self, Actor};
use throughline_service::org as org_service;

use super::{UserView, check_csrf, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::{Path, Query};
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/journey/proposals", get(proposals))
        .route("/journey/proposals/{id}/accept", post(accept))
        .route("/journey/proposals/{id}/decline", post(decline))
        .route("/journey/history", get(history))
}

/// One line of a diff: "+ touchpoint returns-desk (Returns desk)", classed by its kind.
#[derive(Serialize)]
struct DiffLine {
    kind: &'static str,
    text: String,
}

fn diff_lines(diff: &OrgDiff) -> Vec<DiffLine> {
    diff.changes
        .iter()
        .map(|c| DiffLine {
            kind: match c.kind {
                ChangeKind::Added => "added",
                ChangeKind::Changed => "changed",
                ChangeKind::Removed => "removed",
            },
            text: c.to_string(),
        })
        .collect()
}

fn when(at: throughline_domain::Timestamp) -> String {
    format!("{} UTC", super::minute(at))
}

#[derive(Serialize)]
struct ProposalView {
    id: i64,
    when: String,
    author: String,
    department: String,
    summary: String,
    reason: String,
    status: String,
    changes: Vec<DiffLine>,
    problems: Vec<String>,
    reviewer: String,
    reviewed: String,
    note: String,
    version: Option<i64>,
}

#[derive(Serialize)]
struct ProposalsPage {
    user: UserView,
    csrf_token: String,
    reviewer: bool,
    open: Vec<ProposalView>,
    closed: Vec<ProposalView>,
    error: Option<(i64, String)>,
}

async fn proposals(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    Ok(Html(proposals_page(&state, &user, None).await?))
}

async fn proposals_page(
    state: &AppState,
    user: &PageUser,
    error: Option<(i64, String)>,
) -> Result<String, PageError> {
    let org = state.organisation().await?;
    let all = org_service::proposals(&state.store, false).await?;
    let (open, closed): (Vec<_>, Vec<_>) = all
        .into_iter()
        .map(|p| ProposalView {
            id: p.proposal.id,
            when: when(p.proposal.created_at),
            author: p.proposal.author_name.clone(),
            department: p
                .proposal
                .department
                .as_deref()
                .map(|k| org.department_name(k).to_owned())
                .unwrap_or_default(),
            summary: p.proposal.summary.clone(),
            reason: p.proposal.reason.clone().unwrap_or_default(),
            status: p.proposal.status.clone(),
            changes: p.changes.as_ref().map(diff_lines).unwrap_or_default(),
            problems: p.problems.clone(),
            reviewer: p.proposal.reviewer.clone().unwrap_or_default(),
            reviewed: p.proposal.reviewed_at.map(when).unwrap_or_default(),
            note: p.proposal.review_note.clone().unwrap_or_default(),
            version: p.proposal.version,
        })
        .partition(|p| p.status == "open");
    let view = ProposalsPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        reviewer: matches!(
            user.session.user.user.role,
            UserRole::Admin | UserRole::CouncilChair
        ),
        open,
        closed,
        error,
    };
    Ok(render("journey_proposals.html", view)?)
}

#[derive(Deserialize)]
struct ReviewForm {
    csrf_token: String,
    #[serde(default)]
    note: String,
}

async fn accept(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ReviewForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = changes::accept_proposal(
        &state.store,
        Actor::User(&user.session.user),
        id,
        Some(&form.note),
    )
    .await;
    let message = match result {
        Ok(Ok(_)) => {
            return Ok(Redirect::to(&format!("/journey/proposals#proposal-{id}")).into_response());
        }
        Ok(Err(problems)) => problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        Err(err) => match AppError::from(err) {
            AppError::Invalid(message) => message,
            other => return Err(other.into()),
        },
    };
    again(&state, &user, id, message).await
}

async fn decline(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ReviewForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    match changes::decline_proposal(
        &state.store,
        Actor::User(&user.session.user),
        id,
        &form.note,
    )
    .await
    .map_err(AppError::from)
    {
        Ok(()) => Ok(Redirect::to(&format!("/journey/proposals#proposal-{id}")).into_response()),
        Err(AppError::Invalid(message)) => again(&state, &user, id, message).await,
        Err(other) => Err(other.into()),
    }
}

async fn again(
    state: &AppState,
    user: &PageUser,
    id: i64,
    message: String,
) -> Result<Response, PageError> {
    let body = proposals_page(state, user, Some((id, message))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

#[derive(Serialize)]
struct VersionView {
    number: i64,
    when: String,
    author: String,
    source: &'static str,
    summary: String,
    reason: String,
}

#[derive(Serialize)]
struct HistoryPage {
    user: UserView,
    csrf_token: String,
    versions: Vec<VersionView>,
    from: Option<i64>,
    to: Option<i64>,
    changes: Vec<DiffLine>,
}

#[derive(Deserialize, Default)]
struct CompareQuery {
    from: Option<i64>,
    to: Option<i64>,
}

async fn history(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<CompareQuery>,
) -> Result<Html<String>, PageError> {
    let versions = org_service::versions(&state.store).await?;
    // By default: what the latest version changed.
    let (from, to) = match (query.from, query.to) {
        (Some(from), Some(to)) => (Some(from), Some(to)),
        _ => (
            versions.get(1).map(|v| v.number),
            versions.first().map(|v| v.number),
        ),
    };
    let changes = match (from, to) {
        (Some(from), Some(to)) => {
            diff_lines(&org_service::diff_versions(&state.store, from, to).await?)
        }
        _ => Vec::new(),
    };
    let view = HistoryPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        versions: versions
            .iter()
            .map(|v| VersionView {
                number: v.number,
                when: when(v.created_at),
                author: v.author.clone(),
                source: match v.source {
                    throughline_store::VersionSource::Baseline => "as it stood",
                    throughline_store::VersionSource::File => "organisation file",
                    throughline_store::VersionSource::Editor => "journey editor",
                    throughline_store::VersionSource::Proposal => "accepted proposal",
                },
                summary: v.summary.clone(),
                reason: v.reason.clone().unwrap_or_default(),
            })
            .collect(),
        from,
        to,
        changes,
    };
    Ok(Html(render("journey_history.html", view)?))
}
