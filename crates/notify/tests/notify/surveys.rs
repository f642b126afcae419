//! Survey invitations through a real SMTP listener (issue 29): 100 customers invited to the
//! "Delivery day" survey from a file, then a second file for the installation survey that
//! names 30 of them again — within the contact-frequency window only its 20 new customers are
//! invited; every customer receives exactly one e-mail, with their own link (which opens their
//! invitation) and an unsubscribe link; nothing goes out in quiet hours; a second round sends
//! nothing; reminders go once, and not to those who answered or opted out.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use throughline_domain::survey::RawAnswers;
use throughline_ingest::invitations::read_invitations;
use throughline_notify::surveys::{SendPolicy, send_invitations};
use throughline_notify::testing::{smtp_config, smtp_server};
use throughline_service::changes::Actor;
use throughline_service::surveys::{
    self, InvitePolicy, Link, Submission, SubmitOutcome, SurveyInput,
};
use throughline_store::testing::TestDatabase;

use crate::{example_workspace, part};

const OPS: Actor<'static> = Actor::CommandLine { os_user: "ops" };

fn customers_file(
    dir: &Path,
    name: &str,
    rows: impl Iterator<Item = (u32, &'static str)>,
) -> std::path::PathBuf {
    // Customer 7 reads German.
    let mut csv = String::from("customer,email,touchpoint,event_date,language\n");
    for (n, touchpoint) in rows {
        csv.push_str(&format!(
            "C-{n:03},customer{n:03}@example.com,{touchpoint},2026-11-{:02},{}\n",
            n % 28 + 1,
            if n == 7 { "de" } else { "" }
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, csv).unwrap();
    path
}

pub(crate) async fn survey_invitations_reach_customers_once(db: &TestDatabase) {
    let store = example_workspace(db).await;
    let survey = |touchpoint: &str| SurveyInput {
        touchpoint: touchpoint.to_owned(),
        measure: "nps".into(),
        ..SurveyInput::default()
    };
    let mut german = throughline_domain::survey::Translations::new();
    german.insert(
        throughline_domain::survey::Language::De,
        throughline_domain::survey::Translation {
            place: Some("Liefertag".into()),
            ..Default::default()
        },
    );
    let delivery = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            translations: german,
            ..survey("delivery-day")
        },
    )
    .await
    .unwrap();
    let install = surveys::create(&store, OPS, &survey("installation"))
        .await
        .unwrap();

    let first = read_invitations(
        &customers_file(
            db.dir.path(),
            "delivered.csv",
            (1..=100).map(|n| (n, "delivery-day")),
        ),
        None,
    )
    .unwrap();
    assert_eq!(first.values.len(), 100);
    let report = surveys::invite(&store, OPS, None, &first.values, InvitePolicy::default())
        .await
        .unwrap();
    assert_eq!(
        report.invited,
        vec![(delivery.id, delivery.title.clone(), 100)]
    );
    // 30 customers surveyed a moment ago, and 20 new ones.
    let second = read_invitations(
        &customers_file(
            db.dir.path(),
            "installed.csv",
            (71..=120).map(|n| (n, "installation")),
        ),
        None,
    )
    .unwrap();
    let report = surveys::invite(&store, OPS, None, &second.values, InvitePolicy::default())
        .await
        .unwrap();
    assert_eq!(
        report.invited,
        vec![(install.id, install.title.clone(), 20)]
    );
    assert_eq!(report.skipped_recent, 30);

    let (port, mailbox) = smtp_server().await;
    let smtp = smtp_config(port, "Northwind Home <surveys@northwind.example>");
    let policy = |quiet: Option<(u8, u8)>, remind: Option<u32>| SendPolicy {
        public_url: "https://cx.northwind.example/".into(),
        quiet_hours: quiet,
        remind_after_days: remind,
    };

    // In quiet hours nothing goes.
    let hour = u8::try_from(
        throughline_domain::Timestamp::now()
            .as_millis()
            .rem_euclid(86_400_000)
            / 3_600_000,
    )
    .unwrap();
    let quiet = send_invitations(&store, &smtp, &policy(Some((hour, (hour + 1) % 24)), None))
        .await
        .unwrap();
    assert!(quiet.quiet);
    assert!(mailbox.lock().unwrap().is_empty());

    let round = send_invitations(&store, &smtp, &policy(None, None))
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed.len()), (120, 0), "{round:?}");
    let received: Vec<(String, String)> = mailbox.lock().unwrap().clone();
    assert_eq!(received.len(), 120);
    let mut per_customer: HashMap<String, u32> = HashMap::new();
    for (to, _) in &received {
        *per_customer.entry(to.clone()).or_default() += 1;
    }
    assert_eq!(per_customer.len(), 120, "no customer twice");
    // Each e-mail carries its customer's own link, which opens their invitation.
    let (to, message) = received
        .iter()
        .find(|(to, _)| to == "customer075@example.com")
        .unwrap();
    let text = part(message, "text/plain");
    assert!(text.contains("Delivery day"), "{text}");
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("https://cx.northwind.example/s/i"))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let token = link.trim_start_matches("https://cx.northwind.example/s/");
    assert!(text.contains(&format!("{link}/unsubscribe")), "{text}");
    let html = part(message, "text/html");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    let Some(Link::Invitation(opened, invitation)) =
        surveys::open_link(&store, token).await.unwrap()
    else {
        panic!("{token} opens no invitation");
    };
    assert_eq!(
        (opened.id, invitation.email.as_str()),
        (delivery.id, to.as_str())
    );
    assert_eq!(invitation.customer, "C-075");
    // The customer who reads German gets the invitation in German.
    let (_, message) = received
        .iter()
        .find(|(to, _)| to == "customer007@example.com")
        .unwrap();
    let text = part(message, "text/plain");
    assert!(
        text.contains("wir möchten wissen, wie gut wir Sie bei dem unterstützt haben")
            && text.contains("(Liefertag)")
            && text.contains("Nie wieder gefragt werden"),
        "{text}"
    );

    // A second round sends nothing more.
    let again = send_invitations(&store, &smtp, &policy(None, None))
        .await
        .unwrap();
    assert_eq!((again.sent, again.reminded), (0, 0));

    // C-075 answers and C-076 opts out: the reminder round skips both, and reminds once.
    let form = surveys::form_token(&store, token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let answered = surveys::submit(
        &store,
        token,
        &Submission {
            answers: RawAnswers {
                goal: "2".into(),
                measure: "4".into(),
                hindering: "The crew came four hours late".into(),
                ..RawAnswers::default()
            },
            form_token: form,
            honeypot: String::new(),
            ..Submission::default()
        },
    )
    .await
    .unwrap();
    assert!(matches!(answered, SubmitOutcome::Stored(_)), "{answered:?}");
    let c076 = surveys::invitation_token(&store, invitation.id + 1)
        .await
        .unwrap();
    assert!(surveys::opt_out(&store, &c076).await.unwrap());
    mailbox.lock().unwrap().clear();
    let reminders = send_invitations(&store, &smtp, &policy(None, Some(0)))
        .await
        .unwrap();
    assert_eq!(reminders.reminded, 118, "{reminders:?}");
    let reminded: Vec<String> = mailbox
        .lock()
        .unwrap()
        .iter()
        .map(|(to, _)| to.clone())
        .collect();
    assert!(!reminded.contains(&"customer075@example.com".to_owned()));
    assert!(!reminded.contains(&"customer076@example.com".to_owned()));
    let once_more = send_invitations(&store, &smtp, &policy(None, Some(0)))
        .await
        .unwrap();
    assert_eq!(once_more.reminded, 0);
    let counts = store.invitation_counts(delivery.id).await.unwrap();
    assert_eq!(
        (counts.invited, counts.sent, counts.responded),
        (100, 100, 1)
    );
}
