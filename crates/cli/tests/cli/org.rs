//! `apply` and `export-org` on both backends.

use throughline_store::backend_tests;
use throughline_store::testing::TestDatabase;

use crate::helpers::{example_org, example_org_str, ok, stderr, stdout, throughline};

async fn applying_twice_reports_no_changes(db: &TestDatabase) {
    let first = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", &example_org_str()],
    ));
    assert!(
        first.contains("+ department marketing (Marketing)"),
        "{first}"
    );
    assert!(
        first.contains("+ touchpoint delivery-day (Delivery day)"),
        "{first}"
    );
    assert!(first.contains("+ moment of truth Third contact in a month about the same problem"));
    assert!(
        first.contains(": 71 added, 0 changed, 0 removed."),
        "{first}"
    );

    let second = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", &example_org_str()],
    ));
    assert!(second.starts_with("No changes:"), "{second}");
    assert_eq!(second.lines().count(), 1, "{second}");
    // The first apply is in the audit log, as the command line's, with the survey it declared
    // made; the second changed nothing.
    let store = db.store().await;
    let log = store.audit_log(10).await.unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["org.apply", "survey.create"], "{log:?}");
    assert!(log.iter().all(|e| e.actor.starts_with("cli:")), "{log:?}");
    assert_eq!(log[1].after.as_ref().unwrap()["added"], 71);
    store.close().await;
}

async fn a_broken_file_names_its_line_and_changes_nothing(db: &TestDatabase) {
    ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", &example_org_str()],
    ));
    let before = ok(throughline(Some(&db.url), db.dir.path(), &["export-org"]));

    // An unknown department among a touchpoint's owners, plus a renamed department that
    // would otherwise be applied: nothing at all may change.
    let source = std::fs::read_to_string(example_org()).unwrap();
    let broken = source
        .replacen("owners = [\"fulfilment\"]", "owners = [\"shipping\"]", 1)
        .replacen("name = \"Marketing\"", "name = \"Brand Marketing\"", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("\"shipping\""))
        .unwrap()
        + 1;
    std::fs::write(db.dir.path().join("broken.toml"), &broken).unwrap();

    let output = throughline(Some(&db.url), db.dir.path(), &["apply", "broken.toml"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.starts_with(&format!("error: broken.toml:{line}:")),
        "expected line {line}: {err}"
    );
    assert!(
        err.contains("unknown department \"shipping\" in owners of touchpoint"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(stdout(&output).is_empty());

    let after = ok(throughline(Some(&db.url), db.dir.path(), &["export-org"]));
    assert_eq!(
        before, after,
        "a refused file must leave the database as it was"
    );
}

async fn apply_export_apply_reports_no_changes(db: &TestDatabase) {
    ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", &example_org_str()],
    ));
    ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["export-org", "--out", "exported.toml"],
    ));
    let again = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", "exported.toml"],
    ));
    assert!(again.starts_with("No changes:"), "{again}");

    // Editing the export is how people change the organisation.
    let exported = std::fs::read_to_string(db.dir.path().join("exported.toml")).unwrap();
    let edited = exported.replacen("name = \"Sales\"", "name = \"Sales and Partnerships\"", 1);
    std::fs::write(db.dir.path().join("edited.toml"), edited).unwrap();
    let dry = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", "edited.toml", "--dry-run"],
    ));
    assert!(
        dry.contains("~ department sales: name \"Sales\" -> \"Sales and Partnerships\""),
        "{dry}"
    );
    assert!(dry.contains("Nothing was written"), "{dry}");
    let changed = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", "edited.toml"],
    ));
    assert!(
        changed.contains("0 added, 1 changed, 0 removed"),
        "{changed}"
    );
    let exported_again = ok(throughline(Some(&db.url), db.dir.path(), &["export-org"]));
    assert!(exported_again.contains("name = \"Sales and Partnerships\""));
}

async fn a_dry_run_writes_nothing_and_json_is_machine_readable(db: &TestDatabase) {
    let dry = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", &example_org_str(), "--dry-run", "--json"],
    ));
    let report: serde_json::Value = serde_json::from_str(&dry).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["applied"], false);
    // The example file: 68 parts of the organisation, two follow-up rules and a survey.
    assert_eq!(report["added"], 71);
    assert_eq!(report["changes"][1]["entity"], "department");
    assert_eq!(report["changes"][1]["kind"], "added");

    let output = throughline(Some(&db.url), db.dir.path(), &["export-org"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("holds no organisation yet"),
        "{}",
        stderr(&output)
    );

    let applied = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", &example_org_str(), "--json"],
    ));
    let report: serde_json::Value = serde_json::from_str(&applied).unwrap();
    assert_eq!(report["applied"], true);
    assert_eq!(report["warnings"].as_array().unwrap().len(), 0);
}

async fn warnings_are_shown_but_do_not_block(db: &TestDatabase) {
    let source = std::fs::read_to_string(example_org()).unwrap();
    // The operational council's chair now represents Sales, which the council also represents.
    let dependent_chair = source.replacen(
        "title = \"Chief Customer Officer\" }",
        "title = \"Chief Customer Officer\", department = \"sales\" }",
        1,
    );
    std::fs::write(db.dir.path().join("chair.toml"), dependent_chair).unwrap();
    let output = throughline(Some(&db.url), db.dir.path(), &["apply", "chair.toml"]);
    assert!(output.status.success());
    let err = stderr(&output);
    assert!(err.starts_with("warning: chair.toml:"), "{err}");
    assert!(err.contains("the chair should be independent"), "{err}");
}

/// The history: the file's version, a change made in the interface after it, what `apply` of
/// the file says about that change, and any version exported again.
async fn the_history_keeps_every_version_and_apply_tells_what_the_interface_changed(
    db: &TestDatabase,
) {
    ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", &example_org_str()],
    ));
    // A change made in the journey editor (the store's own versioned change, as the editor
    // makes it).
    let store = db.store().await;
    let before = store.load_organisation().await.unwrap().unwrap();
    let after = throughline_domain::org::OrgEdit::AddTouchpoint {
        stage: "receive".into(),
        key: "returns-desk".into(),
        name: "Returns desk".into(),
        channel: None,
        owners: vec!["customer-service".into()],
        contributors: vec![],
    }
    .apply(&before)
    .unwrap();
    let written = store
        .change_organisation(throughline_store::OrgChange {
            before: Some(&before),
            after: &after,
            meta: throughline_store::VersionMeta {
                author: "dana@northwind.example",
                source: throughline_store::VersionSource::Editor,
                summary: "Add touchpoint returns-desk (Returns desk) to stage receive",
                reason: Some("Agreed in the mapping workshop"),
            },
            moves: &[],
        })
        .await
        .unwrap();
    assert!(matches!(
        written,
        throughline_store::OrgWrite::Applied {
            version: Some(2),
            ..
        }
    ));
    store.close().await;

    let history = ok(throughline(Some(&db.url), db.dir.path(), &["org-history"]));
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 2, "{history}");
    assert!(lines[0].starts_with("version 2, "), "{history}");
    assert!(
        lines[0].contains("by dana@northwind.example (editor)"),
        "{history}"
    );
    assert!(
        lines[0].contains("(why: Agreed in the mapping workshop)"),
        "{history}"
    );
    assert!(lines[1].contains("(file): Applied "), "{history}");
    let diff = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["org-history", "--diff", "1", "2"],
    ));
    assert!(
        diff.contains("+ touchpoint returns-desk (Returns desk)"),
        "{diff}"
    );
    let first = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["export-org", "--version", "1"],
    ));
    assert!(!first.contains("returns-desk"));
    let current = ok(throughline(Some(&db.url), db.dir.path(), &["export-org"]));
    assert!(current.contains("key = \"returns-desk\""));
    let missing = throughline(
        Some(&db.url),
        db.dir.path(),
        &["export-org", "--version", "9"],
    );
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("there is no version 9"),
        "{}",
        stderr(&missing)
    );

    // Applying the file again would undo the interface's change, and says so first.
    let dry_run = ok(throughline(
        Some(&db.url),
        db.dir.path(),
        &["apply", "--dry-run", &example_org_str()],
    ));
    assert!(
        dry_run.contains("Changed in the interface since an organisation file was last applied"),
        "{dry_run}"
    );
    assert!(dry_run.contains("  version 2, "), "{dry_run}");
    assert!(
        dry_run.contains("the changes below would undo them"),
        "{dry_run}"
    );
    assert!(dry_run.contains("- touchpoint returns-desk"), "{dry_run}");
}

backend_tests!(
    the_history_keeps_every_version_and_apply_tells_what_the_interface_changed,
    applying_twice_reports_no_changes,
    a_broken_file_names_its_line_and_changes_nothing,
    apply_export_apply_reports_no_changes,
    a_dry_run_writes_nothing_and_json_is_machine_readable,
    warnings_are_shown_but_do_not_block,
);
