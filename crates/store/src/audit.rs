//! The audit log read back: the latest entries, or those a filter picks (who, what, when), a
//! page at a time, newest first. Lines are written by the changes themselves, in their own
//! transactions (`accounts::write_audit`).

use sqlx::Row;
use sqlx::any::AnyRow;
use throughline_domain::Timestamp;

use crate::{AuditEntry, Result, Store, StoreError};

/// Which audit entries to read; every field narrows, none set reads all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Who made the change: part of their e-mail, or `cli:` and an account (any case).
    pub actor: Option<String>,
    /// What: one action (`theme.rename`) or a family of them (`theme`).
    pub action: Option<String>,
    /// From this moment on, and before this one.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// `text` for a `LIKE … ESCAPE '\'` pattern: its `%`, `_` and `\` match only themselves.
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

const WHERE: &str = "WHERE ($1 IS NULL OR lower(actor) LIKE $1 ESCAPE '\\') \
     AND ($2 IS NULL OR action = $2 OR action LIKE $3 ESCAPE '\\') \
     AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5)";

/// The filter's values for [`WHERE`]'s parameters `$1` to `$5`.
struct Bound {
    actor: Option<String>,
    action: Option<String>,
    family: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
}

fn bound(filter: &AuditFilter) -> Bound {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let action = given(&filter.action);
    Bound {
        actor: given(&filter.actor).map(|a| format!("%{}%", like_literal(&a.to_lowercase()))),
        family: action.as_deref().map(|a| format!("{}.%", like_literal(a))),
        action,
        from: filter.from.map(Timestamp::as_millis),
        to: filter.to.map(Timestamp::as_millis),
    }
}

fn entry(r: &AnyRow) -> Result<AuditEntry> {
    let id: i64 = r.try_get("id")?;
    let json = |c: &str| -> Result<Option<serde_json::Value>> {
        r.try_get::<Option<String>, _>(c)?
            .map(|t| {
                serde_json::from_str(&t)
                    .map_err(|e| StoreError::Inconsistent(format!("audit entry {id}: {c}: {e}")))
            })
            .transpose()
    };
    Ok(AuditEntry {
        id,
        at: Timestamp::from_millis(r.try_get("at")?),
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        before: json("before_value")?,
        after: json("after_value")?,
    })
}

impl Store {
    /// The latest `limit` audit entries, newest first.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        self.audit_entries(&AuditFilter::default(), None, limit)
            .await
    }

    /// Up to `limit` entries `filter` picks, newest first, older than entry `before` when given
    /// (the next page).
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        let Bound {
            actor,
            action,
            family,
            from,
            to,
        } = bound(filter);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, at, actor, action, subject, before_value, after_value FROM audit_log \
             {WHERE} AND ($6 IS NULL OR id < $6) ORDER BY id DESC LIMIT $7"
        )))
        .bind(actor)
        .bind(action)
        .bind(family)
        .bind(from)
        .bind(to)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(entry).collect()
    }

    /// How many entries `filter` picks.
    pub async fn count_audit(&self, filter: &AuditFilter) -> Result<u64> {
        let Bound {
            actor,
            action,
            family,
            from,
            to,
        } = bound(filter);
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM audit_log {WHERE}"
        )))
        .bind(actor)
        .bind(action)
        .bind(family)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Every action the log holds, in order (for a filter's choices).
    pub async fn audit_actions(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT action FROM audit_log ORDER BY action")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("action")?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::like_literal;

    #[test]
    fn typed_wildcards_match_only_themselves() {
        assert_eq!(like_literal("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(like_literal("amara@northwind"), "amara@northwind");
    }
}
