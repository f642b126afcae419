//! `throughline backup` and `restore` (issue 28, 10): a backup taken while an import runs is a
//! consistent snapshot; restored SQLite → PostgreSQL → SQLite, every table's count and checksum
//! stay the same, the restored workspace works (sign-in data, analysis, new records get new
//! ids), a non-empty database is refused without --force, and a damaged or cut file restores
//! nothing. `cp` of a live SQLite file missed what was still in its write-ahead log.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use throughline_store::Store;
use throughline_store::testing::TestDatabase;

use crate::helpers::{example_org_str, ok, stderr, throughline};

/// Each table's (rows, sha256) as a backup file records them.
fn sums(path: &Path) -> BTreeMap<String, (u64, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("{\"end\""))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["end"].as_str().unwrap().to_owned(),
                (
                    v["rows"].as_u64().unwrap(),
                    v["sha256"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_backup_taken_during_an_import_moves_between_backends_unchanged() {
    let sqlite = TestDatabase::sqlite().await;
    let Some(postgres) = TestDatabase::postgres(
        "cli::backup::a_backup_taken_during_an_import_moves_between_backends_unchanged",
    )
    .await
    else {
        return;
    };
    let dir = sqlite.dir.path();
    let url = Some(sqlite.url.as_str());
    ok(throughline(url, dir, &["apply", &example_org_str()]));
    ok(throughline(
        None,
        dir,
        &["demo-data", "--records", "1500", "--out", "first.csv"],
    ));
    ok(throughline(
        None,
        dir,
        &[
            "demo-data",
            "--records",
            "100000",
            "--seed",
            "7",
            "--out",
            "second.csv",
        ],
    ));
    ok(throughline(url, dir, &["import", "first.csv"]));
    ok(throughline(url, dir, &["analyze"]));
    let mut add_user = Command::new(env!("CARGO_BIN_EXE_throughline"));
    add_user
        .current_dir(dir)
        .args(["--database-url", &sqlite.url])
        .args([
            "users",
            "add",
            "--email",
            "ana@northwind.example",
            "--name",
            "Ana",
            "--admin",
        ])
        .env("THROUGHLINE_PASSWORD", "correct horse battery");
    ok(add_user.output().unwrap());

    // A large import runs while the backup is taken.
    let import = Command::new(env!("CARGO_BIN_EXE_throughline"))
        .current_dir(dir)
        .args(["--database-url", &sqlite.url, "import", "second.csv"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let taken = ok(throughline(url, dir, &["backup", "--out", "one.jsonl"]));
    assert!(
        taken.contains("each table's count and SHA-256 checked"),
        "{taken}"
    );
    assert!(import.wait_with_output().unwrap().status.success());
    let one = dir.join("one.jsonl");
    let first = sums(&one);
    let records = first["feedback"].0;
    assert!(
        records == 1500 || records == 101_500,
        "a snapshot holds the import whole or not at all: {records} records"
    );
    assert_eq!(first["users"].0, 1);
    assert!(first["codebooks"].0 >= 1 && first["themes"].0 >= 4);
    assert!(!dir.join(".one.jsonl.partial").exists());

    // SQLite → PostgreSQL: the same tables, row for row.
    let pg = Some(postgres.url.as_str());
    let restored = ok(throughline(pg, dir, &["restore", "one.jsonl"]));
    assert!(
        restored.contains(&format!(
            "Restored {} rows",
            first.values().map(|s| s.0).sum::<u64>()
        )),
        "{restored}"
    );
    let refused = throughline(pg, dir, &["restore", "one.jsonl"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("the database is not empty"),
        "{}",
        stderr(&refused)
    );
    ok(throughline(pg, dir, &["backup", "--out", "two.jsonl"]));
    let second = sums(&dir.join("two.jsonl"));
    // The restore's own audit line is the one difference.
    let mut expected = first.clone();
    expected.remove("audit_log");
    let mut got = second.clone();
    assert_eq!(got.remove("audit_log").unwrap().0, first["audit_log"].0 + 1);
    assert_eq!(got, expected);

    // The restored workspace works on PostgreSQL: its analysis, and new records get new ids.
    let top = ok(throughline(pg, dir, &["top-ten"]));
    assert!(top.contains("1."), "{top}");
    std::fs::write(
        dir.join("late.csv"),
        "id,date,nps,comment\nlate-1,2026-11-30,2,Still waiting for my sofa\n",
    )
    .unwrap();
    ok(throughline(pg, dir, &["import", "late.csv"]));
    let store = Store::connect(&postgres.url).await.unwrap();
    assert_eq!(store.feedback_count().await.unwrap(), records + 1);
    store.close().await;

    // … and back to a new SQLite file, forced over a workspace that has data.
    let back = dir.join("back.db");
    let back_url = format!("sqlite://{}", back.display());
    ok(throughline(
        Some(&back_url),
        dir,
        &["apply", &example_org_str()],
    ));
    let refused = throughline(Some(&back_url), dir, &["restore", "two.jsonl"]);
    assert!(!refused.status.success());
    ok(throughline(
        Some(&back_url),
        dir,
        &["restore", "two.jsonl", "--force"],
    ));
    ok(throughline(
        Some(&back_url),
        dir,
        &["backup", "--out", "three.jsonl"],
    ));
    let mut third = sums(&dir.join("three.jsonl"));
    third.remove("audit_log");
    let mut second = second;
    second.remove("audit_log");
    assert_eq!(third, second);

    // A file changed by hand, or cut short, restores nothing.
    let text = std::fs::read_to_string(&one).unwrap();
    let changed = text.replacen("Still waiting", "Still wafting", 1);
    let cut = &text[..text.len() / 2];
    for (name, body, says) in [
        (
            "changed.jsonl",
            changed.as_str(),
            "does not match its count and checksum",
        ),
        ("cut.jsonl", cut, "cut off"),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
        let fresh = dir.join(format!("{name}.db"));
        let fresh_url = format!("sqlite://{}", fresh.display());
        let failed = throughline(Some(&fresh_url), dir, &["restore", name]);
        assert!(!failed.status.success(), "{name}");
        assert!(
            stderr(&failed).contains(says),
            "{name}: {}",
            stderr(&failed)
        );
        assert!(
            stderr(&failed).contains("nothing was restored"),
            "{}",
            stderr(&failed)
        );
        let store = Store::connect(&fresh_url).await.unwrap();
        assert_eq!(store.feedback_count().await.unwrap(), 0, "{name}");
        store.close().await;
    }
}
