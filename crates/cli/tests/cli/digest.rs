//! `throughline digest …` on the demo workspace with real listeners: a preview; `send --period
//! last-week` delivers one e-mail per subscribed address (to an SMTP server the test runs) and
//! one message per webhook (to an HTTP listener); running it again sends nothing new; the
//! delivery log shows both kinds.

use std::process::Output;

use throughline_notify::testing::{smtp_server, webhook_server};

use super::helpers::{ok, stdout, throughline};

#[test]
fn digests_go_out_once_from_the_command_line() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let ((smtp_port, mails), (hook_port, hooks)) =
        runtime.block_on(async { (smtp_server().await, webhook_server().await) });
    let dir = tempfile::tempdir().unwrap();
    ok(throughline(
        None,
        dir.path(),
        &[
            "demo",
            "--no-serve",
            "--records",
            "1200",
            "--end",
            "2026-10-31",
        ],
    ));
    let url = format!(
        "sqlite://{}",
        dir.path().join("throughline-demo.db").display()
    );
    let run = |args: &[&str]| -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_throughline"))
            .current_dir(dir.path())
            .env("THROUGHLINE_SMTP_HOST", "127.0.0.1")
            .env("THROUGHLINE_SMTP_PORT", smtp_port.to_string())
            .env("THROUGHLINE_SMTP_SECURITY", "none")
            .env(
                "THROUGHLINE_SMTP_FROM",
                "Throughline <digests@northwind.example>",
            )
            .args(["--database-url", &url])
            .args(args)
            .output()
            .unwrap()
    };

    let preview = ok(run(&[
        "digest", "preview", "billing", "--period", "2026-10",
    ]));
    assert!(
        preview.contains("Billing — what customers said"),
        "{preview}"
    );
    assert!(preview.contains("IN THE CUSTOMERS' WORDS"), "{preview}");
    let hook = format!("http://127.0.0.1:{hook_port}/hook");
    for args in [
        vec![
            "digest",
            "subscribe",
            "billing",
            "--email",
            "billing@northwind.example",
        ],
        vec![
            "digest",
            "subscribe",
            "it",
            "--email",
            "it@northwind.example",
        ],
        vec![
            "digest",
            "subscribe",
            "fulfilment",
            "--webhook",
            &hook,
            "--slack",
        ],
    ] {
        ok(run(&args));
    }
    let refused = run(&[
        "digest",
        "subscribe",
        "legal",
        "--email",
        "x@northwind.example",
    ]);
    assert!(!refused.status.success());

    let sent = ok(run(&["digest", "send", "--period", "last-week"]));
    assert!(sent.contains("3 sent, 0 already sent"), "{sent}");
    assert_eq!(mails.lock().unwrap().len(), 2);
    assert_eq!(hooks.lock().unwrap().len(), 1);
    let again = ok(run(&["digest", "send", "--period", "last-week"]));
    assert!(again.contains("0 sent, 3 already sent"), "{again}");
    assert_eq!(mails.lock().unwrap().len(), 2);
    assert_eq!(hooks.lock().unwrap().len(), 1);

    let log = stdout(&run(&["digest", "log"]));
    assert_eq!(
        log.lines().filter(|l| l.contains(" sent ")).count(),
        3,
        "{log}"
    );
    assert!(log.contains("email") && log.contains("webhook"), "{log}");
    drop(runtime);
}

#[test]
fn a_bad_digest_check_interval_is_refused_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["an hour", "0", "-5"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"))
            .current_dir(dir.path())
            .env_remove("THROUGHLINE_DATABASE_URL")
            .env("THROUGHLINE_DIGEST_CHECK_SECONDS", bad)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{bad:?} was accepted");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.contains("digest-check-seconds") && said.contains(bad),
            "{bad:?}: {said}"
        );
    }
}
