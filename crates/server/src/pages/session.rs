//! Signing in and out. The sign-in form carries a CSRF token kept in its own short-lived
//! cookie (there is no session yet); signing out takes the session's.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_service::accounts::{self, SignInError};

use super::{CsrfForm, check_csrf};
use crate::auth::{LOGIN_CSRF_COOKIE, PageUser, SESSION_COOKIE, behind_tls, cookie, set_cookie};
use crate::error::PageError;
use crate::{AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .merge(super::sso::router())
}

#[derive(Serialize)]
struct LoginPage<'a> {
    csrf_token: &'a str,
    email: &'a str,
    /// Where to go once signed in (a local path).
    next: &'a str,
    error: Option<&'a str>,
    /// What happened before (a password just set through a reset link).
    notice: Option<&'a str>,
    /// The single sign-on provider's name and its sign-in link, when it is set up.
    sso: Option<&'a str>,
    sso_href: String,
    user: Option<()>,
}

/// The sign-in form with a fresh CSRF token in a cookie scoped to `/login`.
pub(super) fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<&str>,
) -> Result<Response, PageError> {
    login_page_with(state, headers, status, email, next, error, None)
}

fn login_page_with(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let csrf = accounts::random_secret();
    let body = render(
        "login.html",
        LoginPage {
            csrf_token: &csrf,
            email,
            next: local_path(next),
            error,
            notice,
            sso: state.sso_name(),
            sso_href: format!(
                "/login/sso?next={}",
                super::percent_encode(local_path(next))
            ),
            user: None,
        },
    )?;
    Ok(with_login_csrf(headers, status, &csrf, body))
}

/// A page of the sign-in forms (signing in, a forgotten password) with its CSRF token `csrf` in
/// their own short-lived cookie, scoped to `/login` — there is no session yet.
pub(super) fn with_login_csrf(
    headers: &HeaderMap,
    status: StatusCode,
    csrf: &str,
    body: String,
) -> Response {
    let cookie = set_cookie(LOGIN_CSRF_COOKIE, csrf, "/login", 3600, behind_tls(headers));
    (status, [(header::SET_COOKIE, cookie)], Html(body)).into_response()
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    /// `1` after a password was set through a reset link.
    reset: Option<String>,
}

async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::error::extract::Query(query): crate::error::extract::Query<LoginQuery>,
) -> Result<Response, PageError> {
    let next = query.next.as_deref().unwrap_or("/");
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && accounts::session(&state.store, &secret).await?.is_some()
    {
        return Ok(Redirect::to(local_path(next)).into_response());
    }
    let notice = (query.reset.as_deref() == Some("1")).then_some(
        "Your new password is set and every earlier session has ended: sign in with it.",
    );
    login_page_with(&state, &headers, StatusCode::OK, "", next, None, notice)
}

/// `next` when it is a path of this site ("/themes/4?stage=pay"); the overview otherwise — never
/// another site ("//evil.example", "https://…", "/\\evil.example").
pub(super) fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local { next } else { "/" }
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE);
    if expected.as_deref() != Some(form.csrf_token.as_str()) || form.csrf_token.is_empty() {
        return login_page(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            &form.email,
            &form.next,
            Some("The form expired. Please sign in again."),
        );
    }
    let client = crate::request_checks::client_address(&headers, &extensions);
    match accounts::sign_in(&state.store, &form.email, &form.password, &client).await {
        Ok(session) => {
            let secure = behind_tls(&headers);
            let max_age = accounts::SESSION_HOURS * 3600;
            let mut response = Redirect::to(local_path(&form.next)).into_response();
            let cookies = response.headers_mut();
            for value in [
                set_cookie(SESSION_COOKIE, &session.secret, "/", max_age, secure),
                set_cookie(LOGIN_CSRF_COOKIE, "", "/login", 0, secure),
            ] {
                cookies.append(
                    header::SET_COOKIE,
                    value.parse().expect("cookie values are ASCII"),
                );
            }
            Ok(response)
        }
        Err(SignInError::Wrong) => login_page(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            &form.email,
            &form.next,
            Some("The e-mail address or the password is wrong."),
        ),
        Err(refused @ (SignInError::TooMany | SignInError::TooManyFromClient)) => login_page(
            &state,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            &form.next,
            Some(&refused.to_string()),
        ),
        Err(SignInError::Service(err)) => Err(err.into()),
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: PageUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    accounts::sign_out(&state.store, &user.secret).await?;
    let cookie = set_cookie(SESSION_COOKIE, "", "/", 0, behind_tls(&headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_this_sites_paths_are_followed_after_sign_in() {
        assert_eq!(local_path("/themes/4?stage=pay"), "/themes/4?stage=pay");
        for elsewhere in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil.example",
            "/ok\nSet-Cookie: x",
            "",
            "themes",
        ] {
            assert_eq!(local_path(elsewhere), "/", "{elsewhere:?}");
        }
    }
}
