//! `throughline analyze-file`: the documented files, deterministic for a seed, and clear errors.

use crate::helpers::{example_org_str, ok, stderr, throughline};

#[test]
fn analyze_file_writes_the_documented_files_the_same_way_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    ok(throughline(
        None,
        path,
        &["demo-data", "--records", "1500", "--out", "feedback.csv"],
    ));
    let org = example_org_str();
    let run = |out: &str| {
        ok(throughline(
            None,
            path,
            &[
                "analyze-file",
                "feedback.csv",
                "--org",
                &org,
                "--themes",
                "10",
                "--out",
                out,
            ],
        ))
    };
    let said = run("first");
    assert!(said.contains("Analysed 1500 records: 10 themes"), "{said}");

    let records = std::fs::read_to_string(path.join("first/records.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 1500);
    let first: serde_json::Value = serde_json::from_str(records.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], "S-0000001");
    assert!(
        first["sentiment"]
            .as_f64()
            .is_some_and(|s| (-1.0..=1.0).contains(&s))
    );
    assert!(
        ["negative", "neutral", "positive"].contains(&first["sentiment_label"].as_str().unwrap())
    );
    assert!(
        first["themes"].as_array().unwrap()[0]
            .as_str()
            .unwrap()
            .starts_with('t')
    );
    assert!(first.get("stage").is_some());

    let themes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path.join("first/themes.json")).unwrap())
            .unwrap();
    let themes = themes.as_array().unwrap();
    assert_eq!(themes.len(), 10);
    for key in [
        "id",
        "label",
        "phrases",
        "count",
        "share",
        "mean_sentiment",
        "impact",
    ] {
        assert!(themes[0].get(key).is_some(), "themes.json lacks {key}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path.join("first/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["records"], 1500);
    assert_eq!(summary["impact_metric"], "nps");
    assert!(summary["scores"]["nps"]["low"].as_f64().is_some());
    assert!(!summary["top_ten"].as_array().unwrap().is_empty());

    run("second");
    for file in ["records.jsonl", "themes.json", "summary.json"] {
        assert_eq!(
            std::fs::read(path.join("first").join(file)).unwrap(),
            std::fs::read(path.join("second").join(file)).unwrap(),
            "{file} differs between two runs with the same seed"
        );
    }

    let bad = throughline(
        None,
        path,
        &[
            "analyze-file",
            "feedback.csv",
            "--themes",
            "many",
            "--out",
            "x",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("--themes \"many\""),
        "{}",
        stderr(&bad)
    );
}
