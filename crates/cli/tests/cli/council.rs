//! `throughline council …` on the demo workspace: the generated agenda of the next operational
//! meeting (ten items in order, with the demo's real figures and the last meeting's actions),
//! the council pack as HTML and as a PDF whose pages rasterise (pdftoppm); and the story wall's
//! links and staff-meeting handout.

use std::process::Command;

use throughline_store::testing::skip;

use super::helpers::{ok, stderr, throughline};

fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[test]
fn the_council_agenda_and_pack_come_from_the_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    ok(throughline(
        None,
        dir.path(),
        &["demo", "--no-serve", "--records", "1500"],
    ));
    let url = format!(
        "sqlite://{}",
        dir.path().join("throughline-demo.db").display()
    );
    let run = |args: &[&str]| ok(throughline(Some(&url), dir.path(), args));

    let agenda: serde_json::Value =
        serde_json::from_str(&run(&["council", "agenda", "--json"])).unwrap();
    let items = agenda["items"].as_array().unwrap();
    let keys: Vec<&str> = items.iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "actions",
            "measures",
            "departments",
            "best_practices",
            "initiatives",
            "measurement",
            "priorities",
            "new_data",
            "other_business",
            "adjourn"
        ]
    );
    assert!(
        items
            .iter()
            .all(|i| !i["lines"].as_array().unwrap().is_empty())
    );
    // The demo's last meeting agreed three actions: one done, one overdue, one still open.
    let statuses: Vec<&str> = items[0]["data"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["done", "overdue", "open"]);
    // Real figures: the scores and the Top Ten are the workspace's.
    let top: serde_json::Value = serde_json::from_str(&run(&["top-ten", "--json"])).unwrap();
    let listed = items[6]["data"]["top_ten"].as_array().unwrap();
    assert_eq!(listed.len(), top["entries"].as_array().unwrap().len());
    assert_eq!(listed[0]["theme"], top["entries"][0]["theme"]);
    // The analysed records (the demo survey's 12 answers arrive after the analysis).
    assert_eq!(items[1]["data"]["measures"]["nps"]["n"], 1500);
    assert_eq!(
        items[8]["data"]["topics"][0]["text"],
        "Holiday season staffing in Customer Service"
    );
    let text = run(&["council", "agenda"]);
    assert!(text.contains("1. Actions agreed last time"), "{text}");
    assert!(text.contains("10. Adjourn"), "{text}");

    // Recognition: the call-back service that cut long holds for good comes first; Sales'
    // monthly call-backs on a complaint the campaigns keep bringing back come after it.
    let recognised: serde_json::Value =
        serde_json::from_str(&run(&["recognition", "--json"])).unwrap();
    let teams = recognised["teams"].as_array().unwrap();
    assert_eq!(teams[0]["kind"], "prevented", "{recognised}");
    assert_eq!(teams[0]["title"], "Call back instead of holding");
    let fire = teams
        .iter()
        .find(|t| t["title"] == "Call back every customer told a feature that is missing")
        .unwrap();
    assert_eq!(fire["kind"], "resolving", "{fire}");
    assert_eq!(fire["tasks_done"], 8);
    let best = items[3]["lines"].as_array().unwrap();
    assert!(
        best.iter().any(|l| l.as_str().unwrap().starts_with(
            "Recognised for prevention: Customer Service (Call back instead of holding)"
        )),
        "{best:?}"
    );
    let listed = run(&["recognition"]);
    assert!(listed.starts_with("Prevented a problem"), "{listed}");

    // The champions' network meets with an agenda of its own from the demo's data.
    let champions: serde_json::Value = serde_json::from_str(&run(&[
        "council",
        "agenda",
        "--council",
        "champions-network",
        "--json",
    ]))
    .unwrap();
    assert_eq!(champions["kind"], "champions");
    let champion_items = champions["items"].as_array().unwrap();
    let keys: Vec<&str> = champion_items
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "actions",
            "best_practices",
            "lessons",
            "coordination",
            "data_sharing",
            "other_business",
            "adjourn"
        ]
    );
    let lines = |i: usize| champion_items[i]["lines"].to_string();
    assert!(
        lines(1).contains("Recognised for prevention"),
        "{}",
        lines(1)
    );
    assert!(
        lines(2).contains("Call back instead of holding"),
        "{}",
        lines(2)
    );
    assert!(lines(3).contains("crosses"), "{}", lines(3));

    // Key accounts: the demo applied two; the account team's weekly review from the command line.
    let accounts = run(&["accounts", "list"]);
    assert!(
        accounts.contains("harbour-hotels  Harbour Hotels Group — sponsor Victor Hale"),
        "{accounts}"
    );
    let reviewed = run(&[
        "accounts",
        "review",
        "harbour-hotels",
        "--on",
        "2026-12-04",
        "--notes",
        "Renewal draft sent",
        "--goal",
        "No installation rebooked twice=at risk",
        "--action",
        "Call the facilities manager;Aisha Khan;2026-12-11",
    ]);
    assert!(reviewed.contains("1 goal reviewed, 1 action"), "{reviewed}");
    let wrong = throughline(
        Some(&url),
        dir.path(),
        &[
            "accounts",
            "review",
            "harbour-hotels",
            "--notes",
            "x",
            "--goal",
            "Be nice=done",
        ],
    );
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("is not a goal of Harbour Hotels Group"),
        "{}",
        stderr(&wrong)
    );
    let shown: serde_json::Value =
        serde_json::from_str(&run(&["accounts", "show", "harbour-hotels", "--json"])).unwrap();
    assert_eq!(shown["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(shown["goals"][1]["status"], "at risk");
    assert!(
        shown["records"].as_u64().unwrap() > 0,
        "its customers' feedback"
    );
    // The sponsor's weekly digest holds that review; without an SMTP server nothing is sent.
    let digest = run(&[
        "accounts",
        "digest",
        "--preview",
        "--period",
        "2026-W49",
        "--account",
        "harbour-hotels",
    ]);
    assert!(
        digest
            .contains("Subject: Harbour Hotels Group: your key account, 2026-11-30 to 2026-12-06"),
        "{digest}"
    );
    assert!(
        digest.contains("2026-12-04 (2 days before the period's end): Renewal draft sent"),
        "{digest}"
    );
    assert!(
        digest.contains("- Call the facilities manager (Aisha Khan) due 2026-12-11"),
        "{digest}"
    );
    assert!(
        digest.contains("- No installation rebooked twice: at risk"),
        "{digest}"
    );
    let unsent = throughline(
        Some(&url),
        dir.path(),
        &["accounts", "digest", "--period", "2026-W49"],
    );
    assert!(!unsent.status.success());
    assert!(
        String::from_utf8_lossy(&unsent.stdout).contains("0 sent")
            && stderr(&unsent).contains("2 deliveries failed"),
        "{}{}",
        String::from_utf8_lossy(&unsent.stdout),
        stderr(&unsent)
    );

    // The story wall: the demo made a link for its break room; an administrator makes,
    // lists and revokes more; the staff-meeting handout holds five of a department's stories.
    let made: serde_json::Value = serde_json::from_str(&run(&[
        "wall",
        "link",
        "create",
        "--label",
        "Billing floor",
        "--department",
        "billing",
        "--json",
    ]))
    .unwrap();
    let path = made["path"].as_str().unwrap();
    assert!(path.starts_with("/wall/l/wl_") && path.len() > 60, "{made}");
    assert_eq!(made["department"], "billing");
    let listed = run(&["wall", "link", "list"]);
    assert!(listed.contains("Break room (demo)"), "{listed}");
    assert!(
        listed.contains("Billing floor  (department billing; made by cli:"),
        "{listed}"
    );
    assert!(!listed.contains(&path[8..]), "the secret is never listed");
    let id = made["id"].as_i64().unwrap().to_string();
    run(&["wall", "link", "revoke", &id]);
    assert!(run(&["wall", "link", "list"]).contains("revoked"));
    let again = throughline(Some(&url), dir.path(), &["wall", "link", "revoke", &id]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already revoked"),
        "{}",
        stderr(&again)
    );
    let unknown = throughline(
        Some(&url),
        dir.path(),
        &["wall", "link", "create", "--department", "nowhere"],
    );
    assert!(stderr(&unknown).contains("there is no department \"nowhere\""));
    let handout = run(&["wall", "handout", "--department", "billing"]);
    assert_eq!(handout.matches("<figure class=\"handout-story").count(), 5);
    assert!(handout.contains("<style>"), "the file stands alone");

    // The pack, on screen and on paper.
    let meeting = agenda["meeting"].as_i64().unwrap().to_string();
    let html_path = dir.path().join("pack.html");
    run(&[
        "council",
        "pack",
        &meeting,
        "--format",
        "html",
        "--out",
        html_path.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("Customer Experience Council"));
    assert!(html.contains("<svg") && html.contains("NPS by month"));
    assert_eq!(html.matches("class=\"pack-item\"").count(), 10);
    assert!(html.contains("In the customers' words"));

    let test = "the_council_agenda_and_pack_come_from_the_demo_data (PDF)";
    if !installed("chromium") && std::env::var_os("THROUGHLINE_CHROMIUM").is_none() {
        skip(
            test,
            "Chromium is not installed (Debian: chromium), so no PDF can be printed",
        );
        return;
    }
    if !installed("pdftoppm") {
        skip(
            test,
            "pdftoppm is not installed (Debian: poppler-utils), so the PDF cannot be checked",
        );
        return;
    }
    let pdf = dir.path().join("pack.pdf");
    run(&[
        "council",
        "pack",
        &meeting,
        "--format",
        "pdf",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF file");
    let pages = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "40", "-png"])
        .arg(&pdf)
        .arg(&pages)
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm rasterises the pack");
    let rendered = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("page"))
        .filter(|e| e.metadata().is_ok_and(|m| m.len() > 1000))
        .count();
    assert!(rendered >= 2, "{rendered} pages rendered");

    // The staff-meeting handout on paper.
    let handout_pdf = dir.path().join("handout.pdf");
    run(&[
        "wall",
        "handout",
        "--department",
        "billing",
        "--format",
        "pdf",
        "--out",
        handout_pdf.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&handout_pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF file");
    let text = Command::new("pdftotext")
        .arg(&handout_pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("What our customers told us"), "{text}");
}
