//! Mapping the journey together on the web: the editor's forms (a refused change shown beside
//! its field, nothing saved), a member's change filed as a proposal, the CX lead accepting it,
//! the map, the history and the API showing it; and the same story in a real browser, ending
//! with the organisation file applied again showing the new touchpoint as a change to undo.

use axum::http::StatusCode;
use throughline_domain::org::{self, ChangeKind};
use throughline_server::{AppState, router};
use throughline_service::changes::{self, Actor};
use throughline_store::testing::TestDatabase;

use super::browser::Browser;
use super::{
    EXAMPLES, PASSWORD, api, form_token, get, json, post_form, send, sign_in, token_for, workspace,
};

fn original_org() -> org::Organisation {
    let text = std::fs::read_to_string(std::path::Path::new(EXAMPLES).join("org.toml")).unwrap();
    org::parse(&text).unwrap().organisation
}

pub async fn the_journey_is_edited_proposed_and_reviewed_on_the_web(db: &TestDatabase) {
    let store = workspace(db).await;
    let member_token = token_for(
        &store,
        "carl@northwind.example",
        "member",
        Some("customer-service"),
    )
    .await;
    let chair_token = token_for(&store, "chloe@northwind.example", "council_chair", None).await;
    let app = router(AppState::new(store.clone()));
    let member = sign_in(&app, "carl@northwind.example", PASSWORD)
        .await
        .unwrap();
    let chair = sign_in(&app, "chloe@northwind.example", PASSWORD)
        .await
        .unwrap();
    let before = store.load_organisation().await.unwrap().unwrap();

    // The member's editor says their changes are proposals.
    let page = send(&app, get("/journey/edit", Some(&member))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Your changes are sent as proposals"));
    assert!(page.body.contains("Propose the touchpoint"));
    let csrf = form_token(&page.body);

    // No owner ticked: refused, the message beside the owners of that form, nothing filed.
    let add = |owners: &[&'static str]| {
        let mut form = vec![
            ("csrf_token", csrf.as_str()),
            ("form", "add-tp-receive"),
            ("anchor", "stage-receive"),
            ("op", "add_touchpoint"),
            ("stage", "receive"),
            ("key", "returns-desk"),
            ("name", "Returns desk"),
            ("channel", "store"),
            ("contributors", "fulfilment"),
            ("reason", "Agreed in the mapping workshop"),
        ];
        form.extend(owners.iter().map(|o| ("owners", *o)));
        form
    };
    let refused = send(&app, post_form("/journey/edit", Some(&member), &add(&[]))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let beside = refused
        .body
        .split("id=\"error-add-tp-receive-owners\">")
        .nth(1)
        .expect("the message beside the owners");
    assert!(
        beside.starts_with("a touchpoint needs an owner"),
        "{beside}"
    );
    assert!(
        refused.body.contains("value=\"Returns desk\""),
        "what was typed stays"
    );
    assert!(store.org_proposals(None).await.unwrap().is_empty());

    let proposed = send(
        &app,
        post_form("/journey/edit", Some(&member), &add(&["customer-service"])),
    )
    .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    assert_eq!(
        proposed
            .headers
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/journey/edit?proposed=1#stage-receive")
    );
    assert_eq!(store.load_organisation().await.unwrap().unwrap(), before);

    // The CX lead sees the change as a diff of the map; a member cannot accept it.
    let review = send(&app, get("/journey/proposals", Some(&chair))).await;
    assert!(
        review
            .body
            .contains("<li class=\"diff-added\">+ touchpoint returns-desk (Returns desk)</li>"),
        "{}",
        review.body
    );
    assert!(review.body.contains("Agreed in the mapping workshop"));
    let refused = send(
        &app,
        post_form(
            "/journey/proposals/1/accept",
            Some(&member),
            &[("csrf_token", &csrf), ("note", "")],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let chair_csrf = form_token(&review.body);
    let accepted = send(
        &app,
        post_form(
            "/journey/proposals/1/accept",
            Some(&chair),
            &[
                ("csrf_token", &chair_csrf),
                ("note", "Returns start at the desk"),
            ],
        ),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);

    // The map, the history and the API show it.
    let map = send(&app, get("/journey", Some(&member))).await;
    assert!(map.body.contains("Returns desk"));
    let history = send(&app, get("/journey/history", Some(&member))).await;
    assert!(
        history.body.contains("carl@northwind.example"),
        "{}",
        history.body
    );
    assert!(history.body.contains("accepted proposal"));
    assert!(
        history
            .body
            .contains("+ touchpoint returns-desk (Returns desk)")
    );
    let file = json(
        &send(
            &app,
            api("GET", "/api/v1/organisation", &member_token, None),
        )
        .await,
    );
    let receive = file["journey"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "receive")
        .unwrap();
    assert!(
        receive["touchpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["key"] == "returns-desk" && t["owners"][0] == "customer-service")
    );
    let versions = json(
        &send(
            &app,
            api("GET", "/api/v1/organisation/versions", &member_token, None),
        )
        .await,
    );
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2);

    // The CX lead's own change is made at once — unless it leaves a touchpoint without owner.
    let editor = send(&app, get("/journey/edit", Some(&chair))).await;
    assert!(editor.body.contains("Your changes are made at once"));
    let no_owner = send(
        &app,
        post_form(
            "/journey/edit",
            Some(&chair),
            &[
                ("csrf_token", &chair_csrf),
                ("form", "tp-delivery-day"),
                ("op", "update_touchpoint"),
                ("touchpoint", "delivery-day"),
                ("name", "Delivery day"),
                ("stage", "receive"),
                ("contributors", "customer-service"),
            ],
        ),
    )
    .await;
    assert_eq!(no_owner.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_owner
            .body
            .contains("id=\"error-tp-delivery-day-owners\">a touchpoint needs an owner")
    );
    let after_accept = store.load_organisation().await.unwrap().unwrap();
    let moved = send(
        &app,
        post_form(
            "/journey/edit",
            Some(&chair),
            &[
                ("csrf_token", &chair_csrf),
                ("form", "move-stay-or-leave"),
                ("op", "move_stage"),
                ("stage", "pay"),
                ("position", "1"),
            ],
        ),
    )
    .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let now = store.load_organisation().await.unwrap().unwrap();
    assert_ne!(now, after_accept);
    assert_eq!(now.journey.stages[0].key.as_str(), "pay");

    // A moment's detection rule, set in its form: a count that is no number is refused beside
    // it; a good rule is saved and read back.
    let moment = now
        .moments_of_truth
        .iter()
        .find(|m| m.rank == 2)
        .unwrap()
        .clone();
    let rule = |count: &'static str| {
        vec![
            ("csrf_token", chair_csrf.clone()),
            ("form", "moment-2".to_owned()),
            ("op", "update_moment".to_owned()),
            ("moment", moment.name.to_string()),
            ("rank", "2".to_owned()),
            ("stage", moment.stage.to_string()),
            ("touchpoint", String::new()),
            ("expectation", moment.expectation.clone()),
            ("event", "contact".to_owned()),
            ("count", count.to_owned()),
            ("within_days", "30".to_owned()),
        ]
    };
    let bad = rule("three");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = send(&app, post_form("/journey/edit", Some(&chair), &bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("id=\"error-moment-2-count\">&quot;three&quot; is not a whole number"),
        "{}",
        refused.body
    );
    let good = rule("3");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = send(&app, post_form("/journey/edit", Some(&chair), &good)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let now = store.load_organisation().await.unwrap().unwrap();
    let ruled = now.moments_of_truth.iter().find(|m| m.rank == 2).unwrap();
    assert_eq!(ruled.name, moment.name);
    assert_eq!(
        ruled.detect.as_ref().map(|d| d.describe()).as_deref(),
        Some("3rd contact within 30 days")
    );

    // Through the API: a member's edit is a proposal (201); a refused one says which field.
    let body = r#"{"edit": {"op": "add_touchpoint", "stage": "use", "key": "live-chat", "name": "Live chat", "owners": []}}"#;
    let refused = send(
        &app,
        api(
            "POST",
            "/api/v1/organisation/edits",
            &member_token,
            Some(body),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&refused)["error"]["problems"][0]["field"], "owners");
    let body = r#"{"edit": {"op": "add_touchpoint", "stage": "use", "key": "live-chat", "name": "Live chat", "owners": ["customer-service"]}, "reason": "Chat is where customers are"}"#;
    let filed = send(
        &app,
        api(
            "POST",
            "/api/v1/organisation/edits",
            &member_token,
            Some(body),
        ),
    )
    .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    let id = json(&filed)["proposal"].as_i64().unwrap();
    let open = json(
        &send(
            &app,
            api(
                "GET",
                "/api/v1/organisation/proposals?status=open",
                &chair_token,
                None,
            ),
        )
        .await,
    );
    assert_eq!(open[0]["changes"]["changes"][0]["key"], "live-chat");
    let declined = send(
        &app,
        api(
            "POST",
            &format!("/api/v1/organisation/proposals/{id}/decline"),
            &chair_token,
            Some(r#"{"note": "Chat comes next quarter"}"#),
        ),
    )
    .await;
    assert_eq!(declined.status, StatusCode::NO_CONTENT, "{}", declined.body);
    assert_eq!(store.load_organisation().await.unwrap().unwrap(), now);
}

/// The issue's story in Chromium: a member proposes a touchpoint for their department, the CX
/// lead accepts it, the map shows it, the exported file holds it, and applying the original file
/// again shows it as a change that would be undone.
#[test]
fn the_journey_is_mapped_together_in_a_real_browser() {
    let Some(browser) = Browser::start("the_journey_is_mapped_together_in_a_real_browser") else {
        return;
    };
    let runtime = super::browser::runtime();
    let db = runtime.block_on(TestDatabase::sqlite());
    let store = runtime.block_on(async {
        let store = workspace(&db).await;
        // The organisation applied as a file, so that the history starts with it.
        changes::apply_organisation(
            &store,
            Actor::CommandLine { os_user: "ops" },
            &{
                let mut org = original_org();
                org.name = throughline_domain::Name::parse("Northwind Home Ltd").unwrap();
                org
            },
            "org.toml",
            false,
        )
        .await
        .unwrap();
        changes::apply_organisation(
            &store,
            Actor::CommandLine { os_user: "ops" },
            &original_org(),
            "org.toml",
            false,
        )
        .await
        .unwrap();
        token_for(
            &store,
            "carl@northwind.example",
            "member",
            Some("customer-service"),
        )
        .await;
        token_for(&store, "chloe@northwind.example", "council_chair", None).await;
        store
    });
    let base = super::browser::serve(&runtime, store.clone());

    let sign_in_as = |email: &str| {
        browser.goto(&format!("{base}/login"));
        browser.fill("input[name=email]", email);
        browser.fill("input[name=password]", PASSWORD);
        browser.submit("form button[type=submit]");
        assert_eq!(browser.current_url(), format!("{base}/"));
    };

    // The member proposes a returns desk for their department, on the Receive stage.
    sign_in_as("carl@northwind.example");
    browser.goto(&format!("{base}/journey"));
    browser.submit("a[href='/journey/edit']");
    browser.click("#add-tp-receive summary");
    let form = "#form-add-tp-receive";
    browser.fill(&format!("{form} input[name=key]"), "returns-desk");
    browser.fill(&format!("{form} input[name=name]"), "Returns desk");
    browser.fill(
        &format!("{form} input[name=reason]"),
        "Agreed in the mapping workshop",
    );
    // Submitted first without an owner: the message is beside the owners.
    browser.submit(&format!("{form} button[type=submit]"));
    assert!(
        browser
            .text("#error-add-tp-receive-owners")
            .contains("a touchpoint needs an owner")
    );
    browser.screenshot("journey-editor-error");
    browser.click(&format!(
        "{form} input[name=owners][value=customer-service]"
    ));
    browser.submit(&format!("{form} button[type=submit]"));
    assert!(
        browser.text("#notice").contains("Proposal 1 sent"),
        "{}",
        browser.current_url()
    );
    browser.submit("form.signout button");

    // The CX lead accepts it.
    sign_in_as("chloe@northwind.example");
    browser.goto(&format!("{base}/journey/proposals"));
    assert!(
        browser
            .text("#proposal-1 ul.diff")
            .contains("+ touchpoint returns-desk (Returns desk)")
    );
    browser.screenshot("journey-proposals");
    browser.fill(
        "#proposal-1 form[action$='/accept'] input[name=note]",
        "Yes",
    );
    browser.submit("#proposal-1 form[action$='/accept'] button");
    assert!(
        browser
            .text("table")
            .contains("accepted by chloe@northwind.example")
    );

    // The map shows it; the history lists both versions with their authors and the diff.
    browser.goto(&format!("{base}/journey"));
    assert!(browser.text("table.journey").contains("Returns desk"));
    browser.goto(&format!("{base}/journey/history"));
    let versions = browser.text("table.versions");
    assert!(versions.contains("cli:ops"), "{versions}");
    assert!(versions.contains("carl@northwind.example"), "{versions}");
    assert!(
        browser
            .text("#changes")
            .contains("+ touchpoint returns-desk (Returns desk)")
    );
    browser.screenshot("journey-history");

    // `export-org` prints the organisation with it; the original file applied again would
    // remove it, and says the interface changed the map since the file was last applied.
    let (exported, dry_run, since) = runtime.block_on(async {
        let exported = store.load_organisation().await.unwrap().unwrap().to_toml();
        let dry_run = changes::apply_organisation(
            &store,
            Actor::CommandLine { os_user: "ops" },
            &original_org(),
            "org.toml",
            true,
        )
        .await
        .unwrap();
        let since = throughline_service::org::changed_since_file(&store)
            .await
            .unwrap();
        (exported, dry_run, since)
    });
    assert!(exported.contains("key = \"returns-desk\""));
    assert_eq!(dry_run.changes.len(), 1, "{:?}", dry_run.changes);
    assert_eq!(dry_run.changes[0].kind, ChangeKind::Removed);
    assert_eq!(dry_run.changes[0].to_string(), "- touchpoint returns-desk");
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].author, "carl@northwind.example");
}
