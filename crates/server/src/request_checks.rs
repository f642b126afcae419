//! Checks every request passes before any handler sees it, and what handlers ask of the request
//! itself: who the client is (for sign-in throttling) and whether a browser sent it from another
//! site (cross-site request forgery on cookie-authenticated API calls).

use std::net::{IpAddr, SocketAddr};
use std::sync::LazyLock;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppError;
use crate::error::PageError;

/// The largest request body read (axum's own default for its extractors): a larger one is
/// refused before it is read whole.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Proxies whose `X-Forwarded-For` is believed, besides the loopback address: the addresses in
/// `THROUGHLINE_TRUSTED_PROXIES`, comma-separated. Behind any other peer the header is ignored,
/// as a client could write anything in it.
static TRUSTED_PROXIES: LazyLock<Vec<IpAddr>> = LazyLock::new(|| {
    throughline_domain::settings::var("THROUGHLINE_TRUSTED_PROXIES")
        .unwrap_or_default()
        .split(',')
        .filter_map(|a| a.trim().parse().ok())
        .collect()
});

/// The network address a request came from: the connection's peer, or — when the peer is a
/// trusted proxy (loopback, or listed in `THROUGHLINE_TRUSTED_PROXIES`) — the address the proxy
/// saw, the last one in `X-Forwarded-For`. In-process (tests), "local" unless forwarded.
pub fn client_address(headers: &HeaderMap, extensions: &axum::http::Extensions) -> String {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let trusted = peer.is_none_or(|ip| ip.is_loopback() || TRUSTED_PROXIES.contains(&ip));
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|a| !a.is_empty())
        .and_then(|a| a.parse::<IpAddr>().ok());
    match (trusted, forwarded, peer) {
        (true, Some(ip), _) => ip.to_string(),
        (_, _, Some(ip)) => ip.to_string(),
        (_, _, None) => "local".to_owned(),
    }
}

/// Whether a browser sent this request from another site: its `Origin` names another host than
/// the one it was sent to, or is "null", or (without `Origin`) `Sec-Fetch-Site` says
/// cross-site. A request without either header comes from no browser of today, or from this
/// site in an old one.
pub fn from_another_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text("x-forwarded-host")
        .or_else(|| text(header::HOST.as_str()))
        .map(|h| {
            h.split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match text(header::ORIGIN.as_str()) {
        Some(origin) => {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest.trim_end_matches('/').to_ascii_lowercase());
            origin_host.is_none() || origin_host != host
        }
        None => text("sec-fetch-site").is_some_and(|site| site != "same-origin" && site != "none"),
    }
}

/// Whether `method` changes something (and so needs protecting from other sites).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses any request whose path, query or body holds a NUL character, before a handler or the
/// database sees it: PostgreSQL cannot store one (it answered 500), SQLite could — the same
/// input gets the same answer, 422 with what was wrong, on both.
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let refuse = |place: &str| {
        let error = AppError::Invalid(format!(
            "the request's {place} holds a NUL character (\\0), which no text may hold"
        ));
        if is_api {
            error.into_response()
        } else {
            PageError(error).into_response()
        }
    };
    if let Some(place) = nul_in_uri(request.uri()) {
        return refuse(place);
    }
    if !is_unsafe(request.method()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let error = AppError::Invalid(format!(
                "the request's body is larger than {} MB, or was cut off",
                MAX_BODY_BYTES / (1024 * 1024)
            ));
            let mut response = if is_api {
                error.into_response()
            } else {
                PageError(error).into_response()
            };
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return response;
        }
    };
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if body_has_nul(&bytes, is_form) {
        return refuse("body");
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn nul_in_uri(uri: &Uri) -> Option<&'static str> {
    if uri.path().contains("%00") {
        Some("path")
    } else if uri.query().is_some_and(|q| q.contains("%00")) {
        Some("query")
    } else {
        None
    }
}

/// A NUL byte, a form's `%00`, or a JSON string's `\u0000` (not an escaped backslash before
/// "u0000").
fn body_has_nul(body: &[u8], is_form: bool) -> bool {
    if body.contains(&0) {
        return true;
    }
    if is_form && body.windows(3).any(|w| w == b"%00") {
        return true;
    }
    body.windows(5).enumerate().any(|(at, w)| {
        w.eq_ignore_ascii_case(b"u0000")
            && body[..at].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_however_it_is_written() {
        assert!(body_has_nul(b"{\"comment\":\"a\\u0000b\"}", false));
        assert!(body_has_nul(b"{\"comment\":\"a\\U0000b\"}", false));
        assert!(!body_has_nul(b"{\"comment\":\"a\\\\u0000b\"}", false));
        assert!(body_has_nul(b"{\"comment\":\"a\\\\\\u0000b\"}", false));
        assert!(body_has_nul(b"email=a%00b", true));
        assert!(!body_has_nul(b"{\"n\":\"%00\"}", false));
        assert!(body_has_nul(b"raw\0byte", false));
        assert!(!body_has_nul(b"nothing here u0000", false));
    }

    #[test]
    fn other_sites_are_told_apart_from_this_one() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            map
        };
        let host = ("host", "cx.example.com");
        assert!(from_another_site(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(from_another_site(&headers(&[host, ("origin", "null")])));
        assert!(!from_another_site(&headers(&[
            host,
            ("origin", "https://cx.example.com")
        ])));
        assert!(!from_another_site(&headers(&[
            ("host", "cx.example.com:8080"),
            ("origin", "http://CX.example.com:8080")
        ])));
        assert!(from_another_site(&headers(&[
            ("host", "cx.example.com:8080"),
            ("origin", "http://cx.example.com:9090")
        ])));
        assert!(from_another_site(&headers(&[
            host,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!from_another_site(&headers(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!from_another_site(&headers(&[host])));
    }

    #[test]
    fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        let mut extensions = axum::http::Extensions::new();
        assert_eq!(client_address(&headers, &extensions), "198.51.100.7");
        extensions.insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 5000))));
        assert_eq!(client_address(&headers, &extensions), "198.51.100.7");
        extensions.insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 5000))));
        assert_eq!(client_address(&headers, &extensions), "192.0.2.1");
        assert_eq!(client_address(&HeaderMap::new(), &extensions), "192.0.2.1");
    }
}
