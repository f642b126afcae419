//! `/api/v1/top-ten` and `/api/v1/themes`: the Top Ten with owners, and the codebook's themes.

use axum::extract::State;
use serde::Deserialize;
use throughline_service::themes::{self, TopTen};
use throughline_store::StoredTheme;

use super::spec::{Endpoint, SIGNED_IN, endpoint};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Query};
use crate::{AppError, AppState};

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/top-ten" => top_ten;
            "The Top Ten themes by what they cost the score, with owners";
            who: SIGNED_IN;
            query: &[("single_department_share", "number", "The share of a theme's records one department must hold to own it alone (default 0.5).")];
            body: None;
            answers: &[(200, "The Top Ten.")]),
        endpoint!(GET "/themes" => list_themes;
            "The themes of the codebook with their aggregates";
            who: SIGNED_IN;
            query: &[("all", "boolean", "Include archived, merged, split and retired themes.")];
            body: None;
            answers: &[(200, "The themes.")]),
    ]
}

#[derive(Debug, Deserialize)]
struct TopTenQuery {
    single_department_share: Option<f64>,
}

#[tracing::instrument(skip_all, fields(user = user.0.id))]
async fn top_ten(
    user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<TopTenQuery>,
) -> Result<Json<TopTen>, AppError> {
    match query.single_department_share {
        // The default share is the one the pages use: served from the cache.
        None => Ok(Json(
            state.views.top_ten(&state.store).await?.as_ref().clone(),
        )),
        Some(threshold) => Ok(Json(themes::top_ten(&state.store, threshold).await?)),
    }
}

#[derive(Debug, Deserialize)]
struct ThemesQuery {
    #[serde(default)]
    all: bool,
}

#[tracing::instrument(skip_all, fields(user = user.0.id))]
async fn list_themes(
    user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<ThemesQuery>,
) -> Result<Json<Vec<StoredTheme>>, AppError> {
    Ok(Json(themes::list(&state.store, query.all).await?))
}
