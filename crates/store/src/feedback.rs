//! Storing imported feedback records and the history of imports.
//!
//! An import is one transaction ([`ImportSession`]): its records and its row in `imports` become
//! visible together when it finishes, or not at all — a killed import leaves nothing behind and
//! can simply be run again. Records are inserted in multi-row statements that skip any record
//! whose (source, dedup key) is already stored, which is what makes re-imports idempotent.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row};
use throughline_domain::feedback::{Ces, Csat, NewFeedback, Nps, Rating, Scores, Texts};
use throughline_domain::{Key, Name, Timestamp, ValidationError};

use crate::{Backend, Result, Store, StoreError};

/// Rows per INSERT statement: 1000 rows × 17 parameters stays under both SQLite's (32,766)
/// and PostgreSQL's (65,535) limit on bound parameters, and large statements amortise the
/// per-statement cost (a round trip on PostgreSQL). The import pipeline hands records over in
/// batches of this size.
pub const INSERT_BATCH: usize = 1000;

const FEEDBACK_COLUMNS: &str = "source, dedup_key, external_id, import_id, received_at, customer, \
     channel, stage_key, touchpoint_key, nps, csat, ces, rating, comment, helpful, hindering, \
     metadata";
const FEEDBACK_PARAMS: usize = 17;

/// What an import is, recorded when it starts.
#[derive(Debug, Clone)]
pub struct ImportStart {
    pub source: Name,
    pub file_name: String,
    pub format: String,
    /// The column mapping used, as printed (`id=Response ID comment=Text …`).
    pub mapping: String,
    pub started_at: Timestamp,
}

/// The counts an import reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportTotals {
    pub rows_read: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub rejects_path: Option<String>,
}

/// A finished import, as listed in the import history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRecord {
    pub id: i64,
    pub source: String,
    pub file_name: String,
    pub format: String,
    pub mapping: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    #[serde(flatten)]
    pub totals: ImportTotals,
}

/// A record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFeedback {
    pub id: i64,
    pub import_id: Option<i64>,
    pub dedup_key: String,
    pub record: NewFeedback,
}

/// A record ready to be stored, with its dedup key (see
/// [`throughline_domain::feedback::dedup_key`]).
#[derive(Debug, Clone)]
pub struct KeyedFeedback {
    pub record: NewFeedback,
    pub dedup_key: String,
}

/// One import in progress: an open transaction. Dropping it without [`ImportSession::finish`]
/// rolls everything back.
#[derive(Debug)]
pub struct ImportSession {
    tx: crate::transaction::WriteTx,
    backend: Backend,
    id: i64,
    start: ImportStart,
    /// The session adds to an import row that exists (the API's calls of one hour).
    appending: bool,
    /// The highest record id before this session's records: they are the ones above it.
    records_after: i64,
}

impl Store {
    /// Starts an import. Nothing it writes is visible to others until it finishes.
    #[tracing::instrument(skip_all, fields(source = %start.source, file = %start.file_name))]
    pub async fn begin_import(&self, start: ImportStart) -> Result<ImportSession> {
        let tx = self.begin_write().await?;
        self.open_import(tx, start, None).await
    }

    /// Starts an import that joins the import of the same source and file name started in the
    /// same clock hour (UTC), if there is one: the API's calls — one import each, up to
    /// hundreds a second — are counted together, an import row per source and hour, rather
    /// than a row per call. The session's totals are added to the row's when it finishes.
    pub async fn begin_hourly_import(&self, start: ImportStart) -> Result<ImportSession> {
        const HOUR_MS: i64 = 3_600_000;
        let mut tx = self.begin_write().await?;
        let at = start.started_at.as_millis();
        let joined: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM imports WHERE source = $1 AND file_name = $2 AND started_at >= $3 \
             AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(start.source.as_str())
        .bind(&start.file_name)
        .bind(at - at.rem_euclid(HOUR_MS))
        .fetch_optional(&mut *tx)
        .await?;
        self.open_import(tx, start, joined).await
    }

    /// The session of an import in `tx`: a new import row, or the row `joined` added to.
    async fn open_import(
        &self,
        mut tx: crate::transaction::WriteTx,
        start: ImportStart,
        joined: Option<i64>,
    ) -> Result<ImportSession> {
        let id = match joined {
            Some(id) => id,
            None => {
                sqlx::query_scalar(
                    "INSERT INTO imports (source, file_name, format, mapping, started_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(start.source.as_str())
                .bind(&start.file_name)
                .bind(&start.format)
                .bind(&start.mapping)
                .bind(start.started_at.as_millis())
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let records_after = last_feedback_id(&mut tx).await?;
        Ok(ImportSession {
            tx,
            backend: self.backend,
            id,
            start,
            appending: joined.is_some(),
            records_after,
        })
    }

    /// How many feedback records are stored.
    pub async fn feedback_count(&self) -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM feedback")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Up to `limit` records with an id above `after_id`, in id order: page through all
    /// records by passing the last id seen.
    pub async fn feedback_after(&self, after_id: i64, limit: u32) -> Result<Vec<StoredFeedback>> {
        let rows = sqlx::query(
            "SELECT id, import_id, source, dedup_key, external_id, received_at, customer, channel, \
             stage_key, touchpoint_key, nps, csat, ces, rating, comment, helpful, hindering, \
             metadata FROM feedback WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(stored_feedback).collect()
    }

    /// Which of `ids` are stored feedback records.
    pub async fn existing_feedback_ids(&self, ids: &[i64]) -> Result<Vec<i64>> {
        let mut found = Vec::new();
        for id in ids {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM feedback WHERE id = $1")
                .bind(*id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
            found.extend(exists);
        }
        Ok(found)
    }

    /// Every finished import, newest first.
    /// Up to `limit` imports, newest first, older than the import `before` when given; and how
    /// many there are in all (the administration page pages through them).
    pub async fn imports_page(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> Result<(Vec<ImportRecord>, u64)> {
        let rows = sqlx::query(
            "SELECT id, source, file_name, format, mapping, started_at, finished_at, rows_read, \
             imported, duplicates, rejected, rejects_path FROM imports WHERE id < $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM imports")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok((
            rows.iter().map(import_record).collect::<Result<_>>()?,
            u64::try_from(total).unwrap_or(0),
        ))
    }

    pub async fn imports(&self) -> Result<Vec<ImportRecord>> {
        let rows = sqlx::query(
            "SELECT id, source, file_name, format, mapping, started_at, finished_at, rows_read, \
             imported, duplicates, rejected, rejects_path FROM imports ORDER BY id DESC",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(import_record).collect()
    }
}

/// The highest feedback id stored (0 when none), read in the import's transaction.
async fn last_feedback_id(tx: &mut crate::transaction::WriteTx) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM feedback")
            .fetch_one(&mut **tx)
            .await?
            .unwrap_or(0),
    )
}

impl ImportSession {
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The highest record id before this session's: its records are the ones of its import
    /// above it (an hourly import holds the records of earlier calls too).
    pub fn records_after(&self) -> i64 {
        self.records_after
    }

    /// Stores the records not stored before and returns how many were new; the others (already
    /// stored, or repeated within this import) are skipped.
    pub async fn insert(&mut self, records: &[KeyedFeedback]) -> Result<u64> {
        let mut inserted = 0;
        for chunk in records.chunks(INSERT_BATCH) {
            let sql = insert_statement(chunk.len(), self.backend);
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for KeyedFeedback { record, dedup_key } in chunk {
                query = bind_feedback(query, record, dedup_key, Some(self.id));
            }
            inserted += query.execute(&mut *self.tx).await?.rows_affected();
        }
        Ok(inserted)
    }

    /// Records the totals and commits: the import and its records become visible together.
    pub async fn finish(mut self, totals: ImportTotals) -> Result<ImportRecord> {
        let finished_at = Timestamp::now();
        let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        // An hourly import adds this session's totals to the row's.
        let sql = if self.appending {
            "UPDATE imports SET finished_at = $1, rows_read = rows_read + $2, \
             imported = imported + $3, duplicates = duplicates + $4, rejected = rejected + $5, \
             rejects_path = COALESCE($6, rejects_path) WHERE id = $7"
        } else {
            "UPDATE imports SET finished_at = $1, rows_read = $2, imported = $3, \
             duplicates = $4, rejected = $5, rejects_path = $6 WHERE id = $7"
        };
        sqlx::query(sql)
            .bind(finished_at.as_millis())
            .bind(signed(totals.rows_read))
            .bind(signed(totals.imported))
            .bind(signed(totals.duplicates))
            .bind(signed(totals.rejected))
            .bind(totals.rejects_path.as_deref())
            .bind(self.id)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(ImportRecord {
            id: self.id,
            source: self.start.source.as_str().to_owned(),
            file_name: self.start.file_name,
            format: self.start.format,
            mapping: self.start.mapping,
            started_at: self.start.started_at,
            finished_at: Some(finished_at),
            totals,
        })
    }
}

/// Binds one record's columns, in the order of `FEEDBACK_COLUMNS`; `import_id` is none for a
/// record that came by no import (a survey response).
pub(crate) fn bind_feedback<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    record: &'q NewFeedback,
    dedup_key: &'q str,
    import_id: Option<i64>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    let score = |value: Option<u8>| value.map(i64::from);
    query
        .bind(record.source.as_str())
        .bind(dedup_key)
        .bind(record.external_id.as_deref())
        .bind(import_id)
        .bind(record.received_at.as_millis())
        .bind(record.customer.as_deref())
        .bind(record.channel.as_deref())
        .bind(record.stage.as_ref().map(Key::as_str))
        .bind(record.touchpoint.as_ref().map(Key::as_str))
        .bind(score(record.scores.nps.map(Nps::value)))
        .bind(score(record.scores.csat.map(Csat::value)))
        .bind(score(record.scores.ces.map(Ces::value)))
        .bind(record.scores.rating.map(Rating::value))
        .bind(record.texts.comment.as_deref())
        .bind(record.texts.helpful.as_deref())
        .bind(record.texts.hindering.as_deref())
        .bind(metadata_json(&record.metadata))
}

/// `INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING` for `rows` feedback records; the same
/// text for the same row count, so the prepared statement is reused from sqlx's cache.
pub(crate) fn insert_statement(rows: usize, backend: Backend) -> String {
    values_statement(
        &format!("INSERT INTO feedback ({FEEDBACK_COLUMNS}) VALUES "),
        FEEDBACK_PARAMS,
        rows,
        backend,
        " ON CONFLICT (source, dedup_key) DO NOTHING",
    )
}

/// `prefix (…), (…) suffix` with `rows` groups of `columns` placeholders.
///
/// Placeholders are the one dialect difference: PostgreSQL numbers them (`$1`, `$2`, …);
/// SQLite gets anonymous `?`, because sqlx looks up each numbered SQLite parameter by name and
/// SQLite finds a name by scanning all of the statement's names (46× slower on large batches).
pub(crate) fn values_statement(
    prefix: &str,
    columns: usize,
    rows: usize,
    backend: Backend,
    suffix: &str,
) -> String {
    let mut sql = String::with_capacity(prefix.len() + suffix.len() + rows * columns * 5);
    sql.push_str(prefix);
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push(',');
            }
            n += 1;
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql.push_str(suffix);
    sql
}

fn metadata_json(metadata: &BTreeMap<String, String>) -> String {
    serde_json::to_string(metadata).expect("a map of strings always serialises")
}

fn import_record(row: &AnyRow) -> Result<ImportRecord> {
    let count = |column: &str| -> Result<u64> {
        Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
    };
    Ok(ImportRecord {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        file_name: row.try_get("file_name")?,
        format: row.try_get("format")?,
        mapping: row.try_get("mapping")?,
        started_at: Timestamp::from_millis(row.try_get("started_at")?),
        finished_at: row
            .try_get::<Option<i64>, _>("finished_at")?
            .map(Timestamp::from_millis),
        totals: ImportTotals {
            rows_read: count("rows_read")?,
            imported: count("imported")?,
            duplicates: count("duplicates")?,
            rejected: count("rejected")?,
            rejects_path: row.try_get("rejects_path")?,
        },
    })
}

/// A record's scores from its columns `nps`, `csat`, `ces` and `rating`, checked as the domain
/// checks them; `id` names the record in an error.
pub(crate) fn stored_scores(row: &AnyRow, id: i64) -> Result<Scores> {
    let bad = |what: &str, err: ValidationError| {
        StoreError::Inconsistent(format!("feedback {id}: {what}: {err}"))
    };
    let score = |column: &str| -> Result<Option<u8>> {
        let value: Option<i64> = row.try_get(column)?;
        value
            .map(|v| {
                u8::try_from(v).map_err(|_| {
                    StoreError::Inconsistent(format!("feedback {id}: {column} {v} out of range"))
                })
            })
            .transpose()
    };
    Ok(Scores {
        nps: score("nps")?
            .map(Nps::new)
            .transpose()
            .map_err(|e| bad("nps", e))?,
        csat: score("csat")?
            .map(Csat::new)
            .transpose()
            .map_err(|e| bad("csat", e))?,
        ces: score("ces")?
            .map(Ces::new)
            .transpose()
            .map_err(|e| bad("ces", e))?,
        rating: row
            .try_get::<Option<f64>, _>("rating")?
            .map(Rating::new)
            .transpose()
            .map_err(|e| bad("rating", e))?,
    })
}

fn stored_feedback(row: &AnyRow) -> Result<StoredFeedback> {
    let id: i64 = row.try_get("id")?;
    let bad = |what: &str, err: ValidationError| {
        StoreError::Inconsistent(format!("feedback {id}: {what}: {err}"))
    };
    let key = |column: &str| -> Result<Option<Key>> {
        let value: Option<String> = row.try_get(column)?;
        value
            .map(|v| Key::parse(&v).map_err(|e| bad(column, e)))
            .transpose()
    };
    let scores = stored_scores(row, id)?;
    let comment: Option<String> = row.try_get("comment")?;
    let helpful: Option<String> = row.try_get("helpful")?;
    let hindering: Option<String> = row.try_get("hindering")?;
    let texts = Texts::new(comment.as_deref(), helpful.as_deref(), hindering.as_deref())
        .map_err(|e| bad("text", e))?;
    let metadata: String = row.try_get("metadata")?;
    let metadata: BTreeMap<String, String> = serde_json::from_str(&metadata)
        .map_err(|e| StoreError::Inconsistent(format!("feedback {id}: metadata: {e}")))?;
    let source: String = row.try_get("source")?;
    let record = NewFeedback::new(
        Name::parse(&source).map_err(|e| bad("source", e))?,
        row.try_get("external_id")?,
        Timestamp::from_millis(row.try_get("received_at")?),
        row.try_get("customer")?,
        row.try_get("channel")?,
        (key("stage_key")?, key("touchpoint_key")?),
        scores,
        texts,
        metadata,
    )
    .map_err(|e| bad("record", e))?;
    Ok(StoredFeedback {
        id,
        import_id: row.try_get("import_id")?,
        dedup_key: row.try_get("dedup_key")?,
        record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_statements_number_every_parameter() {
        let sql = insert_statement(2, Backend::Postgres);
        assert!(sql.contains("($1,$2,"), "{sql}");
        assert!(sql.contains(",$34)"), "{sql}");
        assert!(!sql.contains("$35"));
        assert!(sql.ends_with("ON CONFLICT (source, dedup_key) DO NOTHING"));
        let sql = insert_statement(2, Backend::Sqlite);
        assert_eq!(sql.matches('?').count(), 34);
        assert!(!sql.contains('$'));
    }
}
