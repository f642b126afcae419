//! The theme explorer's codebook edits through its forms: added phrases, split, merge and
//! archive, each refused with the reason on a bad value, refused to a viewer, and audited.

use axum::http::StatusCode;
use throughline_server::{AppState, router};
use throughline_service::themes;
use throughline_store::ThemeStatus;
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, form_token, get, post_form, send, sign_in, token_for, workspace};

pub async fn themes_are_edited_in_the_explorer(db: &TestDatabase) {
    let store = workspace(db).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    token_for(&store, "vera@northwind.example", "viewer", None).await;
    let viewer = sign_in(&app, "vera@northwind.example", PASSWORD)
        .await
        .unwrap();
    let listed = themes::list(&store, false).await.unwrap();
    let (a, b, c) = (listed[0].id, listed[1].id, listed[2].id);

    // The list: themes that clearly lower the score, those that clearly lift it, and the rest,
    // each effect signed as the API signs it, sortable by effect (the most harmful first).
    let list = send(&app, get("/themes?sort=effect", Some(&viewer))).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let (lowering, rest) = list
        .body
        .split_once("id=\"lifting\"")
        .expect("the lifting table");
    let (lifting, unclear) = rest
        .split_once("id=\"unclear\"")
        .expect("the unclear table");
    let effects = |html: &str| -> Vec<f64> {
        html.split("<td class=\"effect\">")
            .skip(1)
            .filter_map(|cell| cell.split('<').next())
            .filter(|v| !v.is_empty())
            .map(|v| v.replace('−', "-").parse::<f64>().unwrap())
            .collect()
    };
    let (low, lift) = (effects(lowering), effects(lifting));
    assert!(!low.is_empty() && low.iter().all(|&e| e < 0.0), "{low:?}");
    assert!(lift.iter().all(|&e| e > 0.0), "{lift:?}");
    let unclear_count = unclear.matches("<td class=\"effect\">").count();
    assert_eq!(
        low.len() + lift.len() + unclear_count,
        listed.len(),
        "every active theme in one table"
    );
    assert!(
        low.windows(2).all(|w| w[0] <= w[1]),
        "most harmful first: {low:?}"
    );
    let worst = listed
        .iter()
        .filter_map(|t| {
            let cost = &t.aggregates.impact.as_ref()?.cost;
            (cost.high < 0.0).then_some(cost.value)
        })
        .fold(f64::INFINITY, f64::min);
    assert!(
        (low[0] - worst).abs() < 0.051,
        "{} against the store's {worst}",
        low[0]
    );
    let bad_sort = send(&app, get("/themes?sort=colour", Some(&viewer))).await;
    assert_eq!(bad_sort.status, StatusCode::UNPROCESSABLE_ENTITY);

    // From a Top Ten theme, the proposal form comes with the theme, its owner and its metric.
    let top = themes::top_ten(&store, 0.5).await.unwrap();
    let first = &top.entries[0];
    let ownership = first.ownership.as_ref().unwrap();
    let form = send(
        &app,
        get(&format!("/initiatives?theme={}", first.theme), Some(&admin)),
    )
    .await;
    assert_eq!(form.status, StatusCode::OK);
    let owner_value = format!("{}:{}", ownership.owner_kind, ownership.owner);
    assert!(
        form.body
            .contains(&format!("<option value=\"{owner_value}\" selected>")),
        "{owner_value} chosen"
    );
    assert!(
        form.body
            .contains(&format!("<option value=\"{}\" selected>", first.theme)),
        "the theme chosen"
    );

    let page = send(&app, get(&format!("/themes/{a}"), Some(&admin))).await;
    assert!(page.body.contains("Edit the theme"));
    assert!(
        page.body
            .contains(&format!("href=\"/initiatives?theme={a}#propose\""))
    );
    // Its records say how many there are, and how many the filters keep ("n of N").
    let all = listed[0].aggregates.records;
    assert!(
        page.body
            .contains(&format!("The theme&#x27;s {all} records, 25 a page.")),
        "{}",
        page.body
    );
    let negative = store
        .find_feedback(
            &throughline_store::FeedbackFilter {
                theme: Some(a),
                sentiment: Some("negative".into()),
                ..Default::default()
            },
            None,
            100_000,
        )
        .await
        .unwrap()
        .len();
    assert!(negative > 0 && (negative as u64) < all);
    let filtered = send(
        &app,
        get(&format!("/themes/{a}?sentiment=negative"), Some(&admin)),
    )
    .await;
    assert!(
        filtered.body.contains(&format!(
            "{negative} of the theme&#x27;s {all} records match the filters, 25 a page."
        )),
        "{}",
        filtered.body
    );
    // The same records as a CSV file: every page of them, the page's "n of N".
    assert!(
        filtered
            .body
            .contains("records.csv?sentiment=negative\" download>CSV</a> or <a href="),
        "{}",
        filtered.body
    );
    assert!(
        filtered
            .body
            .contains("records.xlsx?sentiment=negative\" download>Excel</a>")
    );
    let file = send(
        &app,
        get(
            &format!("/themes/{a}/records.csv?sentiment=negative"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut reader = csv::Reader::from_reader(file.body.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "record");
    let sentiment_label = header.iter().position(|h| h == "sentiment_label").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), negative, "the file holds the page's n of N");
    assert!(rows.iter().all(|r| &r[sentiment_label] == "negative"));
    // And as an Excel workbook, read back by the import's own reader: the same rows, the
    // scores as numbers, a formula-looking comment as text.
    let (status, headers, bytes) = super::send_bytes(
        &app,
        get(
            &format!("/themes/{a}/records.xlsx?sentiment=negative"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let path = db.dir.path().join("records.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let mut sheet = throughline_ingest::xlsx::XlsxRows::open(&path).unwrap();
    let mut read = Vec::new();
    while let Some(row) = sheet.next_row() {
        read.push(row.unwrap());
    }
    assert_eq!(read.len(), negative, "the workbook holds the page's n of N");
    let cell = |cells: &[(String, String)], name: &str| {
        cells
            .iter()
            .find(|(column, _)| column == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(
        read.iter()
            .all(|r| cell(&r.cells, "sentiment_label") == "negative")
    );
    assert_eq!(
        read.iter()
            .map(|r| cell(&r.cells, "record"))
            .collect::<Vec<_>>(),
        rows.iter().map(|r| r[0].to_owned()).collect::<Vec<_>>(),
        "the same records as the CSV file, in the same order"
    );
    // The themes table as a file: every theme, with its measures.
    let table = send(&app, get("/themes.csv", Some(&admin))).await;
    assert_eq!(table.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(table.body.as_bytes());
    assert_eq!(&reader.headers().unwrap()[1], "label");
    let themes: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(themes.len(), store.themes().await.unwrap().len());
    let row = themes
        .iter()
        .find(|r| r[0] == a.to_string())
        .expect("the theme is in the file");
    assert_eq!(row[3].parse::<u64>().unwrap(), all);
    // Search across all feedback: the words found in any theme's records, "n of N", the same
    // records as a file; a bad filter is said beside the form.
    let everything = store.feedback_count().await.unwrap();
    let refund = store
        .find_feedback(
            &throughline_store::FeedbackFilter {
                text: Some("refund".into()),
                ..Default::default()
            },
            None,
            100_000,
        )
        .await
        .unwrap()
        .len();
    assert!(refund > 0);
    let search = send(&app, get("/feedback?q=refund", Some(&admin))).await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(
        search.body.contains(&format!(
            "{refund} of {everything} records match the filters, 25 a page."
        )),
        "{}",
        search.body
    );
    let found = send(&app, get("/feedback.csv?q=refund", Some(&admin))).await;
    let rows = csv::Reader::from_reader(found.body.as_bytes())
        .records()
        .count();
    assert_eq!(rows, refund);
    let bad = send(&app, get("/feedback?nps_min=eleven", Some(&admin))).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("class=\"error\""), "{}", bad.body);

    let missing = send(&app, get("/themes/999999/records.csv", Some(&admin))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let signed_out = send(&app, get(&format!("/themes/{a}/records.csv"), None)).await;
    assert_ne!(signed_out.status, StatusCode::OK);

    let csrf = form_token(&page.body);
    let post = |path: String, cookie: &str, form: Vec<(&'static str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_form(&path, Some(cookie), &form)
    };

    // A viewer sees no edit forms and is refused; nothing changes.
    let seen = send(&app, get(&format!("/themes/{a}"), Some(&viewer))).await;
    assert!(!seen.body.contains("Edit the theme"));
    let viewer_csrf = form_token(&seen.body);
    let refused = send(
        &app,
        post(
            format!("/themes/{a}/archive"),
            &viewer,
            vec![("csrf_token", viewer_csrf)],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("Not allowed"),
        "an HTML page: {}",
        refused.body
    );
    assert_eq!(
        themes::show(&store, a, 0).await.unwrap().theme.status,
        ThemeStatus::Active
    );

    // Bad values come back on the theme's page with the reason.
    for (path, form, says) in [
        (
            format!("/themes/{a}/split"),
            vec![("parts", "eleven".to_owned())],
            "whole number",
        ),
        (
            format!("/themes/{a}/split"),
            vec![("parts", "11".to_owned())],
            "2 to 10 parts",
        ),
        (
            format!("/themes/{a}/phrases"),
            vec![("phrase", " !! ".to_owned())],
            "no words",
        ),
        (
            format!("/themes/{a}/merge"),
            vec![("into", a.to_string())],
            "into itself",
        ),
    ] {
        let mut form = form;
        form.push(("csrf_token", csrf.clone()));
        let reply = send(&app, post(path.clone(), &admin, form)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(reply.body.contains(says), "{path}: {}", reply.body);
        assert!(
            reply.body.contains("What customers say"),
            "the theme's page again"
        );
    }

    // Good edits: a phrase, a split, a merge, an archive.
    let reply = send(
        &app,
        post(
            format!("/themes/{a}/phrases"),
            &admin,
            vec![("csrf_token", csrf.clone()), ("phrase", "sofa legs".into())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        themes::show(&store, a, 0)
            .await
            .unwrap()
            .theme
            .added_phrases,
        vec!["sofa legs".to_owned()]
    );
    // A split, a merge and an archive are asked once more, saying what they do; nothing
    // changes until the person confirms.
    let asked = send(
        &app,
        post(
            format!("/themes/{a}/split"),
            &admin,
            vec![("csrf_token", csrf.clone()), ("parts", "2".into())],
        ),
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("into 2 themes?"), "{}", asked.body);
    assert!(asked.body.contains("name=\"confirm\" value=\"yes\""));
    assert_eq!(
        themes::show(&store, a, 0).await.unwrap().theme.status,
        ThemeStatus::Active
    );
    let reply = send(
        &app,
        post(
            format!("/themes/{a}/split"),
            &admin,
            vec![
                ("csrf_token", csrf.clone()),
                ("parts", "2".into()),
                ("confirm", "yes".into()),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let split = themes::show(&store, a, 0).await.unwrap();
    assert_eq!(split.theme.status, ThemeStatus::Split);
    assert_eq!(split.related.len(), 2);
    let asked = send(
        &app,
        post(
            format!("/themes/{b}/merge"),
            &admin,
            vec![("csrf_token", csrf.clone()), ("into", c.to_string())],
        ),
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Merge “"), "{}", asked.body);
    assert_eq!(
        themes::show(&store, b, 0).await.unwrap().theme.status,
        ThemeStatus::Active
    );
    let reply = send(
        &app,
        post(
            format!("/themes/{b}/merge"),
            &admin,
            vec![
                ("csrf_token", csrf.clone()),
                ("into", c.to_string()),
                ("confirm", "yes".into()),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers["location"], format!("/themes/{c}"));
    assert_eq!(
        themes::show(&store, b, 0).await.unwrap().theme.status,
        ThemeStatus::Merged
    );
    let asked = send(
        &app,
        post(
            format!("/themes/{c}/archive"),
            &admin,
            vec![("csrf_token", csrf.clone())],
        ),
    )
    .await;
    assert!(asked.body.contains("Restore brings it back"));
    let reply = send(
        &app,
        post(
            format!("/themes/{c}/archive"),
            &admin,
            vec![("csrf_token", csrf.clone()), ("confirm", "yes".into())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        themes::show(&store, c, 0).await.unwrap().theme.status,
        ThemeStatus::Archived
    );

    // The list shows the themes still active, each with its trend line.
    let list = send(&app, get("/themes", Some(&admin))).await;
    assert!(!list.body.contains(&format!("href=\"/themes/{c}\"")));
    assert!(list.body.contains("class=\"sparkline\""));

    // The overview's Top Ten is cached, and a change to the themes shows at once.
    let top = themes::top_ten(&store, 0.5).await.unwrap();
    let first = top.entries[0].theme;
    let before = send(&app, get("/", Some(&admin))).await;
    assert!(before.body.contains(&top.entries[0].label));
    let renamed = send(
        &app,
        post(
            format!("/themes/{first}/rename"),
            &admin,
            vec![
                ("csrf_token", csrf.clone()),
                ("label", "Renamed for the cache".into()),
            ],
        ),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let after = send(&app, get("/", Some(&admin))).await;
    assert!(
        after.body.contains("Renamed for the cache"),
        "the cached view was refreshed"
    );

    // One issue in two wordings: the second Top Ten theme put under the first from its page.
    let second = top.entries[1].theme;
    let page = send(&app, get(&format!("/themes/{second}"), Some(&admin))).await;
    assert!(page.body.contains("A sub-theme of <select name=\"under\">"));
    let reply = send(
        &app,
        post(
            format!("/themes/{second}/nest"),
            &admin,
            vec![("csrf_token", csrf.clone()), ("under", first.to_string())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers["location"], format!("/themes/{first}"));
    let issue = send(&app, get(&format!("/themes/{first}"), Some(&admin))).await;
    assert!(issue.body.contains("<h2>Sub-themes</h2>"), "{}", issue.body);
    assert!(issue.body.contains(&format!("href=\"/themes/{second}\"")));
    let ranked = themes::top_ten(&store, 0.5).await.unwrap();
    assert!(ranked.entries.iter().all(|e| e.theme != second));
    let wording = send(&app, get(&format!("/themes/{second}"), Some(&admin))).await;
    assert!(
        wording.body.contains("A sub-theme of <a href"),
        "{}",
        wording.body
    );
    assert!(wording.body.contains("Make it a theme of its own"));
    // A parent does not go under its own sub-theme: the reason on the page.
    let refused = send(
        &app,
        post(
            format!("/themes/{first}/nest"),
            &admin,
            vec![("csrf_token", csrf.clone()), ("under", second.to_string())],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("cannot go under its own sub-theme"),
        "{}",
        refused.body
    );
    let reply = send(
        &app,
        post(
            format!("/themes/{second}/nest"),
            &admin,
            vec![("csrf_token", csrf.clone()), ("under", String::new())],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        themes::show(&store, second, 0).await.unwrap().theme.parent,
        None
    );
    // Nested again: the themes list says so beside the label.
    themes::nest(&store, second, Some(first)).await.unwrap();
    let list = send(&app, get("/themes", Some(&admin))).await;
    assert!(
        list.body.contains("(a sub-theme of Renamed for the cache)"),
        "{}",
        list.body
    );
    // The parent's page lists the records of its wordings too: every one of its records, with
    // no filter saying that only some match.
    let parent_records = themes::show(&store, first, 0)
        .await
        .unwrap()
        .theme
        .aggregates
        .records;
    let parent_page = send(&app, get(&format!("/themes/{first}"), Some(&admin))).await;
    assert!(
        parent_page
            .body
            .contains(&format!("The theme&#x27;s {parent_records} records")),
        "{}",
        parent_page.body
    );

    let log = store.audit_log(50).await.unwrap();
    for action in [
        "theme.nest",
        "theme.add_phrase",
        "theme.split",
        "theme.merge",
        "theme.archive",
    ] {
        let entry = log
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("{action}"));
        assert_eq!(entry.actor, "amara@northwind.example");
    }
    assert_eq!(
        log.iter()
            .filter(|e| e.action.starts_with("theme."))
            .count(),
        7,
        "four edits, the rename, and a nesting made and undone from the page"
    );
    assert_eq!(log.iter().filter(|e| e.action == "theme.nest").count(), 2);
}
