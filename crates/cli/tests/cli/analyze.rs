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
    // Every theme of a record carries the sentiment of the passages that gave it.
    for line in records.lines().take(200) {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let ids: Vec<&str> = record["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let sentiments = record["theme_sentiments"].as_object().unwrap();
        assert_eq!(sentiments.len(), ids.len(), "{record}");
        for id in ids {
            assert!(
                sentiments[id]
                    .as_f64()
                    .is_some_and(|s| (-1.0..=1.0).contains(&s)),
                "{record}"
            );
        }
    }

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

    // A byte that is not UTF-8 past the first chunk of rows (rows are decoded in parallel
    // chunks): the error names its line, once, and nothing is written.
    let mut bytes = b"id,comment,nps\n".to_vec();
    for i in 0..9_000 {
        bytes.extend_from_slice(format!("r{i},\"the delivery was late\",{}\n", i % 11).as_bytes());
    }
    bytes.extend_from_slice(b"bad,\"caf\xe9 closed\",3\n");
    for i in 0..500 {
        bytes.extend_from_slice(format!("s{i},fine,9\n").as_bytes());
    }
    std::fs::write(path.join("latin1.csv"), bytes).unwrap();
    let undecodable = throughline(
        None,
        path,
        &["analyze-file", "latin1.csv", "--out", "latin1-out"],
    );
    assert!(!undecodable.status.success());
    let message = stderr(&undecodable);
    assert!(
        message.contains("line 9002 is not valid UTF-8"),
        "{message}"
    );
    assert_eq!(
        message.matches("not valid UTF-8").count(),
        1,
        "said once: {message}"
    );
    assert!(!path.join("latin1-out").exists());
}

mod workspace {
    //! `throughline analyze`, `themes …` and `top-ten` on a workspace, on both backends.

    use throughline_store::backend_tests;
    use throughline_store::testing::TestDatabase;

    use crate::helpers::{example_org_str, ok, stderr, throughline};

    async fn analyze_themes_and_top_ten_work_from_the_command_line(db: &TestDatabase) {
        let dir = db.dir.path();
        let url = Some(db.url.as_str());
        let org = example_org_str();
        ok(throughline(url, dir, &["apply", &org]));
        let refused = throughline(url, dir, &["top-ten"]);
        assert!(!refused.status.success());
        assert!(
            stderr(&refused).contains("throughline analyze"),
            "{}",
            stderr(&refused)
        );

        ok(throughline(
            None,
            dir,
            &["demo-data", "--records", "2000", "--out", "a.csv"],
        ));
        ok(throughline(url, dir, &["import", "a.csv"]));
        let said = ok(throughline(url, dir, &["analyze", "--themes", "12"]));
        assert!(
            said.contains("Discovered 12 themes in 2000 records"),
            "{said}"
        );
        assert!(
            said.contains("Top Ten — the themes that cost the most NPS points"),
            "{said}"
        );

        let top: serde_json::Value =
            serde_json::from_str(&ok(throughline(url, dir, &["top-ten", "--json"]))).unwrap();
        assert_eq!(top["metric"], "nps");
        let entries = top["entries"].as_array().unwrap();
        assert!(!entries.is_empty());
        let first = entries[0]["theme"].as_i64().unwrap().to_string();
        for key in ["rank", "label", "support", "cost", "effect", "stage"] {
            assert!(entries[0].get(key).is_some(), "no {key} in {}", entries[0]);
        }

        // The Top Ten of six months, ranked on their records.
        let half: serde_json::Value = serde_json::from_str(&ok(throughline(
            url,
            dir,
            &[
                "top-ten",
                "--from",
                "2026-05-01",
                "--to",
                "2026-10-31",
                "--json",
            ],
        )))
        .unwrap();
        assert_eq!(half["period"]["from"], "2026-05-01");
        assert_eq!(half["period"]["to"], "2026-11-01");
        assert!(!half["entries"].as_array().unwrap().is_empty(), "{half}");
        assert!(half["records"].as_u64().unwrap() < 2000, "{half}");
        let said = ok(throughline(
            url,
            dir,
            &[
                "top-ten",
                "--period",
                "custom",
                "--from",
                "2026-05-01",
                "--to",
                "2026-10-31",
            ],
        ));
        assert!(
            said.contains("Top Ten of 2026-05-01 to 2026-10-31 (184 days), "),
            "{said}"
        );
        let wrong = throughline(url, dir, &["top-ten", "--period", "fortnight"]);
        assert!(!wrong.status.success());
        assert!(stderr(&wrong).contains("choose 30d"), "{}", stderr(&wrong));

        let listed: serde_json::Value =
            serde_json::from_str(&ok(throughline(url, dir, &["themes", "list", "--json"])))
                .unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 12);
        let shown = ok(throughline(
            url,
            dir,
            &["themes", "show", &first, "--verbatims", "3"],
        ));
        assert!(shown.contains("Typical comments:"), "{shown}");
        assert!(shown.contains("Top Ten: number 1"), "{shown}");

        let said = ok(throughline(
            url,
            dir,
            &["themes", "rename", &first, "Our worst problem"],
        ));
        assert!(said.contains("is now \"Our worst problem\""), "{said}");
        let top = ok(throughline(url, dir, &["top-ten"]));
        assert!(top.contains("Our worst problem"), "{top}");
        assert!(top.contains("department, owner: "), "{top}");
        let said = ok(throughline(
            url,
            dir,
            &["themes", "set-owner", &first, "billing"],
        ));
        assert!(
            said.contains("is owned by billing, as you set it"),
            "{said}"
        );
        let top = ok(throughline(url, dir, &["top-ten"]));
        assert!(top.contains("owner: Billing (set by a person)"), "{top}");

        // The second of the Top Ten as a wording of the first: ranked with it, shown under it.
        let second = entries[1]["theme"].as_i64().unwrap().to_string();
        let said = ok(throughline(
            url,
            dir,
            &["themes", "nest", &second, "--under", &first],
        ));
        assert!(
            said.contains(&format!("is a sub-theme of {first}")),
            "{said}"
        );
        let top: serde_json::Value =
            serde_json::from_str(&ok(throughline(url, dir, &["top-ten", "--json"]))).unwrap();
        assert!(
            top["entries"].as_array().unwrap().iter().all(|e| e["theme"]
                .as_i64()
                .unwrap()
                .to_string()
                != second),
            "{top}"
        );
        let shown = ok(throughline(url, dir, &["themes", "show", &first]));
        assert!(shown.contains("Sub-themes"), "{shown}");
        let deeper = throughline(url, dir, &["themes", "nest", &first, "--under", &second]);
        assert!(!deeper.status.success());
        assert!(
            stderr(&deeper).contains("cannot go under its own sub-theme"),
            "{}",
            stderr(&deeper)
        );
        let said = ok(throughline(url, dir, &["themes", "unnest", &second]));
        assert!(said.contains("a theme of its own again"), "{said}");

        let missing = throughline(url, dir, &["themes", "archive", "999"]);
        assert!(!missing.status.success());
        assert!(
            stderr(&missing).contains("there is no theme 999"),
            "{}",
            stderr(&missing)
        );

        // New records: analysed incrementally with the same themes.
        ok(throughline(
            None,
            dir,
            &[
                "demo-data",
                "--records",
                "300",
                "--seed",
                "5",
                "--out",
                "b.csv",
            ],
        ));
        ok(throughline(url, dir, &["import", "b.csv"]));
        let said = ok(throughline(url, dir, &["analyze"]));
        assert!(
            said.contains(
                "Analysed 300 new records with the saved themes (2300 records in all, 12 themes)"
            ),
            "{said}"
        );
        let run: serde_json::Value =
            serde_json::from_str(&ok(throughline(url, dir, &["analyze", "--json"]))).unwrap();
        assert_eq!(run["mode"], "incremental");
        assert_eq!(run["analysed"], 0);

        // Handed to a worker instead: asked for once while it waits, run by `worker --once`.
        ok(throughline(
            url,
            dir,
            &["import", "b.csv", "--source", "second"],
        ));
        let asked = ok(throughline(url, dir, &["analyze", "--queue"]));
        assert!(asked.contains("Asked for job 1"), "{asked}");
        let again = ok(throughline(url, dir, &["analyze", "--queue"]));
        assert!(
            again.contains("Job 1 already asks for it (queued)"),
            "{again}"
        );
        let listed = ok(throughline(url, dir, &["jobs", "list"]));
        assert!(
            listed.contains("analyze") && listed.contains("queued"),
            "{listed}"
        );
        let ran = ok(throughline(url, dir, &["worker", "--once"]));
        assert!(ran.contains("Job 1 (analyze): done"), "{ran}");
        assert!(ran.contains("1 job(s) run"), "{ran}");
        let job: serde_json::Value =
            serde_json::from_str(&ok(throughline(url, dir, &["jobs", "show", "1", "--json"])))
                .unwrap();
        assert_eq!(job["status"], "done");
        let result: serde_json::Value =
            serde_json::from_str(job["result"].as_str().unwrap()).unwrap();
        assert_eq!(result["analysed"], 300, "{job}");
    }

    backend_tests!(analyze_themes_and_top_ten_work_from_the_command_line);
}

#[test]
fn a_date_column_it_cannot_read_stops_analyze_file_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(
        path.join("reviews.csv"),
        "id,date,rating,comment\n\
         a,8 Novembre 2023,2,Seat was broken\n\
         b,9 Novembre 2023,5,Lovely crew\n",
    )
    .unwrap();
    let out = throughline(
        None,
        path,
        &["analyze-file", "reviews.csv", "--out", "results"],
    );
    assert!(
        !out.status.success(),
        "a file whose dates cannot be read fails"
    );
    let said = stderr(&out);
    for part in [
        "\"date\"",
        "\"8 Novembre 2023\"",
        "--date-format",
        "--map received_at=",
    ] {
        assert!(said.contains(part), "{part} missing from: {said}");
    }
    assert!(!path.join("results").exists(), "nothing is written");

    // The fixes the message gives work: leaving the date out…
    let said = ok(throughline(
        None,
        path,
        &[
            "analyze-file",
            "reviews.csv",
            "--map",
            "received_at=",
            "--themes",
            "2",
            "--out",
            "results",
        ],
    ));
    assert!(said.contains("Analysed 2 records"), "{said}");
    // …or giving the format of dates it cannot tell apart on its own.
    std::fs::write(
        path.join("dotted.csv"),
        "id,date,rating,comment\n\
         a,03.04.2026 10:15,2,Seat was broken\n\
         b,05.04.2026 11:00,5,Lovely crew\n",
    )
    .unwrap();
    let out = throughline(
        None,
        path,
        &[
            "analyze-file",
            "dotted.csv",
            "--themes",
            "2",
            "--out",
            "dotted",
        ],
    );
    assert!(!out.status.success(), "day or month first is not guessed");
    assert!(stderr(&out).contains("ambiguous"), "{}", stderr(&out));
    let out = throughline(
        None,
        path,
        &[
            "analyze-file",
            "dotted.csv",
            "--date-format",
            "%d.%m.%Y %H:%M",
            "--themes",
            "2",
            "--out",
            "dotted",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("read with the format"),
        "{}",
        stderr(&out)
    );

    // Written dates need no format; a numeric column settles its own order, and says so.
    std::fs::write(
        path.join("numeric.csv"),
        "id,date,rating,comment\n\
         a,03/04/2026,2,Seat was broken\n\
         b,13/04/2026,5,Lovely crew\n\
         c,\"Nov 8, 2023\",4,Fine\n",
    )
    .unwrap();
    let out = throughline(
        None,
        path,
        &[
            "analyze-file",
            "numeric.csv",
            "--themes",
            "2",
            "--out",
            "numeric",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("read day first"), "{}", stderr(&out));
}

#[test]
fn analyze_file_with_no_record_left_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    // Every row rejected for a different reason: no column fails on most rows, but nothing
    // is left to analyse.
    std::fs::write(
        path.join("bad.csv"),
        "id,nps,csat,comment\n\
         a,11,,\n\
         b,,9,\n",
    )
    .unwrap();
    let out = throughline(None, path, &["analyze-file", "bad.csv", "--out", "results"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no record to analyse"),
        "{}",
        stderr(&out)
    );
    assert!(!path.join("results").exists());
}

#[test]
fn a_file_without_scores_says_why_there_is_no_top_ten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    // Comments alone, as a ticket or tweet export has them: themes and sentiment, but no score
    // to rank the themes by.
    let mut csv = String::from("id,comment\n");
    for i in 0..120 {
        let comment = [
            "my parcel arrived damaged and the box was crushed",
            "still waiting for my refund after three weeks",
            "the support line kept me on hold for an hour",
        ][i % 3];
        csv.push_str(&format!("r{i},{comment}\n"));
    }
    std::fs::write(path.join("comments.csv"), csv).unwrap();
    let said = ok(throughline(
        None,
        path,
        &["analyze-file", "comments.csv", "--out", "results"],
    ));
    assert!(said.contains("0 in the Top Ten"), "{said}");
    assert!(
        said.contains("No Top Ten") && said.contains("--map nps=COLUMN"),
        "{said}"
    );
    assert!(path.join("results/themes.json").exists());
}
