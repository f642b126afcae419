//! Key accounts (as their accounts file describes them, replaced whole on apply) and their weekly
//! reviews (kept whatever the file says later).

use serde::Serialize;
use sqlx::Row;
use throughline_domain::Timestamp;
use throughline_domain::accounts::KeyAccount;

use crate::{Result, Store, StoreError};

/// One weekly review of an account.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AccountReview {
    pub id: i64,
    pub account: String,
    pub held_on: String,
    pub notes: String,
    /// Each goal and where it stands.
    pub goals: Vec<GoalStatus>,
    pub actions: Vec<ReviewAction>,
    pub author: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct GoalStatus {
    pub goal: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ReviewAction {
    pub title: String,
    pub owner: String,
    pub due: String,
}

/// A review as it is recorded.
#[derive(Debug, Clone)]
pub struct NewAccountReview<'a> {
    pub account: &'a str,
    pub held_on: &'a str,
    pub notes: &'a str,
    pub goals: &'a [GoalStatus],
    pub actions: &'a [ReviewAction],
    pub author: &'a str,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data always serialises")
}

fn parsed<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Inconsistent(format!("a stored {what} cannot be read: {e}")))
}

impl Store {
    /// Makes the stored accounts exactly `accounts` (reviews are kept); how many were added,
    /// changed and removed.
    pub async fn replace_accounts(&self, accounts: &[KeyAccount]) -> Result<(usize, usize, usize)> {
        let mut tx = self.begin_write().await?;
        let stored: Vec<(String, String)> =
            sqlx::query_as("SELECT key, definition FROM key_accounts")
                .fetch_all(&mut *tx)
                .await?;
        let now = Timestamp::now().as_millis();
        let (mut added, mut changed) = (0, 0);
        for (position, account) in accounts.iter().enumerate() {
            let definition = json(account);
            match stored.iter().find(|(k, _)| *k == account.key) {
                Some((_, before)) if *before == definition => {
                    sqlx::query("UPDATE key_accounts SET position = $1 WHERE key = $2")
                        .bind(position as i64)
                        .bind(&account.key)
                        .execute(&mut *tx)
                        .await?;
                }
                Some(_) => {
                    changed += 1;
                    sqlx::query(
                        "UPDATE key_accounts SET name = $1, position = $2, definition = $3, \
                         updated_at = $4 WHERE key = $5",
                    )
                    .bind(&account.name)
                    .bind(position as i64)
                    .bind(&definition)
                    .bind(now)
                    .bind(&account.key)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    added += 1;
                    sqlx::query(
                        "INSERT INTO key_accounts (key, name, position, definition, updated_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&account.key)
                    .bind(&account.name)
                    .bind(position as i64)
                    .bind(&definition)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        let mut removed = 0;
        for (key, _) in &stored {
            if !accounts.iter().any(|a| &a.key == key) {
                removed += 1;
                sqlx::query("DELETE FROM key_accounts WHERE key = $1")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok((added, changed, removed))
    }

    /// The key accounts in their file's order.
    pub async fn key_accounts(&self) -> Result<Vec<KeyAccount>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT definition FROM key_accounts ORDER BY position")
                .fetch_all(&mut *self.conn().await?)
                .await?;
        rows.iter().map(|(d,)| parsed(d, "key account")).collect()
    }

    pub async fn add_account_review(&self, review: NewAccountReview<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO account_reviews (account_key, held_on, notes, goals, actions, author, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(review.account)
        .bind(review.held_on)
        .bind(review.notes)
        .bind(json(&review.goals))
        .bind(json(&review.actions))
        .bind(review.author)
        .bind(Timestamp::now().as_millis())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    /// An account's reviews, the latest first.
    pub async fn account_reviews(&self, account: &str) -> Result<Vec<AccountReview>> {
        let rows = sqlx::query(
            "SELECT id, account_key, held_on, notes, goals, actions, author, created_at \
             FROM account_reviews WHERE account_key = $1 ORDER BY held_on DESC, id DESC",
        )
        .bind(account)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                let goals: String = r.try_get("goals")?;
                let actions: String = r.try_get("actions")?;
                Ok(AccountReview {
                    id: r.try_get("id")?,
                    account: r.try_get("account_key")?,
                    held_on: r.try_get("held_on")?,
                    notes: r.try_get("notes")?,
                    goals: parsed(&goals, "review's goals")?,
                    actions: parsed(&actions, "review's actions")?,
                    author: r.try_get("author")?,
                    created_at: Timestamp::from_millis(r.try_get("created_at")?),
                })
            })
            .collect()
    }
}
