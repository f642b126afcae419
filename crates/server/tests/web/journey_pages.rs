//! Journey health in the web interface: the moments of truth found in customers' histories on
//! their page (with the demo's planted histories imported), a candidate adopted with the form by
//! an administrator and refused to a member, and the journey check in the API.

use axum::http::StatusCode;
use throughline_analytics::synthetic;
use throughline_server::{AppState, router};
use throughline_service::events;
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, api, form_token, get, json, post_form, send, sign_in, token_for, workspace};

pub async fn moments_of_truth_are_measured_and_adopted_on_the_web(db: &TestDatabase) {
    let store = workspace(db).await;
    let records: Vec<_> = synthetic::Generator::new(synthetic::Options {
        records: 1500,
        seed: 42,
        spike: true,
    })
    .collect();
    let path = db.dir.path().join("events.csv");
    synthetic::histories::write_events_csv(
        &synthetic::histories::histories(&records, 42),
        std::fs::File::create(&path).unwrap(),
    )
    .unwrap();
    events::import_events(&store, path, None, None)
        .await
        .unwrap();
    let member_token = token_for(&store, "bill@northwind.example", "member", Some("billing")).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let member = sign_in(&app, "bill@northwind.example", PASSWORD)
        .await
        .unwrap();

    // The page: both moments with a rule, the third contact harmful, the tenth order a lift.
    let page = send(&app, get("/moments", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = |name: &str| -> String {
        page.body
            .split("<tr class=\"moment-row\">")
            .find(|r| r.contains(name))
            .unwrap_or_else(|| panic!("{name} missing"))
            .split("</tr>")
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(row("Third contact in a month").contains("measured-harm"));
    assert!(page.body.contains("NPS points"));
    assert!(row("The tenth order").contains("measured-lift"));
    // The journey map links to it and shows the effects beside the moments.
    let map = send(&app, get("/journey", Some(&admin))).await;
    assert!(map.body.contains("href=\"/moments\""));
    assert!(
        map.body.contains("measured measured-harm"),
        "the third contact's effect on the map"
    );

    // A member sees no adopt form and cannot post one; the administrator adopts a rule.
    let seen = send(&app, get("/moments", Some(&member))).await;
    assert!(!seen.body.contains("action=\"/moments/adopt\""));
    let adopt = |csrf: String, count: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf_token", csrf),
            ("event", "contact".to_owned()),
            ("count", count.to_owned()),
            ("within_days", "7".to_owned()),
            ("stage", "use".to_owned()),
            ("name", "Second call in a week".to_owned()),
        ]
    };
    let post = |session: &str, form: &[(&'static str, String)]| {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_form("/moments/adopt", Some(session), &pairs)
    };
    let refused = send(&app, post(&member, &adopt(form_token(&seen.body), "2"))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let csrf = form_token(&send(&app, get("/moments", Some(&admin))).await.body);
    let adopted = send(&app, post(&admin, &adopt(csrf.clone(), "2"))).await;
    assert_eq!(adopted.status, StatusCode::SEE_OTHER, "{}", adopted.body);
    let page = send(&app, get("/moments", Some(&admin))).await;
    assert!(
        page.body.contains("Second call in a week"),
        "adopted and measured"
    );
    let org = store.load_organisation().await.unwrap().unwrap();
    let added = org.moments_of_truth.last().unwrap();
    assert_eq!(
        (added.rank, added.name.as_str()),
        (13, "Second call in a week")
    );

    // A bad value comes back with the reason, and nothing is added.
    let bad = send(&app, post(&admin, &adopt(csrf, "lots"))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("count: a whole number"), "{}", bad.body);
    let org = store.load_organisation().await.unwrap().unwrap();
    assert_eq!(org.moments_of_truth.len(), 13);

    // The journey check in the API, as the command line prints it.
    let check = send(
        &app,
        api("GET", "/api/v1/journey/check", &member_token, None),
    )
    .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    let body = json(&check);
    assert!(
        body["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["kind"] == "moment_without_metric")
    );
    let bad = send(
        &app,
        api("GET", "/api/v1/journey/check?from=May", &member_token, None),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}
