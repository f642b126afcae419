//! The JSON API under `/api/v1`. Every endpoint needs a session or a Bearer token; errors have
//! one shape, `{"error": {"code", "message"}}`.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_service::themes::{self, TopTen};
use throughline_store::StoredTheme;

use crate::auth::ApiUser;
use crate::{AppError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/top-ten", get(top_ten))
        .route("/themes", get(list_themes))
        .fallback(|| async { AppError::NotFound("no such API endpoint".into()) })
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
    let threshold = query
        .single_department_share
        .unwrap_or(SINGLE_DEPARTMENT_SHARE);
    Ok(Json(themes::top_ten(&state.store, threshold).await?))
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
