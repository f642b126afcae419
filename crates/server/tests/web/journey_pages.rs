//! Journey health in the web interface: the moments of truth found in customers' histories on
//! their page (with the demo's planted histories imported), a candidate adopted with the form by
//! an administrator and refused to a member, and the journey check in the API.

use axum::http::StatusCode;
use throughline_analytics::synthetic;
use throughline_server::{AppState, router};
use throughline_service::events;
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, api, form_token, get, json, post_form, send, sign_in, token_for, workspace};

pub async fn moments_of_truth_are_measured_and_adopted_on_the_web(db: &TestDatabase) {
    let store = workspace(db).await;
    let records: Vec<_> = synthetic::Generator::new(synthetic::Options {
        records: 1500,
        seed: 42,
        spike: true,
        shifts: true,
    })
    .collect();
    let path = db.dir.path().join("events.csv");
    synthetic::histories::write_events_csv(
        &synthetic::histories::histories(&records, 42),
        std::fs::File::create(&path).unwrap(),
    )
    .unwrap();
    events::import_events(&store, path, None, None)
        .await
        .unwrap();
    let member_token = token_for(&store, "bill@northwind.example", "member", Some("billing")).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let member = sign_in(&app, "bill@northwind.example", PASSWORD)
        .await
        .unwrap();

    // The page: both moments with a rule, the third contact harmful, the tenth order a lift.
    let page = send(&app, get("/moments", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = |name: &str| -> String {
        page.body
            .split("<tr class=\"moment-row\">")
            .find(|r| r.contains(name))
            .unwrap_or_else(|| panic!("{name} missing"))
            .split("</tr>")
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(row("Third contact in a month").contains("measured-harm"));
    assert!(page.body.contains("NPS points"));
    assert!(row("The tenth order").contains("measured-lift"));
    // Each moment's page lists the customers who reached it, the most recent first.
    assert!(row("Third contact in a month").contains("href=\"/moments/3\""));
    let third = send(&app, get("/moments/3", Some(&member))).await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.body);
    let lived = throughline_service::moments::customers(&store, 3)
        .await
        .unwrap();
    assert!(!lived.customers.is_empty());
    assert_eq!(
        third.body.matches("<tr class=\"customer-row\">").count(),
        lived.customers.len().min(200)
    );
    let first = &lived.customers[0];
    assert!(
        third.body.contains(&format!(
            "<tr class=\"customer-row\"><td>{}</td><td>{}</td>",
            first.customer, first.reached_on
        )),
        "{}",
        third.body
    );
    assert!(third.body.contains("customers reached it"));
    assert!(third.body.contains("<th>What they wrote after it</th>"));
    let quoted = lived
        .customers
        .iter()
        .take(200)
        .find_map(|c| c.comment_after.clone())
        .unwrap();
    // As the page's auto-escaping writes it.
    let escaped = quoted
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;");
    assert!(
        third.body.contains(&format!("<td>{escaped}</td>")),
        "{quoted}: {}",
        third.body
    );
    let missing = send(&app, get("/moments/99", Some(&member))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The journey map links to it and shows the effects beside the moments.
    let map = send(&app, get("/journey", Some(&admin))).await;
    assert!(map.body.contains("href=\"/moments\""));
    assert!(
        map.body.contains("measured measured-harm"),
        "the third contact's effect on the map"
    );

    // A member sees no adopt form and cannot post one; the administrator adopts a rule.
    let seen = send(&app, get("/moments", Some(&member))).await;
    assert!(!seen.body.contains("action=\"/moments/adopt\""));
    let adopt = |csrf: String, count: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf_token", csrf),
            ("event", "contact".to_owned()),
            ("count", count.to_owned()),
            ("within_days", "7".to_owned()),
            ("stage", "use".to_owned()),
            ("name", "Second call in a week".to_owned()),
        ]
    };
    let post = |session: &str, form: &[(&'static str, String)]| {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_form("/moments/adopt", Some(session), &pairs)
    };
    let refused = send(&app, post(&member, &adopt(form_token(&seen.body), "2"))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let csrf = form_token(&send(&app, get("/moments", Some(&admin))).await.body);
    let adopted = send(&app, post(&admin, &adopt(csrf.clone(), "2"))).await;
    assert_eq!(adopted.status, StatusCode::SEE_OTHER, "{}", adopted.body);
    let page = send(&app, get("/moments", Some(&admin))).await;
    assert!(
        page.body.contains("Second call in a week"),
        "adopted and measured"
    );
    let org = store.load_organisation().await.unwrap().unwrap();
    let added = org.moments_of_truth.last().unwrap();
    assert_eq!(
        (added.rank, added.name.as_str()),
        (13, "Second call in a week")
    );

    // A bad value comes back with the reason, and nothing is added.
    let bad = send(&app, post(&admin, &adopt(csrf, "lots"))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("count: a whole number"), "{}", bad.body);
    let org = store.load_organisation().await.unwrap().unwrap();
    assert_eq!(org.moments_of_truth.len(), 13);

    // The journey check in the API, as the command line prints it.
    let check = send(
        &app,
        api("GET", "/api/v1/journey/check", &member_token, None),
    )
    .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    let body = json(&check);
    assert!(
        body["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["kind"] == "moment_without_metric")
    );
    let bad = send(
        &app,
        api("GET", "/api/v1/journey/check?from=May", &member_token, None),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}

/// 60 weeks of KPI values: lead volume leads lead conversion by a week, which leads complaint
/// calls by another; on-time delivery wanders on its own.
pub fn planted_kpis() -> String {
    let mut rng = throughline_analytics::rng::SplitMix64::new(11);
    let weeks = 60;
    let mut leads = vec![100.0; weeks];
    let mut conversion = vec![30.0; weeks];
    let mut calls = vec![40.0; weeks];
    let mut delivery = vec![90.0; weeks];
    for t in 1..weeks {
        leads[t] = leads[t - 1] + 0.2 + rng.normal();
        delivery[t] = delivery[t - 1] + rng.normal();
        let (lead_push, conversion_push) = if t >= 2 {
            (
                leads[t - 1] - leads[t - 2],
                conversion[t - 1] - conversion[t - 2],
            )
        } else {
            (0.0, 0.0)
        };
        conversion[t] = conversion[t - 1] - 0.9 * lead_push + 0.4 * rng.normal();
        calls[t] = calls[t - 1] - 0.9 * conversion_push + 0.4 * rng.normal();
    }
    let start = throughline_ingest::dates::parse_timestamp("2025-09-01")
        .unwrap()
        .as_millis();
    let mut csv = String::from("metric,date,value\n");
    for t in 0..weeks {
        let day = throughline_domain::action::Date::of(throughline_domain::Timestamp::from_millis(
            start + t as i64 * 7 * 86_400_000,
        ));
        for (metric, values) in [
            ("lead-volume", &leads),
            ("lead-conversion", &conversion),
            ("complaint-calls", &calls),
            ("on-time-delivery", &delivery),
        ] {
            csv.push_str(&format!("{metric},{},{:.3}\n", day.as_str(), values[t]));
        }
    }
    csv
}

pub async fn chains_are_drawn_on_their_page(db: &TestDatabase) {
    let store = workspace(db).await;
    let app = router(AppState::new(store.clone()));
    let admin = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let before = send(&app, get("/chains", Some(&admin))).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);

    let path = db.dir.path().join("kpis.csv");
    std::fs::write(&path, planted_kpis()).unwrap();
    let actor = throughline_service::changes::Actor::CommandLine { os_user: "ops" };
    throughline_service::changes::import_kpis(&store, actor, path, None)
        .await
        .unwrap();
    // The page is computed afresh after the import (the KPI values are in the fingerprint).
    let page = send(&app, get("/chains", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(
        body.contains("<h2>Lead volume → Lead-to-order conversion → Complaint calls</h2>"),
        "{body}"
    );
    assert!(body.contains("Departments: Marketing, Sales, Customer Service"));
    assert!(body.contains("hypotheses for the council, not proven causes"));
    // The diagram: the journey's stages as columns, three boxes, two labelled arrows.
    let section = body
        .split("<section class=\"chain\">")
        .find(|s| s.contains("<h2>Lead volume → Lead-to-order conversion → Complaint calls</h2>"))
        .unwrap();
    assert_eq!(section.matches("class=\"chain-stage\"").count(), 7);
    assert_eq!(section.matches("<g class=\"chain-box\">").count(), 3);
    assert_eq!(section.matches("class=\"chain-arrow\"").count(), 2);
    assert!(
        section.contains("1 wk · r -0.") || section.contains("1 wk · r −0."),
        "{section}"
    );
    assert!(section.contains("KPI · Marketing"));
    let map = send(&app, get("/journey", Some(&admin))).await;
    assert!(map.body.contains("href=\"/chains\""));
    // Each department's page says what its KPIs lead or follow.
    let marketing = send(&app, get("/departments/marketing", Some(&admin))).await;
    assert!(
        marketing
            .body
            .contains("Its Lead volume leads “Lead-to-order conversion” by 1 week (r -0."),
        "{}",
        marketing.body
    );
    let service = send(&app, get("/departments/customer-service", Some(&admin))).await;
    assert!(
        service
            .body
            .contains("“Lead-to-order conversion” leads its Complaint calls by 1 week"),
        "{}",
        service.body
    );

    // From a chain the council proposes a cross-department initiative, the form filled in.
    let href = section
        .split("class=\"propose-from-chain\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{section}"))
        .replace("&amp;", "&")
        .replace("&#x2f;", "/");
    assert!(href.starts_with("/initiatives?chain="), "{href}");
    let form = send(&app, get(href.split('#').next().unwrap(), Some(&admin))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let body = &form.body;
    assert!(body.contains("Filled in from the cross-silo chain Lead volume → Lead-to-order conversion → Complaint calls"), "{body}");
    assert!(
        body.contains(
            "value=\"Break the chain: Lead volume → Lead-to-order conversion → Complaint calls\""
        ),
        "{body}"
    );
    assert!(
        body.contains("<option value=\"council:cx-council\" selected>"),
        "{body}"
    );
    assert!(
        body.contains("name=\"metric\" value=\"complaint-calls\""),
        "{body}"
    );
    assert!(
        body.contains("name=\"stages\" value=\"discover,choose,use\""),
        "{body}"
    );
    assert!(
        body.contains("Departments along it: Marketing, Sales, Customer Service"),
        "{body}"
    );
    let field = |name: &str| -> String {
        let marker = format!("name=\"{name}\" value=\"");
        body.split(&marker)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned()
    };
    let baseline = field("baseline");
    assert!(baseline.parse::<f64>().is_ok(), "{baseline:?}");
    let proposed = send(
        &app,
        post_form(
            "/initiatives",
            Some(&admin),
            &[
                ("csrf_token", &form_token(body)),
                ("title", &field("title")),
                ("description", "Break it"),
                ("owner", "council:cx-council"),
                ("metric", "complaint-calls"),
                ("baseline", &baseline),
                ("target", "20"),
                ("due", "2027-06-30"),
                ("theme", ""),
                ("stages", &field("stages")),
            ],
        ),
    )
    .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    let initiatives = throughline_service::actions::initiatives(&store)
        .await
        .unwrap();
    let made = initiatives.last().unwrap();
    assert!(
        made.initiative
            .title
            .starts_with("Break the chain: Lead volume")
    );
    let stages: Vec<&str> = made.initiative.stages.iter().map(|k| k.as_str()).collect();
    assert_eq!(stages, ["discover", "choose", "use"]);
    // Every initiative downloads as a file, the new one with what was proposed.
    let board = send(&app, get("/initiatives", Some(&admin))).await;
    assert!(
        board.body.contains("href=\"/initiatives.csv\""),
        "{}",
        board.body
    );
    let file = send(&app, get("/initiatives.csv", Some(&admin))).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let mut reader = csv::Reader::from_reader(file.body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(&header[..4], ["initiative", "title", "status", "owner"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), initiatives.len());
    let row = rows
        .iter()
        .find(|r| r[0] == made.id.to_string())
        .expect("the new initiative's row");
    assert_eq!(&row[1], made.initiative.title.as_str());
    assert_eq!(&row[2], "proposed");
    assert_eq!(
        (&row[6], &row[8], &row[9]),
        ("complaint-calls", "20", "2027-06-30")
    );
    assert_eq!(&row[12], "0", "no tasks yet");
    let workbook = send(&app, get("/initiatives.xlsx", Some(&admin))).await;
    assert_eq!(workbook.status, StatusCode::OK);
    // A chain that is no longer in the data is said so.
    let gone = send(&app, get("/initiatives?chain=kpi%3Anope", Some(&admin))).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(
        gone.body.contains("not in the data any more"),
        "{}",
        gone.body
    );

    // The next meeting's page: agenda item 7 lists the chain as a hypothesis, and item 3 flags
    // Marketing: as its lead volume rises, Sales' conversion falls.
    let meeting = throughline_service::council::schedule(&store, "cx-council", Some("2027-01-15"))
        .await
        .unwrap();
    let page = send(
        &app,
        get(&format!("/meetings/{}", meeting.id), Some(&admin)),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(
            "Chain (a hypothesis to examine, not a proven cause): Lead volume → 1 week → \
             Lead-to-order conversion → 1 week → Complaint calls"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "NOT ALIGNED: in the chains, its Lead volume leads “Lead-to-order conversion” by 1 \
             week"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("as it improves, Lead-to-order conversion (Sales) gets worse"),
        "{}",
        page.body
    );
}

/// `throughline serve` computes the whole-dataset views ahead of visitors after every change
/// people make: the pages then read them without computing them again, and only the next
/// change (an analysis that landed) makes them computed anew.
pub async fn views_are_computed_ahead_of_visitors(db: &TestDatabase) {
    let store = workspace(db).await;
    let admin = token_for(&store, "ada@northwind.example", "admin", None).await;
    let state = AppState::new(store.clone());
    let app = router(state.clone());
    let every_view = [
        "top_ten",
        "journey_map",
        "journey_check",
        "moments",
        "chains",
        "department_evidence",
    ];
    assert_eq!(state.warm_views().await.unwrap(), every_view);
    assert!(
        state.warm_views().await.unwrap().is_empty(),
        "nothing changed, nothing computed again"
    );

    let department = throughline_service::org::organisation(&store)
        .await
        .unwrap()
        .unwrap()
        .departments[0]
        .key
        .to_string();
    let session = sign_in(&app, "amara@northwind.example", PASSWORD)
        .await
        .unwrap();
    let pages = [
        "/".to_owned(),
        "/journey".to_owned(),
        format!("/departments/{department}"),
        "/moments".to_owned(),
        "/chains".to_owned(),
    ];
    for page in &pages {
        let reply = send(&app, get(page, Some(&session))).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}: {}", reply.body);
    }
    let computations = |metrics: &str, view: &str| -> u64 {
        let prefix = format!("throughline_view_computations{{view=\"{view}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no count for {view}: {metrics}"))
            .parse()
            .unwrap()
    };
    let metrics = send(&app, api("GET", "/metrics", &admin, None)).await;
    assert_eq!(metrics.status, StatusCode::OK, "{}", metrics.body);
    for view in every_view {
        assert_eq!(
            computations(&metrics.body, view),
            1,
            "{view}: the pages read what was computed ahead"
        );
    }
    assert!(
        metrics
            .body
            .contains("# TYPE throughline_view_last_compute_seconds gauge"),
        "{}",
        metrics.body
    );

    // An analysis lands: every view is computed again ahead of the next visitor.
    throughline_service::analysis::analyze(
        &store,
        throughline_service::analysis::AnalyzeOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(state.warm_views().await.unwrap(), every_view);
    let journey = send(&app, get("/journey", Some(&session))).await;
    assert_eq!(journey.status, StatusCode::OK);
    let metrics = send(&app, api("GET", "/metrics", &admin, None)).await;
    assert_eq!(computations(&metrics.body, "journey_map"), 2);
    assert_eq!(computations(&metrics.body, "moments"), 2);
}
