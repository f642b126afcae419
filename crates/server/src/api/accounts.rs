//! `/api/v1/accounts`: key accounts with their sponsor, team and goals, what their customers said,
//! and the account team's weekly reviews; administrators and council chairs add, change and
//! remove accounts.

use axum::extract::State;
use axum::http::StatusCode;
use throughline_domain::accounts::KeyAccount;
use throughline_service::changes::Actor;
use throughline_service::key_accounts::{self, AccountSummary, AccountView, ReviewInput, Save};
use throughline_store::AccountReview;

use super::spec::{COUNCIL, Endpoint, SIGNED_IN, endpoint};
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
        endpoint!(POST "/accounts" => add;
            "Add a key account (checked as the accounts file is; the key must be new)";
            who: COUNCIL; query: &[];
            body: Some(ACCOUNT_EXAMPLE);
            answers: &[(201, "The account as stored.")]),
        endpoint!(PUT "/accounts/{key}" => change;
            "Change a key account: the whole account as it should be (its key stays; reviews are kept)";
            who: COUNCIL; query: &[];
            body: Some(ACCOUNT_EXAMPLE);
            answers: &[(200, "The account as stored.")]),
        endpoint!(DELETE "/accounts/{key}" => remove;
            "Remove a key account (its reviews stay on record)";
            who: COUNCIL; query: &[]; body: None;
            answers: &[(204, "Removed.")]),
        endpoint!(POST "/accounts/{key}/reviews" => review;
            "Record the account team's weekly review";
            who: "admins, council chairs, and members whose department is on the account team";
            query: &[];
            body: Some(r#"{"on": "2026-12-04", "notes": "Renewal draft sent; two open installation issues", "goals": {"Renewal of the 3-year contract signed by March": "on track"}, "actions": [{"title": "Call the facilities manager", "owner": "Aisha Khan", "due": "2026-12-11"}]}"#);
            answers: &[(201, "The review as recorded.")]),
    ]
}

/// A key account as the accounts file writes it (docs/accounts.md).
const ACCOUNT_EXAMPLE: &str = r#"{"key": "harbour-hotels", "name": "Harbour Hotels Group", "customers": ["C-10000", "C-10003"], "sponsor": {"name": "Victor Hale", "email": "victor.hale@northwind.example", "title": "Chief Financial Officer"}, "team": [{"name": "Aisha Khan", "title": "Account lead", "department": "sales"}], "goals": ["Renewal of the 3-year furnishing contract signed by March"]}"#;

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

async fn add(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(account): Json<KeyAccount>,
) -> Result<(StatusCode, Json<KeyAccount>), AppError> {
    let stored = key_accounts::save(&state.store, Actor::User(&user), Save::Add, account).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

async fn change(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
    Json(account): Json<KeyAccount>,
) -> Result<Json<KeyAccount>, AppError> {
    let stored = key_accounts::save(
        &state.store,
        Actor::User(&user),
        Save::Change(&key),
        account,
    )
    .await?;
    Ok(Json(stored))
}

async fn remove(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<StatusCode, AppError> {
    key_accounts::remove(&state.store, Actor::User(&user), &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
