//! Which sessions are live, remembered between requests so that a signed-in
//! read needs no database round trip to check its token.
//!
//! Revocation stays immediate because every write that ends a session or
//! changes what a token may do (logout, logout-all, a reused refresh token, a
//! password change or reset, a role change, disabling, deleting) calls
//! [`SessionCache::ended`] for the user once it has committed, and what is
//! remembered carries the count of such calls it was read under: an entry
//! read before the latest call for its user is never used. A request that
//! loaded a session just before a revocation committed therefore cannot
//! leave a live entry behind it.
//!
//! On PostgreSQL other instances revoke too: their revocations arrive as
//! announcements ([`crate::cluster`]) and call [`SessionCache::ended`] here
//! as well, and what is remembered is believed only while this instance
//! hears them ([`crate::caches::Caches::sessions`]).

use chrono::NaiveDateTime;
use moka::sync::Cache;

use crate::generations::Generations;
use crate::time;
use crate::users::db::Credentials;
use crate::users::fields::Role;

/// Sessions remembered at most; about 100 bytes each.
const CAPACITY: u64 = 50_000;

#[derive(Clone)]
struct Live {
    user_id: i32,
    role: Role,
    token_version: i32,
    /// When the session's newest refresh token expires.
    until: NaiveDateTime,
    /// The user's revocations ([`Generations`]) when the session was read.
    read_under: u64,
}

pub struct SessionCache {
    live: Cache<String, Live>,
    revocations: Generations,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self { live: Cache::builder().max_capacity(CAPACITY).build(), revocations: Generations::default() }
    }
}

/// What to hand back to [`SessionCache::remember`]: taken before the
/// database is read.
#[derive(Clone, Copy)]
pub struct Mark(u64);

impl SessionCache {
    /// The caller's role, if `session` is remembered live for this user and
    /// token version; `None` means "ask the database", not "refused".
    pub fn check(&self, user_id: i32, token_version: i32, session: &str) -> Option<Role> {
        let live = self.live.get(session)?;
        let current = live.user_id == user_id
            && live.token_version == token_version
            && live.read_under == self.revocations.current(user_id)
            && time::now() < live.until;
        current.then_some(live.role)
    }

    pub fn mark(&self, user_id: i32) -> Mark {
        Mark(self.revocations.current(user_id))
    }

    /// Remembers a live session read from the database after `mark` was taken.
    pub fn remember(&self, mark: Mark, session: &str, user: &Credentials, until: NaiveDateTime) {
        let live =
            Live { user_id: user.id, role: user.role, token_version: user.token_version, until, read_under: mark.0 };
        self.live.insert(session.to_owned(), live);
    }

    /// After a committed write that ended sessions of `user_id` or changed
    /// what their tokens may do.
    pub fn ended(&self, user_id: i32) {
        self.revocations.advance(user_id);
    }

    /// After revocations may have been missed: no session read before is believed.
    pub fn forget_all(&self) {
        self.revocations.advance_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(id: i32) -> Credentials {
        Credentials { id, role: Role::Reader, disabled: false, token_version: 1 }
    }

    #[test]
    fn a_remembered_session_serves_until_its_user_is_revoked() {
        let cache = SessionCache::default();
        let later = time::now() + chrono::Duration::hours(1);
        cache.remember(cache.mark(7), "s", &reader(7), later);
        assert_eq!(cache.check(7, 1, "s"), Some(Role::Reader));
        assert!(cache.check(7, 2, "s").is_none(), "another token version");
        assert!(cache.check(8, 1, "s").is_none(), "another user");
        cache.ended(7);
        assert!(cache.check(7, 1, "s").is_none());
        cache.remember(cache.mark(9), "t", &reader(9), later);
        cache.forget_all();
        assert!(cache.check(9, 1, "t").is_none(), "forgetting all ends every remembered session");
    }

    #[test]
    fn a_session_read_before_a_revocation_is_not_remembered_live() {
        let cache = SessionCache::default();
        let mark = cache.mark(7);
        cache.ended(7);
        cache.remember(mark, "s", &reader(7), time::now() + chrono::Duration::hours(1));
        assert!(cache.check(7, 1, "s").is_none());
    }

    #[test]
    fn an_expired_session_is_not_served() {
        let cache = SessionCache::default();
        cache.remember(cache.mark(7), "s", &reader(7), time::now() - chrono::Duration::seconds(1));
        assert!(cache.check(7, 1, "s").is_none());
    }
}
