//! The journey map (stages by departments, heat by negative share) and each stage's page.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_service::scorecards;

use super::{UserView, VerbatimView, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/journey", get(journey_map))
        .route("/journey/{stage}", get(stage_page))
}

#[derive(Serialize)]
struct MapStageView {
    name: String,
    records: u64,
    negative_text: String,
    nps: String,
    touchpoints: Vec<String>,
    moments: Vec<String>,
}

#[derive(Serialize)]
struct MapCellView {
    stage: String,
    role: &'static str,
    share: String,
    heat: u8,
}

#[derive(Serialize)]
struct MapRowView {
    key: String,
    name: String,
    cells: Vec<Option<MapCellView>>,
}

#[derive(Serialize)]
struct JourneyPage {
    user: UserView,
    csrf_token: String,
    stages: Vec<MapStageView>,
    departments: Vec<MapRowView>,
}

/// 0–4 by the share of negative feedback: below 10%, 20%, 30%, 40%, and above.
fn heat(share: Option<f64>) -> u8 {
    share.map_or(0, |s| ((s * 10.0).floor() as u8).min(4))
}

async fn journey_map(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    let map = state.views.journey_map(&state.store).await?;
    let percent =
        |s: Option<f64>| s.map_or_else(|| "-".to_owned(), |s| format!("{:.0}%", s * 100.0));
    let page = JourneyPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        departments: map
            .departments
            .iter()
            .map(|d| MapRowView {
                key: d.key.clone(),
                name: d.name.clone(),
                cells: d
                    .cells
                    .iter()
                    .zip(&map.stages)
                    .map(|(cell, stage)| {
                        cell.as_ref().map(|c| MapCellView {
                            stage: stage.key.clone(),
                            role: c.role.as_str(),
                            share: percent(c.negative_share),
                            heat: heat(c.negative_share),
                        })
                    })
                    .collect(),
            })
            .collect(),
        stages: map
            .stages
            .iter()
            .map(|s| MapStageView {
                negative_text: percent(s.negative_share),
                nps: s
                    .nps
                    .map_or_else(|| "-".into(), |e| format!("{:.0}", e.value)),
                name: s.name.clone(),
                records: s.records,
                touchpoints: s.touchpoints.clone(),
                moments: s.moments_of_truth.clone(),
            })
            .collect(),
    };
    Ok(Html(render("journey.html", page)?))
}

#[derive(Deserialize)]
struct StageQuery {
    department: Option<String>,
}

#[derive(Serialize)]
struct StagePage {
    user: UserView,
    csrf_token: String,
    stage: String,
    department: Option<String>,
    role: &'static str,
    verbatims: Vec<VerbatimView>,
}

async fn stage_page(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Path(stage_key): crate::error::extract::Path<String>,
    crate::error::extract::Query(query): crate::error::extract::Query<StageQuery>,
) -> Result<Html<String>, PageError> {
    let org = state.organisation().await?;
    let stage = org
        .journey
        .stages
        .iter()
        .find(|s| s.key.as_str() == stage_key)
        .ok_or_else(|| AppError::NotFound(format!("there is no stage {stage_key:?}")))?;
    let (department, role) = match &query.department {
        Some(key) => {
            let found = org
                .departments_of_stage(stage)
                .into_iter()
                .find(|(d, _)| d.key.as_str() == key)
                .ok_or_else(|| {
                    AppError::NotFound(format!("department {key:?} takes no part in this stage"))
                })?;
            (Some(found.0.name.as_str().to_owned()), found.1.as_str())
        }
        None => (None, ""),
    };
    let verbatims = scorecards::stage_verbatims(&state.store, stage.key.as_str(), 50)
        .await?
        .into_iter()
        .map(VerbatimView::from)
        .collect();
    let page = StagePage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        stage: stage.name.as_str().to_owned(),
        department,
        role,
        verbatims,
    };
    Ok(Html(render("stage.html", page)?))
}
