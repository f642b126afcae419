//! Who is asking: a session cookie (pages and API) or a Bearer token (API), checked against the
//! database on every request so that signing out or revoking a token takes effect at once on
//! every server instance.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use throughline_service::accounts;
use throughline_store::{SessionUser, StoredUser};

use crate::{AppError, AppState};

pub const SESSION_COOKIE: &str = "throughline_session";
pub const LOGIN_CSRF_COOKIE: &str = "throughline_login_csrf";

/// The value of a request cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Behind a TLS-terminating proxy (which says so with `X-Forwarded-Proto: https`), cookies are
/// marked `Secure`.
pub fn behind_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly, SameSite, Path, and Secure behind TLS. An empty value with
/// `max_age` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A signed-in person on a page; without a session the page redirects to the sign-in form.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub session: SessionUser,
    pub secret: String,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // After signing in, a person lands on the page they asked for (a bookmark, a link in a
        // digest), not on the overview.
        let to_sign_in = || {
            let wanted = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let target = if parts.method == axum::http::Method::GET && wanted != "/" {
                format!("/login?next={}", crate::pages::percent_encode(wanted))
            } else {
                "/login".to_owned()
            };
            Redirect::to(&target).into_response()
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_sign_in());
        };
        match accounts::session(&state.store, &secret).await {
            Ok(Some(session)) => Ok(Self { session, secret }),
            Ok(None) => Err(to_sign_in()),
            Err(err) => Err(AppError::from(err).into_response()),
        }
    }
}

/// The caller of an API endpoint: a Bearer token or a session cookie; 401 otherwise.
#[derive(Debug, Clone)]
pub struct ApiUser(pub StoredUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        if let Some(token) = bearer {
            let Some(known) = accounts::token_user(&state.store, &token).await? else {
                return Err(AppError::Unauthorized);
            };
            if known.read_only && crate::request_checks::is_unsafe(&parts.method) {
                return Err(AppError::Forbidden(
                    "this API token is read-only: make a token that may write for changes"
                        .to_owned(),
                ));
            }
            return Ok(Self(known.user));
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(AppError::Unauthorized);
        };
        // A cookie goes wherever the browser is sent from, so a change made with one must come
        // from this site: a body-less POST from another site needs no CORS preflight (a token
        // is never sent by the browser on its own, so token calls need no such check).
        if crate::request_checks::is_unsafe(&parts.method)
            && crate::request_checks::from_another_site(&parts.headers)
        {
            return Err(AppError::Forbidden(
                "a change sent from another site with this site's cookie is refused".to_owned(),
            ));
        }
        accounts::session(&state.store, &secret)
            .await?
            .map(|s| Self(s.user))
            .ok_or(AppError::Unauthorized)
    }
}
