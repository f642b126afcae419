//! Digests in the web interface: a department's digest previewed as its e-mail, a bad period
//! refused with the reason, the opt-out on the account page, the delivery log on the admin page.

use axum::http::StatusCode;
use throughline_server::{AppState, router};
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, form_token, get, post_form, send, sign_in, workspace};

pub async fn digests_are_previewed_and_declined(db: &TestDatabase) {
    let store = workspace(db).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();

    let preview = send(
        &app,
        get("/departments/billing/digest?period=2026-10", Some(&admin)),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview.body.contains("Billing — what customers said"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("In the customers"));
    let bad = send(
        &app,
        get("/departments/billing/digest?period=soon", Some(&admin)),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("last-week"),
        "says what to write: {}",
        bad.body
    );
    let missing = send(&app, get("/departments/legal/digest", Some(&admin))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // The department page tells its customers' stories and links to its digest.
    let department = send(&app, get("/departments/billing", Some(&admin))).await;
    assert!(department.body.contains("Customer stories"));
    assert_eq!(department.body.matches("<blockquote>").count(), 5);
    assert!(department.body.contains("/departments/billing/digest"));

    let account = send(&app, get("/account", Some(&admin))).await;
    assert!(account.body.contains("Stop receiving digests"));
    let csrf = form_token(&account.body);
    let stopped = send(
        &app,
        post_form(
            "/account/digests",
            Some(&admin),
            &[("csrf_token", &csrf), ("receive", "off")],
        ),
    )
    .await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    assert!(store.opted_out("amara@northwind.example").await.unwrap());
    let account = send(&app, get("/account", Some(&admin))).await;
    assert!(account.body.contains("Receive digests again"));

    store
        .add_subscription("billing", "email", "billing@northwind.example", "generic")
        .await
        .unwrap();
    let page = send(&app, get("/admin", Some(&admin))).await;
    assert!(page.body.contains("billing@northwind.example"));
    assert!(page.body.contains("Nothing delivered yet."));
    let log = store.audit_log(10).await.unwrap();
    assert!(log.iter().any(|e| e.action == "digest.opt_out"));
}

/// A person chooses the departments' digests sent to their own address on their account page:
/// any department's, added and stopped, audited; another address's subscription is not theirs
/// to stop, and a department that does not exist is refused with the reason.
pub async fn people_choose_the_digests_sent_to_them(db: &TestDatabase) {
    let store = workspace(db).await;
    let app = router(AppState::new(store.clone()));
    let me = "amara@northwind.example";
    let session = sign_in(&app, me, PASSWORD).await.unwrap();
    let someone_else = store
        .add_subscription("billing", "email", "billing@northwind.example", "generic")
        .await
        .unwrap()
        .unwrap();

    let account = send(&app, get("/account", Some(&session))).await;
    assert!(
        account.body.contains("No department's digest is sent to"),
        "{}",
        account.body
    );
    assert!(
        account
            .body
            .contains(r#"<option value="billing">Billing</option>"#)
    );
    let csrf = form_token(&account.body);
    let subscribe = |department: &'static str| {
        send(
            &app,
            post_form(
                "/account/digests/subscribe",
                Some(&session),
                &[("csrf_token", &csrf), ("department", department)],
            ),
        )
    };
    assert_eq!(subscribe("billing").await.status, StatusCode::SEE_OTHER);
    let mine = throughline_service::digest::sent_to(&store, me)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].department, "billing");
    // Added twice, it is still one subscription.
    subscribe("billing").await;
    assert_eq!(
        throughline_service::digest::sent_to(&store, me)
            .await
            .unwrap()
            .len(),
        1
    );
    let account = send(&app, get("/account", Some(&session))).await;
    assert!(
        account
            .body
            .contains(r#"aria-label="Stop the digest of Billing""#),
        "{}",
        account.body
    );
    assert!(!account.body.contains(r#"<option value="billing">"#));

    let unknown = subscribe("legal").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown
            .body
            .contains("there is no department &quot;legal&quot;; the departments are"),
        "{}",
        unknown.body
    );

    let not_mine = send(
        &app,
        post_form(
            &format!("/account/digests/{someone_else}/remove"),
            Some(&session),
            &[("csrf_token", &csrf)],
        ),
    )
    .await;
    assert_eq!(not_mine.status, StatusCode::NOT_FOUND);
    assert!(
        store
            .subscriptions()
            .await
            .unwrap()
            .iter()
            .any(|s| s.id == someone_else),
        "another address's digest stays"
    );

    let stopped = send(
        &app,
        post_form(
            &format!("/account/digests/{}/remove", mine[0].id),
            Some(&session),
            &[("csrf_token", &csrf)],
        ),
    )
    .await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    assert!(
        throughline_service::digest::sent_to(&store, me)
            .await
            .unwrap()
            .is_empty()
    );
    let log = store.audit_log(10).await.unwrap();
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.action.starts_with("digest."))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "digest.subscribe_own")
            .count(),
        1,
        "one line for the one subscription added: {actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "digest.unsubscribe_own")
            .count(),
        1,
        "{actions:?}"
    );
}
