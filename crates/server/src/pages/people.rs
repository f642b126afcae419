//! A person's own account page: their password, their API tokens (create one, see it once,
//! revoke it), the digests sent to them; and a department's digest previewed. The
//! administrator's forms for other people's accounts are in `users.rs`.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_service::accounts;
use throughline_service::digest;

use super::{CsrfForm, PageUser, UserView, check_csrf, minute, or_show_again, user_view};
use crate::changes;
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/tokens", post(create_token))
        .route("/account/password", post(change_password))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/digests", post(digest_opt_out))
        .route("/account/digests/subscribe", post(subscribe_own_digest))
        .route("/account/digests/{id}/remove", post(unsubscribe_own_digest))
        .route("/departments/{key}/digest", get(digest_preview))
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: String,
    revoked: Option<String>,
    /// "never", or the day it stops working (and whether it has).
    expires: String,
    access: &'static str,
}

/// A department's digest sent to the person's own address.
#[derive(Serialize)]
struct OwnSubscription {
    id: i64,
    department: String,
}

#[derive(Serialize)]
struct AccountPage {
    user: UserView,
    csrf_token: String,
    email: String,
    department: String,
    tokens: Vec<TokenRow>,
    /// Whether the person receives department digests by e-mail.
    digests: bool,
    /// The departments whose digest is sent to the person's address.
    subscribed: Vec<OwnSubscription>,
    /// The departments whose digest they could add, as (key, name).
    departments: Vec<(String, String)>,
    /// A token just created: its secret, shown this once.
    new_token: Option<String>,
    error: Option<String>,
    notice: Option<&'static str>,
    min_password: usize,
}

async fn account_view(
    state: &AppState,
    user: &PageUser,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<String, PageError> {
    account_page(state, user, new_token, error, None).await
}

async fn account_page(
    state: &AppState,
    user: &PageUser,
    new_token: Option<String>,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<String, PageError> {
    let me = &user.session.user;
    let tokens = accounts::api_tokens(&state.store, me.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: minute(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "never".to_owned(), minute),
            revoked: t.revoked_at.map(minute),
            expires: match t.expires_at {
                None => "never".to_owned(),
                Some(at) if at.as_millis() <= throughline_domain::Timestamp::now().as_millis() => {
                    format!("expired {}", minute(at))
                }
                Some(at) => minute(at),
            },
            access: if t.read_only {
                "read only"
            } else {
                "read and write"
            },
        })
        .collect();
    let own = digest::sent_to(&state.store, me.user.email.as_str()).await?;
    let organisation = throughline_service::org::organisation(&state.store).await?;
    let name_of = |key: &str| {
        organisation
            .as_ref()
            .and_then(|o| o.departments.iter().find(|d| d.key.as_str() == key))
            .map_or_else(|| key.to_owned(), |d| d.name.as_str().to_owned())
    };
    let subscribed: Vec<OwnSubscription> = own
        .iter()
        .map(|s| OwnSubscription {
            id: s.id,
            department: name_of(&s.department),
        })
        .collect();
    let departments = organisation
        .as_ref()
        .map(|o| {
            o.departments
                .iter()
                .filter(|d| !own.iter().any(|s| s.department == d.key.as_str()))
                .map(|d| (d.key.as_str().to_owned(), d.name.as_str().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Ok(render(
        "account.html",
        AccountPage {
            user: user_view(user),
            csrf_token: user.session.csrf_token.clone(),
            email: me.user.email.as_str().to_owned(),
            department: me
                .user
                .department
                .as_ref()
                .map_or_else(String::new, |d| d.as_str().to_owned()),
            tokens,
            digests: !digest::opted_out(&state.store, me.user.email.as_str()).await?,
            subscribed,
            departments,
            new_token,
            error,
            notice,
            min_password: accounts::MIN_PASSWORD_CHARS,
        },
    )?)
}

#[derive(Deserialize, Default)]
struct AccountQuery {
    password: Option<String>,
}

async fn account(
    State(state): State<AppState>,
    user: PageUser,
    crate::error::extract::Query(query): crate::error::extract::Query<AccountQuery>,
) -> Result<Html<String>, PageError> {
    let notice = (query.password.as_deref() == Some("changed"))
        .then_some("Your password was changed; your other sessions were signed out.");
    Ok(Html(account_page(&state, &user, None, None, notice).await?))
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf_token: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeated: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let changed = accounts::change_password(
        &state.store,
        &user.session.user,
        &user.secret,
        &form.current,
        &form.new,
        &form.repeated,
    )
    .await
    .map(|()| Redirect::to("/account?password=changed").into_response());
    or_show_again(changed, async |message| {
        account_view(&state, &user, None, Some(message)).await
    })
    .await
}

#[derive(Deserialize)]
struct TokenForm {
    csrf_token: String,
    #[serde(default)]
    name: String,
    /// Days until it expires, or `never`.
    #[serde(default)]
    expires: String,
    /// `on` for a read-only token.
    #[serde(default)]
    read_only: String,
}

/// Creates a token and shows its secret once, on this reply (never stored, never shown again).
async fn create_token(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let expires_in_days = match form.expires.trim() {
        "never" => None,
        "" => Some(accounts::DEFAULT_TOKEN_DAYS),
        days => Some(
            days.parse::<u32>()
                .map_err(|_| AppError::Invalid(format!("{days:?} is not a number of days")))?,
        ),
    };
    let options = accounts::TokenOptions {
        expires_in_days,
        read_only: form.read_only == "on",
    };
    match accounts::create_token_with(&state.store, &user.session.user, &form.name, options).await {
        Ok((_, secret)) => {
            let body = account_view(&state, &user, Some(secret), None).await?;
            Ok((
                StatusCode::CREATED,
                [(axum::http::header::CACHE_CONTROL, "no-store")],
                Html(body),
            )
                .into_response())
        }
        Err(err) => {
            or_show_again(Err::<Response, AppError>(err.into()), async |message| {
                account_view(&state, &user, None, Some(message)).await
            })
            .await
        }
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    accounts::revoke_token(&state.store, &user.session.user, id).await?;
    Ok(Redirect::to("/account").into_response())
}

#[derive(Deserialize)]
struct DigestForm {
    csrf_token: String,
    /// `on` to receive digests, `off` to stop.
    #[serde(default)]
    receive: String,
}

/// A person stops or resumes receiving department digests by e-mail.
async fn digest_opt_out(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<DigestForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let out = form.receive != "on";
    changes::set_digest_opt_out(&state.store, &user.session.user, out).await?;
    Ok(Redirect::to("/account").into_response())
}

#[derive(Deserialize)]
struct OwnDigestForm {
    csrf_token: String,
    #[serde(default)]
    department: String,
}

/// A person has a department's digest sent to their own address; a bad department comes back
/// on the page with the reason.
async fn subscribe_own_digest(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<OwnDigestForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let result =
        changes::subscribe_own_digest(&state.store, &user.session.user, &form.department).await;
    or_show_again(
        result.map(|_| Redirect::to("/account#digests").into_response()),
        async |message| account_view(&state, &user, None, Some(message)).await,
    )
    .await
}

/// A person stops a digest sent to their own address.
async fn unsubscribe_own_digest(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    changes::unsubscribe_own_digest(&state.store, &user.session.user, id).await?;
    Ok(Redirect::to("/account#digests").into_response())
}

#[derive(Deserialize)]
struct PreviewQuery {
    period: Option<String>,
}

/// A department's digest exactly as the e-mail shows it.
async fn digest_preview(
    State(state): State<AppState>,
    _user: PageUser,
    Path(key): Path<String>,
    crate::error::extract::Query(query): crate::error::extract::Query<PreviewQuery>,
) -> Result<Response, PageError> {
    use throughline_service::digest::Period;
    let period = Period::parse(
        query.period.as_deref().unwrap_or("last-week"),
        &throughline_domain::action::Date::today(),
    )?;
    let d = digest::digest(&state.store, &key, &period).await?;
    let html =
        throughline_notify::render::html(&d).map_err(|e| AppError::Internal(e.to_string()))?;
    let policy = style_attribute_policy(&html);
    Ok((
        [(axum::http::header::CONTENT_SECURITY_POLICY, policy)],
        Html(html),
    )
        .into_response())
}

/// A Content-Security-Policy for an e-mail shown as a page: e-mail clients need its styles in
/// `style` attributes, which the default policy blocks. This one allows exactly those attribute
/// values, by their SHA-256 (`'unsafe-hashes'`), and nothing else — no script, no inline
/// `<style>`, no other origin.
fn style_attribute_policy(html: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut hashes = std::collections::BTreeSet::new();
    for part in html.split("style=\"").skip(1) {
        if let Some(value) = part.split('"').next() {
            hashes.insert(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(value.as_bytes()))
            ));
        }
    }
    let allowed: Vec<String> = hashes.into_iter().collect();
    format!(
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-hashes' {}; \
         frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
        allowed.join(" ")
    )
}
