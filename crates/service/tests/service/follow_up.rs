//! Closing the loop (issue 29, 4): the example organisation's rules open a follow-up case for a
//! detractor's survey answer and for "cancel my contract" in an API record, for the department
//! that owns the touchpoint, due by severity; a record without a customer, an old record and a
//! happy customer open none, and a second scan opens nothing again. Only the department's
//! people (and chairs, administrators) work the case; closing it records the outcome, the
//! customer's answer and the root-cause theme, audited; the digest lists open cases and the
//! follow-up rate counts it.

use std::time::Duration;

use throughline_domain::Timestamp;
use throughline_domain::action::Date;
use throughline_domain::survey::RawAnswers;
use throughline_ingest::invitations::InvitationRow;
use throughline_service::accounts::{self, NewAccount};
use throughline_service::changes::Actor;
use throughline_service::digest::{self, Period};
use throughline_service::follow_up::{self, CaseInput};
use throughline_service::surveys::{self, InvitePolicy, Submission, SubmitOutcome, SurveyInput};
use throughline_service::{ServiceError, feedback};
use throughline_store::testing::TestDatabase;
use throughline_store::{CandidateScope, CaseStatus};

use crate::workspace;

const OPS: Actor<'static> = Actor::CommandLine { os_user: "ops" };

async fn member(
    store: &throughline_store::Store,
    email: &str,
    department: &str,
) -> throughline_store::StoredUser {
    accounts::add_user(
        store,
        NewAccount {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            role: "member".into(),
            department: Some(department.into()),
            password: "a long enough passphrase".into(),
        },
        "test",
    )
    .await
    .unwrap()
}

pub(crate) async fn follow_up_cases_close_the_loop(db: &TestDatabase) {
    let store = workspace(db).await;
    let org = store.load_organisation().await.unwrap().unwrap();
    assert_eq!(org.follow_up.len(), 2, "the example file's rules");

    // A detractor answers the delivery survey by their own link.
    let survey = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            touchpoint: "delivery-day".into(),
            measure: "nps".into(),
            ..SurveyInput::default()
        },
    )
    .await
    .unwrap();
    let row = |customer: &str| InvitationRow {
        line: 2,
        customer: customer.into(),
        email: throughline_domain::Email::parse(&format!("{customer}@example.com")).unwrap(),
        touchpoint: None,
        event_date: None,
        language: None,
    };
    surveys::invite(
        &store,
        OPS,
        Some(survey.id),
        &[row("ann"), row("ben")],
        InvitePolicy::default(),
    )
    .await
    .unwrap();
    let ann = surveys::invitation_token(&store, 1).await.unwrap();
    let ben = surveys::invitation_token(&store, 2).await.unwrap();
    let forms = [
        surveys::form_token(&store, &ann).await.unwrap(),
        surveys::form_token(&store, &ben).await.unwrap(),
        surveys::form_token(&store, &survey.public_token)
            .await
            .unwrap(),
    ];
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let answer = |nps: &str, hindering: &str| RawAnswers {
        goal: "2".into(),
        measure: nps.into(),
        hindering: hindering.into(),
        ..RawAnswers::default()
    };
    let submit = |token: &str, form: &str, raw: RawAnswers| {
        let store = store.clone();
        let token = token.to_owned();
        let form = form.to_owned();
        async move {
            surveys::submit(
                &store,
                &token,
                &Submission {
                    answers: raw,
                    form_token: form,
                    honeypot: String::new(),
                    ..Submission::default()
                },
            )
            .await
            .unwrap()
        }
    };
    let SubmitOutcome::Stored(ann_record) = submit(
        &ann,
        &forms[0],
        answer("3", "The crew came four hours late"),
    )
    .await
    else {
        panic!("stored expected");
    };
    // A promoter, and an anonymous detractor (nobody to call back): no case.
    submit(&ben, &forms[1], answer("10", "")).await;
    submit(&survey.public_token, &forms[2], answer("0", "Awful")).await;
    let cases = follow_up::list(&store, None, true, 100).await.unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    let case = &cases[0];
    assert_eq!(case.case.feedback_id, ann_record);
    assert_eq!(case.case.department, "fulfilment");
    assert_eq!(case.case.customer, "ann");
    assert_eq!(case.case.rule_name, "Detractor");
    assert_eq!(case.case.reason, "NPS 3 (6 or less)");
    let hours = (case.case.due_at.as_millis() - case.case.opened_at.as_millis()) / 3_600_000;
    assert_eq!(hours, 72, "normal severity: three days");
    assert!(case.text.contains("four hours late"));
    assert!(!case.overdue);

    // Words in an API record open a high-severity case; an old record and no customer do not.
    let today = Date::today();
    feedback::ingest(
        &store,
        Some("crm"),
        vec![
            serde_json::json!({"id": "t-1", "customer": "cal", "date": today.as_str(),
                "touchpoint": "installation", "comment": "The fitting was unsafe, I will cancel my contract"}),
            serde_json::json!({"id": "t-2", "customer": "dee", "date": "2019-03-01",
                "touchpoint": "installation", "nps": 1, "comment": "Old news"}),
            serde_json::json!({"id": "t-3", "date": today.as_str(),
                "touchpoint": "installation", "nps": 1, "comment": "No name given"}),
        ],
    )
    .await
    .unwrap();
    let cases = follow_up::list(&store, Some("field-service"), true, 100)
        .await
        .unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0].case.customer, "cal");
    assert_eq!(cases[0].case.reason, "wrote “cancel my contract”");
    assert_eq!(
        (cases[0].case.due_at.as_millis() - cases[0].case.opened_at.as_millis()) / 3_600_000,
        24
    );
    // Scanning again opens nothing new.
    let again = follow_up::scan(&store, CandidateScope::Recent)
        .await
        .unwrap();
    assert_eq!(again.opened, 0);

    // Who may work the case.
    let fulfilment = member(&store, "fay@northwind.example", "fulfilment").await;
    let billing = member(&store, "bill@northwind.example", "billing").await;
    let id = case.case.id;
    let contacted = CaseInput {
        status: "contacted".into(),
        note: "Called Ann, apologised, rebooked the missing part".into(),
        ..CaseInput::default()
    };
    assert!(matches!(
        follow_up::change(&store, Actor::User(&billing), id, &contacted).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        follow_up::change(&store, Actor::User(&fulfilment), id, &CaseInput::default()).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        follow_up::change(
            &store,
            Actor::User(&fulfilment),
            id,
            &CaseInput {
                status: "forgotten".into(),
                ..CaseInput::default()
            }
        )
        .await,
        Err(ServiceError::Invalid(_))
    ));
    follow_up::change(&store, Actor::User(&fulfilment), id, &contacted)
        .await
        .unwrap();
    // The root cause is a theme of the analysis (old synthetic records: they open no case).
    crate::import_synthetic(&store, db.dir.path(), 400, 7).await;
    throughline_service::analysis::analyze(&store, Default::default())
        .await
        .unwrap();
    assert_eq!(
        follow_up::list(&store, None, false, 100)
            .await
            .unwrap()
            .len(),
        2
    );
    let theme = store.themes().await.unwrap()[0].id;
    follow_up::change(
        &store,
        Actor::User(&fulfilment),
        id,
        &CaseInput {
            status: "resolved".into(),
            customer_says_resolved: "yes".into(),
            theme: theme.to_string(),
            note: "Part delivered; Ann is happy".into(),
            ..CaseInput::default()
        },
    )
    .await
    .unwrap();
    let (closed, notes) = follow_up::case(&store, id).await.unwrap();
    assert_eq!(closed.case.status, CaseStatus::Resolved);
    assert_eq!(closed.case.customer_says_resolved, Some(true));
    assert_eq!(closed.case.theme_id, Some(theme));
    assert!(closed.case.contacted_at.is_some() && closed.case.closed_at.is_some());
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].author, "fay@northwind.example");
    let audit = store.audit_log(100).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "follow_up.change")
            .count(),
        2,
        "a refused change leaves no audit row"
    );
    assert!(
        follow_up::list(&store, Some("fulfilment"), true, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // The rate and time of follow-up, and the digest of the department with an open case.
    let stats = follow_up::by_department(
        &store,
        Timestamp::from_millis(Timestamp::now().as_millis() - 86_400_000),
    )
    .await
    .unwrap();
    let fulfilment_stats = stats.iter().find(|s| s.department == "fulfilment").unwrap();
    assert_eq!(
        (fulfilment_stats.opened, fulfilment_stats.followed_up),
        (1, 1)
    );
    assert_eq!(fulfilment_stats.rate, Some(1.0));
    let field = stats
        .iter()
        .find(|s| s.department == "field-service")
        .unwrap();
    assert_eq!((field.opened, field.followed_up, field.open), (1, 0, 1));
    let period = Period::parse("this-week", &today).unwrap();
    let d = digest::digest(&store, "field-service", &period)
        .await
        .unwrap();
    assert_eq!((d.open_cases, d.overdue_cases), (1, 0));
    assert_eq!(d.follow_up[0].customer, "cal");
}
