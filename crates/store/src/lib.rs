#![doc = include_str!("../README.md")]

mod accounts;
mod actions;
mod analysis;
mod audit;
pub mod backup;
mod council;
mod day_counts;
mod digests;
mod erasure;
mod events;
mod feedback;
mod follow_up;
mod health;
mod jobs;
mod key_accounts;
mod landings;
mod maturity;
mod org;
mod org_history;
mod password_resets;
mod period_totals;
mod retention;
mod search;
mod statistics;
pub use statistics::BulkTable;
mod survey_invitations;
mod surveys;
#[cfg(feature = "testing")]
pub mod testing;
mod transaction;
mod wall;

pub use accounts::{
    ApiToken, AuditEntry, AuditLine, Credentials, SessionUser, StoredUser, TokenUser,
};
pub use actions::{
    Decision, KpiValue, NewInitiative, NewReview, NewTask, StoredInitiative, StoredReview,
    StoredRootCause, StoredTask,
};
pub use analysis::{
    AnalysisRun, AnalysisSession, DataVersion, Interval, NewAnalysisRun, NewTheme,
    RecordAnalysisRow, StoredImpact, StoredTheme, ThemeAggregates, ThemeStatus, TrendPoint,
    Verbatim,
};
pub use audit::AuditFilter;
pub use council::{
    CouncilAction, MeetingDecision, MeetingStatus, MeetingTopic, NewCouncilAction, StoredMeeting,
};
pub use day_counts::{NpsDay, ThemeDay};
pub use digests::{Claim, Delivery, Subscription};
pub use erasure::{ERASED, Erasure, audit_subject, customer_hash};
pub use events::{CONTACT, Contact, EventKindCount, NewEvent, ScoresPresent, StoredEvent};
pub use feedback::{
    INSERT_BATCH, ImportRecord, ImportSession, ImportStart, ImportTotals, KeyedFeedback,
    StoredFeedback,
};
pub use follow_up::{
    CandidateScope, CaseCandidate, CaseChange, CaseNote, CaseStatus, FollowUpCase, NewCase,
};
pub use health::{API_IMPORT_NAME, ImportCounts, StoreCounts};
pub use jobs::{Job, JobCounts, JobStatus, NewJob};
pub use key_accounts::{AccountReview, GoalStatus, NewAccountReview, ReviewAction};
pub use landings::{PeriodLanding, ThemeLanding};
pub use maturity::{StoredAssessment, StoredResponse};
pub use org_history::{
    NewOrgProposal, OrgChange, OrgProposal, OrgVersion, OrgWrite, Review, VersionMeta,
    VersionSource,
};
pub use period_totals::{ScoreAnswers, ScoreColumn, ScoredThemes};
pub use retention::{RetentionMode, RetentionOutcome, RetentionPolicy};
pub use search::{FeedbackFilter, FeedbackListing, StageScoreGroup, ThemedRecord};
pub use survey_invitations::{Invitation, InvitationCounts, MAX_SEND_ATTEMPTS, NewInvitation};
pub use surveys::{NewSurvey, Quarantined, ResponseStored, Survey};
pub use wall::{NewWallLink, WallLink};

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

/// The database URL used when none is given: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://throughline.db";

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Storage errors. Each carries a description rather than a chained source, so that a message
/// reads once, cleanly, on the command line.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported database URL {0:?}: use sqlite://FILE (the default is {DEFAULT_DATABASE_URL}) \
         or postgres://USER@HOST:PORT/DATABASE"
    )]
    UnsupportedUrl(String),
    #[error("could not open the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("could not bring the schema of {url} up to date: {reason}")]
    Migrate { url: String, reason: String },
    #[error("database error: {0}")]
    Database(String),
    #[error("the stored data is inconsistent: {0}")]
    Inconsistent(String),
    /// A backup file that cannot be restored, or a database it cannot be restored into; the
    /// message says which and why.
    #[error("{0}")]
    Backup(String),
    /// SQLite has one writer at a time: another write (an import, an analysis) held the
    /// database for longer than the busy timeout. Nothing was written; the same request a little
    /// later goes through.
    #[error(
        "the database is busy with another write (an import or an analysis): nothing was \
         changed, try again in a few seconds"
    )]
    Busy,
}

/// When the database holds migrations newer than `known` (this build's newest): the newest
/// applied, and `None` when every newer one admits a reader of `known` (`schema_compat`), or the
/// oldest version that can use it. `None` when nothing is newer (or nothing is there yet).
async fn newer_schema(pool: &AnyPool, known: i64) -> Result<Option<(i64, Option<i64>)>> {
    let applied: Option<i64> = match sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
    {
        Ok(v) => v,
        // A new database: no migrations table yet.
        Err(_) => return Ok(None),
    };
    let Some(applied) = applied.filter(|&a| a > known) else {
        return Ok(None);
    };
    let admitted: Vec<(i64, i64)> =
        sqlx::query_as("SELECT version, oldest_reader FROM schema_compat WHERE version > $1")
            .bind(known)
            .fetch_all(pool)
            .await
            .unwrap_or_default();
    let newer: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE version > $1")
            .bind(known)
            .fetch_all(pool)
            .await?;
    let needs = newer
        .iter()
        .map(|v| {
            admitted
                .iter()
                .find(|(version, _)| version == v)
                .map_or(*v, |(_, oldest)| *oldest)
        })
        .max()
        .unwrap_or(applied);
    Ok(Some((applied, (needs > known).then_some(needs))))
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        tracing::debug!(error = ?err, "database error");
        // SQLITE_BUSY (5) and its extended codes (BUSY_RECOVERY 261, BUSY_SNAPSHOT 517, …).
        let busy = err.as_database_error().is_some_and(|db| {
            db.code()
                .and_then(|c| c.parse::<i64>().ok())
                .is_some_and(|code| code & 0xff == 5)
                || db.message().contains("database is locked")
        });
        if busy {
            return Self::Busy;
        }
        Self::Database(describe(&err))
    }
}

/// The useful part of a sqlx error: the database's own message when there is one.
fn describe(err: &sqlx::Error) -> String {
    match err.as_database_error() {
        Some(db) => db.message().to_owned(),
        None => err.to_string(),
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine a store runs on. Only the few statements where the dialects really
/// differ look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The storage API. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Set on a store from [`Store::write_transaction`]: the transaction its queries run in.
    transaction: Option<transaction::InTransaction>,
    /// The organisation as last read, under the time it was last written (see
    /// [`Store::load_organisation`]); shared by the store's clones.
    organisation: org::KeptOrganisation,
}

impl Store {
    /// Opens the database at `url` (creating a SQLite file if it does not exist) and brings
    /// its schema up to date.
    #[tracing::instrument(skip_all, fields(url = %redact_url(url)))]
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let connect_error = |err: sqlx::Error| StoreError::Connect {
            url: redact_url(url),
            reason: describe(&err),
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_file(url),
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(connect_error)?;
        // One connection first: a pool retries until its timeout and then reports only that
        // it timed out, where a single connection fails at once with the real reason.
        AnyConnection::connect_with(&options)
            .await
            .map_err(connect_error)?
            .close()
            .await
            .map_err(connect_error)?;
        let pool = match backend {
            Backend::Sqlite => {
                // WAL is a property of the file and persists; foreign keys and the busy timeout
                // are per connection. `synchronous = NORMAL` is safe with WAL and much faster.
                // A 32 MiB page cache (the default is 2 MiB) keeps a large import's indexes in
                // memory: a million-record import runs 1.5x faster for ~40 MB more memory.
                let pool = AnyPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                pool.execute("PRAGMA journal_mode = WAL;")
                    .await
                    .map_err(connect_error)?;
                pool
            }
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(connect_error)?,
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let migrate_error = |reason: String| StoreError::Migrate {
            url: redact_url(&url),
            reason,
        };
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        match newer_schema(&pool, known).await? {
            // A newer Throughline upgraded the database and every migration it ran since
            // admits this version (a rolling upgrade): use the schema as it is.
            Some((applied, None)) => {
                tracing::info!(
                    applied,
                    known,
                    "the schema is newer than this version, which it still admits"
                );
            }
            Some((applied, Some(needs))) => {
                return Err(migrate_error(format!(
                    "the database was upgraded to schema version {applied} by a newer Throughline, \
                     which this version (schema {known}) cannot use: it needs a version that knows \
                     schema {needs} or later — upgrade this instance"
                )));
            }
            None => migrator
                .run(&pool)
                .await
                .map_err(|err| migrate_error(err.to_string()))?,
        }
        Ok(Self {
            pool,
            backend,
            transaction: None,
            organisation: org::KeptOrganisation::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits for open connections to finish and closes them.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite://FILE` opens an existing file only; ask sqlx to create it (`mode=rwc`) unless the
/// URL already says what it wants.
fn sqlite_url_creating_file(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_are_chosen_by_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("sqlite:x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://root:secret@h/db").unwrap_err();
        assert!(err.to_string().contains("unsupported database URL"));
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn passwords_never_appear_in_messages() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/cx?sslmode=require"),
            "postgres://app:***@db:5432/cx?sslmode=require"
        );
        assert_eq!(redact_url("postgres://app@db/cx"), "postgres://app@db/cx");
        assert_eq!(redact_url("sqlite://a.db"), "sqlite://a.db");
    }

    #[test]
    fn sqlite_files_are_created_on_first_use() {
        assert_eq!(
            sqlite_url_creating_file("sqlite://a.db"),
            "sqlite://a.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url_creating_file("sqlite://a.db?cache=shared"),
            "sqlite://a.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            sqlite_url_creating_file("sqlite://a.db?mode=ro"),
            "sqlite://a.db?mode=ro"
        );
    }
}
