//! The query planner's statistics after bulk writes.
//!
//! PostgreSQL plans a query from statistics (each table's row count and its columns'
//! distributions) that only `ANALYZE` refreshes, and reads a count from an index alone only
//! where `VACUUM` has marked the table's pages all-visible. Autovacuum does both in time on a
//! table that grows slowly, but it lags a bulk load by up to a minute — and some servers run
//! with it off. With statistics from before a million records were imported, a department's
//! page asked for its latest five complaints by sorting every analysed record (a sort spilled
//! to disk: 27 ms alone, 338 ms p95 under eight connections at 100,000 records), where fresh
//! statistics walk the newest records backwards and stop at five (0.08 ms); and a theme's page
//! counted its 76,000 records by visiting 7,236 table pages (56 ms) where the index alone
//! answers once the pages are marked (6 ms). So every bulk write — an import, an analysis
//! landing, a batch through the API — ends with `VACUUM (ANALYZE)` of the tables it grew when
//! they have changed by as much as autovacuum waits for (50 rows and a tenth of the table),
//! and leaves them alone otherwise (one catalog query).
//!
//! SQLite keeps no statistics until asked (`ANALYZE`), and Throughline never asks: its planner
//! then chooses by the indexes alone, the plans every page was measured with.

use sqlx::Row;

use crate::{Backend, Result, Store};

/// The tables that grow with the records: those whose statistics a bulk write can leave stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkTable {
    /// The records.
    Feedback,
    /// The records' sentiment and stage.
    Analyses,
    /// The records' themes.
    Themes,
}

impl BulkTable {
    /// The table's name (a constant, never input: it is written into `VACUUM`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Feedback => "feedback",
            Self::Analyses => "feedback_analysis",
            Self::Themes => "feedback_themes",
        }
    }
}

/// Rows changed before a table's statistics are refreshed: autovacuum's rule on PostgreSQL
/// (`autovacuum_analyze_threshold` and `autovacuum_analyze_scale_factor` at their defaults).
const BASE_ROWS: f64 = 50.0;
const SHARE_OF_TABLE: f64 = 0.1;

impl Store {
    /// After a bulk write: refreshes the planner's statistics of each table of `written` (with
    /// about how many of its rows were just written) that has changed
    /// by more than 50 rows and a tenth of its rows since its statistics were taken. PostgreSQL
    /// counts the changes too, but a committed transaction's count may reach its statistics a
    /// second later, so the caller says what it wrote. Returns the tables refreshed (none on
    /// SQLite; see the module documentation).
    pub async fn refresh_statistics(&self, written: &[(BulkTable, u64)]) -> Result<Vec<String>> {
        if self.backend() != Backend::Postgres || self.transaction.is_some() {
            return Ok(Vec::new());
        }
        let mut stale = Vec::new();
        for &(table, rows) in written {
            let table = table.name();
            // `reltuples` is the row count the statistics hold (−1: never analysed).
            let row = sqlx::query(
                "SELECT GREATEST(c.reltuples, 0)::float8 AS counted, \
                 COALESCE(s.n_mod_since_analyze, 0)::bigint AS changed \
                 FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid \
                 WHERE c.oid = to_regclass($1)",
            )
            .bind(table)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
            let Some(row) = row else { continue };
            let counted: f64 = row.try_get("counted")?;
            let changed: i64 = row.try_get("changed")?;
            let changed = (changed.max(0) as u64).max(rows) as f64;
            if changed > BASE_ROWS + SHARE_OF_TABLE * counted {
                stale.push(table);
            }
        }
        if !stale.is_empty() {
            // The names are `BulkTable`'s constants, never input. VACUUM runs outside any
            // transaction block: the simple protocol, one statement.
            let statement = format!("VACUUM (ANALYZE) {}", stale.join(", "));
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(&mut *self.conn().await?)
                .await?;
            tracing::info!(tables = %stale.join(", "), "tables vacuumed and analysed after a bulk write");
        }
        Ok(stale.into_iter().map(str::to_owned).collect())
    }
}

impl Store {
    /// [`Store::refresh_statistics`] at the end of a bulk write that has already landed: a
    /// failure to refresh is logged, not returned (what was written is stored; the planner only
    /// plans on older statistics until the next write or autovacuum refreshes them).
    pub async fn after_bulk_write(&self, written: &[(BulkTable, u64)]) {
        if let Err(err) = self.refresh_statistics(written).await {
            tracing::warn!(error = %err, "the planner statistics could not be refreshed after a bulk write");
        }
    }
}
