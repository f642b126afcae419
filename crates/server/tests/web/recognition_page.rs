//! Recognition on the web: on the synthetic data's planted story (the hold-times fix from June
//! and the campaigns that bring "features missing" back every few months), the team whose
//! initiative lowered its theme and kept it down is listed above the team that closed many tasks
//! on the theme that came back — on the page, in the council's agenda (item 4) and in the
//! department's digest.

use axum::http::StatusCode;
use throughline_analytics::synthetic;
use throughline_domain::user::UserRole;
use throughline_server::{AppState, router};
use throughline_service::actions::{self, InitiativeProposal};
use throughline_service::recognition::{self, Kind};
use throughline_store::testing::TestDatabase;

use super::{PASSWORD, get, send, sign_in, workspace};

async fn theme_of(store: &throughline_store::Store, planted: &str) -> i64 {
    let ids: std::collections::HashSet<String> = synthetic::Generator::new(synthetic::Options {
        records: 1500,
        seed: 42,
        spike: true,
        shifts: true,
    })
    .filter(|r| r.themes.contains(&planted))
    .map(|r| r.id)
    .collect();
    throughline_service::themes::theme_holding(store, &ids)
        .await
        .unwrap()
        .expect("a theme holds the planted records")
}

async fn started(
    store: &throughline_store::Store,
    title: &str,
    owner: &str,
    theme: i64,
    on: &str,
    tasks: &[(&str, &str)],
) -> i64 {
    let initiative = actions::propose(
        store,
        InitiativeProposal {
            title: title.into(),
            owner: owner.into(),
            metric: "NPS".into(),
            baseline: -5.0,
            target: 5.0,
            due: "2027-03-31".into(),
            themes: vec![theme],
            ..InitiativeProposal::default()
        },
    )
    .await
    .unwrap();
    actions::transition(
        store,
        initiative.id,
        throughline_domain::action::InitiativeStatus::Approved,
        Some(("Strategic CX Council".into(), None, None)),
    )
    .await
    .unwrap();
    actions::transition(
        store,
        initiative.id,
        throughline_domain::action::InitiativeStatus::Active,
        None,
    )
    .await
    .unwrap();
    actions::set_start(store, initiative.id, on).await.unwrap();
    for (i, (who, department)) in tasks.iter().enumerate() {
        let task = actions::add_task(
            store,
            initiative.id,
            &format!("Step {}", i + 1),
            who,
            department,
            on,
        )
        .await
        .unwrap();
        actions::complete_task(store, task.id, on).await.unwrap();
    }
    initiative.id
}

pub async fn prevention_is_recognised_above_fire_fighting(db: &TestDatabase) {
    let store = workspace(db).await;
    let hold = theme_of(&store, synthetic::FIX.theme).await;
    let features = theme_of(&store, synthetic::CAMPAIGN_THEME).await;
    let (y, m, d) = synthetic::FIX.from;
    let prevention = started(
        &store,
        "Call back instead of holding",
        "department:customer-service",
        hold,
        &format!("{y:04}-{m:02}-{d:02}"),
        &[("Sofia Rossi", "customer-service")],
    )
    .await;
    let firefighting = started(
        &store,
        "Call back every customer told a feature that is missing",
        "department:sales",
        features,
        "2026-03-02",
        &[
            ("Priya Shah", "sales"),
            ("Tom Becker", "sales"),
            ("Ana Lima", "customer-service"),
            ("Priya Shah", "sales"),
            ("Tom Becker", "sales"),
            ("Ana Lima", "customer-service"),
            ("Priya Shah", "sales"),
            ("Tom Becker", "sales"),
        ],
    )
    .await;

    let found = recognition::recognise(&store).await.unwrap();
    let first = &found.teams[0];
    assert_eq!(first.initiative, prevention, "{found:#?}");
    assert_eq!(first.kind, Kind::Prevented);
    assert_eq!(first.team, ["Customer Service"]);
    assert!(first.reduction.unwrap() > 0.3, "{first:?}");
    let fire = found
        .teams
        .iter()
        .find(|r| r.initiative == firefighting)
        .unwrap();
    assert_eq!(fire.kind, Kind::Resolving, "{fire:?}");
    assert_eq!(fire.tasks_done, 8);
    assert_eq!(fire.team, ["Sales", "Customer Service"]);
    assert!(
        found.teams.iter().all(|r| r.people.is_empty()) && !found.individuals,
        "teams, not individuals, by default"
    );

    // The page lists the prevention above the fire-fighting.
    super::token_for(
        &store,
        "vic@northwind.example",
        UserRole::Viewer.as_str(),
        None,
    )
    .await;
    let app = router(AppState::new(store.clone()));
    let viewer = sign_in(&app, "vic@northwind.example", PASSWORD)
        .await
        .unwrap();
    let page = send(&app, get("/recognition", Some(&viewer))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let prevented_at = page.body.find("Call back instead of holding").unwrap();
    let fire_at = page
        .body
        .find("Call back every customer told a feature that is missing")
        .unwrap();
    assert!(prevented_at < fire_at);
    let prevented_section = page.body.split("id=\"resolving\"").next().unwrap();
    assert!(prevented_section.contains("Call back instead of holding"));
    assert!(!prevented_section.contains("a feature that is missing"));

    // The council's agenda (item 4) and Customer Service's digest say so too.
    let best_practices = || {
        let store = store.clone();
        async move {
            throughline_service::council::agenda(&store, None)
                .await
                .unwrap()
                .items
                .into_iter()
                .find(|i| i.key == "best_practices")
                .unwrap()
                .lines
        }
    };
    let lines = best_practices().await;
    assert!(
        lines.iter().any(|l| l.starts_with(
            "Recognised for prevention: Customer Service (Call back instead of holding)"
        )),
        "{lines:?}"
    );
    let last_week = throughline_service::digest::Period::parse(
        "last-week",
        &throughline_domain::action::Date::today(),
    )
    .unwrap();
    let recognised_in = |department: &'static str| {
        let store = store.clone();
        let period = last_week.clone();
        async move {
            throughline_service::digest::digest(&store, department, &period)
                .await
                .unwrap()
                .recognition
        }
    };
    let service = recognised_in("customer-service").await;
    assert_eq!(service.len(), 1, "{service:?}");
    assert!(service[0].contains("Call back instead of holding"));
    assert!(
        recognised_in("sales").await.is_empty(),
        "fire-fighting is not prevention"
    );

    // An organisation that credits individuals: the people who did the tasks are named too, on
    // the page, in the agenda and in the digest.
    let mut org = store.load_organisation().await.unwrap().unwrap();
    org.recognition = throughline_domain::org::Credit::Individuals;
    store.apply_organisation(&org, false).await.unwrap();
    let found = recognition::recognise(&store).await.unwrap();
    assert!(found.individuals);
    assert_eq!(found.teams[0].people, ["Sofia Rossi"]);
    let fire = found
        .teams
        .iter()
        .find(|r| r.initiative == firefighting)
        .unwrap();
    assert_eq!(fire.people, ["Priya Shah", "Tom Becker", "Ana Lima"]);
    let page = send(&app, get("/recognition", Some(&viewer))).await;
    assert!(page.body.contains("With Sofia Rossi"), "{}", page.body);
    assert!(
        page.body
            .contains("the people who did its tasks are named too")
    );
    let lines = best_practices().await;
    assert!(
        lines.iter().any(|l| l.starts_with(
            "Recognised for prevention: Customer Service: Sofia Rossi (Call back instead of holding)"
        )),
        "{lines:?}"
    );
    assert!(recognised_in("customer-service").await[0].contains("Customer Service: Sofia Rossi"));
}
