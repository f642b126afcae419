//! Backup and restore: every table's rows to a file and back, across backends.
//!
//! The file is JSON Lines, versioned ([`FORMAT_VERSION`]):
//!
//! ```text
//! {"throughline_backup":1,"schema":17,"created_at":1764979200000,"backend":"sqlite"}
//! {"table":"organisation","columns":["id","name",…]}
//! [1,"Northwind Home",…]                      one JSON array per row, in the columns' order
//! {"end":"organisation","rows":1,"sha256":"…"}  the count and SHA-256 of the table's row lines
//! …                                            every table, parents before children
//! {"complete":true,"tables":44,"rows":123456}
//! ```
//!
//! Integers and floats are JSON numbers (a float that is not finite is the string "NaN",
//! "Infinity" or "-Infinity"), texts JSON strings, blobs lowercase hex strings, NULL null. A
//! backup reads every table inside one read transaction — a consistent snapshot (SQLite's WAL
//! snapshot, PostgreSQL's `REPEATABLE READ`) taken while the server runs and imports continue.
//! A restore checks each table's count and checksum as it reads, refuses a file that stops
//! before its last line, writes everything in one transaction (nothing on failure), reads every
//! table back to check the counts and checksums again, and on PostgreSQL moves the id sequences
//! past the restored ids.

use std::io::{BufRead, Write};

use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};

use crate::{Backend, Result, Store, StoreError};

/// The version of the file format this build writes and reads.
pub const FORMAT_VERSION: i64 = 1;

/// Every table, parents before children (the order the migrations create them in), so that a
/// restore never inserts a row before the row it refers to. A backup refuses a database with a
/// table missing here.
pub const TABLES: &[&str] = &[
    "organisation",
    "departments",
    "department_champions",
    "department_cx_managers",
    "stages",
    "stage_vocabulary",
    "touchpoints",
    "touchpoint_departments",
    "moments_of_truth",
    "councils",
    "council_members",
    "metric_definitions",
    "imports",
    "feedback",
    "codebooks",
    "themes",
    "feedback_analysis",
    "feedback_themes",
    "analysis_runs",
    "root_causes",
    "initiatives",
    "tasks",
    "initiative_reviews",
    "kpi_values",
    "users",
    "sessions",
    "api_tokens",
    "audit_log",
    "login_attempts",
    "meetings",
    "meeting_decisions",
    "council_actions",
    "meeting_topics",
    "assessments",
    "assessment_responses",
    "digest_subscriptions",
    "digest_optouts",
    "digest_deliveries",
    "sponsor_digest_deliveries",
    "moment_metrics",
    "customer_events",
    "organisation_versions",
    "organisation_proposals",
    "wall_links",
    "key_accounts",
    "account_reviews",
    "erased_customers",
    "retention_policy",
    "surveys",
    "survey_invitations",
    "survey_opt_outs",
    "survey_quarantine",
    "instance_keys",
    "follow_up_rules",
    "follow_up_cases",
    "follow_up_notes",
    "survey_definitions",
    "password_resets",
    "survey_answer_counts",
    "jobs",
];

/// Columns that refer to rows of their own table (a theme merged into a later theme): restored
/// empty first and filled in once every row of the table is there.
const SELF_REFERENCES: &[(&str, &[&str])] =
    &[("themes", &["merged_into", "split_from", "parent_id"])];

/// What a column holds, from its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Float,
    Text,
    Bytes,
}

impl Kind {
    fn of(declared: &str) -> Self {
        let declared = declared.to_ascii_uppercase();
        if declared.contains("INT") {
            Self::Integer
        } else if ["REAL", "DOUBLE", "FLOAT", "NUMERIC"]
            .iter()
            .any(|t| declared.contains(t))
        {
            Self::Float
        } else if declared.contains("BLOB") || declared.contains("BYTEA") {
            Self::Bytes
        } else {
            Self::Text
        }
    }
}

/// One table's count and checksum, as written and as checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableSum {
    pub table: String,
    pub rows: u64,
    pub sha256: String,
}

/// What a backup wrote or a restore read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupSummary {
    pub schema: i64,
    pub backend: String,
    pub tables: Vec<TableSum>,
}

impl BackupSummary {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

fn corrupt(line: u64, what: impl std::fmt::Display) -> StoreError {
    StoreError::Backup(format!("the backup file, line {line}: {what}"))
}

/// The file's lines, counted. Every line a backup writes ends with a newline: one without is
/// where the file was cut off.
struct Lines<R> {
    input: R,
    number: u64,
}

impl<R: BufRead> Lines<R> {
    fn next(&mut self) -> Result<Option<(u64, String)>> {
        let mut line = String::new();
        if self.input.read_line(&mut line).map_err(io)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        if line.pop() != Some('\n') {
            return Err(corrupt(
                self.number,
                "the file stops part-way through this line: it was cut off",
            ));
        }
        if line.ends_with('\r') {
            line.pop();
        }
        Ok(Some((self.number, line)))
    }
}

fn io(err: std::io::Error) -> StoreError {
    StoreError::Database(format!("cannot read or write the backup file: {err}"))
}

/// Bytes as lowercase hex (blobs in the file; hashes elsewhere in the store).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (text.len().is_multiple_of(2))
        .then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

/// A row's value as the file holds it.
fn encode(row: &sqlx::any::AnyRow, index: usize, kind: Kind) -> Result<serde_json::Value> {
    use serde_json::Value;
    Ok(match kind {
        Kind::Integer => row
            .try_get::<Option<i64>, _>(index)?
            .map_or(Value::Null, Value::from),
        Kind::Float => match row.try_get::<Option<f64>, _>(index)? {
            None => Value::Null,
            Some(f) if f.is_finite() => Value::from(f),
            Some(f) if f.is_nan() => Value::from("NaN"),
            Some(f) if f > 0.0 => Value::from("Infinity"),
            Some(_) => Value::from("-Infinity"),
        },
        Kind::Text => row
            .try_get::<Option<String>, _>(index)?
            .map_or(Value::Null, Value::from),
        Kind::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(index)?
            .map_or(Value::Null, |b| Value::from(hex(&b))),
    })
}

/// A table's columns and what each holds, as this database declares them.
async fn columns_of(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, Kind)>> {
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&mut *conn)
                .await?
        }
        Backend::Postgres => {
            sqlx::query(
                "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS type \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    rows.iter()
        .map(|r| {
            let name: String = r.try_get("name")?;
            let declared: String = r.try_get("type")?;
            Ok((name, Kind::of(&declared)))
        })
        .collect()
}

/// The newest migration the database has applied.
async fn schema_version(conn: &mut sqlx::AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Reads a table's rows in id order (or in column order when it has no id) and hands each row
/// line to `line`; returns its count and checksum.
async fn read_table(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[(String, Kind)],
    mut line: impl FnMut(&str) -> Result<()>,
) -> Result<TableSum> {
    use futures_util::TryStreamExt;
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let order = if names.contains(&"id") {
        "id".to_owned()
    } else {
        names.join(", ")
    };
    let sql = format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "));
    let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *conn);
    let mut hasher = Sha256::new();
    let mut count = 0u64;
    while let Some(row) = rows.try_next().await? {
        let values = columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| encode(&row, i, *kind))
            .collect::<Result<Vec<_>>>()?;
        let text = serde_json::Value::Array(values).to_string();
        hasher.update(text.as_bytes());
        hasher.update(b"\n");
        count += 1;
        line(&text)?;
    }
    Ok(TableSum {
        table: table.to_owned(),
        rows: count,
        sha256: hex(&hasher.finalize()),
    })
}

impl Store {
    /// Writes every table to `out` from one consistent snapshot, while the server runs and
    /// imports continue.
    pub async fn backup(&self, out: &mut impl Write) -> Result<BackupSummary> {
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        let schema = schema_version(&mut tx).await?;
        // A table a later migration adds must be added to TABLES too, or backups would miss it
        // (the migrations' own bookkeeping is the schema's, not the data's).
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT IN ('_sqlx_migrations', 'schema_compat')"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND table_name NOT IN ('_sqlx_migrations', 'schema_compat')"
            }
        };
        let present: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut *tx).await?;
        if let Some(unknown) = present.iter().find(|t| !TABLES.contains(&t.as_str())) {
            return Err(StoreError::Backup(format!(
                "the table {unknown} is not known to the backup (backup::TABLES): nothing was \
                 written"
            )));
        }
        let header = serde_json::json!({
            "throughline_backup": FORMAT_VERSION,
            "schema": schema,
            "created_at": throughline_domain::Timestamp::now().as_millis(),
            "backend": self.backend.as_str(),
        });
        writeln!(out, "{header}").map_err(io)?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let columns = columns_of(&mut tx, self.backend, table).await?;
            if columns.is_empty() {
                return Err(StoreError::Inconsistent(format!(
                    "the table {table} is missing from the database"
                )));
            }
            let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
            writeln!(
                out,
                "{}",
                serde_json::json!({ "table": table, "columns": names })
            )
            .map_err(io)?;
            let sum = read_table(&mut tx, table, &columns, |line| {
                writeln!(out, "{line}").map_err(io)
            })
            .await?;
            writeln!(
                out,
                "{}",
                serde_json::json!({ "end": table, "rows": sum.rows, "sha256": sum.sha256 })
            )
            .map_err(io)?;
            tables.push(sum);
        }
        let total: u64 = tables.iter().map(|t| t.rows).sum();
        writeln!(
            out,
            "{}",
            serde_json::json!({ "complete": true, "tables": tables.len(), "rows": total })
        )
        .map_err(io)?;
        out.flush().map_err(io)?;
        tx.commit().await?;
        Ok(BackupSummary {
            schema,
            backend: self.backend.as_str().to_owned(),
            tables,
        })
    }

    /// Restores a backup into this database. It must be empty (no rows in any table) unless
    /// `force`, which deletes every row first. All in one transaction: on any error nothing has
    /// changed. The file's schema may be older than this build's (columns added since take
    /// their defaults), never newer.
    ///
    /// The restore is written to the audit log (`backup.restore`, as `actor`, the subject
    /// `file`) in the same transaction.
    pub async fn restore(
        &self,
        input: impl BufRead,
        force: bool,
        actor: &str,
        file: &str,
    ) -> Result<BackupSummary> {
        let mut tx = self.begin_write().await?;
        let schema_here = schema_version(&mut tx).await?;
        if !force {
            for table in TABLES {
                let any: Option<i64> =
                    sqlx::query_scalar(AssertSqlSafe(format!("SELECT 1 FROM {table} LIMIT 1")))
                        .fetch_optional(&mut *tx)
                        .await?;
                if any.is_some() {
                    return Err(StoreError::Backup(format!(
                        "the database is not empty (the table {table} has rows): restore into an \
                         empty database, or give --force to replace everything in it"
                    )));
                }
            }
        }
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA defer_foreign_keys = ON")
                .execute(&mut *tx)
                .await?;
        }
        for table in TABLES.iter().rev() {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await?;
        }

        let mut lines = Lines { input, number: 0 };
        let Some((_, first)) = lines.next()? else {
            return Err(corrupt(1, "the file is empty"));
        };
        let header: serde_json::Value = serde_json::from_str(&first)
            .map_err(|_| corrupt(1, "not a Throughline backup (the first line is not JSON)"))?;
        if header["throughline_backup"].as_i64() != Some(FORMAT_VERSION) {
            return Err(corrupt(
                1,
                format!(
                    "not a Throughline backup of format {FORMAT_VERSION} (the first line is {first:.80})"
                ),
            ));
        }
        let schema = header["schema"].as_i64().unwrap_or(0);
        if schema > schema_here {
            return Err(StoreError::Backup(format!(
                "the backup was taken at schema version {schema}, newer than this build's \
                 {schema_here}: restore it with that version of Throughline or a later one"
            )));
        }
        let mut tables = Vec::new();
        loop {
            let Some((at, line)) = lines.next()? else {
                return Err(corrupt(
                    lines.number,
                    "the file stops before its last line: it was cut off",
                ));
            };
            let value: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| corrupt(at, e))?;
            if value["complete"] == true {
                if value["tables"].as_u64() != Some(tables.len() as u64) {
                    return Err(corrupt(at, "the number of tables does not match"));
                }
                break;
            }
            let Some(table) = value["table"].as_str().map(str::to_owned) else {
                return Err(corrupt(at, "expected a table's opening line"));
            };
            if !TABLES.contains(&table.as_str()) {
                return Err(corrupt(at, format!("unknown table {table:?}")));
            }
            let file_columns: Vec<String> = value["columns"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|n| n.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let here = columns_of(&mut tx, self.backend, &table).await?;
            let kinds = file_columns
                .iter()
                .map(|name| {
                    here.iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, k)| *k)
                        .ok_or_else(|| {
                            corrupt(at, format!("the table {table} has no column {name:?} here"))
                        })
                })
                .collect::<Result<Vec<Kind>>>()?;
            let deferred: Vec<usize> = SELF_REFERENCES
                .iter()
                .filter(|(t, _)| *t == table)
                .flat_map(|(_, cols)| cols.iter())
                .filter_map(|c| file_columns.iter().position(|n| n == c))
                .collect();
            let mut writer = TableWriter::new(self.backend, &table, &file_columns, &kinds);
            let mut hasher = Sha256::new();
            let mut count = 0u64;
            let mut later: Vec<(serde_json::Value, Vec<serde_json::Value>)> = Vec::new();
            loop {
                let Some((at, line)) = lines.next()? else {
                    return Err(corrupt(
                        lines.number,
                        format!("the file stops inside the table {table}: it was cut off"),
                    ));
                };
                if line.starts_with('{') {
                    let end: serde_json::Value =
                        serde_json::from_str(&line).map_err(|e| corrupt(at, e))?;
                    let sum = hex(&hasher.finalize_reset());
                    if end["end"].as_str() != Some(table.as_str())
                        || end["rows"].as_u64() != Some(count)
                        || end["sha256"].as_str() != Some(sum.as_str())
                    {
                        return Err(corrupt(
                            at,
                            format!(
                                "the table {table} does not match its count and checksum \
                                 ({count} rows read): the file was changed or damaged"
                            ),
                        ));
                    }
                    tables.push(TableSum {
                        table: table.clone(),
                        rows: count,
                        sha256: sum,
                    });
                    break;
                }
                hasher.update(line.as_bytes());
                hasher.update(b"\n");
                count += 1;
                let mut row: Vec<serde_json::Value> =
                    serde_json::from_str(&line).map_err(|e| corrupt(at, e))?;
                if row.len() != file_columns.len() {
                    return Err(corrupt(
                        at,
                        format!("a row of {table} has {} values", row.len()),
                    ));
                }
                if !deferred.is_empty() {
                    let refs = deferred
                        .iter()
                        .map(|&i| std::mem::replace(&mut row[i], serde_json::Value::Null))
                        .collect();
                    later.push((row[0].clone(), refs));
                }
                writer.push(row, at)?;
                if writer.is_full() {
                    writer.flush(&mut tx).await?;
                }
            }
            writer.flush(&mut tx).await?;
            for (id, refs) in later {
                if refs.iter().all(serde_json::Value::is_null) {
                    continue;
                }
                let sets: Vec<String> = deferred
                    .iter()
                    .enumerate()
                    .map(|(n, &i)| format!("{} = ${}", file_columns[i], n + 1))
                    .collect();
                let sql = format!(
                    "UPDATE {table} SET {} WHERE {} = ${}",
                    sets.join(", "),
                    file_columns[0],
                    deferred.len() + 1
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for value in refs {
                    query = query.bind(value.as_i64());
                }
                query.bind(id.as_i64()).execute(&mut *tx).await?;
            }
        }
        // Read back: what is stored is what the file holds.
        for sum in &tables {
            let columns = columns_of(&mut tx, self.backend, &sum.table).await?;
            let stored = read_table(&mut tx, &sum.table, &columns, |_| Ok(())).await?;
            if stored.rows != sum.rows {
                return Err(StoreError::Inconsistent(format!(
                    "the table {} holds {} rows after the restore, the backup {}",
                    sum.table, stored.rows, sum.rows
                )));
            }
        }
        if self.backend == Backend::Postgres {
            for table in TABLES {
                let has_id = columns_of(&mut tx, self.backend, table)
                    .await?
                    .iter()
                    .any(|(n, _)| n == "id");
                if has_id {
                    sqlx::query(AssertSqlSafe(format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )))
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        let summary = BackupSummary {
            schema,
            backend: header["backend"].as_str().unwrap_or_default().to_owned(),
            tables,
        };
        let after = serde_json::json!({
            "rows": summary.rows(),
            "tables": summary.tables.len(),
            "schema": summary.schema,
            "from": summary.backend,
            "force": force,
        });
        crate::accounts::write_audit(
            &mut tx,
            &crate::AuditLine {
                actor,
                action: "backup.restore",
                subject: file,
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }
}

/// Rows of one table gathered into multi-row INSERTs.
struct TableWriter<'a> {
    backend: Backend,
    table: &'a str,
    columns: &'a [String],
    kinds: &'a [Kind],
    rows: Vec<(u64, Vec<serde_json::Value>)>,
}

impl<'a> TableWriter<'a> {
    fn new(backend: Backend, table: &'a str, columns: &'a [String], kinds: &'a [Kind]) -> Self {
        Self {
            backend,
            table,
            columns,
            kinds,
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<serde_json::Value>, line: u64) -> Result<()> {
        for (value, kind) in row.iter().zip(self.kinds) {
            let fits = match (value, kind) {
                (serde_json::Value::Null, _) => true,
                (v, Kind::Integer) => v.as_i64().is_some(),
                (v, Kind::Float) => v.is_number() || v.is_string(),
                (v, Kind::Text) => v.is_string(),
                (v, Kind::Bytes) => v.as_str().and_then(unhex).is_some(),
            };
            if !fits {
                return Err(corrupt(
                    line,
                    format!("a value of {} does not fit its column", self.table),
                ));
            }
        }
        self.rows.push((line, row));
        Ok(())
    }

    /// Bound parameters per statement stay well under both backends' limits.
    fn is_full(&self) -> bool {
        (self.rows.len() + 1) * self.columns.len().max(1) > 8_000
    }

    async fn flush(&mut self, tx: &mut sqlx::AnyConnection) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let width = self.columns.len();
        let placeholders: Vec<String> = (0..self.rows.len())
            .map(|r| {
                let cells: Vec<String> = (0..width)
                    .map(|c| {
                        let n = r * width + c + 1;
                        match (self.backend, self.kinds[c]) {
                            // A NULL parameter has no type of its own on PostgreSQL.
                            (Backend::Postgres, Kind::Integer) => format!("CAST(${n} AS BIGINT)"),
                            (Backend::Postgres, Kind::Float) => {
                                format!("CAST(${n} AS DOUBLE PRECISION)")
                            }
                            (Backend::Postgres, Kind::Bytes) => format!("CAST(${n} AS BYTEA)"),
                            _ => format!("${n}"),
                        }
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.table,
            self.columns.join(", "),
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (_, row) in self.rows.drain(..) {
            for (value, kind) in row.into_iter().zip(self.kinds) {
                query = match kind {
                    Kind::Integer => query.bind(value.as_i64()),
                    Kind::Float => query.bind(match &value {
                        serde_json::Value::String(s) => match s.as_str() {
                            "NaN" => Some(f64::NAN),
                            "Infinity" => Some(f64::INFINITY),
                            _ => Some(f64::NEG_INFINITY),
                        },
                        other => other.as_f64(),
                    }),
                    Kind::Text => query.bind(value.as_str().map(str::to_owned)),
                    Kind::Bytes => query.bind(value.as_str().and_then(unhex)),
                };
            }
        }
        query.execute(&mut *tx).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_written_as_hex_and_read_back() {
        let bytes = vec![0u8, 1, 127, 128, 255];
        assert_eq!(hex(&bytes), "00017f80ff");
        assert_eq!(unhex("00017f80ff"), Some(bytes));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn declared_types_are_read_the_same_on_both_backends() {
        assert_eq!(Kind::of("INTEGER"), Kind::Integer);
        assert_eq!(Kind::of("bigint"), Kind::Integer);
        assert_eq!(Kind::of("REAL"), Kind::Float);
        assert_eq!(Kind::of("double precision"), Kind::Float);
        assert_eq!(Kind::of("BLOB"), Kind::Bytes);
        assert_eq!(Kind::of("bytea"), Kind::Bytes);
        assert_eq!(Kind::of("TEXT"), Kind::Text);
        assert_eq!(Kind::of("text"), Kind::Text);
    }
}
