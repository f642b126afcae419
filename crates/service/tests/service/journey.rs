//! Journey health on both backends: the gaps and overlaps between departments found from the
//! organisation and from the feedback — a touchpoint owned twice, a moment of truth no metric
//! watches, a customer issue whose records land on a touchpoint nobody owns — listed with
//! their fix, for the period asked, and heard by the departments involved in the council's
//! agenda.

use throughline_domain::org::gaps::{GapKind, Severity};
use throughline_domain::{Name, org};
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_service::{ServiceError, council, journey};
use throughline_store::backend_tests;
use throughline_store::testing::TestDatabase;

/// Sales and Billing both own the quote; nobody owns the callback (Service contributes); the
/// second moment of truth has no metric.
pub(crate) const GAPPY_ORG: &str = r#"
[organisation]
name = "Acme"

[[departments]]
key = "sales"
name = "Sales"

[[departments]]
key = "billing"
name = "Billing"

[[departments]]
key = "service"
name = "Service"

[journey]
name = "Customer journey"

[[journey.stages]]
key = "buy"
name = "Buy"

[[journey.stages.touchpoints]]
key = "quote"
name = "Quote"
owners = ["sales", "billing"]

[[journey.stages]]
key = "pay"
name = "Pay"

[[journey.stages.touchpoints]]
key = "invoice"
name = "Invoice"
owners = ["billing"]

[[journey.stages]]
key = "get-help"
name = "Get help"

[[journey.stages.touchpoints]]
key = "helpdesk"
name = "Helpdesk"
owners = ["service"]

[[journey.stages.touchpoints]]
key = "callback"
name = "Callback"
contributors = ["service"]

[[moments_of_truth]]
rank = 1
name = "First invoice is right"
stage = "pay"
touchpoint = "invoice"
expectation = "The first invoice matches the quote."
metrics = ["billing-calls"]

[[moments_of_truth]]
rank = 2
name = "Quote on time"
stage = "buy"
touchpoint = "quote"
expectation = "A quote within a day."

[[councils]]
key = "cx"
name = "CX Council"
kind = "operational"
chair = { name = "Cleo Chair" }
members = [
  { name = "Sam Sales", department = "sales" },
  { name = "Bea Billing", department = "billing" },
  { name = "Sid Service", department = "service" },
]

[[metrics]]
key = "billing-calls"
name = "Billing calls"
unit = "calls/week"
department = "billing"
stage = "pay"
direction = "lower_is_better"
"#;

fn feedback_csv() -> String {
    let mut csv = String::from("id,date,touchpoint,nps,comment\n");
    let mut id = 0;
    let mut row = |csv: &mut String, day: u32, touchpoint: &str, nps: u32, comment: &str| {
        id += 1;
        csv.push_str(&format!(
            "{id},2026-03-{day:02},{touchpoint},{nps},\"{comment}\"\n"
        ));
    };
    for i in 0..20 {
        let day = 1 + i % 28;
        row(
            &mut csv,
            day,
            "callback",
            2,
            &format!("Nobody ever called me back about my broken boiler, day {i}"),
        );
        row(
            &mut csv,
            day,
            "quote",
            8,
            &format!("The quote was clear and the price was fair, thanks {i}"),
        );
        row(
            &mut csv,
            day,
            "invoice",
            5,
            &format!("My invoice showed the wrong amount and a late fee, again {i}"),
        );
    }
    csv
}

async fn a_workspace_with_gaps(db: &TestDatabase) -> throughline_store::Store {
    let store = db.store().await;
    let parsed = org::parse(GAPPY_ORG).unwrap();
    store
        .apply_organisation(&parsed.organisation, false)
        .await
        .unwrap();
    let path = db.dir.path().join("feedback.csv");
    std::fs::write(&path, feedback_csv()).unwrap();
    let report = import_file(
        &store,
        ImportRequest {
            path,
            source: Some(Name::parse("survey").unwrap()),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.import.totals.imported, 60);
    store
}

async fn journey_check_lists_gaps_and_overlaps_with_their_fix(db: &TestDatabase) {
    let store = db.store().await;
    let err = journey::check(&store, None, None).await.unwrap_err();
    assert!(
        matches!(&err, ServiceError::Invalid(m) if m.contains("throughline apply")),
        "{err}"
    );
    drop(store);

    let store = a_workspace_with_gaps(db).await;
    // Before any analysis the organisation's own gaps are already there.
    let before = journey::check(&store, None, None).await.unwrap();
    let kinds: Vec<GapKind> = before.gaps.iter().map(|g| g.kind).collect();
    assert!(
        kinds.contains(&GapKind::TouchpointWithSeveralOwners),
        "{kinds:?}"
    );
    assert!(kinds.contains(&GapKind::MomentWithoutMetric), "{kinds:?}");
    assert!(
        kinds.contains(&GapKind::TouchpointWithoutOwner),
        "{kinds:?}"
    );
    assert!(!kinds.contains(&GapKind::UnownedTheme), "{kinds:?}");

    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    let check = journey::check(&store, None, None).await.unwrap();
    let period = check.period.as_ref().unwrap();
    assert_eq!(period.to.as_str(), "2026-03-20", "the latest record's day");
    assert_eq!(period.from.as_str(), "2025-12-21", "90 days up to it");
    assert_eq!(check.records, 60);

    let overlap = check
        .gaps
        .iter()
        .find(|g| g.kind == GapKind::TouchpointWithSeveralOwners)
        .expect("the quote is owned twice");
    assert_eq!(overlap.touchpoint.as_deref(), Some("quote"));
    assert_eq!(overlap.departments, ["sales", "billing"]);
    assert!(overlap.fix.contains("one owner"), "{}", overlap.fix);

    let unwatched = check
        .gaps
        .iter()
        .find(|g| g.kind == GapKind::MomentWithoutMetric)
        .expect("the quote moment has no metric");
    assert_eq!(unwatched.moment.as_deref(), Some("Quote on time"));
    assert!(unwatched.fix.contains("metrics = ["), "{}", unwatched.fix);

    let unowned: Vec<_> = check
        .gaps
        .iter()
        .filter(|g| g.kind == GapKind::UnownedTheme)
        .collect();
    assert_eq!(unowned.len(), 1, "{:#?}", check.gaps);
    let issue = unowned[0];
    assert_eq!(issue.severity, Severity::High);
    assert_eq!(issue.touchpoint.as_deref(), Some("callback"));
    assert_eq!(
        issue.departments,
        ["service"],
        "who contributes to the callback"
    );
    assert!(issue.records.unwrap() >= 15, "{issue:?}");
    assert!(issue.cost.unwrap() < 0.0, "detractors: it costs the score");
    assert!(issue.message.contains("“Callback”"), "{}", issue.message);
    let theme = issue.theme.unwrap();
    assert!(
        issue.fix.contains(&format!("set-owner {theme}")),
        "{}",
        issue.fix
    );

    // Most severe first.
    assert!(
        check
            .gaps
            .windows(2)
            .all(|w| w[0].severity <= w[1].severity)
    );
    // Every moment and department heard something in March: no "no feedback" gaps…
    assert!(
        check
            .gaps
            .iter()
            .all(|g| g.kind != GapKind::MomentWithoutFeedback
                && g.kind != GapKind::DepartmentWithoutFeedback),
        "{:#?}",
        check.gaps
    );
    // A period with no feedback at all: only the organisation's own gaps (not every moment and
    // department reported silent, which would only say that the period is empty).
    let quiet = journey::check(&store, Some("2026-05-01"), Some("2026-05-31"))
        .await
        .unwrap();
    assert_eq!(quiet.records, 0);
    let quiet_kinds: Vec<GapKind> = quiet.gaps.iter().map(|g| g.kind).collect();
    assert!(
        quiet_kinds.iter().all(|k| !matches!(
            k,
            GapKind::UnownedTheme
                | GapKind::MomentWithoutFeedback
                | GapKind::DepartmentWithoutFeedback
        )),
        "{quiet_kinds:?}"
    );
    let bad = journey::check(&store, Some("2026-05-31"), Some("2026-05-01"))
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("starts"), "{bad}");
    let bad = journey::check(&store, Some("May 1"), None)
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("--from"), "{bad}");
    let silent = journey::check(&store, Some("2026-03-01"), Some("2026-03-01"))
        .await
        .unwrap();
    assert_eq!(silent.records, 3);

    // The council's agenda: each department involved hears its gaps in item 3.
    let agenda = council::agenda(&store, None).await.unwrap();
    let item = agenda.items.iter().find(|i| i.number == 3).unwrap();
    for name in ["Sales", "Billing", "Service"] {
        assert!(
            item.lines
                .iter()
                .any(|l| l.starts_with(&format!("{name}, journey gaps"))),
            "{name}: {:#?}",
            item.lines
        );
    }
    let service = item
        .lines
        .iter()
        .find(|l| l.starts_with("Service, journey"))
        .unwrap();
    assert!(service.contains("nobody owns"), "{service}");
    let slots = item.data["departments"].as_array().unwrap();
    assert!(
        slots.iter().any(
            |s| s["department"] == "sales" && !s["journey_gaps"].as_array().unwrap().is_empty()
        )
    );
}

async fn moment_metrics_are_stored_and_read_back(db: &TestDatabase) {
    let store = db.store().await;
    let parsed = org::parse(GAPPY_ORG).unwrap();
    store
        .apply_organisation(&parsed.organisation, false)
        .await
        .unwrap();
    let loaded = store.load_organisation().await.unwrap().unwrap();
    assert_eq!(loaded, parsed.organisation);
    assert_eq!(
        loaded.moments_of_truth[0].metrics[0].as_str(),
        "billing-calls"
    );
    // Removing the metric from the moment is a change, and applying it stores it.
    let edited = GAPPY_ORG.replace("metrics = [\"billing-calls\"]\n", "");
    let edited = org::parse(&edited).unwrap().organisation;
    let diff = store.apply_organisation(&edited, false).await.unwrap();
    assert!(
        diff.changes
            .iter()
            .any(|c| c.to_string().contains("metrics")),
        "{:?}",
        diff.changes
    );
    assert_eq!(store.load_organisation().await.unwrap().unwrap(), edited);
}

backend_tests!(
    journey_check_lists_gaps_and_overlaps_with_their_fix,
    moment_metrics_are_stored_and_read_back,
);
