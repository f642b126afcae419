//! An answer to a survey: checked on its scales and lengths, redacted like any imported text,
//! and stored as a feedback record on the survey's touchpoint — once per invitation, once per
//! form.
//!
//! Every form carries a token signed by the instance (when it was made and a random nonce): a
//! form this instance did not make, or one older than a day, is not taken; the nonce is the
//! record's dedup key, so sending the same form twice (a double click, a resend after a
//! timeout) stores it once. There is no session and no cookie, so there is nothing another site
//! could forge a request with. Answers that look like a robot's — a field hidden from people
//! filled in, a form sent within two seconds of being shown, a flood of web links — are set
//! aside in the quarantine for a person to look at, not stored and not dropped; the sender is
//! thanked all the same, so a robot learns nothing.

use std::collections::BTreeMap;

use throughline_analytics::redact::redact;
use throughline_domain::date::DAY_MS;
use throughline_domain::feedback::{Ces, Csat, NewFeedback, Nps, Rating, Scores, Texts};
use throughline_domain::survey::{
    AnswerProblem, Asks, Language, Measure, RawAnswers, check_answers,
};
use throughline_domain::{Name, Timestamp};
use throughline_store::{KeyedFeedback, ResponseStored, Store};

use super::{Link, open_link, sign};
use crate::accounts::random_secret;
use crate::{Result, ServiceError};

/// A form sent sooner than this after it was shown is a robot's.
pub const FORM_MIN_MS: i64 = 2_000;
/// A form older than this is not taken (the page is shown again with the answers kept).
pub const FORM_MAX_AGE_MS: i64 = DAY_MS;
/// More web links than this in one answer is a robot's.
const MAX_LINKS: usize = 3;

/// A form as sent.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub answers: RawAnswers,
    /// The token the form was shown with.
    pub form_token: String,
    /// The field hidden from people: only a robot fills it in.
    pub honeypot: String,
    /// The language the form was shown in: problems are named in it, and an answer in another
    /// language than the survey's own says so in its record.
    pub language: Language,
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Stored as this feedback record.
    Stored(i64),
    /// This form was stored before (sent twice).
    AlreadyReceived,
    /// The invitation was answered before: a second answer is refused.
    AlreadyAnswered,
    /// The survey is closed.
    Closed,
    /// It looked like a robot's: set aside, not stored.
    SetAside,
    /// Answers to mend, each on its field ("form" when the form itself is too old).
    Problems(Vec<AnswerProblem>),
}

/// A fresh token for a form of the survey link `link_token`.
pub async fn form_token(store: &Store, link_token: &str) -> Result<String> {
    let issued = Timestamp::now().as_millis();
    let nonce = &random_secret()[..16];
    let signature = sign(store, &format!("form:{link_token}:{issued}:{nonce}")).await?;
    Ok(format!("{issued}-{nonce}-{}", &signature[..32]))
}

/// When the form token was made and its nonce, if it is this instance's, for `link_token`, and
/// not too old.
async fn check_form_token(
    store: &Store,
    link_token: &str,
    token: &str,
    now: i64,
) -> Result<Option<(i64, String)>> {
    let mut parts = token.trim().splitn(3, '-');
    let (Some(issued), Some(nonce), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    let Ok(issued_at) = issued.parse::<i64>() else {
        return Ok(None);
    };
    let expected = sign(store, &format!("form:{link_token}:{issued}:{nonce}")).await?;
    let fresh = (0..=FORM_MAX_AGE_MS).contains(&(now - issued_at));
    Ok((fresh && signature == &expected[..32]).then(|| (issued_at, nonce.to_owned())))
}

/// Takes a submission of the survey link `token`.
pub async fn submit(store: &Store, token: &str, submission: &Submission) -> Result<SubmitOutcome> {
    let link = open_link(store, token)
        .await?
        .ok_or_else(|| ServiceError::NotFound("this survey link does not exist".to_owned()))?;
    submit_to(store, &link, token, submission).await
}

/// Takes a submission through `link`, opened already from its `token` (the survey page opens
/// it to choose the language it answers in).
pub async fn submit_to(
    store: &Store,
    link: &Link,
    token: &str,
    submission: &Submission,
) -> Result<SubmitOutcome> {
    let survey = link.survey();
    if survey.closed_at.is_some() {
        return Ok(SubmitOutcome::Closed);
    }
    if link.invitation().is_some_and(|i| i.responded_at.is_some()) {
        return Ok(SubmitOutcome::AlreadyAnswered);
    }
    let now = Timestamp::now().as_millis();
    let ticket = check_form_token(store, token, &submission.form_token, now).await?;
    let language = survey.spoken(Some(submission.language));
    let texts = language.texts();
    let checked = check_answers(
        &submission.answers,
        survey.goal_scale,
        survey.measure,
        survey.questions.len(),
        texts,
    );
    let ((issued_at, nonce), answers) = match (ticket, checked) {
        (Some(ticket), Ok(answers)) => (ticket, answers),
        (ticket, checked) => {
            let mut problems = Vec::new();
            if ticket.is_none() {
                problems.push(AnswerProblem {
                    field: "form".to_owned(),
                    message: texts.form_stale.to_owned(),
                });
            }
            problems.extend(checked.err().unwrap_or_default());
            return Ok(SubmitOutcome::Problems(problems));
        }
    };
    let invitation = link.invitation().map(|i| i.id);
    if let Some(reason) = robot_sign(submission, now - issued_at) {
        let sent = serde_json::json!({
            "answers": submission.answers,
            "language": language,
            "hidden_field": submission.honeypot,
            "seconds_to_answer": (now - issued_at) as f64 / 1000.0,
        });
        store
            .quarantine_survey_response(survey.id, invitation, reason, &sent)
            .await?;
        tracing::info!(survey = survey.id, reason, "survey answer set aside");
        return Ok(SubmitOutcome::SetAside);
    }

    record(store, link, &answers, language, format!("form:{nonce}")).await
}

/// Stores checked `answers` given through `link` in `language` as a feedback record
/// (`public_key`: the dedup key of an answer by the public link), and applies the follow-up
/// rules to it. It lands on the survey's touchpoint and its stage, or on the stage a survey of
/// a whole stage asks about.
async fn record(
    store: &Store,
    link: &Link,
    answers: &throughline_domain::survey::Answers,
    language: Language,
    public_key: String,
) -> Result<SubmitOutcome> {
    let survey = link.survey();
    let invitation = link.invitation().map(|i| i.id);
    let org = store.load_organisation().await?;
    let stage = org
        .as_ref()
        .and_then(|org| survey.asks().stage_in(&org.journey))
        .map(|stage| stage.key.clone())
        .or_else(|| match survey.asks() {
            Asks::Stage(key) => Some(key.clone()),
            Asks::Touchpoint(_) => None,
        });
    let touchpoint = survey.asks().touchpoint().cloned();
    let invalid = |e: throughline_domain::ValidationError| ServiceError::Invalid(e.0);
    let mut scores = Scores {
        rating: Some(Rating::new(f64::from(answers.goal)).map_err(invalid)?),
        ..Scores::default()
    };
    if let Some(value) = answers.measure {
        match survey.measure {
            Measure::Nps => scores.nps = Some(Nps::new(value).map_err(invalid)?),
            Measure::Csat => scores.csat = Some(Csat::new(value).map_err(invalid)?),
            Measure::Ces => scores.ces = Some(Ces::new(value).map_err(invalid)?),
            Measure::None => {}
        }
    }
    // Personal data in what customers wrote never reaches the store.
    let redacted = |text: &Option<String>| text.as_deref().map(|t| redact(t).into_owned());
    let texts = Texts::new(
        redacted(&answers.comment).as_deref(),
        redacted(&answers.helpful).as_deref(),
        redacted(&answers.hindering).as_deref(),
    )
    .map_err(invalid)?;
    let mut metadata: BTreeMap<String, String> = survey
        .questions
        .iter()
        .zip(&answers.extra)
        .filter_map(|(question, answer)| {
            answer
                .as_deref()
                .map(|a| (question.clone(), redact(a).into_owned()))
        })
        .collect();
    if let Some(date) = link.invitation().and_then(|i| i.event_date.clone()) {
        metadata.insert("event date".to_owned(), date);
    }
    // The own questions' answers stay under the survey's own wording, whichever language they
    // were asked in; the language is noted where it is another.
    if language != survey.language {
        metadata.insert("survey language".to_owned(), language.code().to_owned());
    }
    let (customer, dedup_key) = match link {
        Link::Invitation(_, invitation) => (
            Some(invitation.customer.clone()),
            format!("invitation:{}", invitation.id),
        ),
        Link::Public(_) => (None, public_key),
    };
    let record = NewFeedback::new(
        Name::parse(&survey.title).map_err(invalid)?,
        invitation.map(|id| format!("invitation-{id}")),
        Timestamp::now(),
        customer,
        Some("survey".to_owned()),
        (stage, touchpoint),
        scores,
        texts,
        metadata,
    )
    .map_err(invalid)?;
    let stored = store
        .store_survey_response(survey.id, invitation, &KeyedFeedback { record, dedup_key })
        .await?;
    if let ResponseStored::Stored(id) = stored {
        // The inner loop: a detractor, "cancel", "unsafe"… opens a case for the touchpoint's
        // owner now.
        crate::follow_up::scan(store, throughline_store::CandidateScope::Records(&[id])).await?;
    }
    Ok(match stored {
        ResponseStored::Stored(id) => SubmitOutcome::Stored(id),
        ResponseStored::AlreadyAnswered => SubmitOutcome::AlreadyAnswered,
        ResponseStored::Duplicate => SubmitOutcome::AlreadyReceived,
    })
}

/// A person looked at an answer set aside as a robot's and found a customer's: it is stored
/// as any answer (once: releasing it twice stores nothing more), and leaves the quarantine.
/// With `keep` false it is dropped instead. Administrators and council chairs; audited.
pub async fn release(
    store: &Store,
    actor: crate::changes::Actor<'_>,
    id: i64,
    keep: bool,
) -> Result<SubmitOutcome> {
    super::may_manage(actor)?;
    let set_aside = store
        .quarantined_answer(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("there is no answer {id} set aside")))?;
    if !keep {
        store
            .remove_quarantined(id, None, &actor.audit_name())
            .await?;
        return Ok(SubmitOutcome::SetAside);
    }
    let survey = super::found(
        store.survey(set_aside.survey_id).await?,
        set_aside.survey_id,
    )?;
    let link = match set_aside.invitation_id {
        Some(invitation) => match store.invitation(invitation).await? {
            Some(invitation) => Link::Invitation(survey, invitation),
            None => {
                return Err(ServiceError::Invalid(
                    "its invitation is gone (the customer was erased, or it expired)".to_owned(),
                ));
            }
        },
        None => Link::Public(survey),
    };
    let sent: serde_json::Value = serde_json::from_str(&set_aside.answers)
        .map_err(|e| ServiceError::Invalid(format!("the answers kept cannot be read: {e}")))?;
    let raw: RawAnswers = serde_json::from_value(sent["answers"].clone())
        .map_err(|e| ServiceError::Invalid(format!("the answers kept cannot be read: {e}")))?;
    let survey = link.survey();
    let language: Language =
        serde_json::from_value(sent["language"].clone()).unwrap_or(survey.language);
    let answers = check_answers(
        &raw,
        survey.goal_scale,
        survey.measure,
        survey.questions.len(),
        Language::En.texts(),
    )
    .map_err(|problems| {
        ServiceError::Invalid(
            problems
                .iter()
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    })?;
    let outcome = record(store, &link, &answers, language, format!("set-aside:{id}")).await?;
    let feedback = match outcome {
        SubmitOutcome::Stored(feedback) => Some(feedback),
        _ => None,
    };
    store
        .remove_quarantined(id, feedback, &actor.audit_name())
        .await?;
    Ok(outcome)
}

/// Why the submission looks like a robot's, if it does.
fn robot_sign(submission: &Submission, elapsed_ms: i64) -> Option<&'static str> {
    if !submission.honeypot.trim().is_empty() {
        return Some("a field hidden from people was filled in");
    }
    if elapsed_ms < FORM_MIN_MS {
        return Some("sent within two seconds of the form being shown");
    }
    let answers = &submission.answers;
    let links: usize = [&answers.helpful, &answers.hindering, &answers.comment]
        .into_iter()
        .chain(&answers.extra)
        .map(|text| text.matches("http://").count() + text.matches("https://").count())
        .sum();
    (links > MAX_LINKS).then_some("more than three web links in the answers")
}
