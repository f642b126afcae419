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
    // The action is Billing's open work on its department page, as the digest and the agenda
    // count it: a council action, from this meeting, overdue once its day has passed.
    let billing = send(&app, get("/departments/billing", Some(&admin))).await;
    let row = billing
        .body
        .lines()
        .find(|l| l.contains("Refund page"))
        .unwrap_or_else(|| panic!("the action is on the department page: {}", billing.body));
    assert!(row.contains("council action"), "{row}");
    assert!(row.contains(&format!("Council meeting {id}")), "{row}");
    let overdue = throughline_domain::action::Date::today().as_str() > "2026-12-01";
    assert_eq!(row.contains("<strong>overdue</strong>"), overdue, "{row}");

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
    // The operational and strategic councils and the champions' network.
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert!(listed.to_string().contains("champions-network"), "{listed}");
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

/// Did it work? An initiative's page measures it since the day it started: the call-back
/// initiative on the theme of long waits, started when the planted fix began (June 2026), shows
/// its theme's share fallen with an interval below zero; the start day is set on the page (a
/// day to come is refused, a viewer may not); the API and the strategic council's agenda carry
/// the same measure.
pub async fn initiatives_show_whether_they_worked(db: &TestDatabase) {
    use throughline_analytics::synthetic;
    use throughline_domain::action::InitiativeStatus;
    use throughline_service::{actions, council, themes};

    let store = workspace(db).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let viewer_token = token_for(&store, "vera@northwind.example", "viewer", None).await;
    let viewer = sign_in(&app, "vera@northwind.example", PASSWORD)
        .await
        .unwrap();
    // The workspace holds the synthetic feedback of 1,500 records, seed 42.
    let planted: std::collections::HashSet<String> =
        synthetic::Generator::new(synthetic::Options {
            records: 1500,
            seed: 42,
            spike: true,
            shifts: true,
        })
        .filter(|r| r.themes.contains(&synthetic::FIX.theme))
        .map(|r| r.id)
        .collect();
    let hold = themes::theme_holding(&store, &planted)
        .await
        .unwrap()
        .unwrap();
    let id = actions::propose(
        &store,
        actions::InitiativeProposal {
            title: "Call back instead of holding".into(),
            owner: "department:customer-service".into(),
            metric: "NPS".into(),
            baseline: -5.0,
            target: 5.0,
            due: "2027-03-31".into(),
            themes: vec![hold],
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    actions::transition(
        &store,
        id,
        InitiativeStatus::Approved,
        Some(("Strategic CX Council".into(), None, None)),
    )
    .await
    .unwrap();
    actions::transition(&store, id, InitiativeStatus::Active, None)
        .await
        .unwrap();

    // Started today, after the data ends: nothing to measure yet, and it says so.
    let path = format!("/initiatives/{id}");
    let page = send(&app, get(&path, Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<h2>Did it work?</h2>"), "{}", page.body);
    assert!(
        page.body.contains("the data runs to the week of"),
        "{}",
        page.body
    );
    let csrf = form_token(&page.body);
    let start = format!("/initiatives/{id}/start");

    let future = send(
        &app,
        post_form(
            &start,
            Some(&admin),
            &[("csrf_token", &csrf), ("on", "2999-01-01")],
        ),
    )
    .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.body.contains("has not come yet"), "{}", future.body);
    let viewer_page = send(&app, get(&path, Some(&viewer))).await;
    assert!(!viewer_page.body.contains("Set the start day"));
    let refused = send(
        &app,
        post_form(
            &start,
            Some(&viewer),
            &[
                ("csrf_token", &form_token(&viewer_page.body)),
                ("on", "2026-06-01"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let set = send(
        &app,
        post_form(
            &start,
            Some(&admin),
            &[("csrf_token", &csrf), ("on", "2026-06-01")],
        ),
    )
    .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let page = send(&app, get(&path, Some(&admin))).await;
    let body = &page.body;
    assert!(
        body.contains("Measured since it started on 2026-06-01"),
        "{body}"
    );
    let share = body
        .split("<tr>")
        .find(|row| row.contains("Share of records on"))
        .unwrap_or_else(|| panic!("{body}"));
    assert!(share.contains("verdict-improved"), "{share}");
    assert!(share.contains("percentage points"), "{share}");

    let detail = json(
        &send(
            &app,
            api(
                "GET",
                &format!("/api/v1/initiatives/{id}"),
                &viewer_token,
                None,
            ),
        )
        .await,
    );
    assert_eq!(detail["started_on"], "2026-06-01");
    let measures = detail["measured_effect"]["measures"].as_array().unwrap();
    let share = measures
        .iter()
        .find(|m| m["kind"] == "theme_share")
        .unwrap();
    assert!(share["change"]["high"].as_f64().unwrap() < 0.0, "{share}");
    assert_eq!(share["improved"], true);

    let agenda = council::agenda(&store, Some("strategic-council"))
        .await
        .unwrap();
    let item = agenda.items.iter().find(|i| i.number == 5).unwrap();
    let line = item
        .lines
        .iter()
        .find(|l| l.starts_with("Call back instead of holding"))
        .unwrap_or_else(|| panic!("{:#?}", item.lines));
    assert!(line.contains("did it work? "), "{line}");
    assert!(line.contains("improved"), "{line}");
}
