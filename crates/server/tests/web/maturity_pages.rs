//! Culture maturity in the web interface and the API: an assessment started from its page, the
//! questionnaire answered (an incomplete one comes back with the reason and the answers kept),
//! the results with their SVG chart, the API's view of the same, and the report.

use axum::http::StatusCode;
use throughline_domain::maturity::Model;
use throughline_store::testing::TestDatabase;

use super::{TestApp, api, json, token_for};

pub async fn the_culture_is_assessed_on_the_web(db: &TestDatabase) {
    let store = db.example_workspace().await;
    let chair_token = token_for(&store, "chair@northwind.example", "council_chair", None).await;
    let member_token = token_for(&store, "bill@northwind.example", "member", Some("billing")).await;
    let app = TestApp::new(&store);
    let chair = app.signed_in("chair@northwind.example").await;
    let member = app.signed_in("bill@northwind.example").await;

    // Members cannot start one; the chair can.
    let page = member.get("/maturity").await;
    assert!(!page.body.contains("Start an assessment"));
    let refused = app
        .send(api(
            "POST",
            "/api/v1/assessments",
            &member_token,
            Some(r#"{"name": "x"}"#),
        ))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        chair
            .get("/maturity")
            .await
            .body
            .contains("Start an assessment")
    );
    let started = chair
        .post(
            "/maturity",
            &[("name", "Autumn 2026"), ("target", "Committed")],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let location = started.headers["location"].to_str().unwrap().to_owned();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();

    // The questionnaire: an incomplete answer is refused, the answers given are kept.
    let form_page = member.get(&format!("/maturity/{id}/answer")).await;
    let model = Model::default_model();
    assert_eq!(
        form_page.body.matches("type=\"radio\"").count(),
        model.statements().count() * 5
    );
    let ids: Vec<String> = model.statements().map(|(id, _, _)| id).collect();
    let mut fields: Vec<(&str, &str)> = vec![("department", "billing")];
    for id in &ids[..ids.len() - 1] {
        fields.push((id.as_str(), "2"));
    }
    let incomplete = member
        .post(&format!("/maturity/{id}/answer"), &fields)
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        incomplete.body.contains(ids.last().unwrap().as_str()),
        "names what is missing"
    );
    assert!(
        incomplete.body.contains("value=\"2\" checked"),
        "keeps the answers given"
    );
    fields.push((ids.last().unwrap().as_str(), "2"));
    let answered = member
        .post(&format!("/maturity/{id}/answer"), &fields)
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);

    // Another department through the API, answering 4 everywhere.
    let all4: serde_json::Map<String, serde_json::Value> =
        ids.iter().map(|i| (i.clone(), 4.into())).collect();
    let body = serde_json::json!({ "department": "it", "answers": all4 }).to_string();
    let results = json(
        &app.send(api(
            "POST",
            &format!("/api/v1/assessments/{id}/responses"),
            &chair_token,
            Some(&body),
        ))
        .await,
    );
    assert_eq!(results["results"]["respondents"], 2);
    assert_eq!(results["results"]["areas"][0]["mean"], 3.0);
    assert_eq!(
        results["results"]["areas"][0]["divergent"],
        serde_json::json!(["billing", "it"])
    );

    // The results page draws the nine areas with the target line; the report stands alone.
    let page = member.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("class=\"bar\"").count(), 9);
    assert!(page.body.contains("target: Committed"));
    assert!(page.body.contains("Where to act next"));
    // On the web the report links its stylesheets (the Content-Security-Policy allows no inline
    // styles); as a file it carries them, print rules included.
    let report = member.get(&format!("/maturity/{id}/report")).await;
    assert!(report.body.contains("<svg") && report.body.contains("/static/documents.css"));
    let standalone = throughline_server::maturity::maturity_report(&store, id, true)
        .await
        .unwrap();
    assert!(standalone.contains("<svg") && standalone.contains("@page"));
    assert!(!standalone.contains("/static/"), "the file stands alone");
    let history = json(
        &app.send(api(
            "GET",
            "/api/v1/assessments/history",
            &member_token,
            None,
        ))
        .await,
    );
    assert_eq!(history[0]["respondents"], 2);
    let log = store.audit_log(20).await.unwrap();
    assert!(log.iter().any(|e| e.action == "assessment.start"));
}
