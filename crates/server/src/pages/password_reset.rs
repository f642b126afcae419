//! A forgotten password reset by e-mail. "Forgot your password?" on the sign-in page asks for
//! the address; if it has an active account, a link that works once, for an hour, goes to it
//! (at most three an hour). The page answers the same whether or not the address has an account,
//! and at once — the e-mail leaves in the background — so it tells no one who has one. The link
//! opens a form for the new password, typed twice; setting it ends every session of the account
//! and is audited. Without e-mail set up, the page says to ask an administrator.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use throughline_service::{ServiceError, accounts};

use crate::auth::{LOGIN_CSRF_COOKIE, cookie};
use crate::error::PageError;
use crate::error::extract::Path;
use crate::{AppError, AppState, Mail, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login/forgot", get(forgot_form).post(forgot))
        .route("/login/reset/{token}", get(reset_form).post(reset))
}

#[derive(Serialize, Default)]
struct ResetPage<'a> {
    csrf_token: &'a str,
    /// `forgot` (ask for a link), `sent` (the answer), `reset` (the new password), `expired`.
    step: &'a str,
    email: &'a str,
    token: &'a str,
    error: Option<&'a str>,
    /// E-mail is set up on this server.
    mail: bool,
    user: Option<()>,
}

/// The page with a fresh CSRF token in the sign-in form's cookie (no session yet).
fn page(
    headers: &HeaderMap,
    status: StatusCode,
    view: ResetPage<'_>,
) -> Result<Response, PageError> {
    let csrf = accounts::random_secret();
    let body = render(
        "password_reset.html",
        ResetPage {
            csrf_token: &csrf,
            ..view
        },
    )?;
    Ok(super::session::with_login_csrf(
        headers, status, &csrf, body,
    ))
}

fn form_expired(headers: &HeaderMap, sent: &str) -> bool {
    cookie(headers, LOGIN_CSRF_COOKIE).as_deref() != Some(sent) || sent.is_empty()
}

async fn forgot_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    page(
        &headers,
        StatusCode::OK,
        ResetPage {
            step: "forgot",
            mail: state.mail.is_some(),
            ..ResetPage::default()
        },
    )
}

#[derive(Deserialize)]
struct ForgotForm {
    csrf_token: String,
    #[serde(default)]
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Result<Response, PageError> {
    let mail = state.mail.clone();
    if form_expired(&headers, &form.csrf_token) {
        return page(
            &headers,
            StatusCode::FORBIDDEN,
            ResetPage {
                step: "forgot",
                email: &form.email,
                error: Some("The form expired. Please try again."),
                mail: mail.is_some(),
                ..ResetPage::default()
            },
        );
    }
    let Some(mail) = mail else {
        return page(
            &headers,
            StatusCode::OK,
            ResetPage {
                step: "forgot",
                ..ResetPage::default()
            },
        );
    };
    if let Some(link) = accounts::request_password_reset(&state.store, &form.email).await? {
        // In the background: the answer must not take longer for an address with an account.
        tokio::spawn(async move {
            if let Err(err) = send_link(&mail, &link).await {
                tracing::error!(%err, "a password reset e-mail could not be sent");
            }
        });
    }
    page(
        &headers,
        StatusCode::OK,
        ResetPage {
            step: "sent",
            email: form.email.trim(),
            mail: true,
            ..ResetPage::default()
        },
    )
}

async fn send_link(
    mail: &Mail,
    link: &accounts::ResetLink,
) -> Result<(), throughline_notify::NotifyError> {
    let url = format!("{}/login/reset/{}", mail.public_url, link.token);
    let minutes = accounts::RESET_LINK_MINUTES;
    let text = format!(
        "Hello {name},\n\nSomeone (we hope you) asked to set a new password for your Throughline \
         account. This link opens the form; it works once, for {minutes} minutes:\n\n{url}\n\n\
         If it was not you, ignore this message: your password stays as it is.\n",
        name = link.name
    );
    let html = format!(
        "<p>Hello {name},</p><p>Someone (we hope you) asked to set a new password for your \
         Throughline account. This link opens the form; it works once, for {minutes} \
         minutes:</p><p><a href=\"{url}\">Set a new password</a></p><p>If it was not you, ignore \
         this message: your password stays as it is.</p>",
        name = escape(&link.name),
        url = escape(&url)
    );
    throughline_notify::smtp::send(
        &mail.smtp,
        &link.email,
        "Your Throughline password",
        &text,
        &html,
    )
    .await
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn reset_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let works = accounts::reset_link_user(&state.store, &token)
        .await?
        .is_some();
    page(
        &headers,
        if works {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
        ResetPage {
            step: if works { "reset" } else { "expired" },
            token: &token,
            mail: state.mail.is_some(),
            ..ResetPage::default()
        },
    )
}

#[derive(Deserialize)]
struct ResetForm {
    csrf_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeated: String,
}

async fn reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    let again = |status: StatusCode, error: &str| {
        page(
            &headers,
            status,
            ResetPage {
                step: "reset",
                token: &token,
                error: Some(error),
                mail: state.mail.is_some(),
                ..ResetPage::default()
            },
        )
    };
    if form_expired(&headers, &form.csrf_token) {
        return again(StatusCode::FORBIDDEN, "The form expired. Please try again.");
    }
    match accounts::reset_password(&state.store, &token, &form.password, &form.repeated).await {
        Ok(()) => Ok(Redirect::to("/login?reset=1").into_response()),
        Err(ServiceError::Invalid(message)) => {
            if accounts::reset_link_user(&state.store, &token)
                .await?
                .is_none()
            {
                return page(
                    &headers,
                    StatusCode::NOT_FOUND,
                    ResetPage {
                        step: "expired",
                        mail: state.mail.is_some(),
                        ..ResetPage::default()
                    },
                );
            }
            let mut text = message;
            if let Some(first) = text.get(..1) {
                text = first.to_uppercase() + &text[1..];
            }
            again(StatusCode::UNPROCESSABLE_ENTITY, &format!("{text}."))
        }
        Err(other) => Err(AppError::from(other).into()),
    }
}
