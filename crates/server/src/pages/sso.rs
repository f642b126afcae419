//! The single sign-on pages: `/login/sso` sends a person to the OpenID Connect provider,
//! `/login/sso/callback` takes them back, signed in (the protocol is in [`crate::sso`]). The
//! request's `state`, `nonce`, PKCE verifier and where to go next wait in a cookie scoped to
//! `/login/sso` for ten minutes; a callback whose `state` is not the cookie's is refused.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use throughline_service::ServiceError;
use throughline_service::accounts::{self, ProviderIdentity};

use super::percent_encode;
use super::session::{local_path, login_page};
use crate::AppState;
use crate::auth::{SESSION_COOKIE, behind_tls, cookie, set_cookie};
use crate::error::{AppError, PageError};
use crate::sso::{Provider, code_challenge, identity_of};

const SSO_COOKIE: &str = "throughline_sso";
const SSO_PATH: &str = "/login/sso";
const SSO_SECONDS: i64 = 600;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login/sso", get(start))
        .route("/login/sso/callback", get(callback))
}

#[derive(Deserialize, Default)]
struct StartQuery {
    next: Option<String>,
}

/// The sign-in page again, saying why single sign-on did not sign the person in.
fn refused(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    why: &str,
) -> Result<Response, PageError> {
    tracing::warn!(reason = why, "single sign-on refused");
    let mut response = login_page(state, headers, status, "", "/", Some(why))?;
    let clear = set_cookie(SSO_COOKIE, "", SSO_PATH, 0, behind_tls(headers));
    response.headers_mut().append(
        header::SET_COOKIE,
        clear.parse().expect("cookie values are ASCII"),
    );
    Ok(response)
}

async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::error::extract::Query(query): crate::error::extract::Query<StartQuery>,
) -> Result<Response, PageError> {
    let Some(config) = state.sso.clone() else {
        return Err(
            AppError::NotFound("single sign-on is not set up on this server".into()).into(),
        );
    };
    let provider = match Provider::discover(&config.issuer).await {
        Ok(provider) => provider,
        Err(why) => {
            return refused(
                &state,
                &headers,
                StatusCode::BAD_GATEWAY,
                &format!("{} cannot be reached: {why}", config.name),
            );
        }
    };
    let (request_state, nonce, verifier) = (
        accounts::random_secret(),
        accounts::random_secret(),
        accounts::random_secret(),
    );
    let next = local_path(query.next.as_deref().unwrap_or("/"));
    let separator = if provider.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!(
        "{}{separator}response_type=code&client_id={}&redirect_uri={}&scope=openid%20email%20profile\
         &state={request_state}&nonce={nonce}&code_challenge={}&code_challenge_method=S256",
        provider.authorization_endpoint,
        percent_encode(&config.client_id),
        percent_encode(&config.redirect_uri()),
        code_challenge(&verifier),
    );
    let waiting = format!(
        "{request_state}.{nonce}.{verifier}.{}",
        URL_SAFE_NO_PAD.encode(next)
    );
    let cookie = set_cookie(
        SSO_COOKIE,
        &waiting,
        SSO_PATH,
        SSO_SECONDS,
        behind_tls(&headers),
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&url)).into_response())
}

#[derive(Deserialize, Default)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::error::extract::Query(query): crate::error::extract::Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let Some(config) = state.sso.clone() else {
        return Err(
            AppError::NotFound("single sign-on is not set up on this server".into()).into(),
        );
    };
    if let Some(error) = &query.error {
        let said = query.error_description.as_deref().unwrap_or(error);
        return refused(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            &format!("{} did not sign you in: {said}", config.name),
        );
    }
    let expired = || {
        refused(
            &state,
            &headers,
            StatusCode::BAD_REQUEST,
            "The single sign-on expired or did not start here: sign in again.",
        )
    };
    let waiting = cookie(&headers, SSO_COOKIE).unwrap_or_default();
    let parts: Vec<&str> = waiting.split('.').collect();
    let (Some(code), [expected, nonce, verifier, next]) = (query.code.as_deref(), parts.as_slice())
    else {
        return expired();
    };
    if query.state.as_deref() != Some(*expected) {
        return expired();
    }
    let next = URL_SAFE_NO_PAD
        .decode(next)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| "/".to_owned());
    let claims = match Provider::discover(&config.issuer).await {
        Ok(provider) => provider.redeem(&config, code, verifier, nonce).await,
        Err(why) => Err(format!("{} cannot be reached: {why}", config.name)),
    };
    let identity = claims.and_then(|claims| {
        let (email, name) = identity_of(&claims)?;
        let (role, department) = config.role_of(&claims).ok_or_else(|| {
            format!(
                "your account at {} has no role in Throughline (its {} claim matches none of \
                 the server's role mapping): ask an administrator",
                config.name, config.role_claim
            )
        })?;
        Ok(ProviderIdentity {
            email,
            name,
            role,
            department,
        })
    });
    let identity = match identity {
        Ok(identity) => identity,
        Err(why) => return refused(&state, &headers, StatusCode::FORBIDDEN, &why),
    };
    let session = match accounts::sign_in_from_provider(&state.store, identity, &config.name).await
    {
        Ok(session) => session,
        Err(ServiceError::Forbidden(why) | ServiceError::Invalid(why)) => {
            return refused(&state, &headers, StatusCode::FORBIDDEN, &why);
        }
        Err(err) => return Err(err.into()),
    };
    let secure = behind_tls(&headers);
    let mut response = Redirect::to(local_path(&next)).into_response();
    for value in [
        set_cookie(
            SESSION_COOKIE,
            &session.secret,
            "/",
            accounts::SESSION_HOURS * 3600,
            secure,
        ),
        set_cookie(SSO_COOKIE, "", SSO_PATH, 0, secure),
    ] {
        response.headers_mut().append(
            header::SET_COOKIE,
            value.parse().expect("cookie values are ASCII"),
        );
    }
    Ok(response)
}
