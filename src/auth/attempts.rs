//! Limits that every instance of a site counts together: wrong passwords per
//! account and reset mails per address. Spread over instances behind a load
//! balancer, an attacker's guesses must not get a budget per instance, so
//! these counts live in the database (`attempt_limits`), with the same GCRA as
//! the in-process limits ([`Rate`]): one row per key holding its theoretical
//! arrival time, read and moved in one write transaction.

use std::time::Duration;

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::limiter::Rate;
use crate::schema::attempt_limits;
use crate::store::{self, Conn, DbPool, on_backend};

/// Wrong passwords allowed per account in [`PASSWORD_FAILURE_WINDOW`],
/// counted across login, password change and account deletion.
pub const PASSWORD_FAILURES_ALLOWED: u32 = 10;
pub const PASSWORD_FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Reset mails asked per address (known or not) in [`RESET_REQUEST_WINDOW`];
/// also how many of a user's links stay valid at once.
pub const RESET_REQUESTS_ALLOWED: u32 = 5;
pub const RESET_REQUEST_WINDOW: Duration = Duration::from_secs(60 * 60);

/// Wrong passwords per account, keyed by its email key.
pub const PASSWORD_FAILURES: AttemptLimit =
    AttemptLimit { name: "password_failures", max: PASSWORD_FAILURES_ALLOWED, window: PASSWORD_FAILURE_WINDOW };
/// Reset mails per address, keyed by its email key.
pub const RESET_REQUESTS: AttemptLimit =
    AttemptLimit { name: "reset_requests", max: RESET_REQUESTS_ALLOWED, window: RESET_REQUEST_WINDOW };

/// At most `max` attempts per key in any `window`, counted in the database.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimit {
    name: &'static str,
    max: u32,
    window: Duration,
}

impl AttemptLimit {
    /// Counts one attempt for `key`, or answers 429 counting nothing.
    pub async fn spend(self, pool: &DbPool, key: &str) -> Result<(), ApiError> {
        let subject = subject(key);
        store::write(pool, move |conn| self.spend_on(conn, &subject, now_ms())).await
    }

    /// Gives `key` its whole allowance back (after a right password).
    pub async fn restore(self, pool: &DbPool, key: &str) -> Result<(), ApiError> {
        let subject = subject(key);
        store::write(pool, move |conn| {
            diesel::delete(attempt_limits::table.find((self.name, &subject))).execute(conn).map_err(ApiError::from)
        })
        .await
        .map(drop)
    }

    fn spend_on(self, conn: &mut Conn, subject: &str, now_ms: i64) -> Result<(), ApiError> {
        let tat: Option<i64> =
            attempt_limits::table.find((self.name, subject)).select(attempt_limits::tat_ms).first(conn).optional()?;
        let backlog = tat.map_or(Duration::ZERO, |tat| {
            Duration::from_millis(u64::try_from(tat.saturating_sub(now_ms)).unwrap_or(0))
        });
        let backlog = Rate::new(self.max, self.window).spend(backlog)?;
        let tat = now_ms.saturating_add(i64::try_from(backlog.as_millis()).unwrap_or(i64::MAX));
        let row = (
            attempt_limits::limit_name.eq(self.name),
            attempt_limits::subject.eq(subject),
            attempt_limits::tat_ms.eq(tat),
        );
        on_backend!(conn, |conn| diesel::insert_into(attempt_limits::table)
            .values(row)
            .on_conflict((attempt_limits::limit_name, attempt_limits::subject))
            .do_update()
            .set(attempt_limits::tat_ms.eq(tat))
            .execute(conn))?;
        Ok(())
    }
}

/// Deletes the keys whose allowance is whole again; housekeeping runs it.
pub fn delete_refilled(conn: &mut Conn) -> QueryResult<usize> {
    diesel::delete(attempt_limits::table.filter(attempt_limits::tat_ms.le(now_ms()))).execute(conn)
}

/// What a key is stored as: the first 128 bits of its SHA-256 in hex, so the
/// table holds no addresses and every key has the same size.
fn subject(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_fixed_size_hashes() {
        assert_eq!(subject("a"), subject("a"));
        assert_ne!(subject("a"), subject("b"));
        assert_eq!(subject(&"x".repeat(1000)).len(), 32);
        assert!(!subject("reader@example.com").contains("example"));
    }
}
