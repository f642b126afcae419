//! Changes outside the council's work: culture-maturity assessments started and closed (admins
//! and council chairs), feedback ingested through the API (admins and council chairs, whose
//! tokens integrations use), and a person's own choice to receive digests or not.

use throughline_domain::maturity::Model;
use throughline_service::maturity::{self, Assessment};
use throughline_service::{digest, feedback};
use throughline_store::{ImportRecord, StoredUser};

use super::{audit, may_edit};
use crate::{AppError, AppState};

/// Starts an assessment named `name`, aiming at level `target`, with `model` or the default one.
pub async fn start_assessment(
    state: &AppState,
    user: &StoredUser,
    name: &str,
    model: Option<Model>,
    target: Option<&str>,
) -> Result<Assessment, AppError> {
    may_edit(user, None)?;
    let started = maturity::start(&state.store, name, model, target).await?;
    audit(
        state,
        user,
        "assessment.start",
        format!("assessment {}", started.stored.id),
        None,
        Some(serde_json::json!({ "name": started.stored.name })),
    )
    .await?;
    Ok(started)
}

/// Closes assessment `id`: no more answers, its results final.
pub async fn close_assessment(
    state: &AppState,
    user: &StoredUser,
    id: i64,
) -> Result<Assessment, AppError> {
    may_edit(user, None)?;
    let closed = maturity::close(&state.store, id).await?;
    audit(
        state,
        user,
        "assessment.close",
        format!("assessment {id}"),
        None,
        None,
    )
    .await?;
    Ok(closed)
}

/// Ingests feedback records sent as JSON under `source` (all or nothing).
pub async fn ingest_feedback(
    state: &AppState,
    user: &StoredUser,
    source: Option<&str>,
    records: Vec<serde_json::Value>,
) -> Result<ImportRecord, AppError> {
    may_edit(user, None)?;
    let import = feedback::ingest(&state.store, source, records).await?;
    let totals = &import.totals;
    audit(
        state,
        user,
        "feedback.ingest",
        format!("import {}", import.id),
        None,
        Some(serde_json::json!({
            "source": import.source, "received": totals.rows_read,
            "imported": totals.imported, "duplicates": totals.duplicates,
        })),
    )
    .await?;
    Ok(import)
}

/// `user` stops (`out`) or resumes receiving department digests by e-mail: their own choice,
/// whatever their role.
pub async fn set_digest_opt_out(
    state: &AppState,
    user: &StoredUser,
    out: bool,
) -> Result<(), AppError> {
    let email = user.user.email.as_str();
    digest::set_opt_out(&state.store, email, out).await?;
    let action = if out {
        "digest.opt_out"
    } else {
        "digest.opt_in"
    };
    audit(state, user, action, email.to_owned(), None, None).await
}
