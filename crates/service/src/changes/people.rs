//! Changes outside the council's work: culture-maturity assessments started and closed (admins
//! and council chairs), feedback ingested through the API (admins and council chairs, whose
//! tokens integrations use), and a person's own choice to receive digests or not, and which
//! departments' digests they receive.

use crate::maturity::{self, Assessment};
use crate::{digest, feedback};
use throughline_domain::maturity::Model;
use throughline_store::{ImportRecord, Store, StoredUser};

use super::{Actor, audit, in_transaction, may_edit};
use crate::{Result, ServiceError};

/// Starts an assessment named `name`, aiming at level `target`, with `model` or the default one.
pub async fn start_assessment(
    store: &Store,
    actor: Actor<'_>,
    name: &str,
    model: Option<Model>,
    target: Option<&str>,
) -> Result<Assessment> {
    in_transaction(store, async |store| {
        may_edit(actor, None)?;
        let started = maturity::start(store, name, model, target).await?;
        audit(
            store,
            actor,
            "assessment.start",
            format!("assessment {}", started.stored.id),
            None,
            Some(serde_json::json!({ "name": started.stored.name })),
        )
        .await?;
        Ok(started)
    })
    .await
}

/// Closes assessment `id`: no more answers, its results final.
pub async fn close_assessment(store: &Store, actor: Actor<'_>, id: i64) -> Result<Assessment> {
    in_transaction(store, async |store| {
        may_edit(actor, None)?;
        let closed = maturity::close(store, id).await?;
        audit(
            store,
            actor,
            "assessment.close",
            format!("assessment {id}"),
            None,
            None,
        )
        .await?;
        Ok(closed)
    })
    .await
}

/// Ingests feedback records sent as JSON under `source` (all or nothing).
pub async fn ingest_feedback(
    store: &Store,
    actor: Actor<'_>,
    source: Option<&str>,
    records: Vec<serde_json::Value>,
) -> Result<ImportRecord> {
    in_transaction(store, async |store| {
        may_edit(actor, None)?;
        let import = feedback::ingest(store, source, records).await?;
        let totals = &import.totals;
        audit(
            store,
            actor,
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
    })
    .await
}

/// `user` stops (`out`) or resumes receiving department digests by e-mail: their own choice,
/// whatever their role.
pub async fn set_digest_opt_out(store: &Store, user: &StoredUser, out: bool) -> Result<()> {
    in_transaction(store, async |store| {
        let email = user.user.email.as_str();
        digest::set_opt_out(store, email, out).await?;
        let action = if out {
            "digest.opt_out"
        } else {
            "digest.opt_in"
        };
        audit(
            store,
            Actor::User(user),
            action,
            email.to_owned(),
            None,
            None,
        )
        .await
    })
    .await
}

/// A person has department `department`'s digest sent to their own address (any department: a
/// council member may follow Billing's); `false` when it already was. Audited in the same
/// transaction (`digest.subscribe_own`).
pub async fn subscribe_own_digest(
    store: &Store,
    user: &StoredUser,
    department: &str,
) -> Result<bool> {
    in_transaction(store, async |store| {
        let department = department.trim();
        let org = store
            .load_organisation()
            .await?
            .ok_or_else(|| ServiceError::Invalid("no organisation has been applied yet".into()))?;
        // A department that is not there is a wrong value in the form, said with the list.
        crate::scorecards::find_department(&org, department).map_err(|e| match e {
            ServiceError::NotFound(message) => ServiceError::Invalid(message),
            other => other,
        })?;
        let email = user.user.email.as_str();
        let added = store
            .add_subscription(department, "email", email, "generic")
            .await?;
        if added.is_some() {
            audit(
                store,
                Actor::User(user),
                "digest.subscribe_own",
                format!("department {department}"),
                None,
                Some(serde_json::json!({ "email": email })),
            )
            .await?;
        }
        Ok(added.is_some())
    })
    .await
}

/// A person stops digest subscription `id` sent to their own address; another address's
/// subscription is not theirs to stop (`NotFound`, as if there were none). Audited in the same
/// transaction (`digest.unsubscribe_own`).
pub async fn unsubscribe_own_digest(store: &Store, user: &StoredUser, id: i64) -> Result<()> {
    in_transaction(store, async |store| {
        let email = user.user.email.as_str();
        let Some(own) = digest::sent_to(store, email)
            .await?
            .into_iter()
            .find(|s| s.id == id)
        else {
            return Err(ServiceError::NotFound(format!(
                "there is no digest {id} sent to your address"
            )));
        };
        store.remove_subscription(id).await?;
        audit(
            store,
            Actor::User(user),
            "digest.unsubscribe_own",
            format!("department {}", own.department),
            Some(serde_json::json!({ "email": email })),
            None,
        )
        .await
    })
    .await
}
