//! `/api/v1/feedback`: single and batch ingest (all or nothing, redacted, idempotent, audited,
//! refused to viewers and members), and the filtered, paginated listing.

use throughline_server::{AppState, router};
use throughline_store::testing::TestDatabase;

use super::{api, json, send, token_for};

/// The example organisation and three people; no feedback yet.
pub async fn feedback_goes_in_and_is_found(db: &TestDatabase) {
    let store = db.example_workspace().await;
    let admin = token_for(&store, "ada@northwind.example", "admin", None).await;
    let viewer = token_for(&store, "vera@northwind.example", "viewer", None).await;
    let member = token_for(&store, "bill@northwind.example", "member", Some("billing")).await;
    let app = router(AppState::new(store.clone()));
    let one = r#"{"id": "web-1", "received_at": "2026-10-02T09:30:00Z", "nps": 3,
        "comment": "Billed twice, write to me at jo@example.com", "stage": "pay", "channel": "web"}"#;

    // Signed-out callers get 401; viewers and members may not ingest (403), and nothing is stored.
    for (method, path, body) in [
        ("GET", "/api/v1/feedback", None),
        ("POST", "/api/v1/feedback", Some(one)),
    ] {
        let mut request = api(method, path, "not-a-token", body);
        request.headers_mut().remove("authorization");
        assert_eq!(send(&app, request).await.status, 401, "{method} {path}");
    }
    for token in [&viewer, &member] {
        let refused = send(&app, api("POST", "/api/v1/feedback", token, Some(one))).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    assert_eq!(store.feedback_count().await.unwrap(), 0);

    // One record: stored once, redacted; sent again it is a duplicate.
    let stored = send(
        &app,
        api(
            "POST",
            "/api/v1/feedback?source=web-form",
            &admin,
            Some(one),
        ),
    )
    .await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    assert_eq!(json(&stored)["imported"], 1);
    let again = json(
        &send(
            &app,
            api(
                "POST",
                "/api/v1/feedback?source=web-form",
                &admin,
                Some(one),
            ),
        )
        .await,
    );
    assert_eq!(
        (again["imported"].clone(), again["duplicates"].clone()),
        (0.into(), 1.into())
    );

    // A batch with a bad record is refused whole, saying which record and field.
    let bad = r#"{"source": "crm", "records": [
        {"id": "c1", "comment": "Fine", "nps": 9},
        {"id": "c2", "comment": "Rude", "nps": 11},
        {"id": "c3", "comment": "Slow", "received_at": "last tuesday"}]}"#;
    let refused = send(
        &app,
        api("POST", "/api/v1/feedback/batch", &admin, Some(bad)),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let message = json(&refused)["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("record 2, field \"nps\""), "{message}");
    assert!(
        message.contains("record 3, field \"received_at\""),
        "{message}"
    );
    assert_eq!(store.feedback_count().await.unwrap(), 1);
    for (body, says) in [
        ("{\"records\": [", "JSON"),
        (r#"{"records": []}"#, "no records"),
        (r#"{"records": [42]}"#, "record 1"),
        (r#"{"recods": []}"#, "recods"),
    ] {
        let reply = send(
            &app,
            api("POST", "/api/v1/feedback/batch", &admin, Some(body)),
        )
        .await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert!(reply.body.contains(says), "{body}: {}", reply.body);
    }

    // A good batch goes in whole.
    let records: Vec<serde_json::Value> = (0..30)
        .map(|i| {
            serde_json::json!({
                "id": format!("crm-{i}"),
                "received_at": format!("2026-09-{:02}", i % 28 + 1),
                "nps": i % 11,
                "comment": if i % 3 == 0 { "The driver was late again" } else { "Lovely sofa" },
                "stage": if i % 2 == 0 { "receive" } else { "use" },
                "channel": "email",
            })
        })
        .collect();
    let batch = serde_json::json!({ "source": "crm", "records": records }).to_string();
    let stored = send(
        &app,
        api("POST", "/api/v1/feedback/batch", &member, Some(&batch)),
    )
    .await;
    assert_eq!(stored.status, 403);
    let stored = json(
        &send(
            &app,
            api("POST", "/api/v1/feedback/batch", &admin, Some(&batch)),
        )
        .await,
    );
    assert_eq!(stored["imported"], 30);
    assert_eq!(store.feedback_count().await.unwrap(), 31);

    // Listing: anyone signed in; filters combine; pages follow `next`.
    let all = json(
        &send(
            &app,
            api("GET", "/api/v1/feedback?source=web-form", &viewer, None),
        )
        .await,
    );
    let first = &all["items"][0];
    assert_eq!(first["comment"], "Billed twice, write to me at [email]");
    assert_eq!(first["stage"], "pay");
    let late = json(
        &send(
            &app,
            api(
                "GET",
                "/api/v1/feedback?q=LATE%20again&stage=receive&limit=500",
                &viewer,
                None,
            ),
        )
        .await,
    );
    let late = late["items"].as_array().unwrap();
    assert_eq!(late.len(), 5, "{late:?}");
    assert!(
        late.iter()
            .all(|r| r["stage"] == "receive" && r["comment"] == "The driver was late again")
    );
    let detractors = json(
        &send(
            &app,
            api(
                "GET",
                "/api/v1/feedback?source=crm&nps_max=6&from=2026-09-01&to=2026-09-10",
                &viewer,
                None,
            ),
        )
        .await,
    );
    assert!(
        detractors["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["nps"].as_i64().unwrap() <= 6)
    );
    let mut seen = 0;
    let mut after: Option<i64> = None;
    loop {
        let path = match after {
            Some(a) => format!("/api/v1/feedback?limit=7&after={a}"),
            None => "/api/v1/feedback?limit=7".to_owned(),
        };
        let page = json(&send(&app, api("GET", &path, &viewer, None)).await);
        seen += page["items"].as_array().unwrap().len();
        match page["next"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, 31);
    for (query, says) in [
        ("stage=moon", "no stage"),
        ("nps_min=12", "nps_min"),
        ("from=yesterday", "from"),
        ("sentiment=angry", "sentiment"),
        ("theme=x", "theme"),
        ("department=legal", "department"),
        ("limit=0", "limit"),
    ] {
        let reply = send(
            &app,
            api("GET", &format!("/api/v1/feedback?{query}"), &viewer, None),
        )
        .await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.body);
        assert!(reply.body.contains(says), "{query}: {}", reply.body);
    }

    // Each ingest is in the audit log, with counts and not the customers' words.
    let log = store.audit_log(50).await.unwrap();
    let ingests: Vec<_> = log
        .iter()
        .filter(|e| e.action == "feedback.ingest")
        .collect();
    assert_eq!(ingests.len(), 3);
    assert!(ingests.iter().all(|e| e.actor == "ada@northwind.example"));
    assert!(
        !ingests
            .iter()
            .any(|e| e.after.as_ref().unwrap().to_string().contains("sofa"))
    );
}
