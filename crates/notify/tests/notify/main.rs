//! Digests delivered to real listeners on both backends: an SMTP server started by the test
//! (it speaks the protocol: greeting, EHLO, MAIL, RCPT, DATA, QUIT) receives the e-mail, whose
//! headers, both parts and escaping are checked; an HTTP listener receives the webhooks (Slack
//! and generic); a failing and an unreachable webhook fail without blocking the others and are
//! retried when due; a second run, and two runs at once, send nothing twice; an opted-out
//! subscriber gets nothing. The key accounts' sponsors receive their accounts' digests the same
//! way.

use base64::Engine;
use std::path::Path;
use throughline_analytics::synthetic;
use throughline_domain::action::Date;
use throughline_domain::{Name, Timestamp};
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_notify::smtp::Security;
use throughline_notify::testing::{smtp_server, webhook_server};
use throughline_notify::{SmtpConfig, send_digests, send_sponsor_digests};
use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_service::changes::Actor;
use throughline_service::digest::Period;
use throughline_service::key_accounts::{self, ReviewInput};
use throughline_service::themes;
use throughline_store::testing::TestDatabase;
use throughline_store::{FeedbackFilter, ReviewAction, backend_tests};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
const HOSTILE: &str = "<script>alert(1)</script> & friends";

/// The MIME part of `message` with `content_type`, decoded.
pub(crate) fn part(message: &str, content_type: &str) -> String {
    let start = message
        .find(&format!("Content-Type: {content_type}"))
        .unwrap_or_else(|| panic!("no {content_type} part in {message}"));
    let rest = &message[start..];
    let (head, body) = rest.split_once("\r\n\r\n").unwrap();
    let body = body.split("\r\n--").next().unwrap();
    if head.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap(),
        )
        .unwrap()
    } else if head.contains("Content-Transfer-Encoding: quoted-printable") {
        let soft = body.replace("=\r\n", "");
        let bytes = soft.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                out.push(
                    u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16)
                        .unwrap(),
                );
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    } else {
        body.to_owned()
    }
}

/// A store with the example organisation applied.
pub(crate) async fn example_workspace(db: &TestDatabase) -> throughline_store::Store {
    db.example_workspace().await
}

async fn digests_reach_real_listeners_once(db: &TestDatabase) {
    let store = example_workspace(db).await;
    let csv = db.dir.path().join("feedback.csv");
    synthetic::write_csv(
        synthetic::Options {
            records: 1500,
            seed: 42,
            spike: true,
            shifts: true,
        },
        std::fs::File::create(&csv).unwrap(),
    )
    .unwrap();
    import_file(
        &store,
        ImportRequest {
            path: csv,
            source: Some(Name::parse("survey").unwrap()),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    // A hostile name on a theme the Billing digest shows: the costliest at Billing's stage.
    let top = themes::top_ten(&store, 0.5).await.unwrap();
    let at_pay = top
        .entries
        .iter()
        .find(|e| e.stage.as_deref() == Some("pay"))
        .expect("a Top Ten theme at the pay stage");
    themes::rename(&store, at_pay.theme, HOSTILE).await.unwrap();

    let (smtp_port, mails) = smtp_server().await;
    let (hook_port, hooks) = webhook_server().await;
    // A port bound but not listening, held to the end of the test: a connection to it is
    // refused every time. (A port bound and released could be taken by the webhook listener
    // of the other backend's run of this test, side by side: it once was, and a digest meant
    // to fail went through.)
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    let hook = format!("http://127.0.0.1:{hook_port}/hook");
    for (department, channel, target, format) in [
        (
            "billing",
            "email",
            "billing-team@northwind.example".to_owned(),
            "generic",
        ),
        (
            "it",
            "email",
            "it-team@northwind.example".to_owned(),
            "generic",
        ),
        ("fulfilment", "webhook", hook.clone(), "slack"),
        ("customer-service", "webhook", hook.clone(), "generic"),
        (
            "marketing",
            "webhook",
            format!("http://127.0.0.1:{hook_port}/broken"),
            "generic",
        ),
        (
            "product",
            "webhook",
            format!("http://127.0.0.1:{closed_port}/hook"),
            "generic",
        ),
    ] {
        store
            .add_subscription(department, channel, &target, format)
            .await
            .unwrap()
            .unwrap();
    }
    assert!(
        store
            .add_subscription(
                "billing",
                "email",
                "billing-team@northwind.example",
                "generic"
            )
            .await
            .unwrap()
            .is_none()
    );
    store
        .set_opt_out("IT-team@northwind.example", true)
        .await
        .unwrap();
    let smtp = SmtpConfig {
        host: "127.0.0.1".into(),
        port: smtp_port,
        security: Security::None,
        username: None,
        password: None,
        from: "Throughline <digests@northwind.example>".into(),
    };
    // October 2026: the synthetic data's last month.
    let period = Period::parse("2026-10", &Date::today()).unwrap();

    let report = send_digests(&store, &period, None, Some(&smtp))
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 3, "{report:?}");
    assert_eq!(report.opted_out, 1);
    assert_eq!(report.failed.len(), 2, "{report:?}");
    assert!(
        report
            .failed
            .iter()
            .any(|f| f.0 == "marketing" && f.3.contains("500"))
    );
    assert!(
        report
            .failed
            .iter()
            .any(|f| f.0 == "product" && f.3.contains("cannot connect"))
    );

    // The e-mail: headers, a plain and an HTML part, the customer's words escaped in HTML.
    let received = mails.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (to, message) = &received[0];
    assert_eq!(to, "billing-team@northwind.example");
    assert!(message.contains("From: Throughline <digests@northwind.example>"));
    assert!(message.contains("To: billing-team@northwind.example"));
    assert!(message.contains("Subject: Billing: what customers said, 2026-10-01 to 2026-11-01"));
    assert!(message.contains("multipart/alternative"));
    let plain = part(message, "text/plain");
    let html = part(message, "text/html");
    assert!(plain.contains("Billing — what customers said"), "{plain}");
    assert!(plain.contains("THEMES") && plain.contains("YOUR ACTIONS"));
    assert!(plain.contains("IN THE CUSTOMERS' WORDS"), "{plain}");
    assert!(
        html.contains("In the customers&#x27; words") || html.contains("In the customers' words")
    );
    assert!(!html.contains("<script"), "no customer markup in the HTML");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; friends"),
        "{html}"
    );
    assert!(plain.contains(HOSTILE), "the plain part is plain");

    // The webhooks: Slack-compatible and generic.
    let bodies = hooks.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    let slack = bodies
        .iter()
        .find(|b| b.get("blocks").is_some())
        .expect("a Slack message");
    assert!(slack["text"].as_str().unwrap().contains("*Fulfilment*"));
    assert!(!slack["text"].as_str().unwrap().contains("<script"));
    let generic = bodies
        .iter()
        .find(|b| b["type"] == "throughline.digest")
        .expect("a generic body");
    assert_eq!(generic["digest"]["department"], "customer-service");
    assert_eq!(generic["digest"]["period"]["key"], "2026-10");
    assert!(generic["digest"]["verbatims"].as_array().unwrap().len() >= 3);

    // Again: nothing new; the failures wait for their retry time.
    let again = send_digests(&store, &period, None, Some(&smtp))
        .await
        .unwrap();
    assert!(
        again.sent.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.already, 5);
    assert_eq!(mails.lock().unwrap().len(), 1);
    assert_eq!(hooks.lock().unwrap().len(), 2);

    // A failure whose retry is due is tried again (and fails again, counted).
    let log = store.deliveries(50).await.unwrap();
    assert_eq!(log.len(), 5);
    let broken = log.iter().find(|d| d.department == "marketing").unwrap();
    assert_eq!((broken.status.as_str(), broken.attempts), ("failed", 1));
    assert!(broken.next_attempt_at.is_some());
    store
        .delivery_failed(broken.id, "down", Some(Timestamp::from_millis(0)))
        .await
        .unwrap();
    let retried = send_digests(&store, &period, Some("marketing"), Some(&smtp))
        .await
        .unwrap();
    assert_eq!(retried.failed.len(), 1);
    let broken = store
        .deliveries(50)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.department == "marketing")
        .unwrap();
    assert_eq!(broken.attempts, 2);

    // Two senders at once (two server instances): each digest still goes out once.
    let september = Period::parse("2026-09", &Date::today()).unwrap();
    let (a, b) = tokio::join!(
        send_digests(&store, &september, None, Some(&smtp)),
        send_digests(&store, &september, None, Some(&smtp))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent.len() + b.sent.len(), 3, "{a:?} {b:?}");
    assert_eq!(mails.lock().unwrap().len(), 2);
    assert_eq!(hooks.lock().unwrap().len(), 4);

    // Without an SMTP server, e-mail fails (to be retried) and webhooks still go out.
    let august = Period::parse("2026-08", &Date::today()).unwrap();
    let without = send_digests(&store, &august, None, None).await.unwrap();
    assert!(
        without
            .failed
            .iter()
            .any(|f| f.1 == "email" && f.3.contains("THROUGHLINE_SMTP_HOST"))
    );
    assert_eq!(without.sent.len(), 2);

    // The key accounts' sponsors: each receives their account's period once, as the team sees
    // it — what its customers said, the goals after the latest review, the open actions, and a
    // word when the weekly review is late.
    let ops = Actor::CommandLine { os_user: "ops" };
    let accounts = std::fs::read_to_string(Path::new(EXAMPLES).join("accounts.toml")).unwrap();
    key_accounts::apply(&store, ops, &accounts).await.unwrap();
    key_accounts::review(
        &store,
        ops,
        "harbour-hotels",
        ReviewInput {
            on: Some("2026-10-28".into()),
            notes: "Renewal draft sent to procurement".into(),
            goals: [(
                "No installation rebooked twice".to_owned(),
                "at risk".to_owned(),
            )]
            .into(),
            actions: vec![ReviewAction {
                title: "Call the facilities manager".into(),
                owner: "Hannah Lee".into(),
                due: "2026-11-04".into(),
            }],
        },
    )
    .await
    .unwrap();
    let october_of = |customers: &[&str]| FeedbackFilter {
        customers: Some(customers.iter().map(|c| (*c).to_owned()).collect()),
        from: Some(period.from.start()),
        to: Some(period.to.start()),
        ..FeedbackFilter::default()
    };
    let harbour_records = store
        .count_feedback(&october_of(&["C-10000", "C-10003"]))
        .await
        .unwrap();
    assert!(
        harbour_records > 0,
        "the account's customers wrote in October"
    );
    let mails_before = mails.lock().unwrap().len();
    let sponsors = send_sponsor_digests(&store, &period, None, Some(&smtp))
        .await
        .unwrap();
    assert_eq!(sponsors.sent.len(), 2, "{sponsors:?}");
    let received = mails.lock().unwrap()[mails_before..].to_vec();
    assert_eq!(received.len(), 2);
    let (_, victor) = received
        .iter()
        .find(|(to, _)| to == "victor.hale@northwind.example")
        .expect("the Harbour Hotels sponsor's e-mail");
    assert!(
        victor
            .contains("Subject: Harbour Hotels Group: your key account, 2026-10-01 to 2026-10-31"),
        "{victor}"
    );
    let plain = part(victor, "text/plain");
    assert!(plain.contains("Dear Victor Hale"), "{plain}");
    assert!(
        plain.contains(&format!(
            "{harbour_records} comment{} from its customers",
            if harbour_records == 1 { "" } else { "s" }
        )),
        "{plain}"
    );
    assert!(
        plain.contains("- No installation rebooked twice: at risk"),
        "{plain}"
    );
    assert!(
        plain.contains(
            "- Renewal of the 3-year furnishing contract signed by March: not reviewed yet"
        ),
        "{plain}"
    );
    assert!(
        plain.contains(
            "2026-10-28 (3 days before the period's end): Renewal draft sent to procurement"
        ),
        "{plain}"
    );
    assert!(
        plain.contains("- Call the facilities manager (Hannah Lee) due 2026-11-04"),
        "{plain}"
    );
    assert!(!plain.contains("the weekly review is due"), "{plain}");
    assert!(
        plain.matches("\n- \"").count() >= 1,
        "a customer quoted: {plain}"
    );
    let html = part(victor, "text/html");
    assert!(
        html.contains("<h2 style=\"font-size: 18px;\">Goals</h2>"),
        "{html}"
    );
    let (_, tomasz) = received
        .iter()
        .find(|(to, _)| to == "tomasz.nowak@northwind.example")
        .expect("the City Student Living sponsor's e-mail");
    let plain = part(tomasz, "text/plain");
    assert!(
        plain.contains("The team has not reviewed the account yet."),
        "{plain}"
    );
    assert!(plain.contains("the weekly review is due"), "{plain}");

    // Again: nothing twice. An opted-out sponsor gets nothing for the next period.
    let again = send_sponsor_digests(&store, &period, None, Some(&smtp))
        .await
        .unwrap();
    assert!(again.sent.is_empty() && again.already == 2, "{again:?}");
    store
        .set_opt_out("tomasz.nowak@northwind.example", true)
        .await
        .unwrap();
    let september = send_sponsor_digests(&store, &september, None, Some(&smtp))
        .await
        .unwrap();
    assert_eq!(september.sent.len(), 1, "{september:?}");
    assert_eq!(september.opted_out, 1);
    // Without an SMTP server the e-mail fails, to be retried.
    let august = send_sponsor_digests(&store, &august, Some("harbour-hotels"), None)
        .await
        .unwrap();
    assert!(
        august.failed[0].3.contains("THROUGHLINE_SMTP_HOST"),
        "{august:?}"
    );
}

mod surveys;

use surveys::survey_invitations_reach_customers_once;

backend_tests!(
    digests_reach_real_listeners_once,
    survey_invitations_reach_customers_once,
);
