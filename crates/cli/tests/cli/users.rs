//! `throughline users`: an operator on the server disables, enables, re-roles and resets the
//! password of an account; the last administrator cannot be demoted; refused passwords say why.

use std::process::Command;

use throughline_store::Store;
use throughline_store::testing::TestDatabase;

use crate::helpers::{example_org_str, ok, stderr, throughline};

fn users(
    url: &str,
    dir: &std::path::Path,
    args: &[&str],
    password: Option<&str>,
) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_throughline"));
    command
        .current_dir(dir)
        .env_remove("THROUGHLINE_DATABASE_URL")
        .args(["--database-url", url, "users"])
        .args(args);
    if let Some(password) = password {
        command.env("THROUGHLINE_PASSWORD", password);
    }
    command.output().unwrap()
}

#[tokio::test]
async fn operators_manage_accounts_from_the_command_line() {
    let db = TestDatabase::sqlite().await;
    let (dir, url) = (db.dir.path(), db.url.as_str());
    ok(throughline(Some(url), dir, &["apply", &example_org_str()]));
    let good = Some("correct horse battery");
    ok(users(
        url,
        dir,
        &[
            "add",
            "--email",
            "ada@northwind.example",
            "--name",
            "Ada",
            "--admin",
        ],
        good,
    ));
    let weak = users(
        url,
        dir,
        &["add", "--email", "bo@northwind.example", "--name", "Bo"],
        Some("aaaaaaaaaa"),
    );
    assert!(!weak.status.success());
    assert!(
        stderr(&weak).contains("only 1 different characters"),
        "{}",
        stderr(&weak)
    );
    ok(users(
        url,
        dir,
        &["add", "--email", "bo@northwind.example", "--name", "Bo"],
        good,
    ));

    let out = ok(users(
        url,
        dir,
        &["disable", "--email", "bo@northwind.example"],
        None,
    ));
    assert!(out.contains("Disabled bo@northwind.example"), "{out}");
    let listed = ok(users(url, dir, &["list"], None));
    assert!(
        listed
            .lines()
            .any(|l| l.contains("bo@northwind.example") && l.ends_with("disabled")),
        "{listed}"
    );
    ok(users(
        url,
        dir,
        &["enable", "--email", "bo@northwind.example"],
        None,
    ));
    let out = ok(users(
        url,
        dir,
        &[
            "role",
            "--email",
            "bo@northwind.example",
            "--role",
            "member",
            "--department",
            "billing",
        ],
        None,
    ));
    assert!(out.contains("is now member of billing"), "{out}");
    let out = ok(users(
        url,
        dir,
        &["reset-password", "--email", "bo@northwind.example"],
        Some("a whole new passphrase"),
    ));
    assert!(out.contains("every session of theirs ended"), "{out}");

    // The only administrator stays one.
    let refused = users(
        url,
        dir,
        &[
            "role",
            "--email",
            "ada@northwind.example",
            "--role",
            "viewer",
        ],
        None,
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("the only enabled administrator"),
        "{}",
        stderr(&refused)
    );

    let store = Store::connect(url).await.unwrap();
    let log = store.audit_log(20).await.unwrap();
    for action in [
        "user.disable",
        "user.enable",
        "user.role",
        "user.password_reset",
    ] {
        let entry = log.iter().find(|e| e.action == action).unwrap();
        assert!(entry.actor.starts_with("cli:"), "{}", entry.actor);
    }
    store.close().await;
}

/// Logs for a collector (issue 28, 5): `THROUGHLINE_LOG_FORMAT=json` writes one JSON object
/// per line on standard error.
#[tokio::test]
async fn logs_are_json_lines_on_request() {
    let db = TestDatabase::sqlite().await;
    let (dir, url) = (db.dir.path(), db.url.as_str());
    ok(throughline(Some(url), dir, &["apply", &example_org_str()]));
    ok(throughline(
        None,
        dir,
        &["demo-data", "--records", "300", "--out", "f.csv"],
    ));
    ok(throughline(Some(url), dir, &["import", "f.csv"]));
    let analysed = Command::new(env!("CARGO_BIN_EXE_throughline"))
        .current_dir(dir)
        .env_remove("THROUGHLINE_DATABASE_URL")
        .env("THROUGHLINE_LOG", "info")
        .env("THROUGHLINE_LOG_FORMAT", "json")
        .args(["--database-url", url, "analyze"])
        .output()
        .unwrap();
    let logs = stderr(&analysed);
    ok(analysed);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "INFO" && l["fields"]["message"] == "analysis stored"),
        "{logs}"
    );
}
