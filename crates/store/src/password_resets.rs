//! Password reset links: a token handed out by e-mail, kept as its hash, for one user, working
//! once before it expires.

use sqlx::Row;
use throughline_domain::Timestamp;

use crate::{AuditLine, Result, Store, StoredUser};

impl Store {
    /// Records a reset link for `user_id` (its token's hash), working until `expires_at`.
    pub async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(Timestamp::now().as_millis())
        .bind(expires_at.as_millis())
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// How many reset links were made for `user_id` since `since` (a limit on the e-mails one
    /// address receives).
    pub async fn password_resets_since(&self, user_id: i64, since: Timestamp) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at > $2",
        )
        .bind(user_id)
        .bind(since.as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The active user a reset token opens at `now`: unused, not expired; `None` otherwise.
    pub async fn password_reset_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<StoredUser>> {
        let user_id: Option<i64> = sqlx::query(
            "SELECT user_id FROM password_resets \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now.as_millis())
        .fetch_optional(&mut *self.conn().await?)
        .await?
        .map(|row| row.try_get("user_id"))
        .transpose()?;
        let Some(user_id) = user_id else {
            return Ok(None);
        };
        Ok(self.users().await?.into_iter().find(|u| u.id == user_id))
    }

    /// Uses a reset token: sets the user's password to `password_hash`, ends every session of
    /// theirs, marks the token (and any other of theirs) used, and writes `audit` — all in one
    /// transaction, and only while the token still works. `false` when it no longer does (used
    /// meanwhile, or expired).
    pub async fn redeem_password_reset(
        &self,
        token_hash: &str,
        now: Timestamp,
        password_hash: &str,
        audit: &AuditLine<'_>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let user_id: Option<i64> = sqlx::query(
            "UPDATE password_resets SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now.as_millis())
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get("user_id"))
        .transpose()?;
        let Some(user_id) = user_id else {
            tx.rollback().await?;
            return Ok(false);
        };
        sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND disabled_at IS NULL")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        crate::accounts::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
