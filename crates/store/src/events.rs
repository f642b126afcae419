//! Customer events beyond feedback: orders, deliveries, contacts, renewals — whatever a company
//! exports with a customer, a kind and a date. Moments of truth are detected over them
//! ("the 100th order"); feedback records are the customer's `contact` events and are not
//! stored here twice.
//!
//! An events import is one transaction: all its new events or none. Each event has a dedup key
//! (from the file: its id column, or the customer, kind, date and how many times that triple
//! occurred before it in the file), so importing the same file again adds nothing.

use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use throughline_domain::feedback::Scores;
use throughline_domain::{Key, Timestamp};

use crate::feedback::{stored_scores, values_statement};
use crate::{Result, Store};

/// Which scores the records carry at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScoresPresent {
    pub nps: bool,
    pub csat: bool,
    pub rating: bool,
}

/// One event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub customer: String,
    pub kind: Key,
    pub occurred_at: Timestamp,
    /// Unique per event within the file's source; re-imports skip what is stored.
    pub dedup_key: String,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    pub customer: String,
    pub kind: String,
    pub occurred_at: Timestamp,
}

/// How many events of one kind, from how many customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventKindCount {
    pub kind: String,
    pub events: u64,
    pub customers: u64,
}

/// The kind of event every feedback record is.
pub const CONTACT: &str = "contact";

/// A customer's feedback record as a contact event: when, its scores, and the stage it sits on
/// (where the analysis placed it, else the stage the record came with) — what moments of truth
/// read of every record, without its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub customer: String,
    /// Milliseconds since 1970-01-01 UTC.
    pub at: i64,
    pub scores: Scores,
    pub stage: Option<String>,
}

/// Rows per INSERT: 5 parameters each, far below both backends' limits.
const EVENT_BATCH: usize = 2000;

impl Store {
    /// Stores the events not stored before, in one transaction; returns how many were new.
    pub async fn insert_events(&self, source: &str, events: &[NewEvent]) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let mut inserted = 0;
        for chunk in events.chunks(EVENT_BATCH) {
            let sql = values_statement(
                "INSERT INTO customer_events (source, dedup_key, customer, kind, occurred_at) \
                 VALUES ",
                5,
                chunk.len(),
                self.backend,
                " ON CONFLICT (source, dedup_key) DO NOTHING",
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for event in chunk {
                query = query
                    .bind(source)
                    .bind(event.dedup_key.as_str())
                    .bind(event.customer.as_str())
                    .bind(event.kind.as_str())
                    .bind(event.occurred_at.as_millis());
            }
            inserted += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Every stored event of `kind`, by customer and time.
    pub async fn events_of_kind(&self, kind: &str) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT customer, kind, occurred_at FROM customer_events WHERE kind = $1 \
             ORDER BY customer, occurred_at",
        )
        .bind(kind)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredEvent {
                    customer: row.try_get("customer")?,
                    kind: row.try_get("kind")?,
                    occurred_at: Timestamp::from_millis(row.try_get("occurred_at")?),
                })
            })
            .collect()
    }

    /// When each of `customers` had an event of `kind` — and, for `contact`, wrote feedback
    /// too (feedback records are contact events) — by customer and time.
    pub async fn history_of(&self, customers: &[String], kind: &str) -> Result<Vec<(String, i64)>> {
        if customers.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (2..customers.len() + 2).map(|i| format!("${i}")).collect();
        let list = list.join(", ");
        let mut sql = format!(
            "SELECT customer, occurred_at AS at FROM customer_events \
             WHERE kind = $1 AND customer IN ({list})"
        );
        if kind == CONTACT {
            sql.push_str(&format!(
                " UNION ALL SELECT customer, received_at AS at FROM feedback \
                 WHERE customer IN ({list})"
            ));
        }
        sql.push_str(" ORDER BY customer, at");
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(kind.to_owned());
        for c in customers {
            query = query.bind(c.clone());
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|row| Ok((row.try_get("customer")?, row.try_get("at")?)))
            .collect()
    }

    /// Every feedback record that names its customer, as a [`Contact`], in the order they were
    /// stored: the scores and a stage per record instead of whole records with their texts (a
    /// million records: seconds, not half a minute).
    pub async fn customer_contacts(&self) -> Result<Vec<Contact>> {
        let rows = sqlx::query(
            "SELECT f.id, f.customer, f.received_at, f.nps, f.csat, f.ces, f.rating, \
             COALESCE(a.stage_key, f.stage_key) AS stage FROM feedback f \
             LEFT JOIN feedback_analysis a ON a.feedback_id = f.id \
             WHERE f.customer IS NOT NULL AND f.customer <> '' ORDER BY f.id",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Contact {
                    customer: row.try_get("customer")?,
                    at: row.try_get("received_at")?,
                    scores: stored_scores(row, row.try_get("id")?)?,
                    stage: row.try_get("stage")?,
                })
            })
            .collect()
    }

    /// Whether any record, with a customer or not, carries an NPS, a CSAT or a rating answer.
    pub async fn scores_present(&self) -> Result<ScoresPresent> {
        let row = sqlx::query(
            "SELECT \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM feedback WHERE nps IS NOT NULL) \
                  THEN 1 ELSE 0 END AS BIGINT) AS nps, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM feedback WHERE csat IS NOT NULL) \
                  THEN 1 ELSE 0 END AS BIGINT) AS csat, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM feedback WHERE rating IS NOT NULL) \
                  THEN 1 ELSE 0 END AS BIGINT) AS rating",
        )
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let present = |column: &str| -> Result<bool> { Ok(row.try_get::<i64, _>(column)? == 1) };
        Ok(ScoresPresent {
            nps: present("nps")?,
            csat: present("csat")?,
            rating: present("rating")?,
        })
    }

    /// The kinds of events stored, with their counts, most frequent first.
    pub async fn event_kinds(&self) -> Result<Vec<EventKindCount>> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS events, COUNT(DISTINCT customer) AS customers \
             FROM customer_events GROUP BY kind ORDER BY COUNT(*) DESC, kind",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let events: i64 = row.try_get("events")?;
                let customers: i64 = row.try_get("customers")?;
                Ok(EventKindCount {
                    kind: row.try_get("kind")?,
                    events: u64::try_from(events).unwrap_or(0),
                    customers: u64::try_from(customers).unwrap_or(0),
                })
            })
            .collect()
    }
}
