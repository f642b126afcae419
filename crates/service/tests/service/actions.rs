//! A cross-department Top Ten theme gets a 5-whys analysis and an initiative; the strategic
//! council approves it; its tasks complete; reviews move its progress; completion rates follow.

use throughline_analytics::routing::{SINGLE_DEPARTMENT_SHARE, Scope};
use throughline_analytics::scorecard::Weights;
use throughline_domain::action::{InitiativeStatus, NewRootCause, Participant, TaskStatus};
use throughline_service::actions::{self, InitiativeProposal};
use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_service::{ServiceError, scorecards, themes};
use throughline_store::backend_tests;
use throughline_store::testing::TestDatabase;

use crate::{import_synthetic, workspace};

async fn a_cross_department_theme_becomes_accountable_work(db: &TestDatabase) {
    let store = workspace(db).await;
    import_synthetic(&store, db.dir.path(), 3000, 42).await;
    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    let top = themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    let cross = top
        .entries
        .iter()
        .find(|e| e.ownership.as_ref().unwrap().scope == Scope::CrossDepartment)
        .expect("the demo data has cross-department themes");
    let verbatims = themes::show(&store, cross.theme, 2)
        .await
        .unwrap()
        .verbatims;

    // Root cause, with participants from each department and quoted records.
    let analysis = NewRootCause {
        theme: cross.theme,
        problem: "Customers wait weeks with no word from us".into(),
        whys: vec![
            "Stock shown online is not what the warehouse holds".into(),
            "The stock feed runs once a night".into(),
            "Nobody owns the feed between IT and Fulfilment".into(),
        ],
        root_cause: "No owner for the stock feed".into(),
        corrective_action: "Hourly feed with a named owner; standard for stock accuracy".into(),
        metric: "share of orders delayed by stock".into(),
        participants: vec![
            Participant::parse("Ana Silva (fulfilment)").unwrap(),
            Participant::parse("Raj Patel (it)").unwrap(),
        ],
        verbatims: verbatims.iter().map(|v| v.feedback_id).collect(),
    };
    let mut wrong = analysis.clone();
    wrong.participants = vec![Participant::parse("Eve (legal)").unwrap()];
    let err = actions::add_root_cause(&store, wrong).await.unwrap_err();
    assert!(err.to_string().contains("no department \"legal\""), "{err}");
    let mut wrong = analysis.clone();
    wrong.verbatims = vec![9_999_999];
    assert!(matches!(
        actions::add_root_cause(&store, wrong).await,
        Err(ServiceError::NotFound(_))
    ));
    let rca = actions::add_root_cause(&store, analysis).await.unwrap();
    assert_eq!(rca.analysis.whys.len(), 3);
    assert_eq!(store.root_causes(Some(cross.theme)).await.unwrap().len(), 1);
    assert!(store.root_causes(Some(-1)).await.unwrap().is_empty());

    // The initiative, owned by the operational council, proposed.
    let proposal = InitiativeProposal {
        title: "Stock you can trust".into(),
        owner: "council:cx-council".into(),
        sponsor: Some("Catherine Moreau".into()),
        metric: "share of orders delayed by stock (%)".into(),
        baseline: 12.0,
        target: 4.0,
        due: "2027-03-31".into(),
        themes: vec![cross.theme],
        stages: vec!["wait".into()],
        root_cause: Some(rca.id),
        resources_requested: "two developer-months".into(),
        ..InitiativeProposal::default()
    };
    for (bad, expected) in [
        (
            InitiativeProposal {
                owner: "council:board".into(),
                ..proposal.clone()
            },
            "no council \"board\"",
        ),
        (
            InitiativeProposal {
                stages: vec!["nowhere".into()],
                ..proposal.clone()
            },
            "no stage \"nowhere\"",
        ),
        (
            InitiativeProposal {
                due: "31/03/2027".into(),
                ..proposal.clone()
            },
            "YYYY-MM-DD",
        ),
        (
            InitiativeProposal {
                target: 12.0,
                ..proposal.clone()
            },
            "must differ from the baseline",
        ),
    ] {
        let err = actions::propose(&store, bad).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    let proposed = actions::propose(&store, proposal).await.unwrap();
    assert_eq!(proposed.status, InitiativeStatus::Proposed);
    let id = proposed.id;

    // The workflow: no skipping, approvals say who and what was granted.
    let err = actions::transition(&store, id, InitiativeStatus::Active, None)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("can only become approved or rejected"),
        "{err}"
    );
    let err = actions::transition(&store, id, InitiativeStatus::Approved, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("records who decided"), "{err}");
    let approved = actions::transition(
        &store,
        id,
        InitiativeStatus::Approved,
        Some((
            "Strategic CX Council".into(),
            Some("Go".into()),
            Some("one developer-month".into()),
        )),
    )
    .await
    .unwrap();
    let decision = approved.decision.unwrap();
    assert_eq!(decision.by, "Strategic CX Council");
    assert_eq!(
        decision.resources_granted.as_deref(),
        Some("one developer-month")
    );
    actions::transition(&store, id, InitiativeStatus::Active, None)
        .await
        .unwrap();

    // Tasks: planned, done on time or late; the rates follow.
    let t1 = actions::add_task(
        &store,
        id,
        "Hourly stock feed",
        "Raj Patel",
        "it",
        "2026-12-15",
    )
    .await
    .unwrap();
    let t2 = actions::add_task(
        &store,
        id,
        "Feed owner named",
        "Ana Silva",
        "fulfilment",
        "2026-12-01",
    )
    .await
    .unwrap();
    let t3 = actions::add_task(
        &store,
        id,
        "Stock accuracy standard",
        "Ana Silva",
        "fulfilment",
        "2027-01-31",
    )
    .await
    .unwrap();
    assert!(matches!(
        actions::add_task(&store, id, "x", "y", "legal", "2027-01-01").await,
        Err(ServiceError::Invalid(_))
    ));
    let before = actions::completion(&store, None, None).await.unwrap();
    assert_eq!((before.overall.planned, before.overall.done), (3, 0));
    assert_eq!(before.overall.completion_rate, Some(0.0));
    assert_eq!(before.overall.on_time_rate, None);

    let done = actions::complete_task(&store, t1.id, "2026-12-10")
        .await
        .unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    actions::complete_task(&store, t2.id, "2026-12-05")
        .await
        .unwrap();
    let err = actions::complete_task(&store, t2.id, "2026-12-06")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("was already done on 2026-12-05"),
        "{err}"
    );
    let after = actions::completion(&store, None, None).await.unwrap();
    assert_eq!(
        (
            after.overall.planned,
            after.overall.done,
            after.overall.on_time
        ),
        (3, 2, 1)
    );
    assert!((after.overall.completion_rate.unwrap() - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(after.overall.on_time_rate, Some(50.0));
    assert_eq!(after.by_department["it"].completion_rate, Some(100.0));
    assert_eq!(after.by_department["fulfilment"].done, 1);
    assert_eq!(after.by_council["cx-council"].planned, 3);
    assert_eq!(after.by_initiative[&id].done, 2);
    let december = actions::completion(&store, Some("2026-12-01"), Some("2026-12-31"))
        .await
        .unwrap();
    assert_eq!(december.overall.planned, 2, "the January task is outside");
    let _ = t3;

    // Before any review the scorecard has no action-plan component: missing, not zero.
    let before = scorecards::initiative(&store, id, Weights::default())
        .await
        .unwrap();
    assert_eq!(before.scorecard.components[0].score, None);
    assert!(before.scorecard.components[0].detail.starts_with("missing"));
    let stage_rating = before.scorecard.components[2]
        .score
        .expect("NPS on the wait stage");
    let trend = before.scorecard.components[1]
        .score
        .expect("the theme has two months");
    let expected = (0.3 * trend + 0.2 * stage_rating) / 0.5;
    assert!((before.scorecard.score.unwrap() - expected).abs() < 1e-9);

    // Weekly reviews move the objective's progress.
    let reviewed = actions::add_review(
        &store,
        id,
        "2026-12-07",
        "Feed runs hourly in test",
        Some(8.0),
    )
    .await
    .unwrap();
    assert_eq!(reviewed.current_value, Some(8.0));
    assert_eq!(reviewed.initiative.objective.progress(8.0), 50.0);
    assert_eq!(store.reviews(id).await.unwrap().len(), 1);
    let after = scorecards::initiative(&store, id, Weights::default())
        .await
        .unwrap();
    assert_eq!(after.scorecard.components[0].score, Some(50.0));
    let expected = 0.5 * 50.0 + 0.3 * trend + 0.2 * stage_rating;
    assert!((after.scorecard.score.unwrap() - expected).abs() < 1e-9);

    // A department's own initiative counts in its scorecard, beside the measures of the stages
    // it shares with others.
    let own = actions::propose(
        &store,
        InitiativeProposal {
            title: "Invoices without errors".into(),
            owner: "department:billing".into(),
            metric: "invoice error rate (%)".into(),
            baseline: 5.0,
            target: 1.0,
            due: "2027-06-30".into(),
            stages: vec!["pay".into()],
            ..InitiativeProposal::default()
        },
    )
    .await
    .unwrap();
    let billing = scorecards::department(
        &store,
        "billing",
        Weights::default(),
        SINGLE_DEPARTMENT_SHARE,
    )
    .await
    .unwrap();
    assert_eq!(
        billing.scorecard.components[0].score, None,
        "not approved yet"
    );
    assert!(
        billing.scorecard.components[2].score.is_some(),
        "billing owns touchpoints on pay"
    );
    assert!(billing.shared_measures.iter().any(|m| m.stage == "pay"));
    assert!(
        billing
            .shared_measures
            .iter()
            .all(|m| m.departments.iter().any(|(d, _)| d == "billing"))
    );
    actions::transition(
        &store,
        own.id,
        InitiativeStatus::Approved,
        Some(("Strategic CX Council".into(), None, None)),
    )
    .await
    .unwrap();
    actions::add_review(&store, own.id, "2026-12-07", "New checks live", Some(2.0))
        .await
        .unwrap();
    let billing_after = scorecards::department(
        &store,
        "billing",
        Weights::default(),
        SINGLE_DEPARTMENT_SHARE,
    )
    .await
    .unwrap();
    assert_eq!(billing_after.scorecard.components[0].score, Some(75.0));
    assert_ne!(billing_after.scorecard.score, billing.scorecard.score);
    assert_eq!(billing_after.initiatives, vec![own.id]);
    assert!(matches!(
        scorecards::department(&store, "legal", Weights::default(), SINGLE_DEPARTMENT_SHARE).await,
        Err(ServiceError::NotFound(_))
    ));
    let stages = scorecards::stage_measures(&store).await.unwrap();
    assert_eq!(stages.len(), 7, "every stage of the example journey");
    assert!(stages.iter().all(|m| !m.departments.is_empty()));
    assert!(stages.iter().map(|m| m.records).sum::<u64>() <= 3000);
    // The stage measures come from grouped counts; the department's shared measures are
    // computed record by record: the same figures.
    assert!(!billing_after.shared_measures.is_empty());
    for by_record in &billing_after.shared_measures {
        let grouped = stages.iter().find(|s| s.stage == by_record.stage).unwrap();
        assert_eq!(grouped.records, by_record.records);
        assert_eq!(grouped.nps, by_record.nps);
        assert_eq!(grouped.csat, by_record.csat);
        assert_eq!(grouped.departments, by_record.departments);
        let (a, b) = (grouped.sentiment.unwrap(), by_record.sentiment.unwrap());
        assert!((a - b).abs() < 1e-9, "{a} {b}");
    }
    // Every department's evidence as the pages read it — counted by the database, with only
    // the negative themes' records read for their owners — is what reading every record gives
    // (as the digests do, having read them for their stories).
    let data = throughline_service::weekly::Inputs::load(&store)
        .await
        .unwrap();
    let evidence = scorecards::record_evidence(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    let org = store.load_organisation().await.unwrap().unwrap();
    assert_eq!(evidence.len(), org.departments.len());
    let mut owning = 0;
    for department in &org.departments {
        let key = department.key.as_str();
        let counted =
            scorecards::department_from(&store, &org, &evidence[key], key, Weights::default())
                .await
                .unwrap();
        let read = scorecards::department_with(
            &store,
            &data,
            key,
            Weights::default(),
            SINGLE_DEPARTMENT_SHARE,
        )
        .await
        .unwrap();
        assert_eq!(counted.negative_themes, read.negative_themes, "{key}");
        owning += usize::from(!read.negative_themes.is_empty());
        for (c, r) in counted
            .scorecard
            .components
            .iter()
            .zip(&read.scorecard.components)
        {
            assert_eq!(c.detail, r.detail, "{key}");
            match (c.score, r.score) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{key}: {a} {b}"),
                (a, b) => assert_eq!(a, b, "{key}"),
            }
        }
        assert_eq!(counted.shared_measures.len(), read.shared_measures.len());
        for (c, r) in counted.shared_measures.iter().zip(&read.shared_measures) {
            assert_eq!(
                (&c.stage, c.records, &c.nps, &c.csat),
                (&r.stage, r.records, &r.nps, &r.csat)
            );
            let (a, b) = (c.sentiment.unwrap(), r.sentiment.unwrap());
            assert!((a - b).abs() < 1e-9, "{key}: {a} {b}");
        }
    }
    assert!(owning > 0, "some department owns a negative theme");

    let finished = actions::transition(&store, id, InitiativeStatus::Done, None)
        .await
        .unwrap();
    assert_eq!(finished.status, InitiativeStatus::Done);
    let err = actions::add_task(&store, id, "late", "x", "it", "2027-01-01")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("it takes no new tasks"), "{err}");
    let err = actions::add_review(&store, id, "2027-01-01", "x", None)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("only approved or active initiatives are reviewed"),
        "{err}"
    );
}

backend_tests!(a_cross_department_theme_becomes_accountable_work);
