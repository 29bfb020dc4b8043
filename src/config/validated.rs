//! [`Config`]: the settings checked and in the types the server uses.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::settings::Settings;
use super::values::{
    ArticleUrl, ConfigError, CorsOrigins, MediaStoreUrl, cors_origins, database, media_public_url, smtp_url,
    stored_jwt_secret,
};
use crate::proxy::TrustedProxies;
use crate::store::Database;

/// The shortest HMAC key we accept: HS256 is only as strong as its key.
const MIN_JWT_SECRET_BYTES: usize = 32;

/// Validated configuration shared by every part of the server.
pub struct Config {
    pub database: Database,
    pub database_pool_size: u32,
    /// Longest wait for a database connection.
    pub database_timeout: std::time::Duration,
    pub bind: SocketAddr,
    /// Unset only on PostgreSQL without `NEWSROOM_JWT_SECRET`, where the
    /// commands that do not serve run without one.
    pub jwt_secret: Option<SecretString>,
    pub public_url: Url,
    pub article_url: ArticleUrl,
    pub site_name: String,
    pub sitemap_urls_per_file: usize,
    pub smtp_url: Option<SecretString>,
    pub mail_outbox: PathBuf,
    pub mail_from: Mailbox,
    pub cors_origins: CorsOrigins,
    pub trusted_proxies: TrustedProxies,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub reset_token_ttl: Duration,
    pub auth_rate_limit: u32,
    pub reset_rate_limit: u32,
    pub vote_rate_limit: u32,
    pub max_collections: u32,
    pub max_collection_articles: u32,
    pub revisions_kept: u32,
    pub webhook_allow_private: bool,
    pub delivery_first_retry: Duration,
    pub password_min_length: usize,
    pub media: MediaConfig,
}

/// Where media files are kept and fetched, and what an upload may be.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub store: MediaStoreUrl,
    /// How an `s3://` store is reached; the `AWS_*` variables not named
    /// here (a session token, a profile) are read as the AWS SDKs do.
    pub s3: S3Access,
    /// Ends with `/`: a file's URL is this and its key.
    pub public_url: Url,
    pub max_bytes: u64,
    pub max_pixels: u64,
}

#[derive(Clone)]
pub struct S3Access {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<SecretString>,
}

impl fmt::Debug for S3Access {
    // Hand-written so that the secret key never reaches a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Access")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The key tokens are signed with, which serving needs.
    pub fn require_jwt_secret(&self) -> Result<&SecretString, ConfigError> {
        self.jwt_secret.as_ref().ok_or_else(|| {
            ConfigError::new(
                "NEWSROOM_JWT_SECRET",
                "must be set with PostgreSQL, the same for every instance of the site",
            )
        })
    }
}

impl fmt::Debug for Config {
    // Hand-written so that secrets never reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database)
            .field("bind", &self.bind)
            .field("public_url", &self.public_url.as_str())
            .field("smtp", &self.smtp_url.is_some())
            .field("mail_outbox", &self.mail_outbox)
            .field("cors_origins", &self.cors_origins)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Parses settings from flags (and the environment), as the binary does;
    /// used by tests to build a configuration without a process of its own.
    pub fn from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            settings: Settings,
        }
        let args = std::iter::once(std::ffi::OsString::from("newsroom")).chain(args.into_iter().map(Into::into));
        Wrapper::try_parse_from(args).map(|wrapper| wrapper.settings)
    }

    /// Validates every setting. When no JWT secret is given, one is generated
    /// once and kept next to the database, so tokens survive restarts.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let database = database(&self.database_url, "NEWSROOM_DATABASE_URL")?;
        let data_folder = database.data_folder();
        if !(1..=1000).contains(&self.database_pool_size) {
            return Err(ConfigError::new("NEWSROOM_DATABASE_POOL_SIZE", "must be between 1 and 1000"));
        }
        if !(1..=300).contains(&self.database_timeout) {
            return Err(ConfigError::new("NEWSROOM_DATABASE_TIMEOUT", "must be between 1 and 300 seconds"));
        }
        let public_url = Url::parse(&self.public_url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .ok_or_else(|| {
                ConfigError::new(
                    "NEWSROOM_PUBLIC_URL",
                    format!(
                        "must be the site's address, an http(s) URL with a host such as https://news.example.com, not {:?}",
                        self.public_url
                    ),
                )
            })?;
        let article_url = ArticleUrl::parse(&self.article_url, &public_url)?;
        let site_name = self.site_name.trim().to_owned();
        if site_name.is_empty() || site_name.chars().any(char::is_control) || site_name.chars().count() > 200 {
            return Err(ConfigError::new(
                "NEWSROOM_SITE_NAME",
                "must be 1 to 200 characters, none of them control characters",
            ));
        }
        if !(1..=50_000).contains(&self.sitemap_urls_per_file) {
            return Err(ConfigError::new("NEWSROOM_SITEMAP_URLS_PER_FILE", "must be between 1 and 50000"));
        }
        let smtp_url = self.smtp_url.filter(|url| !url.is_empty()).map(|url| smtp_url(&url)).transpose()?;
        let cors_origins = cors_origins(&self.cors_origins)?;
        let trusted_proxies = TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|reason| ConfigError::new("NEWSROOM_TRUSTED_PROXIES", reason))?;
        let mail_from: Mailbox = self.mail_from.parse().map_err(|e| {
            ConfigError::new(
                "NEWSROOM_MAIL_FROM",
                format!("not a mailbox such as `newsroom <no-reply@example.com>`: {e}"),
            )
        })?;
        // Instances sharing a PostgreSQL database must share the key, or each
        // would refuse the others' tokens: none is made up for them, and
        // only serving needs one (`require_jwt_secret`).
        let jwt_secret = match (self.jwt_secret, &database) {
            (Some(secret), _) => Some(SecretString::from(secret)),
            (None, Database::Sqlite(_)) => Some(stored_jwt_secret(&data_folder)?),
            (None, Database::Postgres(_)) => None,
        };
        if jwt_secret.as_ref().is_some_and(|secret| secret.expose_secret().len() < MIN_JWT_SECRET_BYTES) {
            return Err(ConfigError::new(
                "NEWSROOM_JWT_SECRET",
                format!("must be at least {MIN_JWT_SECRET_BYTES} bytes"),
            ));
        }
        let seconds = |variable, value: u64| {
            if value == 0 {
                Err(ConfigError::new(variable, "must be at least 1 second"))
            } else {
                Ok(Duration::from_secs(value))
            }
        };
        if !(1..=1_000_000).contains(&self.max_collections) {
            return Err(ConfigError::new("NEWSROOM_MAX_COLLECTIONS", "must be between 1 and 1000000"));
        }
        if !(1..=1_000_000).contains(&self.max_collection_articles) {
            return Err(ConfigError::new("NEWSROOM_MAX_COLLECTION_ARTICLES", "must be between 1 and 1000000"));
        }
        if !(1..=10_000).contains(&self.revisions_kept) {
            return Err(ConfigError::new("NEWSROOM_REVISIONS_KEPT", "must be between 1 and 10000"));
        }
        if self.media_max_bytes == 0 || self.media_max_bytes > 1 << 30 {
            return Err(ConfigError::new("NEWSROOM_MEDIA_MAX_BYTES", "must be between 1 and 1073741824 (1 GiB)"));
        }
        if !(1..=1_000_000_000).contains(&self.media_max_pixels) {
            return Err(ConfigError::new("NEWSROOM_MEDIA_MAX_PIXELS", "must be between 1 and 1000000000"));
        }
        if !(1..=128).contains(&self.password_min_length) {
            return Err(ConfigError::new("NEWSROOM_PASSWORD_MIN_LENGTH", "must be between 1 and 128"));
        }
        let media_public_url = media_public_url(self.media_public_url.as_deref(), &public_url)?;
        Ok(Config {
            database,
            database_pool_size: self.database_pool_size,
            database_timeout: std::time::Duration::from_secs(self.database_timeout),
            bind: self.bind,
            jwt_secret,
            public_url,
            article_url,
            site_name,
            sitemap_urls_per_file: self.sitemap_urls_per_file,
            smtp_url,
            mail_outbox: self.mail_outbox.unwrap_or_else(|| data_folder.join("outbox")),
            mail_from,
            cors_origins,
            trusted_proxies,
            access_token_ttl: seconds("NEWSROOM_ACCESS_TOKEN_TTL", self.access_token_ttl)?,
            refresh_token_ttl: seconds("NEWSROOM_REFRESH_TOKEN_TTL", self.refresh_token_ttl)?,
            reset_token_ttl: seconds("NEWSROOM_RESET_TOKEN_TTL", self.reset_token_ttl)?,
            auth_rate_limit: self.auth_rate_limit,
            reset_rate_limit: self.reset_rate_limit,
            vote_rate_limit: self.vote_rate_limit,
            max_collections: self.max_collections,
            max_collection_articles: self.max_collection_articles,
            revisions_kept: self.revisions_kept,
            webhook_allow_private: self.webhook_allow_private,
            delivery_first_retry: Duration::from_millis(self.delivery_first_retry_ms.max(1)),
            password_min_length: self.password_min_length,
            media: MediaConfig {
                store: match self.media_store {
                    Some(store) => MediaStoreUrl::parse(&store)?,
                    None => MediaStoreUrl::Folder(data_folder.join("media")),
                },
                s3: S3Access {
                    endpoint: self.aws_endpoint_url.filter(|url| !url.is_empty()),
                    region: self.aws_region.filter(|region| !region.is_empty()),
                    access_key_id: self.aws_access_key_id.filter(|key| !key.is_empty()),
                    secret_access_key: self.aws_secret_access_key.filter(|key| !key.is_empty()).map(SecretString::from),
                },
                public_url: media_public_url,
                max_bytes: self.media_max_bytes,
                max_pixels: self.media_max_pixels,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_needs_a_shared_secret_to_serve() {
        let settings = Settings::from_args(["--database-url", "postgres://localhost/newsroom"]).unwrap();
        let config = settings.into_config().unwrap();
        let err = config.require_jwt_secret().unwrap_err();
        assert!(err.to_string().starts_with("NEWSROOM_JWT_SECRET: must be set with PostgreSQL"), "{err}");
    }

    #[test]
    fn the_site_files_go_beside_a_sqlite_database() {
        let args = ["--database-url", "/srv/news/site.db", "--jwt-secret", "a secret of at least thirty-two bytes"];
        let config = Settings::from_args(args).unwrap().into_config().unwrap();
        assert_eq!(config.mail_outbox, std::path::Path::new("/srv/news/outbox"));
        assert!(
            matches!(&config.media.store, MediaStoreUrl::Folder(folder) if folder == std::path::Path::new("/srv/news/media"))
        );

        let args = ["--database-url", "postgres://localhost/news", "--media-store", "s3://bucket/site"];
        let config = Settings::from_args(args).unwrap().into_config().unwrap();
        assert_eq!(config.mail_outbox, std::path::Path::new("data/outbox"));
        assert!(matches!(&config.media.store, MediaStoreUrl::S3 { bucket, .. } if bucket == "bucket"));
    }

    #[test]
    fn short_secrets_are_refused() {
        let settings = Settings::from_args(["--jwt-secret", "short"]).unwrap();
        let err = settings.into_config().unwrap_err();
        assert_eq!(err.to_string(), "NEWSROOM_JWT_SECRET: must be at least 32 bytes");
    }
}
