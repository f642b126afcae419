//! Recognition (`/recognition`): the teams whose work prevented a problem — its theme fell after
//! their initiative and stayed down — ranked above the teams that closed many tasks on a problem
//! that kept coming back ([`throughline_service::recognition`]).

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::Serialize;
use throughline_service::recognition::{self, Recognition};

use super::{UserView, user_view};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::{AppState, render};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/recognition", get(page))
}

#[derive(Serialize)]
struct RecognitionPage {
    user: UserView,
    csrf_token: String,
    data_to: Option<String>,
    /// Whether the organisation credits individuals as well as teams.
    individuals: bool,
    prevented: Vec<Recognition>,
    resolving: Vec<Recognition>,
}

async fn page(State(state): State<AppState>, user: PageUser) -> Result<Html<String>, PageError> {
    let found = recognition::recognise(&state.store).await?;
    let (prevented, resolving) = found
        .teams
        .into_iter()
        .partition(|r| r.kind == recognition::Kind::Prevented);
    let view = RecognitionPage {
        user: user_view(&user),
        csrf_token: user.session.csrf_token.clone(),
        data_to: found.data_to,
        individuals: found.individuals,
        prevented,
        resolving,
    };
    Ok(Html(render("recognition.html", view)?))
}
