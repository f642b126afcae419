//! "Did it work?" on an initiative's page: its measured effect since the day it started (the
//! change in its metric and themes against the counterfactual, from
//! [`throughline_service::effects`]), and the form that corrects its start day.

use axum::Router;
use axum::extract::{Form, State};
use axum::response::Response;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use throughline_service::changes::{self, Actor};
use throughline_service::effects::{Measure, MeasuredEffect};

use super::work::back_to_initiative;
use crate::error::PageError;
use crate::error::extract::Path;
use crate::pages::{PageUser, check_csrf};
use crate::{AppError, AppState};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/initiatives/{id}/start", post(set_start))
}

/// One measure as a table row.
#[derive(Serialize)]
pub(super) struct MeasureRow {
    label: String,
    /// "−3.2 percentage points", or why it was not measured.
    change: String,
    interval: String,
    /// `improved`, `worsened`, `no clear change` or `not measured`.
    verdict: &'static str,
    sample: String,
    method: String,
}

#[derive(Serialize)]
pub(super) struct EffectView {
    started_on: Option<String>,
    data_to: Option<String>,
    note: Option<String>,
    measures: Vec<MeasureRow>,
}

fn row(m: &Measure) -> MeasureRow {
    let digits = if m.kind == "theme_sentiment" { 2 } else { 1 };
    match &m.change {
        Some(c) => MeasureRow {
            label: m.label.clone(),
            change: format!("{:+.digits$} {}", c.effect, m.unit),
            interval: format!("{:+.digits$} to {:+.digits$}", c.low, c.high),
            verdict: m.verdict(),
            sample: format!(
                "{} weeks before, {} after; {} and {} {}",
                c.weeks_before, c.weeks_after, m.sample_before, m.sample_after, m.sample_of
            ),
            method: m.method.clone(),
        },
        None => MeasureRow {
            label: m.label.clone(),
            change: m.describe(),
            interval: String::new(),
            verdict: m.verdict(),
            sample: String::new(),
            method: m.method.clone(),
        },
    }
}

pub(super) fn view(effect: &MeasuredEffect) -> EffectView {
    EffectView {
        started_on: effect.started_on.as_ref().map(ToString::to_string),
        data_to: effect.data_to.as_ref().map(ToString::to_string),
        note: effect.note.clone(),
        measures: effect.measures.iter().map(row).collect(),
    }
}

#[derive(Deserialize)]
struct StartForm {
    csrf_token: String,
    #[serde(default)]
    on: String,
}

async fn set_start(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<StartForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = changes::set_start(
        &state.store,
        Actor::User(&user.session.user),
        id,
        form.on.trim(),
    )
    .await
    .map_err(AppError::from);
    back_to_initiative(&state, &user, id, result).await
}
