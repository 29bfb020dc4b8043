//! [`AppState`]: what every handler shares, registered once as `web::Data`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::attempts::RESET_REQUEST_WINDOW;
use crate::auth::tokens::JwtKeys;
use crate::cluster;
use crate::config::Config;
use crate::deliveries::dispatch;
use crate::effects::{AfterCommit, Caches, Effects, Outgoing};
use crate::error::ApiError;
use crate::limiter::Limiter;
use crate::mail::Mailer;
use crate::media::store::MediaStore;
use crate::seal::Sealer;
use crate::store::{self, AsDieselError, Conn, DbPool, Isolation};
use crate::votes::batch::VoteWriter;
use crate::webhooks::client::WebhookClient;

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
    /// What this instance remembers between requests.
    pub caches: Arc<Caches>,
    /// Acts on what each committed write changed.
    pub after_commit: Arc<AfterCommit>,
    /// The files of the media library.
    pub media: MediaStore,
    /// Seals what is kept that must not be read from a dump: queued mail,
    /// kept responses.
    pub sealer: Arc<Sealer>,
    /// Writes votes in shared transactions (group commit).
    pub vote_writer: VoteWriter,
    /// This instance's name in its announcements to the others ([`cluster`]).
    pub instance: Arc<str>,
    /// Where request and pool metrics are registered.
    pub metrics: prometheus::Registry,
}

impl AppState {
    pub fn new(
        pool: DbPool,
        config: Arc<Config>,
        mailer: Mailer,
        metrics: prometheus::Registry,
    ) -> Result<Self, StateError> {
        let postgres = config.database.is_postgres();
        let caches = Caches::new(!postgres);
        let instance: Arc<str> = cluster::instance_name().into();
        let secret = config.require_jwt_secret()?;
        let sealer = Arc::new(Sealer::derive(secret).map_err(|_| StateError::Sealer)?);
        let senders = dispatch::Senders {
            mailer,
            mail_from: config.mail_from.clone(),
            sealer: sealer.clone(),
            webhooks: WebhookClient::new(config.webhook_allow_private).map_err(StateError::WebhookClient)?,
            first_retry: config.delivery_first_retry,
        };
        let media = MediaStore::open(&config.media)?;
        let deliveries = dispatch::start(pool.clone(), senders);
        let after_commit = Arc::new(AfterCommit::new(caches.clone(), deliveries));
        let vote_writer =
            VoteWriter::start(pool.clone(), after_commit.clone(), instance.clone()).map_err(StateError::VoteWriter)?;
        Ok(Self {
            jwt: JwtKeys::new(secret)?,
            limits: Limits::new(&config),
            caches,
            after_commit,
            sealer,
            media,
            vote_writer,
            instance,
            pool,
            config,
            metrics,
        })
    }

    /// Runs `work` in a write transaction ([`store::write`]), queues the mail
    /// and webhook events it recorded in its [`Effects`] in that same
    /// transaction, and once it has committed acts on the rest. A
    /// transaction run again (a lost race on PostgreSQL) starts with none.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnMut(&mut Conn, &mut Effects) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + From<diesel::result::Error> + AsDieselError + Send + 'static,
    {
        self.write_as(Isolation::Serializable, work).await
    }

    /// [`AppState::write`] with the given isolation on PostgreSQL.
    pub async fn write_as<T, E, F>(&self, isolation: Isolation, mut work: F) -> Result<T, ApiError>
    where
        F: FnMut(&mut Conn, &mut Effects) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<ApiError> + From<diesel::result::Error> + AsDieselError + Send + 'static,
    {
        let sealer = self.sealer.clone();
        let site_name = self.config.site_name.clone();
        let instance = self.instance.clone();
        let (value, effects) = store::write_as(&self.pool, isolation, move |conn| {
            let mut effects = Effects::new();
            let value = work(conn, &mut effects)?;
            effects.queue(conn, Outgoing { sealer: Some(&sealer), site_name: &site_name })?;
            effects.announce(conn, &instance)?;
            Ok::<_, E>((value, effects))
        })
        .await?;
        self.after_commit.apply(effects);
        Ok(value)
    }
}

/// Why the shared state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("JSON Web Token keys: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    #[error("cannot start the vote writer: {0}")]
    VoteWriter(std::io::Error),
    #[error(transparent)]
    Media(#[from] crate::media::store::OpenError),
    #[error("cannot derive the sealing key from the JWT secret")]
    Sealer,
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot build the webhook client: {0}")]
    WebhookClient(reqwest::Error),
}
