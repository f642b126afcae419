//! `/api/v1/departments` and `/api/v1/journey`: the organisation as the API reads it — its
//! departments with the stages they affect, the journey with its measures, and the journey's
//! gaps and overlaps between departments (`/journey/check`).

use axum::extract::State;
use serde::Serialize;
use throughline_domain::Key;
use throughline_domain::org::OwnershipRole;
use throughline_service::scorecards::{self, StageMeasure};

use super::spec::{Endpoint, SIGNED_IN, endpoint};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Query};
use crate::{AppError, AppState};

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/departments" => departments;
            "The organisation's departments and the stages they take part in";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The departments.")]),
        endpoint!(GET "/journey" => journey;
            "The journey's stages, touchpoints and stage measures";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The journey.")]),
        endpoint!(GET "/journey/check" => journey_check;
            "Gaps and overlaps between departments, most severe first, each with its fix";
            who: SIGNED_IN;
            query: &[
                ("from", "string", "First day of the period, YYYY-MM-DD (default: 90 days before its end)."),
                ("to", "string", "Last day of the period, YYYY-MM-DD (default: the latest record's day)."),
            ];
            body: None;
            answers: &[(200, "The period, its record count and the gaps.")]),
    ]
}

#[derive(Debug, serde::Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn journey_check(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<PeriodQuery>,
) -> Result<Json<throughline_service::journey::JourneyCheck>, AppError> {
    Ok(Json(
        throughline_service::journey::check(
            &state.store,
            query.from.as_deref(),
            query.to.as_deref(),
        )
        .await?,
    ))
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct DepartmentView {
    key: String,
    name: String,
    description: Option<String>,
    lead: Option<String>,
    customer_facing: bool,
    /// The stages it affects, with its strongest role there.
    stages: Vec<(String, OwnershipRole)>,
}

async fn departments(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<DepartmentView>>, AppError> {
    let org = state.organisation().await?;
    Ok(Json(
        org.departments
            .iter()
            .map(|d| DepartmentView {
                key: d.key.as_str().to_owned(),
                name: d.name.as_str().to_owned(),
                description: d.description.clone(),
                lead: d.lead.as_ref().map(|p| p.name.as_str().to_owned()),
                customer_facing: d.customer_facing,
                stages: org
                    .journey
                    .stages
                    .iter()
                    .filter_map(|s| {
                        org.departments_of_stage(s)
                            .into_iter()
                            .find(|(x, _)| x.key == d.key)
                            .map(|(_, role)| (s.key.as_str().to_owned(), role))
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct TouchpointView {
    key: String,
    name: String,
    channel: Option<String>,
    owners: Vec<String>,
    contributors: Vec<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct StageView {
    key: String,
    name: String,
    touchpoints: Vec<TouchpointView>,
    measures: Option<StageMeasure>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct JourneyView {
    name: String,
    stages: Vec<StageView>,
}

async fn journey(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<JourneyView>, AppError> {
    let org = state.organisation().await?;
    let mut measures = scorecards::stage_measures(&state.store).await?;
    let keys = |v: &[Key]| v.iter().map(|k| k.as_str().to_owned()).collect();
    Ok(Json(JourneyView {
        name: org.journey.name.as_str().to_owned(),
        stages: org
            .journey
            .stages
            .iter()
            .map(|s| StageView {
                key: s.key.as_str().to_owned(),
                name: s.name.as_str().to_owned(),
                touchpoints: s
                    .touchpoints
                    .iter()
                    .map(|t| TouchpointView {
                        key: t.key.as_str().to_owned(),
                        name: t.name.as_str().to_owned(),
                        channel: t.channel.clone(),
                        owners: keys(&t.owners),
                        contributors: keys(&t.contributors),
                    })
                    .collect(),
                measures: measures
                    .iter()
                    .position(|m| m.stage == s.key.as_str())
                    .map(|i| measures.remove(i)),
            })
            .collect(),
    }))
}
