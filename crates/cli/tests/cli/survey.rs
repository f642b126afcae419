//! `throughline survey …`: the survey the organisation file declares is made on apply (once);
//! a survey made for a touchpoint prints its public link (as JSON too);
//! an unknown touchpoint is refused with the ones there are; customers invited from a file get
//! one e-mail each through a real SMTP listener (`--quiet-hours none`), a file row that cannot
//! be read goes to the rejects file with its line; a second invite within the frequency window
//! invites nobody; the list shows the counts.

use throughline_notify::testing::smtp_server;

use super::helpers::{example_org_str, ok, stderr, throughline};

#[test]
fn surveys_are_made_and_customers_invited_from_the_command_line() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (smtp_port, mails) = runtime.block_on(smtp_server());
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    ok(throughline(
        Some(&url),
        dir.path(),
        &["apply", &example_org_str()],
    ));

    let refused = throughline(
        Some(&url),
        dir.path(),
        &["survey", "create", "--touchpoint", "moon"],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("its touchpoints are: online-ads"),
        "{}",
        stderr(&refused)
    );
    // The example file declares the Delivery day survey: applying it made it.
    let listed: serde_json::Value = serde_json::from_str(&ok(throughline(
        Some(&url),
        dir.path(),
        &["survey", "list", "--json"],
    )))
    .unwrap();
    assert_eq!(listed[0]["title"], "Delivery day survey");
    assert_eq!(
        listed[0]["questions"][0],
        "Did the crew leave your home tidy?"
    );
    // The example file translates it into German and French.
    assert_eq!(listed[0]["translations"]["de"]["place"], "Liefertag");
    assert_eq!(listed[0]["language"], "en");
    let refused = throughline(
        Some(&url),
        dir.path(),
        &["survey", "create", "--touchpoint", "delivery-day"],
    );
    assert!(
        stderr(&refused).contains("already called"),
        "{}",
        stderr(&refused)
    );
    let made = ok(throughline(
        Some(&url),
        dir.path(),
        &[
            "survey",
            "create",
            "--touchpoint",
            "installation",
            "--measure",
            "ces",
            "--public-url",
            "https://cx.northwind.example",
            "--json",
        ],
    ));
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    assert_eq!(made["id"], 2);
    assert_eq!(made["title"], "Installation survey");
    assert!(
        made["public_link"]
            .as_str()
            .unwrap()
            .starts_with("https://cx.northwind.example/s/"),
        "{made}"
    );
    // A survey of a whole stage, with its own words in Spanish from a file.
    let translations = dir.path().join("translations.toml");
    std::fs::write(
        &translations,
        "[es]\nplace = \"el pago\"\nquestions = [\"¿Entendió la factura?\"]\n",
    )
    .unwrap();
    let stage = |translations: &std::path::Path| {
        throughline(
            Some(&url),
            dir.path(),
            &[
                "survey",
                "create",
                "--stage",
                "pay",
                "--question",
                "Was the invoice clear?",
                "--translations",
                translations.to_str().unwrap(),
                "--json",
            ],
        )
    };
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[it]\nplace = \"il pagamento\"\n").unwrap();
    let refused = stage(&bad);
    assert!(
        !refused.status.success() && stderr(&refused).contains("bad.toml"),
        "{}",
        stderr(&refused)
    );
    let made: serde_json::Value = serde_json::from_str(&ok(stage(&translations))).unwrap();
    assert_eq!(made["stage"], "pay");
    assert_eq!(made["touchpoint"], serde_json::Value::Null);
    assert_eq!(made["languages"], serde_json::json!(["en", "es"]));

    let file = dir.path().join("customers.csv");
    let mut csv = String::from("customer,email,event_date\n");
    for n in 1..=12 {
        csv.push_str(&format!("C-{n},c{n}@example.com,2026-12-0{}\n", n % 5 + 1));
    }
    csv.push_str("C-13,not-an-address,2026-12-01\n");
    std::fs::write(&file, csv).unwrap();
    let invite = |extra: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"));
        command
            .current_dir(dir.path())
            .env("THROUGHLINE_SMTP_HOST", "127.0.0.1")
            .env("THROUGHLINE_SMTP_PORT", smtp_port.to_string())
            .env("THROUGHLINE_SMTP_SECURITY", "none")
            .env(
                "THROUGHLINE_SMTP_FROM",
                "Northwind <surveys@northwind.example>",
            )
            .args(["--database-url", &url, "survey", "invite", "--survey", "1"])
            .args(["--file", file.to_str().unwrap(), "--quiet-hours", "none"])
            .args(extra);
        ok(command.output().unwrap())
    };
    let first = invite(&[]);
    assert!(
        first.contains("Invited 12 of 13 customers read (1 rejected)"),
        "{first}"
    );
    assert!(first.contains("Sent 12 invitations"), "{first}");
    assert!(dir.path().join("customers.rejects.csv").exists());
    assert_eq!(mails.lock().unwrap().len(), 12);
    let second = invite(&[]);
    assert!(second.contains("Invited 0 of 13"), "{second}");
    assert!(
        second.contains("not invited: 12 invited to a survey within the last 30 days"),
        "{second}"
    );
    assert_eq!(mails.lock().unwrap().len(), 12, "nobody twice");

    let list = ok(throughline(Some(&url), dir.path(), &["survey", "list"]));
    assert!(
        list.contains("Delivery day survey") && list.contains("12 invited, 12 sent, 0 answered"),
        "{list}"
    );
    // Applying the file again makes nothing new.
    ok(throughline(
        Some(&url),
        dir.path(),
        &["apply", &example_org_str()],
    ));
    let again: serde_json::Value = serde_json::from_str(&ok(throughline(
        Some(&url),
        dir.path(),
        &["survey", "list", "--json"],
    )))
    .unwrap();
    // The file's survey and the two made here.
    assert_eq!(again.as_array().unwrap().len(), 3);
    ok(throughline(
        Some(&url),
        dir.path(),
        &["survey", "close", "1"],
    ));
    let list = ok(throughline(Some(&url), dir.path(), &["survey", "list"]));
    assert!(list.contains("; closed"), "{list}");
    assert!(
        list.contains(
            "Pay and manage my account survey  (the whole stage, Pay and manage my account)"
        ),
        "{list}"
    );
}
