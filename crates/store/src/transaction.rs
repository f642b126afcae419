//! One change, one transaction. [`Store::write_transaction`] hands out a store whose every query
//! runs in a single open write transaction, so that a use case made of several store calls — a
//! change and its line in the audit log — lands whole or not at all: a crash, an error or a
//! refused audit line between them leaves neither.
//!
//! Inside such a store a method that opens its own write transaction gets a savepoint of the
//! shared one instead ([`WriteTx`]): its rollback undoes its own part, its commit keeps it for
//! the shared transaction's commit. Queries take the shared connection one at a time; a second
//! query while one still holds it is a programming error, reported as such rather than a hang.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{Backend, Result, Store, StoreError};

type Open = Option<Transaction<'static, Any>>;

/// The write transaction that a store from [`Store::write_transaction`] and its clones share.
pub(crate) struct SharedTransaction {
    open: Arc<Mutex<Open>>,
    /// A part of the change began a savepoint and neither committed nor rolled it back (it
    /// failed midway): the whole transaction must not commit.
    part_failed: AtomicBool,
}

impl std::fmt::Debug for SharedTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTransaction")
            .field("part_failed", &self.part_failed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A store's place in a shared transaction: the one who began it commits it; a store that
/// asked for a transaction while already in one (a use case calling another) commits nothing.
#[derive(Debug, Clone)]
pub(crate) struct InTransaction {
    shared: Arc<SharedTransaction>,
    outermost: bool,
}

impl SharedTransaction {
    fn lock(&self) -> Result<OwnedMutexGuard<Open>> {
        let guard = Arc::clone(&self.open).try_lock_owned().map_err(|_| {
            StoreError::Inconsistent(
                "two store calls at once inside one transaction (a query while another still \
                 holds the connection)"
                    .to_owned(),
            )
        })?;
        if guard.is_none() {
            return Err(StoreError::Inconsistent(
                "a store call after its transaction had ended".to_owned(),
            ));
        }
        Ok(guard)
    }
}

/// A connection to run queries on: one from the pool, or the shared transaction's.
pub(crate) enum Conn {
    Pooled(PoolConnection<Any>),
    Shared(OwnedMutexGuard<Open>),
}

impl Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Self::Pooled(conn) => conn,
            Self::Shared(open) => open.as_deref().expect("checked open when locked"),
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Self::Pooled(conn) => conn,
            Self::Shared(open) => open.as_deref_mut().expect("checked open when locked"),
        }
    }
}

/// A write of a store method that must be whole: its own transaction, or — inside a shared
/// transaction — a savepoint of it.
#[derive(Debug)]
pub(crate) enum WriteTx {
    Own(Transaction<'static, Any>),
    Part {
        conn: PartConn,
        unfinished: Unfinished,
    },
}

/// The shared connection a savepoint holds (a newtype only for `Debug`).
pub(crate) struct PartConn(OwnedMutexGuard<Open>);

impl std::fmt::Debug for PartConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartConn")
    }
}

/// Marks the shared transaction failed when a savepoint is dropped unfinished (the method
/// returned early with an error): nothing can be rolled back in `drop`, so the whole
/// transaction refuses to commit instead.
#[derive(Debug)]
pub(crate) struct Unfinished(Option<Arc<SharedTransaction>>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.part_failed.store(true, Ordering::SeqCst);
        }
    }
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Self::Own(tx) => tx.commit().await?,
            Self::Part {
                mut conn,
                mut unfinished,
            } => {
                sqlx::raw_sql("RELEASE SAVEPOINT throughline_part")
                    .execute(&mut *conn)
                    .await?;
                unfinished.0 = None;
            }
        }
        Ok(())
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            Self::Own(tx) => tx.rollback().await?,
            Self::Part {
                mut conn,
                mut unfinished,
            } => {
                sqlx::raw_sql(
                    "ROLLBACK TO SAVEPOINT throughline_part; RELEASE SAVEPOINT throughline_part",
                )
                .execute(&mut *conn)
                .await?;
                unfinished.0 = None;
            }
        }
        Ok(())
    }
}

impl Deref for PartConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.0.as_deref().expect("checked open when locked")
    }
}

impl DerefMut for PartConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.0.as_deref_mut().expect("checked open when locked")
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Self::Own(tx) => tx,
            Self::Part { conn, .. } => conn,
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Self::Own(tx) => tx,
            Self::Part { conn, .. } => conn,
        }
    }
}

impl Store {
    /// A connection for one query: the shared transaction's inside one, else the pool's.
    pub(crate) async fn conn(&self) -> Result<Conn> {
        match &self.transaction {
            None => Ok(Conn::Pooled(self.pool.acquire().await?)),
            Some(tx) => Ok(Conn::Shared(tx.shared.lock()?)),
        }
    }

    /// A transaction that writes. On SQLite it takes the write lock when it begins (`BEGIN
    /// IMMEDIATE`, waiting out the busy timeout for another writer): a transaction begun
    /// deferred that reads first and then writes fails at once with "database is locked" when
    /// another connection wrote in between — no wait helps it. Inside a shared transaction, a
    /// savepoint of it.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        if let Some(tx) = &self.transaction {
            let mut conn = PartConn(tx.shared.lock()?);
            sqlx::raw_sql("SAVEPOINT throughline_part")
                .execute(&mut *conn)
                .await?;
            return Ok(WriteTx::Part {
                conn,
                unfinished: Unfinished(Some(Arc::clone(&tx.shared))),
            });
        }
        Ok(WriteTx::Own(self.begin_own_write().await?))
    }

    async fn begin_own_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// A store whose every query runs in one write transaction, until [`Store::commit`]:
    /// several calls made on it land together or not at all (dropped without a commit, it
    /// rolls back). Asked for on a store already in a transaction, the same transaction, whose
    /// commit stays with the one who began it.
    pub async fn write_transaction(&self) -> Result<Store> {
        let transaction = match &self.transaction {
            Some(tx) => InTransaction {
                shared: Arc::clone(&tx.shared),
                outermost: false,
            },
            None => InTransaction {
                shared: Arc::new(SharedTransaction {
                    open: Arc::new(Mutex::new(Some(self.begin_own_write().await?))),
                    part_failed: AtomicBool::new(false),
                }),
                outermost: true,
            },
        };
        Ok(Store {
            pool: self.pool.clone(),
            backend: self.backend,
            transaction: Some(transaction),
            organisation: self.organisation.clone(),
        })
    }

    /// Commits the transaction of a store from [`Store::write_transaction`] (for a store that
    /// joined a transaction begun by another, nothing: its beginner commits). Refused, and
    /// everything rolled back, when a part of it failed midway.
    pub async fn commit(self) -> Result<()> {
        let Some(tx) = self.transaction else {
            return Err(StoreError::Inconsistent(
                "commit on a store that is not in a transaction".to_owned(),
            ));
        };
        if !tx.outermost {
            return Ok(());
        }
        let open = tx.shared.lock()?.take().expect("checked open when locked");
        if tx.shared.part_failed.load(Ordering::SeqCst) {
            open.rollback().await?;
            return Err(StoreError::Inconsistent(
                "a part of the change failed midway; nothing of it was written".to_owned(),
            ));
        }
        open.commit().await?;
        Ok(())
    }
}
