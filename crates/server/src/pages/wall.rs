//! The story wall: one customer story at a time in large type, moving on by itself (a refresh,
//! no JavaScript) — `/wall` for people signed in, `/wall/l/{secret}` for a screen with no
//! account (a signed, read-only, revocable link that opens the wall and nothing else);
//! `/wall/setup` to choose the stories; `/wall/handout` five stories on one page for a staff
//! meeting; and the administrators' links, made and revoked on the admin page.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use throughline_domain::action::Date;
use throughline_service::changes::Actor;
use throughline_service::wall::{self, LinkState, Story, WallFilter};

use super::admin::FormNote;
use super::{CsrfForm, UserView, check_csrf, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::error::extract::{Path, Query};
use crate::{AppError, AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/wall", get(signed_in_wall))
        .route("/wall/setup", get(setup))
        .route("/wall/handout", get(handout))
        .route("/wall/l/{secret}", get(linked_wall))
        .route("/admin/wall-links", post(create_link))
        .route("/admin/wall-links/{id}/revoke", post(revoke_link))
}

/// Seconds each story stays up, when the address does not say.
const DEFAULT_SECONDS: u32 = 20;

#[derive(Deserialize, Default)]
struct WallQuery {
    department: Option<String>,
    stage: Option<String>,
    theme: Option<String>,
    /// Praise as a percentage of the stories.
    praise: Option<String>,
    seconds: Option<u32>,
    at: Option<usize>,
    /// Any value: the wall holds its story (no refresh) until someone resumes it — so a person
    /// at the screen can stop it moving (WCAG 2.2.1).
    pause: Option<String>,
}

impl WallQuery {
    fn filter(&self) -> Result<WallFilter, AppError> {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let theme =
            match text(&self.theme) {
                Some(t) => Some(t.parse::<i64>().map_err(|_| {
                    AppError::Invalid(format!("theme {t:?}: give the theme's number"))
                })?),
                None => None,
            };
        let praise = match text(&self.praise) {
            Some(p) => {
                let percent = p
                    .parse::<f64>()
                    .ok()
                    .filter(|v| (0.0..=100.0).contains(v))
                    .ok_or_else(|| {
                        AppError::Invalid(format!("praise {p:?}: a percentage from 0 to 100"))
                    })?;
                percent / 100.0
            }
            None => wall::DEFAULT_PRAISE_SHARE,
        };
        Ok(WallFilter {
            department: text(&self.department),
            stage: text(&self.stage),
            theme,
            praise,
        })
    }

    fn seconds(&self) -> u32 {
        self.seconds.unwrap_or(DEFAULT_SECONDS).clamp(5, 600)
    }

    fn paused(&self) -> bool {
        self.pause.as_deref().is_some_and(|p| !p.is_empty())
    }

    /// The query again with `at` set, paused or not.
    fn at(&self, at: usize, paused: bool) -> String {
        let mut query = self.next(at);
        if paused {
            query.push_str("&pause=1");
        }
        query
    }

    /// The query again with `at` set: where the refresh goes next.
    fn next(&self, at: usize) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("department", &self.department),
            ("stage", &self.stage),
            ("theme", &self.theme),
            ("praise", &self.praise),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", super::percent_encode(v)));
            }
        }
        if let Some(s) = self.seconds {
            parts.push(format!("seconds={s}"));
        }
        parts.push(format!("at={at}"));
        parts.join("&")
    }
}

#[derive(Serialize)]
struct WallPage {
    scope: String,
    story: Option<Story>,
    number: usize,
    count: usize,
    seconds: u32,
    /// Where the refresh goes: the next story.
    next: String,
    /// Held still: no refresh until resumed; the links to pause, resume and step on by hand.
    paused: bool,
    pause: String,
    resume: String,
    next_paused: String,
    /// Signed in: links to choose the stories and to leave the wall.
    signed_in: bool,
}

async fn wall_page(
    state: &AppState,
    query: &WallQuery,
    base: &str,
    signed_in: bool,
    filter: WallFilter,
) -> Result<String, PageError> {
    let wall = wall::stories(&state.store, &filter, &Date::today()).await?;
    let count = wall.stories.len();
    let at = query.at.unwrap_or(0) % count.max(1);
    let page = WallPage {
        scope: wall.scope,
        story: wall.stories.into_iter().nth(at),
        number: at + 1,
        count,
        seconds: query.seconds(),
        next: format!("{base}?{}", query.next(at + 1)),
        paused: query.paused(),
        pause: format!("{base}?{}", query.at(at, true)),
        resume: format!("{base}?{}", query.at(at, false)),
        next_paused: format!("{base}?{}", query.at(at + 1, true)),
        signed_in,
    };
    Ok(render("wall.html", page)?)
}

async fn signed_in_wall(
    State(state): State<AppState>,
    _user: PageUser,
    Query(query): Query<WallQuery>,
) -> Result<Html<String>, PageError> {
    let filter = query.filter()?;
    Ok(Html(
        wall_page(&state, &query, "/wall", true, filter).await?,
    ))
}

/// A wall link: its own filters (fixed when it was made), nothing from the address but the
/// story number, the pace and a pause.
async fn linked_wall(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    Query(query): Query<WallQuery>,
) -> Result<Response, PageError> {
    match wall::open_link(&state.store, &secret).await? {
        LinkState::Live(link) => {
            let query = WallQuery {
                department: None,
                stage: None,
                theme: None,
                praise: None,
                seconds: query.seconds,
                at: query.at,
                pause: query.pause,
            };
            let filter = WallFilter {
                department: link.department,
                stage: link.stage,
                ..WallFilter::default()
            };
            let base = wall::link_path(&secret);
            Ok(Html(wall_page(&state, &query, &base, false, filter).await?).into_response())
        }
        LinkState::Revoked(_) => Ok((
            StatusCode::GONE,
            Html(render("wall_closed.html", ClosedPage { revoked: true })?),
        )
            .into_response()),
        LinkState::Unknown => Ok((
            StatusCode::NOT_FOUND,
            Html(render("wall_closed.html", ClosedPage { revoked: false })?),
        )
            .into_response()),
    }
}

#[derive(Serialize)]
struct ClosedPage {
    revoked: bool,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct SetupPage {
    user: UserView,
    csrf_token: String,
    departments: Vec<Choice>,
    stages: Vec<Choice>,
    themes: Vec<Choice>,
    default_praise: u32,
    default_seconds: u32,
}

async fn setup(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    let org = state.organisation().await?;
    let themes = throughline_service::themes::list(&state.store, true).await?;
    let mut ranked: Vec<_> = themes
        .iter()
        .filter(|t| t.aggregates.top_ten_rank.is_some())
        .collect();
    ranked.sort_by_key(|t| t.aggregates.top_ten_rank);
    let page = SetupPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        departments: org
            .departments
            .iter()
            .map(|d| Choice {
                value: d.key.to_string(),
                label: d.name.to_string(),
            })
            .collect(),
        stages: org
            .journey
            .stages
            .iter()
            .map(|s| Choice {
                value: s.key.to_string(),
                label: s.name.to_string(),
            })
            .collect(),
        themes: ranked
            .into_iter()
            .map(|t| Choice {
                value: t.id.to_string(),
                label: format!(
                    "{}. {}",
                    t.aggregates.top_ten_rank.unwrap_or_default(),
                    t.label
                ),
            })
            .collect(),
        default_praise: (wall::DEFAULT_PRAISE_SHARE * 100.0).round() as u32,
        default_seconds: DEFAULT_SECONDS,
    };
    Ok(Html(render("wall_setup.html", page)?))
}

#[derive(Serialize)]
struct HandoutPage {
    scope: String,
    stories: Vec<Story>,
    printed: String,
    /// The stylesheet, inlined when the handout is printed to a file (`None` on the web,
    /// where the page links it: the Content-Security-Policy allows no inline styles).
    stylesheet: Option<&'static str>,
}

/// Stories on a staff meeting's handout.
pub const HANDOUT_STORIES: usize = 5;

async fn handout(
    State(state): State<AppState>,
    _user: PageUser,
    Query(query): Query<WallQuery>,
) -> Result<Html<String>, PageError> {
    let filter = query.filter()?;
    Ok(Html(handout_html(&state.store, &filter, false).await?))
}

/// The staff-meeting handout: five stories on one page, as HTML — on the web, or standing alone
/// with its styles inlined (`standalone`: for a file or a PDF).
pub async fn handout_html(
    store: &throughline_store::Store,
    filter: &WallFilter,
    standalone: bool,
) -> Result<String, AppError> {
    let wall = wall::stories(store, filter, &Date::today()).await?;
    let page = HandoutPage {
        scope: wall.scope,
        stories: wall.stories.into_iter().take(HANDOUT_STORIES).collect(),
        printed: Date::today().as_str().to_owned(),
        stylesheet: standalone.then_some(crate::STYLESHEET),
    };
    render("wall_handout.html", page)
}

#[derive(Deserialize)]
struct LinkForm {
    csrf_token: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    stage: String,
}

/// Makes a link and shows the admin page with its address, once.
async fn create_link(
    State(state): State<AppState>,
    user: PageUser,
    axum::Form(form): axum::Form<LinkForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    let made = wall::create_link(
        &state.store,
        Actor::User(&user.session.user),
        &form.label,
        Some(&form.department),
        Some(&form.stage),
    )
    .await;
    match made.map_err(AppError::from) {
        Ok((link, secret)) => {
            let made = super::admin::NewWallLinkView {
                id: link.id,
                label: link.label,
                path: wall::link_path(&secret),
            };
            let body =
                super::admin::admin_page(&state, &user, None, FormNote::Made(made), None).await?;
            Ok(Html(body).into_response())
        }
        Err(AppError::Invalid(message) | AppError::NotFound(message)) => {
            let body =
                super::admin::admin_page(&state, &user, None, FormNote::Refused(message), None)
                    .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn revoke_link(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&user, &form.csrf_token)?;
    wall::revoke_link(&state.store, Actor::User(&user.session.user), id).await?;
    Ok(Redirect::to("/admin#wall-links").into_response())
}
