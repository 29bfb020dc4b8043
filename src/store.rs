//! The SQLite pool, its per-connection settings, the embedded migrations, and
//! [`run`], the one way request handlers touch the database.

use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::ApiError;

pub type DbPool = Pool<ConnectionManager<SqliteConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Connections are CPU-bound on SQLite; a few more than the cores keeps the
/// blocking pool busy without contending for the single writer.
pub const POOL_SIZE: u32 = 8;

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // busy_timeout first: switching to WAL can itself wait for a lock.
        // Checkpoints run on a timer (`checkpoint`) instead of inside whichever
        // write happens to cross the WAL threshold, which stalled that writer
        // and every writer queued behind it. A 1 MiB page cache per connection
        // keeps memory flat; the OS caches the file anyway. The WAL file is
        // cut back to 64 MiB whenever it restarts, or a burst of writes would
        // leave it (and the index every connection maps) at its peak size.
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA wal_autocheckpoint = 0;
             PRAGMA journal_size_limit = 67108864;
             PRAGMA cache_size = -1024;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Failure to open or migrate the database at start-up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot create the database folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error("cannot open the database: {0}")]
    Open(String),
    #[error("cannot open the database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot apply migrations: {0}")]
    Migrations(String),
}

/// Opens the pool on `path`, creating the file and its folder when missing.
pub fn connect(path: &Path) -> Result<DbPool, SetupError> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| SetupError::Folder(folder.display().to_string(), e))?;
    }
    // WAL is a property of the file: switch it once, alone, before the pool
    // opens its connections in parallel and they race for that lock.
    let mut first =
        SqliteConnection::establish(&path.to_string_lossy()).map_err(|e| SetupError::Open(e.to_string()))?;
    SqlitePragmas.on_acquire(&mut first).map_err(|e| SetupError::Open(e.to_string()))?;
    drop(first);
    let manager = ConnectionManager::<SqliteConnection>::new(path.to_string_lossy());
    Ok(Pool::builder()
        .max_size(POOL_SIZE)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)?)
}

/// Applies pending migrations, then lets SQLite refresh the planner's
/// statistics where they are missing or stale: without them it may walk the
/// status index instead of looking up ids. Then empties the WAL, which a
/// migration or bulk load can leave gigabytes long and which every reader
/// would otherwise search until the first checkpoint. Returns how many
/// migrations ran.
pub fn migrate(pool: &DbPool) -> Result<usize, SetupError> {
    let mut conn = pool.get()?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|applied| applied.len())
        .map_err(|e| SetupError::Migrations(e.to_string()))?;
    optimize(&mut conn).map_err(|e| SetupError::Migrations(e.to_string()))?;
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);").map_err(|e| SetupError::Migrations(e.to_string()))?;
    Ok(applied)
}

/// Copies what it can from the WAL into the database file without waiting for
/// readers or blocking writers; the periodic task runs it.
pub fn checkpoint(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);")
}

/// `PRAGMA optimize` over every table (0x10002): cheap when nothing changed.
pub fn optimize(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    // The limit keeps ANALYZE to a sample, so this stays cheap on big tables.
    conn.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")
}

/// SQLite lets one connection write at a time. Writers queue here, in order,
/// instead of in SQLite's busy handler, which sleeps in growing steps and
/// wastes most of the time the lock is free.
static WRITER: Mutex<()> = Mutex::new(());

/// Runs `work` while no other writer of this process runs.
pub fn exclusively<T>(work: impl FnOnce() -> T) -> T {
    let _turn = WRITER.lock().unwrap_or_else(PoisonError::into_inner);
    work()
}

/// Runs `work` in an immediate transaction, one writer at a time, on the
/// blocking pool. The turn is taken before the connection, so that queued
/// writers do not hold connections that readers need.
pub async fn write<T, E, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + From<diesel::result::Error> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        exclusively(|| {
            let mut conn = pool.get().map_err(ApiError::from)?;
            conn.immediate_transaction(work).map_err(Into::into)
        })
    })
    .await?
}

/// Runs `work` with a pooled connection on the blocking thread pool, inside the
/// caller's tracing span, so that async workers never wait on SQLite.
pub async fn run<T, E, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(ApiError::from)?;
        work(&mut conn).map_err(Into::into)
    })
    .await?
}

/// Gives a fieldless enum its text form (`as_str`, `parse`) and stores it as
/// that text; the type also derives `AsExpression` and `FromSqlRow` with
/// `sql_type = Text`.
macro_rules! text_enum {
    ($type:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $type {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $type {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                out.set_value(self.as_str());
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $type {
            fn from_sql(value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> diesel::deserialize::Result<Self> {
                let text =
                    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite>>::from_sql(
                        value,
                    )?;
                Self::parse(&text).ok_or_else(|| format!("unexpected {} {text:?}", stringify!($type)).into())
            }
        }
    };
}
pub(crate) use text_enum;
