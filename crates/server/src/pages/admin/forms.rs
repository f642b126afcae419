//! The administration page's forms: digest subscriptions (e-mail or webhook), the retention
//! policy, and a customer's erasure (their right to be forgotten). A refused value comes back on
//! the page with the reason.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use throughline_notify::subscriptions;
use throughline_service::changes::Actor;
use throughline_service::{customers, retention};

use super::{FormNote, admin_page, administrators_only};
use crate::AppError;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::check_csrf;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/customers/erase", post(erase_customer))
        .route("/admin/retention", post(set_retention))
        .route("/admin/digests/subscribe", post(subscribe_digest))
        .route("/admin/digests/{id}/remove", post(unsubscribe_digest))
}

#[derive(Deserialize)]
struct SubscriptionForm {
    csrf_token: String,
    #[serde(default)]
    department: String,
    /// An e-mail address, or a webhook's http(s) URL.
    #[serde(default)]
    target: String,
    /// `on` for a Slack-compatible webhook message.
    #[serde(default)]
    slack: String,
}

/// An administrator subscribes an e-mail address or a webhook to a department's digest; a bad
/// value comes back on the page with the reason.
async fn subscribe_digest(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<SubscriptionForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    administrators_only(&user, "manage digest subscriptions")?;
    let target = form.target.trim();
    let wanted = if target.starts_with("http://") || target.starts_with("https://") {
        subscriptions::Target::Webhook {
            url: target,
            slack: form.slack == "on",
        }
    } else {
        subscriptions::Target::Email(target)
    };
    match subscriptions::subscribe(&state.store, form.department.trim(), wanted).await {
        Ok(_) => Ok(axum::response::Redirect::to("/admin#digests").into_response()),
        Err(
            err @ (throughline_notify::NotifyError::Config(_)
            | throughline_notify::NotifyError::Email(_)
            | throughline_notify::NotifyError::Webhook(_)),
        ) => {
            let note = FormNote::SubscriptionRefused(err.to_string());
            let body = admin_page(&state, &user, None, note, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(AppError::Internal(other.to_string()).into()),
    }
}

async fn unsubscribe_digest(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Path(id): crate::error::extract::Path<i64>,
    Form(form): Form<crate::pages::CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    administrators_only(&user, "manage digest subscriptions")?;
    if !subscriptions::unsubscribe(&state.store, id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    {
        return Err(AppError::NotFound(format!("there is no subscription {id}")).into());
    }
    Ok(axum::response::Redirect::to("/admin#digests").into_response())
}

#[derive(Deserialize)]
struct RetentionForm {
    csrf_token: String,
    /// A number of months, or empty for no policy.
    #[serde(default)]
    months: String,
    #[serde(default)]
    mode: String,
}

/// An administrator sets the retention policy (or removes it, with no months); the server
/// applies it once a day.
async fn set_retention(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<RetentionForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let actor = Actor::User(&user.session.user);
    let policy =
        (!form.months.trim().is_empty()).then_some((form.months.as_str(), form.mode.as_str()));
    match retention::set(&state.store, actor, policy)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Ok(axum::response::Redirect::to("/admin#retention").into_response()),
        Err(AppError::Invalid(message)) => {
            let body = admin_page(
                &state,
                &user,
                None,
                FormNote::RetentionRefused(message),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct ErasureForm {
    csrf_token: String,
    #[serde(default)]
    customer: String,
    /// The id typed a second time: an erasure cannot be undone.
    #[serde(default)]
    confirm: String,
}

/// An administrator erases a customer's data (their right to be forgotten), as `throughline
/// customers erase` does: the page then says what was removed, or why nothing was.
async fn erase_customer(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<ErasureForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let refused = |message: String| FormNote::ErasureRefused(message);
    let note = if form.customer.trim().is_empty() {
        refused("Give the customer's id, as it was imported; nothing was erased.".to_owned())
    } else if form.customer.trim() != form.confirm.trim() {
        refused(
            "The id typed the second time differs from the first; nothing was erased (an \
             erasure cannot be undone, so the id is asked for twice)."
                .to_owned(),
        )
    } else {
        let actor = Actor::User(&user.session.user);
        match customers::erase(&state.store, actor, &form.customer)
            .await
            .map_err(AppError::from)
        {
            Ok(erased) => FormNote::Erased(erased),
            Err(AppError::Invalid(message)) => refused(message),
            Err(other) => return Err(other.into()),
        }
    };
    let status = match note {
        FormNote::ErasureRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let body = admin_page(&state, &user, None, note, None).await?;
    Ok((status, Html(body)).into_response())
}
