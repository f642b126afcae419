//! Key accounts on the web and through the API: the example accounts file applied, an account's
//! page with its sponsor, team, goals and its customers' feedback; a weekly review recorded by a
//! member of the account team through the page and by the CX lead through the API; refused to
//! a member of another department and to a viewer; a bad goal status refused with the reason;
//! accounts added, changed and removed by a council chair on the page and through the API, a
//! bad account refused with the reason and nothing changed, each change audited once.

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
    let shown_reply = send(
        &app,
        api("GET", "/api/v1/accounts/harbour-hotels", &chair_token, None),
    )
    .await;
    let shown = json(&shown_reply);
    super::assert_declared("GET", "/accounts/{key}", &shown_reply);
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

    accounts_are_edited(&app, &store, &chair_token, &sales, &it).await;
}

/// A council chair edits the accounts on the page and through the API; a member cannot.
async fn accounts_are_edited(
    app: &axum::Router,
    store: &throughline_store::Store,
    chair_token: &str,
    sales: &str,
    it: &str,
) {
    let chair = sign_in(app, "chloe@northwind.example", PASSWORD)
        .await
        .unwrap();
    let page = send(app, get("/accounts/harbour-hotels", Some(&chair))).await;
    assert!(
        page.body
            .contains("<a href=\"/accounts/harbour-hotels/edit\">Edit the account</a>")
    );
    let member_page = send(app, get("/accounts/harbour-hotels", Some(sales))).await;
    assert!(!member_page.body.contains("Edit the account"));
    let edit = send(app, get("/accounts/harbour-hotels/edit", Some(&chair))).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    // The form holds the account as stored, e-mail addresses included.
    assert!(
        edit.body
            .contains("Aisha Khan; sales; Account lead; aisha.khan@northwind.example"),
        "{}",
        edit.body
    );
    assert!(edit.body.contains("victor.hale@northwind.example"));
    let csrf = form_token(&edit.body);
    let before = key_accounts::show(store, "harbour-hotels").await.unwrap();
    let team = format!(
        "{}\nIvan Petrov; it; Systems",
        before
            .account
            .team
            .iter()
            .map(|m| format!(
                "{}; {}; {}; {}",
                m.name,
                m.department.as_deref().unwrap_or(""),
                m.title.as_deref().unwrap_or(""),
                m.email.as_deref().unwrap_or("")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let goals = format!(
        "{}\nQuarterly business review held",
        before.account.goals.join("\n")
    );
    let fields = |team: String| {
        vec![
            ("csrf_token".to_owned(), csrf.clone()),
            ("name".to_owned(), "Harbour Hotels Group".to_owned()),
            ("customers".to_owned(), "C-10000\nC-10003".to_owned()),
            ("sponsor_name".to_owned(), "Victor Hale".to_owned()),
            (
                "sponsor_title".to_owned(),
                "Chief Financial Officer".to_owned(),
            ),
            (
                "sponsor_email".to_owned(),
                "victor.hale@northwind.example".to_owned(),
            ),
            ("team".to_owned(), team),
            ("goals".to_owned(), goals.clone()),
        ]
    };
    let post = |path: &'static str, cookie: String, fields: Vec<(String, String)>| {
        let app = app.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            send(&app, post_form(path, Some(&cookie), &pairs)).await
        }
    };
    let audited = store.audit_log(1000).await.unwrap().len();
    // A team member in a department the organisation does not have: refused with the reason,
    // the form shown again as sent, nothing changed and nothing audited.
    let bad = post(
        "/accounts/harbour-hotels/edit",
        chair.clone(),
        fields(format!("{team}\nNobody; nowhere")),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains(
            "team[5] (Nobody) belongs to &quot;nowhere&quot;, which is no department of the \
             organisation"
        ),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Nobody; nowhere"));
    assert_eq!(
        key_accounts::show(store, "harbour-hotels")
            .await
            .unwrap()
            .account,
        before.account
    );
    assert_eq!(store.audit_log(1000).await.unwrap().len(), audited);
    // A member may not edit accounts.
    let sales_csrf = form_token(&member_page.body);
    let mut refused_fields = fields(team.clone());
    refused_fields[0].1 = sales_csrf;
    let refused = post(
        "/accounts/harbour-hotels/edit",
        sales.to_owned(),
        refused_fields,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The IT member joins the team and a goal is added: saved, and IT may now review it.
    let saved = post("/accounts/harbour-hotels/edit", chair.clone(), fields(team)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = key_accounts::show(store, "harbour-hotels").await.unwrap();
    assert_eq!(after.account.team.len(), before.account.team.len() + 1);
    assert_eq!(after.account.team[0], before.account.team[0]);
    assert_eq!(after.reviews.len(), 2, "the reviews are kept");
    let page = send(app, get("/accounts/harbour-hotels", Some(it))).await;
    assert!(
        page.body
            .contains("Quarterly business review held — <strong>not reviewed yet</strong>"),
        "{}",
        page.body
    );
    let reviewed = post(
        "/accounts/harbour-hotels",
        it.to_owned(),
        vec![
            ("csrf_token".to_owned(), form_token(&page.body)),
            ("notes".to_owned(), "Checked the booking system".to_owned()),
        ],
    )
    .await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{}", reviewed.body);

    // A new account on the list page; its key cannot be taken twice.
    let list = send(app, get("/accounts", Some(&chair))).await;
    assert!(list.body.contains("Add a key account"));
    let new_account = |key: &str| {
        vec![
            ("csrf_token".to_owned(), form_token(&list.body)),
            ("key".to_owned(), key.to_owned()),
            ("name".to_owned(), "Lakeside Clinics".to_owned()),
            ("customers".to_owned(), "C-10004, C-10006".to_owned()),
            ("sponsor_name".to_owned(), "Nadia Berg".to_owned()),
            (
                "sponsor_email".to_owned(),
                "nadia.berg@northwind".to_owned(),
            ),
            ("team".to_owned(), "Omar Haddad; billing".to_owned()),
            ("goals".to_owned(), "Invoices right first time".to_owned()),
        ]
    };
    let bad_address = post("/accounts", chair.clone(), new_account("lakeside-clinics")).await;
    assert_eq!(bad_address.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_address
            .body
            .contains("sponsor (Nadia Berg) has the e-mail address"),
        "{}",
        bad_address.body
    );
    let mut good = new_account("lakeside-clinics");
    good[5].1 = "nadia.berg@northwind.example".to_owned();
    let added = post("/accounts", chair.clone(), good.clone()).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let lakeside = key_accounts::show(store, "lakeside-clinics").await.unwrap();
    assert_eq!(lakeside.account.customers, ["C-10004", "C-10006"]);
    assert_eq!(
        lakeside.account.team[0].department.as_deref(),
        Some("billing")
    );
    let twice = post("/accounts", chair.clone(), good).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body.contains("there is already a key account"));

    // Through the API: changed whole, the key kept; removed; a member refused.
    let mut changed = serde_json::to_value(&lakeside.account).unwrap();
    changed["name"] = "Lakeside Clinics Group".into();
    let put = send(
        app,
        api(
            "PUT",
            "/api/v1/accounts/lakeside-clinics",
            chair_token,
            Some(&changed.to_string()),
        ),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    super::assert_declared("PUT", "/accounts/{key}", &put);
    assert_eq!(json(&put)["name"], "Lakeside Clinics Group");
    let member_token = token_for(store, "mia@northwind.example", "member", Some("billing")).await;
    let member_delete = send(
        app,
        api(
            "DELETE",
            "/api/v1/accounts/lakeside-clinics",
            &member_token,
            None,
        ),
    )
    .await;
    assert_eq!(member_delete.status, StatusCode::FORBIDDEN);
    let deleted = send(
        app,
        api(
            "DELETE",
            "/api/v1/accounts/lakeside-clinics",
            chair_token,
            None,
        ),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = send(
        app,
        api(
            "GET",
            "/api/v1/accounts/lakeside-clinics",
            chair_token,
            None,
        ),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    // On the page: remove the second example account.
    let edit = send(app, get("/accounts/city-student-living/edit", Some(&chair))).await;
    let removed = post(
        "/accounts/city-student-living/remove",
        chair.clone(),
        vec![("csrf_token".to_owned(), form_token(&edit.body))],
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let list = send(app, get("/accounts", Some(&chair))).await;
    assert!(!list.body.contains("City Student Living"));
    assert!(list.body.contains("Harbour Hotels Group"));

    // Each change audited once; the refused ones not at all.
    let log = store.audit_log(1000).await.unwrap();
    let count = |action: &str| log.iter().filter(|e| e.action == action).count();
    assert_eq!(
        (
            count("account.change"),
            count("account.add"),
            count("account.remove")
        ),
        (2, 1, 2)
    );
}
