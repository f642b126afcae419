//! Journey health from the command line on both backends: the gaps `apply` warns about,
//! `journey check`, customers' histories through `demo-data --events` and `events import`,
//! `moments` with the planted moments, `moments show` and `moments adopt`; and the demo's weekly
//! KPIs through `demo-data --kpis` and `kpi import`, its planted chain in `chains`, and
//! `chains propose`.

use throughline_store::backend_tests;
use throughline_store::testing::TestDatabase;

use crate::helpers::{example_org_str, ok, stderr, throughline};

async fn gaps_and_moments_from_the_command_line(db: &TestDatabase) {
    let dir = db.dir.path();
    let url = Some(db.url.as_str());
    let applied = throughline(url, dir, &["apply", &example_org_str()]);
    assert!(applied.status.success());
    let warned = stderr(&applied);
    assert!(
        warned.contains(
            "medium gap: Moment of truth 1 “What was promised is what arrives” has no metric"
        ),
        "{warned}"
    );

    ok(throughline(
        None,
        dir,
        &[
            "demo-data",
            "--records",
            "3000",
            "--out",
            "feedback.csv",
            "--events",
            "events.csv",
            "--kpis",
            "kpis.csv",
        ],
    ));
    ok(throughline(url, dir, &["import", "feedback.csv"]));
    let imported = ok(throughline(url, dir, &["events", "import", "events.csv"]));
    assert!(
        imported.contains("0 already stored, 0 rejected"),
        "{imported}"
    );
    let again = ok(throughline(url, dir, &["events", "import", "events.csv"]));
    assert!(again.starts_with("Imported 0 events"), "{again}");

    let check: serde_json::Value =
        serde_json::from_str(&ok(throughline(url, dir, &["journey", "check", "--json"]))).unwrap();
    assert_eq!(check["period"]["to"], "2026-10-31");
    let kinds: Vec<&str> = check["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"moment_without_metric"), "{kinds:?}");
    let text = ok(throughline(url, dir, &["journey", "check"]));
    assert!(text.contains("Fix: Attach a metric"), "{text}");
    assert!(text.contains("Departments: Field Service"), "{text}");

    let moments: serde_json::Value =
        serde_json::from_str(&ok(throughline(url, dir, &["moments", "--json"]))).unwrap();
    assert_eq!(moments["scale"], "nps");
    let list = moments["moments"].as_array().unwrap();
    let third = list
        .iter()
        .find(|m| m["rule"] == "3rd contact within 30 days")
        .unwrap();
    assert!(third["high"].as_f64().unwrap() < 0.0, "{third}");
    let tenth = list.iter().find(|m| m["rule"] == "10th order").unwrap();
    assert!(tenth["low"].as_f64().unwrap() > 0.0, "{tenth}");
    let lived: serde_json::Value = serde_json::from_str(&ok(throughline(
        url,
        dir,
        &["moments", "show", "3", "--json"],
    )))
    .unwrap();
    assert_eq!(
        lived["customers"].as_array().unwrap().len() as u64,
        third["customers"].as_u64().unwrap()
    );
    let shown = ok(throughline(
        url,
        dir,
        &["moments", "show", "3", "--limit", "2"],
    ));
    assert!(shown.contains("customers reached it"), "{shown}");
    assert!(
        shown.contains("more (--limit N, or --json for all)"),
        "{shown}"
    );

    // The weekly KPIs, the planted chain, and an initiative proposed from it.
    let kpis = ok(throughline(url, dir, &["kpi", "import", "kpis.csv"]));
    assert!(kpis.contains("0 rejected"), "{kpis}");
    ok(throughline(url, dir, &["analyze"]));
    let chains: serde_json::Value =
        serde_json::from_str(&ok(throughline(url, dir, &["chains", "--json"]))).unwrap();
    let first = &chains["chains"][0];
    assert_eq!(first["links"][0]["from"]["key"], "lead-volume", "{chains}");
    let shown = ok(throughline(url, dir, &["chains", "propose", "1"]));
    assert!(
        shown.starts_with("Break the chain: Lead volume → "),
        "{shown}"
    );
    assert!(
        shown.contains("Nothing proposed yet: give --target --due"),
        "{shown}"
    );
    let proposed = ok(throughline(
        url,
        dir,
        &[
            "chains",
            "propose",
            "1",
            "--target",
            "120",
            "--due",
            "2027-06-30",
        ],
    ));
    assert!(proposed.contains("Proposed initiative 1;"), "{proposed}");
    let listed = ok(throughline(url, dir, &["initiatives", "list"]));
    assert!(listed.contains("Break the chain: Lead volume"), "{listed}");
    let missing = throughline(url, dir, &["chains", "propose", "9"]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("there is no chain 9"),
        "{}",
        stderr(&missing)
    );

    let adopted = ok(throughline(
        url,
        dir,
        &[
            "moments",
            "adopt",
            "--event",
            "contact",
            "--count",
            "2",
            "--within-days",
            "7",
            "--stage",
            "use",
        ],
    ));
    assert!(
        adopted.contains("Adopted moment of truth 13 “2nd contact within 7 days”"),
        "{adopted}"
    );
    let exported = ok(throughline(url, dir, &["export-org"]));
    assert!(exported.contains("within_days = 7"), "{exported}");
    let refused = throughline(
        url,
        dir,
        &[
            "moments",
            "adopt",
            "--event",
            "Two Words",
            "--count",
            "2",
            "--stage",
            "use",
        ],
    );
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("event"), "{}", stderr(&refused));
}

backend_tests!(gaps_and_moments_from_the_command_line);
