//! Real listeners for tests (feature `testing`): an SMTP server that speaks the protocol
//! (greeting, EHLO, MAIL, RCPT, DATA with dot-unstuffing, QUIT) and keeps each message with its
//! recipient, and an HTTP listener that keeps webhook bodies (`/hook`) or fails (`/broken`).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Messages received: (recipient, the DATA as sent).
pub type Mailbox = Arc<Mutex<Vec<(String, String)>>>;
/// Webhook bodies received.
pub type Hooks = Arc<Mutex<Vec<serde_json::Value>>>;

/// The configuration that sends to [`smtp_server`]'s port, from `from`.
pub fn smtp_config(port: u16, from: &str) -> crate::SmtpConfig {
    crate::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: crate::smtp::Security::None,
        username: None,
        password: None,
        from: from.into(),
    }
}

/// A small SMTP server: accepts every message and keeps its DATA.
pub async fn smtp_server() -> (u16, Mailbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 test.local ESMTP ready\r\n").await;
                let mut to = String::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let command = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") {
                        b"250-test.local\r\n250 8BITMIME\r\n"
                    } else if command.starts_with("HELO")
                        || command.starts_with("MAIL")
                        || command.starts_with("RSET")
                        || command.starts_with("NOOP")
                    {
                        b"250 OK\r\n"
                    } else if command.starts_with("RCPT") {
                        to = line.trim_end()[8..]
                            .trim()
                            .trim_matches(['<', '>'])
                            .to_owned();
                        b"250 OK\r\n"
                    } else if command == "DATA" {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(
                                line.strip_prefix('.')
                                    .filter(|_| line.starts_with(".."))
                                    .unwrap_or(&line),
                            );
                        }
                        kept.lock().unwrap().push((to.clone(), data));
                        b"250 queued\r\n"
                    } else if command == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"502 not implemented\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, received)
}

/// An HTTP listener: `/hook` keeps every JSON body; `/broken` answers 500.
pub async fn webhook_server() -> (u16, Hooks) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    let app = Router::new()
        .route(
            "/hook",
            post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                let kept = kept.clone();
                async move {
                    kept.lock().unwrap().push(body);
                    StatusCode::OK
                }
            }),
        )
        .route(
            "/broken",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down for maintenance") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, received)
}
