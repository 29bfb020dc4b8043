//! [`AppState`]: what every handler shares, registered once as `web::Data`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::attempts::RESET_REQUEST_WINDOW;
use crate::auth::sessions::SessionCache;
use crate::auth::tokens::JwtKeys;
use crate::cluster::{Announcer, Caches, Change};
use crate::config::Config;
use crate::limiter::Limiter;
use crate::mail::{Mail, Mailer, Recipient};
use crate::store::DbPool;
use crate::users::db::UserRow;
use crate::votes::batch::VoteWriter;
use crate::votes::mine::VoteSets;

/// Every in-process limit, each bounded in the keys it remembers; each
/// instance counts its own. Those all instances share are in
/// [`crate::auth::attempts`].
pub struct Limits {
    /// Reset requests per client IP; `None` when disabled.
    pub reset_requests_by_ip: Option<Limiter<IpAddr>>,
    /// Requests per client IP on `/api/v1/auth/*`; `None` when disabled.
    pub auth_requests: Option<Limiter<IpAddr>>,
    /// Vote changes per user; `None` when disabled.
    pub votes: Option<Limiter<i32>>,
}

impl Limits {
    pub fn new(config: &Config) -> Self {
        const MINUTE: Duration = Duration::from_secs(60);
        Self {
            reset_requests_by_ip: Limiter::unless_zero(config.reset_rate_limit, RESET_REQUEST_WINDOW),
            auth_requests: Limiter::unless_zero(config.auth_rate_limit, MINUTE),
            votes: Limiter::unless_zero(config.vote_rate_limit, MINUTE),
        }
    }
}

pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    pub limits: Limits,
    pub mailer: Mailer,
    /// The category tree and what anonymous readers get, shared briefly
    /// between requests.
    pub caches: Arc<Caches>,
    /// Live sessions and readers' own votes, remembered between requests
    /// where this process sees every write to them: on SQLite; `None` on
    /// PostgreSQL, where other instances write too.
    pub sessions: Option<SessionCache>,
    pub my_votes: Option<VoteSets>,
    /// Writes votes in shared transactions (group commit); `None` on
    /// PostgreSQL, where each vote has its own.
    pub vote_writer: Option<VoteWriter>,
    /// Tells the other instances on the same PostgreSQL database what
    /// changed; `None` on SQLite.
    pub announcer: Option<Announcer>,
    /// Where request and pool metrics are registered.
    pub metrics: prometheus::Registry,
}

impl AppState {
    pub fn new(
        pool: DbPool,
        config: Arc<Config>,
        mailer: Mailer,
        metrics: prometheus::Registry,
        vote_writer: Option<VoteWriter>,
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            jwt: JwtKeys::new(&config.jwt_secret)?,
            limits: Limits::new(&config),
            announcer: config.database.is_postgres().then(|| Announcer::start(pool.clone())),
            sessions: (!config.database.is_postgres()).then(SessionCache::default),
            my_votes: (!config.database.is_postgres()).then(VoteSets::default),
            vote_writer,
            pool,
            config,
            mailer,
            caches: Caches::new(),
            metrics,
        })
    }
}

impl AppState {
    /// After a write that makes cached responses wrong: clears them here at
    /// once, and on the other instances as soon as they hear of it.
    pub fn changed(&self, change: Change) {
        self.caches.apply(change);
        if let Some(announcer) = &self.announcer {
            announcer.announce(change);
        }
    }

    /// After a committed write that ended sessions of `user_id` or changed
    /// what their tokens may do: their next request is checked in the database.
    pub fn sessions_ended(&self, user_id: i32) {
        if let Some(sessions) = &self.sessions {
            sessions.ended(user_id);
        }
    }

    /// Sends `mail` from the configured sender, after the answer.
    pub fn send_mail(&self, mail: Mail) {
        self.mailer.send_later(self.config.mail_from.clone(), mail);
    }

    /// Sends `user` the mail `compose` writes for them, if their address is
    /// one a mail can go to.
    pub fn send_mail_to(&self, user: &UserRow, compose: impl FnOnce(&Recipient<'_>) -> Option<Mail>) {
        if let Some(mail) = compose(&Recipient { email: &user.email, display_name: &user.display_name }) {
            self.send_mail(mail);
        }
    }
}
