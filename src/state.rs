//! [`AppState`]: what every handler shares, registered once as `web::Data`.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::throttle::Throttle;
use crate::auth::tokens::JwtKeys;
use crate::config::Config;
use crate::db::DbPool;

/// Failed logins allowed per account in [`LOGIN_FAILURE_WINDOW`].
pub const LOGIN_FAILURES_ALLOWED: u32 = 10;
pub const LOGIN_FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    /// Failed logins per account email key.
    pub login_failures: Throttle,
    /// Where request and pool metrics are registered.
    pub metrics: prometheus::Registry,
}

impl AppState {
    pub fn new(
        pool: DbPool,
        config: Arc<Config>,
        metrics: prometheus::Registry,
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            jwt: JwtKeys::new(&config.jwt_secret)?,
            pool,
            config,
            login_failures: Throttle::new(LOGIN_FAILURES_ALLOWED, LOGIN_FAILURE_WINDOW),
            metrics,
        })
    }
}
