//! `rca`, `initiatives`, `tasks`, `completion`: a Top Ten theme taken to done work from the
//! command line, on both backends.

use throughline_store::backend_tests;
use throughline_store::testing::TestDatabase;

use crate::helpers::{example_org_str, ok, stderr, throughline};

async fn a_theme_goes_from_root_cause_to_completed_tasks(db: &TestDatabase) {
    let dir = db.dir.path();
    let url = Some(db.url.as_str());
    ok(throughline(url, dir, &["apply", &example_org_str()]));
    ok(throughline(
        None,
        dir,
        &["demo-data", "--records", "1500", "--out", "a.csv"],
    ));
    ok(throughline(url, dir, &["import", "a.csv"]));
    ok(throughline(url, dir, &["analyze", "--themes", "10"]));
    let top: serde_json::Value =
        serde_json::from_str(&ok(throughline(url, dir, &["top-ten", "--json"]))).unwrap();
    let theme = top["entries"][0]["theme"].as_i64().unwrap().to_string();

    let said = ok(throughline(
        url,
        dir,
        &[
            "rca",
            "add",
            "--theme",
            &theme,
            "--problem",
            "Refunds take weeks",
            "--why",
            "Approval waits for a weekly batch",
            "--why",
            "Finance signs every refund by hand",
            "--root-cause",
            "Manual approval of small refunds",
            "--action",
            "Approve refunds under 200 automatically",
            "--metric",
            "days to refund",
            "--participant",
            "Ana Silva (billing)",
            "--participant",
            "Tom Reed (customer-service)",
        ],
    ));
    assert!(said.contains("Recorded root-cause analysis 1"), "{said}");
    assert!(
        said.contains("why 2: Finance signs every refund by hand"),
        "{said}"
    );

    let proposed: serde_json::Value = serde_json::from_str(&ok(throughline(
        url,
        dir,
        &[
            "initiatives",
            "propose",
            "--title",
            "Refunds in four days",
            "--owner",
            "council:cx-council",
            "--metric",
            "days to refund",
            "--baseline",
            "14",
            "--target",
            "4",
            "--due",
            "2027-03-31",
            "--theme",
            &theme,
            "--stage",
            "pay",
            "--rca",
            "1",
            "--resources",
            "one developer-month",
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(proposed["status"], "proposed");
    let id = proposed["id"].as_i64().unwrap().to_string();

    let refused = throughline(url, dir, &["initiatives", "finish", &id]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("a proposed initiative can only become approved or rejected"),
        "{}",
        stderr(&refused)
    );
    ok(throughline(
        url,
        dir,
        &[
            "initiatives",
            "approve",
            &id,
            "--by",
            "Strategic CX Council",
            "--resources-granted",
            "half a developer-month",
        ],
    ));
    ok(throughline(url, dir, &["initiatives", "start", &id]));
    ok(throughline(
        url,
        dir,
        &[
            "tasks",
            "add",
            "--initiative",
            &id,
            "--title",
            "Auto-approval rule",
            "--owner",
            "Ana Silva",
            "--department",
            "billing",
            "--due",
            "2026-12-15",
        ],
    ));
    ok(throughline(
        url,
        dir,
        &[
            "tasks",
            "add",
            "--initiative",
            &id,
            "--title",
            "Script for agents",
            "--owner",
            "Tom Reed",
            "--department",
            "customer-service",
            "--due",
            "2026-12-20",
        ],
    ));
    let bad = throughline(
        url,
        dir,
        &[
            "tasks",
            "add",
            "--initiative",
            &id,
            "--title",
            "x",
            "--owner",
            "y",
            "--department",
            "legal",
            "--due",
            "2026-12-20",
        ],
    );
    assert!(
        stderr(&bad).contains("there is no department \"legal\""),
        "{}",
        stderr(&bad)
    );
    let said = ok(throughline(
        url,
        dir,
        &["tasks", "done", "1", "--on", "2026-12-18"],
    ));
    assert!(said.contains("(late)"), "{said}");

    let completion: serde_json::Value =
        serde_json::from_str(&ok(throughline(url, dir, &["completion", "--json"]))).unwrap();
    assert_eq!(completion["overall"]["planned"], 2);
    assert_eq!(completion["overall"]["done"], 1);
    assert_eq!(completion["overall"]["completion_rate"], 50.0);
    assert_eq!(completion["overall"]["on_time_rate"], 0.0);
    assert_eq!(completion["by_council"]["cx-council"]["planned"], 2);

    let said = ok(throughline(
        url,
        dir,
        &[
            "initiatives",
            "review",
            &id,
            "--on",
            "2026-12-21",
            "--progress",
            "Rule live for half of refunds",
            "--value",
            "9",
        ],
    ));
    assert!(said.contains("Progress toward the target: 50%"), "{said}");
    let shown: serde_json::Value = serde_json::from_str(&ok(throughline(
        url,
        dir,
        &["initiatives", "show", &id, "--json"],
    )))
    .unwrap();
    assert_eq!(shown["status"], "active");
    assert_eq!(
        shown["decision"]["resources_granted"],
        "half a developer-month"
    );
    assert_eq!(shown["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(shown["reviews"][0]["metric_value"], 9.0);
    let card: serde_json::Value = serde_json::from_str(&ok(throughline(
        url,
        dir,
        &["scorecard", "initiative", &id, "--json"],
    )))
    .unwrap();
    assert_eq!(card["components"][0]["name"], "action plan");
    assert_eq!(card["components"][0]["score"], 50.0);
    assert!(card["score"].as_f64().is_some());
    for (on, value) in [("2026-11-01", "14"), ("2026-12-01", "9")] {
        ok(throughline(
            url,
            dir,
            &[
                "kpi",
                "record",
                "refund-cycle-time",
                "--on",
                on,
                "--value",
                value,
            ],
        ));
    }
    let bad = throughline(
        url,
        dir,
        &[
            "kpi",
            "record",
            "refund-speed",
            "--on",
            "2026-12-01",
            "--value",
            "9",
        ],
    );
    assert!(
        stderr(&bad).contains("there is no metric \"refund-speed\""),
        "{}",
        stderr(&bad)
    );
    let said = ok(throughline(
        url,
        dir,
        &["scorecard", "department", "billing"],
    ));
    assert!(said.contains("Scorecard of Billing (billing)"), "{said}");
    assert!(
        said.contains("Refund cycle time (refund-cycle-time): 9 days on 2026-12-01, improving"),
        "{said}"
    );
    assert!(
        said.contains("missing: no approved or active initiative"),
        "{said}"
    );
    assert!(said.contains("Across the experience"), "{said}");
    let bad = throughline(
        url,
        dir,
        &["scorecard", "department", "billing", "--weights", "1,2"],
    );
    assert!(
        stderr(&bad).contains("write three numbers"),
        "{}",
        stderr(&bad)
    );
    let stages: serde_json::Value =
        serde_json::from_str(&ok(throughline(url, dir, &["stages", "--json"]))).unwrap();
    assert_eq!(stages.as_array().unwrap().len(), 7);
    let listed = ok(throughline(url, dir, &["initiatives", "list"]));
    assert!(listed.contains("Refunds in four days — active"), "{listed}");
    assert!(listed.contains("tasks 1/2 done"), "{listed}");

    // Every change made here is in the audit log once, in order, as the command line's; the
    // refused transition and the task for an unknown department left no line.
    let store = db.store().await;
    let log = store.audit_log(100).await.unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "org.apply",
            "rca.add",
            "initiative.propose",
            "initiative.approved",
            "initiative.active",
            "task.add",
            "task.add",
            "task.done",
            "initiative.review",
            "kpi.record",
            "kpi.record",
        ]
    );
    assert!(log.iter().all(|e| e.actor.starts_with("cli:")), "{log:?}");
    let approval = log
        .iter()
        .find(|e| e.action == "initiative.approved")
        .unwrap();
    assert_eq!(approval.subject, format!("initiative {id}"));
    assert!(approval.before.is_some() && approval.after.is_some());
    store.close().await;
}

backend_tests!(a_theme_goes_from_root_cause_to_completed_tasks);
