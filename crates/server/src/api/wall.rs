//! `/api/v1/wall`: the story wall's stories (for a screen or an intranet page of one's own), and
//! `/api/v1/wall-links`: the links that show the wall on a screen with no account
//! (administrators).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use throughline_domain::action::Date;
use throughline_service::changes::Actor;
use throughline_service::wall::{self, Wall, WallFilter};
use throughline_store::WallLink;

use super::spec::{Endpoint, SIGNED_IN, endpoint};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Path, Query};
use crate::{AppError, AppState};

const ADMINS: &str = "admins";

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/wall" => stories;
            "The story wall's stories in the order the wall shows them: redacted comments, mostly the problems behind the Top Ten with some praise between them";
            who: SIGNED_IN;
            query: &[
                ("department", "string", "Only stories on the stages this department takes part in."),
                ("stage", "string", "Only this stage's stories."),
                ("theme", "integer", "Only this theme's stories."),
                ("praise", "number", "The share of praise, 0 to 1 (default 0.25)."),
            ];
            body: None;
            answers: &[(200, "The scope and the stories.")]),
        endpoint!(GET "/wall-links" => links;
            "The story-wall links, newest first (their secrets are never shown again)";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The links.")]),
        endpoint!(POST "/wall-links" => create;
            "Make a story-wall link for a screen with no account; its path is in the answer, once";
            who: ADMINS; query: &[];
            body: Some(r#"{"label": "Break room, 2nd floor", "department": "billing"}"#);
            answers: &[(201, "The link and its path.")]),
        endpoint!(POST "/wall-links/{id}/revoke" => revoke;
            "Revoke a story-wall link for good";
            who: ADMINS; query: &[]; body: None;
            answers: &[(204, "Revoked.")]),
    ]
}

#[derive(Debug, Deserialize)]
struct StoriesQuery {
    department: Option<String>,
    stage: Option<String>,
    theme: Option<i64>,
    praise: Option<f64>,
}

async fn stories(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<StoriesQuery>,
) -> Result<Json<Wall>, AppError> {
    let praise = query.praise.unwrap_or(wall::DEFAULT_PRAISE_SHARE);
    if !(0.0..=1.0).contains(&praise) {
        return Err(AppError::Invalid(format!(
            "praise {praise}: a share from 0 to 1"
        )));
    }
    let filter = WallFilter {
        department: query.department,
        stage: query.stage,
        theme: query.theme,
        praise,
    };
    Ok(Json(
        wall::stories(&state.store, &filter, &Date::today()).await?,
    ))
}

async fn links(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<WallLink>>, AppError> {
    Ok(Json(wall::links(&state.store).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewLink {
    label: String,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    stage: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct Made {
    #[serde(flatten)]
    link: WallLink,
    /// After the server's address; shown this once.
    path: String,
}

async fn create(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(body): Json<NewLink>,
) -> Result<(StatusCode, Json<Made>), AppError> {
    let (link, secret) = wall::create_link(
        &state.store,
        Actor::User(&user),
        &body.label,
        body.department.as_deref(),
        body.stage.as_deref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Made {
            link,
            path: wall::link_path(&secret),
        }),
    ))
}

async fn revoke(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    wall::revoke_link(&state.store, Actor::User(&user), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
