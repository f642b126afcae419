//! An analysis lands while an integration writes (issue 28, 1): on SQLite a run that read
//! before another connection wrote could never write, and every run ended in "database is
//! locked" while anything else wrote — even an API read with a token, which records the token's
//! last use.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use throughline_service::accounts::{self, NewAccount};
use throughline_service::analysis::{AnalyzeOptions, Mode, analyze};
use throughline_store::testing::TestDatabase;

use crate::{import_synthetic, workspace};

pub(crate) async fn an_analysis_lands_while_an_integration_writes(db: &TestDatabase) {
    let store = workspace(db).await;
    import_synthetic(&store, db.dir.path(), 3000, 42).await;
    let user = accounts::add_user(
        &store,
        NewAccount {
            email: "bot@northwind.example".into(),
            name: "Integration".into(),
            role: "admin".into(),
            department: None,
            password: "correct horse battery".into(),
        },
        "test",
    )
    .await
    .unwrap();
    let (_, token) = accounts::create_token(&store, &user, "integration")
        .await
        .unwrap();

    // The integration calls the API every few milliseconds for as long as the analysis runs;
    // each call writes the token's last use.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut calls = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let known = accounts::token_user(&store, &token).await;
                assert!(matches!(known, Ok(Some(_))), "{known:?}");
                calls += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            calls
        })
    };
    let first = analyze(&store, AnalyzeOptions::default()).await;
    import_synthetic(&store, db.dir.path(), 300, 7).await;
    let second = analyze(&store, AnalyzeOptions::default()).await;
    let third = analyze(
        &store,
        AnalyzeOptions {
            rediscover: true,
            ..AnalyzeOptions::default()
        },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    let calls = writer.await.unwrap();
    assert!(calls > 20, "the integration wrote {calls} times");
    assert_eq!(first.unwrap().mode, Mode::Discover);
    assert_eq!(second.unwrap().mode, Mode::Incremental);
    assert_eq!(third.unwrap().mode, Mode::Rediscover);
    assert_eq!(store.record_analyses().await.unwrap().len(), 3300);
}
