//! Jobs in the database (issue 28, 3): an analysis asked for as a job is asked for once while it
//! waits; of two workers on one database exactly one runs it; a worker that dies leaves a lease
//! that runs out and another worker takes the job over (the dead one can no longer finish it);
//! a failed run is tried again until its attempts are spent; many jobs spread over two workers
//! each run once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use throughline_service::ServiceError;
use throughline_service::changes::Actor;
use throughline_service::jobs::{self, HandlerFuture, Worker};
use throughline_store::testing::TestDatabase;
use throughline_store::{JobStatus, NewJob, Store};

use crate::{import_synthetic, workspace};

const OPS: Actor<'static> = Actor::CommandLine { os_user: "ops" };

fn job<'a>(kind: &'a str, key: &'a str) -> NewJob<'a> {
    NewJob {
        kind,
        key,
        payload: "{}",
        max_attempts: 2,
        requested_by: "test",
    }
}

pub(crate) async fn jobs_are_claimed_once_taken_over_and_retried(db: &TestDatabase) {
    let store = workspace(db).await;
    import_synthetic(&store, db.dir.path(), 600, 42).await;

    // Asked for twice while it waits: one job. A member may not ask.
    let (first, new) = jobs::request_analysis(&store, OPS, false).await.unwrap();
    assert!(new);
    assert_eq!(first.status, JobStatus::Queued);
    let (again, new) = jobs::request_analysis(&store, OPS, false).await.unwrap();
    assert_eq!((again.id, new), (first.id, false));
    let member = crate::fulfilment_member(&store).await;
    assert!(matches!(
        jobs::request_analysis(&store, Actor::User(&member), false).await,
        Err(ServiceError::Forbidden(_))
    ));
    let audited = store.audit_log(50).await.unwrap();
    assert_eq!(
        audited.iter().filter(|a| a.action == "job.enqueue").count(),
        1
    );

    // Two workers, each with its own connection to the database: exactly one runs it.
    let (one, two) = (
        Worker::new(store.clone(), "worker-one"),
        Worker::new(db.store().await, "worker-two"),
    );
    let (a, b) = tokio::join!(one.run_one(), two.run_one());
    let ran: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert_eq!(ran[0].status, JobStatus::Done);
    let done = jobs::one(&store, first.id).await.unwrap();
    assert_eq!(done.status, JobStatus::Done);
    let result: serde_json::Value = serde_json::from_str(done.result.as_deref().unwrap()).unwrap();
    assert_eq!(result["analysed"], 600, "{result}");
    assert!(store.latest_analysis_run().await.unwrap().is_some());
    // Once done, asking again is a new job.
    let (next, new) = jobs::request_analysis(&store, OPS, false).await.unwrap();
    assert!(new && next.id != first.id);
    assert!(one.run_one().await.unwrap().is_some());

    // A worker dies holding a job: its lease runs out and another worker takes it over.
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let recorder = {
        let seen = seen.clone();
        Arc::new(move |_: Store, payload: String| -> HandlerFuture {
            let seen = seen.clone();
            Box::pin(async move {
                seen.lock().unwrap().push(payload);
                Ok("{}".to_owned())
            })
        })
    };
    let one = one.handle("record", recorder.clone());
    let two = two.handle("record", recorder);
    let (orphan, _) = store.enqueue_job(job("record", "orphan")).await.unwrap();
    let claimed = store
        .claim_job("worker-that-dies", &["record"], 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, orphan.id);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let taken = two.run_one().await.unwrap().unwrap();
    assert_eq!((taken.job.id, taken.job.attempts), (orphan.id, 2));
    assert_eq!(taken.status, JobStatus::Done);
    assert!(
        !store
            .finish_job(orphan.id, "worker-that-dies", "{}")
            .await
            .unwrap(),
        "a worker that lost its lease cannot finish the job"
    );
    // A lease that runs out after the last attempt fails the job, saying why.
    let (last, _) = store.enqueue_job(job("record", "last")).await.unwrap();
    for _ in 0..2 {
        store
            .claim_job("worker-that-dies", &["record"], 1)
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(two.run_one().await.unwrap().is_none());
    let last = store.job(last.id).await.unwrap().unwrap();
    assert_eq!(last.status, JobStatus::Failed);
    assert!(
        last.last_error.unwrap().contains("the worker stopped"),
        "the reason is kept"
    );

    // A failed run is queued again for later, then failed for good when its attempts are spent;
    // a refusal is final at once.
    let failing = Arc::new(|_: Store, payload: String| -> HandlerFuture {
        Box::pin(async move {
            Err(if payload.contains("refuse") {
                ServiceError::Invalid("nothing to do".to_owned())
            } else {
                ServiceError::Store(throughline_store::StoreError::Inconsistent(
                    "the disk is full".to_owned(),
                ))
            })
        })
    });
    let one = one.handle("fails", failing);
    let (flaky, _) = store.enqueue_job(job("fails", "flaky")).await.unwrap();
    let ran = one.run_one().await.unwrap().unwrap();
    assert_eq!(ran.status, JobStatus::Queued);
    let waiting = store.job(flaky.id).await.unwrap().unwrap();
    assert!(waiting.run_after.as_millis() > throughline_domain::Timestamp::now().as_millis());
    assert!(
        one.run_one().await.unwrap().is_none(),
        "it waits before its retry"
    );
    db.execute("UPDATE jobs SET run_after = 0 WHERE kind = 'fails'")
        .await;
    assert_eq!(
        one.run_one().await.unwrap().unwrap().status,
        JobStatus::Failed
    );
    let failed = store.job(flaky.id).await.unwrap().unwrap();
    assert_eq!(failed.attempts, 2);
    assert!(failed.last_error.unwrap().contains("the disk is full"));
    let (refused, _) = store
        .enqueue_job(NewJob {
            payload: r#"{"refuse": true}"#,
            ..job("fails", "refused")
        })
        .await
        .unwrap();
    assert_eq!(
        one.run_one().await.unwrap().unwrap().status,
        JobStatus::Failed
    );
    assert_eq!(store.job(refused.id).await.unwrap().unwrap().attempts, 1);

    // Many jobs over two workers at once: each runs once.
    seen.lock().unwrap().clear();
    for n in 0..20 {
        let payload = format!("{{\"n\": {n}}}");
        store
            .enqueue_job(NewJob {
                payload: &payload,
                ..job("record", &format!("job {n}"))
            })
            .await
            .unwrap();
    }
    let drain = |worker: Worker| async move {
        let mut ran = 0;
        while worker.run_one().await.unwrap().is_some() {
            ran += 1;
        }
        ran
    };
    let (a, b) = tokio::join!(drain(one.clone()), drain(two.clone()));
    assert_eq!(a + b, 20);
    let mut payloads = seen.lock().unwrap().clone();
    payloads.sort();
    payloads.dedup();
    assert_eq!(payloads.len(), 20, "every job ran once");
    let counts = store.job_counts().await.unwrap();
    assert_eq!((counts.queued, counts.running), (0, 0));
    assert_eq!(counts.failed, 3);
}
