//! The moments of truth found in customers' histories: what each moment with a detection rule
//! does to satisfaction, the candidates the data suggests, and the form that adopts one
//! (administrators and council chairs); and one moment's page, the customers who reached it.

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_domain::org::Organisation;
use throughline_service::changes::{self, Actor};
use throughline_service::moments::{self, Adoption, MomentEffect, ScoreScale};

use super::{PageUser, UserView, check_csrf, or_show_again, user_view};
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/moments", get(moments_page))
        .route("/moments/{rank}", get(moment_page))
        .route("/moments/adopt", post(adopt))
}

#[derive(Serialize)]
struct MomentRow {
    rank: u32,
    name: String,
    rule: String,
    stage: String,
    /// The kind of event, for "no order events yet".
    event: String,
    customers: u64,
    sample: u64,
    others: u64,
    after: String,
    others_score: String,
    before: String,
    effect: String,
    interval: String,
    /// "harm", "lift" or "unclear".
    direction: &'static str,
}

#[derive(Serialize)]
struct CandidateRow {
    name: String,
    event: String,
    count: u32,
    within_days: Option<u32>,
    /// The suggested stage's key (preselected in the form) and name.
    stage: String,
    stage_name: String,
    sample: u64,
    effect: String,
    interval: String,
    direction: &'static str,
}

#[derive(Serialize)]
struct MomentsPage {
    user: UserView,
    csrf_token: String,
    scale: &'static str,
    moments: Vec<MomentRow>,
    candidates: Vec<CandidateRow>,
    rules_tried: u64,
    stages: Vec<(String, String)>,
    may_adopt: bool,
    error: Option<String>,
}

fn scale_name(scale: Option<ScoreScale>) -> &'static str {
    match scale {
        Some(ScoreScale::Nps) => "NPS points",
        Some(ScoreScale::Csat) => "CSAT points (1–5)",
        Some(ScoreScale::Rating) => "rating points",
        None => "no scores yet",
    }
}

fn points(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:+.0}"))
}

fn direction(low: Option<f64>, high: Option<f64>) -> &'static str {
    match (low, high) {
        (_, Some(h)) if h < 0.0 => "harm",
        (Some(l), _) if l > 0.0 => "lift",
        _ => "unclear",
    }
}

fn interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{l:+.0} to {h:+.0}"),
        _ => "too few customers".to_owned(),
    }
}

fn moment_row(m: &MomentEffect, org: &Organisation) -> MomentRow {
    MomentRow {
        rank: m.rank,
        name: m.name.clone(),
        rule: m.rule.clone(),
        stage: org.stage_name(&m.stage).to_owned(),
        event: m.event.clone(),
        customers: m.customers,
        sample: m.sample,
        others: m.others,
        after: points(m.score_after),
        others_score: points(m.score_others),
        before: points(m.score_before),
        effect: points(m.effect),
        interval: interval(m.low, m.high),
        direction: direction(m.low, m.high),
    }
}

async fn view(
    state: &AppState,
    user: &PageUser,
    error: Option<String>,
) -> Result<String, PageError> {
    let found = state.views.moments(&state.store).await?;
    let org = state.organisation().await?;
    let page = MomentsPage {
        user: user_view(user),
        csrf_token: user.session.csrf_token.clone(),
        scale: scale_name(found.scale),
        moments: found.moments.iter().map(|m| moment_row(m, &org)).collect(),
        candidates: found
            .candidates
            .iter()
            .map(|c| CandidateRow {
                name: c.name.clone(),
                event: c.event.clone(),
                count: c.count,
                within_days: c.within_days,
                stage: c.stage.clone().unwrap_or_default(),
                stage_name: c
                    .stage
                    .as_deref()
                    .map_or_else(String::new, |s| org.stage_name(s).to_owned()),
                sample: c.sample,
                effect: format!("{:+.0}", c.effect),
                interval: interval(Some(c.low), Some(c.high)),
                direction: direction(Some(c.low), Some(c.high)),
            })
            .collect(),
        rules_tried: found.rules_tried,
        stages: org
            .journey
            .stages
            .iter()
            .map(|s| (s.key.to_string(), s.name.to_string()))
            .collect(),
        may_adopt: changes::may_edit(Actor::User(&user.session.user), None).is_ok(),
        error,
    };
    Ok(render("moments.html", page)?)
}

async fn moments_page(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Html<String>, PageError> {
    Ok(Html(view(&state, &user, None).await?))
}

#[derive(Deserialize)]
struct AdoptForm {
    csrf_token: String,
    event: String,
    count: String,
    #[serde(default)]
    within_days: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    name: String,
}

async fn adopt(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<AdoptForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result = async {
        let number = |field: &str, text: &str| {
            text.trim().parse::<u32>().map_err(|_| {
                AppError::Invalid(format!("{field}: a whole number, not {:?}", text.trim()))
            })
        };
        let within_days = match form.within_days.trim() {
            "" => None,
            days => Some(number("within days", days)?),
        };
        let adoption = Adoption {
            event: form.event.trim().to_owned(),
            count: number("count", &form.count)?,
            within_days,
            stage: form.stage.trim().to_owned(),
            name: Some(form.name.trim().to_owned()).filter(|n| !n.is_empty()),
            expectation: None,
        };
        moments::adopt(&state.store, Actor::User(&user.session.user), adoption)
            .await
            .map_err(AppError::from)
    }
    .await
    .map(|_| Redirect::to("/moments").into_response());
    or_show_again(result, async |message| {
        view(&state, &user, Some(message)).await
    })
    .await
}

/// Customers listed on a moment's page (the most recent first); the rest by `moments show
/// RANK --json`.
const CUSTOMERS_SHOWN: usize = 200;

#[derive(Serialize)]
struct CustomerRow {
    customer: String,
    reached_on: String,
    before: String,
    after: String,
    records_after: u64,
    comment: String,
}

#[derive(Serialize)]
struct MomentPage {
    user: UserView,
    moment: MomentRow,
    scale: &'static str,
    customers: Vec<CustomerRow>,
    /// Customers not listed.
    more: usize,
}

async fn moment_page(
    State(state): State<AppState>,
    user: PageUser,
    Path(rank): Path<u32>,
) -> Result<Html<String>, PageError> {
    let found = moments::customers(&state.store, rank).await?;
    let org = state.organisation().await?;
    let scale = state.views.moments(&state.store).await?.scale;
    let page = MomentPage {
        user: user_view(&user),
        moment: moment_row(&found.moment, &org),
        scale: scale_name(scale),
        more: found.customers.len().saturating_sub(CUSTOMERS_SHOWN),
        customers: found
            .customers
            .iter()
            .take(CUSTOMERS_SHOWN)
            .map(|c| CustomerRow {
                customer: c.customer.clone(),
                reached_on: c.reached_on.to_string(),
                before: points(c.score_before),
                after: points(c.score_after),
                records_after: c.records_after,
                comment: c.comment_after.clone().unwrap_or_default(),
            })
            .collect(),
    };
    Ok(Html(render("moment.html", page)?))
}
