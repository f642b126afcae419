//! A change and its line in the audit log land in one transaction: when the audit line cannot
//! be written the change is undone, a change that fails leaves no line, a successful one leaves
//! exactly one; and the store's transactions underneath (savepoints for a method's own write,
//! rollback when dropped, a failed part refusing the commit).

use throughline_domain::Name;
use throughline_service::changes::{self, Actor};
use throughline_store::testing::TestDatabase;
use throughline_store::{Backend, backend_tests};

use crate::workspace;

/// A trigger that refuses every new audit line, as a full disk or a crash between the change and
/// its line would.
async fn refuse_audit_lines(db: &TestDatabase) {
    match db.backend {
        Backend::Sqlite => {
            db.execute(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit line refused'); END",
            )
            .await;
        }
        Backend::Postgres => {
            db.execute(
                "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'audit line refused'; END $$ LANGUAGE plpgsql",
            )
            .await;
            db.execute(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
            )
            .await;
        }
    }
}

async fn accept_audit_lines(db: &TestDatabase) {
    match db.backend {
        Backend::Sqlite => db.execute("DROP TRIGGER refuse_audit").await,
        Backend::Postgres => db.execute("DROP TRIGGER refuse_audit ON audit_log").await,
    }
}

async fn a_change_lands_with_its_audit_line_or_not_at_all(db: &TestDatabase) {
    let store = workspace(db).await;
    let cli = Actor::CommandLine { os_user: "ops" };
    let lines = store.audit_log(1000).await.unwrap().len();

    // The audit line cannot be written: the change is not made either.
    refuse_audit_lines(db).await;
    let err = changes::record_kpi(&store, cli, "lead-volume", "2026-11-02", 120.0)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("audit line refused"), "{err}");
    assert!(store.kpi_values("lead-volume").await.unwrap().is_empty());
    // Nor is a meeting scheduled.
    let meetings = store.meetings(None).await.unwrap().len();
    let err = changes::schedule_meeting(&store, cli, "cx-council", Some("2026-12-10"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("audit line refused"), "{err}");
    assert_eq!(store.meetings(None).await.unwrap().len(), meetings);
    accept_audit_lines(db).await;
    assert_eq!(store.audit_log(1000).await.unwrap().len(), lines);

    // A change that fails writes no line.
    let err = changes::record_kpi(&store, cli, "lead-volume", "the second of November", 1.0)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("date"), "{err}");
    assert_eq!(store.audit_log(1000).await.unwrap().len(), lines);

    // One that succeeds writes exactly one, with the change.
    changes::record_kpi(&store, cli, "lead-volume", "2026-11-02", 120.0)
        .await
        .unwrap();
    let log = store.audit_log(1000).await.unwrap();
    assert_eq!(log.len(), lines + 1);
    assert_eq!(log[0].action, "kpi.record");
    assert_eq!(log[0].actor, "cli:ops");
    assert_eq!(store.kpi_values("lead-volume").await.unwrap().len(), 1);
}

async fn store_transactions_commit_whole_or_roll_back(db: &TestDatabase) {
    let store = workspace(db).await;
    let lines = store.audit_log(1000).await.unwrap().len();
    let org = store.load_organisation().await.unwrap().unwrap();
    let mut renamed = org.clone();
    renamed.departments[0].name = Name::parse("Renamed in a transaction").unwrap();

    // Dropped without a commit: nothing of it stays.
    let tx = store.write_transaction().await.unwrap();
    tx.audit("test", "test.dropped", "nothing", None, None)
        .await
        .unwrap();
    tx.apply_organisation(&renamed, false).await.unwrap();
    drop(tx);
    assert_eq!(store.audit_log(1000).await.unwrap().len(), lines);
    assert_eq!(store.load_organisation().await.unwrap().unwrap(), org);

    // A method's own write inside a transaction is a savepoint: a dry run rolls back only its
    // part; the commit keeps the rest; a transaction joined by a use case is committed once.
    let tx = store.write_transaction().await.unwrap();
    tx.audit("test", "test.kept", "kept", None, None)
        .await
        .unwrap();
    let diff = tx.apply_organisation(&renamed, true).await.unwrap();
    assert!(!diff.is_empty());
    let joined = tx.write_transaction().await.unwrap();
    joined.apply_organisation(&renamed, false).await.unwrap();
    joined.commit().await.unwrap();
    tx.commit().await.unwrap();
    let log = store.audit_log(1000).await.unwrap();
    assert_eq!(log.len(), lines + 1);
    assert_eq!(log[0].action, "test.kept");
    assert_eq!(store.load_organisation().await.unwrap().unwrap(), renamed);

    // A part that failed midway (a write begun and abandoned) refuses the whole commit.
    let tx = store.write_transaction().await.unwrap();
    tx.audit("test", "test.refused", "refused", None, None)
        .await
        .unwrap();
    let bad = throughline_store::ImportStart {
        source: Name::parse("abandoned").unwrap(),
        file_name: "abandoned.csv".to_owned(),
        format: "csv".to_owned(),
        mapping: "{}".to_owned(),
        started_at: throughline_domain::Timestamp::now(),
    };
    let session = tx.begin_import(bad).await.unwrap();
    drop(session);
    let err = tx.commit().await.unwrap_err();
    assert!(err.to_string().contains("failed midway"), "{err}");
    assert_eq!(store.audit_log(1000).await.unwrap().len(), lines + 1);
}

backend_tests!(
    a_change_lands_with_its_audit_line_or_not_at_all,
    store_transactions_commit_whole_or_roll_back,
);
