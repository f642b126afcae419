//! What an attacker probed (issue 28), each reproduced: NUL characters answered with 500 on
//! PostgreSQL, a body-less POST from another site carried out with the victim's cookie, anyone
//! able to lock an administrator out with five wrong passwords, a digest period at the end of
//! the calendar crashing the server, and signed-in pages without `no-store` or HSTS.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use throughline_server::{AppState, router};
use throughline_service::accounts;
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, api, form_token, get, post_form, send, sign_in, token_for};

/// The sign-in form posted from `client` (as a trusted proxy forwards it).
async fn sign_in_from(
    app: &axum::Router,
    client: &str,
    email: &str,
    password: &str,
) -> super::Reply {
    let form = send(app, get("/login", None)).await;
    let csrf = form.cookie_value("throughline_login_csrf").unwrap();
    let mut request = post_form(
        "/login",
        Some(&format!("throughline_login_csrf={csrf}")),
        &[
            ("email", email),
            ("password", password),
            ("csrf_token", &csrf),
        ],
    );
    request
        .headers_mut()
        .insert("x-forwarded-for", client.parse().unwrap());
    send(app, request).await
}

pub async fn hostile_requests_get_clear_answers_on_both_backends(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let admin = token_for(&store, "ada@northwind.example", "admin", None).await;
    let app = router(AppState::new(store.clone()));
    let session = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();

    // NUL characters: in an API body, an API list filter, a page filter and the sign-in form
    // (unauthenticated). PostgreSQL answered 500 to each; now both backends answer 422.
    let body = r#"{"id": "n-1", "nps": 3, "comment": "Late\u0000again", "stage": "pay"}"#;
    let reply = send(&app, api("POST", "/api/v1/feedback", &admin, Some(body))).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("NUL character"), "{}", reply.body);
    let reply = send(
        &app,
        api("GET", "/api/v1/feedback?source=a%00b", &admin, None),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let reply = send(&app, get("/themes?stage=pay%00", Some(&session))).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("NUL character"), "{}", reply.body);
    let form = send(&app, get("/login", None)).await;
    let csrf = form.cookie_value("throughline_login_csrf").unwrap();
    let reply = send(
        &app,
        post_form(
            "/login",
            Some(&format!("throughline_login_csrf={csrf}")),
            &[
                ("email", "amara\0@northwind.example"),
                ("password", PASSWORD),
                ("csrf_token", &csrf),
            ],
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert_eq!(store.feedback_count().await.unwrap(), 0, "nothing stored");
    // A comment that merely mentions the escape is text like any other.
    let fine =
        r#"{"id": "n-2", "nps": 3, "comment": "I typed \\u0000 by mistake", "stage": "pay"}"#;
    let reply = send(&app, api("POST", "/api/v1/feedback", &admin, Some(fine))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    // A change sent from another site with the session cookie and no body (no CORS preflight
    // stops it): refused before it is looked at. From this site it goes through to the handler
    // (no such meeting: 404).
    for path in [
        "/api/v1/meetings/999/close",
        "/api/v1/assessments/999/close",
    ] {
        let forged = Request::post(path)
            .header(header::COOKIE, &session)
            .header(header::HOST, "cx.northwind.example")
            .header(header::ORIGIN, "https://evil.example")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::empty())
            .unwrap();
        let reply = send(&app, forged).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            reply.body
        );
        assert!(reply.body.contains("another site"), "{}", reply.body);
        let own = Request::post(path)
            .header(header::COOKIE, &session)
            .header(header::HOST, "cx.northwind.example")
            .header(header::ORIGIN, "https://cx.northwind.example")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            send(&app, own).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        // A token is never sent by a browser on its own: no origin check for it.
        let mut with_token = api("POST", path, &admin, None);
        with_token
            .headers_mut()
            .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert_eq!(send(&app, with_token).await.status, StatusCode::NOT_FOUND);
    }

    // The end of the calendar: the digest preview crashed the server; now it says why not.
    for period in ["9999-12-31", "9999-12", "9999-W52"] {
        let reply = send(
            &app,
            get(
                &format!("/departments/billing/digest?period={period}"),
                Some(&session),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{period}");
        assert!(reply.body.contains("from 1900 to 9998"), "{}", reply.body);
    }

    // Signed-in pages are never cached; browsers keep to HTTPS; the stylesheet may be cached.
    let page = send(&app, get("/", Some(&session))).await;
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    assert!(
        page.headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let css = send(&app, get("/static/style.css", None)).await;
    assert_eq!(css.headers[header::CACHE_CONTROL], "public, max-age=86400");
}

pub async fn a_guesser_locks_out_only_the_guesser(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let app = router(AppState::new(store));
    let (attacker, owner) = ("203.0.113.66", "198.51.100.10");

    // Five wrong passwords from one client: that client is refused at that address, even with
    // the right password …
    for _ in 0..accounts::MAX_FAILED_LOGINS {
        let wrong = sign_in_from(&app, attacker, "amara@northwind.example", "guess guess").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let locked = sign_in_from(&app, attacker, "amara@northwind.example", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked
            .body
            .contains("too many failed sign-ins for this address")
    );
    // … while the administrator, from their own client, signs in.
    let signed_in = sign_in_from(&app, owner, "amara@northwind.example", PASSWORD).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );

    // Guesses spread over many addresses from one client are refused once they add up.
    let sprayer = "192.0.2.99";
    for n in 0..accounts::MAX_FAILED_LOGINS_PER_CLIENT {
        let wrong = sign_in_from(
            &app,
            sprayer,
            &format!("user{n}@northwind.example"),
            "guess",
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let refused = sign_in_from(&app, sprayer, "someone@northwind.example", "guess").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.body.contains("from this network address"),
        "{}",
        refused.body
    );
    // Everyone else is unaffected.
    let signed_in = sign_in_from(&app, owner, "amara@northwind.example", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
}

/// SQLite has one writer: while a long import holds it, API calls that only read answer at once
/// (a token's last use is no longer written on every call), and a write waits out the busy
/// timeout and is then asked to retry (503 with `Retry-After`) instead of failing with 500.
#[tokio::test]
async fn api_calls_during_a_long_import_read_at_once_and_writes_are_asked_to_retry() {
    let db = TestDatabase::sqlite().await;
    let store = super::organisation_and_admin(&db).await;
    let admin = token_for(&store, "ada@northwind.example", "admin", None).await;
    let app = router(AppState::new(store.clone()));
    let one = r#"{"id": "web-1", "nps": 3, "comment": "Billed twice", "stage": "pay"}"#;
    let read = send(&app, api("GET", "/api/v1/feedback", &admin, None)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);

    let import = store
        .begin_import(throughline_store::ImportStart {
            source: throughline_domain::Name::parse("survey").unwrap(),
            file_name: "big.csv".into(),
            format: "csv".into(),
            mapping: String::new(),
            started_at: throughline_domain::Timestamp::now(),
        })
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let read = send(&app, api("GET", "/api/v1/feedback", &admin, None)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert!(
        started.elapsed().as_secs() < 3,
        "a read does not wait for the import"
    );
    let write = send(&app, api("POST", "/api/v1/feedback", &admin, Some(one))).await;
    assert_eq!(
        write.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        write.body
    );
    assert_eq!(write.headers[header::RETRY_AFTER], "5");
    assert!(write.body.contains("\"busy\""), "{}", write.body);
    assert!(write.body.contains("try again"), "{}", write.body);
    drop(import);
    let write = send(&app, api("POST", "/api/v1/feedback", &admin, Some(one))).await;
    assert_eq!(write.status, StatusCode::CREATED, "{}", write.body);
}

/// An administrator disables, enables, re-roles and resets the password of an account on
/// `/admin` (issue 28, 11: users could not be disabled, have their role changed or their
/// password reset). Disabling ends the person's sessions and stops their tokens at once; a reset
/// password ends every session; nobody can disable or demote themselves; all of it audited
/// without a secret.
pub async fn administrators_manage_accounts(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let (app, admin, bill, bill_token) = admin_and_member(&store).await;
    let page = send(&app, get("/admin", Some(&admin))).await;
    assert!(page.body.contains("Change Amara Nwosu"), "{}", page.body);
    let token = super::form_token(&page.body);
    let bill_id = store
        .all_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.user.email.as_str() == "bill@northwind.example")
        .unwrap()
        .id;
    let amara_id = store.users().await.unwrap()[0].id;
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        post_form(&path, Some(&admin), &form)
    };

    // Disabled: Bill's session and token stop at once; he cannot sign in.
    let reply = send(
        &app,
        post(
            format!("/admin/users/{bill_id}/access"),
            vec![("action", "disable".into())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let page = send(&app, get("/", Some(&bill))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "signed out");
    let api_call = send(&app, api("GET", "/api/v1/feedback", &bill_token, None)).await;
    assert_eq!(api_call.status, StatusCode::UNAUTHORIZED);
    let refused = sign_in(&app, "bill@northwind.example", PASSWORD).await;
    assert_eq!(refused.unwrap_err().status, StatusCode::UNAUTHORIZED);
    let page = send(&app, get("/admin", Some(&admin))).await;
    assert!(page.body.contains("<strong>Disabled</strong>"));

    // Enabled again, made a council chair, then given a new password by the administrator.
    let reply = send(
        &app,
        post(
            format!("/admin/users/{bill_id}/access"),
            vec![("action", "enable".into())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let bill = sign_in(&app, "bill@northwind.example", PASSWORD)
        .await
        .unwrap();
    let reply = send(
        &app,
        post(
            format!("/admin/users/{bill_id}/role"),
            vec![
                ("role", "council_chair".into()),
                ("department", String::new()),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    // A member needs a department: refused with the reason, nothing changed.
    let reply = send(
        &app,
        post(
            format!("/admin/users/{bill_id}/role"),
            vec![("role", "member".into()), ("department", String::new())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("department"), "{}", reply.body);
    let reply = send(
        &app,
        post(
            format!("/admin/users/{bill_id}/password"),
            vec![("password", "aaaaaaaaaaaa".into())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("different characters"),
        "{}",
        reply.body
    );
    let reply = send(
        &app,
        post(
            format!("/admin/users/{bill_id}/password"),
            vec![("password", "a fresh start for bill".into())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        send(&app, get("/", Some(&bill))).await.status,
        StatusCode::SEE_OTHER,
        "a reset password ends the sessions"
    );
    assert!(
        sign_in(&app, "bill@northwind.example", PASSWORD)
            .await
            .is_err()
    );
    let bill = sign_in(&app, "bill@northwind.example", "a fresh start for bill")
        .await
        .unwrap();
    let page = send(&app, get("/", Some(&bill))).await;
    assert!(page.body.contains("bill (council chair)"), "{}", page.body);

    // Nobody disables or demotes themselves; a council chair cannot change accounts.
    let reply = send(
        &app,
        post(
            format!("/admin/users/{amara_id}/role"),
            vec![("role", "viewer".into()), ("department", String::new())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("your own account"), "{}", reply.body);
    let bills_page = send(&app, get("/account", Some(&bill))).await;
    let bills_token = super::form_token(&bills_page.body);
    let reply = send(
        &app,
        post_form(
            &format!("/admin/users/{amara_id}/access"),
            Some(&bill),
            &[("csrf_token", &bills_token), ("action", "disable")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let log = store.audit_log(50).await.unwrap();
    for action in [
        "user.disable",
        "user.enable",
        "user.role",
        "user.password_reset",
    ] {
        assert!(log.iter().any(|e| e.action == action), "{action} audited");
    }
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("a fresh start") && !text.contains("argon2"));
}

/// Tokens with an expiry and a read-only scope (issue 28, 11: tokens never expired and had no
/// scope): made on the account page, a read-only token reads and is refused every change; an
/// expired token opens nothing.
pub async fn tokens_expire_and_may_be_read_only(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let app = router(AppState::new(store.clone()));
    let session = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let page = send(&app, get("/account", Some(&session))).await;
    let csrf = super::form_token(&page.body);
    let made = send(
        &app,
        post_form(
            "/account/tokens",
            Some(&session),
            &[
                ("csrf_token", &csrf),
                ("name", "BI dashboard"),
                ("expires", "30"),
                ("read_only", "on"),
            ],
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let secret = made
        .body
        .split("id=\"new-token\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    assert!(made.body.contains("read only"), "{}", made.body);

    let read = send(&app, api("GET", "/api/v1/feedback", &secret, None)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let one = r#"{"id": "ro-1", "nps": 3, "comment": "Billed twice", "stage": "pay"}"#;
    let write = send(&app, api("POST", "/api/v1/feedback", &secret, Some(one))).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.body);
    assert!(write.body.contains("read-only"), "{}", write.body);
    assert_eq!(store.feedback_count().await.unwrap(), 0);

    // A token whose day has passed opens nothing.
    let admin = store.users().await.unwrap().remove(0);
    let expired_secret = "tl_expired-token-for-the-test";
    store
        .create_api_token(
            admin.id,
            "old export",
            &accounts::secret_hash(expired_secret),
            Some(throughline_domain::Timestamp::from_millis(
                throughline_domain::Timestamp::now().as_millis() - 60_000,
            )),
            false,
        )
        .await
        .unwrap();
    let refused = send(&app, api("GET", "/api/v1/feedback", expired_secret, None)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let page = send(&app, get("/account", Some(&session))).await;
    assert!(page.body.contains("expired "), "{}", page.body);
    // A token made without choosing lasts a year and may write.
    let (_, lasting) = accounts::create_token(&store, &admin, "integration")
        .await
        .unwrap();
    let write = send(&app, api("POST", "/api/v1/feedback", &lasting, Some(one))).await;
    assert_eq!(write.status, StatusCode::CREATED, "{}", write.body);
    let tokens = store.api_tokens(admin.id).await.unwrap();
    let year = tokens
        .iter()
        .find(|t| t.name == "integration")
        .and_then(|t| t.expires_at)
        .unwrap();
    let days = (year.as_millis() - throughline_domain::Timestamp::now().as_millis()) / 86_400_000;
    assert!((364..=365).contains(&days), "{days}");
}

/// An operator's probes (issue 28, 5): `/ready` for the load balancer, `/metrics` for
/// Prometheus — request times by route pattern and status, and what the store holds — scraped
/// with an administrator's token, refused without one.
pub async fn operators_scrape_metrics_and_readiness(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let admin = token_for(&store, "ada@northwind.example", "admin", None).await;
    let viewer = token_for(&store, "vera@northwind.example", "viewer", None).await;
    let app = router(AppState::new(store.clone()));
    let ready = send(&app, get("/ready", None)).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.body.contains("\"ready\""), "{}", ready.body);

    let session = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        send(&app, get("/", Some(&session))).await.status,
        StatusCode::OK
    );
    let one = r#"{"id": "m-1", "nps": 3, "comment": "Billed twice", "stage": "pay"}"#;
    let stored = send(&app, api("POST", "/api/v1/feedback", &admin, Some(one))).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    send(&app, get("/themes/12345", Some(&session))).await;
    // A file import: two rows read, one stored, one rejected (no comment and no score).
    let path = db.dir.path().join("metrics.csv");
    std::fs::write(&path, "comment,nps\nThe parcel was late,4\n,\n").unwrap();
    let file = throughline_ingest::pipeline::import_file(
        &store,
        throughline_ingest::pipeline::ImportRequest {
            path,
            ..Default::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(file.import.totals.rejected, 1, "{file:?}");

    assert_eq!(
        send(&app, get("/metrics", None)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, api("GET", "/metrics", &viewer, None))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let scraped = send(&app, api("GET", "/metrics", &admin, None)).await;
    assert_eq!(scraped.status, StatusCode::OK, "{}", scraped.body);
    assert!(
        scraped.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = &scraped.body;
    for expected in [
        "# TYPE throughline_http_request_duration_seconds histogram",
        "throughline_http_request_duration_seconds_count{method=\"GET\",route=\"/\",status=\"200\"} 1",
        "route=\"/api/v1/feedback\",status=\"201\",le=\"+Inf\"} 1",
        // The route's pattern, not the address: one series for every theme.
        "route=\"/themes/{id}\"",
        "throughline_feedback_records 2",
        "throughline_feedback_records_unanalysed 2",
        "throughline_analysis_last_finished_timestamp_seconds 0",
        // Imports: the file, and the API's call counted in its hour; their rows by outcome.
        "throughline_imports{kind=\"file\"} 1",
        "throughline_imports{kind=\"api\"} 1",
        "throughline_import_rows{outcome=\"imported\"} 2",
        "throughline_import_rows{outcome=\"rejected\"} 1",
        "throughline_import_rows{outcome=\"duplicate\"} 0",
        "# TYPE throughline_import_last_duration_seconds gauge",
        // The job queue's depth and failures.
        "# TYPE throughline_jobs gauge",
        "throughline_jobs{status=\"queued\"} 0",
        "throughline_jobs{status=\"failed\"} 0",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    assert!(!text.contains("/themes/12345"), "{text}");
    let finished: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("throughline_import_last_finished_timestamp_seconds "))
        .and_then(|v| v.parse().ok())
        .expect("the last file import's time");
    assert!(finished > 1.7e9, "{finished}");
}

/// The administration page's import history is paged, and the API's calls are counted in one
/// import per source and hour (issue 28, 11: every API call that stored feedback was an import
/// row, and the page listed them all — 68,267 rows, 8.8 MB).
pub async fn the_import_history_is_paged(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let admin = token_for(&store, "ada@northwind.example", "admin", None).await;
    let app = router(AppState::new(store.clone()));
    // Forty calls from one integration: one import row, the calls' records added up.
    for n in 0..40 {
        let one = format!(r#"{{"id": "c-{n}", "nps": 3, "comment": "Late", "stage": "pay"}}"#);
        let stored = send(&app, api("POST", "/api/v1/feedback", &admin, Some(&one))).await;
        assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
        // Each call answers with its own totals.
        let answer: serde_json::Value = serde_json::from_str(&stored.body).unwrap();
        assert_eq!(answer["imported"], 1, "{answer}");
    }
    let resent = r#"{"id": "c-0", "nps": 3, "comment": "Late", "stage": "pay"}"#;
    send(&app, api("POST", "/api/v1/feedback", &admin, Some(resent))).await;
    let imports = store.imports().await.unwrap();
    assert_eq!(imports.len(), 1, "{imports:?}");
    let hourly = &imports[0].totals;
    assert_eq!(
        (hourly.rows_read, hourly.imported, hourly.duplicates),
        (41, 40, 1)
    );
    // Fifty-four more sources (fifty-five imports in all) page.
    for n in 0..54 {
        let one = format!(r#"{{"id": "p-{n}", "nps": 7, "comment": "Fine", "stage": "pay"}}"#);
        let stored = send(
            &app,
            api(
                "POST",
                &format!("/api/v1/feedback?source=feed-{n}"),
                &admin,
                Some(&one),
            ),
        )
        .await;
        assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    }
    let session = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let page = send(&app, get("/admin", Some(&session))).await;
    assert!(
        page.body.contains("50 of 55 imports, the newest first"),
        "{}",
        page.body
    );
    let older = page
        .body
        .split("href=\"/admin?imports_before=")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .expect("a link to the older imports")
        .to_owned();
    let page = send(
        &app,
        get(&format!("/admin?imports_before={older}"), Some(&session)),
    )
    .await;
    assert!(
        page.body.contains("5 of 55 imports, older ones"),
        "{}",
        page.body
    );
    assert!(page.body.contains("← The newest imports"));
    assert!(!page.body.contains("Older imports →"));
}

/// The web application on `store`, with an administrator (Amara) and a member of billing (Bill,
/// added here) signed in: their session cookies, and Bill's API token.
pub(super) async fn admin_and_member(
    store: &throughline_store::Store,
) -> (axum::Router, String, String, String) {
    let bill_token = token_for(store, "bill@northwind.example", "member", Some("billing")).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let bill = sign_in(&app, "bill@northwind.example", PASSWORD)
        .await
        .unwrap();
    (app, admin, bill, bill_token)
}

/// An administrator erases a customer from the administration page (issue 28): the id typed
/// twice, what was removed said on the page, the customer's records gone from the store and the
/// erasure in the audit log without the id; a mismatched confirmation erases nothing; a member
/// cannot erase.
pub async fn customers_are_erased_from_the_administration_page(db: &TestDatabase) {
    let store = super::workspace(db).await;
    let (app, admin, bill, _) = admin_and_member(&store).await;
    let customer = "C-10000".to_owned();
    let theirs = store
        .find_feedback(
            &throughline_store::FeedbackFilter {
                customers: Some(vec![customer.clone()]),
                ..Default::default()
            },
            None,
            100_000,
        )
        .await
        .unwrap()
        .len();
    assert!(theirs > 0);
    let total = store.feedback_count().await.unwrap();

    let page = send(&app, get("/admin", Some(&admin))).await;
    assert!(page.body.contains("action=\"/admin/customers/erase\""));
    let token = super::form_token(&page.body);
    let erase = |session: &str, confirm: &str| {
        post_form(
            "/admin/customers/erase",
            Some(session),
            &[
                ("csrf_token", token.as_str()),
                ("customer", customer.as_str()),
                ("confirm", confirm),
            ],
        )
    };

    // The id typed differently the second time: nothing is erased, the page says why.
    let refused = send(&app, erase(&admin, "someone-else")).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("nothing was erased"),
        "{}",
        refused.body
    );
    assert_eq!(store.feedback_count().await.unwrap(), total);

    // A member of a department may not erase.
    let bill_page = send(&app, get("/account", Some(&bill))).await;
    let bill_token = super::form_token(&bill_page.body);
    let by_bill = send(
        &app,
        post_form(
            "/admin/customers/erase",
            Some(&bill),
            &[
                ("csrf_token", bill_token.as_str()),
                ("customer", customer.as_str()),
                ("confirm", customer.as_str()),
            ],
        ),
    )
    .await;
    assert_eq!(by_bill.status, StatusCode::FORBIDDEN, "{}", by_bill.body);
    assert_eq!(store.feedback_count().await.unwrap(), total);

    // Confirmed: the records go, the page says how many, the audit log has no id.
    let done = send(&app, erase(&admin, &format!(" {customer} "))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body
            .contains(&format!("Erased: {theirs} feedback records")),
        "{}",
        done.body
    );
    assert_eq!(store.feedback_count().await.unwrap(), total - theirs as u64);
    let log = store.audit_log(5).await.unwrap();
    let entry = log.iter().find(|e| e.action == "customer.erase").unwrap();
    assert_eq!(entry.actor, "amara@northwind.example");
    assert!(!entry.subject.contains(&customer));
    assert!(!done.body.contains(&format!("value=\"{customer}\"")));
}

/// The retention policy is set on the administration page (issue 28): a bad number comes back
/// with the reason, a good one is shown with its mode, an empty one removes it; a member may not
/// set it.
pub async fn retention_is_set_on_the_administration_page(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let (app, admin, bill, _) = admin_and_member(&store).await;
    let page = send(&app, get("/admin", Some(&admin))).await;
    assert!(page.body.contains("No retention policy"), "{}", page.body);
    let token = super::form_token(&page.body);
    let set = |session: &str, token: &str, months: &str, mode: &str| {
        post_form(
            "/admin/retention",
            Some(session),
            &[("csrf_token", token), ("months", months), ("mode", mode)],
        )
    };

    let refused = send(&app, set(&admin, &token, "0", "delete")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("whole number of months"),
        "{}",
        refused.body
    );
    assert!(store.retention_policy().await.unwrap().is_none());

    let done = send(&app, set(&admin, &token, "36", "anonymise")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = send(&app, get("/admin", Some(&admin))).await;
    assert!(
        page.body.contains("<strong>36 months</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<strong>anonymised</strong>"));
    let policy = store.retention_policy().await.unwrap().unwrap();
    assert_eq!(policy.months, 36);
    assert_eq!(policy.set_by, "amara@northwind.example");

    let bill_page = send(&app, get("/account", Some(&bill))).await;
    let bill_token = super::form_token(&bill_page.body);
    let by_bill = send(&app, set(&bill, &bill_token, "1", "delete")).await;
    assert_eq!(by_bill.status, StatusCode::FORBIDDEN, "{}", by_bill.body);
    assert_eq!(store.retention_policy().await.unwrap().unwrap().months, 36);

    let off = send(&app, set(&admin, &token, "", "delete")).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert!(store.retention_policy().await.unwrap().is_none());
}

/// Digest subscriptions are managed on the administration page (issue 26): an e-mail address or
/// a webhook added to a department's digest, a bad address refused with the reason, a
/// subscription removed; a member may not.
pub async fn digest_subscriptions_are_managed_on_the_administration_page(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let (app, admin, bill, _) = admin_and_member(&store).await;
    let page = send(&app, get("/admin", Some(&admin))).await;
    let token = super::form_token(&page.body);
    let subscribe = |session: &str, token: &str, target: &str, slack: &str| {
        post_form(
            "/admin/digests/subscribe",
            Some(session),
            &[
                ("csrf_token", token),
                ("department", "billing"),
                ("target", target),
                ("slack", slack),
            ],
        )
    };

    let refused = send(&app, subscribe(&admin, &token, "not an address", "")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("class=\"error\""), "{}", refused.body);
    assert!(store.subscriptions().await.unwrap().is_empty());

    let added = send(
        &app,
        subscribe(&admin, &token, "billing-team@northwind.example", ""),
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let hook = send(
        &app,
        subscribe(&admin, &token, "https://hooks.example/billing", "on"),
    )
    .await;
    assert_eq!(hook.status, StatusCode::SEE_OTHER, "{}", hook.body);
    let all = store.subscriptions().await.unwrap();
    assert_eq!(all.len(), 2);
    let webhook = all.iter().find(|s| s.channel == "webhook").unwrap();
    assert_eq!(webhook.format, "slack");
    let page = send(&app, get("/admin", Some(&admin))).await;
    assert!(page.body.contains("billing-team@northwind.example"));

    let bill_page = send(&app, get("/account", Some(&bill))).await;
    let bill_token = super::form_token(&bill_page.body);
    let by_bill = send(
        &app,
        subscribe(&bill, &bill_token, "bill@northwind.example", ""),
    )
    .await;
    assert_eq!(by_bill.status, StatusCode::FORBIDDEN);

    let remove = |id: i64| {
        post_form(
            &format!("/admin/digests/{id}/remove"),
            Some(&admin),
            &[("csrf_token", token.as_str())],
        )
    };
    let removed = send(&app, remove(webhook.id)).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(store.subscriptions().await.unwrap().len(), 1);
    let missing = send(&app, remove(999_999)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// Two server instances on one database (issue 28, 3: what held in the probe, kept by a test):
/// a session made on one is good on the other and ends on both when its owner signs out; a
/// change made through one is seen at once through the other; an analysis asked for on one is
/// run by the other's worker and followed on either.
pub async fn two_instances_share_sessions_changes_and_jobs(db: &TestDatabase) {
    let store = super::workspace(db).await;
    let first = router(AppState::new(store.clone()));
    let other_store = db.store().await;
    let second = router(AppState::new(other_store.clone()));
    let admin = sign_in(&first, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let page = send(&second, get("/surveys", Some(&admin))).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the session holds on the other instance"
    );

    // A survey made through the second instance is listed by the first.
    let csrf = form_token(&page.body);
    let made = send(
        &second,
        post_form(
            "/surveys",
            Some(&admin),
            &[
                ("csrf_token", &csrf),
                ("touchpoint", "installation"),
                ("measure", "ces"),
                ("goal_scale", "5"),
            ],
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let listed = send(&first, get("/surveys", Some(&admin))).await;
    assert!(
        listed.body.contains("Installation survey"),
        "{}",
        listed.body
    );

    // An analysis asked for on the first, run by the second's worker, done on both.
    let asked = send(
        &first,
        post_form("/imports/analyse", Some(&admin), &[("csrf_token", &csrf)]),
    )
    .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let job_page = asked.headers[header::LOCATION].to_str().unwrap().to_owned();
    let worker = throughline_service::jobs::Worker::new(other_store.clone(), "second-instance");
    let ran = worker.run_one().await.unwrap().unwrap();
    assert_eq!(ran.status, throughline_store::JobStatus::Done);
    for app in [&first, &second] {
        let done = send(app, get(&job_page, Some(&admin))).await;
        assert!(done.body.contains("<strong>Done</strong>"), "{}", done.body);
    }
    assert!(store.latest_analysis_run().await.unwrap().is_some());

    // Signing out on the first ends the session on the second too.
    let out = send(
        &first,
        post_form("/logout", Some(&admin), &[("csrf_token", &csrf)]),
    )
    .await;
    assert!(out.status.is_redirection(), "{}", out.status);
    let after = send(&second, get("/surveys", Some(&admin))).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(
        after.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    other_store.close().await;
}
