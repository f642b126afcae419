//! `/api/v1/organisation`: the organisation in the organisation file's own model, its history
//! (versions), and changes to it — edits made directly by the CX lead or an administrator, and
//! the proposals department members make for them to accept or decline.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use throughline_domain::org::{OrgDiff, OrgEdit, OrgFile};
use throughline_service::changes::{self, Actor, EditOutcome, Refusal};
use throughline_service::org::{self as org_service, ProposalView};
use throughline_store::OrgVersion;

use super::spec::{COUNCIL, Endpoint, SIGNED_IN, endpoint};
use crate::auth::ApiUser;
use crate::error::extract::{Json, Path, Query};
use crate::{AppError, AppState};

const EDIT_EXAMPLE: &str = r#"{"edit": {"op": "add_touchpoint", "stage": "receive", "key": "returns-desk", "name": "Returns desk", "owners": ["customer-service"], "contributors": ["fulfilment"]}, "reason": "Agreed in the mapping workshop"}"#;

/// This resource's part of the API's one list of endpoints ([`super::spec`]).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(GET "/organisation" => organisation;
            "The organisation as its file describes it (what `throughline export-org` prints)";
            who: SIGNED_IN; query: &[]; body: None;
            answers: &[(200, "The organisation.")]),
        endpoint!(GET "/organisation/versions" => versions;
            "Every version of the organisation, newest first, with who, when and why";
            who: SIGNED_IN;
            query: &[
                ("from", "integer", "With `to`: the changes from this version …"),
                ("to", "integer", "… to this one, instead of the list."),
            ];
            body: None;
            answers: &[(200, "The versions, or the changes between two.")]),
        endpoint!(POST "/organisation/edits" => edit;
            "Change the organisation: made at once by admins and council chairs, filed as a proposal for members. Ops: add_stage, update_stage, move_stage, remove_stage, set_vocabulary, add_touchpoint, update_touchpoint, remove_touchpoint, add_moment, update_moment, remove_moment, set_metric_stage";
            who: "admins and council chairs; members (as a proposal)"; query: &[];
            body: Some(EDIT_EXAMPLE);
            answers: &[(200, "Applied: the new version and its changes."), (201, "Filed as a proposal."), (422, "Refused: `problems` says which field and why; nothing changed.")]),
        endpoint!(GET "/organisation/proposals" => proposals;
            "Proposed changes, newest first; open ones with the changes accepting them would make";
            who: SIGNED_IN;
            query: &[("status", "string", "open for the open ones only.")];
            body: None;
            answers: &[(200, "The proposals.")]),
        endpoint!(POST "/organisation/proposals" => propose;
            "Propose a change for the CX lead to review (whoever proposes it)";
            who: "admins, council chairs and members"; query: &[];
            body: Some(EDIT_EXAMPLE);
            answers: &[(201, "The proposal's id."), (422, "Refused: `problems` says which field and why.")]),
        endpoint!(POST "/organisation/proposals/{id}/accept" => accept;
            "Accept a proposal: its change is made on the organisation as it is now, as a new version";
            who: COUNCIL; query: &[];
            body: Some(r#"{"note": "Agreed at the council"}"#);
            answers: &[(200, "The new version and its changes."), (422, "It no longer applies: `problems` says why.")]),
        endpoint!(POST "/organisation/proposals/{id}/decline" => decline;
            "Decline a proposal, saying why";
            who: COUNCIL; query: &[];
            body: Some(r#"{"note": "Returns stay with the store teams"}"#);
            answers: &[(204, "Declined.")]),
    ]
}

async fn organisation(
    _user: ApiUser,
    State(state): State<AppState>,
) -> Result<Json<OrgFile>, AppError> {
    Ok(Json(org_service::organisation_file(&state.store).await?))
}

#[derive(Debug, Deserialize)]
struct VersionsQuery {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
enum VersionsAnswer {
    List {
        versions: Vec<OrgVersion>,
    },
    Diff {
        from: i64,
        to: i64,
        changes: OrgDiff,
    },
}

async fn versions(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<VersionsQuery>,
) -> Result<Json<VersionsAnswer>, AppError> {
    Ok(Json(match (query.from, query.to) {
        (Some(from), Some(to)) => VersionsAnswer::Diff {
            from,
            to,
            changes: org_service::diff_versions(&state.store, from, to).await?,
        },
        (None, None) => VersionsAnswer::List {
            versions: org_service::versions(&state.store).await?,
        },
        _ => {
            return Err(AppError::Invalid(
                "give both `from` and `to` to compare two versions, or neither for the list".into(),
            ));
        }
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct EditBody {
    edit: OrgEdit,
    #[serde(default)]
    reason: Option<String>,
}

async fn edit(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(body): Json<EditBody>,
) -> Result<Edited, AppError> {
    changed(&state, &user, body, false).await
}

async fn propose(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Json(body): Json<EditBody>,
) -> Result<Edited, AppError> {
    changed(&state, &user, body, true).await
}

/// An edit made (or, with `propose`, filed as a proposal whoever asks), as the API answers it.
async fn changed(
    state: &AppState,
    user: &throughline_store::StoredUser,
    body: EditBody,
    propose: bool,
) -> Result<Edited, AppError> {
    let outcome = changes::edit_organisation(
        &state.store,
        Actor::User(user),
        &body.edit,
        body.reason.as_deref(),
        propose,
    )
    .await?;
    Ok(Edited(outcome))
}

#[derive(Debug, Deserialize)]
struct ProposalsQuery {
    status: Option<String>,
}

async fn proposals(
    _user: ApiUser,
    State(state): State<AppState>,
    Query(query): Query<ProposalsQuery>,
) -> Result<Json<Vec<ProposalView>>, AppError> {
    let open = match query.status.as_deref() {
        None => false,
        Some("open") => true,
        Some(other) => {
            return Err(AppError::Invalid(format!(
                "status {other:?}: only `open` filters the proposals"
            )));
        }
    };
    Ok(Json(org_service::proposals(&state.store, open).await?))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    #[serde(default)]
    note: Option<String>,
}

async fn accept(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<NoteBody>,
) -> Result<Edited, AppError> {
    let outcome =
        changes::accept_proposal(&state.store, Actor::User(&user), id, body.note.as_deref())
            .await?;
    Ok(Edited(outcome))
}

async fn decline(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<NoteBody>,
) -> Result<StatusCode, AppError> {
    changes::decline_proposal(
        &state.store,
        Actor::User(&user),
        id,
        body.note.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An edit's outcome as the API answers it: 200 with the version, 201 with the proposal, or 422
/// with every problem and the field it is about.
/// An edit's answer: applied (200) or filed as a proposal (201) with what it changes, or refused
/// (422) with each problem.
struct Edited(Result<EditOutcome, Refusal>);

impl super::spec::Answer for Edited {
    fn schema(generator: &mut schemars::SchemaGenerator) -> Option<schemars::Schema> {
        Some(generator.subschema_for::<EditOutcome>())
    }
}

impl IntoResponse for Edited {
    fn into_response(self) -> Response {
        answer(self.0)
    }
}

fn answer(outcome: Result<EditOutcome, Refusal>) -> Response {
    match outcome {
        Ok(applied @ EditOutcome::Applied { .. }) => {
            (StatusCode::OK, Json(applied)).into_response()
        }
        Ok(proposed @ EditOutcome::Proposed { .. }) => {
            (StatusCode::CREATED, Json(proposed)).into_response()
        }
        Err(problems) => {
            let message = problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            let body = serde_json::json!({
                "error": { "code": "invalid", "message": message, "problems": problems }
            });
            (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
        }
    }
}
