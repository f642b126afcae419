//! Journey health on both backends: the gaps and overlaps between departments found from the
//! organisation and from the feedback — a touchpoint owned twice, a moment of truth no metric
//! watches, a customer issue whose records land on a touchpoint nobody owns — listed with
//! their fix, for the period asked, and heard by the departments involved in the council's
//! agenda.

use throughline_domain::org::gaps::{GapKind, Severity};
use throughline_domain::{Name, org};
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_service::{ServiceError, council, events, journey, moments};
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

/// Imports `csv` as the feedback source `survey`; returns how many records were new.
async fn import_csv(store: &throughline_store::Store, db: &TestDatabase, csv: &str) -> u64 {
    let path = db.dir.path().join("feedback.csv");
    std::fs::write(&path, csv).unwrap();
    let report = import_file(
        store,
        ImportRequest {
            path,
            source: Some(Name::parse("survey").unwrap()),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    report.import.totals.imported
}

async fn a_workspace_with_gaps(db: &TestDatabase) -> throughline_store::Store {
    let store = db.store().await;
    let parsed = org::parse(GAPPY_ORG).unwrap();
    store
        .apply_organisation(&parsed.organisation, false)
        .await
        .unwrap();
    assert_eq!(import_csv(&store, db, &feedback_csv()).await, 60);
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

/// Moments with detection rules, on top of [`GAPPY_ORG`].
const MOMENT_RULES: &str = r#"
[[moments_of_truth]]
rank = 3
name = "Third contact in a month"
stage = "get-help"
expectation = "I never have to get in touch a third time."
[moments_of_truth.detect]
event = "contact"
count = 3
within_days = 30

[[moments_of_truth]]
rank = 4
name = "The tenth order"
stage = "buy"
expectation = "A regular customer is treated like one."
[moments_of_truth.detect]
event = "order"
count = 10

[[moments_of_truth]]
rank = 5
name = "The second delivery"
stage = "buy"
expectation = "Deliveries keep working."
[moments_of_truth.detect]
event = "delivery"
count = 2
"#;

/// 200 customers with planted histories: customers 0–39 get in touch three times within 12
/// days and are detractors at the third; customers 100–159 place 12 orders and are promoters
/// afterwards, 160–199 place 3; customers 40–99 get one or two deliveries with no effect.
fn histories() -> (String, String) {
    let mut feedback = String::from("id,date,customer,nps,comment\n");
    let mut events = String::from("customer,event,date\n");
    let date = |day: u32| {
        let (month, day) = if day < 31 {
            (1, day + 1)
        } else if day < 59 {
            (2, day - 30)
        } else {
            (3, day - 58)
        };
        format!("2026-{month:02}-{day:02}")
    };
    let mut id = 0;
    for c in 0..200u32 {
        let customer = format!("C-{c}");
        let start = c % 40;
        let mut contact = |day: u32, nps: u32| {
            id += 1;
            feedback.push_str(&format!(
                "{id},{},{customer},{nps},\"about my order, contact {id}\"\n",
                date(day)
            ));
        };
        if c < 40 {
            contact(start, 8);
            contact(start + 5, 7);
            contact(start + 12, 2);
        } else if (100..160).contains(&c) {
            contact(start + 45, 10);
        } else {
            let nps = 6 + (c * 7) % 5;
            contact(start + 1, nps);
            if c % 2 == 0 {
                contact(start + 45, nps);
            }
        }
        let orders = match c {
            100..160 => 12,
            160..200 => 3,
            _ => 0,
        };
        for n in 0..orders {
            events.push_str(&format!("{customer},order,{}\n", date(n * 3)));
        }
        if (40..100).contains(&c) {
            let deliveries = if c % 3 == 0 { 2 } else { 1 };
            for n in 0..deliveries {
                events.push_str(&format!("{customer},delivery,{}\n", date(start + n * 2)));
            }
        }
    }
    (feedback, events)
}

async fn moments_of_truth_are_found_in_customers_histories(db: &TestDatabase) {
    let store = db.store().await;
    let text = format!("{GAPPY_ORG}{MOMENT_RULES}");
    let parsed = org::parse(&text).unwrap();
    store
        .apply_organisation(&parsed.organisation, false)
        .await
        .unwrap();
    let (feedback, events) = histories();
    import_csv(&store, db, &feedback).await;

    // Events: bad rows are rejected with line and reason, and importing again adds nothing.
    let path = db.dir.path().join("events.csv");
    std::fs::write(
        &path,
        format!("{events}C-1,order,yesterday\n,order,2026-01-02\n"),
    )
    .unwrap();
    let first = events::import_events(&store, path.clone(), None, None)
        .await
        .unwrap();
    let good = events.lines().count() as u64 - 1;
    assert_eq!((first.imported, first.rejected), (good, 2));
    assert_eq!(first.source, "events");
    assert!(
        first.rejections[0].starts_with(&format!("line {}", good + 2)),
        "{:?}",
        first.rejections
    );
    assert!(
        first.rejections[1].contains("customer is empty"),
        "{:?}",
        first.rejections
    );
    let again = events::import_events(&store, path, None, None)
        .await
        .unwrap();
    assert_eq!((again.imported, again.duplicates), (0, good));
    // A file that is mostly wrong stores nothing.
    let bad = db.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "customer,event,date\nC-1,order,soon\nC-2,order,later\nC-3,order,2026-01-01\n",
    )
    .unwrap();
    let err = events::import_events(&store, bad, None, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("2 of 3 rows"), "{err}");
    assert_eq!(
        store.events_of_kind("order").await.unwrap().len() as u64,
        60 * 12 + 40 * 3
    );

    let report = moments::moments(&store).await.unwrap();
    assert_eq!(report.scale, Some(moments::ScoreScale::Nps));
    // The lean reading (customer, time, scores, stage per record) finds what reading every
    // whole record finds, as the agenda does.
    let inputs = throughline_service::weekly::Inputs::load(&store)
        .await
        .unwrap();
    let from_inputs = moments::moments_with(&store, std::sync::Arc::new(inputs))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        serde_json::to_value(&from_inputs).unwrap()
    );
    let find = |name: &str| report.moments.iter().find(|m| m.name == name).unwrap();
    let third = find("Third contact in a month");
    assert_eq!((third.customers, third.sample), (40, 40));
    assert_eq!(third.rule, "3rd contact within 30 days");
    assert_eq!(third.score_after, Some(-100.0));
    assert_eq!(third.score_before, Some(0.0), "passives before it");
    assert!(third.high.unwrap() < 0.0, "{third:?}");
    let tenth = find("The tenth order");
    assert_eq!((tenth.customers, tenth.others), (60, 40));
    assert!(tenth.low.unwrap() > 0.0, "{tenth:?}");
    let deliveries = find("The second delivery");
    assert_eq!(deliveries.customers, 20);
    assert!(
        deliveries.low.unwrap() < 0.0 && deliveries.high.unwrap() > 0.0,
        "no planted effect: the interval holds zero: {deliveries:?}"
    );
    assert_eq!(
        report.moments[0].name, "Third contact in a month",
        "most harmful first"
    );

    // Candidates: thresholds the data suggests beyond what is adopted. Here the 5th order
    // picks out the same customers as the 10th, and the 2nd contact within a week moves
    // satisfaction less than the 3rd within a month: nothing new to suggest.
    assert!(report.rules_tried > 0);
    assert!(report.candidates.is_empty(), "{:#?}", report.candidates);

    // Adopting a candidate adds it to the organisation, audited, and measures it.
    let admin = throughline_service::changes::Actor::CommandLine { os_user: "ops" };
    let adopted = moments::adopt(
        &store,
        admin,
        moments::Adoption {
            event: "order".into(),
            count: 5,
            within_days: None,
            stage: "buy".into(),
            name: None,
            expectation: None,
        },
    )
    .await
    .unwrap();
    assert_eq!((adopted.rank, adopted.name.as_str()), (6, "5th order"));
    let after = moments::moments(&store).await.unwrap();
    assert!(
        after
            .moments
            .iter()
            .any(|m| m.name == "5th order" && m.customers == 60)
    );
    assert!(
        store
            .audit_log(5)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "org.edit")
    );
    let refused = moments::adopt(
        &store,
        admin,
        moments::Adoption {
            event: "order".into(),
            count: 2,
            within_days: None,
            stage: "nowhere".into(),
            name: None,
            expectation: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains("unknown stage \"nowhere\""),
        "{refused}"
    );
}

/// The demo's planted moments: the third contact within 30 days sinks satisfaction, the tenth
/// order lifts it — found with the number of customers who lived each, counted here directly.
async fn the_demo_histories_show_the_planted_moments(db: &TestDatabase) {
    let store = super::workspace(db).await;
    let options = throughline_analytics::synthetic::Options {
        records: 1500,
        seed: 42,
        spike: true,
        shifts: true,
    };
    super::import_synthetic(&store, db.dir.path(), options.records, options.seed).await;
    let records: Vec<_> = throughline_analytics::synthetic::Generator::new(options).collect();
    let events = throughline_analytics::synthetic::histories::histories(&records, 42);
    let path = db.dir.path().join("events.csv");
    throughline_analytics::synthetic::histories::write_events_csv(
        &events,
        std::fs::File::create(&path).unwrap(),
    )
    .unwrap();
    let imported = events::import_events(&store, path, None, None)
        .await
        .unwrap();
    assert_eq!(
        (imported.imported, imported.rejected),
        (events.len() as u64, 0)
    );

    // Counted directly: customers with three contacts (feedback or calls) within 30 days, and
    // customers with ten orders.
    let mut contacts: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for r in &records {
        contacts
            .entry(&r.customer)
            .or_default()
            .push(r.received_at.timestamp_millis());
    }
    let mut orders: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in &events {
        match e.kind {
            "contact" => contacts
                .entry(&e.customer)
                .or_default()
                .push(e.at.timestamp_millis()),
            _ => *orders.entry(&e.customer).or_default() += 1,
        }
    }
    let month = 30 * 86_400_000;
    for times in contacts.values_mut() {
        times.sort_unstable();
    }
    let third = contacts
        .values()
        .filter(|times| times.windows(3).any(|w| w[2] - w[0] <= month))
        .count() as u64;
    let tenth = orders.values().filter(|n| **n >= 10).count() as u64;

    let report = moments::moments(&store).await.unwrap();
    let find = |rule: &str| report.moments.iter().find(|m| m.rule == rule).unwrap();
    let contact = find("3rd contact within 30 days");
    assert_eq!(contact.customers, third);
    assert!(contact.high.unwrap() < 0.0, "{contact:?}");
    let order = find("10th order");
    assert_eq!(order.customers, tenth);
    assert!(order.low.unwrap() > 0.0, "{order:?}");

    // The customers who lived the third contact, the most recent first, each on the day of the
    // contact that made it.
    let lived = moments::customers(&store, contact.rank).await.unwrap();
    assert_eq!(lived.customers.len() as u64, third);
    assert_eq!(lived.moment.customers, third);
    assert!(
        lived
            .customers
            .windows(2)
            .all(|w| w[0].reached_on >= w[1].reached_on)
    );
    let mut reached_days = std::collections::BTreeMap::new();
    for (customer, times) in &contacts {
        if let Some(w) = times.windows(3).find(|w| w[2] - w[0] <= month) {
            reached_days.insert(
                customer.to_string(),
                throughline_domain::action::Date::of(throughline_domain::Timestamp::from_millis(
                    w[2],
                )),
            );
        }
    }
    for c in &lived.customers {
        assert_eq!(Some(&c.reached_on), reached_days.get(&c.customer), "{c:?}");
    }
    let with_after = lived.customers.iter().filter(|c| c.score_after.is_some());
    assert_eq!(with_after.count() as u64, contact.sample);
    // What they wrote after it is quoted: the demo's detractor feedback is what made the moment.
    let quoted = lived
        .customers
        .iter()
        .filter(|c| c.comment_after.is_some())
        .count();
    assert!(quoted * 10 >= lived.customers.len() * 8, "{quoted} quoted");
    assert!(
        lived
            .customers
            .iter()
            .filter_map(|c| c.comment_after.as_deref())
            .all(|t| t.chars().count() <= moments::COMMENT_CHARS + 1)
    );
    let missing = moments::customers(&store, 99).await.unwrap_err();
    assert!(
        missing.to_string().contains("no moment of truth ranked 99"),
        "{missing}"
    );
    let no_rule = moments::customers(&store, 2).await.unwrap_err();
    assert!(
        no_rule.to_string().contains("has no detection rule"),
        "{no_rule}"
    );
}

backend_tests!(
    journey_check_lists_gaps_and_overlaps_with_their_fix,
    moment_metrics_are_stored_and_read_back,
    moments_of_truth_are_found_in_customers_histories,
    the_demo_histories_show_the_planted_moments,
);
