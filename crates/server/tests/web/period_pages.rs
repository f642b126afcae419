//! The period filter (issue 26): the overview shows the scores and each Top Ten theme's records
//! of the days chosen beside the period before, "n of N", counted as the store counts them;
//! the period stays in the URL and in the theme links; a wrong period is said, not a 500. With a
//! period, the Top Ten is the period's own, ranked on its records.

use axum::http::StatusCode;
use throughline_analytics::impact::{self, Metric, Observation};
use throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE;
use throughline_analytics::scores;
use throughline_domain::action::Date;
use throughline_domain::feedback::Nps;
use throughline_server::{AppState, router};
use throughline_service::feedback::{self, FeedbackQuery};
use throughline_service::period::{self, Days};
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, get, send, sign_in, workspace};

fn days(from: &str, to: &str) -> FeedbackQuery {
    FeedbackQuery {
        from: Some(from.into()),
        to: Some(to.into()),
        ..FeedbackQuery::default()
    }
}

/// The records of `theme` received from `from` to `to`, both included.
fn theme_days(theme: i64, from: &str, to: &str) -> FeedbackQuery {
    FeedbackQuery {
        theme: Some(theme.to_string()),
        ..days(from, to)
    }
}

pub async fn the_overview_compares_a_period_with_the_one_before(db: &TestDatabase) {
    let store = workspace(db).await;
    let app = router(AppState::new(store.clone()));
    let session = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let page = send(
        &app,
        get(
            "/?period=custom&from=2026-09-01&to=2026-09-30",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;

    // "n of N" and the period before, as the store counts them.
    let total = feedback::total(&store).await.unwrap();
    let september = feedback::count(&store, &days("2026-09-01", "2026-09-30"))
        .await
        .unwrap();
    let before = feedback::count(&store, &days("2026-08-02", "2026-08-31"))
        .await
        .unwrap();
    assert!(september > 0 && before > 0 && september < total);
    assert!(
        body.contains(&format!("{september} of {total} records</strong> in 2026-09-01 to 2026-09-30 (30 days), compared with {before} in 2026-08-02 to 2026-08-31 (30 days)")),
        "{body}"
    );

    // The period's NPS is the NPS of its records, and the period before is beside it.
    let records = feedback::find(&store, &days("2026-09-01", "2026-09-30"), None, 10_000)
        .await
        .unwrap();
    assert_eq!(records.len() as u64, september);
    let nps = |records: &[throughline_store::FeedbackListing]| {
        scores::nps(
            records
                .iter()
                .filter_map(|r| Nps::new(u8::try_from(r.nps?).ok()?).ok()),
        )
        .unwrap()
    };
    let now = nps(&records);
    let earlier = nps(
        &feedback::find(&store, &days("2026-08-02", "2026-08-31"), None, 10_000)
            .await
            .unwrap(),
    );
    let shown = |v: f64| format!("{v:.0}").trim_start_matches("-0").to_owned();
    let scores_part = body
        .split("aria-label=\"Scores in the period\"")
        .nth(1)
        .unwrap();
    let nps_card = scores_part.split("</div>").next().unwrap();
    assert!(
        nps_card.contains(&format!("<p class=\"value\">{}</p>", shown(now.value))),
        "{nps_card}"
    );
    assert!(
        nps_card.contains(&format!("{} answers", now.n)),
        "{nps_card}"
    );
    assert!(
        nps_card.contains(&format!(
            "The period before: {} ({} answers)",
            shown(earlier.value),
            earlier.n
        )),
        "{nps_card}"
    );

    // A month of 1,500 records a year is too few for any theme's 30 scored records: the
    // period's own Top Ten says so rather than show the year's.
    assert!(body.contains("Top Ten of the period"), "{body}");
    assert!(
        body.contains("No theme lowers the score significantly with enough records in the period."),
        "{body}"
    );

    // The Top Ten of six months is ranked on their records, as the analytics ranks those
    // records read one by one; each line's link keeps the days, with its records in the period
    // and its place in the Top Ten of all the data.
    let half_year = Days {
        from: Date::parse("2026-05-01").unwrap(),
        to: Date::parse("2026-11-01").unwrap(),
    };
    let ranked = period::top_ten(&store, &half_year, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    let expected = top_ten_read_record_by_record(&store, "2026-05-01", "2026-10-31").await;
    assert!(!expected.is_empty(), "six months rank some themes");
    assert_eq!(
        ranked
            .entries
            .iter()
            .map(|e| (e.theme, e.support))
            .collect::<Vec<_>>(),
        expected
            .iter()
            .map(|(theme, support, _)| (*theme, *support))
            .collect::<Vec<_>>()
    );
    for (entry, (_, _, cost)) in ranked.entries.iter().zip(&expected) {
        assert!(
            (entry.cost.value - cost).abs() < 1e-9,
            "{} {cost}",
            entry.cost.value
        );
    }
    let overall = throughline_service::themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    let six = send(
        &app,
        get(
            "/?period=custom&from=2026-05-01&to=2026-10-31",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(six.status, StatusCode::OK, "{}", six.body);
    let table = six.body.split("<table class=\"top-ten\">").nth(1).unwrap();
    let mut rest = table;
    for e in &ranked.entries {
        let link = format!("/themes/{}?from=2026-05-01&amp;to=2026-10-31", e.theme);
        let (_, after) = rest
            .split_once(&link)
            .unwrap_or_else(|| panic!("rank {}: no link {link} in order in {table}", e.rank));
        let row = after.split("</tr>").next().unwrap();
        let in_period = feedback::count(&store, &theme_days(e.theme, "2026-05-01", "2026-10-31"))
            .await
            .unwrap();
        assert_eq!(e.records, in_period);
        assert!(
            row.contains(&format!("<td class=\"in-period\">{in_period}</td>")),
            "{row}"
        );
        let place = overall
            .entries
            .iter()
            .find(|o| o.theme == e.theme)
            .map_or_else(|| "—".to_owned(), |o| o.rank.to_string());
        assert!(
            row.contains(&format!("<td class=\"overall-rank\">{place}</td>")),
            "{row}"
        );
        rest = after;
    }
    // The same Top Ten downloads as a file, in the same order, with the days and each theme's
    // place in the Top Ten of all the data.
    assert!(
        six.body
            .contains("href=\"/top-ten.csv?period=custom&amp;from=2026-05-01&amp;to=2026-10-31\""),
        "{}",
        six.body
    );
    let file = send(
        &app,
        get(
            "/top-ten.csv?period=custom&from=2026-05-01&to=2026-10-31",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let mut lines = file.body.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rank,theme,label,scored_records,records,effect,effect_low,effect_high,stage,scope,owner,evidence,period_from,period_to,all_data_rank"
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| {
            csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes())
                .records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), ranked.entries.len());
    for (row, e) in rows.iter().zip(&ranked.entries) {
        assert_eq!(row[0], e.rank.to_string());
        assert_eq!(row[1], e.theme.to_string());
        assert_eq!(row[3], e.support.to_string());
        assert_eq!(
            (row[12].as_str(), row[13].as_str()),
            ("2026-05-01", "2026-10-31")
        );
        let place = overall
            .entries
            .iter()
            .find(|o| o.theme == e.theme)
            .map_or_else(String::new, |o| o.rank.to_string());
        assert_eq!(row[14], place);
    }

    // The API ranks the same themes for the same days.
    let token = super::token_for(&store, "reader@northwind.example", "viewer", None).await;
    let api = send(
        &app,
        super::api(
            "GET",
            "/api/v1/top-ten?period=custom&from=2026-05-01&to=2026-10-31",
            &token,
            None,
        ),
    )
    .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let answer = super::json(&api);
    assert_eq!(answer["period"]["from"], "2026-05-01");
    let themes: Vec<i64> = answer["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["theme"].as_i64().unwrap())
        .collect();
    assert_eq!(
        themes,
        ranked.entries.iter().map(|e| e.theme).collect::<Vec<_>>()
    );
    let wrong = send(
        &app,
        super::api("GET", "/api/v1/top-ten?period=fortnight", &token, None),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );

    // The theme pages keep the period in their links.
    let top = store_top_theme(&store).await;
    let in_period = feedback::count(&store, &theme_days(top, "2026-09-01", "2026-09-30"))
        .await
        .unwrap();
    let link = format!("/themes/{top}?from=2026-09-01&amp;to=2026-09-30");
    let theme_page = send(
        &app,
        get(
            &format!("/themes/{top}?from=2026-09-01&to=2026-09-30"),
            Some(&session),
        ),
    )
    .await;
    assert_eq!(theme_page.status, StatusCode::OK);
    assert!(theme_page.body.contains("value=\"2026-09-01\""));
    // One month is no line: the chart keeps every month.
    assert!(
        theme_page.body.contains("by month</title>"),
        "{}",
        theme_page.body
    );
    // Days over three months: the chart keeps those months.
    let quarter = send(
        &app,
        get(
            &format!("/themes/{top}?from=2026-08-15&to=2026-10-15"),
            Some(&session),
        ),
    )
    .await;
    assert!(
        quarter
            .body
            .contains("by month, 2026-08 to 2026-10</title>"),
        "{}",
        quarter.body
    );
    assert_eq!(
        quarter.body.matches("<circle ").count(),
        3,
        "one dot a month"
    );
    // The theme's page says its records of those days, and of the days before.
    let theme_before = feedback::count(&store, &theme_days(top, "2026-08-02", "2026-08-31"))
        .await
        .unwrap();
    assert!(
        theme_page.body.contains(&format!(
            "{in_period} of the theme&#x27;s {} records match the filters, 25 a page; {theme_before} in the period before, 2026-08-02 to 2026-08-31 (30 days)",
            store.theme(top).await.unwrap().unwrap().aggregates.records
        )),
        "{}",
        theme_page.body
    );

    // The themes page counts each theme's records in the period and before, and its sorting
    // links keep the period.
    let themes = send(
        &app,
        get(
            "/themes?period=custom&from=2026-09-01&to=2026-09-30",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(themes.status, StatusCode::OK, "{}", themes.body);
    let row = themes
        .body
        .split(&link)
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_else(|| panic!("no link {link} in {}", themes.body));
    assert!(
        row.contains(&format!("<td class=\"in-period\">{in_period}</td>")),
        "{row}"
    );
    assert!(
        themes
            .body
            .contains("href=\"/themes?sort=effect&period=custom&from=2026-09-01&to=2026-09-30\"")
            || themes.body.contains(
                "href=\"/themes?sort=effect&amp;period=custom&amp;from=2026-09-01&amp;to=2026-09-30\""
            ),
        "{}",
        themes.body
    );

    // The journey map: each stage's records in the period and the period before, as the
    // store counts the records placed on it.
    let journey = send(
        &app,
        get(
            "/journey?period=custom&from=2026-09-01&to=2026-09-30",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(journey.status, StatusCode::OK, "{}", journey.body);
    let stage_count = |from: &str, to: &str| {
        let store = store.clone();
        let query = FeedbackQuery {
            stage: Some("wait".into()),
            ..days(from, to)
        };
        async move { feedback::count(&store, &query).await.unwrap() }
    };
    let (wait_now, wait_before) = (
        stage_count("2026-09-01", "2026-09-30").await,
        stage_count("2026-08-02", "2026-08-31").await,
    );
    let wait = journey
        .body
        .split("Wait for my order")
        .nth(1)
        .and_then(|rest| rest.split("</th>").next())
        .unwrap_or_else(|| panic!("no stage Wait for my order in {}", journey.body));
    assert!(
        wait.contains(&format!(
            "<small class=\"stage-figures\">{wait_now} records"
        )),
        "{wait}"
    );
    assert!(
        wait.contains(&format!("before: {wait_before} records")),
        "{wait}"
    );
    assert!(
        journey
            .body
            .contains("in 2026-09-01 to 2026-09-30 (30 days)")
    );

    // A department's page: the stages it shares in the period and the period before, the
    // same counts; the period stays in the form.
    let department = send(
        &app,
        get(
            "/departments/fulfilment?period=custom&from=2026-09-01&to=2026-09-30",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(department.status, StatusCode::OK, "{}", department.body);
    let row = department
        .body
        .split("?department=fulfilment\">Wait for my order</a></td>")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_else(|| panic!("no stage Wait for my order in {}", department.body));
    assert!(row.starts_with(&format!("<td>{wait_now}</td>")), "{row}");
    assert!(
        row.contains(&format!("<td>{wait_before} records · ")),
        "{row}"
    );
    assert!(department.body.contains("in 2026-09-01 to 2026-09-30 (30 days), beside the same in 2026-08-02 to 2026-08-31 (30 days)"));

    // The journey grid of the period as a file: the same stage counts, one row per department
    // taking part; as a workbook too (its 32-character name cut to a sheet's 31).
    assert!(
        journey
            .body
            .contains("href=\"/journey.csv?period=custom&amp;from=2026-09-01&amp;to=2026-09-30\"")
    );
    let grid = send(
        &app,
        get(
            "/journey.csv?period=custom&from=2026-09-01&to=2026-09-30",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(grid.status, StatusCode::OK, "{}", grid.body);
    let mut reader = csv::Reader::from_reader(grid.body.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "stage");
    let grid_rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let wait_rows: Vec<&csv::StringRecord> = grid_rows
        .iter()
        .filter(|r| &r[1] == "Wait for my order")
        .collect();
    assert!(!wait_rows.is_empty());
    assert!(
        wait_rows.iter().all(|r| r[2] == wait_now.to_string()
            && &r[11] == "2026-09-01"
            && &r[12] == "2026-09-30")
    );
    assert!(
        wait_rows.iter().any(|r| &r[6] == "fulfilment"),
        "{wait_rows:?}"
    );
    let (status, _, bytes) = super::send_bytes(
        &app,
        get(
            "/journey.xlsx?period=custom&from=2026-09-01&to=2026-09-30",
            Some(&session),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let path = db.dir.path().join("journey.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let mut sheet = throughline_ingest::xlsx::XlsxRows::open(&path).unwrap();
    let mut read = 0;
    while let Some(row) = sheet.next_row() {
        row.unwrap();
        read += 1;
    }
    assert_eq!(read, grid_rows.len());
    let wrong = send(&app, get("/journey.csv?period=fortnight", Some(&session))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Every department's scorecard as a file: one row per component, the page's score.
    assert!(department.body.contains("href=\"/departments.csv\""));
    let cards = send(&app, get("/departments.csv", Some(&session))).await;
    assert_eq!(cards.status, StatusCode::OK, "{}", cards.body);
    let mut reader = csv::Reader::from_reader(cards.body.as_bytes());
    let card_rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected = throughline_service::scorecards::departments(
        &store,
        throughline_analytics::scorecard::Weights::default(),
        SINGLE_DEPARTMENT_SHARE,
    )
    .await
    .unwrap();
    assert_eq!(
        card_rows.len(),
        expected
            .iter()
            .map(|c| c.scorecard.components.len())
            .sum::<usize>()
    );
    for card in &expected {
        let mine: Vec<&csv::StringRecord> = card_rows
            .iter()
            .filter(|r| r[0] == card.department)
            .collect();
        assert_eq!(mine.len(), card.scorecard.components.len());
        for (row, component) in mine.iter().zip(&card.scorecard.components) {
            assert_eq!(&row[3], component.name);
            let score = |v: Option<f64>| {
                v.map_or_else(String::new, |v| ((v * 10.0).round() / 10.0).to_string())
            };
            assert_eq!(row[2], score(card.scorecard.score), "{}", card.department);
            assert_eq!(row[5], score(component.score));
        }
    }
    assert!(
        department
            .body
            .contains("<option value=\"custom\" selected>")
    );

    // The form keeps what was chosen; a preset reads from today.
    assert!(
        body.contains("<option value=\"custom\" selected>"),
        "{body}"
    );
    let recent = send(&app, get("/?period=30d", Some(&session))).await;
    assert_eq!(recent.status, StatusCode::OK);
    assert!(recent.body.contains("<option value=\"30d\" selected>"));
    assert!(
        recent
            .body
            .contains(&format!(" of {total} records</strong>"))
    );

    // A wrong period is said on the page, which shows all the data.
    for (query, says) in [
        (
            "/?period=custom&from=2026-09-30&to=2026-09-01",
            "the period starts (2026-09-30) after it ends (2026-09-01)",
        ),
        (
            "/?period=fortnight",
            "period &quot;fortnight&quot;: choose 30d",
        ),
        ("/?period=custom&from=2026-02-30", "from:"),
    ] {
        let reply = send(&app, get(query, Some(&session))).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}");
        assert!(reply.body.contains(says), "{query}: {}", reply.body);
        assert!(reply.body.contains("showing all the data"), "{query}");
        assert!(!reply.body.contains("period-summary"), "{query}");
    }
}

/// The first theme of the Top Ten.
async fn store_top_theme(store: &throughline_store::Store) -> i64 {
    throughline_service::themes::top_ten(
        store,
        throughline_analytics::routing::SINGLE_DEPARTMENT_SHARE,
    )
    .await
    .unwrap()
    .entries[0]
        .theme
}

/// The Top Ten of the records received from `from` to `to` (both included), read one by one:
/// each record's NPS and themes, ranked by the analytics' own rule — `(theme, scored records,
/// cost)` in rank order.
async fn top_ten_read_record_by_record(
    store: &throughline_store::Store,
    from: &str,
    to: &str,
) -> Vec<(i64, u64, f64)> {
    let mut records = feedback::find(store, &days(from, to), None, 100_000)
        .await
        .unwrap();
    // In the order the records were stored, as the bootstrap draws its weights.
    records.sort_by_key(|r| r.id);
    let analyses = store.record_analyses().await.unwrap();
    let active: Vec<i64> = store
        .themes()
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.status == throughline_store::ThemeStatus::Active)
        .map(|t| t.id)
        .collect();
    let mut scored: Vec<(f64, Vec<usize>)> = Vec::new();
    for record in &records {
        let (Some(nps), Some(analysis)) = (record.nps, analyses.get(&record.id)) else {
            continue;
        };
        let mut themes: Vec<usize> = analysis
            .themes
            .iter()
            .filter_map(|(theme, _)| active.iter().position(|a| a == theme))
            .collect();
        themes.sort_unstable();
        scored.push((nps as f64, themes));
    }
    let observations: Vec<Observation> = scored
        .iter()
        .map(|(score, themes)| Observation {
            score: *score,
            themes,
        })
        .collect();
    impact::top_ten(&impact::theme_impacts(
        &observations,
        active.len(),
        Metric::Nps,
        42,
    ))
    .iter()
    .map(|i| (active[i.theme], i.support, i.cost.value))
    .collect()
}
