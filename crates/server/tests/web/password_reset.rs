//! A forgotten password reset by e-mail (issue 26): the link reaches a real SMTP listener, works
//! once, for the account it was sent for; a refused password leaves it working; setting the new
//! one ends every session and is audited; the page answers the same for an address without an
//! account (and sends nothing); at most three links an hour; without e-mail set up the page says
//! to ask an administrator.

use axum::http::StatusCode;
use throughline_notify::testing::{Mailbox, smtp_config, smtp_server};
use throughline_server::{AppState, router};
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, get, organisation_and_admin, post_form, send, sign_in};

const AMARA: &str = "amara@northwind.example";

/// The sign-in pages' CSRF cookie and token, from `path`.
async fn login_csrf(app: &axum::Router, path: &str) -> (String, String) {
    let page = send(app, get(path, None)).await;
    let csrf = page
        .cookie_value("throughline_login_csrf")
        .expect("the page sets its form's cookie");
    (format!("throughline_login_csrf={csrf}"), csrf)
}

/// Asks for a reset link for `email` through the form.
async fn ask_for_link(app: &axum::Router, email: &str) -> super::Reply {
    let (cookie, csrf) = login_csrf(app, "/login/forgot").await;
    send(
        app,
        post_form(
            "/login/forgot",
            Some(&cookie),
            &[("csrf_token", &csrf), ("email", email)],
        ),
    )
    .await
}

/// The reset links in the messages received so far, in order.
fn links(mails: &Mailbox) -> Vec<(String, String)> {
    mails
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(to, data)| {
            let plain = data.replace("=\r\n", "").replace("=3D", "=");
            let at = plain.find("/login/reset/")?;
            let token: String = plain[at + 13..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            Some((to.clone(), token))
        })
        .collect()
}

async fn wait_for(mails: &Mailbox, count: usize) {
    for _ in 0..100 {
        if links(mails).len() >= count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "{count} reset e-mails expected, {} arrived",
        links(mails).len()
    );
}

pub async fn a_forgotten_password_is_reset_by_e_mail(db: &TestDatabase) {
    let store = organisation_and_admin(db).await;
    let (port, mails) = smtp_server().await;
    let smtp = smtp_config(port, "Throughline <throughline@northwind.example>");
    let app = router(AppState::new(store.clone()).with_mail(smtp, "https://cx.northwind.example/"));
    let earlier = sign_in(&app, AMARA, PASSWORD).await.unwrap();

    let login = send(&app, get("/login", None)).await;
    assert!(
        login.body.contains("href=\"/login/forgot\""),
        "linked from sign-in"
    );
    let asked = ask_for_link(&app, AMARA).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Check your e-mail"), "{}", asked.body);
    wait_for(&mails, 1).await;
    let (to, token) = links(&mails).remove(0);
    assert_eq!(to, AMARA);
    assert_eq!(token.len(), 64);
    let message = mails.lock().unwrap()[0].1.replace("=\r\n", "");
    assert!(
        message.contains(&format!("https://cx.northwind.example/login/reset/{token}")),
        "the link starts with the public address, not the request's host: {message}"
    );

    // An address without an account: the same answer, no e-mail.
    let unknown = ask_for_link(&app, "nobody@northwind.example").await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(unknown.body.contains("Check your e-mail"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(links(&mails).len(), 1);

    // The link opens the form; a weak password is refused and the link still works.
    let path = format!("/login/reset/{token}");
    let form = send(&app, get(&path, None)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("A new password"), "{}", form.body);
    let (cookie, csrf) = login_csrf(&app, &path).await;
    let weak = send(
        &app,
        post_form(
            &path,
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("password", "short"),
                ("repeated", "short"),
            ],
        ),
    )
    .await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        weak.body
    );
    assert!(
        weak.body.contains("at least 10 characters"),
        "{}",
        weak.body
    );
    let audited = store.audit_log(1000).await.unwrap().len();
    let (cookie, csrf) = login_csrf(&app, &path).await;
    let new = "a new and long passphrase";
    let done = send(
        &app,
        post_form(
            &path,
            Some(&cookie),
            &[("csrf_token", &csrf), ("password", new), ("repeated", new)],
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let notice = send(&app, get("/login?reset=1", None)).await;
    assert!(notice.body.contains("Your new password is set"));

    // The new password signs in, the old one no longer; the earlier session has ended.
    let refused = sign_in(&app, AMARA, PASSWORD).await.unwrap_err();
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "the old password no longer signs in"
    );
    sign_in(&app, AMARA, new).await.unwrap();
    let stale = send(&app, get("/", Some(&earlier))).await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER, "the old session ended");
    let log = store.audit_log(1000).await.unwrap();
    assert_eq!(log.len(), audited + 1);
    assert_eq!(log[0].action, "user.password_reset_by_link");
    assert!(!log[0].after.as_ref().unwrap().to_string().contains(new));

    // The link works once.
    let again = send(&app, get(&path, None)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("This link no longer works"));
    let (cookie, csrf) = login_csrf(&app, &path).await;
    let replay = send(
        &app,
        post_form(
            &path,
            Some(&cookie),
            &[
                ("csrf_token", &csrf),
                ("password", "another long passphrase"),
                ("repeated", "another long passphrase"),
            ],
        ),
    )
    .await;
    assert_eq!(replay.status, StatusCode::NOT_FOUND);
    sign_in(&app, AMARA, new).await.unwrap();

    // Three links an hour at most: the fourth request sends nothing, and says the same.
    for _ in 0..3 {
        let reply = ask_for_link(&app, AMARA).await;
        assert!(reply.body.contains("Check your e-mail"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        links(&mails).len(),
        3,
        "the first link and two more: three an hour"
    );

    // A forged form sends nothing.
    let forged = send(
        &app,
        post_form(
            "/login/forgot",
            None,
            &[("csrf_token", "forged"), ("email", AMARA)],
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Without e-mail set up, the page says whom to ask.
    let plain = router(AppState::new(store.clone()));
    let page = send(&plain, get("/login/forgot", None)).await;
    assert!(page.body.contains("ask an administrator"), "{}", page.body);
}
