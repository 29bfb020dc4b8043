//! [`AppState`]: what every handler shares, registered once as `web::Data`.

use std::sync::Arc;
use std::time::Duration;

use crate::articles::cache::PublicCache;
use crate::auth::rate_limit::IpRateLimit;
use crate::auth::throttle::Throttle;
use crate::auth::tokens::JwtKeys;
use crate::categories::TreeCache;
use crate::config::Config;
use crate::db::DbPool;
use crate::mail::Mailer;
use crate::votes::VoteRateLimit;

/// Failed logins allowed per account in [`LOGIN_FAILURE_WINDOW`].
pub const LOGIN_FAILURES_ALLOWED: u32 = 10;
pub const LOGIN_FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Reset mails asked per address (known or not) in [`RESET_REQUEST_WINDOW`].
pub const RESET_REQUESTS_ALLOWED: u32 = 5;
pub const RESET_REQUEST_WINDOW: Duration = Duration::from_secs(60 * 60);

pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    /// Failed logins per account email key.
    pub login_failures: Throttle,
    /// Reset requests per email key.
    pub reset_requests: Throttle,
    /// Requests per client IP on `/api/v1/auth/*`; `None` when disabled.
    pub auth_rate_limit: Option<IpRateLimit>,
    /// Vote changes per user; `None` when disabled.
    pub vote_rate_limit: Option<VoteRateLimit>,
    pub mailer: Mailer,
    /// The category tree, shared briefly between requests.
    pub categories: Arc<TreeCache>,
    /// What anonymous readers get, shared briefly between requests.
    pub public_cache: PublicCache,
    /// Where request and pool metrics are registered.
    pub metrics: prometheus::Registry,
}

impl AppState {
    pub fn new(
        pool: DbPool,
        config: Arc<Config>,
        mailer: Mailer,
        metrics: prometheus::Registry,
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            jwt: JwtKeys::new(&config.jwt_secret)?,
            login_failures: Throttle::new(LOGIN_FAILURES_ALLOWED, LOGIN_FAILURE_WINDOW),
            reset_requests: Throttle::new(RESET_REQUESTS_ALLOWED, RESET_REQUEST_WINDOW),
            auth_rate_limit: IpRateLimit::per_minute(config.auth_rate_limit),
            vote_rate_limit: VoteRateLimit::per_minute(config.vote_rate_limit),
            pool,
            config,
            mailer,
            categories: Arc::default(),
            public_cache: PublicCache::default(),
            metrics,
        })
    }
}
