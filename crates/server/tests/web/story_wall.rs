//! The story wall on the web: stories from the analysed demo data (mostly the Top Ten's
//! problems, some praise), the filters, the handout; a wall link that shows the wall and nothing
//! else, with no account, until it is revoked; no personal data on the wall; and in Chromium the
//! link's wall rotating by itself, refusing every other page and the API, then revoked.

use axum::http::StatusCode;
use throughline_domain::Name;
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_server::{AppState, router};
use throughline_service::changes::Actor;
use throughline_service::wall;
use throughline_store::testing::TestDatabase;

use super::browser::Browser;
use super::{PASSWORD, form_token, get, post_form, send, sign_in, token_for, workspace};

/// Comments that carry someone's e-mail address and telephone number.
const PERSONAL: [&str; 3] = [
    "Write to me at jane.doe@example.com: the installer never came and nobody called to say why",
    "Call me back on +44 7700 900123, the invoice charged me twice for the same sofa delivery",
    "My number is 0049 30 1234567 and I have waited three weeks for a refund that never arrives",
];

pub async fn the_story_wall_shows_stories_and_links_show_nothing_else(db: &TestDatabase) {
    let store = workspace(db).await;
    token_for(&store, "mia@northwind.example", "member", Some("billing")).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let member = sign_in(&app, "mia@northwind.example", PASSWORD)
        .await
        .unwrap();

    // Signed in: the first story of the wall, a refresh to the next, mostly the Top Ten's problems.
    let page = send(&app, get("/wall", Some(&member))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = unescaped(&page.body);
    assert!(
        body.contains("<meta http-equiv=\"refresh\" content=\"20;url=/wall?at=1\">"),
        "{body}"
    );
    // A person at the screen can stop it (WCAG 2.2.1): paused, the story stays until resumed,
    // and the next one is a click away.
    assert!(
        body.contains("<a href=\"/wall?at=0&pause=1\">Pause</a>"),
        "{body}"
    );
    let paused = send(&app, get("/wall?at=0&pause=1", Some(&member))).await;
    let held = unescaped(&paused.body);
    assert!(!held.contains("http-equiv=\"refresh\""), "{held}");
    assert!(held.contains("paused · <a href=\"/wall?at=1&pause=1\">Next story</a> · <a href=\"/wall?at=0\">Resume</a>"), "{held}");
    let wall = wall::stories(
        &store,
        &wall::WallFilter::default(),
        &throughline_domain::action::Date::today(),
    )
    .await
    .unwrap();
    assert!(wall.stories.len() >= 20, "{} stories", wall.stories.len());
    let praise = wall
        .stories
        .iter()
        .filter(|s| s.tone == wall::Tone::Praise)
        .count();
    assert!(
        praise * 3 >= wall.stories.len() / 2 && praise * 3 <= wall.stories.len(),
        "{praise} of {}",
        wall.stories.len()
    );
    assert!(wall.stories.iter().all(|s| s.text.chars().count() >= 30));
    let first = &wall.stories[0];
    assert_eq!(first.tone, wall::Tone::Complaint);
    assert!(body.contains(&first.text), "{body}");
    // A department's wall holds only stories on the stages it takes part in.
    let billing = wall::stories(
        &store,
        &wall::WallFilter {
            department: Some("billing".into()),
            ..wall::WallFilter::default()
        },
        &throughline_domain::action::Date::today(),
    )
    .await
    .unwrap();
    assert_eq!(billing.scope, "Billing's customers");
    let org = store.load_organisation().await.unwrap().unwrap();
    let billing_stages: Vec<String> = org
        .stages_of_department("billing")
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    assert!(!billing.stories.is_empty());
    assert!(billing.stories.iter().all(|s| {
        s.stage
            .as_ref()
            .is_some_and(|st| billing_stages.contains(st))
    }));
    let unknown = send(&app, get("/wall?department=nowhere", Some(&member))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let handout = send(&app, get("/wall/handout?department=billing", Some(&member))).await;
    assert_eq!(handout.status, StatusCode::OK);
    assert_eq!(
        handout
            .body
            .matches("<figure class=\"handout-story")
            .count(),
        5
    );
    assert!(unescaped(&handout.body).contains("Billing's customers"));

    // Links are administrators' work.
    let setup = send(&app, get("/admin", Some(&admin))).await;
    let csrf = form_token(&setup.body);
    let member_page = send(&app, get("/wall/setup", Some(&member))).await;
    let member_csrf = form_token(&member_page.body);
    let refused = send(
        &app,
        post_form(
            "/admin/wall-links",
            Some(&member),
            &[("csrf_token", &member_csrf), ("label", "Mine")],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let made = send(
        &app,
        post_form(
            "/admin/wall-links",
            Some(&admin),
            &[
                ("csrf_token", &csrf),
                ("label", "Billing floor"),
                ("department", "billing"),
                ("stage", ""),
            ],
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let made_body = unescaped(&made.body);
    let path = made_body
        .split("shown this once: <code>")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .expect("the link's address, shown once")
        .to_owned();
    assert!(path.starts_with("/wall/l/wl_"), "{path}");
    let listed = send(&app, get("/admin", Some(&admin))).await;
    assert!(
        !unescaped(&listed.body).contains(&path),
        "the address is shown once only"
    );
    assert!(listed.body.contains("Billing floor"));

    // With no account: the department's wall, nothing about who is signed in, no way further.
    let shown = send(&app, get(&path, None)).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(unescaped(&shown.body).contains("Billing's customers"));
    assert!(
        unescaped(&shown.body).contains(&format!("url={path}?at=1")),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains("Sign out") && !shown.body.contains("/wall/setup"));
    let elsewhere = send(&app, get("/", None)).await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
    let api = send(&app, get("/api/v1/themes", None)).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let guessed = send(&app, get("/wall/l/wl_0000", None)).await;
    assert_eq!(guessed.status, StatusCode::NOT_FOUND);
    assert!(guessed.body.contains("No such link"));

    let id = store.wall_links().await.unwrap()[0].id;
    let revoked = send(
        &app,
        post_form(
            &format!("/admin/wall-links/{id}/revoke"),
            Some(&admin),
            &[("csrf_token", &csrf)],
        ),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let gone = send(&app, get(&path, None)).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.body.contains("This link was revoked"));
    assert!(!gone.body.contains("blockquote"));
    let log = store.audit_log(20).await.unwrap();
    for action in ["wall.link.create", "wall.link.revoke"] {
        assert!(log.iter().any(|e| e.action == action), "{action} audited");
    }
}

/// A page's text with the templates' character references read back.
fn unescaped(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// No personal data reaches the wall: the import redacts it, and the wall shows only what was
/// kept. Before any analysis, the wall shows the newest stories whatever their tone.
pub async fn no_personal_data_reaches_the_wall(db: &TestDatabase) {
    let store = db.example_workspace().await;
    let path = db.dir.path().join("personal.csv");
    let mut csv = String::from("id,received_at,customer,stage,nps,comment\n");
    for (i, comment) in PERSONAL.iter().enumerate() {
        csv.push_str(&format!(
            "p{i},2026-11-2{i}T09:00:00Z,cust-{i}@example.org,receive,2,\"{comment}\"\n"
        ));
    }
    std::fs::write(&path, csv).unwrap();
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
    let (_, secret) = wall::create_link(
        &store,
        Actor::CommandLine { os_user: "ops" },
        "Lobby",
        None,
        None,
    )
    .await
    .unwrap();
    let app = router(AppState::new(store.clone()));
    let mut seen = String::new();
    for at in 0..PERSONAL.len() {
        let page = send(
            &app,
            get(&format!("{}?at={at}", wall::link_path(&secret)), None),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        seen.push_str(&unescaped(&page.body));
    }
    for personal in [
        "jane.doe@example.com",
        "7700 900123",
        "1234567",
        "cust-0@example.org",
    ] {
        assert!(!seen.contains(personal), "{personal} is on the wall");
    }
    assert!(
        seen.contains("[email]") && seen.contains("[phone]"),
        "{seen}"
    );
    assert!(seen.contains("the installer never came"));
}

/// The story in Chromium: a wall link opened with no session shows rotating stories
/// and nothing else; revoked, it says so.
#[test]
fn a_wall_link_shows_the_wall_and_nothing_else_in_a_real_browser() {
    let Some(browser) =
        Browser::start("a_wall_link_shows_the_wall_and_nothing_else_in_a_real_browser")
    else {
        return;
    };
    let runtime = super::browser::runtime();
    let db = runtime.block_on(TestDatabase::sqlite());
    let (store, secret) = runtime.block_on(async {
        let store = workspace(&db).await;
        let (_, secret) = wall::create_link(
            &store,
            Actor::CommandLine { os_user: "ops" },
            "Break room",
            None,
            None,
        )
        .await
        .unwrap();
        (store, secret)
    });
    let base = super::browser::serve(&runtime, store.clone());

    // Five seconds a story: the page moves on by itself, no JavaScript needed.
    let path = wall::link_path(&secret);
    browser.goto(&format!("{base}{path}?seconds=5"));
    let first = browser.text(".wall-text");
    assert!(first.chars().count() >= 30, "{first}");
    assert!(browser.text(".wall-footer").contains("1 of "));
    browser.screenshot("story-wall");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let footer = browser.text(".wall-footer");
        if footer.contains("2 of ") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the wall did not move on: {footer}"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert_ne!(browser.text(".wall-text"), first);
    assert_eq!(
        browser.script("return document.cookie"),
        "",
        "the wall sets no cookie"
    );

    // Nothing else opens: pages send to the sign-in, the API refuses.
    browser.goto(&format!("{base}/themes"));
    assert!(
        browser.current_url().ends_with("/login?next=%2Fthemes"),
        "{}",
        browser.current_url()
    );
    browser.goto(&format!("{base}/api/v1/themes"));
    assert!(browser.text("body").contains("unauthorized"));

    // Revoked: a clear page, and no story.
    runtime.block_on(async {
        let id = store.wall_links().await.unwrap()[0].id;
        wall::revoke_link(&store, Actor::CommandLine { os_user: "ops" }, id)
            .await
            .unwrap();
    });
    browser.goto(&format!("{base}{path}"));
    assert_eq!(browser.text("h1"), "This link was revoked");
    assert_eq!(browser.count(".wall-text"), 0);
    browser.screenshot("story-wall-revoked");
}
