use crate::helpers::{ok, stderr, stdout, throughline};

#[test]
fn version_and_help_are_there() {
    let dir = tempfile::tempdir().unwrap();
    let version = ok(throughline(None, dir.path(), &["--version"]));
    assert_eq!(
        version.trim(),
        format!("throughline {}", env!("CARGO_PKG_VERSION"))
    );
    let help = ok(throughline(None, dir.path(), &["--help"]));
    for command in [
        "demo",
        "demo-data",
        "import",
        "init",
        "apply",
        "export-org",
        "--database-url",
    ] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
    for command in [
        "demo",
        "demo-data",
        "import",
        "analyze-file",
        "init",
        "apply",
        "export-org",
    ] {
        let help = ok(throughline(None, dir.path(), &[command, "--help"]));
        assert!(
            help.contains("Usage: throughline"),
            "{command} --help:\n{help}"
        );
    }
}

#[test]
fn the_demo_creates_a_fresh_workspace_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let first = ok(throughline(None, dir.path(), &["demo", "--no-serve"]));
    assert!(dir.path().join("throughline-demo.db").exists());
    // By default the data runs up to last week: its last record is 7 to 13 days old.
    let feedback =
        std::fs::read_to_string(dir.path().join("throughline-demo-feedback.csv")).unwrap();
    let last = feedback
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(1))
        .filter(|when| when.len() >= 10 && when.starts_with("20"))
        .map(|when| when[..10].to_owned())
        .max()
        .unwrap();
    let today = throughline_domain::action::Date::today();
    let last = throughline_domain::action::Date::parse(&last).unwrap();
    assert!(
        last <= today.plus_days(-7) && last > today.plus_days(-14),
        "the data ends on {last:?}"
    );
    assert!(first.contains("its dates moved by"), "{first}");
    assert!(first.contains("Northwind Home"), "{first}");
    assert!(
        first.contains("8 departments, 7 journey stages, 26 touchpoints, 12 moments of truth"),
        "{first}"
    );
    assert!(
        first.contains("Customer Experience Council — operational, meets monthly"),
        "{first}"
    );
    // Again: the demo starts afresh rather than failing or piling up.
    // With the documented dates (`--end 2026-10-31`), the planted June spike is in June.
    let second = ok(throughline(
        None,
        dir.path(),
        &["demo", "--no-serve", "--end", "2026-10-31"],
    ));
    assert!(
        second.contains("sign in as demo@northwind.example with the password northwind-demo"),
        "{second}"
    );
    assert!(second.contains("(created fresh)"), "{second}");
    assert!(
        second.contains(
            "Imported 3000 synthetic feedback records from throughline-demo-feedback.csv \
             (source \"northwind-survey\"; 0 duplicates, 0 rejected)"
        ),
        "{second}"
    );
    assert!(
        second.contains(
            "Top Ten — the themes that cost the most NPS points (effect on the score, 95% \
             interval):"
        ),
        "{second}"
    );
    assert!(second.contains("   1. "), "{second}");
    // Signed as the API and the web sign it (issue 26): a theme that lowers NPS reads negative.
    let first = second.lines().find(|l| l.contains("   1. [")).unwrap();
    assert!(
        first.contains("effect  -") || first.contains("effect -"),
        "{first}"
    );
    assert!(
        second.contains("in 2026-06:"),
        "the planted June spike is reported: {second}"
    );
    // The demo database is a normal workspace: importing the same data again adds nothing.
    let url = format!(
        "sqlite://{}",
        dir.path().join("throughline-demo.db").display()
    );
    // A closed culture-maturity assessment with results, so that the maturity page shows some.
    assert!(
        second.contains("A culture-maturity assessment answered by 10 people"),
        "{second}"
    );
    let culture = ok(throughline(
        Some(&url),
        dir.path(),
        &["assess", "results", "1", "--json"],
    ));
    let culture: serde_json::Value = serde_json::from_str(&culture).unwrap();
    assert_eq!(culture["assessment"]["open"], false, "{culture}");
    assert_eq!(culture["results"]["respondents"], 10, "{culture}");
    let exported = ok(throughline(Some(&url), dir.path(), &["export-org"]));
    assert!(exported.contains("name = \"Northwind Home\""));
    let again = ok(throughline(
        Some(&url),
        dir.path(),
        &[
            "import",
            "throughline-demo-feedback.csv",
            "--source",
            "northwind-survey",
        ],
    ));
    assert!(
        again.contains("Read 3000 rows: 0 imported, 3000 duplicates"),
        "{again}"
    );
}

#[test]
fn demo_data_is_labelled_synthetic_and_the_same_for_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    // 500 records of `seed` written to `out`, with `more` arguments.
    let write = |seed: &str, out: &str, more: &[&str]| {
        let mut args = vec![
            "demo-data",
            "--records",
            "500",
            "--seed",
            seed,
            "--out",
            out,
        ];
        args.extend_from_slice(more);
        throughline(None, dir.path(), &args)
    };
    let run = |seed: &str, out: &str| ok(write(seed, out, &[]));
    let said = run("9", "a.csv");
    assert!(
        said.contains("Wrote 500 synthetic feedback records to a.csv (seed 9)."),
        "{said}"
    );
    assert!(said.contains("docs/demo-data.md"), "{said}");
    run("9", "b.csv");
    run("10", "c.csv");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(read("a.csv"), read("b.csv"));
    assert_ne!(read("a.csv"), read("c.csv"));
    let text = read("a.csv");
    assert_eq!(text.lines().count(), 501);
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.ends_with("\"synthetic demo data (Northwind Home, fictional)\""))
    );

    // `--end` moves the twelve months by whole weeks to end on the day or the six before it;
    // the rows stay the same otherwise.
    let moved = |end: &str, out: &str| write("9", out, &["--end", end]);
    ok(moved("2026-10-31", "same.csv"));
    assert_eq!(read("same.csv"), read("a.csv"));
    ok(moved("2026-11-29", "later.csv"));
    let days = |name: &str| -> Vec<String> {
        read(name)
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap()[..10].to_owned())
            .collect()
    };
    let (before, after) = (days("a.csv"), days("later.csv"));
    let last = after.iter().max().unwrap();
    assert!(
        last.as_str() <= "2026-11-29" && last.as_str() >= "2026-11-23",
        "{last}"
    );
    let shift = |a: &str, b: &str| {
        let day = |d: &str| {
            throughline_domain::action::Date::parse(d)
                .unwrap()
                .day_number()
        };
        day(b) - day(a)
    };
    let first_shift = shift(&before[0], &after[0]);
    assert_eq!(first_shift % 7, 0);
    assert!(
        before
            .iter()
            .zip(&after)
            .all(|(a, b)| shift(a, b) == first_shift)
    );
    let wrong = moved("2026-02-30", "wrong.csv");
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("--end:"), "{}", stderr(&wrong));
    assert!(!dir.path().join("wrong.csv").exists());

    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let imported = ok(throughline(Some(&url), dir.path(), &["import", "a.csv"]));
    assert!(
        imported
            .contains("Read 500 rows: 500 imported, 0 duplicates (already stored), 0 rejected."),
        "{imported}"
    );
}

#[test]
fn an_unsupported_database_url_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = throughline(
        Some("mysql://root:secret@localhost/cx"),
        dir.path(),
        &["export-org"],
    );
    assert!(!output.status.success());
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: unsupported database URL"), "{err}");
    assert!(
        !err.contains("secret"),
        "passwords are never printed: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let output = throughline(Some(&url), dir.path(), &["apply", "nowhere.toml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("cannot read the organisation file nowhere.toml"));
    assert!(stdout(&output).is_empty());
}

#[test]
fn init_writes_a_starter_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let out = ok(throughline(Some(&url), dir.path(), &["init"]));
    assert!(out.contains("Wrote org.toml"), "{out}");
    let written = std::fs::read_to_string(dir.path().join("org.toml")).unwrap();
    assert!(written.contains("[organisation]"));
    // A second init leaves the (maybe edited) file alone and says so.
    std::fs::write(dir.path().join("org.toml"), "# mine\n").unwrap();
    let again = throughline(Some(&url), dir.path(), &["init"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("org.toml")).unwrap(),
        "# mine\n"
    );
    // The starter file applies.
    std::fs::write(dir.path().join("org.toml"), written).unwrap();
    let applied = ok(throughline(Some(&url), dir.path(), &["apply", "org.toml"]));
    assert!(applied.contains("Applied org.toml"), "{applied}");
}

/// The README's main command ends with the web interface serving the demo workspace.
#[test]
fn the_demo_serves_the_web_interface_with_a_demo_login() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"))
        .current_dir(dir.path())
        .env_remove("THROUGHLINE_DATABASE_URL")
        .args(["demo", "--records", "800", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the demo prints where it serves")
            .unwrap();
        if let Some(rest) = line.strip_prefix("The web interface is at http://") {
            assert!(line.contains("demo@northwind.example"), "{line}");
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    let fetch = |path: &str| {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply
    };
    let health = fetch("/health");
    let login = fetch("/login");
    let overview = fetch("/");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        login.starts_with("HTTP/1.1 200") && login.contains("Sign in"),
        "{login}"
    );
    assert!(
        overview.starts_with("HTTP/1.1 303"),
        "the overview needs a session: {overview}"
    );
}

/// A single sign-on setting that cannot work stops `serve` before it opens anything, saying
/// what is wrong (the sign-in itself is tested against a provider in the web tests).
#[test]
fn a_wrong_single_sign_on_setting_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let refused = |args: &[&str]| {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let output = throughline(Some(&url), dir.path(), &all);
        assert!(!output.status.success(), "{args:?} should fail");
        stderr(&output)
    };
    let e = refused(&[
        "--sso-issuer",
        "http://id.example",
        "--sso-client-id",
        "throughline",
        "--sso-roles",
        "viewer=*",
    ]);
    assert!(e.contains("must be an https:// address"), "{e}");
    let e = refused(&["--sso-client-id", "throughline"]);
    assert!(e.contains("needs --sso-issuer"), "{e}");
    let e = refused(&[
        "--sso-issuer",
        "https://id.example",
        "--sso-client-id",
        "throughline",
        "--sso-roles",
        "member=billing-team",
    ]);
    assert!(
        e.contains("--sso-roles") && e.contains("belongs to a department"),
        "{e}"
    );
    let e = refused(&["--sso-issuer", "https://id.example", "--sso-client-id", "x"]);
    assert!(e.contains("needs --sso-roles"), "{e}");
    assert!(
        !dir.path().join("t.db").exists(),
        "nothing was opened or made"
    );
}

/// The configuration file (`--config FILE` or `THROUGHLINE_CONFIG`) fills in the settings that
/// neither a flag nor the environment gives; its values are checked as theirs are; a wrong
/// file stops the command with what is wrong and where, before anything is touched.
#[test]
fn a_configuration_file_fills_in_what_flags_and_the_environment_leave() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    let config = dir.path().join("throughline.toml");
    std::fs::write(
        &config,
        format!(
            "# the deployment's settings\ndatabase_url = \"{}\"\n\n[smtp]\nsecurity = \"tls\"\n",
            url("from-file.db")
        ),
    )
    .unwrap();
    let org = crate::helpers::example_org_str();
    let run = |env_url: Option<String>, args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_throughline"));
        command
            .current_dir(dir.path())
            .env_remove("THROUGHLINE_DATABASE_URL")
            .env_remove("THROUGHLINE_CONFIG")
            .env_remove("THROUGHLINE_SMTP_SECURITY");
        if let Some(env_url) = env_url {
            command.env("THROUGHLINE_DATABASE_URL", env_url);
        }
        command.args(args).output().unwrap()
    };
    let config_arg = config.to_str().unwrap();

    // The file alone: its database is the one used.
    ok(run(None, &["--config", config_arg, "apply", &org]));
    assert!(dir.path().join("from-file.db").exists());
    // The environment beats the file; a flag beats both.
    ok(run(
        Some(url("from-env.db")),
        &["--config", config_arg, "apply", &org],
    ));
    assert!(dir.path().join("from-env.db").exists());
    ok(run(
        Some(url("from-env.db")),
        &[
            "--config",
            config_arg,
            "--database-url",
            &url("from-flag.db"),
            "apply",
            &org,
        ],
    ));
    assert!(dir.path().join("from-flag.db").exists());
    // Named by the environment instead of the command line.
    let mut command = Command::new(env!("CARGO_BIN_EXE_throughline"));
    let named = command
        .current_dir(dir.path())
        .env_remove("THROUGHLINE_DATABASE_URL")
        .env("THROUGHLINE_CONFIG", &config)
        .args(["export-org"])
        .output()
        .unwrap();
    assert!(
        stdout(&named).contains("Northwind"),
        "{}{}",
        stdout(&named),
        stderr(&named)
    );

    // A value from the file is checked as a flag's or the environment's is.
    std::fs::write(dir.path().join("zero.toml"), "digest_check_seconds = 0\n").unwrap();
    let zero = run(
        None,
        &["--config", "zero.toml", "serve", "--listen", "127.0.0.1:0"],
    );
    assert!(!zero.status.success());
    assert!(
        stderr(&zero).contains("digest-check-seconds"),
        "{}",
        stderr(&zero)
    );
    // And a setting no flag has, read where it is used (the digests' schedule).
    std::fs::write(
        dir.path().join("schedule.toml"),
        format!(
            "database_url = \"{}\"\ndigest_schedule = \"fortnightly\"\n",
            url("from-file.db")
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_throughline"));
    let schedule = command
        .current_dir(dir.path())
        .env_remove("THROUGHLINE_DATABASE_URL")
        .env_remove("THROUGHLINE_DIGEST_SCHEDULE")
        .args([
            "--config",
            "schedule.toml",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!schedule.status.success());
    assert!(
        stderr(&schedule).contains("THROUGHLINE_DIGEST_SCHEDULE=\"fortnightly\""),
        "{}",
        stderr(&schedule)
    );

    // Wrong files: refused with the file, what is wrong and the way out; nothing is created.
    let refused = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).unwrap();
        let output = run(None, &["--config", name, "apply", &org]);
        assert!(!output.status.success(), "{name} should be refused");
        stderr(&output)
    };
    let e = refused("typo.toml", "lisen = \"0.0.0.0:8080\"\n");
    assert!(
        e.contains("typo.toml: \"lisen\" is not a setting")
            && e.contains("listen")
            && e.contains("database_url"),
        "{e}"
    );
    let e = refused("broken.toml", "listen = 0.0.0.0:8080\n");
    assert!(
        e.contains("broken.toml is not valid TOML") && e.contains("line 1"),
        "{e}"
    );
    let e = refused("list.toml", "listen = [\"a\", \"b\"]\n");
    assert!(
        e.contains("listen must be a text, a number or true/false"),
        "{e}"
    );
    let e = refused("deep.toml", "[smtp.tls]\nverify = true\n");
    assert!(e.contains("one table too deep"), "{e}");
    let missing = run(None, &["--config", "nowhere.toml", "apply", &org]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("cannot read the configuration file nowhere.toml"),
        "{}",
        stderr(&missing)
    );
    assert!(!dir.path().join("throughline.db").exists());
}
