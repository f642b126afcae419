//! The journey editor's use cases on both backends: an edit refused beside its field changes
//! nothing; a member's change is a proposal the CX lead accepts (a version, atomically) or
//! declines with a note; the history lists every version with its author and the diff between
//! them; removing a stage that feedback is placed on asks where the feedback goes.

use throughline_domain::org::{ChangeKind, OrgEdit, Reassign};
use throughline_domain::user::{User, UserRole};
use throughline_domain::{Email, Key, Name};
use throughline_service::changes::{self, Actor, EditOutcome};
use throughline_service::{ServiceError, org as org_service};
use throughline_store::testing::TestDatabase;
use throughline_store::{Store, StoredUser, VersionSource, backend_tests};

use super::workspace;

async fn person(
    store: &Store,
    email: &str,
    role: UserRole,
    department: Option<&str>,
) -> StoredUser {
    let user = User::new(
        Email::parse(email).unwrap(),
        Name::parse(email.split('@').next().unwrap()).unwrap(),
        role,
        department.map(|d| Key::parse(d).unwrap()),
    )
    .unwrap();
    store.create_user(&user, "not-a-real-hash").await.unwrap();
    store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.user.email.as_str() == email)
        .unwrap()
}

fn new_touchpoint(owners: &[&str]) -> OrgEdit {
    OrgEdit::AddTouchpoint {
        stage: "receive".into(),
        key: "returns-desk".into(),
        name: "Returns desk".into(),
        channel: Some("store".into()),
        owners: owners.iter().map(|s| (*s).to_owned()).collect(),
        contributors: vec!["fulfilment".into()],
    }
}

async fn an_edit_that_leaves_a_touchpoint_without_an_owner_changes_nothing(db: &TestDatabase) {
    let store = workspace(db).await;
    let chair = person(&store, "chair@example.com", UserRole::CouncilChair, None).await;
    let before = store.load_organisation().await.unwrap();
    let refused = changes::edit_organisation(
        &store,
        Actor::User(&chair),
        &OrgEdit::UpdateTouchpoint {
            touchpoint: "delivery-day".into(),
            name: "Delivery day".into(),
            channel: None,
            owners: vec![],
            contributors: vec!["customer-service".into()],
            stage: None,
        },
        Some("nobody owns it any more?"),
        false,
    )
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].field, Some("owners"));
    assert!(refused[0].message.contains("needs an owner"), "{refused:?}");
    // The file's own checks, through the editor: an unknown department, beside the owners.
    let unknown = changes::edit_organisation(
        &store,
        Actor::User(&chair),
        &new_touchpoint(&["logistics"]),
        None,
        false,
    )
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(unknown[0].field, Some("owners"), "{unknown:?}");
    assert!(unknown[0].message.contains("logistics"), "{unknown:?}");
    assert_eq!(store.load_organisation().await.unwrap(), before);
    assert!(org_service::versions(&store).await.unwrap().is_empty());
}

async fn a_members_proposal_is_accepted_by_the_cx_lead_as_a_version(db: &TestDatabase) {
    let store = workspace(db).await;
    let chair = person(&store, "chair@example.com", UserRole::CouncilChair, None).await;
    let member = person(
        &store,
        "dana@example.com",
        UserRole::Member,
        Some("customer-service"),
    )
    .await;
    let viewer = person(&store, "vic@example.com", UserRole::Viewer, None).await;
    let before = store.load_organisation().await.unwrap().unwrap();

    let err = changes::edit_organisation(
        &store,
        Actor::User(&viewer),
        &new_touchpoint(&["customer-service"]),
        None,
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err}");

    // A member's edit is a proposal: the map is unchanged until the CX lead accepts it.
    let outcome = changes::edit_organisation(
        &store,
        Actor::User(&member),
        &new_touchpoint(&["customer-service"]),
        Some("Agreed in the mapping workshop"),
        false,
    )
    .await
    .unwrap()
    .unwrap();
    let EditOutcome::Proposed { proposal } = outcome else {
        panic!("a member proposes: {outcome:?}");
    };
    assert_eq!(store.load_organisation().await.unwrap().unwrap(), before);
    let open = org_service::proposals(&store, true).await.unwrap();
    assert_eq!(open.len(), 1);
    let changes_shown = open[0].changes.as_ref().expect("its diff");
    assert_eq!(changes_shown.changes.len(), 1, "{changes_shown:?}");
    assert_eq!(changes_shown.changes[0].kind, ChangeKind::Added);
    assert_eq!(changes_shown.changes[0].key, "returns-desk");
    assert_eq!(
        open[0].proposal.department.as_deref(),
        Some("customer-service")
    );

    let err = changes::accept_proposal(&store, Actor::User(&member), proposal, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err}");

    let accepted = changes::accept_proposal(
        &store,
        Actor::User(&chair),
        proposal,
        Some("Yes, returns start at the desk"),
    )
    .await
    .unwrap()
    .unwrap();
    let EditOutcome::Applied {
        version: Some(version),
        ..
    } = accepted
    else {
        panic!("accepted: {accepted:?}");
    };
    let after = store.load_organisation().await.unwrap().unwrap();
    let (stage, tp) = after
        .touchpoints()
        .find(|(_, t)| t.key.as_str() == "returns-desk")
        .expect("the touchpoint is on the map");
    assert_eq!(stage.key.as_str(), "receive");
    assert_eq!(tp.owners[0].as_str(), "customer-service");
    assert!(after.to_toml().contains("returns-desk"));
    let err = changes::accept_proposal(&store, Actor::User(&chair), proposal, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already accepted"), "{err}");

    // The history: the organisation as it stood, then the accepted proposal, by its author.
    let versions = org_service::versions(&store).await.unwrap();
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions[0].number, version);
    assert_eq!(versions[0].source, VersionSource::Proposal);
    assert_eq!(versions[0].author, "dana@example.com");
    assert!(
        versions[0]
            .summary
            .contains("accepted by chair@example.com"),
        "{versions:?}"
    );
    assert_eq!(
        versions[0].reason.as_deref(),
        Some("Agreed in the mapping workshop")
    );
    assert_eq!(versions[1].source, VersionSource::Baseline);
    let diff = org_service::diff_versions(&store, versions[1].number, version)
        .await
        .unwrap();
    assert_eq!(diff.changes.len(), 1, "{diff:?}");
    assert_eq!(
        diff.changes[0].to_string(),
        "+ touchpoint returns-desk (Returns desk)"
    );
    let (_, first) = org_service::version(&store, versions[1].number)
        .await
        .unwrap();
    assert_eq!(first, before);

    // Declining needs a reason, and leaves the map as it is.
    let EditOutcome::Proposed { proposal: second } = changes::edit_organisation(
        &store,
        Actor::User(&member),
        &OrgEdit::SetMetricStage {
            metric: "lead-volume".into(),
            stage: None,
        },
        None,
        true,
    )
    .await
    .unwrap()
    .unwrap() else {
        panic!("proposed");
    };
    let err = changes::decline_proposal(&store, Actor::User(&chair), second, "  ")
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(_)), "{err}");
    changes::decline_proposal(&store, Actor::User(&chair), second, "Marketing keeps it")
        .await
        .unwrap();
    let declined = store.org_proposal(second).await.unwrap().unwrap();
    assert_eq!(declined.status, "declined");
    assert_eq!(declined.review_note.as_deref(), Some("Marketing keeps it"));
    assert_eq!(store.load_organisation().await.unwrap().unwrap(), after);
    let log = store.audit_log(10).await.unwrap();
    for action in ["org.propose", "org.proposal.accept", "org.proposal.decline"] {
        assert!(log.iter().any(|e| e.action == action), "{action} audited");
    }
}

async fn removing_a_stage_with_feedback_asks_where_the_feedback_goes(db: &TestDatabase) {
    let store = workspace(db).await;
    let chair = person(&store, "chair@example.com", UserRole::CouncilChair, None).await;
    let actor = Actor::User(&chair);
    let stage_count = |key: &'static str| {
        let store = store.clone();
        async move {
            store
                .feedback_placed_on(throughline_domain::org::MoveKind::Stage, key)
                .await
                .unwrap()
        }
    };

    // A metric on a stage must move first: the editor says so rather than drop it.
    let refused = changes::edit_organisation(
        &store,
        actor,
        &OrgEdit::RemoveStage {
            stage: "discover".into(),
            feedback: None,
        },
        None,
        false,
    )
    .await
    .unwrap()
    .unwrap_err();
    assert!(refused[0].message.contains("Lead volume"), "{refused:?}");

    // A stage added in a workshop, and feedback placed on it by an import.
    changes::edit_organisation(
        &store,
        actor,
        &OrgEdit::AddStage {
            key: "aftercare".into(),
            name: "Aftercare".into(),
            description: None,
            position: None,
        },
        None,
        false,
    )
    .await
    .unwrap()
    .unwrap();
    let path = db.dir.path().join("aftercare.csv");
    let mut csv = String::from("id,received_at,stage,nps,comment\n");
    for i in 0..5 {
        csv.push_str(&format!(
            "a{i},2026-11-0{}T10:00:00Z,aftercare,3,The follow-up call never came\n",
            i + 1
        ));
    }
    std::fs::write(&path, csv).unwrap();
    let report = throughline_ingest::pipeline::import_file(
        &store,
        throughline_ingest::pipeline::ImportRequest {
            path,
            ..Default::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.import.totals.imported, 5);
    assert_eq!(stage_count("aftercare").await, 5);

    let remove = |feedback| OrgEdit::RemoveStage {
        stage: "aftercare".into(),
        feedback,
    };
    let refused = changes::edit_organisation(&store, actor, &remove(None), None, false)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(refused[0].field, Some("feedback"), "{refused:?}");
    assert!(
        refused[0]
            .message
            .starts_with("5 feedback records are on this stage"),
        "{refused:?}"
    );
    let nowhere = changes::edit_organisation(
        &store,
        actor,
        &remove(Some(Reassign::MoveTo("nowhere".into()))),
        None,
        false,
    )
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(nowhere[0].field, Some("feedback"), "{nowhere:?}");
    let aftercare = Key::parse("aftercare").unwrap();
    let org = store.load_organisation().await.unwrap().unwrap();
    assert!(org.stage(&aftercare).is_some());

    let on_use = stage_count("use").await;
    changes::edit_organisation(
        &store,
        actor,
        &remove(Some(Reassign::MoveTo("use".into()))),
        Some("Aftercare is part of using the product"),
        false,
    )
    .await
    .unwrap()
    .unwrap();
    let org = store.load_organisation().await.unwrap().unwrap();
    assert!(org.stage(&aftercare).is_none());
    assert_eq!(stage_count("aftercare").await, 0);
    assert_eq!(stage_count("use").await, on_use + 5);
    let versions = org_service::versions(&store).await.unwrap();
    let sources: Vec<VersionSource> = versions.iter().map(|v| v.source).collect();
    assert_eq!(
        sources,
        [
            VersionSource::Editor,
            VersionSource::Editor,
            VersionSource::Baseline
        ]
    );
    assert_eq!(
        versions[0].reason.as_deref(),
        Some("Aftercare is part of using the product")
    );
}

async fn a_change_made_against_an_older_map_is_refused(db: &TestDatabase) {
    let store = workspace(db).await;
    let old = store.load_organisation().await.unwrap().unwrap();
    let first = new_touchpoint(&["customer-service"]).apply(&old).unwrap();
    let second = OrgEdit::SetMetricStage {
        metric: "lead-volume".into(),
        stage: None,
    }
    .apply(&old)
    .unwrap();
    let meta = throughline_store::VersionMeta {
        author: "a@example.com",
        source: VersionSource::Editor,
        summary: "first",
        reason: None,
    };
    let written = store
        .change_organisation(throughline_store::OrgChange {
            before: Some(&old),
            after: &first,
            meta,
            moves: &[],
        })
        .await
        .unwrap();
    assert!(matches!(
        written,
        throughline_store::OrgWrite::Applied {
            version: Some(_),
            ..
        }
    ));
    // The second was made against the map before the first: it would undo the first unseen.
    let stale = store
        .change_organisation(throughline_store::OrgChange {
            before: Some(&old),
            after: &second,
            meta,
            moves: &[],
        })
        .await
        .unwrap();
    assert_eq!(stale, throughline_store::OrgWrite::Stale);
    assert_eq!(store.load_organisation().await.unwrap().unwrap(), first);
}

backend_tests!(
    an_edit_that_leaves_a_touchpoint_without_an_owner_changes_nothing,
    a_members_proposal_is_accepted_by_the_cx_lead_as_a_version,
    removing_a_stage_with_feedback_asks_where_the_feedback_goes,
    a_change_made_against_an_older_map_is_refused,
);
