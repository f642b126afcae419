//! `/api/v1/top-ten` and `/api/v1/themes`: the Top Ten with owners, and the codebook's themes.

use axum::extract::State;
use serde::Deserialize;
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_domain::action::Date;
use throughline_service::period::{self, PeriodQuery};
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
            query: &[("single_department_share", "number", "The share of a theme's records one department must hold to own it alone (default 0.5)."),
                     ("period", "string", "Rank the themes on one period's records: 30d, 90d, quarter, year, or custom with from and to; left out, the Top Ten of all the data as the latest analysis ranked it."),
                     ("from", "string", "The period's first day (YYYY-MM-DD), with period=custom."),
                     ("to", "string", "The period's last day (YYYY-MM-DD), with period=custom.")];
            body: None;
            answers: &[(200, "The Top Ten."), (422, "A wrong period or share, said in the answer.")]),
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
    // The period's fields one by one: a flattened struct would read the share as text.
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[tracing::instrument(skip_all, fields(user = user.0.id))]
async fn top_ten(
    user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<TopTenQuery>,
) -> Result<Json<TopTen>, AppError> {
    let asked = PeriodQuery {
        period: query.period,
        from: query.from,
        to: query.to,
    };
    if let Some(span) = asked.span(&Date::today())? {
        let share = query
            .single_department_share
            .unwrap_or(SINGLE_DEPARTMENT_SHARE);
        return Ok(Json(
            period::top_ten(&state.store, &span.current, share).await?,
        ));
    }
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
