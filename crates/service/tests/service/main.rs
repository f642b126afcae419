//! The analysis use cases end to end on SQLite and PostgreSQL: the example organisation and
//! synthetic feedback imported, analysed, analysed again incrementally after a second import,
//! the themes edited (rename, merge, split, archive and restore, add a phrase), rediscovered;
//! and (in `actions`) a Top Ten theme taken through root cause, initiative, approval and tasks.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use throughline_analytics::routing::{SINGLE_DEPARTMENT_SHARE, Scope};
use throughline_analytics::synthetic;
use throughline_domain::Name;
use throughline_ingest::pipeline::{ImportRequest, import_file};
use throughline_service::analysis::{AnalyzeOptions, Mode, analyze};
use throughline_service::{ServiceError, themes};
use throughline_store::testing::TestDatabase;
use throughline_store::{Store, ThemeStatus, backend_tests};

mod actions;
mod audit;
mod chains;
mod concurrency;
mod council;
mod erasure;
mod follow_up;
mod jobs;
mod journey;
mod maturity;
mod org_edits;
mod retention;
mod statistics;
mod surveys;

/// Imports `csv` (a file's text) from the source `source`.
pub(crate) async fn import_csv(store: &Store, dir: &Path, source: &str, csv: &str) {
    let path: PathBuf = dir.join(format!("{source}.csv"));
    std::fs::write(&path, csv).unwrap();
    import_file(
        store,
        ImportRequest {
            path,
            source: Some(Name::parse(source).unwrap()),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await
    .unwrap();
}

pub(crate) async fn import_synthetic(store: &Store, dir: &Path, records: u64, seed: u64) {
    let path: PathBuf = dir.join(format!("synthetic-{seed}.csv"));
    let file = std::fs::File::create(&path).unwrap();
    synthetic::write_csv(
        synthetic::Options {
            records,
            seed,
            spike: true,
            shifts: true,
        },
        file,
    )
    .unwrap();
    let report = import_file(
        store,
        ImportRequest {
            path,
            source: Some(Name::parse(&format!("survey-{seed}")).unwrap()),
            ..ImportRequest::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.import.totals.imported, records);
}

pub(crate) async fn workspace(db: &TestDatabase) -> Store {
    db.example_workspace().await
}

/// Mia, a member of the Fulfilment department: who may read, not manage.
pub(crate) async fn fulfilment_member(store: &Store) -> throughline_store::StoredUser {
    throughline_service::accounts::add_user(
        store,
        throughline_service::accounts::NewAccount {
            email: "mia@northwind.example".into(),
            name: "Mia".into(),
            role: "member".into(),
            department: Some("fulfilment".into()),
            password: "a long enough passphrase".into(),
        },
        "test",
    )
    .await
    .unwrap()
}

async fn active_ids(store: &Store) -> HashSet<i64> {
    themes::list(store, false)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect()
}

async fn analysis_persists_and_new_records_join_the_same_themes(db: &TestDatabase) {
    let store = workspace(db).await;
    let err = analyze(&store, AnalyzeOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no feedback"), "{err}");
    let err = themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("throughline analyze"), "{err}");

    import_synthetic(&store, db.dir.path(), 3000, 42).await;
    let first = analyze(&store, AnalyzeOptions::default()).await.unwrap();
    assert_eq!(first.mode, Mode::Discover);
    assert_eq!((first.analysed, first.total), (3000, 3000));
    assert!(first.themes >= 4, "{} themes", first.themes);
    let analyses = store.record_analyses().await.unwrap();
    assert_eq!(analyses.len(), 3000);
    let commented: HashSet<i64> = store
        .feedback_after(0, 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| !r.record.texts.joined().trim().is_empty())
        .map(|r| r.id)
        .collect();
    let with_themes = analyses.values().filter(|a| !a.themes.is_empty()).count();
    assert!(
        with_themes <= commented.len() && with_themes * 100 >= commented.len() * 97,
        "{with_themes} records with a theme, {} with a comment",
        commented.len()
    );
    assert!(
        analyses.values().filter(|a| a.stage.is_some()).count() > 1000,
        "stages placed"
    );
    let listed = themes::list(&store, false).await.unwrap();
    assert!(
        listed
            .windows(2)
            .all(|w| w[0].aggregates.records >= w[1].aggregates.records)
    );
    assert!(
        listed
            .iter()
            .all(|t| t.aggregates.records > 0 && !t.label.is_empty())
    );

    // The Top Ten as stored: themes that lower NPS, ranked, with intervals.
    let top = themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    assert_eq!(top.metric.as_deref(), Some("nps"));
    assert!(top.entries.len() >= 5, "{:?}", top.entries);
    assert!(
        top.entries
            .iter()
            .enumerate()
            .all(|(i, e)| e.rank == i as u32 + 1)
    );
    assert!(
        top.entries
            .iter()
            .all(|e| e.effect.high < 0.0 && e.support >= 30)
    );

    // Every ranked theme is routed to an owner, with the evidence.
    for entry in &top.entries {
        let o = entry
            .ownership
            .as_ref()
            .expect("the organisation is applied");
        assert!(o.placed > 0 && o.placed <= o.records, "{o:?}");
        let total: f64 = o.evidence.iter().map(|s| s.share).sum();
        assert!((total - 1.0).abs() < 1e-6, "{o:?}");
        let top_share = o.evidence[0].share;
        match o.scope {
            Scope::SingleDepartment => {
                assert!(top_share >= SINGLE_DEPARTMENT_SHARE);
                assert_eq!(
                    (o.owner_kind, o.owner.as_str()),
                    ("department", o.evidence[0].department.as_str())
                );
            }
            Scope::CrossDepartment => {
                assert!(top_share < SINGLE_DEPARTMENT_SHARE);
                assert_eq!((o.owner_kind, o.owner.as_str()), ("council", "cx-council"));
            }
            Scope::Unplaced => panic!("placed records, yet unplaced: {o:?}"),
        }
        assert_eq!(o.set_by, "rule");
    }
    let strict = themes::top_ten(&store, 1.0).await.unwrap();
    assert!(
        strict
            .entries
            .iter()
            .all(|e| e.ownership.as_ref().unwrap().scope == Scope::CrossDepartment)
    );
    let lenient = themes::top_ten(&store, 0.01).await.unwrap();
    assert!(
        lenient
            .entries
            .iter()
            .all(|e| e.ownership.as_ref().unwrap().scope == Scope::SingleDepartment)
    );
    assert!(matches!(
        themes::top_ten(&store, 1.5).await,
        Err(ServiceError::Invalid(_))
    ));

    // A person's choice of owner wins over the rule and outlives the next analysis.
    let chosen = top.entries[0].theme;
    let err = themes::set_owner(&store, chosen, "accounts")
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no department \"accounts\""),
        "{err}"
    );
    themes::set_owner(&store, chosen, "billing").await.unwrap();

    // Nothing new: nothing analysed, the same themes.
    let again = analyze(&store, AnalyzeOptions::default()).await.unwrap();
    assert_eq!((again.mode, again.analysed), (Mode::Incremental, 0));
    let ids = active_ids(&store).await;

    // A second import joins the same themes through the codebook.
    import_synthetic(&store, db.dir.path(), 400, 7).await;
    let third = analyze(&store, AnalyzeOptions::default()).await.unwrap();
    assert_eq!(
        (third.mode, third.analysed, third.total),
        (Mode::Incremental, 400, 3400)
    );
    assert_eq!(
        active_ids(&store).await,
        ids,
        "themes stay stable across imports"
    );
    let analyses = store.record_analyses().await.unwrap();
    assert_eq!(analyses.len(), 3400);
    let newcomers = store.feedback_after(3000, 1000).await.unwrap();
    let commented = newcomers
        .iter()
        .filter(|r| !r.record.texts.joined().trim().is_empty())
        .count();
    let in_known_themes = newcomers
        .iter()
        .filter(|r| !analyses[&r.id].themes.is_empty())
        .filter(|r| analyses[&r.id].themes.iter().all(|(t, _)| ids.contains(t)))
        .count();
    assert!(
        in_known_themes * 100 >= commented * 97,
        "{in_known_themes} of {commented} new commented records in known themes"
    );

    let top = themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    let owned = top.entries.iter().find(|e| e.theme == chosen);
    if let Some(entry) = owned {
        let o = entry.ownership.as_ref().unwrap();
        assert_eq!(
            (o.owner.as_str(), o.owner_name.as_str(), o.set_by),
            ("billing", "Billing", "person")
        );
    }
    assert_eq!(
        store.theme(chosen).await.unwrap().unwrap().owner.as_deref(),
        Some("billing")
    );
    themes::set_owner(&store, chosen, "auto").await.unwrap();
    assert_eq!(store.theme(chosen).await.unwrap().unwrap().owner, None);

    // Verbatims: the most typical records of a theme, with their text.
    let biggest = &themes::list(&store, false).await.unwrap()[0];
    let detail = themes::show(&store, biggest.id, 5).await.unwrap();
    assert_eq!(detail.verbatims.len(), 5);
    assert!(
        detail
            .verbatims
            .windows(2)
            .all(|w| w[0].confidence >= w[1].confidence)
    );
    assert!(detail.verbatims.iter().all(|v| !v.text.is_empty()));
}

async fn people_edit_the_codebook(db: &TestDatabase) {
    let store = workspace(db).await;
    let err = themes::rename(&store, 1, "x").await.unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err}");
    import_synthetic(&store, db.dir.path(), 3000, 42).await;
    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    let listed = themes::list(&store, false).await.unwrap();
    let (a, b, c) = (listed[0].id, listed[1].id, listed[2].id);

    // Rename: kept, marked as a person's label, shown in the Top Ten.
    let renamed = themes::rename(&store, a, "  Orders arrive late  ")
        .await
        .unwrap();
    assert_eq!(renamed.label, "Orders arrive late");
    assert!(renamed.label_edited);
    for bad in ["   ", &"x".repeat(200)] {
        assert!(matches!(
            themes::rename(&store, a, bad).await,
            Err(ServiceError::Invalid(_))
        ));
    }
    // Another theme may not take the same label (any case): one issue, one row.
    let taken = themes::rename(&store, b, "orders ARRIVE late")
        .await
        .unwrap_err();
    assert!(
        matches!(&taken, ServiceError::Invalid(m) if m.contains(&format!("theme {a} is already called"))),
        "{taken}"
    );
    assert_ne!(
        store.theme(b).await.unwrap().unwrap().label,
        "orders ARRIVE late"
    );

    // Merge b into c: b's records are c's now; b is kept, marked merged.
    let before = store.record_analyses().await.unwrap();
    let holding = |t: i64| {
        before
            .values()
            .filter(|r| r.themes.iter().any(|x| x.0 == t))
            .count()
    };
    let expected: usize = before
        .values()
        .filter(|r| r.themes.iter().any(|x| x.0 == b || x.0 == c))
        .count();
    assert!(holding(b) > 0 && holding(c) > 0);
    let merged = themes::merge(&store, b, c).await.unwrap();
    assert_eq!(merged.aggregates.records as usize, expected);
    let b_now = store.theme(b).await.unwrap().unwrap();
    assert_eq!(
        (b_now.status, b_now.merged_into),
        (ThemeStatus::Merged, Some(c))
    );
    let after = store.record_analyses().await.unwrap();
    assert!(after.values().all(|r| r.themes.iter().all(|x| x.0 != b)));
    assert!(
        after.values().all(|r| {
            let set: HashSet<i64> = r.themes.iter().map(|x| x.0).collect();
            set.len() == r.themes.len()
        }),
        "no record holds a theme twice"
    );
    assert!(!active_ids(&store).await.contains(&b));
    assert!(matches!(
        themes::merge(&store, c, c).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        themes::merge(&store, b, c).await,
        Err(ServiceError::Invalid(_))
    ));

    // Split c into two labelled parts that share its records.
    let c_records = store.theme(c).await.unwrap().unwrap().aggregates.records;
    let parts = themes::split(&store, c, 2, 1).await.unwrap();
    assert_eq!(parts.len(), 2);
    assert!(
        parts
            .iter()
            .all(|p| p.split_from == Some(c) && !p.label.is_empty())
    );
    let part_records: u64 = parts.iter().map(|p| p.aggregates.records).sum();
    assert!(
        part_records <= c_records && part_records * 10 >= c_records * 9,
        "{part_records} of {c_records}"
    );
    assert_eq!(
        store.theme(c).await.unwrap().unwrap().status,
        ThemeStatus::Split
    );
    assert_eq!(themes::show(&store, c, 0).await.unwrap().related.len(), 2);
    assert!(matches!(
        themes::split(&store, a, 1, 1).await,
        Err(ServiceError::Invalid(_))
    ));

    // New records find the parts, not the split theme.
    import_synthetic(&store, db.dir.path(), 300, 9).await;
    analyze(&store, AnalyzeOptions::default()).await.unwrap();
    let analyses = store.record_analyses().await.unwrap();
    assert!(
        analyses
            .values()
            .all(|r| r.themes.iter().all(|x| x.0 != c && x.0 != b))
    );
    let part_ids: HashSet<i64> = parts.iter().map(|p| p.id).collect();
    let newcomers_in_parts = store
        .feedback_after(3000, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            analyses[&r.id]
                .themes
                .iter()
                .any(|x| part_ids.contains(&x.0))
        })
        .count();
    assert!(newcomers_in_parts > 0);

    // Archive: out of lists, the Top Ten and new assignments; restore brings it back.
    let archived = themes::archive(&store, a).await.unwrap();
    assert_eq!(archived.status, ThemeStatus::Archived);
    assert!(!active_ids(&store).await.contains(&a));
    let top = themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    assert!(top.entries.iter().all(|e| e.theme != a));
    assert!(
        themes::list(&store, true)
            .await
            .unwrap()
            .iter()
            .any(|t| t.id == a)
    );
    let restored = themes::restore(&store, a).await.unwrap();
    assert_eq!(restored.status, ThemeStatus::Active);
    assert_eq!(restored.label, "Orders arrive late");
    assert!(matches!(
        themes::restore(&store, a).await,
        Err(ServiceError::Invalid(_))
    ));

    // A phrase people add: every record that says it gets the theme first.
    let target = parts[0].id;
    let (with_phrase, gained) = themes::add_phrase(&store, target, "On Hold").await.unwrap();
    assert_eq!(with_phrase.added_phrases, vec!["On Hold".to_owned()]);
    let records = store.feedback_after(0, 100_000).await.unwrap();
    let analyses = store.record_analyses().await.unwrap();
    let saying: Vec<i64> = records
        .iter()
        .filter(|r| r.record.texts.joined().to_lowercase().contains("on hold"))
        .map(|r| r.id)
        .collect();
    assert!(!saying.is_empty(), "the synthetic data mentions holding");
    assert!(gained > 0 && gained as usize <= saying.len());
    assert!(
        saying
            .iter()
            .all(|id| analyses[id].themes.first().map(|x| x.0) == Some(target))
    );
    assert!(matches!(
        themes::add_phrase(&store, target, " .,! ").await,
        Err(ServiceError::Invalid(_))
    ));

    // Sub-themes: one issue in several wordings ranks once, with the records of them all;
    // each wording keeps its own counts.
    let listed = themes::list(&store, false).await.unwrap();
    let (issue, wording, other_wording, elsewhere) =
        (listed[0].id, listed[1].id, listed[2].id, listed[3].id);
    let analyses = store.record_analyses().await.unwrap();
    let carrying = |ids: &[i64]| {
        analyses
            .values()
            .filter(|r| r.themes.iter().any(|x| ids.contains(&x.0)))
            .count() as u64
    };
    let own = store.theme(wording).await.unwrap().unwrap().aggregates;
    themes::nest(&store, wording, Some(issue)).await.unwrap();
    let nested = themes::nest(&store, other_wording, Some(issue))
        .await
        .unwrap();
    assert_eq!(nested.parent, Some(issue));
    let parent = store.theme(issue).await.unwrap().unwrap();
    assert_eq!(
        parent.aggregates.records,
        carrying(&[issue, wording, other_wording])
    );
    let still = store.theme(wording).await.unwrap().unwrap().aggregates;
    assert_eq!((still.records, still.share), (own.records, own.share));
    assert_eq!(still.top_ten_rank, None, "a wording is not ranked");
    let detail = themes::show(&store, issue, 0).await.unwrap();
    let subs: HashSet<i64> = detail.sub_themes.iter().map(|t| t.id).collect();
    assert_eq!(subs, HashSet::from([wording, other_wording]));
    // Its records, listed and counted as its page and the API find them, are those of all its
    // wordings, each once; the owner is routed on them all.
    let filter = throughline_service::feedback::FeedbackQuery {
        theme: Some(issue.to_string()),
        ..Default::default()
    }
    .filter(&store)
    .await
    .unwrap();
    assert_eq!(filter.sub_themes.len(), 2);
    assert_eq!(
        store.count_feedback(&filter).await.unwrap(),
        parent.aggregates.records
    );
    let found = store.find_feedback(&filter, None, 100_000).await.unwrap();
    let distinct: HashSet<i64> = found.iter().map(|r| r.id).collect();
    assert_eq!(
        (found.len() as u64, distinct.len() as u64),
        (parent.aggregates.records, parent.aggregates.records)
    );
    let org = store.load_organisation().await.unwrap().unwrap();
    let all = store.themes().await.unwrap();
    let owners = themes::ownership(&store, &org, &all, &[&parent], SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    assert_eq!(owners[&issue].records, parent.aggregates.records);
    let top = themes::top_ten(&store, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    assert!(
        top.entries
            .iter()
            .all(|e| e.theme != wording && e.theme != other_wording),
        "{:?}",
        top.entries
    );
    // The Top Ten of a period counts the issue the same way: every day of the data.
    let days = throughline_service::period::Days {
        from: throughline_domain::action::Date::parse("2000-01-01").unwrap(),
        to: throughline_domain::action::Date::parse("2100-01-01").unwrap(),
    };
    let period_top = throughline_service::period::top_ten(&store, &days, SINGLE_DEPARTMENT_SHARE)
        .await
        .unwrap();
    assert!(
        period_top
            .entries
            .iter()
            .all(|e| e.theme != wording && e.theme != other_wording)
    );
    let ranked = |t: &themes::TopTen| t.entries.iter().map(|e| e.theme).collect::<Vec<_>>();
    assert_eq!(
        ranked(&period_top),
        ranked(&top),
        "all the days, the same ranking"
    );
    if let Some(entry) = period_top.entries.iter().find(|e| e.theme == issue) {
        assert_eq!(entry.records, parent.aggregates.records);
    }
    // One level deep, and never under itself.
    for (id, under, says) in [
        (issue, elsewhere, "has sub-themes of its own"),
        (elsewhere, wording, "is itself a sub-theme"),
        (elsewhere, elsewhere, "of itself"),
    ] {
        let refused = themes::nest(&store, id, Some(under)).await.unwrap_err();
        assert!(
            matches!(&refused, ServiceError::Invalid(m) if m.contains(says)),
            "{refused}"
        );
    }
    // A parent merged elsewhere takes its sub-themes along; a sub-theme can stand alone again.
    themes::merge(&store, issue, elsewhere).await.unwrap();
    assert_eq!(
        store.theme(wording).await.unwrap().unwrap().parent,
        Some(elsewhere)
    );
    let alone = themes::nest(&store, other_wording, None).await.unwrap();
    assert_eq!(alone.parent, None);
    assert_eq!(alone.aggregates.records, carrying(&[other_wording]));

    // A rediscovery keeps the ids and labels of the themes it finds again.
    let outcome = analyze(
        &store,
        AnalyzeOptions {
            rediscover: true,
            ..AnalyzeOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((outcome.mode, outcome.analysed), (Mode::Rediscover, 3300));
    assert!(outcome.kept_themes >= 2, "{outcome:?}");
    assert_eq!(outcome.kept_themes + outcome.new_themes, outcome.themes);
    let a_now = store.theme(a).await.unwrap().unwrap();
    if a_now.status == ThemeStatus::Active {
        assert_eq!(a_now.label, "Orders arrive late");
    }
    assert_eq!(store.record_analyses().await.unwrap().len(), 3300);
}

use concurrency::an_analysis_lands_while_an_integration_writes;
use erasure::an_erased_customer_appears_nowhere;
use follow_up::follow_up_cases_close_the_loop;
use jobs::jobs_are_claimed_once_taken_over_and_retried;
use retention::old_feedback_goes_by_the_retention_policy;
use statistics::planner_statistics_follow_bulk_writes;
use surveys::{
    customers_answer_journey_surveys, surveys_speak_the_customers_language_and_ask_about_stages,
};

backend_tests!(
    an_analysis_lands_while_an_integration_writes,
    an_erased_customer_appears_nowhere,
    old_feedback_goes_by_the_retention_policy,
    customers_answer_journey_surveys,
    surveys_speak_the_customers_language_and_ask_about_stages,
    follow_up_cases_close_the_loop,
    jobs_are_claimed_once_taken_over_and_retried,
    planner_statistics_follow_bulk_writes,
    analysis_persists_and_new_records_join_the_same_themes,
    people_edit_the_codebook,
);
