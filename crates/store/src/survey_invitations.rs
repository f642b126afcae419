//! Survey invitations: customers asked by e-mail to answer a survey through their own link —
//! stored, claimed for sending (so that two server instances never send one twice), given back
//! after a failed try, reminded once, answered; and the customers who asked never to be
//! surveyed again (hashes of their id and address, for good).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::Timestamp;
use throughline_domain::survey::Language;

use crate::{AuditLine, Result, Store};

/// One customer asked to answer one survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    pub id: i64,
    pub survey_id: i64,
    pub customer: String,
    pub email: String,
    /// The event the survey asks about (a delivery, a closed ticket), as given.
    pub event_date: Option<String>,
    /// The customer's language, when the invitation file gave it: the e-mail and the form
    /// speak it where the survey is translated into it.
    pub language: Option<Language>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub reminded_at: Option<Timestamp>,
    pub responded_at: Option<Timestamp>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// An invitation as it is made.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub customer: String,
    pub email: String,
    pub event_date: Option<String>,
    pub language: Option<Language>,
}

/// A survey's invitations, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct InvitationCounts {
    pub invited: u64,
    pub sent: u64,
    pub reminded: u64,
    pub responded: u64,
    /// Not sent yet after a failed try (still retried), or given up.
    pub failing: u64,
}

/// A sending attempt gives up after this many tries.
pub const MAX_SEND_ATTEMPTS: u32 = 5;
const INVITATION_COLUMNS: &str = "id, survey_id, customer, email, event_date, language, \
     created_at, sent_at, reminded_at, responded_at, attempts, last_error";

impl Store {
    /// Stores invitations to `survey_id`, all or none, audited as `actor` in the same
    /// transaction; their ids in order.
    pub async fn add_invitations(
        &self,
        survey_id: i64,
        invitations: &[NewInvitation],
        actor: &str,
    ) -> Result<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let now = Timestamp::now().as_millis();
        let mut ids = Vec::with_capacity(invitations.len());
        for invitation in invitations {
            ids.push(
                sqlx::query_scalar(
                    "INSERT INTO survey_invitations (survey_id, customer, email, event_date, \
                     language, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(survey_id)
                .bind(&invitation.customer)
                .bind(&invitation.email)
                .bind(invitation.event_date.as_deref())
                .bind(invitation.language.map(Language::code))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?,
            );
        }
        // The count, not the customers: the audit log is no place for a list of e-mail
        // addresses.
        let after = serde_json::json!({ "invitations": ids.len() });
        crate::accounts::write_audit(
            &mut tx,
            &AuditLine {
                actor,
                action: "survey.invite",
                subject: &format!("survey {survey_id}"),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// When the customer (by id or by e-mail address) was last invited to any survey.
    pub async fn last_invited(&self, customer: &str, email: &str) -> Result<Option<Timestamp>> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(created_at) FROM survey_invitations WHERE customer = $1 OR email = $2",
        )
        .bind(customer)
        .bind(email)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(at.map(Timestamp::from_millis))
    }

    pub async fn invitation(&self, id: i64) -> Result<Option<Invitation>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(invitation_of).transpose()
    }

    /// Invitations not sent yet (nor given up on), oldest first, at most `limit`.
    pub async fn invitations_to_send(&self, limit: u32) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE sent_at IS NULL \
             AND responded_at IS NULL AND attempts < $1 ORDER BY id LIMIT $2"
        )))
        .bind(i64::from(MAX_SEND_ATTEMPTS))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(invitation_of).collect()
    }

    /// Invitations sent before `sent_before`, not answered and not reminded yet, oldest first.
    pub async fn reminders_due(
        &self,
        sent_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE sent_at < $1 \
             AND reminded_at IS NULL AND responded_at IS NULL AND attempts < $2 \
             ORDER BY id LIMIT $3"
        )))
        .bind(sent_before.as_millis())
        .bind(i64::from(MAX_SEND_ATTEMPTS))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(invitation_of).collect()
    }

    /// Claims the invitation's sending (or, with `reminder`, its reminder's): true for the one
    /// caller that finds it unclaimed, so that two server instances never send it twice.
    pub async fn claim_invitation(&self, id: i64, reminder: bool) -> Result<bool> {
        let sql = if reminder {
            "UPDATE survey_invitations SET reminded_at = $1 WHERE id = $2 \
             AND reminded_at IS NULL AND responded_at IS NULL"
        } else {
            "UPDATE survey_invitations SET sent_at = $1, last_error = NULL WHERE id = $2 \
             AND sent_at IS NULL AND responded_at IS NULL"
        };
        Ok(sqlx::query(sql)
            .bind(Timestamp::now().as_millis())
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?
            .rows_affected()
            == 1)
    }

    /// Gives a claim back after a failed try, with the error; the invitation is tried again
    /// until [`MAX_SEND_ATTEMPTS`] (a reminder, until the next round).
    pub async fn release_invitation(&self, id: i64, reminder: bool, error: &str) -> Result<()> {
        let sql = if reminder {
            "UPDATE survey_invitations SET reminded_at = NULL, last_error = $1 WHERE id = $2"
        } else {
            "UPDATE survey_invitations SET sent_at = NULL, attempts = attempts + 1, \
             last_error = $1 WHERE id = $2"
        };
        sqlx::query(sql)
            .bind(error)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Stops sending an invitation (the customer opted out since it was made).
    pub async fn give_up_invitation(&self, id: i64, reason: &str) -> Result<()> {
        sqlx::query("UPDATE survey_invitations SET attempts = $1, last_error = $2 WHERE id = $3")
            .bind(i64::from(MAX_SEND_ATTEMPTS))
            .bind(reason)
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn invitation_counts(&self, survey_id: i64) -> Result<InvitationCounts> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS invited, COUNT(sent_at) AS sent, COUNT(reminded_at) AS reminded, \
             COUNT(responded_at) AS responded, \
             SUM(CASE WHEN sent_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END) AS failing \
             FROM survey_invitations WHERE survey_id = $1",
        )
        .bind(survey_id)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let count = |column: &str| -> Result<u64> {
            Ok(row
                .try_get::<Option<i64>, _>(column)?
                .map_or(0, |n| u64::try_from(n).unwrap_or(0)))
        };
        Ok(InvitationCounts {
            invited: count("invited")?,
            sent: count("sent")?,
            reminded: count("reminded")?,
            responded: count("responded")?,
            failing: count("failing")?,
        })
    }

    /// Remembers, for good, that the contacts hashing to `hashes` (a customer id, an e-mail
    /// address) asked not to be surveyed again.
    pub async fn opt_out_of_surveys(&self, hashes: &[String]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for hash in hashes {
            sqlx::query(
                "INSERT INTO survey_opt_outs (contact_hash, opted_out_at) VALUES ($1, $2) \
                 ON CONFLICT (contact_hash) DO NOTHING",
            )
            .bind(hash)
            .bind(Timestamp::now().as_millis())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether any of the contacts hashing to `hashes` opted out of surveys.
    pub async fn opted_out_of_surveys(&self, hashes: &[String]) -> Result<bool> {
        for hash in hashes {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM survey_opt_outs WHERE contact_hash = $1")
                    .bind(hash)
                    .fetch_optional(&mut *self.conn().await?)
                    .await?;
            if found.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn invitation_of(row: &AnyRow) -> Result<Invitation> {
    let at = |column: &str| -> Result<Option<Timestamp>> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(Timestamp::from_millis))
    };
    Ok(Invitation {
        id: row.try_get("id")?,
        survey_id: row.try_get("survey_id")?,
        customer: row.try_get("customer")?,
        email: row.try_get("email")?,
        event_date: row.try_get("event_date")?,
        language: row
            .try_get::<Option<String>, _>("language")?
            .and_then(|code| Language::parse(&code).ok()),
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        sent_at: at("sent_at")?,
        reminded_at: at("reminded_at")?,
        responded_at: at("responded_at")?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        last_error: row.try_get("last_error")?,
    })
}
