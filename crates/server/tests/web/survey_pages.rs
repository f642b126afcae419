//! Journey surveys on the web (issue 29): a customer answers by their own link on a 390-px
//! phone in a real browser, and the answer is a record on the survey's touchpoint with its
//! helpful and hindering texts; a second answer is refused; surveys are made on the surveys
//! page by administrators (members may not); a link hammered from one address gets 429s and
//! stores no more than the allowed answers, while another address still gets through.

use std::time::Duration;

use throughline_ingest::invitations::InvitationRow;
use throughline_service::changes::Actor;
use throughline_service::surveys::{self, InvitePolicy, SurveyInput};
use throughline_store::testing::TestDatabase;

use super::browser::Browser;
use super::hardening::admin_and_member;
use super::{get, organisation_and_admin, post_form, send};

const OPS: Actor<'static> = Actor::CommandLine { os_user: "ops" };

fn delivery_survey() -> SurveyInput {
    SurveyInput {
        touchpoint: "delivery-day".into(),
        measure: "nps".into(),
        questions: vec!["Did the crew leave your home tidy?".into()],
        ..SurveyInput::default()
    }
}

/// The hidden form token a survey page carries.
fn survey_form_token(page: &str) -> String {
    page.split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the survey page has its form token")
        .to_owned()
}

#[test]
fn a_customer_answers_a_survey_on_a_phone() {
    let Some(browser) = Browser::start("a_customer_answers_a_survey_on_a_phone") else {
        return;
    };
    let runtime = super::browser::runtime();
    let db = runtime.block_on(TestDatabase::sqlite());
    let (store, token) = runtime.block_on(async {
        let store = organisation_and_admin(&db).await;
        let survey = surveys::create(&store, OPS, &delivery_survey())
            .await
            .unwrap();
        let invited = surveys::invite(
            &store,
            OPS,
            Some(survey.id),
            &[InvitationRow {
                line: 2,
                customer: "C-4711".into(),
                email: throughline_domain::Email::parse("dana@example.com").unwrap(),
                touchpoint: None,
                event_date: Some("2026-12-01".into()),
                language: None,
            }],
            InvitePolicy::default(),
        )
        .await
        .unwrap();
        assert_eq!(invited.total_invited(), 1);
        let token = surveys::invitation_token(&store, 1).await.unwrap();
        (store, token)
    });
    let base = super::browser::serve(&runtime, store.clone());

    browser.resize(390, 844);
    browser.goto(&format!("{base}/s/{token}"));
    assert_eq!(browser.text("h1"), "How did Delivery day go?");
    // Nothing is wider than the phone; every field is labelled; the scales are grouped.
    let width = browser.script("return document.documentElement.scrollWidth");
    let viewport = browser.script("return window.innerWidth");
    assert!(
        width.as_i64().unwrap() <= viewport.as_i64().unwrap(),
        "the page scrolls sideways: {width} > {viewport}"
    );
    assert_eq!(
        browser.script(
            "return Array.from(document.querySelectorAll('main textarea')).filter(t => \
             !document.querySelector('label[for=\"' + t.id + '\"]')).length"
        ),
        0,
        "every text field has its label"
    );
    assert_eq!(
        browser.script("return document.querySelectorAll('fieldset > legend').length"),
        2,
        "the goal and NPS scales are groups with their questions as legends"
    );
    assert_eq!(browser.script("return document.documentElement.lang"), "en");
    // WCAG 2.2 A and AA, as axe-core checks them (crates/server/tests/web/axe/SOURCE.txt).
    let violations = browser.accessibility_violations();
    assert!(violations.is_empty(), "the survey form: {violations:#?}");
    let form_token = browser
        .script("return document.querySelector('input[name=form_token]').value")
        .as_str()
        .unwrap()
        .to_owned();

    // Sent without the required answer: the form comes back with the answers kept.
    browser.fill("#hindering", "The crew arrived four hours late");
    std::thread::sleep(Duration::from_millis(2_100));
    browser.submit("button.survey-send");
    assert!(
        browser
            .text(".survey-problems")
            .contains("how well we supported")
    );
    assert_eq!(
        browser.script("return document.querySelector('#hindering').value"),
        "The crew arrived four hours late"
    );
    let violations = browser.accessibility_violations();
    assert!(
        violations.is_empty(),
        "the form with its errors: {violations:#?}"
    );
    browser.click("input[name=goal][value='2']");
    browser.click("input[name=measure][value='4']");
    browser.fill("#helpful", "The driver phoned ahead");
    browser.fill("#q1", "Yes");
    browser.screenshot("survey-phone");
    browser.submit("button.survey-send");
    assert_eq!(browser.text("h1"), "Thank you");
    let violations = browser.accessibility_violations();
    assert!(violations.is_empty(), "the thank-you page: {violations:#?}");
    browser.screenshot("survey-thanks");

    // The answer is a record on the touchpoint, with the customer it was sent to.
    let record = runtime.block_on(async {
        let records = store.feedback_after(0, 10).await.unwrap();
        assert_eq!(records.len(), 1);
        records[0].record.clone()
    });
    assert_eq!(record.touchpoint.as_ref().unwrap().as_str(), "delivery-day");
    assert_eq!(record.stage.as_ref().unwrap().as_str(), "receive");
    assert_eq!(record.customer.as_deref(), Some("C-4711"));
    assert_eq!(
        record.texts.helpful.as_deref(),
        Some("The driver phoned ahead")
    );
    assert_eq!(
        record.texts.hindering.as_deref(),
        Some("The crew arrived four hours late")
    );
    assert_eq!(record.scores.nps.unwrap().value(), 4);
    assert_eq!(record.scores.rating.unwrap().value(), 2.0);

    // The link takes one answer: opened again it says so, and a second submit is refused.
    browser.goto(&format!("{base}/s/{token}"));
    assert_eq!(browser.text("h1"), "You have already answered");
    let app = throughline_server::router(throughline_server::AppState::new(store.clone()));
    let again = runtime.block_on(send(
        &app,
        post_form(
            &format!("/s/{token}"),
            None,
            &[
                ("form_token", &form_token),
                ("goal", "5"),
                ("measure", "10"),
            ],
        ),
    ));
    assert_eq!(again.status, 409);
    assert_eq!(runtime.block_on(store.feedback_count()).unwrap(), 1);
}

/// Surveys made on the surveys page; public links answered and rate-limited.
pub async fn surveys_are_made_on_the_web_and_links_are_rate_limited(db: &TestDatabase) {
    let store = organisation_and_admin(db).await;
    let (app, admin, bill, _) = admin_and_member(&store).await;

    // The page lists surveys and, for an administrator, the form to make one.
    let page = send(&app, get("/surveys", Some(&admin))).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No survey yet"));
    assert!(page.body.contains("<option value=\"delivery-day\""));
    let csrf = super::form_token(&page.body);
    let refused = send(
        &app,
        post_form(
            "/surveys",
            Some(&admin),
            &[
                ("csrf_token", &csrf),
                ("touchpoint", "delivery-day"),
                ("measure", "nps"),
                ("goal_scale", "5"),
                ("questions", "a\nb\nc\nd\ne\nf"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("at most 5"), "{}", refused.body);
    assert!(refused.body.contains("a\nb\nc"), "the questions are kept");
    let made = send(
        &app,
        post_form(
            "/surveys",
            Some(&admin),
            &[
                ("csrf_token", &csrf),
                ("touchpoint", "delivery-day"),
                ("measure", "csat"),
                ("goal_scale", "10"),
                ("questions", "Did the crew leave your home tidy?"),
            ],
        ),
    )
    .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/surveys/1");
    let survey_page = send(&app, get(&location, Some(&admin))).await;
    assert!(
        survey_page.body.contains("Delivery day survey"),
        "{} {}",
        survey_page.status,
        survey_page.body
    );
    assert!(
        survey_page
            .body
            .contains("Did the crew leave your home tidy?")
    );
    assert!(
        survey_page
            .body
            .contains("How satisfied are you with Delivery day?")
    );
    let survey = store.survey(1).await.unwrap().unwrap();
    assert!(
        survey_page
            .body
            .contains(&format!("&#x2f;s&#x2f;{}", survey.public_token)),
        "{}",
        survey_page.body
    );

    // A member reads the list but may not make one.
    let bill_page = send(&app, get("/surveys", Some(&bill))).await;
    assert_eq!(bill_page.status, 200);
    assert!(!bill_page.body.contains("Make the survey"));
    let bill_csrf = super::form_token(&bill_page.body);
    let forbidden = send(
        &app,
        post_form(
            "/surveys",
            Some(&bill),
            &[("csrf_token", &bill_csrf), ("touchpoint", "installation")],
        ),
    )
    .await;
    assert_eq!(forbidden.status, 403);

    // Anyone may open the public link; no link opens anything else.
    let link = format!("/s/{}", survey.public_token);
    let form = send(&app, get(&link, None)).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("How did Delivery day go?"));
    assert!(form.headers.get(axum::http::header::SET_COOKIE).is_none());
    assert_eq!(send(&app, get("/s/nothing-here", None)).await.status, 404);
    assert_eq!(send(&app, get("/s/i1-0000", None)).await.status, 404);

    // Hammered from one address: 10 forms fetched, then 500 answers in a minute.
    let mut tokens = vec![survey_form_token(&form.body)];
    for _ in 0..9 {
        let page = send(&app, get(&link, None)).await;
        tokens.push(survey_form_token(&page.body));
    }
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for i in 0..500 {
        let goal = (i % 10 + 1).to_string();
        let reply = send(
            &app,
            post_form(
                &link,
                None,
                &[
                    ("form_token", &tokens[i % tokens.len()]),
                    ("goal", &goal),
                    ("measure", "3"),
                    ("hindering", "spam spam spam"),
                    ("q1", "Yes, spotless"),
                ],
            ),
        )
        .await;
        if reply.status == 429 {
            assert!(reply.headers.contains_key("retry-after"));
        }
        *statuses.entry(reply.status.as_u16()).or_default() += 1;
    }
    let stored = store.survey(1).await.unwrap().unwrap().responses;
    assert!(
        statuses.get(&429).copied().unwrap_or(0) >= 490,
        "{statuses:?}"
    );
    assert!(
        (1..=u64::from(5_u32)).contains(&stored),
        "{stored} answers stored from one address; {statuses:?}"
    );
    // The survey's page says what the stored answers say.
    let results = send(&app, get("/surveys/1", Some(&admin))).await;
    assert!(results.body.contains("Goal supported"), "{}", results.body);
    assert!(results.body.contains("% satisfied"), "{}", results.body);
    assert!(results.body.contains("spam spam spam"));
    assert!(
        results
            .body
            .contains("Did the crew leave your home tidy? Yes, spotless"),
        "{}",
        results.body
    );
    // Its answers in the search, the source shown in the filters.
    let found = send(
        &app,
        get("/feedback?source=Delivery%20day%20survey", Some(&admin)),
    )
    .await;
    assert!(
        found
            .body
            .contains("name=\"source\" value=\"Delivery day survey\""),
        "{}",
        found.body
    );
    // (The workspace has no other records: all of them match.)
    assert!(
        found.body.contains(&format!("All {stored} records")),
        "{}",
        found.body
    );

    // Another address is not held back by the first.
    let mut other = get(&link, None);
    other
        .headers_mut()
        .insert("x-forwarded-for", "203.0.113.7".parse().unwrap());
    assert_eq!(send(&app, other).await.status, 200);

    // An answer set aside as a robot's, released from the survey's page by an administrator.
    let set_aside = store
        .quarantine_survey_response(
            1,
            None,
            "sent within two seconds of the form being shown",
            &serde_json::json!({"answers": {"goal": "7", "measure": "4", "helpful": "Fast",
                "hindering": "", "comment": "", "extra": [""]}}),
        )
        .await
        .unwrap();
    let page = send(&app, get("/surveys/1", Some(&admin))).await;
    assert!(page.body.contains("Release: a customer"), "{}", page.body);
    let before = store.survey(1).await.unwrap().unwrap().responses;
    let released = send(
        &app,
        post_form(
            &format!("/surveys/1/set-aside/{set_aside}"),
            Some(&admin),
            &[("csrf_token", &csrf), ("action", "release")],
        ),
    )
    .await;
    assert_eq!(released.status, 303, "{}", released.body);
    assert_eq!(
        store.survey(1).await.unwrap().unwrap().responses,
        before + 1
    );
    assert_eq!(store.quarantined(1, 10).await.unwrap().1, 0);

    // Answers are counted in the database: a second server instance on the same database,
    // with request counters of its own, refuses that address's answers too (and still shows
    // it the form).
    let second = throughline_server::router(throughline_server::AppState::new(db.store().await));
    let page = send(&second, get(&link, None)).await;
    assert_eq!(page.status, 200);
    let token = survey_form_token(&page.body);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let refused = send(
        &second,
        post_form(
            &link,
            None,
            &[("form_token", &token), ("goal", "4"), ("measure", "3")],
        ),
    )
    .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.headers.contains_key("retry-after"));

    // In the customer's language: a stage survey written in English with a German
    // translation, made on the form; the browser asks for German.
    let made = send(
        &app,
        post_form(
            "/surveys",
            Some(&admin),
            &[
                ("csrf_token", &csrf),
                ("touchpoint", "stage:receive"),
                ("measure", "nps"),
                ("goal_scale", "5"),
                ("language", "en"),
                ("questions", "Was everything there?"),
                ("tr_de_place", "Empfang und Aufbau"),
                ("tr_de_questions", "War alles da?"),
            ],
        ),
    )
    .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.headers["location"].to_str().unwrap().to_owned();
    let stage_page = send(&app, get(&location, Some(&admin))).await;
    assert!(
        stage_page
            .body
            .contains("The whole stage <strong>Receive and set up</strong>"),
        "{}",
        stage_page.body
    );
    assert!(
        stage_page.body.contains(">Deutsch</a>"),
        "{}",
        stage_page.body
    );
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let stage_survey = store.survey(id).await.unwrap().unwrap();
    let stage_link = format!("/s/{}", stage_survey.public_token);
    let in_german = |path: &str, address: &str| {
        let mut request = get(path, None);
        request.headers_mut().insert(
            "accept-language",
            "de-DE,de;q=0.9,en;q=0.5".parse().unwrap(),
        );
        request
            .headers_mut()
            .insert("x-forwarded-for", address.parse().unwrap());
        request
    };
    let german = send(&app, in_german(&stage_link, "198.51.100.20")).await;
    assert_eq!(german.status, 200);
    assert!(
        german.body.contains("<html lang=\"de\">"),
        "{}",
        german.body
    );
    assert!(german.body.contains("Ihre Meinung zu: Empfang und Aufbau"));
    assert!(german.body.contains("War alles da?"));
    assert!(german.body.contains("Antworten senden"));
    assert!(
        german
            .body
            .contains(&format!("href=\"{stage_link}?lang=en\""))
    );
    let english = send(
        &app,
        in_german(&format!("{stage_link}?lang=en"), "198.51.100.20"),
    )
    .await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("How did Receive and set up go?"));
    // A German form sent back with a problem is answered in German.
    let token = survey_form_token(&german.body);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let mut problem = post_form(
        &stage_link,
        None,
        &[("form_token", &token), ("lang", "de"), ("goal", "9")],
    );
    problem
        .headers_mut()
        .insert("x-forwarded-for", "198.51.100.20".parse().unwrap());
    let problem = send(&app, problem).await;
    assert_eq!(problem.status, 422);
    assert!(
        problem.body.contains("Wählen Sie eine Zahl von 1 bis 5."),
        "{}",
        problem.body
    );
    // Pages that open no survey speak the browser's language too.
    let missing = send(&app, in_german("/s/nothing-at-all", "198.51.100.21")).await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Keine solche Umfrage"));

    // Closed: the link says so.
    surveys::close(&store, OPS, 1).await.unwrap();
    let mut closed = get(&link, None);
    closed
        .headers_mut()
        .insert("x-forwarded-for", "203.0.113.8".parse().unwrap());
    assert_eq!(send(&app, closed).await.status, 410);
}

/// Follow-up cases on the web: a detractor's record opens a case that the owning department's
/// page lists; an administrator records the follow-up on the case's page; a member of another
/// department may not; a bad value comes back with its message.
pub async fn follow_up_cases_are_worked_on_the_web(db: &TestDatabase) {
    let store = super::workspace(db).await;
    let (app, admin, bill, _) = admin_and_member(&store).await;
    throughline_service::feedback::ingest(
        &store,
        Some("crm"),
        vec![serde_json::json!({
            "id": "t-1", "customer": "C-777",
            "date": throughline_domain::action::Date::today().as_str(),
            "touchpoint": "delivery-day", "nps": 2,
            "comment": "The sofa arrived scratched and nobody answers the phone",
        })],
    )
    .await
    .unwrap();
    let page = send(&app, get("/departments/fulfilment", Some(&admin))).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Customers to get back to") && page.body.contains("C-777"),
        "{}",
        page.body
    );
    let list = send(&app, get("/cases", Some(&admin))).await;
    assert!(list.body.contains("NPS 2 (6 or less)"), "{}", list.body);
    let case = send(&app, get("/cases/1", Some(&admin))).await;
    assert_eq!(case.status, 200);
    assert!(case.body.contains("nobody answers the phone"));
    let csrf = super::form_token(&case.body);

    let bad = send(
        &app,
        post_form(
            "/cases/1",
            Some(&admin),
            &[("csrf_token", &csrf), ("status", "forgotten")],
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains("choose open, contacted, resolved or no_answer")
    );
    let bill_csrf = super::form_token(&send(&app, get("/cases/1", Some(&bill))).await.body);
    let refused = send(
        &app,
        post_form(
            "/cases/1",
            Some(&bill),
            &[("csrf_token", &bill_csrf), ("status", "resolved")],
        ),
    )
    .await;
    assert_eq!(refused.status, 403);
    let done = send(
        &app,
        post_form(
            "/cases/1",
            Some(&admin),
            &[
                ("csrf_token", &csrf),
                ("status", "resolved"),
                ("note", "Called, a new sofa goes out on Friday"),
                ("customer_says_resolved", "yes"),
                ("theme", "none"),
            ],
        ),
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let case = send(&app, get("/cases/1", Some(&admin))).await;
    assert!(case.body.contains("status-resolved"));
    assert!(
        case.body
            .contains("The customer says the issue is resolved.")
    );
    assert!(case.body.contains("a new sofa goes out on Friday"));
    let page = send(&app, get("/departments/fulfilment", Some(&admin))).await;
    assert!(page.body.contains("No open case."));

    // Through the API: a chair makes a survey and asks for an invitation when a delivery
    // happens; asked again within the window, the customer is not invited twice; a member
    // may not ask; the cases and their follow-up.
    let chair = super::token_for(&store, "cleo@northwind.example", "council_chair", None).await;
    let made = send(
        &app,
        super::api(
            "POST",
            "/api/v1/surveys",
            &chair,
            Some(r#"{"touchpoint": "delivery-day", "measure": "csat"}"#),
        ),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let survey = super::json(&made);
    assert_eq!(survey["title"], "Delivery day survey");
    let path = format!("/api/v1/surveys/{}/invitations", survey["id"]);
    let body = r#"{"customer": "C-1042", "email": "dana@example.com", "event_date": "2026-12-01"}"#;
    let first = send(&app, super::api("POST", &path, &chair, Some(body))).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(super::json(&first)["invited"], true);
    let second = super::json(&send(&app, super::api("POST", &path, &chair, Some(body))).await);
    assert_eq!(second["invited"], false);
    assert_eq!(second["why_not"], "surveyed within the last 30 days");
    let bad = send(
        &app,
        super::api(
            "POST",
            &path,
            &chair,
            Some(r#"{"customer": "C-1", "email": "not an address"}"#),
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("email"), "{}", bad.body);
    let bill_token = super::token_for(&store, "ivy@northwind.example", "member", Some("it")).await;
    assert_eq!(
        send(&app, super::api("POST", &path, &bill_token, Some(body)))
            .await
            .status,
        403
    );
    let listed = super::json(
        &send(
            &app,
            super::api("GET", "/api/v1/follow-up-cases?all=true", &chair, None),
        )
        .await,
    );
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["status"], "resolved");
    let reopened = send(
        &app,
        super::api(
            "POST",
            "/api/v1/follow-up-cases/1",
            &chair,
            Some(r#"{"status": "contacted", "note": "Sofa delayed again, called her", "theme": "none"}"#),
        ),
    )
    .await;
    assert_eq!(reopened.status, 200, "{}", reopened.body);
    assert_eq!(super::json(&reopened)["status"], "contacted");
}
