//! Server-rendered pages, one module per resource, each with its own `router()`; this module
//! assembles them and holds what they share: the signed-in user's view, the CSRF check (every
//! form carries the session's token; the sign-in form one kept in its own short-lived cookie),
//! and re-showing a form with its error.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

mod accounts;
mod admin;
mod cases;
mod chains;
mod council;
mod departments;
mod explorer;
mod imports;
mod initiatives;
mod jobs;
mod journey;
mod journey_edit;
mod journey_review;
mod maturity;
mod moments;
mod overview;
mod password_reset;
mod people;
mod period;
mod recognition;
mod session;
mod sso;
mod survey_public;
mod surveys;
mod table_file;
mod users;
mod wall;

use crate::auth::PageUser;
use crate::error::PageError;
use crate::{AppError, AppState};

pub(crate) use survey_public::browser_language as survey_language_of_browser;
pub use wall::handout_html;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(password_reset::router())
        .merge(overview::router())
        .merge(admin::router())
        .merge(journey::router())
        .merge(journey_edit::router())
        .merge(journey_review::router())
        .merge(moments::router())
        .merge(chains::router())
        .merge(departments::router())
        .merge(initiatives::router())
        .merge(explorer::router())
        .merge(people::router())
        .merge(users::router())
        .merge(council::router())
        .merge(maturity::router())
        .merge(wall::router())
        .merge(recognition::router())
        .merge(accounts::router())
        .merge(surveys::router())
        .merge(cases::router())
        .merge(imports::router())
        .merge(jobs::router())
        .merge(survey_public::router(state))
}

/// The organisation's departments as (key, name), for select boxes; none without one.
fn department_options(
    org: Option<&throughline_domain::org::Organisation>,
) -> Vec<(String, String)> {
    org.map(|o| {
        o.departments
            .iter()
            .map(|d| (d.key.as_str().to_owned(), d.name.as_str().to_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// A form's CSRF token must be the session's.
fn check_csrf(user: &PageUser, token: &str) -> Result<(), PageError> {
    if token.is_empty() || token != user.session.csrf_token {
        return Err(
            AppError::Forbidden("the form expired; reload the page and try again".into()).into(),
        );
    }
    Ok(())
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf_token: String,
}

#[derive(Serialize)]
struct UserView {
    display_name: String,
    role: &'static str,
}

fn minute(at: throughline_domain::Timestamp) -> String {
    throughline_domain::action::Date::minute_of(at)
}

fn user_view(user: &PageUser) -> UserView {
    UserView {
        display_name: user.session.user.user.display_name.as_str().to_owned(),
        role: user.session.user.user.role.as_str(),
    }
}

impl From<throughline_store::Verbatim> for VerbatimView {
    fn from(v: throughline_store::Verbatim) -> Self {
        Self {
            text: v.text,
            received: throughline_domain::action::Date::of(v.received_at).to_string(),
            nps: v.nps.map_or_else(String::new, |n| n.to_string()),
            sentiment: format!("{:+.2}", v.sentiment),
            stage: v.stage.unwrap_or_else(|| "no stage".into()),
        }
    }
}

impl From<throughline_store::FeedbackListing> for VerbatimView {
    fn from(r: throughline_store::FeedbackListing) -> Self {
        Self {
            text: r.text(" · "),
            received: throughline_domain::action::Date::of(r.received_at).to_string(),
            nps: r.nps.map_or_else(String::new, |n| n.to_string()),
            sentiment: r.sentiment.map_or_else(String::new, |s| format!("{s:+.2}")),
            stage: r.stage.unwrap_or_else(|| "no stage".into()),
        }
    }
}

#[derive(Serialize)]
struct VerbatimView {
    text: String,
    received: String,
    nps: String,
    sentiment: String,
    stage: String,
}

/// After a change made from a page: on to `path`, or the page again with the error (see
/// [`or_show_again`]).
async fn back_to<F, E: Into<AppError>>(
    path: &str,
    result: Result<impl Sized, E>,
    again: F,
) -> Result<Response, PageError>
where
    F: AsyncFnOnce(String) -> Result<String, PageError>,
{
    or_show_again(result.map(|_| Redirect::to(path).into_response()), again).await
}

/// Re-shows a form's page with its error (422) when a change was refused for a bad value;
/// other errors (forbidden, not found) become their own page.
async fn or_show_again<F, E: Into<AppError>>(
    result: Result<Response, E>,
    again: F,
) -> Result<Response, PageError>
where
    F: AsyncFnOnce(String) -> Result<String, PageError>,
{
    match result.map_err(Into::into) {
        Ok(response) => Ok(response),
        Err(AppError::Invalid(message)) => {
            let body = again(message).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// `value` with `decimals` decimals, never "-0": a score of −0.4 reads "0", as people write it.
pub(crate) fn rounded(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => text,
    }
}

/// A change or an effect with its sign always written, the minus as "−": "−3.3", "+1.2", and
/// "0.0" for nothing (never "-0.0") — one sign convention on every page.
pub(crate) fn signed(value: f64, decimals: usize) -> String {
    let text = rounded(value, decimals);
    match text.strip_prefix('-') {
        Some(magnitude) => format!("−{magnitude}"),
        None if text.chars().all(|c| c == '0' || c == '.') => text,
        None => format!("+{text}"),
    }
}

/// `text` as a URL query value: letters, digits and `-_.~` stay, every other byte is `%XX`.
pub(crate) fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{rounded, signed};

    #[test]
    fn no_score_reads_minus_zero() {
        assert_eq!(rounded(-0.4, 0), "0");
        assert_eq!(rounded(-0.04, 1), "0.0");
        assert_eq!(rounded(-0.6, 0), "-1");
        assert_eq!(rounded(3.25, 1), "3.2");
    }

    #[test]
    fn effects_and_changes_carry_their_sign() {
        assert_eq!(signed(-3.26, 1), "−3.3");
        assert_eq!(signed(1.2, 1), "+1.2");
        assert_eq!(signed(-0.04, 1), "0.0");
        assert_eq!(signed(0.0, 0), "0");
    }
}
