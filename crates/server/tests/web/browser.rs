//! A small W3C WebDriver client for the browser tests: it starts `chromedriver`, opens a
//! headless Chromium session and speaks the protocol's JSON over plain HTTP/1.1 (blocking, one
//! connection per command). Only what the tests need: navigate, find, type, click, read text,
//! run a script, take a screenshot.
//!
//! Chromium and ChromeDriver come from Debian's `chromium` and `chromium-driver` (installed by
//! `.ci/run`); `THROUGHLINE_CHROMIUM` and `THROUGHLINE_CHROMEDRIVER` name other binaries.
//! Without them the browser tests say they were skipped and why (a failure under
//! `THROUGHLINE_REQUIRE_ALL=1`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The element key of the WebDriver protocol.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

#[derive(Debug)]
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    screenshots: PathBuf,
}

/// A binary named by `variable`, else the first of `names` on the PATH.
fn find_binary(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(variable) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Where screenshots go: `THROUGHLINE_TEST_ARTEFACTS`, else `target/test-artefacts/` of the
/// workspace.
fn artefacts_dir() -> PathBuf {
    std::env::var_os("THROUGHLINE_TEST_ARTEFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/test-artefacts")
                .join("screenshots")
        })
}

impl Browser {
    /// A headless Chromium, or `None` after reporting why the test is skipped.
    pub fn start(test: &str) -> Option<Self> {
        let chromium = find_binary("THROUGHLINE_CHROMIUM", &["chromium", "chromium-browser"]);
        let chromedriver = find_binary("THROUGHLINE_CHROMEDRIVER", &["chromedriver"]);
        let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
            throughline_store::testing::skip(
                test,
                "Chromium and ChromeDriver are not installed (Debian: apt-get install chromium \
                 chromium-driver), so the browser tests cannot run",
            );
            return None;
        };
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut browser = Self {
            driver,
            port,
            session: String::new(),
            screenshots: artefacts_dir(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(status) = browser.try_call("GET", "/status", None)
                && status["ready"] == true
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready within 20 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let created = browser.call(
            "POST",
            "/session",
            Some(json!({
                "capabilities": { "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "goog:chromeOptions": {
                        "binary": chromium.to_string_lossy(),
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--window-size=1400,1000",
                            "--no-first-run", "--disable-extensions"
                        ]
                    }
                }}
            })),
        );
        browser.session = created["sessionId"]
            .as_str()
            .expect("the new session's id")
            .to_owned();
        Some(browser)
    }

    /// One WebDriver command; the response's `value`, or the driver's error as text.
    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        // ChromeDriver says `Connection: close` but may keep the socket open: read the head,
        // then exactly the body its length (or its chunks) says.
        let mut raw = Vec::new();
        let mut buffer = [0u8; 16 * 1024];
        let (head, body_start) = loop {
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break (
                    String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase(),
                    end + 4,
                );
            }
            let n = stream.read(&mut buffer).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!(
                    "a reply without a head: {}",
                    String::from_utf8_lossy(&raw)
                ));
            }
            raw.extend_from_slice(&buffer[..n]);
        };
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let chunked = head.contains("transfer-encoding: chunked")
            || head.contains("transfer-encoding:chunked");
        loop {
            let got = &raw[body_start..];
            let complete = match length {
                Some(length) => got.len() >= length,
                None if chunked => got.ends_with(b"0\r\n\r\n"),
                None => false,
            };
            if complete {
                break;
            }
            let n = stream.read(&mut buffer).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buffer[..n]);
        }
        let body = &raw[body_start..];
        let body = if chunked {
            dechunk(body)
        } else {
            body[..length.unwrap_or(body.len()).min(body.len())].to_vec()
        };
        let body = String::from_utf8_lossy(&body);
        let parsed: Value =
            serde_json::from_str(&body).map_err(|e| format!("{e} in reply {body}"))?;
        let value = parsed["value"].clone();
        if value.get("error").is_some() {
            return Err(format!(
                "{}: {}",
                value["error"],
                value["message"].as_str().unwrap_or_default()
            ));
        }
        Ok(value)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Resizes the window to `width` × `height` CSS pixels.
    pub fn resize(&self, width: u32, height: u32) {
        self.session_call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.session_call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element matching `css`; panics with the page's URL when there is none.
    pub fn find(&self, css: &str) -> String {
        let found = self
            .try_call(
                "POST",
                &format!("/session/{}/element", self.session),
                Some(json!({ "using": "css selector", "value": css })),
            )
            .unwrap_or_else(|e| {
                let page = self
                    .try_call(
                        "POST",
                        &format!("/session/{}/execute/sync", self.session),
                        Some(json!({ "script": "return document.body.innerText", "args": [] })),
                    )
                    .unwrap_or_default();
                panic!(
                    "no element {css:?} on {}: {e}\nthe page says: {page}",
                    self.current_url()
                )
            });
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{css:?}: not an element reference: {found}"))
            .to_owned()
    }

    pub fn count(&self, css: &str) -> usize {
        self.session_call(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    /// The text of the first element `css`. A page that replaces its content by itself (the
    /// story wall moving to the next story) can swap the element between finding it and reading
    /// it: then it is found again.
    pub fn text(&self, css: &str) -> String {
        for _ in 0..5 {
            let element = self.find(css);
            let path = format!("/session/{}/element/{element}/text", self.session);
            match self.try_call("GET", &path, None) {
                Ok(value) => return value.as_str().unwrap_or_default().to_owned(),
                // Chromium says it either way, depending on when the node went.
                Err(e)
                    if e.contains("stale element reference")
                        || e.contains("does not belong to the document") =>
                {
                    continue;
                }
                Err(e) => panic!("WebDriver GET {path}: {e}"),
            }
        }
        panic!("the element {css} kept being replaced while it was read");
    }

    /// Replaces the text of the input `css`.
    pub fn fill(&self, css: &str, value: &str) {
        let element = self.find(css);
        self.session_call(
            "POST",
            &format!("/element/{element}/clear"),
            Some(json!({})),
        );
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": value })),
        );
    }

    /// Chooses the file at `path` in the file input `css`, as a person picking it would.
    pub fn attach(&self, css: &str, path: &std::path::Path) {
        let element = self.find(css);
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": path.display().to_string() })),
        );
    }

    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.session_call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// Clicks `css` (a submit button or a link) and waits until the next page has loaded: the
    /// old page is marked first, so a reply at the same address is not mistaken for no reply.
    pub fn submit(&self, css: &str) {
        self.script("window.__throughline_old_page = true");
        self.click(css);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let loaded = self.script(
                "return window.__throughline_old_page === undefined \
                 && document.readyState === 'complete'",
            );
            if loaded == true {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no new page within 20 s of clicking {css:?} on {}",
                self.current_url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub fn script(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Runs `script` (a function body whose last argument is the callback to call with the
    /// result) in the page and returns what it passed to the callback.
    pub fn script_async(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// The WCAG 2.x A and AA violations axe-core finds on the page, one line each ("rule: what
    /// it is, on N elements: selectors"); none when the page passes.
    pub fn accessibility_violations(&self) -> Vec<String> {
        self.script(&format!("{}\nreturn true;", include_str!("axe/axe.min.js")));
        let found = self.script_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', \
             'wcag21a', 'wcag21aa', 'wcag22aa']}}).then(r => done(r.violations.map(v => \
             v.id + ': ' + v.help + ', on ' + v.nodes.length + ' elements: ' + \
             v.nodes.map(n => n.target.join(' ')).join(', ')))).catch(e => done(['axe: ' + e]));",
        );
        found
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The console's errors since the last call (a blocked style or script — a CSP
    /// violation — is one), from ChromeDriver's log of the browser.
    pub fn console_errors(&self) -> Vec<String> {
        self.session_call("POST", "/se/log", Some(json!({ "type": "browser" })))
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .filter_map(|e| e["message"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves a PNG of the window as `name.png` among the test artefacts; returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let data = self.session_call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("a base64 screenshot"))
            .expect("valid base64");
        std::fs::create_dir_all(&self.screenshots).expect("the artefacts folder");
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }
}

/// The body of a `Transfer-Encoding: chunked` reply.
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
        let tail = &rest[line_end + 2..];
        match size {
            Some(size) if size > 0 && tail.len() >= size => {
                out.extend_from_slice(&tail[..size]);
                rest = tail[size..].strip_prefix(b"\r\n").unwrap_or(&tail[size..]);
            }
            _ => break,
        }
    }
    out
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.try_call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The runtime a browser test runs the server on (the test itself is synchronous: WebDriver's
/// calls block).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Serves the application over `store` on a free port of 127.0.0.1; its base URL.
pub fn serve(runtime: &tokio::runtime::Runtime, store: throughline_store::Store) -> String {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("its address"));
    let app = throughline_server::router(throughline_server::AppState::new(store));
    runtime.spawn(async move { axum::serve(listener, app).await });
    base
}
