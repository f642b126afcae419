//! `/api/v1/surveys`: hosted journey surveys — list, make one, and ask for an invitation when an
//! event happens (an order delivered, a ticket closed: the integration posts the customer and
//! the invitation goes out with the next sending round); `/api/v1/follow-up-cases`: the inner
//! loop's cases, and recording their follow-up.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use throughline_ingest::invitations::check_invitation;
use throughline_service::changes::Actor;
use throughline_service::follow_up::{self, CaseInput, CaseView};
use throughline_service::surveys::{self, InvitePolicy, InviteReport, SurveyInput, SurveyListing};
use throughline_store::Survey;

use super::spec::{Endpoint, SIGNED_IN, endpoint};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Path, Query};
use crate::{AppError, AppState};

const MANAGERS: &str = "admins and council chairs";
const DEPARTMENT: &str = "the case's department's members, council chairs and admins";

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/surveys" => list;
            "Every hosted survey, newest first, with its touchpoint, public token, responses and invitations";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The surveys.")]),
        endpoint!(POST "/surveys" => create;
            "Make a survey for a touchpoint or a whole stage (the practice's questions, a measure, up to five of your own), in a language with translations into others";
            who: MANAGERS; query: &[];
            body: Some(r#"{"touchpoint": "delivery-day", "measure": "nps", "goal_scale": "5", "questions": ["Did the crew leave your home tidy?"], "language": "en", "translations": {"de": {"place": "Liefertag", "questions": ["Hat das Team Ihre Wohnung ordentlich hinterlassen?"]}}}"#);
            answers: &[(201, "The survey, with its public token."), (422, "A touchpoint or stage that is not in the organisation, a bad scale, question, language or translation.")]),
        endpoint!(POST "/surveys/{id}/invitations" => invite;
            "Ask for an invitation when an event happens: the customer gets their own link by e-mail in the next sending round, unless surveyed within the frequency window (days, default 30), opted out or erased";
            who: MANAGERS; query: &[];
            body: Some(r#"{"customer": "C-1042", "email": "dana@example.com", "event_date": "2026-12-01", "language": "de", "min_days_between": 30}"#);
            answers: &[(201, "Whether the customer was invited, and why not."), (422, "A bad address or date, or a closed survey.")]),
        endpoint!(GET "/follow-up-cases" => cases;
            "Follow-up cases (the inner loop), most urgent first: open ones unless all=true";
            who: SIGNED_IN;
            query: &[
                ("department", "string", "Only this department's cases."),
                ("all", "boolean", "Closed cases too."),
            ];
            body: None;
            answers: &[(200, "The cases, each with what the customer wrote and whether it is overdue.")]),
        endpoint!(POST "/follow-up-cases/{id}" => change_case;
            "Record a case's follow-up: status (open, contacted, resolved, no_answer), a note, the owner, the customer's answer to \"was your issue resolved?\" (yes, no), the root-cause theme";
            who: DEPARTMENT; query: &[];
            body: Some(r#"{"status": "resolved", "note": "Called; a new part goes out Friday", "customer_says_resolved": "yes"}"#);
            answers: &[(200, "The case as it is now."), (422, "A bad status, answer or theme.")]),
    ]
}

async fn list(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<Vec<SurveyListing>>, AppError> {
    Ok(Json(surveys::list(&state.store).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewSurvey {
    /// The touchpoint it asks about (or `stage`).
    #[serde(default)]
    touchpoint: String,
    /// The stage it asks about as a whole (or `touchpoint`).
    #[serde(default)]
    stage: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    goal_scale: String,
    #[serde(default)]
    questions: Vec<String>,
    /// The language it is written in (en by default).
    #[serde(default)]
    language: String,
    /// Its own words in other languages, by language code.
    #[serde(default)]
    translations: throughline_domain::survey::Translations,
}

async fn create(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(body): Json<NewSurvey>,
) -> Result<(StatusCode, Json<Survey>), AppError> {
    let survey = surveys::create(
        &state.store,
        Actor::User(&user),
        &SurveyInput {
            touchpoint: body.touchpoint,
            stage: body.stage,
            title: body.title,
            measure: body.measure,
            goal_scale: body.goal_scale,
            questions: body.questions,
            language: body.language,
            translations: body.translations,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(survey)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewInvitation {
    customer: String,
    email: String,
    #[serde(default)]
    event_date: String,
    /// The customer's language (the e-mail and the form speak it where the survey does).
    #[serde(default)]
    language: String,
    min_days_between: Option<u32>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct Invited {
    invited: bool,
    /// Why not, when not.
    why_not: Option<String>,
}

fn why_not(report: &InviteReport, days: u32) -> Option<String> {
    if report.total_invited() > 0 {
        None
    } else if report.skipped_recent > 0 {
        Some(format!("surveyed within the last {days} days"))
    } else if report.skipped_opted_out > 0 {
        Some("the customer asked never to be surveyed".to_owned())
    } else if report.skipped_erased > 0 {
        Some("the customer's data was erased on request".to_owned())
    } else {
        Some(
            report
                .unmatched
                .first()
                .map_or_else(|| "not invited".to_owned(), |(_, why)| why.clone()),
        )
    }
}

async fn invite(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<NewInvitation>,
) -> Result<(StatusCode, Json<Invited>), AppError> {
    let row = check_invitation(
        1,
        &body.customer,
        &body.email,
        "",
        &body.event_date,
        &body.language,
    )
    .map_err(|(field, reason)| AppError::Invalid(format!("{field}: {reason}")))?;
    let policy = body
        .min_days_between
        .map_or_else(InvitePolicy::default, |min_days_between| InvitePolicy {
            min_days_between,
        });
    let report =
        surveys::invite(&state.store, Actor::User(&user), Some(id), &[row], policy).await?;
    Ok((
        StatusCode::CREATED,
        Json(Invited {
            invited: report.total_invited() == 1,
            why_not: why_not(&report, policy.min_days_between),
        }),
    ))
}

#[derive(Debug, Deserialize)]
struct CasesQuery {
    department: Option<String>,
    #[serde(default)]
    all: bool,
}

async fn cases(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<CasesQuery>,
) -> Result<Json<Vec<CaseView>>, AppError> {
    Ok(Json(
        follow_up::list(
            &state.store,
            query.department.as_deref(),
            !query.all,
            10_000,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CaseChange {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    customer_says_resolved: String,
    /// A theme's id, or "none".
    #[serde(default)]
    theme: Option<serde_json::Value>,
}

async fn change_case(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<CaseChange>,
) -> Result<Json<CaseView>, AppError> {
    let theme = match body.theme {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s,
        Some(other) => {
            return Err(AppError::Invalid(format!(
                "theme {other}: a theme's id, or \"none\""
            )));
        }
    };
    follow_up::change(
        &state.store,
        Actor::User(&user),
        id,
        &CaseInput {
            status: body.status,
            owner: body.owner,
            note: body.note,
            customer_says_resolved: body.customer_says_resolved,
            theme,
        },
    )
    .await?;
    Ok(Json(follow_up::case(&state.store, id).await?.0))
}
