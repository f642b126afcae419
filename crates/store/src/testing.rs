//! Test support: a fresh database per test, on each backend.
//!
//! SQLite tests get a new file in a temporary folder. PostgreSQL tests get a new database,
//! created from `THROUGHLINE_TEST_POSTGRES_URL` and dropped when the test ends. Without that
//! variable PostgreSQL tests say they were skipped and why — unless `THROUGHLINE_REQUIRE_ALL=1`
//! (set by CI), where a skip is a failure.
//!
//! [`backend_tests!`](crate::backend_tests) turns one async scenario into a test per backend.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Backend, Store};

pub const POSTGRES_URL_VAR: &str = "THROUGHLINE_TEST_POSTGRES_URL";

/// The example organisation file (`examples/org.toml`; Northwind Home, fictional).
pub const EXAMPLE_ORG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/org.toml");
pub const REQUIRE_ALL_VAR: &str = "THROUGHLINE_REQUIRE_ALL";

/// True when CI asked that no test be skipped.
pub fn require_all() -> bool {
    std::env::var(REQUIRE_ALL_VAR).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Reports a skipped test, or fails it under `THROUGHLINE_REQUIRE_ALL=1`.
pub fn skip(test: &str, reason: &str) {
    if require_all() {
        panic!("{test}: cannot be skipped under {REQUIRE_ALL_VAR}=1: {reason}");
    }
    // Written to stderr directly: the test harness captures `eprintln!` of passing tests, and
    // a skip must be seen.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    pub backend: Backend,
    /// The URL to connect to, for the store or for the command-line tool.
    pub url: String,
    /// Keeps the SQLite file's folder alive; also a scratch folder for the test's files.
    pub dir: tempfile::TempDir,
    /// PostgreSQL only: the server URL and the database to drop at the end.
    postgres: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("throughline.db").display());
        Self {
            backend: Backend::Sqlite,
            url,
            dir,
            postgres: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (after reporting the skip) when no server is
    /// configured.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(server_url) = std::env::var(POSTGRES_URL_VAR) else {
            skip(
                test,
                &format!("{POSTGRES_URL_VAR} is not set, so PostgreSQL is not tested"),
            );
            return None;
        };
        let name = format!(
            "throughline_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        run_admin(&server_url, &format!("CREATE DATABASE {name}")).await;
        let url = with_database(&server_url, &name);
        Some(Self {
            backend: Backend::Postgres,
            url,
            dir: tempfile::tempdir().expect("temporary folder"),
            postgres: Some((server_url, name)),
        })
    }

    /// Runs `statement` on the test database directly, beside the store: what a test needs to
    /// set up that no use case does (a trigger that refuses a write, to prove what a failure
    /// leaves behind).
    pub async fn execute(&self, statement: &str) {
        use sqlx::{Connection, Executor};
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connecting to the test database: {e}"));
        conn.execute(sqlx::AssertSqlSafe(statement.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
        let _ = conn.close().await;
    }

    /// The first column of the first row of `query` as a number (a real or an integer),
    /// read on the test database directly: what a test checks that no use case reads (the
    /// planner's statistics).
    pub async fn fetch_f64(&self, query: &str) -> f64 {
        use sqlx::{Connection, Row};
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connecting to the test database: {e}"));
        let row = sqlx::query(sqlx::AssertSqlSafe(query.to_owned()))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        let value = row
            .try_get::<f64, _>(0)
            .or_else(|_| row.try_get::<i64, _>(0).map(|v| v as f64))
            .unwrap_or_else(|e| panic!("{query}: not a number: {e}"));
        let _ = conn.close().await;
        value
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connecting to the test database: {e}"))
    }

    /// A store with the example organisation applied ([`EXAMPLE_ORG`]: Northwind Home's
    /// departments, journey, councils and metrics), no feedback: where most tests start.
    pub async fn example_workspace(&self) -> Store {
        let store = self.store().await;
        let text = std::fs::read_to_string(EXAMPLE_ORG)
            .unwrap_or_else(|e| panic!("reading {EXAMPLE_ORG}: {e}"));
        let parsed = throughline_domain::org::parse(&text)
            .unwrap_or_else(|e| panic!("the example organisation does not parse: {e:?}"));
        store
            .apply_organisation(&parsed.organisation, false)
            .await
            .unwrap_or_else(|e| panic!("applying the example organisation: {e}"));
        store
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server_url, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime, which cannot be blocked on; a thread with a
            // runtime of its own drops the database.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(run_admin(
                    &server_url,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ));
            })
            .join();
        }
    }
}

async fn run_admin(server_url: &str, statement: &str) {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(server_url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {POSTGRES_URL_VAR}: {e}"));
    conn.execute(sqlx::AssertSqlSafe(statement.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    let _ = conn.close().await;
}

/// `server_url` with its database name replaced by `database`.
fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// Generates, for each named scenario `async fn NAME(db: &TestDatabase)`, one test on SQLite
/// (`sqlite::NAME`) and one on PostgreSQL (`postgres::NAME`).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::testing::TestDatabase::sqlite().await;
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test = concat!(module_path!(), "::", stringify!($name));
                    let Some(db) = $crate::testing::TestDatabase::postgres(test).await else {
                        return;
                    };
                    super::$name(&db).await;
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
