//! Journey surveys (issue 29): a survey made for a touchpoint, answered by its public link and
//! by per-customer links; answers land as redacted records on the touchpoint and its stage;
//! a form sent twice is stored once, an invitation answers once; robot-looking answers are set
//! aside; invitations keep to the contact-frequency rule across surveys, opt-outs and erasures.

use std::time::Duration;

use throughline_domain::survey::RawAnswers;
use throughline_ingest::invitations::InvitationRow;
use throughline_service::changes::Actor;
use throughline_service::surveys::{
    self, InvitePolicy, Link, Submission, SubmitOutcome, SurveyInput,
};
use throughline_service::{ServiceError, customers};
use throughline_store::Store;
use throughline_store::testing::TestDatabase;

use crate::workspace;

const OPS: Actor<'static> = Actor::CommandLine { os_user: "ops" };

fn row(line: u64, customer: &str, touchpoint: Option<&str>) -> InvitationRow {
    InvitationRow {
        line,
        customer: customer.to_owned(),
        email: throughline_domain::Email::parse(&format!(
            "{}@example.com",
            customer.to_lowercase()
        ))
        .unwrap(),
        touchpoint: touchpoint.map(|t| throughline_domain::Key::parse(t).unwrap()),
        event_date: Some("2026-11-30".to_owned()),
        language: None,
    }
}

fn answers(goal: &str, measure: &str, hindering: &str) -> RawAnswers {
    RawAnswers {
        goal: goal.into(),
        measure: measure.into(),
        helpful: "The driver phoned ahead".into(),
        hindering: hindering.into(),
        comment: String::new(),
        extra: vec!["Yes, spotless".into()],
    }
}

async fn sent(store: &Store, token: &str, form_token: &str, raw: RawAnswers) -> SubmitOutcome {
    surveys::submit(
        store,
        token,
        &Submission {
            answers: raw,
            form_token: form_token.to_owned(),
            honeypot: String::new(),
            ..Submission::default()
        },
    )
    .await
    .unwrap()
}

pub(crate) async fn customers_answer_journey_surveys(db: &TestDatabase) {
    let store = workspace(db).await;

    // Who may make one, and what is refused.
    let member = crate::fulfilment_member(&store).await;
    let input = |touchpoint: &str| SurveyInput {
        touchpoint: touchpoint.to_owned(),
        measure: "nps".into(),
        questions: vec!["Did the crew leave your home tidy?".into()],
        ..SurveyInput::default()
    };
    assert!(matches!(
        surveys::create(&store, Actor::User(&member), &input("delivery-day")).await,
        Err(ServiceError::Forbidden(_))
    ));
    let err = surveys::create(&store, OPS, &input("moon-landing"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not in the organisation")
            && err.to_string().contains("delivery-day"),
        "{err}"
    );
    let err = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            measure: "stars".into(),
            ..input("delivery-day")
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("nps, csat, ces or none"), "{err}");

    let delivery = surveys::create(&store, OPS, &input("delivery-day"))
        .await
        .unwrap();
    assert_eq!(delivery.title, "Delivery day survey");
    let err = surveys::create(&store, OPS, &input("delivery-day"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already called"), "{err}");
    let install = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            title: "After the fitting".into(),
            measure: "ces".into(),
            goal_scale: "10".into(),
            ..input("installation")
        },
    )
    .await
    .unwrap();
    // The audit log has both, written with them.
    let audit = store.audit_log(100).await.unwrap();
    assert_eq!(
        audit.iter().filter(|a| a.action == "survey.create").count(),
        2
    );

    // The form asks the practice's questions about the touchpoint.
    let org = store.load_organisation().await.unwrap();
    let form = surveys::form_of(org.as_ref(), &delivery, surveys::Language::En);
    assert!(
        form.goal.text.contains("Delivery day"),
        "{}",
        form.goal.text
    );
    assert_eq!(form.goal.choices, vec![1, 2, 3, 4, 5]);
    assert_eq!(form.measure.as_ref().unwrap().choices.len(), 11);
    assert_eq!(form.extra, vec!["Did the crew leave your home tidy?"]);

    // Invitations: 3 customers to the delivery survey, then the same customers (and a new
    // one) to the installation survey — within the frequency window only the new one goes.
    let first = surveys::invite(
        &store,
        OPS,
        None,
        &[
            row(2, "C-1", Some("delivery-day")),
            row(3, "C-2", Some("delivery-day")),
            row(4, "C-3", Some("delivery-day")),
            row(5, "C-3", Some("delivery-day")),
            row(6, "C-4", Some("returns")),
            row(7, "C-5", None),
        ],
        InvitePolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(first.total_invited(), 3);
    assert_eq!(first.skipped_repeated, 1);
    assert_eq!(
        first
            .unmatched
            .iter()
            .map(|(line, _)| *line)
            .collect::<Vec<_>>(),
        vec![6, 7]
    );
    assert!(
        first.unmatched[0]
            .1
            .contains("no open survey asks about returns")
    );
    let second = surveys::invite(
        &store,
        OPS,
        Some(install.id),
        &[
            row(2, "C-1", None),
            row(3, "C-2", Some("installation")),
            row(4, "C-6", None),
            row(5, "C-7", Some("delivery-day")),
        ],
        InvitePolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(second.total_invited(), 1, "{second:?}");
    assert_eq!(second.skipped_recent, 2);
    assert_eq!(
        second.unmatched.len(),
        1,
        "C-7 names another survey's touchpoint"
    );
    // With no window, they could be asked again.
    let none = surveys::invite(
        &store,
        OPS,
        Some(install.id),
        &[row(2, "C-1", None)],
        InvitePolicy {
            min_days_between: 0,
        },
    )
    .await
    .unwrap();
    assert_eq!(none.total_invited(), 1);

    // Links: the invitation's token is signed; a changed one opens nothing.
    let counts = store.invitation_counts(delivery.id).await.unwrap();
    assert_eq!((counts.invited, counts.sent, counts.responded), (3, 0, 0));
    let c1 = store.invitation(1).await.unwrap().unwrap();
    assert_eq!(c1.customer, "C-1");
    let c1_token = surveys::invitation_token(&store, c1.id).await.unwrap();
    assert!(matches!(
        surveys::open_link(&store, &c1_token).await.unwrap(),
        Some(Link::Invitation(_, _))
    ));
    let forged = format!("{}0", &c1_token[..c1_token.len() - 1]);
    let forged = if forged == c1_token {
        format!("{}1", &c1_token[..c1_token.len() - 1])
    } else {
        forged
    };
    assert!(surveys::open_link(&store, &forged).await.unwrap().is_none());
    assert!(surveys::open_link(&store, "i2-").await.unwrap().is_none());
    assert!(
        surveys::open_link(&store, "../../etc/passwd")
            .await
            .unwrap()
            .is_none()
    );

    // Forms made now; a form sent within two seconds is a robot's.
    let public = delivery.public_token.clone();
    let public_form = surveys::form_token(&store, &public).await.unwrap();
    let public_form_2 = surveys::form_token(&store, &public).await.unwrap();
    let c1_form = surveys::form_token(&store, &c1_token).await.unwrap();
    let fast = sent(&store, &public, &public_form_2, answers("4", "9", "")).await;
    assert_eq!(fast, SubmitOutcome::SetAside);
    tokio::time::sleep(Duration::from_millis(2_100)).await;

    // Problems are reported on their fields, all at once.
    let SubmitOutcome::Problems(problems) =
        sent(&store, &public, "123-abc-def", answers("", "11", "")).await
    else {
        panic!("problems expected");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, vec!["form", "goal", "measure"]);

    // The public link: stored, redacted, on the touchpoint and its stage; sent twice, once.
    let before = store.feedback_count().await.unwrap();
    let outcome = sent(
        &store,
        &public,
        &public_form,
        answers("2", "3", "Four hours late, call me on 07700 900123"),
    )
    .await;
    let SubmitOutcome::Stored(id) = outcome else {
        panic!("stored expected, got {outcome:?}");
    };
    assert_eq!(
        sent(&store, &public, &public_form, answers("2", "3", "again")).await,
        SubmitOutcome::AlreadyReceived
    );
    assert_eq!(store.feedback_count().await.unwrap(), before + 1);
    let records = store.feedback_after(id - 1, 1).await.unwrap();
    let record = &records[0].record;
    assert_eq!(record.source.as_str(), "Delivery day survey");
    assert_eq!(record.touchpoint.as_ref().unwrap().as_str(), "delivery-day");
    assert_eq!(record.stage.as_ref().unwrap().as_str(), "receive");
    assert_eq!(record.channel.as_deref(), Some("survey"));
    assert_eq!(record.customer, None);
    assert_eq!(record.scores.nps.unwrap().value(), 3);
    assert_eq!(record.scores.rating.unwrap().value(), 2.0);
    assert_eq!(
        record.texts.helpful.as_deref(),
        Some("The driver phoned ahead")
    );
    let hindering = record.texts.hindering.as_deref().unwrap();
    assert!(!hindering.contains("07700"), "{hindering}");
    assert_eq!(
        record
            .metadata
            .get("Did the crew leave your home tidy?")
            .map(String::as_str),
        Some("Yes, spotless")
    );

    // A per-customer link: the answer carries the customer; a second one is refused.
    let SubmitOutcome::Stored(c1_record) =
        sent(&store, &c1_token, &c1_form, answers("5", "10", "")).await
    else {
        panic!("stored expected");
    };
    let c1_again = surveys::form_token(&store, &c1_token).await.unwrap();
    assert_eq!(
        sent(
            &store,
            &c1_token,
            &c1_again,
            answers("1", "0", "changed my mind")
        )
        .await,
        SubmitOutcome::AlreadyAnswered
    );
    let mine = store.feedback_after(c1_record - 1, 1).await.unwrap();
    assert_eq!(mine[0].record.customer.as_deref(), Some("C-1"));
    assert_eq!(
        mine[0]
            .record
            .metadata
            .get("event date")
            .map(String::as_str),
        Some("2026-11-30")
    );
    let counts = store.invitation_counts(delivery.id).await.unwrap();
    assert_eq!(counts.responded, 1);
    assert_eq!(
        store.survey(delivery.id).await.unwrap().unwrap().responses,
        2
    );

    // The honeypot: set aside, not stored, kept for a person to look at.
    let trap_form = surveys::form_token(&store, &public).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let trapped = surveys::submit(
        &store,
        &public,
        &Submission {
            answers: answers("5", "10", ""),
            form_token: trap_form,
            honeypot: "http://spam.example".into(),
            ..Submission::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(trapped, SubmitOutcome::SetAside);
    let (kept, total) = store.quarantined(delivery.id, 10).await.unwrap();
    assert_eq!(total, 2);
    assert!(kept[0].reason.contains("hidden"), "{:?}", kept[0]);
    assert!(kept[1].reason.contains("two seconds"), "{:?}", kept[1]);
    assert_eq!(
        store.survey(delivery.id).await.unwrap().unwrap().responses,
        2
    );

    // A person looks at them: the first was a customer's after all (released: stored once),
    // the second a robot's (dropped); a member may do neither.
    assert!(matches!(
        surveys::release(&store, Actor::User(&member), kept[0].id, true).await,
        Err(ServiceError::Forbidden(_))
    ));
    let released = surveys::release(&store, OPS, kept[0].id, true)
        .await
        .unwrap();
    assert!(matches!(released, SubmitOutcome::Stored(_)), "{released:?}");
    assert!(matches!(
        surveys::release(&store, OPS, kept[0].id, true).await,
        Err(ServiceError::NotFound(_))
    ));
    surveys::release(&store, OPS, kept[1].id, false)
        .await
        .unwrap();
    assert_eq!(store.quarantined(delivery.id, 10).await.unwrap().1, 0);
    assert_eq!(
        store.survey(delivery.id).await.unwrap().unwrap().responses,
        3
    );
    let audit = store.audit_log(100).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "survey.answer.release"));
    assert!(audit.iter().any(|a| a.action == "survey.answer.drop"));

    // Opting out is for good: the customer is not invited again, by id or address.
    let c2_token = surveys::invitation_token(&store, 2).await.unwrap();
    assert!(surveys::opt_out(&store, &c2_token).await.unwrap());
    assert!(!surveys::opt_out(&store, &public).await.unwrap());
    let again = surveys::invite(
        &store,
        OPS,
        Some(install.id),
        &[row(2, "C-2", None)],
        InvitePolicy {
            min_days_between: 0,
        },
    )
    .await
    .unwrap();
    assert_eq!((again.total_invited(), again.skipped_opted_out), (0, 1));

    // An erased customer's invitations go with them, and they are not invited again.
    customers::erase(&store, OPS, "C-3").await.unwrap();
    assert!(
        store
            .last_invited("C-3", "c-3@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let erased = surveys::invite(
        &store,
        OPS,
        Some(install.id),
        &[row(2, "C-3", None)],
        InvitePolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(erased.skipped_erased, 1);

    // Closed: links take no more answers.
    surveys::close(&store, OPS, delivery.id).await.unwrap();
    let late = surveys::form_token(&store, &public).await.unwrap();
    assert_eq!(
        sent(&store, &public, &late, answers("3", "5", "")).await,
        SubmitOutcome::Closed
    );
    assert!(matches!(
        surveys::close(&store, OPS, delivery.id).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        surveys::invite(
            &store,
            OPS,
            Some(delivery.id),
            &[row(2, "C-9", None)],
            InvitePolicy::default()
        )
        .await,
        Err(ServiceError::Invalid(_))
    ));
}

/// Issue 29's second step: a survey written in one language with translations is shown to each
/// customer in theirs (asked for, the invitation's, the browser's, else its own), with the
/// practice's questions and every message in that language and the answers to its own
/// questions filed under its own wording; a survey may ask about a whole stage; answers per
/// network address are counted where every server instance counts them.
pub(crate) async fn surveys_speak_the_customers_language_and_ask_about_stages(db: &TestDatabase) {
    use throughline_domain::survey::{Asks, Language, Translation, Translations};

    let store = workspace(db).await;
    let mut translations = Translations::new();
    translations.insert(
        Language::De,
        Translation {
            title: Some("Umfrage zum Liefertag".into()),
            place: Some("Liefertag".into()),
            questions: vec!["Hat das Team Ihre Wohnung ordentlich hinterlassen?".into()],
        },
    );
    let input = SurveyInput {
        touchpoint: "delivery-day".into(),
        title: "Delivery day, translated".into(),
        measure: "nps".into(),
        questions: vec!["Did the crew leave your home tidy?".into()],
        translations: translations.clone(),
        ..SurveyInput::default()
    };
    // A translation must match the survey it translates.
    let mut two = translations.clone();
    two.get_mut(&Language::De)
        .unwrap()
        .questions
        .push("Noch eine?".into());
    let err = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            translations: two,
            ..input.clone()
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("asks 1 question(s) of its own, the translation gives 2"),
        "{err}"
    );
    let err = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            language: "klingon".into(),
            ..input.clone()
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("written in en, de, fr, es, nl"),
        "{err}"
    );
    let survey = surveys::create(&store, OPS, &input).await.unwrap();
    assert_eq!(survey.languages(), vec![Language::En, Language::De]);
    // Read back as stored.
    let stored = store.survey(survey.id).await.unwrap().unwrap();
    assert_eq!(stored.translations, translations);

    // The form in German: the practice's questions built in, the company's own words translated.
    let org = store.load_organisation().await.unwrap();
    let form = surveys::form_of(org.as_ref(), &survey, Language::De);
    assert_eq!(form.language, "de");
    assert_eq!(form.title, "Umfrage zum Liefertag");
    assert_eq!(form.heading, "Ihre Meinung zu: Liefertag");
    assert!(
        form.goal.text.starts_with("Liefertag: Wie gut"),
        "{}",
        form.goal.text
    );
    assert!(
        form.measure
            .as_ref()
            .unwrap()
            .text
            .contains("einem Freund oder Kollegen empfehlen"),
        "{:?}",
        form.measure
    );
    assert_eq!(
        form.extra,
        vec!["Hat das Team Ihre Wohnung ordentlich hinterlassen?"]
    );
    assert_eq!(form.texts.send, "Antworten senden");
    assert_eq!(form.other_languages.len(), 1);
    assert_eq!(form.other_languages[0].code, "en");
    // A language the survey does not speak shows its own.
    assert_eq!(
        surveys::form_of(org.as_ref(), &survey, Language::Fr).language,
        "en"
    );

    // Which language a customer gets.
    let public = Link::Public(survey.clone());
    let pick =
        |asked: Option<&str>, browser: Option<&str>| surveys::language_for(&public, asked, browser);
    assert_eq!(pick(None, Some("de-CH, en;q=0.5")), Language::De);
    assert_eq!(pick(None, Some("fr, it")), Language::En);
    assert_eq!(pick(Some("en"), Some("de")), Language::En);
    assert_eq!(pick(Some("fr"), Some("de")), Language::De);
    assert_eq!(pick(None, None), Language::En);
    // An invitation's language comes before the browser's.
    let mut german_row = row(2, "C-50", Some("delivery-day"));
    german_row.language = Some(Language::De);
    let invited = surveys::invite(
        &store,
        OPS,
        Some(survey.id),
        &[german_row],
        InvitePolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(invited.total_invited(), 1);
    let invitation = store.invitation(1).await.unwrap().unwrap();
    assert_eq!(invitation.language, Some(Language::De));
    let token = surveys::invitation_token(&store, invitation.id)
        .await
        .unwrap();
    let link = surveys::open_link(&store, &token).await.unwrap().unwrap();
    assert_eq!(surveys::language_for(&link, None, Some("en")), Language::De);

    // Problems are named in the customer's language; the answer is filed under the survey's
    // own wording, with the language noted.
    let form_token = surveys::form_token(&store, &token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let german = |raw: RawAnswers, form_token: &str| Submission {
        answers: raw,
        form_token: form_token.to_owned(),
        honeypot: String::new(),
        language: Language::De,
    };
    let SubmitOutcome::Problems(problems) =
        surveys::submit(&store, &token, &german(answers("9", "", ""), &form_token))
            .await
            .unwrap()
    else {
        panic!("problems expected");
    };
    assert_eq!(problems[0].message, "Wählen Sie eine Zahl von 1 bis 5.");
    let mut raw = answers("4", "8", "Der Fahrer kam zwei Stunden zu spät");
    raw.extra = vec!["Ja, alles sauber".into()];
    let SubmitOutcome::Stored(id) = surveys::submit(&store, &token, &german(raw, &form_token))
        .await
        .unwrap()
    else {
        panic!("stored expected");
    };
    let record = &store.feedback_after(id - 1, 1).await.unwrap()[0].record;
    assert_eq!(
        record
            .metadata
            .get("Did the crew leave your home tidy?")
            .map(String::as_str),
        Some("Ja, alles sauber")
    );
    assert_eq!(
        record.metadata.get("survey language").map(String::as_str),
        Some("de")
    );
    assert_eq!(record.customer.as_deref(), Some("C-50"));

    // A survey of a whole stage: named by the stage's name; its answers land on the stage.
    let refused = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            touchpoint: "delivery-day".into(),
            stage: "receive".into(),
            ..SurveyInput::default()
        },
    )
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("not both"), "{refused}");
    let refused = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            stage: "moon".into(),
            ..SurveyInput::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains("its stages are: discover"),
        "{refused}"
    );
    let stage_survey = surveys::create(
        &store,
        OPS,
        &SurveyInput {
            stage: "receive and set up".into(),
            measure: "csat".into(),
            ..SurveyInput::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        stage_survey.asks(),
        &Asks::Stage(throughline_domain::Key::parse("receive").unwrap())
    );
    assert_eq!(stage_survey.touchpoint, None);
    assert_eq!(stage_survey.title, "Receive and set up survey");
    let listed = surveys::listing(&store, stage_survey.id).await.unwrap();
    assert_eq!(
        (listed.stage_name.as_str(), listed.touchpoint_name.as_str()),
        ("Receive and set up", "")
    );
    let form = surveys::form_of(org.as_ref(), &stage_survey, Language::En);
    assert_eq!(form.heading, "How did Receive and set up go?");
    let stage_token = stage_survey.public_token.clone();
    let stage_form = surveys::form_token(&store, &stage_token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let SubmitOutcome::Stored(id) =
        sent(&store, &stage_token, &stage_form, answers("3", "2", "")).await
    else {
        panic!("stored expected");
    };
    let record = &store.feedback_after(id - 1, 1).await.unwrap()[0].record;
    assert_eq!(record.stage.as_ref().unwrap().as_str(), "receive");
    assert_eq!(record.touchpoint, None);
    assert_eq!(record.scores.csat.unwrap().value(), 2);
    // The invitation file's touchpoint column names the stage of a stage survey.
    let invited = surveys::invite(
        &store,
        OPS,
        None,
        &[row(2, "C-51", Some("receive"))],
        InvitePolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        invited.invited,
        vec![(stage_survey.id, "Receive and set up survey".to_owned(), 1)]
    );

    // Answers per address: counted in the database, so two instances share the count.
    let other_instance = db.store().await;
    let now = throughline_domain::Timestamp::now().as_millis();
    for n in 0..surveys::ANSWERS_PER_ADDRESS {
        let on = if n % 2 == 0 { &store } else { &other_instance };
        assert_eq!(
            surveys::count_answer(on, "203.0.113.9", now).await.unwrap(),
            None
        );
    }
    let wait = surveys::count_answer(&other_instance, "203.0.113.9", now)
        .await
        .unwrap();
    assert!(wait.is_some_and(|s| s > 0 && s <= 600), "{wait:?}");
    // Another address is counted on its own; the next window starts afresh.
    assert_eq!(
        surveys::count_answer(&store, "198.51.100.7", now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        surveys::count_answer(&store, "203.0.113.9", now + surveys::ANSWER_WINDOW_MS)
            .await
            .unwrap(),
        None
    );
    // The address is not stored as it came.
    let backup = {
        let mut out = Vec::new();
        store.backup(&mut out).await.unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(!backup.contains("203.0.113.9"));
    other_instance.close().await;
}
