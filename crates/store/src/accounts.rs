//! Accounts: users, sessions, API tokens, login attempts and the audit log. Passwords arrive
//! here already hashed (argon2, in the service layer); session ids and tokens as SHA-256
//! hashes. Nothing secret is stored in a form that would let a copy of the database sign in.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::user::{User, UserRole};
use throughline_domain::{Email, Key, Name, Timestamp};

use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredUser {
    pub id: i64,
    #[serde(flatten)]
    pub user: User,
    pub created_at: Timestamp,
    /// When an administrator disabled the account: it cannot sign in or use its tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<Timestamp>,
}

/// A user with their password hash, for signing in.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: StoredUser,
    pub password_hash: String,
}

/// A live session: who, and the token their forms must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUser {
    pub user: StoredUser,
    pub csrf_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// After this the token no longer works (`None`: it does not expire).
    pub expires_at: Option<Timestamp>,
    /// A read-only token reads; any change made with it is refused.
    pub read_only: bool,
}

/// The person a token speaks for, and what it may do.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenUser {
    pub user: StoredUser,
    pub read_only: bool,
}

/// An audit log line to write in the transaction of the change it records, so that no change
/// lands without its line (nor a line without its change).
#[derive(Debug, Clone, Copy)]
pub struct AuditLine<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub before: Option<&'a serde_json::Value>,
    pub after: Option<&'a serde_json::Value>,
}

/// Writes `line` on `conn` (a transaction's connection, or a pool's).
pub(crate) async fn write_audit(
    conn: &mut sqlx::AnyConnection,
    line: &AuditLine<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject, before_value, after_value) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Timestamp::now().as_millis())
    .bind(line.actor)
    .bind(line.action)
    .bind(line.subject)
    .bind(line.before.map(ToString::to_string))
    .bind(line.after.map(ToString::to_string))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

const USER_COLUMNS: &str =
    "u.id, u.email, u.display_name, u.role, u.department, u.created_at, u.disabled_at";

fn stored_user(row: &AnyRow) -> Result<StoredUser> {
    let id: i64 = row.try_get("id")?;
    let bad = |e: throughline_domain::ValidationError| {
        StoreError::Inconsistent(format!("user {id}: {e}"))
    };
    let email: String = row.try_get("email")?;
    let name: String = row.try_get("display_name")?;
    let role: String = row.try_get("role")?;
    let department: Option<String> = row.try_get("department")?;
    Ok(StoredUser {
        id,
        user: User::new(
            Email::parse(&email).map_err(bad)?,
            Name::parse(&name).map_err(bad)?,
            role.parse::<UserRole>().map_err(bad)?,
            department
                .map(|d| Key::parse(&d))
                .transpose()
                .map_err(bad)?,
        )
        .map_err(bad)?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        disabled_at: row
            .try_get::<Option<i64>, _>("disabled_at")?
            .map(Timestamp::from_millis),
    })
}

impl Store {
    /// Creates a user; `None` when the e-mail address is taken.
    pub async fn create_user(&self, user: &User, password_hash: &str) -> Result<Option<i64>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, role, department, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(user.email.as_str())
        .bind(user.display_name.as_str())
        .bind(user.role.as_str())
        .bind(user.department.as_ref().map(Key::as_str))
        .bind(password_hash)
        .bind(Timestamp::now().as_millis())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        Ok(id)
    }

    /// The accounts that are not disabled, in id order.
    pub async fn users(&self) -> Result<Vec<StoredUser>> {
        Ok(self
            .all_users()
            .await?
            .into_iter()
            .filter(|u| u.disabled_at.is_none())
            .collect())
    }

    /// The credentials of an enabled user, by e-mail address (case-insensitive).
    pub async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u \
             WHERE lower(u.email) = lower($1) AND u.disabled_at IS NULL"
        )))
        .bind(email.trim())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|r| {
            Ok(Credentials {
                user: stored_user(&r)?,
                password_hash: r.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(Timestamp::now().as_millis())
        .bind(expires_at.as_millis())
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// The user of a session that has not expired.
    pub async fn session_user(&self, id_hash: &str) -> Result<Option<SessionUser>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
        )))
        .bind(id_hash)
        .bind(Timestamp::now().as_millis())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|r| {
            Ok(SessionUser {
                user: stored_user(&r)?,
                csrf_token: r.try_get("csrf_token")?,
            })
        })
        .transpose()
    }

    /// Sets a user's password hash and ends every other session of theirs, in one transaction:
    /// whoever knew the old password is signed out everywhere but here. False when there is no
    /// such user.
    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: &str,
        audit: Option<&AuditLine<'_>>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        if let Some(audit) = audit {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every account, the disabled ones too, in id order (the administration page).
    pub async fn all_users(&self) -> Result<Vec<StoredUser>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.id"
        )))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(stored_user).collect()
    }

    /// Disables an account (its sessions end at once; its tokens stop working) or enables it
    /// again. False when there is no such user.
    pub async fn set_user_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        audit: &AuditLine<'_>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then(|| Timestamp::now().as_millis()))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Changes an account's role and department.
    pub async fn set_user_role(
        &self,
        user_id: i64,
        role: UserRole,
        department: Option<&Key>,
        audit: &AuditLine<'_>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET role = $1, department = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(department.map(Key::as_str))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// An administrator sets a new password for someone: every session of theirs ends.
    pub async fn reset_password(
        &self,
        user_id: i64,
        password_hash: &str,
        audit: &AuditLine<'_>,
    ) -> Result<bool> {
        // No session has an empty hash: none is kept.
        self.set_password(user_id, password_hash, "", Some(audit))
            .await
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        expires_at: Option<Timestamp>,
        read_only: bool,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at, read_only) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(Timestamp::now().as_millis())
        .bind(expires_at.map(|t| t.as_millis()))
        .bind(i64::from(read_only))
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// The user of a token that has not been revoked nor expired; marks the token used.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<TokenUser>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, t.id AS token_id, t.last_used_at, t.read_only \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $2)"
        )))
        .bind(token_hash)
        .bind(Timestamp::now().as_millis())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let token_id: i64 = row.try_get("token_id")?;
        // The last use is kept to the minute, and only as a courtesy: a call that only reads
        // must not write on every request (on SQLite every write waits for the one writer —
        // a long import — and fails after the busy timeout).
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        let now = Timestamp::now().as_millis();
        if last_used.is_none_or(|at| now - at >= 60_000) {
            let marked = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(token_id)
                .execute(&mut *self.conn().await?)
                .await;
            if let Err(err) = marked {
                tracing::warn!(error = %err, token_id, "could not record the token's last use");
            }
        }
        Ok(Some(TokenUser {
            user: stored_user(&row)?,
            read_only: row.try_get::<i64, _>("read_only")? != 0,
        }))
    }

    /// A user's tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at, expires_at, \
             read_only FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                let at = |c: &str| -> Result<Option<Timestamp>> {
                    Ok(r.try_get::<Option<i64>, _>(c)?.map(Timestamp::from_millis))
                };
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    name: r.try_get("name")?,
                    created_at: Timestamp::from_millis(r.try_get("created_at")?),
                    last_used_at: at("last_used_at")?,
                    revoked_at: at("revoked_at")?,
                    expires_at: at("expires_at")?,
                    read_only: r.try_get::<i64, _>("read_only")? != 0,
                })
            })
            .collect()
    }

    /// Revokes one of a user's tokens; false when there is no such live token.
    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(Timestamp::now().as_millis())
        .bind(token_id)
        .bind(user_id)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a failed sign-in for `email` from `client` (an address of the network, as the
    /// server sees it).
    pub async fn record_failed_login(&self, email: &str, client: &str) -> Result<()> {
        sqlx::query("INSERT INTO login_attempts (email, at, client) VALUES ($1, $2, $3)")
            .bind(email.trim().to_lowercase())
            .bind(Timestamp::now().as_millis())
            .bind(client)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Failed sign-ins since `since` for `email` from `client`, and from `client` for any
    /// address.
    pub async fn failed_logins(
        &self,
        email: &str,
        client: &str,
        since: Timestamp,
    ) -> Result<(u64, u64)> {
        let (this_address, any_address): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN email = $1 THEN 1 ELSE 0 END), 0), COUNT(*) \
             FROM login_attempts WHERE client = $2 AND at > $3",
        )
        .bind(email.trim().to_lowercase())
        .bind(client)
        .bind(since.as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok((
            u64::try_from(this_address).unwrap_or(0),
            u64::try_from(any_address).unwrap_or(0),
        ))
    }

    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        write_audit(
            &mut conn,
            &AuditLine {
                actor,
                action,
                subject,
                before,
                after,
            },
        )
        .await
    }
}
