//! The councils in the web interface and the API: scheduling, the meeting page with its
//! generated agenda, recording the meeting (bad values shown on the page), roles (a viewer adds
//! nothing, a member adds topics only), closing, the pack, and the audit trail.

use axum::http::StatusCode;
use throughline_server::{AppState, router};
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, api, form_token, get, json, post_form, send, sign_in, token_for, workspace};

pub async fn the_council_meets_on_the_web(db: &TestDatabase) {
    let store = workspace(db).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let viewer_token = token_for(&store, "vera@northwind.example", "viewer", None).await;
    let member_token = token_for(&store, "bill@northwind.example", "member", Some("billing")).await;
    let member = sign_in(&app, "bill@northwind.example", PASSWORD)
        .await
        .unwrap();

    let councils = send(&app, get("/councils", Some(&admin))).await;
    assert_eq!(councils.status, StatusCode::OK);
    assert!(councils.body.contains("Customer Experience Council"));
    assert!(councils.body.contains("Strategic CX Council"));
    let csrf = form_token(&councils.body);
    let post =
        |path: &str, cookie: &str, form: &[(&str, &str)]| post_form(path, Some(cookie), form);

    // Scheduling: a bad day is said on the page; a good one opens the meeting.
    let bad = send(
        &app,
        post(
            "/councils/cx-council/meetings",
            &admin,
            &[("csrf_token", &csrf), ("on", "someday")],
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("role=\"alert\""), "{}", bad.body);
    let made = send(
        &app,
        post(
            "/councils/cx-council/meetings",
            &admin,
            &[("csrf_token", &csrf), ("on", "2026-11-10")],
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let location = made.headers["location"].to_str().unwrap().to_owned();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();

    let page = send(&app, get(&location, Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("class=\"agenda-item\"").count(), 10);
    for title in [
        "1. Actions agreed last time",
        "7. Priorities and next steps",
        "10. Adjourn",
    ] {
        assert!(page.body.contains(title), "{title}");
    }

    // Recording the meeting.
    let path = |what: &str| format!("/meetings/{id}/{what}");
    let refused = send(
        &app,
        post(
            &path("actions"),
            &admin,
            &[
                ("csrf_token", &csrf),
                ("title", "Refund page"),
                ("owner_name", "Omar"),
                ("department", "billing"),
                ("due", "next week"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("next week"),
        "the page says which value: {}",
        refused.body
    );
    for (what, form) in [
        (
            "actions",
            vec![
                ("title", "Refund page"),
                ("owner_name", "Omar Haddad"),
                ("department", "billing"),
                ("due", "2026-12-01"),
            ],
        ),
        (
            "notes",
            vec![("item", "7"), ("text", "Stock promise first")],
        ),
        ("decisions", vec![("text", "Live stock only at checkout")]),
        ("attendance", vec![("names", "Amara Nwosu\nOmar Haddad\n")]),
    ] {
        let mut form = form;
        form.push(("csrf_token", &csrf));
        let reply = send(&app, post(&path(what), &admin, &form)).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{what}: {}",
            reply.body
        );
    }
    let page = send(&app, get(&location, Some(&admin))).await;
    for text in [
        "Refund page",
        "Stock promise first",
        "Live stock only at checkout",
        "Amara Nwosu, Omar Haddad",
    ] {
        assert!(page.body.contains(text), "{text}");
    }

    // A member adds a topic but cannot close the meeting; a viewer can do neither.
    let member_page = send(&app, get(&location, Some(&member))).await;
    assert!(!member_page.body.contains("Close the meeting</button>"));
    let member_csrf = form_token(&member_page.body);
    let topic = send(
        &app,
        post(
            &path("topics"),
            &member,
            &[
                ("csrf_token", &member_csrf),
                ("text", "Billing <b>holiday</b> cover"),
            ],
        ),
    )
    .await;
    assert_eq!(topic.status, StatusCode::SEE_OTHER);
    let refused = send(
        &app,
        post(&path("close"), &member, &[("csrf_token", &member_csrf)]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let viewer_topic = send(
        &app,
        api(
            "POST",
            &format!("/api/v1/meetings/{id}/topics"),
            &viewer_token,
            Some(r#"{"text": "x"}"#),
        ),
    )
    .await;
    assert_eq!(viewer_topic.status, StatusCode::FORBIDDEN);
    let member_close = send(
        &app,
        api(
            "POST",
            &format!("/api/v1/meetings/{id}/close"),
            &member_token,
            None,
        ),
    )
    .await;
    assert_eq!(member_close.status, StatusCode::FORBIDDEN);

    // The API sees the same meeting and agenda.
    let listed = json(&send(&app, api("GET", "/api/v1/councils", &viewer_token, None)).await);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["next_meeting"]["id"], id);
    let agenda = json(
        &send(
            &app,
            api(
                "GET",
                &format!("/api/v1/meetings/{id}/agenda"),
                &viewer_token,
                None,
            ),
        )
        .await,
    );
    assert_eq!(agenda["items"].as_array().unwrap().len(), 10);
    assert_eq!(
        agenda["items"][8]["data"]["topics"][0]["text"],
        "Billing <b>holiday</b> cover"
    );
    let record = json(
        &send(
            &app,
            api(
                "GET",
                &format!("/api/v1/meetings/{id}"),
                &viewer_token,
                None,
            ),
        )
        .await,
    );
    assert_eq!(record["actions"][0]["title"], "Refund page");
    let pack = send(&app, get(&path("pack"), Some(&admin))).await;
    assert_eq!(pack.status, StatusCode::OK);
    assert!(
        pack.body
            .contains("Billing &lt;b&gt;holiday&lt;&#x2f;b&gt; cover"),
        "escaped in the pack"
    );

    // Closing: the record is kept as it was.
    let closed = send(&app, post(&path("close"), &admin, &[("csrf_token", &csrf)])).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let late = send(
        &app,
        api(
            "POST",
            &format!("/api/v1/meetings/{id}/notes"),
            &member_token,
            Some(r#"{"item": 2, "text": "late"}"#),
        ),
    )
    .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    let admin_token = {
        let user = store.users().await.unwrap().remove(0);
        throughline_service::accounts::create_token(&store, &user, "t")
            .await
            .unwrap()
            .1
    };
    let late = send(
        &app,
        api(
            "POST",
            &format!("/api/v1/meetings/{id}/notes"),
            &admin_token,
            Some(r#"{"item": 2, "text": "late"}"#),
        ),
    )
    .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(&late)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("closed")
    );
    let next = json(
        &send(
            &app,
            api(
                "POST",
                "/api/v1/meetings",
                &admin_token,
                Some(r#"{"council": "cx-council"}"#),
            ),
        )
        .await,
    );
    assert_eq!(next["held_on"], "2026-12-10", "one monthly cadence later");
    let agenda = json(
        &send(
            &app,
            api(
                "GET",
                &format!("/api/v1/meetings/{}/agenda", next["id"]),
                &viewer_token,
                None,
            ),
        )
        .await,
    );
    assert_eq!(
        agenda["items"][0]["data"]["actions"][0]["title"], "Refund page",
        "open actions roll on"
    );

    let log = store.audit_log(100).await.unwrap();
    for action in [
        "meeting.schedule",
        "meeting.action",
        "meeting.notes",
        "meeting.decision",
        "meeting.attendance",
        "meeting.topic",
        "meeting.close",
    ] {
        assert!(
            log.iter().any(|e| e.action == action),
            "{action} is audited"
        );
    }
}
