//! `throughline assess …`: the default model, an assessment answered from JSON files by two
//! departments, its results, and its report as HTML and as a PDF whose pages rasterise.

use std::process::Command;

use throughline_store::testing::skip;

use super::helpers::{example_org, ok, stderr, throughline};

#[test]
fn the_culture_is_assessed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let run = |args: &[&str]| ok(throughline(Some(&url), dir.path(), args));
    run(&["apply", example_org().to_str().unwrap()]);

    let model: serde_json::Value =
        serde_json::from_str(&run(&["assess", "model", "--json"])).unwrap();
    assert_eq!(
        model["levels"],
        serde_json::json!(["Naive", "Safe", "Committed", "Natural"])
    );
    assert_eq!(model["areas"].as_array().unwrap().len(), 9);
    let said = run(&["assess", "start", "--name", "Autumn 2026"]);
    assert!(
        said.contains("Started assessment 1 (Autumn 2026), target Committed"),
        "{said}"
    );

    let ids: Vec<String> = model["areas"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| {
            let key = a["key"].as_str().unwrap().to_owned();
            (1..=a["statements"].as_array().unwrap().len()).map(move |i| format!("{key}.{i}"))
        })
        .collect();
    for (who, department, value) in [("ana", "billing", 2), ("raj", "it", 4)] {
        let answers: serde_json::Map<String, serde_json::Value> =
            ids.iter().map(|id| (id.clone(), value.into())).collect();
        let path = dir.path().join(format!("{who}.json"));
        std::fs::write(&path, serde_json::Value::Object(answers).to_string()).unwrap();
        run(&[
            "assess",
            "answer",
            "1",
            "--respondent",
            who,
            "--department",
            department,
            "--answers",
            path.to_str().unwrap(),
        ]);
    }
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"leadership.1": 9}"#).unwrap();
    let refused = throughline(
        Some(&url),
        dir.path(),
        &[
            "assess",
            "answer",
            "1",
            "--respondent",
            "x",
            "--answers",
            bad.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("not 9"), "{}", stderr(&refused));

    let results = run(&["assess", "results", "1"]);
    assert!(
        results.contains("2 people, overall 3.00 — Committed"),
        "{results}"
    );
    assert!(
        results.contains("far from the rest: billing, it"),
        "{results}"
    );
    assert!(results.contains("Act first on:"), "{results}");

    let html = dir.path().join("maturity.html");
    run(&["assess", "report", "1", "--out", html.to_str().unwrap()]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("class=\"bar\"").count(), 9);

    let test = "the_culture_is_assessed_from_the_command_line (PDF)";
    let installed = |p: &str| {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(p).is_file()))
    };
    if !installed("chromium") || !installed("pdftoppm") {
        skip(
            test,
            "Chromium or pdftoppm is not installed (Debian: chromium, poppler-utils)",
        );
        return;
    }
    let pdf = dir.path().join("maturity.pdf");
    run(&[
        "assess",
        "report",
        "1",
        "--format",
        "pdf",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let status = Command::new("pdftoppm")
        .args(["-r", "30", "-png", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(dir.path().join("page"))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with("page"))
    );
}
