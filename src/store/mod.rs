//! The database: one connection type for both backends ([`Conn`]), the pool,
//! per-connection settings, the embedded migrations of each backend, and
//! [`run`] and [`write`], the one way request handlers touch the database.
//!
//! SQLite lets one connection write at a time, so writers queue in this
//! process and run in immediate transactions. PostgreSQL arbitrates itself:
//! writes run in serializable transactions, retried when the database
//! reports a serialization failure or a deadlock (votes, which lock the row
//! they count on, in read-committed ones). What the database's weather
//! causes (a lost connection, a full disk) is told apart in
//! [`crate::error::weather`].

mod macros;
mod pool;
mod transactions;

pub(crate) use macros::{on_backend, text_enum};
pub use pool::{
    Backend, COMMAND_TIMEOUT, Conn, Database, DbPool, Manager, SetupError, checkpoint, connect, migrate, optimize,
    prepare_bulk_write, settle_after_bulk_load,
};
pub use transactions::{
    AsDieselError, Isolation, read, run, write, write_as, write_on, write_on_as, write_transaction,
};
