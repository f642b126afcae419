//! The retention policy (issue 28, 6): an administrator keeps feedback for so many months;
//! applying the policy deletes older records (or anonymises them: they stay for the counts
//! without their words or customer), deletes older customer events, brings the analysis up to
//! date and writes the audit log; applying it again changes nothing and logs nothing.

use throughline_domain::{Key, Timestamp};
use throughline_service::accounts::{self, NewAccount};
use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_service::changes::Actor;
use throughline_service::{ServiceError, retention};
use throughline_store::testing::TestDatabase;
use throughline_store::{FeedbackFilter, NewEvent, RetentionMode};

use crate::{import_csv, import_synthetic, workspace};

const OPS: Actor<'static> = Actor::CommandLine { os_user: "ops" };

pub(crate) async fn old_feedback_goes_by_the_retention_policy(db: &TestDatabase) {
    let store = workspace(db).await;
    import_synthetic(&store, db.dir.path(), 600, 42).await;
    import_csv(
        &store,
        db.dir.path(),
        "archive",
        "id,date,customer,nps,comment\n\
         old-1,2019-03-01,cust-1,2,The old sofa arrived broken and nobody called back\n\
         old-2,2019-04-11,cust-2,9,Lovely old sofa\n",
    )
    .await;
    store
        .insert_events(
            "crm",
            &[
                NewEvent {
                    customer: "cust-1".into(),
                    kind: Key::parse("delivery").unwrap(),
                    occurred_at: Timestamp::from_millis(1_551_398_400_000), // 2019-03-01
                    dedup_key: "e-old".into(),
                },
                NewEvent {
                    customer: "cust-1".into(),
                    kind: Key::parse("delivery").unwrap(),
                    occurred_at: Timestamp::now(),
                    dedup_key: "e-new".into(),
                },
            ],
        )
        .await
        .unwrap();
    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    let total = store.feedback_count().await.unwrap();

    // Nothing happens without a policy.
    assert!(
        retention::apply(&store, OPS, Timestamp::now())
            .await
            .unwrap()
            .is_none()
    );
    // Bad values are refused with what to give; a member may not set one.
    for (months, mode) in [("0", "delete"), ("three", "delete"), ("12", "shred")] {
        let err = retention::set(&store, OPS, Some((months, mode)))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ServiceError::Invalid(_)),
            "{months} {mode}: {err}"
        );
    }
    accounts::add_user(
        &store,
        NewAccount {
            email: "bill@northwind.example".into(),
            name: "Bill".into(),
            role: "member".into(),
            department: Some("billing".into()),
            password: "a long enough passphrase".into(),
        },
        "test",
    )
    .await
    .unwrap();
    let bill = store
        .all_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.user.email.as_str() == "bill@northwind.example")
        .unwrap();
    let err = retention::set(&store, Actor::User(&bill), Some(("12", "delete")))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err}");
    assert!(store.retention_policy().await.unwrap().is_none());

    // Anonymised: the two old records stay for the counts, without words or customer.
    let policy = retention::set(&store, OPS, Some(("24", "anonymise")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((policy.months, policy.mode), (24, RetentionMode::Anonymise));
    let (_, outcome) = retention::apply(&store, OPS, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((outcome.records, outcome.events), (2, 1));
    assert_eq!(store.feedback_count().await.unwrap(), total);
    let archive = FeedbackFilter {
        source: Some("archive".into()),
        ..Default::default()
    };
    let kept = store.find_feedback(&archive, None, 10).await.unwrap();
    assert_eq!(kept.len(), 2);
    assert!(
        kept.iter()
            .all(|f| f.comment.is_none() && f.external_id.is_none())
    );
    assert!(kept.iter().any(|f| f.nps == Some(2)), "scores stay");
    let mut everything = Vec::new();
    store.backup(&mut everything).await.unwrap();
    let everything = String::from_utf8(everything).unwrap();
    assert!(!everything.contains("The old sofa arrived broken"));
    assert!(!everything.contains("cust-2"));
    // Again: nothing more to do, nothing more in the log.
    let log_before = store.audit_log(100).await.unwrap().len();
    let (_, again) = retention::apply(&store, OPS, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.records, again.events), (0, 0));
    assert_eq!(store.audit_log(100).await.unwrap().len(), log_before);

    // Deleted: the old records go, the analysis counts what is left, the log says so.
    retention::set(&store, OPS, Some(("24", "delete")))
        .await
        .unwrap();
    let (_, deleted) = retention::apply(&store, OPS, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deleted.records, 2);
    assert_eq!(store.feedback_count().await.unwrap(), total - 2);
    let run = throughline_service::analysis::latest_run(&store)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.summary.records, total - 2);
    let log = store.audit_log(10).await.unwrap();
    let applied = log.iter().find(|e| e.action == "retention.apply").unwrap();
    assert_eq!(applied.actor, "cli:ops");
    assert!(log.iter().any(|e| e.action == "retention.set"));
    let policy = store.retention_policy().await.unwrap().unwrap();
    assert!(policy.last_applied_at.is_some());

    // Off: nothing is applied any more.
    retention::set(&store, OPS, None).await.unwrap();
    assert!(
        retention::apply(&store, OPS, Timestamp::now())
            .await
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_cutoff_counts_calendar_months() {
    // 2026-03-31 minus one month is the last day of February.
    let march_31 = Timestamp::from_millis(1_774_915_200_000);
    let cutoff = retention::cutoff(march_31, 1);
    assert_eq!(
        throughline_domain::action::Date::of(cutoff).as_str(),
        "2026-02-28"
    );
    assert_eq!(
        throughline_domain::action::Date::of(retention::cutoff(march_31, 36)).as_str(),
        "2023-03-31"
    );
}
