//! The journey editor (`/journey/edit`): stages, touchpoints and who owns them, moments of truth,
//! stage vocabularies and the metrics on each stage, changed with plain forms (no JavaScript
//! needed) — one form per change, each posted to the same address with its `op`. An
//! administrator's or council chair's change is made at once as a new version of the
//! organisation; a member's is filed as a proposal for them. A refused change shows its message
//! beside the field at fault and changes nothing.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_domain::org::Organisation;
use throughline_domain::user::UserRole;
use throughline_service::changes::{self, Actor, EditOutcome};

use super::{UserView, check_csrf, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::Query;
use crate::{AppError, AppState, render};

mod form;

use form::{Fields, edit_of, shown_beside};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/journey/edit", get(editor).post(submit))
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct DepartmentCheck {
    key: String,
    name: String,
    owner: bool,
    contributor: bool,
}

#[derive(Serialize)]
struct TouchpointEdit {
    key: String,
    name: String,
    channel: String,
    /// "Fulfilment, Field Service", for reading.
    owners: String,
    contributors: String,
    departments: Vec<DepartmentCheck>,
}

#[derive(Serialize)]
struct StageEdit {
    key: String,
    name: String,
    description: String,
    position: usize,
    last: bool,
    vocabulary: String,
    touchpoints: Vec<TouchpointEdit>,
    /// The other stages, where a removed stage's feedback may go.
    others: Vec<Choice>,
}

#[derive(Serialize)]
struct MomentEdit {
    name: String,
    rank: u32,
    stage: String,
    touchpoint: String,
    expectation: String,
    detect: Option<String>,
    /// The detection rule's parts, for the form.
    event: String,
    count: String,
    within_days: String,
}

#[derive(Serialize)]
struct MetricEdit {
    key: String,
    name: String,
    department: String,
    stage: String,
}

/// A refused change: which form, the messages beside its fields, the rest above it, and what
/// was typed (so nothing has to be typed again).
#[derive(Serialize, Default)]
struct ErrorView {
    form: String,
    fields: BTreeMap<&'static str, String>,
    general: Vec<String>,
    values: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct EditorPage {
    user: UserView,
    csrf_token: String,
    /// Administrators and council chairs change the map at once; members propose.
    direct: bool,
    /// Viewers see the map and change nothing.
    may_change: bool,
    open_proposals: usize,
    stages: Vec<StageEdit>,
    stage_options: Vec<Choice>,
    touchpoint_options: Vec<Choice>,
    departments: Vec<Choice>,
    moments: Vec<MomentEdit>,
    next_rank: usize,
    metrics: Vec<MetricEdit>,
    notice: Option<String>,
    error: Option<ErrorView>,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    saved: Option<i64>,
    unchanged: Option<String>,
    proposed: Option<i64>,
}

async fn editor(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, PageError> {
    let notice = match (query.saved, query.proposed, query.unchanged) {
        (Some(version), _, _) => Some(format!(
            "Saved: version {version} of the organisation (see the history)."
        )),
        (_, Some(id), _) => Some(format!(
            "Proposal {id} sent: the CX lead (a council chair) or an administrator will accept \
             or decline it."
        )),
        (_, _, Some(_)) => Some("Nothing to change: the map already says that.".to_owned()),
        _ => None,
    };
    Ok(Html(page(&state, &user, notice, None).await?))
}

async fn page(
    state: &AppState,
    user: &PageUser,
    notice: Option<String>,
    error: Option<ErrorView>,
) -> Result<String, PageError> {
    let org = state.organisation().await?;
    let role = user.session.user.user.role;
    let open_proposals = throughline_service::org::open_proposals(&state.store).await?;
    let view = EditorPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        direct: matches!(role, UserRole::Admin | UserRole::CouncilChair),
        may_change: role != UserRole::Viewer,
        open_proposals,
        stages: stage_edits(&org),
        stage_options: org
            .journey
            .stages
            .iter()
            .map(|s| option(s.key.as_str(), s.name.as_str()))
            .collect(),
        touchpoint_options: org
            .touchpoints()
            .map(|(s, t)| option(t.key.as_str(), &format!("{} — {}", s.name, t.name)))
            .collect(),
        departments: org
            .departments
            .iter()
            .map(|d| option(d.key.as_str(), d.name.as_str()))
            .collect(),
        moments: {
            let mut moments: Vec<MomentEdit> = org
                .moments_of_truth
                .iter()
                .map(|m| MomentEdit {
                    name: m.name.to_string(),
                    rank: m.rank,
                    stage: m.stage.to_string(),
                    touchpoint: m
                        .touchpoint
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    expectation: m.expectation.clone(),
                    detect: m.detect.as_ref().map(|d| d.describe()),
                    event: m
                        .detect
                        .as_ref()
                        .map(|d| d.event.to_string())
                        .unwrap_or_default(),
                    count: m
                        .detect
                        .as_ref()
                        .map(|d| d.count.to_string())
                        .unwrap_or_default(),
                    within_days: m
                        .detect
                        .as_ref()
                        .and_then(|d| d.within_days)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                })
                .collect();
            moments.sort_by_key(|m| m.rank);
            moments
        },
        next_rank: org.moments_of_truth.len() + 1,
        metrics: org
            .metrics
            .iter()
            .map(|m| MetricEdit {
                key: m.key.to_string(),
                name: m.name.to_string(),
                department: org.department_name(m.department.as_str()).to_owned(),
                stage: m
                    .stage
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            })
            .collect(),
        notice,
        error,
    };
    Ok(render("journey_edit.html", view)?)
}

fn option(value: &str, label: &str) -> Choice {
    Choice {
        value: value.to_owned(),
        label: label.to_owned(),
    }
}

fn stage_edits(org: &Organisation) -> Vec<StageEdit> {
    let count = org.journey.stages.len();
    org.journey
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| StageEdit {
            key: s.key.to_string(),
            name: s.name.to_string(),
            description: s.description.clone().unwrap_or_default(),
            position: i + 1,
            last: i + 1 == count,
            vocabulary: s.vocabulary.join("\n"),
            touchpoints: s
                .touchpoints
                .iter()
                .map(|t| TouchpointEdit {
                    owners: names(org, &t.owners),
                    contributors: names(org, &t.contributors),
                    key: t.key.to_string(),
                    name: t.name.to_string(),
                    channel: t.channel.clone().unwrap_or_default(),
                    departments: org
                        .departments
                        .iter()
                        .map(|d| DepartmentCheck {
                            key: d.key.to_string(),
                            name: d.name.to_string(),
                            owner: t.owners.contains(&d.key),
                            contributor: t.contributors.contains(&d.key),
                        })
                        .collect(),
                })
                .collect(),
            others: org
                .journey
                .stages
                .iter()
                .filter(|o| o.key != s.key)
                .map(|o| option(o.key.as_str(), o.name.as_str()))
                .collect(),
        })
        .collect()
}

fn names(org: &Organisation, keys: &[throughline_domain::Key]) -> String {
    keys.iter()
        .map(|k| org.department_name(k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn submit(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields(fields);
    check_csrf(&user, &fields.text("csrf_token"))?;
    let form_id = fields.text("form");
    let outcome = match edit_of(&fields) {
        Ok(edit) => changes::edit_organisation(
            &state.store,
            Actor::User(&user.session.user),
            &edit,
            fields.optional("reason").as_deref(),
            false,
        )
        .await
        .map_err(AppError::from)?,
        Err(problem) => Err(vec![problem]),
    };
    let anchor = fields
        .optional("anchor")
        .map_or(String::new(), |a| format!("#{a}"));
    match outcome {
        Ok(EditOutcome::Applied {
            version: Some(v), ..
        }) => Ok(Redirect::to(&format!("/journey/edit?saved={v}{anchor}")).into_response()),
        Ok(EditOutcome::Applied { version: None, .. }) => {
            Ok(Redirect::to(&format!("/journey/edit?unchanged=1{anchor}")).into_response())
        }
        Ok(EditOutcome::Proposed { proposal }) => {
            Ok(Redirect::to(&format!("/journey/edit?proposed={proposal}{anchor}")).into_response())
        }
        Err(problems) => {
            let mut error = ErrorView {
                form: form_id,
                ..ErrorView::default()
            };
            for problem in problems {
                match problem.field {
                    Some(field) if shown_beside(&fields, field) => {
                        let text = error.fields.entry(field).or_default();
                        if !text.is_empty() {
                            text.push_str("; ");
                        }
                        text.push_str(&problem.message);
                    }
                    _ => error.general.push(problem.message),
                }
            }
            error.values = fields
                .0
                .into_iter()
                .filter(|(k, _)| k != "csrf_token")
                .collect();
            let body = page(&state, &user, None, Some(error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
    }
}
