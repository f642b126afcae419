//! A customer erased on request (issue 28, 6): their words appear nowhere afterwards — not in
//! the feedback, its analysis, their events, nor a closed meeting's kept agenda that quoted
//! them — the analysis is brought up to date without them, and the audit log records the
//! erasure without their id or words.

use throughline_domain::{Key, Name, Timestamp};
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_service::changes::Actor;
use throughline_service::{ServiceError, customers};
use throughline_store::testing::TestDatabase;
use throughline_store::{ERASED, NewEvent};

use crate::{import_csv, import_synthetic, workspace};

const WORDS: &str = "The van driver Zebediah shouted at my mother";

pub(crate) async fn an_erased_customer_appears_nowhere(db: &TestDatabase) {
    let store = workspace(db).await;
    import_synthetic(&store, db.dir.path(), 1500, 42).await;
    import_csv(
        &store,
        db.dir.path(),
        "support",
        &format!(
            "id,date,customer,nps,comment\n\
             z-1,2026-10-01,cust-42,1,\"{WORDS}. Never again.\"\n\
             z-2,2026-10-09,cust-42,2,Still no refund for the broken wardrobe after three weeks\n\
             z-3,2026-10-09,cust-7,9,Lovely sofa and a friendly installer\n"
        ),
    )
    .await;
    store
        .insert_events(
            "crm",
            &[NewEvent {
                customer: "cust-42".into(),
                kind: Key::parse("delivery").unwrap(),
                occurred_at: Timestamp::now(),
                dedup_key: "e-1".into(),
            }],
        )
        .await
        .unwrap();
    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    // A council meeting closed with the customer's words quoted in its kept agenda.
    let meeting = store
        .insert_meeting(
            &Key::parse("cx-council").unwrap(),
            &throughline_domain::action::Date::parse("2026-10-12").unwrap(),
        )
        .await
        .unwrap();
    let agenda =
        serde_json::json!({"items": [{"title": "Top Ten", "verbatims": [WORDS, "Lovely sofa"]}]});
    store.close_meeting(meeting, &agenda).await.unwrap();
    let total = store.feedback_count().await.unwrap();

    // Only administrators erase.
    let viewer = store.users().await.unwrap();
    assert!(viewer.is_empty());
    let erased = customers::erase(&store, Actor::CommandLine { os_user: "dpo" }, "cust-42")
        .await
        .unwrap();
    assert_eq!((erased.records, erased.events, erased.agendas), (2, 1, 1));
    assert_eq!(store.feedback_count().await.unwrap(), total - 2);

    // Nowhere: a backup of the whole database holds none of their words or their id.
    let mut everything = Vec::new();
    store.backup(&mut everything).await.unwrap();
    let everything = String::from_utf8(everything).unwrap();
    for trace in ["Zebediah", "broken wardrobe after three weeks", "cust-42"] {
        assert!(!everything.contains(trace), "{trace} is still stored");
    }
    assert!(
        everything.contains(ERASED),
        "the agenda says what was removed"
    );
    assert!(
        everything.contains("Lovely sofa and a friendly installer"),
        "others stay"
    );
    // The analysis counts the records that are left.
    let run = throughline_service::analysis::latest_run(&store)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.summary.records, total - 2);
    let log = store.audit_log(5).await.unwrap();
    let entry = log.iter().find(|e| e.action == "customer.erase").unwrap();
    assert_eq!(entry.subject, customers::audit_subject("cust-42"));
    assert_eq!(entry.actor, "cli:dpo");

    // The original export imported again does not bring them back: their rows are refused
    // with the reason; the other customer's row is already stored.
    let again = import_file(
        &store,
        ImportRequest {
            path: db.dir.path().join("support.csv"),
            source: Some(Name::parse("support").unwrap()),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    let totals = again.import.totals;
    assert_eq!(
        (totals.imported, totals.duplicates, totals.rejected),
        (0, 1, 2)
    );
    assert!(
        again.first_rejections[0]
            .reason
            .contains("erased on request"),
        "{:?}",
        again.first_rejections
    );
    assert_eq!(store.feedback_count().await.unwrap(), total - 2);

    // Nothing stored of a customer: said so, nothing changes.
    let none = customers::erase(&store, Actor::CommandLine { os_user: "dpo" }, "cust-42")
        .await
        .unwrap();
    assert_eq!(none.records + none.events, 0);
    let blank = customers::erase(&store, Actor::CommandLine { os_user: "dpo" }, "  ").await;
    assert!(matches!(blank, Err(ServiceError::Invalid(_))));
}
