//! Transactions: the writer turn on SQLite, serializable retries on
//! PostgreSQL, and the bridge from async handlers to the blocking pool.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::pool::{Conn, DbPool};
use crate::error::ApiError;
use crate::error::weather::connection_lost;

/// SQLite lets one connection write at a time. Writers queue here, in order,
/// instead of in SQLite's busy handler, which sleeps in growing steps and
/// wastes most of the time the lock is free.
static WRITER: Mutex<()> = Mutex::new(());

/// How often a PostgreSQL write that lost a serialization race is tried again.
const WRITE_ATTEMPTS: u32 = 20;

/// True for the errors that mean "run the transaction again": a
/// serialization failure or a deadlock, which PostgreSQL resolves by
/// failing one of the transactions involved.
fn is_retryable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        DieselError::DatabaseError(_, info) => info.message().contains("deadlock detected"),
        _ => false,
    }
}

/// How a write transaction is isolated on PostgreSQL; on SQLite every write
/// transaction has the database to itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// For writes whose rules span rows: of two that overlap, PostgreSQL
    /// fails one, which runs again.
    Serializable,
    /// For a write that first locks the rows it changes (`FOR UPDATE`), as
    /// a vote locks its article: overlapping writes wait for each other
    /// instead of failing, so a hot row costs a queue, not retries.
    ReadCommitted,
}

/// Runs `work` in one write transaction on `conn`: immediate on SQLite (with
/// the process's writer turn), serializable on PostgreSQL, where it is run
/// again after a serialization failure or a deadlock. A refusal (`Err`)
/// rolls the transaction back.
pub fn write_transaction<T, E>(conn: &mut Conn, work: impl FnMut(&mut Conn) -> Result<T, E>) -> Result<T, E>
where
    E: From<DieselError> + AsDieselError,
{
    transaction(conn, Isolation::Serializable, work)
}

/// [`write_transaction`] with the given isolation on PostgreSQL.
fn transaction<T, E>(
    conn: &mut Conn,
    isolation: Isolation,
    mut work: impl FnMut(&mut Conn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError> + AsDieselError,
{
    let mut attempt = 1;
    loop {
        let begun = match (&mut *conn, isolation) {
            (Conn::Sqlite(sqlite), _) => AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE"),
            (Conn::Postgres(postgres), Isolation::Serializable) => {
                AnsiTransactionManager::begin_transaction_sql(postgres, "BEGIN ISOLATION LEVEL SERIALIZABLE")
            }
            (Conn::Postgres(postgres), Isolation::ReadCommitted) => {
                AnsiTransactionManager::begin_transaction_sql(postgres, "BEGIN ISOLATION LEVEL READ COMMITTED")
            }
        };
        begun?;
        let outcome = match work(conn) {
            Ok(value) => {
                <Conn as Connection>::TransactionManager::commit_transaction(conn).map(|()| value).map_err(E::from)
            }
            Err(error) => {
                <Conn as Connection>::TransactionManager::rollback_transaction(conn)?;
                Err(error)
            }
        };
        match outcome {
            Err(error) if attempt < WRITE_ATTEMPTS && error.as_diesel().is_some_and(is_retryable) => {
                attempt += 1;
                // Spread the retries of transactions that collided.
                std::thread::sleep(Duration::from_millis(u64::from(attempt) * rand::random_range(1..5)));
            }
            outcome => return outcome,
        }
    }
}

/// The database error inside an error, to tell a lost race from a refusal.
pub trait AsDieselError {
    fn as_diesel(&self) -> Option<&DieselError>;
}

impl AsDieselError for DieselError {
    fn as_diesel(&self) -> Option<&DieselError> {
        Some(self)
    }
}

impl AsDieselError for ApiError {
    fn as_diesel(&self) -> Option<&DieselError> {
        match self {
            Self::Internal(cause) => cause.downcast_ref::<DieselError>(),
            _ => None,
        }
    }
}

/// [`write_transaction`] on a connection at hand (a timer's, a command's),
/// after taking the writer turn on SQLite.
pub fn write_on<T, E>(conn: &mut Conn, work: impl FnMut(&mut Conn) -> Result<T, E>) -> Result<T, E>
where
    E: From<DieselError> + AsDieselError,
{
    write_on_as(conn, Isolation::Serializable, work)
}

/// [`write_on`] with the given isolation on PostgreSQL.
pub fn write_on_as<T, E>(
    conn: &mut Conn,
    isolation: Isolation,
    work: impl FnMut(&mut Conn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError> + AsDieselError,
{
    let _turn = matches!(conn, Conn::Sqlite(_)).then(|| WRITER.lock().unwrap_or_else(PoisonError::into_inner));
    transaction(conn, isolation, work)
}

/// Runs `work` in a write transaction ([`write_transaction`]) on the
/// blocking pool. On SQLite the writer turn is taken before the connection,
/// so that queued writers do not hold connections that readers need.
pub async fn write<T, E, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnMut(&mut Conn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + From<DieselError> + AsDieselError + Send + 'static,
{
    write_as(pool, Isolation::Serializable, work).await
}

/// [`write`] with the given isolation on PostgreSQL.
pub async fn write_as<T, E, F>(pool: &DbPool, isolation: Isolation, work: F) -> Result<T, ApiError>
where
    F: FnMut(&mut Conn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + From<DieselError> + AsDieselError + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let _turn = (!pool.is_postgres()).then(|| WRITER.lock().unwrap_or_else(PoisonError::into_inner));
        let mut conn = pool.checkout()?;
        transaction(&mut conn, isolation, work).map_err(|error| error.into().settled())
    })
    .await?
}

/// Runs the read `work` like [`run`], and once more on another connection
/// when the first was lost under it (a server restart, a cut link): the
/// pool checks a connection before handing it out, so the second try gets a
/// live one or a new one, and the client gets its answer instead of a 503.
/// Only for work that changes nothing, which may run twice; and so a read
/// may also be given up on: one the database has not answered within twice
/// `NEWSROOM_DATABASE_TIMEOUT` (a server that hangs, a link that is silent
/// while TCP still holds) is a 503, its thread left to finish or fail alone.
pub async fn read<T, E, F>(pool: &DbPool, mut work: F) -> Result<T, ApiError>
where
    F: FnMut(&mut Conn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + AsDieselError + Send + 'static,
{
    let bound = pool.timeout() * 2;
    let pool = pool.clone();
    let span = tracing::Span::current();
    let reading = actix_web::web::block(move || {
        let _entered = span.enter();
        let first = work(&mut *pool.checkout()?);
        let outcome = match first {
            Err(error) if error.as_diesel().is_some_and(connection_lost) => {
                let lost: ApiError = error.into();
                tracing::info!(error = %lost, "a read lost its connection; reading again on another");
                work(&mut *pool.checkout()?)
            }
            outcome => outcome,
        };
        outcome.map_err(|error| error.into().settled())
    });
    match actix_web::rt::time::timeout(bound, reading).await {
        Ok(read) => read?,
        Err(_) => Err(ApiError::Unavailable(format!("the database did not answer a read within {bound:?}"))),
    }
}

/// Runs `work` with a pooled connection on the blocking thread pool, inside the
/// caller's tracing span, so that async workers never wait on the database.
pub async fn run<T, E, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.checkout()?;
        work(&mut conn).map_err(|error| error.into().settled())
    })
    .await?
}
