//! The planner's statistics follow bulk writes (issue 28): on PostgreSQL, statistics from before
//! a large import made a department's page sort every analysed record for its latest five
//! complaints (338 ms p95 at 100,000 records); an import, an analysis landing and a batch
//! through the API now refresh the statistics of the tables they grew, when they grew by what
//! autovacuum waits for (50 rows and a tenth).

use std::time::Duration;

use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_store::testing::TestDatabase;
use throughline_store::{Backend, BulkTable};

use crate::{import_synthetic, workspace};

pub(crate) async fn planner_statistics_follow_bulk_writes(db: &TestDatabase) {
    let store = workspace(db).await;
    import_synthetic(&store, db.dir.path(), 2000, 5).await;
    let outcome = analyze(&store, AnalyzeOptions::default()).await.unwrap();
    assert_eq!(outcome.analysed, 2000);
    match db.backend {
        Backend::Postgres => {
            // Autovacuum is off on the test server: only the writes themselves can have
            // taken these statistics.
            for (table, at_least) in [
                ("feedback", 2000.0),
                ("feedback_analysis", 2000.0),
                ("feedback_themes", 1000.0),
            ] {
                let counted = db
                    .fetch_f64(&format!(
                        "SELECT reltuples::float8 FROM pg_class WHERE relname = '{table}'"
                    ))
                    .await;
                assert!(
                    counted >= at_least,
                    "{table}: the statistics count {counted} rows, not the {at_least} or more written"
                );
                // Vacuumed too: its pages are marked all-visible, so a count reads the index
                // alone.
                let visible = db
                    .fetch_f64(&format!(
                        "SELECT relallvisible::float8 FROM pg_class WHERE relname = '{table}'"
                    ))
                    .await;
                assert!(visible > 0.0, "{table}: no page marked all-visible");
            }
            // A change the server reports a moment late is taken up by the next check; after
            // that a small write (an API batch of ten) leaves the statistics alone and a large
            // one refreshes them.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            store
                .refresh_statistics(&[
                    (BulkTable::Feedback, 0),
                    (BulkTable::Analyses, 0),
                    (BulkTable::Themes, 0),
                ])
                .await
                .unwrap();
            assert_eq!(
                store
                    .refresh_statistics(&[(BulkTable::Feedback, 10)])
                    .await
                    .unwrap(),
                Vec::<String>::new()
            );
            assert_eq!(
                store
                    .refresh_statistics(&[(BulkTable::Feedback, 1000), (BulkTable::Themes, 0)])
                    .await
                    .unwrap(),
                vec!["feedback".to_owned()]
            );
        }
        Backend::Sqlite => {
            // SQLite keeps no statistics unless asked, and Throughline never asks: its planner
            // chooses by the indexes, as every page was measured.
            assert_eq!(
                store
                    .refresh_statistics(&[(BulkTable::Feedback, 1000)])
                    .await
                    .unwrap(),
                Vec::<String>::new()
            );
            let tables = db
                .fetch_f64("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                .await;
            assert_eq!(tables, 0.0);
        }
    }
}
