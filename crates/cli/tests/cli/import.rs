//! `throughline import` as a user runs it: the mapping and summary it prints, JSON output,
//! re-imports, clear errors for bad arguments, and an import killed half-way.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use throughline_store::testing::TestDatabase;
use throughline_store::{Store, backend_tests};

use crate::helpers::{ok, stderr, stdout, throughline};

async fn import_prints_its_mapping_and_summary_and_a_reimport_adds_nothing(db: &TestDatabase) {
    let dir = db.dir.path();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/imports/messy-survey.csv");
    std::fs::copy(sample, dir.join("messy.csv")).unwrap();
    let url = Some(db.url.as_str());

    let first = throughline(url, dir, &["import", "messy.csv"]);
    assert!(
        stderr(&first).is_empty(),
        "no progress bar when not on a terminal: {}",
        stderr(&first)
    );
    let out = ok(first);
    assert!(
        out.contains("Importing messy.csv as source \"messy\" (csv)"),
        "{out}"
    );
    assert!(
        out.contains("Mapping: id=Response ID comment=Comment nps=NPS received_at=Date"),
        "{out}"
    );
    assert!(
        out.contains("Read 7 rows: 3 imported, 0 duplicates (already stored), 4 rejected."),
        "{out}"
    );
    assert!(
        out.contains(
            "rejected row at line 4, column \"NPS\": NPS must be between 0 and 10, got 11"
        ),
        "{out}"
    );
    assert!(out.contains("are in messy.rejects.csv"), "{out}");
    assert!(dir.join("messy.rejects.csv").exists());

    let again = ok(throughline(url, dir, &["import", "messy.csv", "--json"]));
    let json: serde_json::Value = serde_json::from_str(&again).expect("--json prints JSON only");
    assert_eq!(json["import"]["rows_read"], 7);
    assert_eq!(json["import"]["imported"], 0);
    assert_eq!(json["import"]["duplicates"], 3);
    assert_eq!(json["import"]["rejected"], 4);
    assert_eq!(json["import"]["rejects_path"], "messy.rejects.csv");
    assert_eq!(json["mapping"]["nps"], "NPS");
    assert_eq!(json["first_rejections"][0]["line"], 4);

    let store = Store::connect(&db.url).await.unwrap();
    assert_eq!(store.feedback_count().await.unwrap(), 3);
    store.close().await;
}

async fn a_killed_import_leaves_nothing_and_can_simply_be_run_again(db: &TestDatabase) {
    let dir = db.dir.path();
    let rows = 60_000;
    let mut csv = String::from("id,date,nps,comment\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "k{i},2026-01-{:02},{},Delivery number {i} was late and nobody called\n",
            i % 28 + 1,
            i % 11
        ));
    }
    std::fs::write(dir.join("big.csv"), csv).unwrap();

    // Run with batch logging on, and kill it (SIGKILL, no chance to clean up) once a few
    // batches have been written inside its transaction.
    let mut child = Command::new(env!("CARGO_BIN_EXE_throughline"))
        .current_dir(dir)
        .env("THROUGHLINE_LOG", "throughline_ingest=debug")
        .args(["--database-url", &db.url, "import", "big.csv"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut batches = 0;
    for line in stderr.lines() {
        if line.unwrap().contains("batch stored") {
            batches += 1;
            if batches == 3 {
                break;
            }
        }
    }
    assert_eq!(batches, 3, "the import logged its batches");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import was killed before it finished"
    );

    let store = Store::connect(&db.url).await.unwrap();
    assert_eq!(
        store.feedback_count().await.unwrap(),
        0,
        "no partial batch is visible"
    );
    assert!(store.imports().await.unwrap().is_empty());
    store.close().await;

    let out = ok(throughline(Some(&db.url), dir, &["import", "big.csv"]));
    assert!(
        out.contains(&format!("Read {rows} rows: {rows} imported, 0 duplicates")),
        "{out}"
    );
}

backend_tests!(
    import_prints_its_mapping_and_summary_and_a_reimport_adds_nothing,
    a_killed_import_leaves_nothing_and_can_simply_be_run_again,
);

#[test]
fn bad_arguments_get_errors_that_say_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("survey.csv"), "id,comment,nps\n1,ok,9\n").unwrap();
    std::fs::write(path.join("notes.pdf"), "%PDF").unwrap();
    let url = format!("sqlite://{}", path.join("t.db").display());
    let error = |args: &[&str]| {
        let output = throughline(Some(&url), path, args);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(stdout(&output).is_empty() || !stdout(&output).contains("imported"));
        stderr(&output)
    };
    let e = error(&["import", "survey.csv", "--map", "nps=Score"]);
    assert!(
        e.contains("the file has no column \"Score\"; its columns are: id, comment, nps"),
        "{e}"
    );
    let e = error(&["import", "survey.csv", "--map", "stars=nps"]);
    assert!(e.contains("unknown field \"stars\""), "{e}");
    let e = error(&["import", "survey.csv", "--preset", "surveymonkey"]);
    assert!(
        e.contains("unknown preset \"surveymonkey\"; presets are: qualtrics, zendesk"),
        "{e}"
    );
    let e = error(&["import", "survey.csv", "--format", "parquet"]);
    assert!(e.contains("unknown format \"parquet\""), "{e}");
    let e = error(&["import", "notes.pdf"]);
    assert!(e.contains("cannot tell the format of notes.pdf"), "{e}");
    let e = error(&["import", "missing.csv"]);
    assert!(e.contains("cannot read missing.csv"), "{e}");
    let e = error(&["import", "survey.csv", "--preset", "qualtrics"]);
    assert!(
        e.contains("the qualtrics preset does not fit this file"),
        "{e}"
    );
}
