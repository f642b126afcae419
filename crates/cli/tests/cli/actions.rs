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
    // A decision entered after the meeting is dated the meeting's day, which has come.
    let refused = throughline(
        url,
        dir,
        &[
            "initiatives",
            "approve",
            &id,
            "--by",
            "Strategic CX Council",
            "--on",
            "2999-01-01",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("2999-01-01 has not come yet"),
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
            "--on",
            "2026-11-02",
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
    assert_eq!(shown["decision"]["by"], "Strategic CX Council");
    // 2026-11-02 at midnight UTC, in milliseconds.
    assert_eq!(shown["decision"]["at"], "2026-11-02T00:00:00Z");
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
            // The survey the example file declares, made by the same apply.
            "survey.create",
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

/// `kpi import`: a messy file's bad rows rejected with line and reason, the rest stored in one
/// go; importing it again adds nothing; a corrected value replaces the old one; a file that is
/// mostly wrong stores nothing.
async fn kpi_values_are_imported_from_a_file(db: &TestDatabase) {
    let dir = db.dir.path();
    let url = Some(db.url.as_str());
    ok(throughline(url, dir, &["apply", &example_org_str()]));
    std::fs::write(
        dir.join("kpis.csv"),
        "metric,date,value\n\
         lead-volume,2026-03-02,120\n\
         lead-volume,2026-03-09,131\n\
         complaint-calls,2026-03-09,44\n\
         leads,2026-03-09,1\n\
         lead-volume,09/03/2026,12\n",
    )
    .unwrap();
    let first = throughline(url, dir, &["kpi", "import", "kpis.csv"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        out.contains("5 read, 3 added, 0 changed, 0 unchanged, 2 rejected"),
        "{out}"
    );
    let err = stderr(&first);
    assert!(
        err.contains("line 5, column metric: unknown metric \"leads\""),
        "{err}"
    );
    assert!(err.contains("line 6, column date:"), "{err}");
    assert!(dir.join("kpis.rejects.csv").exists());

    let again = ok(throughline(url, dir, &["kpi", "import", "kpis.csv"]));
    assert!(again.contains("0 added, 0 changed, 3 unchanged"), "{again}");
    std::fs::write(
        dir.join("fix.csv"),
        "metric,date,value\nlead-volume,2026-03-09,133\n",
    )
    .unwrap();
    let fixed = ok(throughline(
        url,
        dir,
        &["kpi", "import", "fix.csv", "--json"],
    ));
    let report: serde_json::Value = serde_json::from_str(&fixed).unwrap();
    assert_eq!(
        (report["added"].as_u64(), report["changed"].as_u64()),
        (Some(0), Some(1))
    );
    let listed = ok(throughline(url, dir, &["kpi", "list", "lead-volume"]));
    assert!(listed.contains("2026-03-09  133"), "{listed}");

    std::fs::write(
        dir.join("bad.csv"),
        "metric,date,value\nx,y,z\nlead-volume,2026-04-01,5\nq,r,s\n",
    )
    .unwrap();
    let refused = throughline(url, dir, &["kpi", "import", "bad.csv"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("2 of 3 rows cannot be read"),
        "{}",
        stderr(&refused)
    );
    let listed = ok(throughline(url, dir, &["kpi", "list", "lead-volume"]));
    assert!(
        !listed.contains("2026-04-01"),
        "nothing of a refused file is stored"
    );
    let store = db.store().await;
    let log = store.audit_log(20).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "kpi.import").count(),
        2,
        "{log:?}"
    );
}

backend_tests!(
    a_theme_goes_from_root_cause_to_completed_tasks,
    kpi_values_are_imported_from_a_file,
);
