//! Rate limits on the public survey pages (`/s/…`), the only pages anyone may reach without an
//! account: per network address, per survey link, and answers per address. Requests are
//! counted in fixed one-minute windows in this server's memory (cheap, in front of every page:
//! with several instances behind a load balancer each counts its own share). Answers — what
//! gets stored — are counted in ten-minute windows in the database (`surveys::count_answer`),
//! so that the limit on them holds across every instance. Over a limit the answer is 429 with
//! `Retry-After`, in the customer's language; nothing is read or stored.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::request_checks::client_address;

/// Requests to survey pages per network address per minute.
pub const PER_ADDRESS_PER_MINUTE: u32 = 30;
/// Requests per survey link per minute (a public link on a receipt is opened by many people).
pub const PER_LINK_PER_MINUTE: u32 = 300;

const MINUTE_MS: i64 = 60_000;
/// Counters kept before old windows are swept out.
const SWEEP_AT: usize = 20_000;

/// Counts per key in fixed windows.
#[derive(Debug)]
struct Window {
    limit: u32,
    length_ms: i64,
    counts: Mutex<HashMap<String, (i64, u32)>>,
}

impl Window {
    fn new(limit: u32, length_ms: i64) -> Self {
        Self {
            limit,
            length_ms,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request for `key` at `now`; false when it is over the limit.
    fn allow(&self, key: &str, now: i64) -> bool {
        let start = now - now.rem_euclid(self.length_ms);
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() >= SWEEP_AT {
            counts.retain(|_, (window, _)| *window == start);
        }
        let entry = counts.entry(key.to_owned()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.limit
    }

    /// Seconds until the window in force ends.
    fn retry_after(&self, now: i64) -> i64 {
        (self.length_ms - now.rem_euclid(self.length_ms)) / 1000 + 1
    }
}

/// The survey pages' limits on requests (answers are counted in the database).
#[derive(Debug)]
pub struct SurveyLimits {
    per_address: Window,
    per_link: Window,
}

impl Default for SurveyLimits {
    fn default() -> Self {
        Self {
            per_address: Window::new(PER_ADDRESS_PER_MINUTE, MINUTE_MS),
            per_link: Window::new(PER_LINK_PER_MINUTE, MINUTE_MS),
        }
    }
}

impl SurveyLimits {
    /// `None` when the request may go on; else the seconds to wait.
    fn check(&self, address: &str, link: &str, now: i64) -> Option<i64> {
        if !self.per_address.allow(address, now) {
            return Some(self.per_address.retry_after(now));
        }
        if !self.per_link.allow(link, now) {
            return Some(self.per_link.retry_after(now));
        }
        None
    }
}

/// The middleware in front of `/s/…`.
pub async fn survey_limits(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let address = client_address(request.headers(), request.extensions());
    let link = request
        .uri()
        .path()
        .trim_start_matches("/s/")
        .split('/')
        .next()
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect::<String>();
    let answer = request.method() == Method::POST;
    let now = throughline_domain::Timestamp::now().as_millis();
    let mut wait = state.survey_limits.check(&address, &link, now);
    if wait.is_none() && answer {
        // Answers are counted where every instance counts them. A database that cannot count
        // now cannot store the answer either: the request goes on and meets that.
        match throughline_service::surveys::count_answer(&state.store, &address, now).await {
            Ok(over) => wait = over,
            Err(err) => tracing::warn!(error = %err, "survey answers not counted"),
        }
    }
    match wait {
        None => next.run(request).await,
        Some(seconds) => {
            tracing::info!(%address, "survey page rate-limited");
            let language = crate::pages::survey_language_of_browser(request.headers());
            let texts = language.texts();
            let body = crate::render(
                "survey_message.html",
                serde_json::json!({
                    "lang": language.code(),
                    "title": texts.too_many_title,
                    "message": throughline_domain::survey::fill(
                        texts.too_many,
                        &[("seconds", &seconds.to_string())],
                    ),
                }),
            )
            .unwrap_or_else(|_| texts.too_many_title.to_owned());
            let mut response = (StatusCode::TOO_MANY_REQUESTS, Html(body)).into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_its_limit_then_refuses_until_it_ends() {
        let limits = SurveyLimits::default();
        let now = 10 * MINUTE_MS + 5_000;
        for _ in 0..PER_ADDRESS_PER_MINUTE {
            assert_eq!(limits.check("a", "link", now), None);
        }
        assert_eq!(limits.check("a", "link", now), Some(56));
        // Another address is counted on its own.
        assert_eq!(limits.check("b", "link", now), None);
        // The next minute starts afresh.
        assert_eq!(limits.check("a", "link", now + MINUTE_MS), None);
    }
}
