//! The administrator's forms for other people's accounts, on the administration page: add a
//! user, change a role, disable or enable an account, reset a password. A refusal comes back on
//! the administration page with the reason.

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;
use throughline_domain::user::UserRole;
use throughline_service::accounts::{self, NewAccount};

use super::{PageUser, check_csrf, or_show_again};
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", post(add_user))
        .route("/admin/users/{id}/role", post(change_role))
        .route("/admin/users/{id}/access", post(change_access))
        .route("/admin/users/{id}/password", post(reset_password))
}

#[derive(Deserialize)]
struct UserForm {
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    password: String,
}

/// An administrator adds a user; a bad value comes back on the administration page.
async fn add_user(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let me = &user.session.user.user;
    if me.role != UserRole::Admin {
        return Err(AppError::Forbidden("only administrators add users".into()).into());
    }
    let account = NewAccount {
        email: form.email.clone(),
        name: form.name.clone(),
        role: form.role.clone(),
        department: Some(form.department.trim().to_owned()).filter(|d| !d.is_empty()),
        password: form.password,
    };
    let result = accounts::add_user(&state.store, account, me.email.as_str())
        .await
        .map(|_| Redirect::to("/admin").into_response())
        .map_err(AppError::from);
    or_show_again(result, async |message| {
        super::admin::admin_view(&state, &user, Some(message)).await
    })
    .await
}

#[derive(Deserialize)]
struct AccountForm {
    csrf_token: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
    /// `disable` or `enable`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    password: String,
}

/// An administrator changes someone's account (`change`, from the form); a refusal comes back
/// on the administration page with the reason.
async fn change_account(
    state: &AppState,
    user: &PageUser,
    id: i64,
    form: &AccountForm,
    change: accounts::AccountChange,
) -> Result<Response, PageError> {
    check_csrf(user, &form.csrf_token)?;
    let email = accounts::all_users(&state.store)
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .map(|u| u.user.email.as_str().to_owned())
        .ok_or_else(|| AppError::NotFound(format!("there is no user {id}")))?;
    let actor = throughline_service::changes::Actor::User(&user.session.user);
    let result = accounts::change_account(&state.store, actor, &email, change)
        .await
        .map(|_| Redirect::to("/admin").into_response())
        .map_err(AppError::from);
    or_show_again(result, async |message| {
        super::admin::admin_view(state, user, Some(message)).await
    })
    .await
}

async fn change_role(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    let change = accounts::AccountChange::Role {
        role: form.role.clone(),
        department: Some(form.department.clone()),
    };
    change_account(&state, &user, id, &form, change).await
}

async fn change_access(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    let change = match form.action.as_str() {
        "disable" => accounts::AccountChange::Disable,
        "enable" => accounts::AccountChange::Enable,
        other => {
            return Err(
                AppError::Invalid(format!("unknown action {other:?}: disable or enable")).into(),
            );
        }
    };
    change_account(&state, &user, id, &form, change).await
}

async fn reset_password(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    let change = accounts::AccountChange::ResetPassword(form.password.clone());
    change_account(&state, &user, id, &form, change).await
}
