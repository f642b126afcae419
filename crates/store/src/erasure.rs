//! Erasing a customer on request: their feedback (with its analysis), their customer events,
//! and their words wherever a closed meeting's agenda quoted them — in one transaction.

use sqlx::Row;

use crate::{Result, Store};

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erasure {
    pub records: u64,
    pub events: u64,
    /// Closed meetings whose kept agenda quoted the customer.
    pub agendas: u64,
}

/// How an erased customer is remembered: the SHA-256 of their id (trimmed), as hex.
pub fn customer_hash(customer: &str) -> String {
    use sha2::Digest;
    crate::backup::hex(&sha2::Sha256::digest(customer.trim().as_bytes()))
}

/// How the audit log names an erased customer: `customer sha256:` and the first 16 hex digits
/// of the SHA-256 of their id — never the id, yet an auditor who holds it can find the entry.
pub fn audit_subject(customer: &str) -> String {
    format!("customer sha256:{}", &customer_hash(customer)[..16])
}

/// What replaces a customer's words in a kept agenda.
pub const ERASED: &str = "[removed at the customer's request]";

/// Replaces every string in `value` that contains one of `texts` with [`ERASED`]; whether any
/// was replaced.
fn scrub(value: &mut serde_json::Value, texts: &[String]) -> bool {
    match value {
        serde_json::Value::String(s) => {
            let found = texts.iter().any(|t| s.contains(t.as_str()));
            if found {
                *s = ERASED.to_owned();
            }
            found
        }
        // Every item is scrubbed (no stopping at the first found).
        serde_json::Value::Array(items) => {
            let mut found = false;
            for item in items {
                found |= scrub(item, texts);
            }
            found
        }
        serde_json::Value::Object(map) => {
            let mut found = false;
            for item in map.values_mut() {
                found |= scrub(item, texts);
            }
            found
        }
        _ => false,
    }
}

impl Store {
    /// Erases everything stored of the customer `customer` (their id as imported), and writes
    /// the erasure to the audit log as `actor` in the same transaction.
    pub async fn erase_customer(&self, customer: &str, actor: &str) -> Result<Erasure> {
        let mut tx = self.begin_write().await?;
        let rows =
            sqlx::query("SELECT comment, helpful, hindering FROM feedback WHERE customer = $1")
                .bind(customer)
                .fetch_all(&mut *tx)
                .await?;
        let mut texts = Vec::new();
        for row in &rows {
            for column in ["comment", "helpful", "hindering"] {
                if let Some(text) = row.try_get::<Option<String>, _>(column)? {
                    // A quote is the text or a part of it: its sentences are looked for too.
                    for piece in
                        std::iter::once(text.as_str()).chain(text.split(['.', '!', '?', '\n']))
                    {
                        let piece = piece.trim();
                        if piece.chars().count() >= 12 {
                            texts.push(piece.to_owned());
                        }
                    }
                }
            }
        }
        let records = sqlx::query("DELETE FROM feedback WHERE customer = $1")
            .bind(customer)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let events = sqlx::query("DELETE FROM customer_events WHERE customer = $1")
            .bind(customer)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Survey invitations hold the customer's e-mail address: they go too (an opt-out stays,
        // kept only as a hash).
        // Follow-up cases name the customer; their records are gone above (and with them the
        // cases, by the foreign key), and any case left is removed here all the same.
        sqlx::query("DELETE FROM follow_up_cases WHERE customer = $1")
            .bind(customer)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM survey_invitations WHERE customer = $1")
            .bind(customer)
            .execute(&mut *tx)
            .await?;
        let mut agendas = 0;
        if !texts.is_empty() {
            let meetings = sqlx::query("SELECT id, agenda FROM meetings WHERE agenda IS NOT NULL")
                .fetch_all(&mut *tx)
                .await?;
            for meeting in &meetings {
                let id: i64 = meeting.try_get("id")?;
                let text: String = meeting.try_get("agenda")?;
                let Ok(mut agenda) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                if scrub(&mut agenda, &texts) {
                    sqlx::query("UPDATE meetings SET agenda = $1 WHERE id = $2")
                        .bind(agenda.to_string())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    agendas += 1;
                }
            }
        }
        // Remembered (as a hash), so that importing the original export again does not bring
        // them back.
        sqlx::query(
            "INSERT INTO erased_customers (customer_hash, erased_at) VALUES ($1, $2) \
             ON CONFLICT (customer_hash) DO NOTHING",
        )
        .bind(customer_hash(customer))
        .bind(throughline_domain::Timestamp::now().as_millis())
        .execute(&mut *tx)
        .await?;
        let erased = Erasure {
            records,
            events,
            agendas,
        };
        let counts = serde_json::to_value(&erased).expect("counts serialise");
        crate::accounts::write_audit(
            &mut tx,
            &crate::AuditLine {
                actor,
                action: "customer.erase",
                subject: &audit_subject(customer),
                before: None,
                after: Some(&counts),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(erased)
    }
}

impl Store {
    /// The hashes of the customers erased on request (see [`customer_hash`]).
    pub async fn erased_customers(&self) -> Result<std::collections::HashSet<String>> {
        Ok(
            sqlx::query_scalar::<_, String>("SELECT customer_hash FROM erased_customers")
                .fetch_all(&mut *self.conn().await?)
                .await?
                .into_iter()
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_of_the_customer_are_replaced_wherever_they_sit() {
        let mut agenda = serde_json::json!({
            "items": [{"verbatims": ["The van driver Zebediah was rude to me", "Fine service"]}],
            "title": "Weekly council"
        });
        let texts = vec!["The van driver Zebediah was rude to me".to_owned()];
        assert!(scrub(&mut agenda, &texts));
        assert_eq!(agenda["items"][0]["verbatims"][0], ERASED);
        assert_eq!(agenda["items"][0]["verbatims"][1], "Fine service");
        assert!(!scrub(&mut agenda, &texts));
    }
}
