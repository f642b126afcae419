//! Key accounts on the web and through the API: the example accounts file applied, an account's
//! page with its sponsor, team, goals and its customers' feedback; a weekly review recorded by a
//! member of the account team through the page and by the CX lead through the API; refused to
//! a member of another department and to a viewer; a bad goal status refused with the reason.

use axum::http::StatusCode;
use throughline_server::{AppState, router};
use throughline_service::changes::Actor;
use throughline_service::key_accounts;
use throughline_store::testing::TestDatabase;

use super::{
    EXAMPLES, PASSWORD, api, form_token, get, json, post_form, send, sign_in, token_for, workspace,
};

pub async fn key_accounts_are_reviewed_weekly_on_the_web(db: &TestDatabase) {
    let store = workspace(db).await;
    let file =
        std::fs::read_to_string(std::path::Path::new(EXAMPLES).join("accounts.toml")).unwrap();
    let applied = key_accounts::apply(&store, Actor::CommandLine { os_user: "ops" }, &file)
        .await
        .unwrap();
    assert_eq!((applied.added, applied.changed, applied.removed), (2, 0, 0));
    let again = key_accounts::apply(&store, Actor::CommandLine { os_user: "ops" }, &file)
        .await
        .unwrap();
    assert_eq!((again.added, again.changed, again.removed), (0, 0, 0));
    token_for(&store, "aisha@northwind.example", "member", Some("sales")).await;
    token_for(&store, "ivan@northwind.example", "member", Some("it")).await;
    let chair_token = token_for(&store, "chloe@northwind.example", "council_chair", None).await;
    let app = router(AppState::new(store.clone()));
    let sales = sign_in(&app, "aisha@northwind.example", PASSWORD)
        .await
        .unwrap();
    let it = sign_in(&app, "ivan@northwind.example", PASSWORD)
        .await
        .unwrap();

    // The list and the account's page: sponsor, team, goals, what its customers said.
    let list = send(&app, get("/accounts", Some(&sales))).await;
    assert!(list.body.contains("Harbour Hotels Group") && list.body.contains("Victor Hale"));
    let page = send(&app, get("/accounts/harbour-hotels", Some(&sales))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let view = key_accounts::show(&store, "harbour-hotels").await.unwrap();
    let customers = store
        .find_feedback(
            &throughline_store::FeedbackFilter {
                customers: Some(vec!["C-10000".into(), "C-10003".into()]),
                ..Default::default()
            },
            None,
            100_000,
        )
        .await
        .unwrap();
    assert!(!customers.is_empty());
    assert_eq!(view.records, customers.len());
    assert!(
        page.body
            .contains(&format!("{} feedback records", customers.len()))
    );
    assert!(
        page.body
            .contains("Renewal of the 3-year furnishing contract signed by March")
    );
    assert!(page.body.contains("Aisha Khan"));
    // The moments of truth its customers reached: those the journey's moment page lists for
    // the account's customers ("Third contact in a month", found in their feedback).
    let third_contact = throughline_service::moments::customers(&store, 3)
        .await
        .unwrap();
    let expected: Vec<(String, String)> = third_contact
        .customers
        .iter()
        .filter(|c| ["C-10000", "C-10003"].contains(&c.customer.as_str()))
        .map(|c| (c.customer.clone(), c.reached_on.as_str().to_owned()))
        .collect();
    assert!(
        !expected.is_empty(),
        "the account's frequent customers reach it"
    );
    let mut found: Vec<(String, String)> = view
        .moments
        .iter()
        .filter(|m| m.rank == 3)
        .map(|m| (m.customer.clone(), m.reached_on.as_str().to_owned()))
        .collect();
    found.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(found, expected);
    let moments = page.body.split("id=\"moments\"").nth(1).unwrap();
    let (customer, day) = &expected[0];
    assert!(
        moments.contains(&format!(
            "<td>{day}</td><td>{customer}</td><td><a href=\"/moments/3\">Third contact in a month about the same problem</a></td>"
        )),
        "{moments}"
    );

    // A member of the account team records the week's review on the page.
    let csrf = form_token(&page.body);
    let review = |cookie: &str, status: &'static str| {
        let csrf = csrf.clone();
        let app = app.clone();
        let cookie = cookie.to_owned();
        async move {
            send(
                &app,
                post_form(
                    "/accounts/harbour-hotels",
                    Some(&cookie),
                    &[
                        ("csrf_token", &csrf),
                        ("on", "2026-12-04"),
                        ("notes", "Renewal draft sent; two installation issues open"),
                        ("goal_1", "No installation rebooked twice"),
                        ("status_1", status),
                        ("action_title", "Call the facilities manager"),
                        ("action_owner", "Aisha Khan"),
                        ("action_due", "2026-12-11"),
                    ],
                ),
            )
            .await
        }
    };
    let bad = review(&sales, "fine").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("say on track, at risk, off track, done"),
        "{}",
        bad.body
    );
    let it_csrf = form_token(
        &send(&app, get("/accounts/harbour-hotels", Some(&it)))
            .await
            .body,
    );
    let refused = send(
        &app,
        post_form(
            "/accounts/harbour-hotels",
            Some(&it),
            &[("csrf_token", &it_csrf), ("notes", "Not my account")],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let recorded = review(&sales, "at risk").await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let page = send(&app, get("/accounts/harbour-hotels", Some(&sales))).await;
    assert!(
        page.body
            .contains("Renewal draft sent; two installation issues open")
    );
    assert!(
        page.body
            .contains("No installation rebooked twice — <strong>at risk</strong>")
    );
    assert!(
        page.body
            .contains("Call the facilities manager (Aisha Khan, due 2026-12-11)")
    );

    // The CX lead through the API; the account as JSON with both reviews, latest first.
    let body = r#"{"on": "2026-12-11", "notes": "Renewal agreed in principle", "goals": {"Renewal of the 3-year furnishing contract signed by March": "on track"}}"#;
    let made = send(
        &app,
        api(
            "POST",
            "/api/v1/accounts/harbour-hotels/reviews",
            &chair_token,
            Some(body),
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let shown = json(
        &send(
            &app,
            api("GET", "/api/v1/accounts/harbour-hotels", &chair_token, None),
        )
        .await,
    );
    let reviews = shown["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[0]["held_on"], "2026-12-11");
    assert_eq!(shown["goals"][0]["status"], "on track");
    assert_eq!(shown["goals"][1]["status"], "at risk");
    let log = store.audit_log(20).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "account.review").count(),
        2
    );
}
