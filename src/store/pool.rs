//! One connection type for both backends, the pool and its per-connection
//! settings, the embedded migrations, and upkeep that differs by backend.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PoolError, PooledConnection, R2D2Connection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::{ExposeSecret, SecretString};

use crate::error::ApiError;
use crate::private;

/// A connection to either backend. Queries written with Diesel's DSL run on
/// both; what differs (full-text search, transactions, maintenance) matches
/// on the variant.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// The backend every query is built for.
pub type Backend = MultiBackend;

/// The pool of connections, and which backend they reach.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<Manager>,
    database: Database,
    /// Whether the last attempt to open a connection failed.
    refused: Arc<AtomicBool>,
}

impl DbPool {
    pub fn get(&self) -> Result<PooledConnection<Manager>, PoolError> {
        self.pool.get()
    }

    /// A connection for a request: [`Self::get`], except while the
    /// database is unreachable. With no connection open and the last
    /// attempt to open one failed, no connection can come back to the pool,
    /// and the attempt that would end the wait is already being retried: the
    /// client hears so at once (503) instead of after the pool's timeout.
    pub fn checkout(&self) -> Result<PooledConnection<Manager>, ApiError> {
        if self.refused.load(Ordering::Relaxed) && self.pool.state().connections == 0 {
            return self.pool.try_get().ok_or_else(|| {
                ApiError::Unavailable("the database cannot be reached; no connection is open".to_owned())
            });
        }
        self.pool.get().map_err(ApiError::from)
    }

    pub fn state(&self) -> diesel::r2d2::State {
        self.pool.state()
    }

    pub fn is_postgres(&self) -> bool {
        self.database.is_postgres()
    }

    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// How long a wait for a connection may last (`NEWSROOM_DATABASE_TIMEOUT`).
    pub fn timeout(&self) -> std::time::Duration {
        self.pool.connection_timeout()
    }

    /// A connection of its own, outside the pool, with the pool's settings
    /// and, on SQLite, a page cache of `cache_kib` instead of 1 MiB: for a
    /// thread that writes all the time and would otherwise read back from
    /// the file the pages it just wrote.
    pub fn dedicated(&self, cache_kib: u32) -> Result<Conn, diesel::r2d2::Error> {
        let mut conn = self.database.establish().map_err(diesel::r2d2::Error::ConnectionError)?;
        Settings.on_acquire(&mut conn)?;
        if let Conn::Sqlite(sqlite) = &mut conn {
            sqlite
                .batch_execute(&format!("PRAGMA cache_size = -{cache_kib};"))
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(conn)
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Which database, from `NEWSROOM_DATABASE_URL`.
#[derive(Clone)]
pub enum Database {
    /// A SQLite file, created with its folder when missing.
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL (it may hold a password).
    Postgres(SecretString),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "SQLite at {}", path.display()),
            // Where, never who: the URL may hold a password.
            Self::Postgres(url) => match url::Url::parse(url.expose_secret()) {
                Ok(url) => write!(f, "PostgreSQL at {}{}", url.host_str().unwrap_or("localhost"), url.path()),
                Err(_) => f.write_str("PostgreSQL"),
            },
        }
    }
}

impl Database {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// Where the site's own files go unless configured elsewhere (the JWT
    /// secret, the mail outbox, media): beside a SQLite database, so that one
    /// folder holds the whole site; `data` in the working folder with
    /// PostgreSQL.
    pub fn data_folder(&self) -> PathBuf {
        match self {
            Self::Sqlite(path) => {
                path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned()
            }
            Self::Postgres(_) => PathBuf::from("data"),
        }
    }

    /// A new connection, with the real reason when it cannot be opened:
    /// deriving `MultiConnection` would report only that no backend accepted
    /// the URL.
    pub fn establish(&self) -> Result<Conn, ConnectionError> {
        match self {
            Self::Sqlite(path) => SqliteConnection::establish(&path.to_string_lossy()).map(Conn::Sqlite),
            Self::Postgres(url) => {
                // libpq would initialise OpenSSL with its exit-time cleanup,
                // which frees what threads still holding connections use: a
                // process that exits with a pool open (the test harness, a
                // shutdown) then dies of SIGSEGV in `init_thread_deregister`.
                // Initialised first without it, it is left to the OS.
                openssl_sys::init();
                PgConnection::establish(&with_timeouts(url.expose_secret())).map(Conn::Postgres)
            }
        }
    }
}

/// libpq settings that bound how long a connection waits on a server that
/// went away: connecting gives up after 2 s, and a connection whose peer
/// stops acknowledging (a cut link, a dead host) fails within about 10 s
/// instead of waiting for the system's TCP timeouts (minutes). What the URL
/// says itself stays.
fn with_timeouts(url: &str) -> String {
    const BOUNDS: [(&str, &str); 5] = [
        ("connect_timeout", "2"),
        ("keepalives_idle", "5"),
        ("keepalives_interval", "2"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "10000"),
    ];
    let Ok(mut parsed) = url::Url::parse(url) else { return url.to_owned() };
    let given: Vec<String> = parsed.query_pairs().map(|(key, _)| key.into_owned()).collect();
    {
        let mut query = parsed.query_pairs_mut();
        for (key, value) in BOUNDS.iter().filter(|(key, _)| !given.iter().any(|given| given == key)) {
            query.append_pair(key, value);
        }
    }
    parsed.to_string()
}

/// Opens connections of the configured backend for the pool.
pub struct Manager {
    database: Database,
    refused: Arc<AtomicBool>,
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        let connected = self.database.establish();
        self.refused.store(connected.is_err(), Ordering::Relaxed);
        connected.map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.is_broken()
    }
}

#[derive(Debug)]
struct Settings;

impl CustomizeConnection<Conn, diesel::r2d2::Error> for Settings {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        // busy_timeout first: switching to WAL can itself wait for a lock.
        // Checkpoints run on a timer (`checkpoint`) instead of inside whichever
        // write happens to cross the WAL threshold, which stalled that writer
        // and every writer queued behind it. A 1 MiB page cache per connection
        // keeps memory flat; the OS caches the file anyway. The WAL file is
        // cut back to 64 MiB whenever it restarts, or a burst of writes would
        // leave it (and the index every connection maps) at its peak size.
        let settings = match conn {
            Conn::Sqlite(_) => {
                "PRAGMA busy_timeout = 5000;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA wal_autocheckpoint = 0;
                 PRAGMA journal_size_limit = 67108864;
                 PRAGMA cache_size = -1024;"
            }
            // Timestamps are stored without a zone and meant as UTC.
            Conn::Postgres(_) => "SET TIME ZONE 'UTC';",
        };
        conn.batch_execute(settings).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Failure to open or migrate the database at start-up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("NEWSROOM_DATABASE_URL: cannot create the database folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error("NEWSROOM_DATABASE_URL: cannot open the database: {0}")]
    Open(String),
    #[error("cannot open the database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot apply migrations: {0}")]
    Migrations(String),
}

/// The reason a connection failed, in one line: libpq's own message (wrong
/// password, missing database, refused connection…) without its line breaks.
fn one_line(error: &ConnectionError) -> String {
    error.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How long a command waits for a connection of its pool; the server's is
/// `NEWSROOM_DATABASE_TIMEOUT`.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a pool of `size` connections on `database`, creating a SQLite file
/// and its folder when missing; a request waits at most `timeout` for one.
/// A first connection is opened alone, so that a database that cannot be
/// reached fails here with its reason.
pub fn connect(database: &Database, size: u32, timeout: Duration) -> Result<DbPool, SetupError> {
    if let Database::Sqlite(path) = database {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            private::create_folder(folder).map_err(|e| SetupError::Folder(folder.display().to_string(), e))?;
        }
        private::ensure_file(path).map_err(|e| SetupError::Open(format!("{}: {e}", path.display())))?;
    }
    // On SQLite, WAL is a property of the file: switch it once, alone, before
    // the pool opens its connections in parallel and they race for that lock.
    let mut first = database.establish().map_err(|e| SetupError::Open(one_line(&e)))?;
    Settings.on_acquire(&mut first).map_err(|e| SetupError::Open(e.to_string()))?;
    drop(first);
    let refused = Arc::new(AtomicBool::new(false));
    let pool = Pool::builder()
        .max_size(size.max(1))
        .connection_timeout(timeout)
        .connection_customizer(Box::new(Settings))
        .build(Manager { database: database.clone(), refused: refused.clone() })?;
    Ok(DbPool { pool, database: database.clone(), refused })
}

/// Applies pending migrations of the backend. On SQLite, then lets it refresh
/// the planner's statistics where they are missing or stale (without them it
/// may walk the status index instead of looking up ids), and empties the
/// WAL, which a migration or bulk load can leave gigabytes long and which
/// every reader would otherwise search until the first checkpoint. Returns
/// how many migrations ran.
pub fn migrate(pool: &DbPool) -> Result<usize, SetupError> {
    let mut conn = pool.get()?;
    let failed = |e: &dyn std::fmt::Display| SetupError::Migrations(e.to_string());
    match &mut *conn {
        Conn::Sqlite(sqlite) => {
            let applied = sqlite.run_pending_migrations(SQLITE_MIGRATIONS).map_err(|e| failed(&e))?.len();
            optimize(&mut conn).map_err(|e| failed(&e))?;
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);").map_err(|e| failed(&e))?;
            Ok(applied)
        }
        Conn::Postgres(postgres) => {
            // Two instances started together must not both migrate: the
            // first takes this lock for the session, the other waits, then
            // finds nothing pending.
            postgres.batch_execute("SELECT pg_advisory_lock(7140002001);").map_err(|e| failed(&e))?;
            let applied = postgres.run_pending_migrations(POSTGRES_MIGRATIONS).map(|applied| applied.len());
            postgres.batch_execute("SELECT pg_advisory_unlock(7140002001);").map_err(|e| failed(&e))?;
            applied.map_err(|e| failed(&e))
        }
    }
}

/// On SQLite, copies what it can from the WAL into the database file without
/// waiting for readers or blocking writers; the periodic task runs it.
/// PostgreSQL checkpoints itself.
pub fn checkpoint(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        Conn::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA wal_checkpoint(PASSIVE);"),
        Conn::Postgres(_) => Ok(()),
    }
}

/// Refreshes the planner's statistics where they are stale: SQLite's
/// `PRAGMA optimize` over every table (0x10002), cheap when nothing changed;
/// PostgreSQL's autovacuum does this itself.
pub fn optimize(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        // The limit keeps ANALYZE to a sample, so this stays cheap on big tables.
        Conn::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;"),
        Conn::Postgres(_) => Ok(()),
    }
}

/// Before a long bulk write on this connection (an import): on SQLite, a
/// page cache of up to 128 MiB instead of a serving connection's 1 MiB. With
/// the small one, a transaction bigger than the cache reads its own pages
/// back from the WAL for every row it adds (BENCHMARKS.md, 9).
pub fn prepare_bulk_write(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        Conn::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA cache_size = -131072;"),
        Conn::Postgres(_) => Ok(()),
    }
}

/// After a bulk load: fresh planner statistics for the new sizes, and on
/// SQLite a compact file with an empty WAL; on PostgreSQL a vacuum, which
/// also marks the new rows all-visible so index-only scans skip the heap.
pub fn settle_after_bulk_load(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        Conn::Sqlite(sqlite) => sqlite.batch_execute("ANALYZE; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);"),
        Conn::Postgres(postgres) => postgres.batch_execute("VACUUM (ANALYZE);"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_timeouts;

    #[test]
    fn postgres_urls_get_bounded_waits_unless_they_set_their_own() {
        let bounded = with_timeouts("postgres://news:secret@db.example/news");
        assert!(bounded.starts_with("postgres://news:secret@db.example/news?connect_timeout=2&"), "{bounded}");
        assert!(bounded.contains("tcp_user_timeout=10000"), "{bounded}");
        let own = with_timeouts("postgres://db.example/news?connect_timeout=9&sslmode=require");
        assert!(own.contains("connect_timeout=9") && !own.contains("connect_timeout=2"), "{own}");
        assert!(own.contains("sslmode=require&keepalives_idle=5"), "{own}");
    }
}
