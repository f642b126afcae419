//! Rate limits on the public survey pages (`/s/…`), the only pages anyone may reach without an
//! account: per network address, per survey link, and answers per address. Counted in fixed
//! one-minute windows (answers in ten-minute windows) in this server's memory: with several
//! instances behind a load balancer each counts its own share, which is what a balancer spreads
//! anyway. Over a limit the answer is 429 with `Retry-After`; nothing is read or stored.

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
/// Answers sent per network address per ten minutes.
pub const ANSWERS_PER_ADDRESS: u32 = 5;

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

/// The survey pages' limits.
#[derive(Debug)]
pub struct SurveyLimits {
    per_address: Window,
    per_link: Window,
    answers: Window,
}

impl Default for SurveyLimits {
    fn default() -> Self {
        Self {
            per_address: Window::new(PER_ADDRESS_PER_MINUTE, MINUTE_MS),
            per_link: Window::new(PER_LINK_PER_MINUTE, MINUTE_MS),
            answers: Window::new(ANSWERS_PER_ADDRESS, 10 * MINUTE_MS),
        }
    }
}

impl SurveyLimits {
    /// `None` when the request may go on; else the seconds to wait.
    fn check(&self, address: &str, link: &str, answer: bool, now: i64) -> Option<i64> {
        if !self.per_address.allow(address, now) {
            return Some(self.per_address.retry_after(now));
        }
        if !self.per_link.allow(link, now) {
            return Some(self.per_link.retry_after(now));
        }
        if answer && !self.answers.allow(address, now) {
            return Some(self.answers.retry_after(now));
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
    match state.survey_limits.check(&address, &link, answer, now) {
        None => next.run(request).await,
        Some(seconds) => {
            tracing::info!(%address, "survey page rate-limited");
            let body = crate::render(
                "survey_message.html",
                serde_json::json!({
                    "title": "Too many requests",
                    "message": format!(
                        "We received too many requests from your network. Please wait {seconds} \
                         seconds and try again — your answers are welcome."
                    ),
                }),
            )
            .unwrap_or_else(|_| "Too many requests".to_owned());
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
            assert_eq!(limits.check("a", "link", false, now), None);
        }
        assert_eq!(limits.check("a", "link", false, now), Some(56));
        // Another address is counted on its own.
        assert_eq!(limits.check("b", "link", false, now), None);
        // The next minute starts afresh.
        assert_eq!(limits.check("a", "link", false, now + MINUTE_MS), None);
        // Answers have their own, lower limit.
        let later = now + 2 * MINUTE_MS;
        for _ in 0..ANSWERS_PER_ADDRESS {
            assert_eq!(limits.check("c", "link", true, later), None);
        }
        assert!(limits.check("c", "link", true, later).is_some());
    }
}
