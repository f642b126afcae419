use std::collections::BTreeMap;

use throughline_domain::feedback::{NewFeedback, Nps, Scores, Texts, dedup_key};
use throughline_domain::{Key, Name, Timestamp};
use throughline_store::testing::TestDatabase;
use throughline_store::{ImportStart, ImportTotals, KeyedFeedback, backend_tests};

fn start() -> ImportStart {
    ImportStart {
        source: Name::parse("survey").unwrap(),
        file_name: "survey.csv".to_owned(),
        format: "csv".to_owned(),
        mapping: "id=id comment=comment".to_owned(),
        started_at: Timestamp::from_millis(1_000),
    }
}

fn record(id: Option<&str>, comment: &str, nps: u8) -> KeyedFeedback {
    let mut metadata = BTreeMap::new();
    metadata.insert("region".to_owned(), "Nörth \"quoted\"".to_owned());
    let record = NewFeedback::new(
        Name::parse("survey").unwrap(),
        id.map(str::to_owned),
        Timestamp::from_millis(1_772_582_400_000),
        Some("cust-1".to_owned()),
        Some("email".to_owned()),
        (Some(Key::parse("receive").unwrap()), None),
        Scores {
            nps: Some(Nps::new(nps).unwrap()),
            ..Scores::default()
        },
        Texts::new(Some(comment), None, Some("the wait")).unwrap(),
        metadata,
    )
    .unwrap();
    let dedup_key = dedup_key(&record, true);
    KeyedFeedback { record, dedup_key }
}

async fn stored_records_read_back_as_written_and_are_not_stored_twice(db: &TestDatabase) {
    let store = db.store().await;
    let batch: Vec<KeyedFeedback> = (0..2500)
        .map(|i| {
            record(
                Some(&format!("r{i}")),
                &format!("comment {i}"),
                (i % 11) as u8,
            )
        })
        .chain([record(None, "no id here", 3), record(None, "no id here", 3)])
        .collect();

    let mut session = store.begin_import(start()).await.unwrap();
    let inserted = session.insert(&batch).await.unwrap();
    assert_eq!(inserted, 2501, "the repeated id-less record is stored once");
    let totals = ImportTotals {
        rows_read: 2502,
        imported: inserted,
        duplicates: 1,
        rejected: 0,
        rejects_path: None,
    };
    let finished = session.finish(totals.clone()).await.unwrap();
    assert_eq!(store.feedback_count().await.unwrap(), 2501);

    let mut session = store.begin_import(start()).await.unwrap();
    assert_eq!(
        session.insert(&batch).await.unwrap(),
        0,
        "a re-import adds nothing"
    );
    session.finish(ImportTotals::default()).await.unwrap();

    let history = store.imports().await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1], finished);
    assert_eq!(history[1].totals, totals);

    let first = store.feedback_after(0, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].record, batch[0].record);
    assert_eq!(first[0].dedup_key, "id:r0");
    assert_eq!(first[0].import_id, Some(finished.id));
    let rest = store.feedback_after(first[1].id, 10_000).await.unwrap();
    assert_eq!(rest.len(), 2499);
    assert_eq!(rest.last().unwrap().record, batch[2500].record);
}

async fn an_unfinished_import_leaves_nothing(db: &TestDatabase) {
    let store = db.store().await;
    let mut session = store.begin_import(start()).await.unwrap();
    session
        .insert(&[record(Some("a"), "one", 9), record(Some("b"), "two", 2)])
        .await
        .unwrap();
    drop(session);
    assert_eq!(store.feedback_count().await.unwrap(), 0);
    assert!(store.imports().await.unwrap().is_empty());

    let mut session = store.begin_import(start()).await.unwrap();
    assert_eq!(
        session
            .insert(&[record(Some("a"), "one", 9)])
            .await
            .unwrap(),
        1,
        "the abandoned import's records were never stored"
    );
    session.finish(ImportTotals::default()).await.unwrap();
    assert_eq!(store.feedback_count().await.unwrap(), 1);
}

/// The records' part of the views' fingerprint moves when records land — a file's import, each
/// API call joining its hour's import — and not while an import is in flight (its records are
/// not there for anyone else yet). It is read from the imports' counts: on PostgreSQL the
/// highest record id walked the index back over every row an import in flight had written.
async fn the_data_version_moves_when_records_land(db: &TestDatabase) {
    let store = db.store().await;
    let before = store.data_version().await.unwrap();
    let mut session = store.begin_import(start()).await.unwrap();
    let inserted = session
        .insert(&[record(Some("a"), "one", 9), record(Some("b"), "two", 2)])
        .await
        .unwrap();
    assert_eq!(store.data_version().await.unwrap(), before, "in flight");
    session
        .finish(ImportTotals {
            rows_read: 2,
            imported: inserted,
            ..ImportTotals::default()
        })
        .await
        .unwrap();
    let landed = store.data_version().await.unwrap();
    assert_ne!(landed.arrived, before.arrived);
    assert_eq!(
        (&landed.changed, &landed.analysed),
        (&before.changed, &before.analysed),
        "records alone arrived"
    );

    let api = ImportStart {
        file_name: throughline_store::API_IMPORT_NAME.to_owned(),
        started_at: Timestamp::now(),
        ..start()
    };
    let mut seen = vec![landed.arrived];
    for (id, comment) in [("c", "three"), ("d", "four")] {
        let mut call = store.begin_hourly_import(api.clone()).await.unwrap();
        let imported = call.insert(&[record(Some(id), comment, 5)]).await.unwrap();
        call.finish(ImportTotals {
            rows_read: 1,
            imported,
            ..ImportTotals::default()
        })
        .await
        .unwrap();
        let now = store.data_version().await.unwrap().arrived;
        assert!(
            !seen.contains(&now),
            "an API call's record moved it: {seen:?} {now}"
        );
        seen.push(now);
    }
    assert_eq!(
        store.imports().await.unwrap().len(),
        2,
        "the calls share their hour's row"
    );
}

backend_tests!(
    stored_records_read_back_as_written_and_are_not_stored_twice,
    an_unfinished_import_leaves_nothing,
    the_data_version_moves_when_records_land,
);
