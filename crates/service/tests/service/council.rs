//! The council at work on both backends: a meeting held and closed with its actions, the next
//! meeting's agenda generated from live data — ten items in order, each checked against the
//! data it comes from — the strategic council's approvals first, closing keeping the agenda,
//! and refusals with their reasons.

use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_domain::action::InitiativeStatus;
use throughline_service::actions::{self, InitiativeProposal};
use throughline_service::analysis::{AnalyzeOptions, analyze};
use throughline_service::council::{self, ITEMS};
use throughline_service::{ServiceError, themes};
use throughline_store::testing::TestDatabase;
use throughline_store::{MeetingStatus, backend_tests};

use super::{import_synthetic, workspace};

async fn the_council_agenda_is_built_from_live_data(db: &TestDatabase) {
    let store = workspace(db).await;
    import_synthetic(&store, db.dir.path(), 1500, 42).await;
    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    let run = store.latest_analysis_run().await.unwrap().unwrap();
    let summary = run.summary;

    // Council work: an initiative the operational council owns, one awaiting approval, KPIs.
    let proposal = |title: &str, owner: &str| InitiativeProposal {
        title: title.into(),
        owner: owner.into(),
        metric: "NPS".into(),
        baseline: -5.0,
        target: 10.0,
        due: "2027-06-30".into(),
        resources_requested: "One analyst".into(),
        ..InitiativeProposal::default()
    };
    let owned = actions::propose(&store, proposal("One order timeline", "council:cx-council"))
        .await
        .unwrap();
    let awaiting = actions::propose(&store, proposal("Call ahead", "department:fulfilment"))
        .await
        .unwrap();
    for (on, value) in [("2026-08-01", 88.0), ("2026-09-01", 93.0)] {
        actions::record_kpi(&store, "on-time-delivery", on, value)
            .await
            .unwrap();
    }

    // The first meeting: actions agreed, one done later; closed.
    let first = council::schedule(&store, "cx-council", Some("2026-09-10"))
        .await
        .unwrap();
    let err = council::schedule(&store, "cx-council", None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("already has a planned meeting"),
        "{err}"
    );
    let done = council::add_action(
        &store,
        first.id,
        "Live stock feed",
        "Erik Larsen",
        "it",
        "2026-09-30",
    )
    .await
    .unwrap();
    let late = council::add_action(
        &store,
        first.id,
        "Call on date moves",
        "Grace Obi",
        "fulfilment",
        "2026-09-15",
    )
    .await
    .unwrap();
    let open = council::add_action(
        &store,
        first.id,
        "Refund page",
        "Omar Haddad",
        "billing",
        "2099-01-01",
    )
    .await
    .unwrap();
    for (bad, says) in [
        (
            council::add_action(&store, first.id, "x", "y", "legal", "2026-10-01")
                .await
                .map(drop),
            "no department",
        ),
        (
            council::add_action(&store, first.id, "x", "y", "it", "soon")
                .await
                .map(drop),
            "date",
        ),
        (
            council::record_notes(&store, first.id, 11, "x")
                .await
                .map(drop),
            "items 1 to 10",
        ),
    ] {
        let err = bad.unwrap_err();
        assert!(matches!(err, ServiceError::Invalid(_)), "{err}");
        assert!(err.to_string().contains(says), "{err}");
    }
    council::record_attendance(
        &store,
        first.id,
        &[
            "Amara Nwosu".into(),
            "Grace Obi".into(),
            "Amara Nwosu".into(),
        ],
    )
    .await
    .unwrap();
    council::record_notes(&store, first.id, 7, "Stock promise drives three themes")
        .await
        .unwrap();
    council::close(&store, first.id).await.unwrap();
    // A closed meeting is kept as it was.
    let err = council::record_notes(&store, first.id, 2, "late")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("can no longer change"), "{err}");
    council::complete_action(&store, done.id, "2026-09-20")
        .await
        .unwrap();
    let err = council::complete_action(&store, done.id, "2026-09-21")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("was already done"), "{err}");

    // New data after the meeting, and the next meeting one cadence later, with a topic.
    import_synthetic(&store, db.dir.path(), 300, 7).await;
    let second = council::schedule(&store, "cx-council", None).await.unwrap();
    assert_eq!(second.held_on.as_str(), "2026-10-10");
    council::add_topic(&store, second.id, "Holiday staffing", "Sofia Rossi")
        .await
        .unwrap();

    let agenda = council::agenda(&store, None).await.unwrap();
    // Over the views a server keeps (computed beforehand, as its cache holds them), the agenda
    // is the same.
    let kept = council::KeptViews {
        top_ten: Some(std::sync::Arc::new(
            themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
                .await
                .unwrap(),
        )),
        chains: Some(std::sync::Arc::new(
            throughline_service::chains::chains(&store, throughline_analytics::chains::DEFAULT_FDR)
                .await
                .unwrap(),
        )),
        moments: Some(std::sync::Arc::new(
            throughline_service::moments::moments(&store).await.unwrap(),
        )),
        journey_check: Some(std::sync::Arc::new(
            throughline_service::journey::check(&store, None, None)
                .await
                .unwrap(),
        )),
        department_evidence: Some(std::sync::Arc::new(
            throughline_service::scorecards::record_evidence(&store, SINGLE_DEPARTMENT_SHARE)
                .await
                .unwrap(),
        )),
    };
    let over_kept = council::agenda_with(&store, None, &kept).await.unwrap();
    assert_eq!(
        serde_json::to_value(&over_kept).unwrap(),
        serde_json::to_value(&agenda).unwrap()
    );
    assert_eq!(agenda.meeting, Some(second.id));
    assert_eq!(agenda.previous_meeting, Some(first.id));
    assert_eq!(agenda.since.as_ref().unwrap().as_str(), "2026-09-10");
    let keys: Vec<&str> = agenda.items.iter().map(|i| i.key).collect();
    assert_eq!(keys, ITEMS.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    assert_eq!(
        agenda.items.iter().map(|i| i.number).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<u8>>()
    );
    let item = |key: &str| &agenda.items.iter().find(|i| i.key == key).unwrap().data;

    // 1. Last time's actions with their status.
    let status_of = |id: i64| {
        item("actions")["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .map(|a| a["status"].as_str().unwrap().to_owned())
    };
    assert_eq!(status_of(done.id).as_deref(), Some("done"));
    assert_eq!(status_of(late.id).as_deref(), Some("overdue"));
    assert_eq!(status_of(open.id).as_deref(), Some("open"));
    assert_eq!(item("actions")["by_owner"]["Grace Obi"]["overdue"], 1);

    // 2. The overall measures are the analysis's, and their movement is month against month.
    let nps = &item("measures")["measures"]["nps"];
    assert_eq!(nps["value"], summary["scores"]["nps"]["value"]);
    assert_eq!(nps["low"], summary["scores"]["nps"]["low"]);
    let months = summary["monthly"].as_array().unwrap();
    let last = months.last().unwrap();
    assert_eq!(nps["movement"]["to_period"], last["period"]);
    assert_eq!(nps["movement"]["to"], last["nps"]["value"]);
    assert_eq!(
        nps["movement"]["from_period"], "2026-08",
        "the month before the last meeting"
    );

    // 3. One slot per department the council represents; work counted from the store.
    let slots = item("departments")["departments"].as_array().unwrap();
    assert_eq!(slots.len(), 8);
    let it = slots.iter().find(|s| s["department"] == "it").unwrap();
    assert_eq!(
        (it["done"].clone(), it["open"].clone()),
        (1.into(), 0.into())
    );
    let fulfilment = slots
        .iter()
        .find(|s| s["department"] == "fulfilment")
        .unwrap();
    assert_eq!(fulfilment["overdue"], 1);
    assert_eq!(
        fulfilment["improving_kpis"][0],
        "Deliveries in the promised window"
    );
    assert_eq!(
        fulfilment["aligned"],
        fulfilment["worsening_shared_themes"]
            .as_array()
            .unwrap()
            .is_empty()
            && fulfilment["chain_conflicts"].as_array().unwrap().is_empty()
    );

    // 4. Best practices name what was done.
    let best = item("best_practices")["departments"].as_array().unwrap();
    let it_best = best.iter().find(|d| d["department"] == "it");
    assert!(it_best.is_none_or(|d| d["what_they_did"][0] == "Live stock feed"));

    // 5. The council's own initiative.
    let own = item("initiatives")["initiatives"].as_array().unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["id"], owned.id);

    // 6. Measurement: the analysis's volume, every stage listed.
    assert_eq!(item("measurement")["records"], summary["records"]);
    assert_eq!(item("measurement")["stages"].as_array().unwrap().len(), 7);

    // 7. The Top Ten against the last meeting's (the same analysis: nothing moved).
    let top = themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    let listed = item("priorities")["top_ten"].as_array().unwrap();
    assert_eq!(listed.len(), top.entries.len());
    for (entry, shown) in top.entries.iter().zip(listed) {
        assert_eq!(shown["theme"], entry.theme);
        assert_eq!(shown["previous_rank"], entry.rank);
    }
    assert!(
        item("priorities")["new_cross_department"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // 8. The import after the meeting; 9. the topic; 10. the next date.
    let imports = item("new_data")["imports"].as_array().unwrap();
    assert!(
        imports
            .iter()
            .any(|i| i["source"] == "survey-7" && i["imported"] == 300)
    );
    assert_eq!(
        item("other_business")["topics"][0]["text"],
        "Holiday staffing"
    );
    assert_eq!(item("adjourn")["next_meeting"], "2026-11-10");

    // The strategic council decides on what awaits it first.
    let strategic = council::agenda(&store, Some("strategic-council"))
        .await
        .unwrap();
    assert_eq!(strategic.items.len(), 11);
    assert_eq!(strategic.items[0].key, "approvals");
    let waiting = strategic.items[0].data["initiatives"].as_array().unwrap();
    let ids: Vec<i64> = waiting.iter().map(|w| w["id"].as_i64().unwrap()).collect();
    assert_eq!(
        ids,
        vec![owned.id, awaiting.id],
        "both proposals await approval"
    );
    assert_eq!(waiting[1]["resources_requested"], "One analyst");
    actions::transition(
        &store,
        awaiting.id,
        InitiativeStatus::Approved,
        Some(("Catherine Moreau".into(), None, None)),
    )
    .await
    .unwrap();
    let strategic = council::agenda(&store, Some("strategic-council"))
        .await
        .unwrap();
    assert_eq!(
        strategic.items[0].data["initiatives"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "an approved initiative no longer awaits the council"
    );

    // The champions' network: every department's CX champion and the managers of its CX
    // components (no members listed in the file), and an agenda of its own from the same live
    // data — best practices, lessons from the initiatives, what crosses departments, the data
    // one department needs from another.
    let org = store.load_organisation().await.unwrap().unwrap();
    let network = org
        .councils
        .iter()
        .find(|c| c.key.as_str() == "champions-network")
        .unwrap();
    let champions: usize = org.departments.iter().map(|d| d.champions.len()).sum();
    let managers: Vec<(String, String)> = org
        .departments
        .iter()
        .flat_map(|d| {
            d.cx_managers
                .iter()
                .map(move |m| (m.person.name.to_string(), d.key.to_string()))
        })
        .collect();
    assert_eq!(managers.len(), 3, "the example names three managers");
    assert_eq!(network.members.len(), champions + managers.len());
    let (champion_members, manager_members) = network.members.split_at(champions);
    assert!(
        champion_members
            .iter()
            .all(|m| m.title.as_deref() == Some("CX champion") && m.department.is_some())
    );
    for (member, (name, department)) in manager_members.iter().zip(&managers) {
        assert_eq!(member.person.name.as_str(), name);
        assert_eq!(member.department.as_ref().unwrap().as_str(), department);
    }
    assert_eq!(
        manager_members[0].title.as_deref(),
        Some("Manager of Loyalty programme")
    );
    assert_eq!(network.cadence.as_str(), "quarterly");
    let champions_agenda = council::agenda(&store, Some("champions-network"))
        .await
        .unwrap();
    assert_eq!(champions_agenda.kind, "champions");
    let keys: Vec<&str> = champions_agenda.items.iter().map(|i| i.key).collect();
    assert_eq!(
        keys,
        [
            "actions",
            "best_practices",
            "lessons",
            "coordination",
            "data_sharing",
            "other_business",
            "adjourn"
        ]
    );
    let lines = |key: &str| {
        champions_agenda
            .items
            .iter()
            .find(|i| i.key == key)
            .unwrap()
            .lines
            .clone()
    };
    let top = themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    let crossing = top
        .entries
        .iter()
        .find(|e| {
            e.ownership
                .as_ref()
                .is_some_and(|o| o.owner_kind == "council")
        })
        .expect("a cross-department Top Ten theme");
    assert!(
        lines("coordination")
            .iter()
            .any(|l| l.contains(&format!("“{}” crosses", crossing.label))),
        "{:?}",
        lines("coordination")
    );
    assert!(
        lines("data_sharing")
            .iter()
            .any(|l| l.contains("has no metric")),
        "{:?}",
        lines("data_sharing")
    );
    assert_eq!(
        champions_agenda
            .items
            .iter()
            .map(|i| i.number)
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6, 7]
    );

    // Closing keeps the agenda as it stood.
    let closed = council::close(&store, second.id).await.unwrap();
    assert_eq!(closed.status, MeetingStatus::Closed);
    let kept = council::agenda_of(&store, second.id).await.unwrap();
    assert_eq!(kept.items.len(), 10);
    assert_eq!(kept.items[0].data, agenda.items[0].data);
    assert!(matches!(
        council::agenda(&store, Some("no-such-council")).await,
        Err(ServiceError::NotFound(_))
    ));
}

backend_tests!(the_council_agenda_is_built_from_live_data);
