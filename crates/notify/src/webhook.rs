//! Outbound HTTP over HTTP or HTTPS (rustls with the Mozilla root certificates): posting JSON to
//! a webhook, and the single sign-on provider's documents, keys and token endpoint.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::NotifyError;

const TIMEOUT: Duration = Duration::from_secs(20);

fn fail(what: impl std::fmt::Display) -> NotifyError {
    NotifyError::Webhook(what.to_string())
}

/// Checks a webhook address: `http://` or `https://` with a host.
pub fn check_url(url: &str) -> Result<Uri, NotifyError> {
    let uri: Uri = url
        .parse()
        .map_err(|e| fail(format!("{url:?} is not a URL: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(fail(format!(
                "{url:?}: a webhook is an http:// or https:// URL"
            )));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(fail(format!("{url:?} has no host")));
    }
    Ok(uri)
}

async fn exchange<S>(stream: S, request: Request<Full<Bytes>>) -> Result<(u16, String), NotifyError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(fail)?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender.send_request(request).await.map_err(fail)?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// POSTs `body` to `url`; any answer but 2xx is an error saying the status and the reply.
pub async fn post_json(url: &str, body: &Value) -> Result<(), NotifyError> {
    let payload = serde_json::to_vec(body).expect("JSON always serialises");
    let (status, reply) = send(url, Some(("application/json", payload))).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        let reply: String = reply.chars().take(200).collect();
        let host = check_url(url)?.host().unwrap_or_default().to_owned();
        Err(fail(format!("{host} answered {status}: {reply}")))
    }
}

/// GETs `url`: the answer's status and body.
pub async fn get(url: &str) -> Result<(u16, String), NotifyError> {
    send(url, None).await
}

/// POSTs `fields` to `url` as a form (`application/x-www-form-urlencoded`): the answer's
/// status and body.
pub async fn post_form(url: &str, fields: &[(&str, &str)]) -> Result<(u16, String), NotifyError> {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    send(
        url,
        Some(("application/x-www-form-urlencoded", body.into_bytes())),
    )
    .await
}

/// `text` percent-encoded for a form body.
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// One request to `url` — a POST of `body` (its content type and bytes), else a GET — over
/// HTTP or HTTPS; the answer's status and body.
async fn send(url: &str, body: Option<(&str, Vec<u8>)>) -> Result<(u16, String), NotifyError> {
    let uri = check_url(url)?;
    let https = uri.scheme_str() == Some("https");
    let host = uri.host().expect("checked").to_owned();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let builder = match &body {
        Some((content_type, _)) => Request::post(path).header("content-type", *content_type),
        None => Request::get(path),
    };
    let request = builder
        .header("host", &host)
        .header("accept", "application/json")
        .header(
            "user-agent",
            concat!("throughline/", env!("CARGO_PKG_VERSION")),
        )
        .body(Full::new(Bytes::from(
            body.map(|(_, bytes)| bytes).unwrap_or_default(),
        )))
        .map_err(fail)?;
    let work = async {
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| fail(format!("cannot connect to {host}:{port}: {e}")))?;
        if https {
            let roots =
                rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(fail)?
            .with_root_certificates(roots)
            .with_no_client_auth();
            let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(fail)?;
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| fail(format!("TLS with {host}: {e}")))?;
            exchange(tls, request).await
        } else {
            exchange(tcp, request).await
        }
    };
    tokio::time::timeout(TIMEOUT, work).await.map_err(|_| {
        fail(format!(
            "{host} did not answer within {} s",
            TIMEOUT.as_secs()
        ))
    })?
}
