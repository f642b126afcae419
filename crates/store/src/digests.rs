//! Department digests: subscriptions (e-mail or chat webhook, per department), opt-outs, and
//! the delivery log that makes each (department, period, subscription) go out at most once.
//!
//! Sending claims a delivery first — an INSERT that the unique key lets only one caller win, or
//! for a failed one whose retry time has come, an UPDATE that only one caller can make — and
//! records the outcome after. A claim that never records an outcome (the process died while
//! sending) stays `sending`: it is not sent again, and the log shows it.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use throughline_domain::Timestamp;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub id: i64,
    pub department: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// The address or the URL.
    pub target: String,
    /// For webhooks: `slack` or `generic`.
    pub format: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub department: String,
    pub period: String,
    pub subscription: i64,
    pub channel: String,
    pub target: String,
    /// `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// What a claim won.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller sends it now: the delivery's id and which attempt this is (1 for the first).
    Won { id: i64, attempt: i64 },
    /// Already sent, being sent, or failed and not yet due for a retry.
    Taken,
}

/// Which delivery log a claim is in: the departments' digests, keyed by department, period
/// and subscription, or the key accounts' sponsor digests, keyed by account, period and
/// address. Fixed names, never text from a request.
#[derive(Debug, Clone, Copy)]
enum Log {
    Departments,
    Sponsors,
}

impl Log {
    fn table(self) -> &'static str {
        match self {
            Self::Departments => "digest_deliveries",
            Self::Sponsors => "sponsor_digest_deliveries",
        }
    }

    fn keys(self) -> [&'static str; 3] {
        match self {
            Self::Departments => ["department", "period", "subscription_id"],
            Self::Sponsors => ["account", "period", "email"],
        }
    }
}

/// Whom a delivery goes to: a subscription, or an address of its own.
#[derive(Debug, Clone, Copy)]
enum Recipient<'a> {
    Subscription(i64),
    Address(&'a str),
}

fn subscription(row: &AnyRow) -> Result<Subscription> {
    Ok(Subscription {
        id: row.try_get("id")?,
        department: row.try_get("department")?,
        channel: row.try_get("channel")?,
        target: row.try_get("target")?,
        format: row.try_get("format")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
    })
}

fn delivery(row: &AnyRow) -> Result<Delivery> {
    let at = |c: &str| -> Result<Option<Timestamp>> {
        Ok(row
            .try_get::<Option<i64>, _>(c)?
            .map(Timestamp::from_millis))
    };
    Ok(Delivery {
        id: row.try_get("id")?,
        department: row.try_get("department")?,
        period: row.try_get("period")?,
        subscription: row.try_get("subscription_id")?,
        channel: row.try_get("channel")?,
        target: row.try_get("target")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: at("next_attempt_at")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        sent_at: at("sent_at")?,
    })
}

impl Store {
    /// Adds a subscription; `None` when the same one exists.
    pub async fn add_subscription(
        &self,
        department: &str,
        channel: &str,
        target: &str,
        format: &str,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "INSERT INTO digest_subscriptions (department, channel, target, format, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (department, channel, target) DO NOTHING \
             RETURNING id",
        )
        .bind(department)
        .bind(channel)
        .bind(target)
        .bind(format)
        .bind(Timestamp::now().as_millis())
        .fetch_optional(&mut *self.conn().await?)
        .await?)
    }

    /// Removes a subscription (its delivery log stays); false when there was none.
    pub async fn remove_subscription(&self, id: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let used: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM digest_deliveries WHERE subscription_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if used > 0 {
            // Keep the log readable: the subscription stays, pointed nowhere.
            let done = sqlx::query(
                "UPDATE digest_subscriptions SET channel = 'removed' WHERE id = $1 \
                 AND channel <> 'removed'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(done.rows_affected() == 1);
        }
        let done = sqlx::query("DELETE FROM digest_subscriptions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Live subscriptions, by department then id.
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>> {
        let rows = sqlx::query(
            "SELECT id, department, channel, target, format, created_at FROM digest_subscriptions \
             WHERE channel <> 'removed' ORDER BY department, id",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(subscription).collect()
    }

    pub async fn set_opt_out(&self, email: &str, out: bool) -> Result<()> {
        if out {
            sqlx::query(
                "INSERT INTO digest_optouts (email, created_at) VALUES ($1, $2) \
                 ON CONFLICT (email) DO NOTHING",
            )
            .bind(email.to_lowercase())
            .bind(Timestamp::now().as_millis())
            .execute(&mut *self.conn().await?)
            .await?;
        } else {
            sqlx::query("DELETE FROM digest_optouts WHERE email = $1")
                .bind(email.to_lowercase())
                .execute(&mut *self.conn().await?)
                .await?;
        }
        Ok(())
    }

    pub async fn opted_out(&self, email: &str) -> Result<bool> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT email FROM digest_optouts WHERE email = $1")
                .bind(email.to_lowercase())
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(found.is_some())
    }

    /// Claims the delivery of `department`'s digest for `period` to `subscription`.
    pub async fn claim_delivery(
        &self,
        department: &str,
        period: &str,
        subscription: i64,
    ) -> Result<Claim> {
        self.claim(
            Log::Departments,
            department,
            period,
            Recipient::Subscription(subscription),
        )
        .await
    }

    pub async fn delivery_sent(&self, id: i64) -> Result<()> {
        self.mark_sent(Log::Departments, id).await
    }

    /// Records a failure; `retry_at` is when it may be tried again (`None`: never).
    pub async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        self.mark_failed(Log::Departments, id, error, retry_at)
            .await
    }

    /// Claims the delivery of `account`'s sponsor digest for `period` to `email`.
    pub async fn claim_sponsor_digest(
        &self,
        account: &str,
        period: &str,
        email: &str,
    ) -> Result<Claim> {
        self.claim(Log::Sponsors, account, period, Recipient::Address(email))
            .await
    }

    pub async fn sponsor_digest_sent(&self, id: i64) -> Result<()> {
        self.mark_sent(Log::Sponsors, id).await
    }

    /// Records a sponsor digest's failure; `retry_at` as for [`Self::delivery_failed`].
    pub async fn sponsor_digest_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        self.mark_failed(Log::Sponsors, id, error, retry_at).await
    }

    /// Claims a delivery in `log`: the first caller inserts it; a failed one whose retry is due
    /// goes to the one caller whose update matches; anything else is [`Claim::Taken`].
    async fn claim(
        &self,
        log: Log,
        subject: &str,
        period: &str,
        recipient: Recipient<'_>,
    ) -> Result<Claim> {
        let (table, [a, b, c]) = (log.table(), log.keys());
        let now = Timestamp::now().as_millis();
        let bind = |sql: String| {
            let query = sqlx::query_as::<_, (i64, i64)>(AssertSqlSafe(sql))
                .bind(subject.to_owned())
                .bind(period.to_owned());
            match recipient {
                Recipient::Subscription(id) => query.bind(id),
                Recipient::Address(email) => query.bind(email.to_lowercase()),
            }
            .bind(now)
        };
        let inserted = bind(format!(
            "INSERT INTO {table} ({a}, {b}, {c}, status, attempts, created_at) \
             VALUES ($1, $2, $3, 'sending', 1, $4) \
             ON CONFLICT ({a}, {b}, {c}) DO NOTHING RETURNING id, attempts"
        ))
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        if let Some((id, attempt)) = inserted {
            return Ok(Claim::Won { id, attempt });
        }
        // A failed delivery whose retry is due: only one caller's UPDATE matches.
        let retried = bind(format!(
            "UPDATE {table} SET status = 'sending', attempts = attempts + 1 \
             WHERE {a} = $1 AND {b} = $2 AND {c} = $3 \
             AND status = 'failed' AND next_attempt_at IS NOT NULL AND next_attempt_at <= $4 \
             RETURNING id, attempts"
        ))
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        Ok(retried.map_or(Claim::Taken, |(id, attempt)| Claim::Won { id, attempt }))
    }

    async fn mark_sent(&self, log: Log, id: i64) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET status = 'sent', sent_at = $1, last_error = NULL, \
             next_attempt_at = NULL WHERE id = $2",
            log.table()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(Timestamp::now().as_millis())
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn mark_failed(
        &self,
        log: Log,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE {} SET status = 'failed', last_error = $1, next_attempt_at = $2 WHERE id = $3",
            log.table()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(error.to_owned())
            .bind(retry_at.map(Timestamp::as_millis))
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// The delivery log, newest first.
    pub async fn deliveries(&self, limit: u32) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT d.id, d.department, d.period, d.subscription_id, s.channel, s.target, \
             d.status, d.attempts, d.last_error, d.next_attempt_at, d.created_at, d.sent_at \
             FROM digest_deliveries d JOIN digest_subscriptions s ON s.id = d.subscription_id \
             ORDER BY d.id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(delivery).collect()
    }
}
