//! The JSON API under `/api/v1`. Every endpoint needs a session or a Bearer token; errors have
//! one shape, `{"error": {"code", "message"}}`. One module per resource, each with its handlers
//! and its part of the one list of endpoints ([`spec`]); this module assembles them and holds
//! the paging they share.

use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::{AppError, AppState};

mod accounts;
pub(crate) mod council;
mod feedback;
mod initiatives;
mod maturity;
mod org;
mod organisation;
mod spec;
mod surveys;
mod themes;
mod wall;

use spec::Endpoint;

/// Every endpoint: the routes and the OpenAPI document both come from this list.
fn endpoints() -> Vec<Endpoint> {
    [
        feedback::endpoints(),
        themes::endpoints(),
        org::endpoints(),
        organisation::endpoints(),
        initiatives::endpoints(),
        council::endpoints(),
        maturity::endpoints(),
        wall::endpoints(),
        accounts::endpoints(),
        surveys::endpoints(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub fn router() -> Router<AppState> {
    let mut router = Router::new().route("/openapi.json", get(openapi_document));
    for e in endpoints() {
        router = router.route(e.path, e.route);
    }
    router.fallback(|| async { AppError::NotFound("no such API endpoint".into()) })
}

/// `GET /api/v1/openapi.json`: public, like the health endpoint.
async fn openapi_document() -> axum::Json<serde_json::Value> {
    axum::Json(spec::openapi(&endpoints()))
}

/// The OpenAPI document, for tests and tools.
pub fn openapi() -> serde_json::Value {
    spec::openapi(&endpoints())
}

/// One page of a list: `?limit=N&after=ID` (ids ascending); `next` is the `after` to ask for
/// the next page, `null` on the last.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Page<T> {
    items: Vec<T>,
    next: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    limit: Option<u32>,
    after: Option<i64>,
}

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

/// The page size asked for, checked.
fn paginate_query(query: &PageQuery) -> Result<u32, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(AppError::Invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(limit)
}

fn paginate<T>(
    mut items: Vec<T>,
    id: impl Fn(&T) -> i64,
    query: &PageQuery,
) -> Result<Page<T>, AppError> {
    let limit = paginate_query(query)?;
    items.retain(|item| query.after.is_none_or(|after| id(item) > after));
    items.sort_by_key(|item| id(item));
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more { items.last().map(&id) } else { None };
    Ok(Page { items, next })
}
