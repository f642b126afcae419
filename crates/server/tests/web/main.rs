//! The web application in-process (no port): health, sign-in with CSRF and rate limiting,
//! sessions and sign-out, the overview with escaped customer text, the API's 401s, tokens and
//! the security headers — on SQLite and PostgreSQL; and the pages in headless Chromium
//! (`chromium`, over the WebDriver client in `browser`).

mod accounts_pages;
mod audit_pages;
mod browser;
mod chromium;
mod council_pages;
mod digest_pages;
mod explorer;
mod feedback_api;
mod hardening;
mod import_pages;
mod journey_editor;
mod journey_pages;
mod maturity_pages;
mod password_reset;
mod period_pages;
mod recognition_page;
mod schema_check;
mod single_sign_on;
mod story_wall;
mod survey_pages;

use accounts_pages::key_accounts_are_reviewed_weekly_on_the_web;
use audit_pages::the_audit_log_is_filtered_and_paged;
use council_pages::{initiatives_show_whether_they_worked, the_council_meets_on_the_web};
use digest_pages::{digests_are_previewed_and_declined, people_choose_the_digests_sent_to_them};
use explorer::themes_are_edited_in_the_explorer;
use feedback_api::feedback_goes_in_and_is_found;
use hardening::{
    a_guesser_locks_out_only_the_guesser, administrators_manage_accounts,
    customers_are_erased_from_the_administration_page,
    digest_subscriptions_are_managed_on_the_administration_page,
    hostile_requests_get_clear_answers_on_both_backends, operators_scrape_metrics_and_readiness,
    retention_is_set_on_the_administration_page, the_import_history_is_paged,
    tokens_expire_and_may_be_read_only, two_instances_share_sessions_changes_and_jobs,
};
use import_pages::a_feedback_file_is_imported_in_the_browser;
use journey_editor::the_journey_is_edited_proposed_and_reviewed_on_the_web;
use journey_pages::{
    chains_are_drawn_on_their_page, moments_of_truth_are_measured_and_adopted_on_the_web,
    views_are_computed_ahead_of_visitors,
};
use maturity_pages::the_culture_is_assessed_on_the_web;
use password_reset::a_forgotten_password_is_reset_by_e_mail;
use period_pages::the_overview_compares_a_period_with_the_one_before;
use recognition_page::prevention_is_recognised_above_fire_fighting;
use single_sign_on::single_sign_on_signs_people_in_with_their_mapped_role;
use story_wall::{
    no_personal_data_reaches_the_wall, the_story_wall_shows_stories_and_links_show_nothing_else,
};
use survey_pages::{
    follow_up_cases_are_worked_on_the_web, surveys_are_made_on_the_web_and_links_are_rate_limited,
};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use throughline_analytics::synthetic;
use throughline_domain::Name;
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_server::{AppState, router};
use throughline_service::accounts::{self, NewAccount};
use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_service::themes;
use throughline_store::testing::TestDatabase;
use throughline_store::{Store, backend_tests};
use tower::ServiceExt;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
const PASSWORD: &str = "correct horse battery";

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    fn cookie_value(&self, name: &str) -> Option<String> {
        self.cookie(name).and_then(|c| {
            c.split(';')
                .next()
                .map(|kv| kv[name.len() + 1..].to_owned())
        })
    }
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The answer to `request` as bytes (a file that is not text).
async fn send_bytes(
    app: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    builder.body(Body::empty()).unwrap()
}

fn post_form(path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Request<Body> {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    let mut builder =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    builder.body(Body::from(body.join("&"))).unwrap()
}

/// The CSRF token a page's first form carries.
fn form_token(page: &str) -> String {
    page.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page has a form with a CSRF token")
        .to_owned()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The example organisation and an administrator (Amara); no feedback.
async fn organisation_and_admin(db: &TestDatabase) -> Store {
    let store = db.example_workspace().await;
    accounts::add_user(
        &store,
        NewAccount {
            email: "amara@northwind.example".into(),
            name: "Amara Nwosu".into(),
            role: "admin".into(),
            department: None,
            password: PASSWORD.into(),
        },
        "test",
    )
    .await
    .unwrap();
    store
}

/// The example organisation, 1,500 synthetic records analysed, and an administrator.
async fn workspace(db: &TestDatabase) -> Store {
    let store = organisation_and_admin(db).await;
    let path = db.dir.path().join("feedback.csv");
    synthetic::write_csv(
        synthetic::Options {
            records: 1500,
            seed: 42,
            spike: true,
            shifts: true,
        },
        std::fs::File::create(&path).unwrap(),
    )
    .unwrap();
    import_file(
        &store,
        ImportRequest {
            path,
            source: Some(Name::parse("survey").unwrap()),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    store
}

/// The web application in-process, and people signed in to it: a test reads as what each
/// person does ([`Visitor::get`], [`Visitor::post`]) rather than as requests, cookies and CSRF
/// tokens.
struct TestApp {
    app: Router,
}

impl TestApp {
    /// The application over `store`.
    fn new(store: &Store) -> Self {
        Self {
            app: router(AppState::new(store.clone())),
        }
    }

    /// `email` signed in through the form with the test password (their account must exist).
    async fn signed_in(&self, email: &str) -> Visitor<'_> {
        let cookie = sign_in(&self.app, email, PASSWORD)
            .await
            .unwrap_or_else(|reply| {
                panic!("{email} cannot sign in: {} {}", reply.status, reply.body)
            });
        // A session's forms all carry its one CSRF token: read it from the account page (the
        // overview would compute the Top Ten for it).
        let csrf = form_token(&send(&self.app, get("/account", Some(&cookie))).await.body);
        Visitor {
            app: &self.app,
            cookie,
            csrf,
        }
    }

    /// A request as it comes (signed out, or with an API token).
    async fn send(&self, request: Request<Body>) -> Reply {
        send(&self.app, request).await
    }
}

/// Someone signed in to a [`TestApp`].
struct Visitor<'a> {
    app: &'a Router,
    cookie: String,
    csrf: String,
}

impl Visitor<'_> {
    async fn get(&self, path: &str) -> Reply {
        send(self.app, get(path, Some(&self.cookie))).await
    }

    /// Sends `form` to `path` as the page's form would, with the session's CSRF token.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let mut fields = vec![("csrf_token", self.csrf.as_str())];
        fields.extend_from_slice(form);
        send(self.app, post_form(path, Some(&self.cookie), &fields)).await
    }
}

/// Signs in through the form; returns the `Cookie` header value of the session.
async fn sign_in(app: &Router, email: &str, password: &str) -> Result<String, Reply> {
    let form = send(app, get("/login", None)).await;
    let csrf = form.cookie_value("throughline_login_csrf").unwrap();
    let reply = send(
        app,
        post_form(
            "/login",
            Some(&format!("throughline_login_csrf={csrf}")),
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &csrf),
            ],
        ),
    )
    .await;
    match reply.cookie_value("throughline_session") {
        Some(secret) if reply.status == StatusCode::SEE_OTHER => {
            Ok(format!("throughline_session={secret}"))
        }
        _ => Err(reply),
    }
}

async fn people_sign_in_and_see_the_overview_safely(db: &TestDatabase) {
    let store = workspace(db).await;
    let top = themes::top_ten(&store, 0.5).await.unwrap();
    let hostile = top.entries[0].theme;
    themes::rename(&store, hostile, "<script>alert('x')</script> & late")
        .await
        .unwrap();
    let app = router(AppState::new(store.clone()));

    // Public: health and the sign-in form, with the security headers.
    let health = send(&app, get("/health", None)).await;
    assert_eq!(health.status, StatusCode::OK);
    assert!(health.body.contains("\"status\":\"ok\""), "{}", health.body);
    let csp = health.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert_eq!(health.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    // The icon answers (no 404 in the browser's log); the sign-in form lets password managers
    // fill it; every page starts with a link past the navigation to its content.
    let icon = send(&app, get("/favicon.ico", None)).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.headers[header::CONTENT_TYPE], "image/svg+xml");
    let login = send(&app, get("/login", None)).await;
    assert!(login.body.contains("autocomplete=\"username\""));
    assert!(login.body.contains("autocomplete=\"current-password\""));
    let skip = login
        .body
        .find("class=\"skip-link\" href=\"#main\"")
        .unwrap();
    assert!(skip < login.body.find("<nav").unwrap_or(usize::MAX));
    assert!(login.body.contains("<main id=\"main\">"));

    // Everything else needs a session or a token.
    let page = send(&app, get("/", None)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/login");
    // A bookmarked page: sign in, and land on it.
    let bookmarked = send(&app, get("/themes?all=true", None)).await;
    assert_eq!(
        bookmarked.headers[header::LOCATION],
        "/login?next=%2Fthemes%3Fall%3Dtrue"
    );
    let form = send(&app, get("/login?next=%2Fthemes%3Fall%3Dtrue", None)).await;
    assert!(
        form.body
            .contains("name=\"next\" value=\"&#x2f;themes?all=true\""),
        "{}",
        form.body
    );
    let csrf = form.cookie_value("throughline_login_csrf").unwrap();
    let landed = send(
        &app,
        post_form(
            "/login",
            Some(&format!("throughline_login_csrf={csrf}")),
            &[
                ("email", "amara@northwind.example"),
                ("password", PASSWORD),
                ("csrf_token", &csrf),
                ("next", "/themes?all=true"),
            ],
        ),
    )
    .await;
    assert_eq!(landed.status, StatusCode::SEE_OTHER);
    assert_eq!(landed.headers[header::LOCATION], "/themes?all=true");
    let csrf = send(&app, get("/login", None))
        .await
        .cookie_value("throughline_login_csrf")
        .unwrap();
    let elsewhere = send(
        &app,
        post_form(
            "/login",
            Some(&format!("throughline_login_csrf={csrf}")),
            &[
                ("email", "amara@northwind.example"),
                ("password", PASSWORD),
                ("csrf_token", &csrf),
                ("next", "//evil.example/"),
            ],
        ),
    )
    .await;
    assert_eq!(
        elsewhere.headers[header::LOCATION],
        "/",
        "never another site"
    );
    let api = send(&app, get("/api/v1/top-ten", None)).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let error: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(error["error"]["code"], "unauthorized");
    let unknown = send(&app, get("/api/v1/nothing", None)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // The sign-in form refuses a forged request, then a wrong password.
    let forged = send(
        &app,
        post_form(
            "/login",
            None,
            &[
                ("email", "amara@northwind.example"),
                ("password", PASSWORD),
                ("csrf_token", "guess"),
            ],
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.cookie("throughline_session").is_none());
    let wrong = sign_in(&app, "amara@northwind.example", "not the password")
        .await
        .unwrap_err();
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("The e-mail address or the password is wrong.")
    );

    // Signed in: the session cookie is HttpOnly; the overview shows the analysis, escaped.
    let session = sign_in(&app, "AMARA@northwind.example", PASSWORD)
        .await
        .unwrap();
    let login_reply_cookie = {
        let form = send(&app, get("/login", None)).await;
        form.cookie("throughline_login_csrf").unwrap()
    };
    assert!(login_reply_cookie.contains("HttpOnly") && login_reply_cookie.contains("SameSite=Lax"));
    let overview = send(&app, get("/", Some(&session))).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    let body = &overview.body;
    assert!(body.contains("Northwind Home"), "{body}");
    assert!(body.contains("Top Ten"));
    assert!(body.contains("NPS"));
    assert!(body.contains("Customer Experience Council") || body.contains("single-department"));
    assert!(
        !body.contains("<script>alert"),
        "customer-controlled text must be escaped"
    );
    assert!(body.contains("&lt;script&gt;"), "{body}");
    assert!(body.contains("Amara Nwosu (admin)"));

    // The API with the session, and with a token.
    let api = send(&app, get("/api/v1/top-ten", Some(&session))).await;
    assert_eq!(api.status, StatusCode::OK);
    let top: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert!(!top["entries"].as_array().unwrap().is_empty());
    let admin = store.users().await.unwrap().remove(0);
    let (token_id, token) = accounts::create_token(&store, &admin, "BI export")
        .await
        .unwrap();
    let bearer = Request::get("/api/v1/themes")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let themes_reply = send(&app, bearer).await;
    assert_eq!(themes_reply.status, StatusCode::OK);
    assert!(themes_reply.body.starts_with('['));
    accounts::revoke_token(&store, &admin, token_id)
        .await
        .unwrap();
    let revoked = Request::get("/api/v1/themes")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, revoked).await.status, StatusCode::UNAUTHORIZED);
    let log = store.audit_log(10).await.unwrap();
    assert!(log.iter().any(|e| e.action == "token.revoke"));
    assert!(log.iter().any(|e| e.action == "user.add"));

    // The theme explorer: the list, a theme with its verbatims, renaming with CSRF.
    let listed = send(&app, get("/themes", Some(&session))).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(listed.body.contains(&format!("href=\"/themes/{hostile}\"")));
    assert!(listed.body.contains("&lt;script&gt;") && !listed.body.contains("<script>alert"));
    let page = send(&app, get(&format!("/themes/{hostile}"), Some(&session))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("What customers say"));
    let records = store
        .find_feedback(
            &throughline_store::FeedbackFilter {
                theme: Some(hostile),
                ..Default::default()
            },
            None,
            10_000,
        )
        .await
        .unwrap();
    assert!(records.len() > 25);
    assert_eq!(
        page.body.matches("<blockquote>").count(),
        25,
        "a page of 25 records"
    );
    // The next page follows on, and together the pages hold every record of the theme.
    let mut seen = 25;
    let mut next = page.body.clone();
    while let Some(link) = next
        .split("<a href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.contains("after="))
        .map(|href| href.replace("&amp;", "&").replace("&#x2f;", "/"))
    {
        next = send(&app, get(&link, Some(&session))).await.body;
        seen += next.matches("<blockquote>").count();
    }
    assert_eq!(seen, records.len());
    // Filters narrow the records; a bad one is said beside the form.
    let word = "still";
    let narrowed = send(
        &app,
        get(
            &format!("/themes/{hostile}?q={word}&nps_max=6"),
            Some(&session),
        ),
    )
    .await;
    let expected = records
        .iter()
        .filter(|r| {
            r.comment
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains(word)
                && r.nps.is_some_and(|n| n <= 6)
        })
        .count();
    assert_eq!(
        narrowed.body.matches("<blockquote>").count(),
        expected.min(25)
    );
    let bad = send(
        &app,
        get(&format!("/themes/{hostile}?nps_min=eleven"), Some(&session)),
    )
    .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("nps_min must be 0 to 10"), "{}", bad.body);
    assert!(
        page.body.contains("action=\"/themes/"),
        "an admin may rename"
    );
    let path = format!("/themes/{hostile}/rename");
    let forged = send(
        &app,
        post_form(
            &path,
            Some(&session),
            &[("csrf_token", "x"), ("label", "y")],
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let csrf_here = form_token(&page.body);
    let renamed = send(
        &app,
        post_form(
            &path,
            Some(&session),
            &[
                ("csrf_token", &csrf_here),
                ("label", "Stock promised, not there"),
            ],
        ),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert!(
        send(&app, get("/", Some(&session)))
            .await
            .body
            .contains("Stock promised, not there")
    );
    assert_eq!(
        send(&app, get("/themes/99999", Some(&session)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The journey map: stages left to right, a department × stage grid, cells that open the
    // comments behind them.
    let map = send(&app, get("/journey", Some(&session))).await;
    assert_eq!(map.status, StatusCode::OK, "{}", map.body);
    let order: Vec<usize> = [
        "Discover",
        "Choose and buy",
        "Wait for my order",
        "Stay or leave",
    ]
    .iter()
    .map(|name| {
        map.body
            .find(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "stages in journey order"
    );
    assert!(map.body.contains("★ "), "moments of truth are marked");
    assert!(
        map.body
            .contains("href=\"/journey/pay?department=billing\"")
    );
    assert!(map.body.contains("class=\"heat-"));
    let cell = send(&app, get("/journey/pay?department=billing", Some(&session))).await;
    assert_eq!(cell.status, StatusCode::OK);
    assert!(
        cell.body.contains("Billing is owner on this stage"),
        "{}",
        cell.body
    );
    assert!(cell.body.matches("<blockquote>").count() > 5);
    assert!(cell.body.contains("sentiment -"), "only negative comments");
    assert!(!cell.body.contains("sentiment +"));
    assert_eq!(
        send(&app, get("/journey/nowhere", Some(&session)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            &app,
            get("/journey/discover?department=billing", Some(&session))
        )
        .await
        .status,
        StatusCode::NOT_FOUND,
        "billing takes no part in discovery"
    );

    // A department's page: scorecard, touchpoints, themes, tasks, shared measures, KPIs.
    let billing = send(&app, get("/departments/billing", Some(&session))).await;
    assert_eq!(billing.status, StatusCode::OK, "{}", billing.body);
    for expected in [
        "Scorecard",
        "Refunds (Pay and manage my account)",
        "owner",
        "Across the experience",
        "Refund cycle time",
    ] {
        assert!(
            billing.body.contains(expected),
            "{expected} missing: {}",
            billing.body
        );
    }
    assert!(map.body.contains("href=\"/departments/billing\""));
    assert_eq!(
        send(&app, get("/departments/legal", Some(&session)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The administration page: users, the audit log, the import history — admins only.
    let admin_page = send(&app, get("/admin", Some(&session))).await;
    assert_eq!(admin_page.status, StatusCode::OK, "{}", admin_page.body);
    assert!(admin_page.body.contains("amara@northwind.example"));
    assert!(admin_page.body.contains("token.revoke"));
    assert!(
        admin_page.body.contains("feedback.csv"),
        "the import history"
    );
    assert!(overview.body.contains("href=\"/admin\""));
    accounts::add_user(
        &store,
        NewAccount {
            email: "vera@northwind.example".into(),
            name: "Vera".into(),
            role: "viewer".into(),
            department: None,
            password: PASSWORD.into(),
        },
        "test",
    )
    .await
    .unwrap();
    let viewer = sign_in(&app, "vera@northwind.example", PASSWORD)
        .await
        .unwrap();
    let refused = send(&app, get("/admin", Some(&viewer))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let theme_page = send(&app, get(&format!("/themes/{hostile}"), Some(&viewer))).await;
    assert!(
        !theme_page.body.contains("/rename"),
        "a viewer sees no rename form"
    );
    assert!(
        !send(&app, get("/", Some(&viewer)))
            .await
            .body
            .contains("href=\"/admin\"")
    );

    // Signing out needs the session's CSRF token, and ends the session everywhere.
    let refused = send(
        &app,
        post_form("/logout", Some(&session), &[("csrf_token", "nope")]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let csrf = form_token(&overview.body);
    let out = send(
        &app,
        post_form("/logout", Some(&session), &[("csrf_token", &csrf)]),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        send(&app, get("/", Some(&session))).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&app, get("/api/v1/top-ten", Some(&session)))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

/// A person changes their own password: the current one first, the new one twice; their other
/// sessions end; the old password no longer signs in; the audit log says so without any secret.
async fn people_change_their_password(db: &TestDatabase) {
    let store = db.store().await;
    token_for(&store, "paul@northwind.example", "viewer", None).await;
    let app = router(AppState::new(store.clone()));
    let here = sign_in(&app, "paul@northwind.example", PASSWORD)
        .await
        .unwrap();
    let elsewhere = sign_in(&app, "paul@northwind.example", PASSWORD)
        .await
        .unwrap();
    let page = send(&app, get("/account", Some(&here))).await;
    let csrf = form_token(&page.body);
    let new = "a brand new passphrase";
    let change = |current: &'static str, new: &'static str, repeated: &'static str| {
        let csrf = csrf.clone();
        let app = app.clone();
        let here = here.clone();
        async move {
            send(
                &app,
                post_form(
                    "/account/password",
                    Some(&here),
                    &[
                        ("csrf_token", &csrf),
                        ("current", current),
                        ("new", new),
                        ("repeated", repeated),
                    ],
                ),
            )
            .await
        }
    };
    for (current, typed, repeated, why) in [
        ("not my password", new, new, "the current password is wrong"),
        (PASSWORD, "short", "short", "at least 10 characters"),
        (PASSWORD, new, "a brand new passphrasE", "differ"),
        (PASSWORD, PASSWORD, PASSWORD, "is the current one"),
    ] {
        let refused = change(current, typed, repeated).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(refused.body.contains(why), "{why}: {}", refused.body);
    }
    let changed = change(PASSWORD, new, new).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(
        changed.headers[header::LOCATION],
        "/account?password=changed"
    );
    let page = send(&app, get("/account?password=changed", Some(&here))).await;
    assert!(page.body.contains("Your password was changed"));
    assert!(
        page.body
            .contains("<title>Your account · Throughline</title>")
    );
    assert_eq!(page.body.matches("action=\"/account/password\"").count(), 1);
    let other = send(&app, get("/", Some(&elsewhere))).await;
    assert_eq!(
        other.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert!(
        sign_in(&app, "paul@northwind.example", PASSWORD)
            .await
            .is_err()
    );
    assert!(sign_in(&app, "paul@northwind.example", new).await.is_ok());
    let log = store.audit_log(10).await.unwrap();
    let entry = log.iter().find(|e| e.action == "user.password").unwrap();
    assert_eq!(entry.actor, "paul@northwind.example");
    let text = serde_json::to_string(entry).unwrap();
    assert!(!text.contains("argon2") && !text.contains(new));
}

async fn repeated_wrong_passwords_are_slowed_down(db: &TestDatabase) {
    let store = workspace(db).await;
    let app = router(AppState::new(store));
    for _ in 0..accounts::MAX_FAILED_LOGINS {
        let wrong = sign_in(&app, "amara@northwind.example", "guess guess guess")
            .await
            .unwrap_err();
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let locked = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked.body.contains("too many failed sign-ins"),
        "{}",
        locked.body
    );
}

fn api(method: &str, path: &str, token: &str, body: Option<&str>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    match body {
        Some(json) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_owned()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

async fn token_for(store: &Store, email: &str, role: &str, department: Option<&str>) -> String {
    let user = accounts::add_user(
        store,
        NewAccount {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            role: role.into(),
            department: department.map(str::to_owned),
            password: PASSWORD.into(),
        },
        "test",
    )
    .await
    .unwrap();
    accounts::create_token(store, &user, "test")
        .await
        .unwrap()
        .1
}

/// Asserts that `reply`, the answer to `method` on the API path `template` (as the document
/// writes it, `/accounts/{key}`), is what the OpenAPI document says that answer carries.
fn assert_declared(method: &str, template: &str, reply: &Reply) {
    let document = throughline_server::openapi();
    let status = reply.status.as_u16().to_string();
    let schema = &document["paths"][template][method.to_lowercase()]["responses"][&status]["content"]
        ["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {template} declares no {status} JSON"
    );
    if let Err(problem) = schema_check::conforms(&document, schema, &json(reply)) {
        panic!("{method} {template} answers what its schema does not say: {problem}");
    }
}

fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

async fn the_api_reads_and_changes_work_by_role(db: &TestDatabase) {
    let store = workspace(db).await;
    let app = router(AppState::new(store.clone()));
    let admin = {
        let user = store.users().await.unwrap().remove(0);
        accounts::create_token(&store, &user, "admin")
            .await
            .unwrap()
            .1
    };
    let viewer = token_for(&store, "vera@northwind.example", "viewer", None).await;
    let billing = token_for(&store, "bill@northwind.example", "member", Some("billing")).await;

    let departments = json(&send(&app, api("GET", "/api/v1/departments", &viewer, None)).await);
    assert_eq!(departments.as_array().unwrap().len(), 8);
    let journey = json(&send(&app, api("GET", "/api/v1/journey", &viewer, None)).await);
    assert_eq!(journey["stages"].as_array().unwrap().len(), 7);
    assert!(
        journey["stages"][1]["measures"]["records"]
            .as_u64()
            .is_some()
    );

    let proposal = |owner: &str| {
        format!(
            r#"{{"title": "Invoices without errors", "owner": "{owner}", "metric": "disputes/week",
                "baseline": 40, "target": 10, "due": "2027-06-30", "stages": ["pay"]}}"#
        )
    };
    let refused = send(
        &app,
        api(
            "POST",
            "/api/v1/initiatives",
            &viewer,
            Some(&proposal("department:billing")),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(json(&refused)["error"]["code"], "forbidden");
    let refused = send(
        &app,
        api(
            "POST",
            "/api/v1/initiatives",
            &billing,
            Some(&proposal("council:cx-council")),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let created = send(
        &app,
        api(
            "POST",
            "/api/v1/initiatives",
            &billing,
            Some(&proposal("department:billing")),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = json(&created)["id"].as_i64().unwrap();

    let malformed = send(
        &app,
        api("POST", "/api/v1/initiatives", &admin, Some("{\"title\": ")),
    )
    .await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&malformed)["error"]["code"], "invalid");
    let missing = send(
        &app,
        api(
            "POST",
            "/api/v1/initiatives",
            &admin,
            Some(r#"{"title": "x"}"#),
        ),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(&missing)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("owner"),
        "{}",
        missing.body
    );
    let bad_id = send(&app, api("GET", "/api/v1/initiatives/abc", &admin, None)).await;
    assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    let none = send(&app, api("GET", "/api/v1/initiatives/999", &admin, None)).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    // Approval is the strategic council's; the workflow refuses skipped steps.
    let status = |s: &str| format!(r#"{{"status": "{s}", "resources_granted": "an analyst"}}"#);
    let path = format!("/api/v1/initiatives/{id}/status");
    assert_eq!(
        send(
            &app,
            api("POST", &path, &billing, Some(&status("approved")))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let skipped = send(&app, api("POST", &path, &admin, Some(&status("done")))).await;
    assert_eq!(skipped.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        skipped
            .body
            .contains("can only become approved or rejected"),
        "{}",
        skipped.body
    );
    let approved = json(&send(&app, api("POST", &path, &admin, Some(&status("approved")))).await);
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decision"]["by"], "Amara Nwosu");
    assert_eq!(approved["decision"]["resources_granted"], "an analyst");
    let started = send(&app, api("POST", &path, &billing, Some(&status("active")))).await;
    assert_eq!(
        started.status,
        StatusCode::OK,
        "the owner starts its own initiative"
    );

    // Tasks: a member adds and completes its own department's, not another's.
    let task = |department: &str, due: &str| {
        format!(
            r#"{{"initiative": {id}, "title": "Check invoices", "owner_name": "Bill",
                "department": "{department}", "due": "{due}"}}"#
        )
    };
    assert_eq!(
        send(
            &app,
            api(
                "POST",
                "/api/v1/tasks",
                &billing,
                Some(&task("it", "2026-12-01"))
            )
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    for due in ["2026-12-01", "2026-12-08", "2026-12-15"] {
        let added = send(
            &app,
            api(
                "POST",
                "/api/v1/tasks",
                &billing,
                Some(&task("billing", due)),
            ),
        )
        .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    }
    let first = json(&send(&app, api("GET", "/api/v1/tasks?limit=2", &viewer, None)).await);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"].as_i64().unwrap();
    let second = json(
        &send(
            &app,
            api(
                "GET",
                &format!("/api/v1/tasks?limit=2&after={next}"),
                &viewer,
                None,
            ),
        )
        .await,
    );
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next"].is_null());
    let task_id = first["items"][0]["id"].as_i64().unwrap();
    let done = json(
        &send(
            &app,
            api(
                "POST",
                &format!("/api/v1/tasks/{task_id}/done"),
                &billing,
                Some(r#"{"on": "2026-11-30"}"#),
            ),
        )
        .await,
    );
    assert_eq!(done["status"], "done");
    let detail = json(
        &send(
            &app,
            api("GET", &format!("/api/v1/initiatives/{id}"), &viewer, None),
        )
        .await,
    );
    assert_eq!(detail["completion"]["planned"], 3);
    assert_eq!(detail["completion"]["done"], 1);
    assert_eq!(
        send(&app, api("GET", "/api/v1/tasks?limit=0", &viewer, None))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Every change is in the audit log, with who and before/after.
    let log = store.audit_log(50).await.unwrap();
    let approval = log
        .iter()
        .find(|e| e.action == "initiative.approved")
        .unwrap();
    assert_eq!(approval.actor, "amara@northwind.example");
    assert_eq!(approval.before.as_ref().unwrap()["status"], "proposed");
    assert_eq!(approval.after.as_ref().unwrap()["status"], "approved");
    assert!(
        log.iter()
            .any(|e| e.action == "task.done" && e.actor == "bill@northwind.example")
    );
}

backend_tests!(
    people_sign_in_and_see_the_overview_safely,
    repeated_wrong_passwords_are_slowed_down,
    people_change_their_password,
    the_api_reads_and_changes_work_by_role,
    feedback_goes_in_and_is_found,
    themes_are_edited_in_the_explorer,
    the_council_meets_on_the_web,
    the_culture_is_assessed_on_the_web,
    digests_are_previewed_and_declined,
    people_choose_the_digests_sent_to_them,
    moments_of_truth_are_measured_and_adopted_on_the_web,
    views_are_computed_ahead_of_visitors,
    chains_are_drawn_on_their_page,
    initiatives_show_whether_they_worked,
    the_journey_is_edited_proposed_and_reviewed_on_the_web,
    the_story_wall_shows_stories_and_links_show_nothing_else,
    no_personal_data_reaches_the_wall,
    prevention_is_recognised_above_fire_fighting,
    key_accounts_are_reviewed_weekly_on_the_web,
    hostile_requests_get_clear_answers_on_both_backends,
    a_guesser_locks_out_only_the_guesser,
    administrators_manage_accounts,
    tokens_expire_and_may_be_read_only,
    operators_scrape_metrics_and_readiness,
    the_import_history_is_paged,
    two_instances_share_sessions_changes_and_jobs,
    customers_are_erased_from_the_administration_page,
    retention_is_set_on_the_administration_page,
    digest_subscriptions_are_managed_on_the_administration_page,
    surveys_are_made_on_the_web_and_links_are_rate_limited,
    follow_up_cases_are_worked_on_the_web,
    a_feedback_file_is_imported_in_the_browser,
    a_forgotten_password_is_reset_by_e_mail,
    the_audit_log_is_filtered_and_paged,
    the_overview_compares_a_period_with_the_one_before,
    single_sign_on_signs_people_in_with_their_mapped_role,
);

/// The OpenAPI document is public and lists every endpoint; every endpoint it lists refuses a
/// caller without a session or token.
#[tokio::test]
async fn every_endpoint_is_described_and_guarded() {
    let db = TestDatabase::sqlite().await;
    let app = router(AppState::new(db.store().await));
    let reply = send(&app, get("/api/v1/openapi.json", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = json(&reply);
    assert_eq!(document, throughline_server::openapi());
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for expected in [
        "/feedback",
        "/feedback/batch",
        "/top-ten",
        "/initiatives/{id}/status",
    ] {
        assert!(paths.contains_key(expected), "{expected} is described");
    }
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()));
            assert!(operation["responses"]["401"].is_object());
            let uri = format!("/api/v1{}", path.replace("{id}", "1"));
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let refused = send(&app, request).await;
            assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
            assert_eq!(json(&refused)["error"]["code"], "unauthorized");
            // A body is described by the handler's own type, and its example fits it.
            if let Some(body) = operation.get("requestBody") {
                let content = &body["content"]["application/json"];
                let example = &content["example"];
                assert!(!example.is_null(), "{method} {path} has no example body");
                if let Err(problem) = schema_check::conforms(&document, &content["schema"], example)
                {
                    panic!("{method} {path}'s example does not fit its schema: {problem}");
                }
            }
            // Every success says what it carries: a schema generated from the handler's type
            // (nothing for 204, a string for the HTML pack).
            for (code, answer) in operation["responses"].as_object().unwrap() {
                if !code.starts_with('2') {
                    continue;
                }
                let content = &answer["content"];
                if code == "204" {
                    assert!(content.is_null(), "{method} {path} 204 carries nothing");
                } else if content["text/html"].is_null() {
                    let schema = &content["application/json"]["schema"];
                    assert!(
                        schema.as_object().is_some_and(|s| !s.is_empty()),
                        "{method} {path} {code} has no schema: {answer}"
                    );
                }
            }
        }
    }
    assert!(operations >= 17, "{operations} operations");
    // The pack answers HTML, and says so (issue 28, 11); changes may be asked to retry.
    let pack = &paths["/meetings/{id}/pack"]["get"]["responses"]["200"]["content"];
    assert!(pack["text/html"].is_object(), "{pack}");
    assert!(pack.get("application/json").is_none());
    assert!(paths["/feedback"]["post"]["responses"]["503"].is_object());
    // Bodies are described as they are read, answers as they are written: an account's team
    // may be left out of a body (it defaults to none) but is always in an answer.
    let schemas = &document["components"]["schemas"];
    let required = |name: &str| {
        schemas[name]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        paths["/accounts"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/KeyAccountInput"
    );
    assert!(!required("KeyAccountInput").contains(&"team".into()));
    assert!(required("KeyAccount").contains(&"team".into()));
    assert_eq!(
        paths["/accounts"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/KeyAccount"
    );
    assert!(paths["/feedback"]["get"]["responses"]["503"].is_null());
    let codes = &document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
        ["enum"];
    assert!(
        codes.as_array().unwrap().iter().any(|c| c == "busy"),
        "{codes}"
    );
}

/// Every operation the OpenAPI document lists, as an administrator, as a viewer and with bad
/// input: an administrator is never refused (2xx, or 404/422 for an example that names
/// something absent), a viewer's write never succeeds and leaves no trace in the audit log, a
/// malformed body or page size is a 422 in the error shape.
#[tokio::test]
async fn every_endpoint_answers_each_role_and_bad_input() {
    let db = TestDatabase::sqlite().await;
    let store = workspace(&db).await;
    let app = router(AppState::new(store.clone()));
    let admin = {
        let user = store.users().await.unwrap().remove(0);
        accounts::create_token(&store, &user, "admin")
            .await
            .unwrap()
            .1
    };
    let viewer = token_for(&store, "vera@northwind.example", "viewer", None).await;
    let document = throughline_server::openapi();
    let operations: Vec<(String, String, serde_json::Value)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .map(|(m, op)| (m.to_uppercase(), path.replace("{id}", "1"), op.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    // Viewers first, so that what they try meets the same data an administrator would.
    let audited = store.audit_log(1000).await.unwrap().len();
    for (method, path, op) in &operations {
        let example = op["requestBody"]["content"]["application/json"]["example"].to_string();
        let body = matches!(method.as_str(), "POST" | "PUT").then_some(example.as_str());
        let reply = send(&app, api(method, &format!("/api/v1{path}"), &viewer, body)).await;
        let status = reply.status.as_u16();
        if method == "GET" {
            assert!(
                matches!(status, 200 | 404),
                "viewer {method} {path}: {status} {}",
                reply.body
            );
        } else if path == "/assessments/1/responses" {
            // Everyone answers the questionnaire as themselves; there is no assessment 1 yet.
            assert_eq!(status, 404, "{}", reply.body);
        } else {
            assert!(
                matches!(status, 403 | 404),
                "viewer {method} {path}: {status} {}",
                reply.body
            );
        }
    }
    assert_eq!(
        store.audit_log(1000).await.unwrap().len(),
        audited,
        "refusals change nothing"
    );
    let (mut succeeded, mut checked) = (0, 0);
    for (method, path, op) in &operations {
        let example = op["requestBody"]["content"]["application/json"]["example"].to_string();
        let body = matches!(method.as_str(), "POST" | "PUT").then_some(example.as_str());
        let reply = send(&app, api(method, &format!("/api/v1{path}"), &admin, body)).await;
        let status = reply.status.as_u16();
        assert!(
            (200..300).contains(&status) || matches!(status, 404 | 422),
            "admin {method} {path}: {status} {}",
            reply.body
        );
        succeeded += usize::from((200..300).contains(&status));
        // What it answers is what the document says it answers.
        let declared =
            &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
        if (200..300).contains(&status) && !declared.is_null() {
            let answer: serde_json::Value = serde_json::from_str(&reply.body)
                .unwrap_or_else(|e| panic!("{method} {path} answered no JSON ({e})"));
            if let Err(problem) = schema_check::conforms(&document, declared, &answer) {
                panic!("{method} {path} answers what its schema does not say: {problem}");
            }
            checked += 1;
        }
        // Bad input: a malformed body, or a page size out of range.
        let has_body = op.get("requestBody").is_some();
        let pages = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "limit");
        let bad = if has_body {
            Some(api(
                method,
                &format!("/api/v1{path}"),
                &admin,
                Some("{\"oops\": "),
            ))
        } else if pages {
            Some(api(method, &format!("/api/v1{path}?limit=0"), &admin, None))
        } else {
            None
        };
        if let Some(request) = bad {
            let reply = send(&app, request).await;
            assert_eq!(
                reply.status.as_u16(),
                422,
                "bad input to {method} {path}: {}",
                reply.body
            );
            assert_eq!(json(&reply)["error"]["code"], "invalid");
        }
    }
    assert!(
        succeeded * 3 >= operations.len() * 2,
        "{succeeded} of {} operations succeeded for an administrator",
        operations.len()
    );
    assert!(
        checked * 2 >= succeeded,
        "{checked} of {succeeded} answers checked against their schema"
    );
}
