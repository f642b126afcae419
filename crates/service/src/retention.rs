//! The retention policy (docs/privacy.md): feedback received more than N months ago is deleted
//! or anonymised. Administrators set it (`throughline retention set`, the administration page);
//! `throughline serve` applies it once a day, `throughline retention apply` at once.

use throughline_domain::Timestamp;
use throughline_domain::user::UserRole;
use throughline_store::{RetentionMode, RetentionOutcome, RetentionPolicy, Store};

use crate::changes::Actor;
use crate::{Result, ServiceError};

/// The longest period a policy may keep records for: a hundred years.
pub const MAX_MONTHS: u32 = 1200;

/// The policy in force, if any.
pub async fn policy(store: &Store) -> Result<Option<RetentionPolicy>> {
    Ok(store.retention_policy().await?)
}

/// Sets the policy — `months` as written by a person ("36"), `mode` "delete" or "anonymise" —
/// or, with `None`, removes it (records are then kept). Administrators only.
pub async fn set(
    store: &Store,
    actor: Actor<'_>,
    policy: Option<(&str, &str)>,
) -> Result<Option<RetentionPolicy>> {
    if actor.role() != UserRole::Admin {
        return Err(ServiceError::Forbidden(
            "only administrators set the retention policy".to_owned(),
        ));
    }
    let parsed = match policy {
        None => None,
        Some((months, mode)) => {
            let months = months
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=MAX_MONTHS).contains(m))
                .ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "months {months:?}: give a whole number of months from 1 to {MAX_MONTHS}"
                    ))
                })?;
            let mode = RetentionMode::parse(mode).ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "mode {mode:?}: give \"delete\" (the records go) or \"anonymise\" (they \
                     stay for the counts without their words or customer)"
                ))
            })?;
            Some((months, mode))
        }
    };
    store
        .set_retention_policy(parsed, &actor.audit_name())
        .await?;
    Ok(store.retention_policy().await?)
}

/// The moment `months` calendar months before `now`: what is older falls under the policy.
pub fn cutoff(now: Timestamp, months: u32) -> Timestamp {
    let at = chrono::DateTime::from_timestamp_millis(now.as_millis())
        .and_then(|t| t.checked_sub_months(chrono::Months::new(months)));
    // Before the calendar's start is "nothing is old enough".
    at.map_or(Timestamp::from_millis(i64::MIN / 2), |t| {
        Timestamp::from_millis(t.timestamp_millis())
    })
}

/// Applies the policy in force at `now`: nothing when there is none. The analysis's aggregates
/// are brought up to date when records went or lost their words.
pub async fn apply(
    store: &Store,
    actor: Actor<'_>,
    now: Timestamp,
) -> Result<Option<(RetentionPolicy, RetentionOutcome)>> {
    if actor.role() != UserRole::Admin {
        return Err(ServiceError::Forbidden(
            "only administrators apply the retention policy".to_owned(),
        ));
    }
    let Some(policy) = store.retention_policy().await? else {
        return Ok(None);
    };
    let outcome = store
        .apply_retention(cutoff(now, policy.months), policy.mode, &actor.audit_name())
        .await?;
    if outcome.records > 0 && store.current_codebook().await?.is_some() {
        crate::analysis::refresh(store).await?;
    }
    Ok(Some((policy, outcome)))
}

/// Applies the policy once now and then every `every`, for as long as the server runs; a
/// failure is logged and tried again at the next turn.
pub async fn run_schedule(store: Store, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        let actor = Actor::CommandLine {
            os_user: "retention-schedule",
        };
        match apply(&store, actor, Timestamp::now()).await {
            Ok(Some((policy, outcome))) if outcome.records + outcome.events > 0 => {
                tracing::info!(
                    months = policy.months,
                    mode = policy.mode.as_str(),
                    records = outcome.records,
                    events = outcome.events,
                    "retention policy applied"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::warn!("the retention policy could not be applied: {err}"),
        }
    }
}
