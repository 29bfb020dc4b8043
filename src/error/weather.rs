//! The database's weather: errors that say nothing about the request and
//! pass on their own (a connection lost, a server restarting, a race lost
//! too often), or that need room made on the disk. Clients get 503 or 507
//! for them, with `Retry-After`, never a 500.

use diesel::result::{DatabaseErrorKind, Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weather {
    /// Retry in a moment.
    Unavailable,
    /// The disk or the process's file-size limit is full.
    StorageFull,
}

/// Messages of both backends that mean the disk is full: SQLite's
/// SQLITE_FULL, PostgreSQL's `disk_full` (53100) and the OS's ENOSPC/EFBIG.
const FULL: [&str; 4] =
    ["database or disk is full", "No space left on device", "File too large", "could not extend file"];

/// Messages that mean the connection went away under the statement.
const LOST: [&str; 7] = [
    "server closed the connection",
    "terminating connection",
    "connection to server",
    "no connection to the server",
    "could not receive data from server",
    "could not send data to server",
    "SSL connection has been closed",
];

/// Messages that mean the server is unwell or a wait ran out, rather than
/// that the request was wrong.
const GONE: [&str; 5] = [
    "the database system is",
    "canceling statement due to",
    "deadlock detected",
    "database is locked",
    "disk I/O error",
];

/// True when `error` says the connection was lost (a server restart, a cut
/// link): a read can be tried again on another connection.
pub fn connection_lost(error: &Error) -> bool {
    match error {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => true,
        Error::DatabaseError(_, info) => LOST.iter().any(|lost| info.message().contains(lost)),
        _ => false,
    }
}

/// What kind of weather `error` is, if any.
pub fn weather(error: &Error) -> Option<Weather> {
    // What diesel says of a connection lost inside a transaction: the
    // connection is dropped from the pool when it comes back.
    if matches!(error, Error::BrokenTransactionManager) {
        return Some(Weather::Unavailable);
    }
    let Error::DatabaseError(kind, info) = error else { return None };
    let message = info.message();
    if FULL.iter().any(|full| message.contains(full)) {
        return Some(Weather::StorageFull);
    }
    let gone = connection_lost(error)
        || matches!(kind, DatabaseErrorKind::SerializationFailure)
        || GONE.iter().any(|gone| message.contains(gone));
    gone.then_some(Weather::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn lost_connections_and_full_disks_are_weather_and_mistakes_are_not() {
        let unknown = DatabaseErrorKind::Unknown;
        assert_eq!(weather(&database_error(unknown, "database or disk is full")), Some(Weather::StorageFull));
        assert_eq!(
            weather(&database_error(unknown, "could not extend file base/1/2: No space left on device")),
            Some(Weather::StorageFull)
        );
        assert_eq!(
            weather(&database_error(DatabaseErrorKind::ClosedConnection, "anything")),
            Some(Weather::Unavailable)
        );
        assert_eq!(
            weather(&database_error(unknown, "terminating connection due to administrator command")),
            Some(Weather::Unavailable)
        );
        assert_eq!(weather(&database_error(DatabaseErrorKind::SerializationFailure, "x")), Some(Weather::Unavailable));
        assert_eq!(weather(&database_error(DatabaseErrorKind::UniqueViolation, "duplicate key")), None);
        assert_eq!(weather(&Error::BrokenTransactionManager), Some(Weather::Unavailable));
        assert_eq!(weather(&Error::NotFound), None);
    }

    #[test]
    fn only_a_lost_connection_is_worth_a_read_on_another() {
        assert!(connection_lost(&database_error(DatabaseErrorKind::ClosedConnection, "anything")));
        assert!(connection_lost(&database_error(
            DatabaseErrorKind::Unknown,
            "terminating connection due to administrator command"
        )));
        assert!(!connection_lost(&database_error(DatabaseErrorKind::Unknown, "the database system is starting up")));
        assert!(!connection_lost(&database_error(DatabaseErrorKind::UniqueViolation, "duplicate key")));
    }
}
