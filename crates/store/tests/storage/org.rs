use throughline_domain::org::{self, ChangeKind, Organisation};
use throughline_store::backend_tests;
use throughline_store::testing::TestDatabase;

const EXAMPLE: &str = include_str!("../../../../examples/org.toml");

fn example() -> Organisation {
    org::parse(EXAMPLE)
        .expect("the example organisation is valid")
        .organisation
}

async fn applying_twice_changes_nothing_the_second_time(db: &TestDatabase) {
    let store = db.store().await;
    assert_eq!(store.load_organisation().await.unwrap(), None);

    let first = store.apply_organisation(&example(), false).await.unwrap();
    assert!(
        first.count(ChangeKind::Added) > 50,
        "{} changes",
        first.changes.len()
    );
    assert_eq!(first.count(ChangeKind::Removed), 0);

    let second = store.apply_organisation(&example(), false).await.unwrap();
    assert!(second.is_empty(), "second apply: {:?}", second.changes);
    assert_eq!(store.load_organisation().await.unwrap(), Some(example()));
}

async fn a_dry_run_writes_nothing(db: &TestDatabase) {
    let store = db.store().await;
    let diff = store.apply_organisation(&example(), true).await.unwrap();
    assert!(!diff.is_empty());
    assert_eq!(store.load_organisation().await.unwrap(), None);
}

async fn edits_are_applied_in_place(db: &TestDatabase) {
    let store = db.store().await;
    store.apply_organisation(&example(), false).await.unwrap();

    // Rename a department, move a touchpoint to another stage, drop a stage's last touchpoint
    // set by removing the stage, drop a metric, and re-rank two moments of truth.
    let mut edited = example();
    edited.departments[1].name = throughline_domain::Name::parse("Sales & Partnerships").unwrap();
    let moved = edited.journey.stages[0].touchpoints.remove(3);
    edited.journey.stages[6].touchpoints.push(moved);
    let dropped = edited.metrics.pop().unwrap();
    for moment in &mut edited.moments_of_truth {
        moment.metrics.retain(|k| k != &dropped.key);
    }
    edited.moments_of_truth.swap(0, 1);
    edited.moments_of_truth[0].rank = 1;
    edited.moments_of_truth[1].rank = 2;

    let diff = store.apply_organisation(&edited, false).await.unwrap();
    let text: Vec<String> = diff.changes.iter().map(ToString::to_string).collect();
    assert!(
        text.contains(&"~ department sales: name \"Sales\" -> \"Sales & Partnerships\"".to_owned()),
        "{text:#?}"
    );
    assert!(
        text.iter().any(|t| t
            .starts_with("~ touchpoint email-campaigns: stage \"discover\" -> \"stay-or-leave\"")),
        "{text:#?}"
    );
    assert!(
        text.contains(&"- metric care-plan-renewals".to_owned()),
        "{text:#?}"
    );
    assert_eq!(
        store.load_organisation().await.unwrap(),
        Some(edited.clone())
    );
    assert!(
        store
            .apply_organisation(&edited, false)
            .await
            .unwrap()
            .is_empty()
    );

    // And back again.
    store.apply_organisation(&example(), false).await.unwrap();
    assert_eq!(store.load_organisation().await.unwrap(), Some(example()));
}

async fn removing_a_department_removes_its_ownership(db: &TestDatabase) {
    let store = db.store().await;
    store.apply_organisation(&example(), false).await.unwrap();

    let it = throughline_domain::Key::parse("it").unwrap();
    let service = throughline_domain::Key::parse("customer-service").unwrap();
    let mut without_it = example();
    without_it.departments.retain(|d| d.key != it);
    for stage in &mut without_it.journey.stages {
        for tp in &mut stage.touchpoints {
            tp.contributors.retain(|k| k != &it);
            if tp.owners.contains(&it) {
                tp.owners = vec![service.clone()];
                tp.contributors.retain(|k| k != &service);
            }
        }
    }
    without_it.metrics.retain(|m| m.department != it);
    let kept: Vec<_> = without_it.metrics.iter().map(|m| m.key.clone()).collect();
    for moment in &mut without_it.moments_of_truth {
        moment.metrics.retain(|k| kept.contains(k));
    }
    for council in &mut without_it.councils {
        council
            .members
            .retain(|m| m.department.as_ref() != Some(&it));
    }
    // What remains must still be a valid organisation.
    let without_it = org::parse(&without_it.to_toml()).unwrap().organisation;
    let diff = store.apply_organisation(&without_it, false).await.unwrap();
    assert!(
        diff.changes
            .iter()
            .any(|c| c.to_string() == "- department it")
    );
    let loaded = store.load_organisation().await.unwrap().unwrap();
    assert!(
        loaded
            .department(&throughline_domain::Key::parse("it").unwrap())
            .is_none()
    );
    assert_eq!(loaded, without_it);
}

async fn reconnecting_keeps_the_data(db: &TestDatabase) {
    let store = db.store().await;
    store.apply_organisation(&example(), false).await.unwrap();
    store.close().await;
    let again = db.store().await;
    assert_eq!(again.load_organisation().await.unwrap(), Some(example()));
}

/// The organisation is kept in memory between reads (every page reads it: fifteen queries) and
/// read again whenever it was written — by this instance, in the same millisecond, or by another
/// instance on the same database.
async fn every_write_of_the_organisation_is_read_at_once(db: &TestDatabase) {
    let store = db.store().await;
    let other_instance = db.store().await;
    store.apply_organisation(&example(), false).await.unwrap();
    assert_eq!(store.load_organisation().await.unwrap(), Some(example()));
    let mut renamed = example();
    for i in 0..5 {
        // Written and read back at once, several times within a few milliseconds.
        renamed.departments[1].name =
            throughline_domain::Name::parse(&format!("Sales {i}")).unwrap();
        store.apply_organisation(&renamed, false).await.unwrap();
        assert_eq!(
            store.load_organisation().await.unwrap().as_ref(),
            Some(&renamed)
        );
    }
    assert_eq!(
        other_instance.load_organisation().await.unwrap().as_ref(),
        Some(&renamed)
    );
    // Another instance's write is seen by this one.
    other_instance
        .apply_organisation(&example(), false)
        .await
        .unwrap();
    assert_eq!(store.load_organisation().await.unwrap(), Some(example()));
}

backend_tests!(
    every_write_of_the_organisation_is_read_at_once,
    applying_twice_changes_nothing_the_second_time,
    a_dry_run_writes_nothing,
    edits_are_applied_in_place,
    removing_a_department_removes_its_ownership,
    reconnecting_keeps_the_data,
    an_older_instance_uses_a_schema_its_successor_expanded,
);

#[tokio::test]
async fn a_sqlite_file_is_created_on_first_use_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested-name.db");
    assert!(!path.exists());
    let store = throughline_store::Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.apply_organisation(&example(), false).await.unwrap();
    assert!(path.exists());
    assert!(
        dir.path().join("nested-name.db-wal").exists(),
        "WAL mode keeps a -wal file beside the database while it is open"
    );
    store.close().await;
}

/// Rolling upgrades (issue 28, 11: after one newer binary migrated a shared database, every older
/// instance refused to start): an instance finds migrations newer than it knows and starts when
/// each of them admits its version (`schema_compat`), and refuses — saying what to do — when
/// one does not.
async fn an_older_instance_uses_a_schema_its_successor_expanded(db: &TestDatabase) {
    use sqlx::Executor;
    let store = db.store().await;
    store.close().await;
    // What a newer Throughline would leave: two further migrations, the first an expansion
    // this version can use.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let future = |version: i64| {
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, 'a later version', $2, $3, 0)",
        )
        .bind(version)
        .bind(true)
        .bind(vec![0u8; 48])
    };
    future(9001).execute(&pool).await.unwrap();
    pool.execute("INSERT INTO schema_compat (version, oldest_reader) VALUES (9001, 20)")
        .await
        .unwrap();
    let older = throughline_store::Store::connect(&db.url)
        .await
        .expect("an expansion admits this version");
    assert!(older.feedback_count().await.is_ok());
    older.close().await;

    // A contraction: this version can no longer use the schema, and says so.
    future(9002).execute(&pool).await.unwrap();
    pool.execute("INSERT INTO schema_compat (version, oldest_reader) VALUES (9002, 9002)")
        .await
        .unwrap();
    pool.close().await;
    let refused = throughline_store::Store::connect(&db.url)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("upgraded to schema version 9002 by a newer Throughline")
            && refused.contains("upgrade this instance"),
        "{refused}"
    );
}
