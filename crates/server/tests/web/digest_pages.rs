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
