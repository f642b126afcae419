//! Journey surveys hosted by Throughline: the practice's questions asked at a touchpoint ("how
//! well was your goal supported", what helped most, what hindered most), answered by a public
//! link or by a per-customer link, landing in the feedback table as records on that touchpoint.
//!
//! - this module — making, listing and closing surveys (administrators and council chairs,
//!   audited), and the links: a survey's public link is a
//!   random token; a per-customer link is signed with the instance's survey key (so it cannot be
//!   made up, and no secret of it is stored) and opens that one invitation only.
//! - `form` — what a survey asks ([`SurveyForm`]), in the customer's language.
//! - `respond` — an answer checked, redacted and stored; bot-looking answers set aside.
//! - `invite` — invitations from a file of customers, with the contact-frequency rule and
//!   opt-outs.
//! - `results` — what the answers say: goal support, the measure, the response rate, the latest.

mod form;
mod invite;
mod respond;
mod results;

use serde::Serialize;
use sha2::{Digest, Sha256};
use throughline_domain::org::Organisation;
pub use throughline_domain::survey::Language;
use throughline_domain::survey::{self, Asks, GoalScale, Measure, Translations};
use throughline_domain::user::UserRole;
use throughline_store::{Invitation, InvitationCounts, NewSurvey, Store, Survey};

use crate::accounts::random_secret;
use crate::changes::Actor;
use crate::{Result, ServiceError};

pub use form::{LanguageLink, ScaleQuestion, SurveyForm, form_of, language_for, place_in};
pub use invite::{InvitePolicy, InviteReport, contact_hashes, invite, opt_out};
pub use respond::{
    FORM_MAX_AGE_MS, FORM_MIN_MS, Submission, SubmitOutcome, form_token, release, submit, submit_to,
};
pub use results::{AnswerLine, ScoreLine, SurveyResults, results};

/// The instance key survey links and forms are signed with.
const LINK_KEY: &str = "survey-links";

/// Answers one network address may send to survey links in [`ANSWER_WINDOW_MS`], counted
/// across every server instance.
pub const ANSWERS_PER_ADDRESS: u32 = 5;
/// The window answers per address are counted in.
pub const ANSWER_WINDOW_MS: i64 = 10 * 60_000;

/// Counts an answer sent from the network address `address` at `now` (ms) in the database,
/// which every server instance shares; `None` while the address is within
/// [`ANSWERS_PER_ADDRESS`], else the seconds until its window ends. The address is kept as a
/// keyed hash, and only for a day.
pub async fn count_answer(store: &Store, address: &str, now: i64) -> Result<Option<i64>> {
    let hash = LinkKey::load(store)
        .await?
        .sign(&format!("address:{address}"));
    let into_window = now.rem_euclid(ANSWER_WINDOW_MS);
    let answers = store
        .count_survey_answer(
            &hash,
            now - into_window,
            now - throughline_domain::date::DAY_MS,
        )
        .await?;
    Ok((answers > ANSWERS_PER_ADDRESS).then_some((ANSWER_WINDOW_MS - into_window) / 1000 + 1))
}

/// What a survey is made of, as a person gives it.
#[derive(Debug, Clone, Default)]
pub struct SurveyInput {
    /// The touchpoint it asks about (key or name), or empty when it asks about a stage.
    pub touchpoint: String,
    /// The stage it asks about as a whole (key or name), or empty.
    pub stage: String,
    /// The survey's name, and its responses' source; "<touchpoint> survey" when empty.
    pub title: String,
    /// nps, csat, ces or none.
    pub measure: String,
    /// 5 (1–5) or 10 (0–10).
    pub goal_scale: String,
    pub questions: Vec<String>,
    /// The language it is written in (en when empty).
    pub language: String,
    /// Its own words in other languages.
    pub translations: Translations,
}

/// Makes a survey for a touchpoint or a stage of the organisation; administrators and council
/// chairs.
pub async fn create(store: &Store, actor: Actor<'_>, input: &SurveyInput) -> Result<Survey> {
    may_manage(actor)?;
    let invalid = |e: throughline_domain::ValidationError| ServiceError::Invalid(e.0);
    let org = store.load_organisation().await?.ok_or_else(|| {
        ServiceError::Invalid(
            "apply an organisation first: a survey asks about one of its touchpoints".to_owned(),
        )
    })?;
    let asks = match (input.touchpoint.trim(), input.stage.trim()) {
        ("", "") => {
            return Err(ServiceError::Invalid(
                "name the touchpoint (or the stage) the survey asks about".to_owned(),
            ));
        }
        (wanted, "") => {
            let (_, touchpoint) = org
                .touchpoints()
                .find(|(_, tp)| {
                    tp.key.as_str() == wanted || tp.name.as_str().eq_ignore_ascii_case(wanted)
                })
                .ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "touchpoint {wanted:?} is not in the organisation; its touchpoints are: {}",
                        org.touchpoints()
                            .map(|(_, tp)| tp.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            Asks::Touchpoint(touchpoint.key.clone())
        }
        ("", wanted) => {
            let stage = org
                .journey
                .stages
                .iter()
                .find(|s| s.key.as_str() == wanted || s.name.as_str().eq_ignore_ascii_case(wanted))
                .ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "stage {wanted:?} is not in the journey; its stages are: {}",
                        org.journey
                            .stages
                            .iter()
                            .map(|s| s.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            Asks::Stage(stage.key.clone())
        }
        _ => {
            return Err(ServiceError::Invalid(
                "a survey asks about a touchpoint or a whole stage: name one, not both".to_owned(),
            ));
        }
    };
    let title = match input.title.trim() {
        "" => format!("{} survey", asks.name_in(&org.journey)),
        title => throughline_domain::action::required_text(
            "the survey's title",
            title,
            survey::MAX_TITLE_CHARS,
        )
        .map_err(invalid)?,
    };
    let measure = Measure::parse(&input.measure).map_err(invalid)?;
    let goal_scale = GoalScale::parse(&input.goal_scale).map_err(invalid)?;
    let questions = survey::check_extra_questions(&input.questions).map_err(invalid)?;
    let language = match input.language.trim() {
        "" => Language::En,
        code => Language::parse(code).map_err(invalid)?,
    };
    let translations = survey::check_translations(&input.translations, language, questions.len())
        .map_err(invalid)?;
    store_new(
        store,
        actor,
        NewSurvey {
            public_token: "",
            title: &title,
            asks: &asks,
            goal_scale,
            measure,
            questions: &questions,
            language,
            translations: &translations,
        },
    )
    .await
}

/// Stores `survey` under a fresh public token (the one given is ignored), audited as `actor`.
async fn store_new(store: &Store, actor: Actor<'_>, survey: NewSurvey<'_>) -> Result<Survey> {
    let token = random_secret()[..24].to_owned();
    let id = store
        .create_survey(
            NewSurvey {
                public_token: &token,
                ..survey
            },
            &actor.audit_name(),
        )
        .await
        .map_err(|err| match err {
            throughline_store::StoreError::Inconsistent(message) => ServiceError::Invalid(message),
            other => ServiceError::Store(other),
        })?;
    found(store.survey(id).await?, id)
}

/// Makes the surveys `org` declares (`[[surveys]]` in the organisation file) that do not exist
/// yet, by title, audited as `actor`; the ones made. A survey that exists is left as it is: its
/// respondents keep the questions they were asked.
pub async fn make_declared(
    store: &Store,
    actor: Actor<'_>,
    org: &Organisation,
) -> Result<Vec<Survey>> {
    let existing: Vec<String> = store
        .surveys()
        .await?
        .into_iter()
        .map(|s| s.title)
        .collect();
    let mut made = Vec::new();
    for definition in &org.surveys {
        let title = definition.title_in(&org.journey);
        if existing.contains(&title) {
            continue;
        }
        let survey = NewSurvey {
            public_token: "",
            title: &title,
            asks: &definition.asks,
            goal_scale: definition.goal_scale,
            measure: definition.measure,
            questions: &definition.questions,
            language: definition.language,
            translations: &definition.translations,
        };
        made.push(store_new(store, actor, survey).await?);
    }
    Ok(made)
}

/// Closes a survey for good; administrators and council chairs.
pub async fn close(store: &Store, actor: Actor<'_>, id: i64) -> Result<Survey> {
    may_manage(actor)?;
    let survey = found(store.survey(id).await?, id)?;
    if !store.close_survey(id, &actor.audit_name()).await? {
        return Err(ServiceError::Invalid(format!(
            "survey {id} ({}) is already closed",
            survey.title
        )));
    }
    found(store.survey(id).await?, id)
}

/// A survey with its place on the journey and its invitations, as listed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SurveyListing {
    #[serde(flatten)]
    pub survey: Survey,
    /// The touchpoint's name (empty when the survey asks about a whole stage).
    pub touchpoint_name: String,
    pub stage_name: String,
    pub invitations: InvitationCounts,
}

/// Every survey, newest first.
pub async fn list(store: &Store) -> Result<Vec<SurveyListing>> {
    let org = store.load_organisation().await?;
    let mut listed = Vec::new();
    for survey in store.surveys().await? {
        let (stage_name, touchpoint_name) = names(org.as_ref(), &survey);
        listed.push(SurveyListing {
            invitations: store.invitation_counts(survey.id).await?,
            survey,
            touchpoint_name,
            stage_name,
        });
    }
    Ok(listed)
}

/// One survey as listed, or 404.
pub async fn listing(store: &Store, id: i64) -> Result<SurveyListing> {
    let survey = found(store.survey(id).await?, id)?;
    let org = store.load_organisation().await?;
    let (stage_name, touchpoint_name) = names(org.as_ref(), &survey);
    Ok(SurveyListing {
        invitations: store.invitation_counts(id).await?,
        survey,
        touchpoint_name,
        stage_name,
    })
}

/// The names of the stage a survey's answers land on and of its touchpoint (empty for a survey
/// of a whole stage; its key where the organisation no longer has it).
fn names(org: Option<&Organisation>, survey: &Survey) -> (String, String) {
    let stage = org
        .and_then(|org| survey.asks().stage_in(&org.journey))
        .map(|s| s.name.to_string());
    match survey.asks() {
        Asks::Touchpoint(_) => (stage.unwrap_or_default(), place_name(org, survey)),
        Asks::Stage(key) => (stage.unwrap_or_else(|| key.to_string()), String::new()),
    }
}

/// The name of what a survey asks about, in its own language.
fn place_name(org: Option<&Organisation>, survey: &Survey) -> String {
    org.map_or_else(
        || survey.asks().key().to_string(),
        |org| survey.asks().name_in(&org.journey),
    )
}

fn found(survey: Option<Survey>, id: i64) -> Result<Survey> {
    survey.ok_or_else(|| ServiceError::NotFound(format!("there is no survey {id}")))
}

/// Whether `role` makes, closes and invites to surveys: administrators and council chairs.
pub fn manages_surveys(role: UserRole) -> bool {
    matches!(role, UserRole::Admin | UserRole::CouncilChair)
}

fn may_manage(actor: Actor<'_>) -> Result<()> {
    if manages_surveys(actor.role()) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only administrators and council chairs make and close surveys".to_owned(),
        ))
    }
}

/// What a survey link opens.
#[derive(Debug, Clone)]
pub enum Link {
    /// The survey's public link: anyone may answer.
    Public(Survey),
    /// A per-customer link: this customer's one answer.
    Invitation(Survey, Invitation),
}

impl Link {
    pub fn survey(&self) -> &Survey {
        match self {
            Self::Public(survey) | Self::Invitation(survey, _) => survey,
        }
    }

    pub fn invitation(&self) -> Option<&Invitation> {
        match self {
            Self::Public(_) => None,
            Self::Invitation(_, invitation) => Some(invitation),
        }
    }
}

/// The survey link `token` opens, if any: a survey's public token, or an invitation's signed
/// token (`i<id>-<signature>`) whose signature is right.
pub async fn open_link(store: &Store, token: &str) -> Result<Option<Link>> {
    if token.len() > 100
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Ok(None);
    }
    if let Some(rest) = token.strip_prefix('i')
        && let Some((id, _)) = rest.split_once('-')
        && let Ok(id) = id.parse::<i64>()
    {
        if invitation_token(store, id).await? != token {
            return Ok(None);
        }
        let Some(invitation) = store.invitation(id).await? else {
            return Ok(None);
        };
        let survey = found(
            store.survey(invitation.survey_id).await?,
            invitation.survey_id,
        )?;
        return Ok(Some(Link::Invitation(survey, invitation)));
    }
    Ok(store.survey_by_token(token).await?.map(Link::Public))
}

/// The per-customer link's token of invitation `id`: `i<id>-` and its signature.
pub async fn invitation_token(store: &Store, id: i64) -> Result<String> {
    Ok(LinkKey::load(store).await?.invitation_token(id))
}

/// HMAC-SHA-256 of `message` under the instance's survey key, in hex.
async fn sign(store: &Store, message: &str) -> Result<String> {
    Ok(LinkKey::load(store).await?.sign(message))
}

/// The instance's survey key, read once for many links (a round of invitations).
#[derive(Debug, Clone)]
pub struct LinkKey(String);

impl LinkKey {
    pub async fn load(store: &Store) -> Result<Self> {
        Ok(Self(store.instance_key(LINK_KEY, random_secret).await?))
    }

    fn sign(&self, message: &str) -> String {
        hmac_sha256(self.0.as_bytes(), message.as_bytes())
    }

    /// The per-customer link's token of invitation `id`: `i<id>-` and its signature.
    pub fn invitation_token(&self, id: i64) -> String {
        format!("i{id}-{}", &self.sign(&format!("invitation:{id}"))[..32])
    }
}

/// HMAC (RFC 2104) over SHA-256, in hex.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// The latest `limit` answers of survey `id` set aside for review (suspected abuse), and how
/// many are set aside in all.
pub async fn set_aside(
    store: &Store,
    id: i64,
    limit: u32,
) -> Result<(Vec<throughline_store::Quarantined>, u64)> {
    Ok(store.quarantined(id, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
