//! The retention policy: feedback received more than so many months ago is deleted, or
//! anonymised, when the policy is applied (on a schedule by `throughline serve`, or by
//! `throughline retention apply`). Setting the policy and applying it are audited in the same
//! transaction as the change.

use serde::Serialize;
use sqlx::Row;
use throughline_domain::Timestamp;

use crate::{AuditLine, Result, Store, StoreError};

/// What happens to feedback older than the policy's months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionMode {
    /// The records go, with their analysis.
    Delete,
    /// The records stay for the counts — date, source, channel, stage, touchpoint, scores and
    /// their themes as assigned — without their words, customer id or other columns.
    Anonymise,
}

impl RetentionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Anonymise => "anonymise",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "delete" => Some(Self::Delete),
            "anonymise" | "anonymize" => Some(Self::Anonymise),
            _ => None,
        }
    }
}

/// The policy in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionPolicy {
    pub months: u32,
    pub mode: RetentionMode,
    pub set_by: String,
    pub set_at: Timestamp,
    pub last_applied_at: Option<Timestamp>,
}

/// What one application of the policy changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionOutcome {
    /// Feedback records deleted or anonymised.
    pub records: u64,
    /// Customer events deleted (older than the same cut-off, in either mode).
    pub events: u64,
}

/// The policy stored, read on `conn` (a transaction's, to read it where it is changed).
async fn read_policy(conn: &mut sqlx::AnyConnection) -> Result<Option<RetentionPolicy>> {
    let row = sqlx::query(
        "SELECT months, mode, set_by, set_at, last_applied_at FROM retention_policy \
         WHERE singleton = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| -> Result<RetentionPolicy> {
        let mode: String = row.try_get("mode")?;
        Ok(RetentionPolicy {
            months: u32::try_from(row.try_get::<i64, _>("months")?).unwrap_or(u32::MAX),
            mode: RetentionMode::parse(&mode).ok_or_else(|| {
                StoreError::Inconsistent(format!("retention mode {mode:?} is not known"))
            })?,
            set_by: row.try_get("set_by")?,
            set_at: Timestamp::from_millis(row.try_get("set_at")?),
            last_applied_at: row
                .try_get::<Option<i64>, _>("last_applied_at")?
                .map(Timestamp::from_millis),
        })
    })
    .transpose()
}

impl Store {
    /// The policy in force, if any.
    pub async fn retention_policy(&self) -> Result<Option<RetentionPolicy>> {
        let mut conn = self.conn().await?;
        read_policy(&mut conn).await
    }

    /// Sets the policy (`None`: records are kept), audited as `actor`.
    pub async fn set_retention_policy(
        &self,
        policy: Option<(u32, RetentionMode)>,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Read in the transaction: the audit line's "before" is what this change replaced.
        let before = read_policy(&mut tx).await?;
        sqlx::query("DELETE FROM retention_policy")
            .execute(&mut *tx)
            .await?;
        if let Some((months, mode)) = policy {
            sqlx::query(
                "INSERT INTO retention_policy (singleton, months, mode, set_by, set_at) \
                 VALUES (1, $1, $2, $3, $4)",
            )
            .bind(i64::from(months))
            .bind(mode.as_str())
            .bind(actor)
            .bind(Timestamp::now().as_millis())
            .execute(&mut *tx)
            .await?;
        }
        let describe = |p: Option<(u32, RetentionMode)>| {
            p.map(|(months, mode)| serde_json::json!({"months": months, "mode": mode.as_str()}))
        };
        let before = describe(before.map(|p| (p.months, p.mode)));
        let after = describe(policy);
        crate::accounts::write_audit(
            &mut tx,
            &AuditLine {
                actor,
                action: "retention.set",
                subject: "retention policy",
                before: before.as_ref(),
                after: after.as_ref(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes or anonymises the feedback received before `cutoff`, and deletes the customer
    /// events that occurred before it, audited as `actor` in the same transaction (only when
    /// something changed, so that a daily schedule does not fill the log).
    pub async fn apply_retention(
        &self,
        cutoff: Timestamp,
        mode: RetentionMode,
        actor: &str,
    ) -> Result<RetentionOutcome> {
        let mut tx = self.begin_write().await?;
        let at = cutoff.as_millis();
        let records = match mode {
            RetentionMode::Delete => {
                sqlx::query("DELETE FROM feedback WHERE received_at < $1")
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
            }
            RetentionMode::Anonymise => {
                // A record already anonymised is not counted again.
                sqlx::query(
                    "UPDATE feedback SET customer = NULL, comment = NULL, helpful = NULL, \
                     hindering = NULL, external_id = NULL, metadata = '{}' \
                     WHERE received_at < $1 AND (customer IS NOT NULL OR comment IS NOT NULL \
                     OR helpful IS NOT NULL OR hindering IS NOT NULL OR external_id IS NOT NULL \
                     OR metadata <> '{}')",
                )
                .bind(at)
                .execute(&mut *tx)
                .await?
            }
        }
        .rows_affected();
        let events = sqlx::query("DELETE FROM customer_events WHERE occurred_at < $1")
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Survey invitations (a customer id and an e-mail address), answers set aside as a
        // robot's and follow-up cases are kept no longer than the feedback itself.
        for sql in [
            "DELETE FROM survey_invitations WHERE created_at < $1",
            "DELETE FROM survey_quarantine WHERE received_at < $1",
            // A case names its customer: it goes in either mode (with its notes).
            "DELETE FROM follow_up_cases WHERE opened_at < $1",
        ] {
            sqlx::query(sql).bind(at).execute(&mut *tx).await?;
        }
        let now = Timestamp::now().as_millis();
        sqlx::query("UPDATE retention_policy SET last_applied_at = $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let outcome = RetentionOutcome { records, events };
        if records + events > 0 {
            let after = serde_json::json!({
                "mode": mode.as_str(),
                "before": at,
                "records": records,
                "events": events,
            });
            crate::accounts::write_audit(
                &mut tx,
                &AuditLine {
                    actor,
                    action: "retention.apply",
                    subject: "feedback and customer events",
                    before: None,
                    after: Some(&after),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }
}
