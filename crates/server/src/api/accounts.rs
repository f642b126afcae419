//! `/api/v1/accounts`: key accounts with their sponsor, team and goals, what their customers said,
//! and the account team's weekly reviews.

use axum::extract::State;
use axum::http::StatusCode;
use throughline_service::changes::Actor;
use throughline_service::key_accounts::{self, AccountSummary, AccountView, ReviewInput};
use throughline_store::AccountReview;

use super::spec::{Endpoint, SIGNED_IN, endpoint};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Path};
use crate::{AppError, AppState};

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/accounts" => list;
            "Key accounts: sponsor, customers, records, NPS, latest review";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The accounts.")]),
        endpoint!(GET "/accounts/{key}" => show;
            "A key account: sponsor, team, goals and where they stand, its customers' feedback, NPS by month, themes, open issues, reviews";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The account.")]),
        endpoint!(POST "/accounts/{key}/reviews" => review;
            "Record the account team's weekly review";
            who: "admins, council chairs, and members whose department is on the account team";
            query: &[];
            body: Some(r#"{"on": "2026-12-04", "notes": "Renewal draft sent; two open installation issues", "goals": {"Renewal of the 3-year contract signed by March": "on track"}, "actions": [{"title": "Call the facilities manager", "owner": "Aisha Khan", "due": "2026-12-11"}]}"#);
            answers: &[(201, "The review as recorded.")]),
    ]
}

async fn list(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<AccountSummary>>, AppError> {
    Ok(Json(key_accounts::list(&state.store).await?))
}

async fn show(
    _user: ApiUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<AccountView>, AppError> {
    Ok(Json(key_accounts::show(&state.store, &key).await?))
}

async fn review(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
    Json(body): Json<ReviewInput>,
) -> Result<(StatusCode, Json<AccountReview>), AppError> {
    let recorded = key_accounts::review(&state.store, Actor::User(&user), &key, body).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}
