//! Settings: every `NEWSROOM_*` variable is also a `--flag`, read once at start-up.
//!
//! [`Settings`] is what clap parses; [`Config`] is the validated form the rest of
//! the crate uses. No other module reads the environment.

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use clap::{Args, Parser, ValueEnum};
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::private;
use crate::proxy::TrustedProxies;
use crate::store::Database;

/// The shortest HMAC key we accept: HS256 is only as strong as its key.
const MIN_JWT_SECRET_BYTES: usize = 32;

/// Raw settings as given on the command line or in the environment.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// A SQLite file path (created with its folder), or a `postgres://` URL.
    #[arg(
        long,
        env = "NEWSROOM_DATABASE_URL",
        value_name = "NEWSROOM_DATABASE_URL",
        default_value = "data/newsroom.db",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// Database connections per process.
    #[arg(
        long,
        env = "NEWSROOM_DATABASE_POOL_SIZE",
        value_name = "NEWSROOM_DATABASE_POOL_SIZE",
        default_value_t = 8,
        global = true
    )]
    pub database_pool_size: u32,

    /// Listen address; port 0 picks a free port.
    #[arg(long, env = "NEWSROOM_BIND", value_name = "NEWSROOM_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: SocketAddr,

    /// HMAC key for access tokens, at least 32 bytes. Generated into `data/jwt-secret` when unset.
    #[arg(
        long,
        env = "NEWSROOM_JWT_SECRET",
        value_name = "NEWSROOM_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,

    /// Base URL of the site that users click through to.
    #[arg(
        long,
        env = "NEWSROOM_PUBLIC_URL",
        value_name = "NEWSROOM_PUBLIC_URL",
        default_value = "http://localhost:8080",
        global = true
    )]
    pub public_url: String,

    /// How the public site links an article: a URL with `{slug}` (or `{id}`),
    /// and `{PUBLIC_URL}` for `NEWSROOM_PUBLIC_URL`.
    #[arg(
        long,
        env = "NEWSROOM_ARTICLE_URL",
        value_name = "NEWSROOM_ARTICLE_URL",
        default_value = "{PUBLIC_URL}/articles/{slug}",
        global = true
    )]
    pub article_url: String,

    /// The publication's name, in feeds and the news sitemap.
    #[arg(
        long,
        env = "NEWSROOM_SITE_NAME",
        value_name = "NEWSROOM_SITE_NAME",
        default_value = "newsroom",
        global = true
    )]
    pub site_name: String,

    /// Article URLs per sitemap file (the protocol allows 50,000).
    #[arg(
        long,
        env = "NEWSROOM_SITEMAP_URLS_PER_FILE",
        value_name = "NEWSROOM_SITEMAP_URLS_PER_FILE",
        default_value_t = 50_000,
        global = true
    )]
    pub sitemap_urls_per_file: usize,

    /// SMTP server URL, e.g. `smtps://user:pass@host:465`, or `smtp://user:pass@host:587` (STARTTLS
    /// required; `?tls=none` sends in clear).
    #[arg(long, env = "NEWSROOM_SMTP_URL", value_name = "NEWSROOM_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// Folder where outgoing mail is written as `.eml` files when no SMTP URL is set.
    #[arg(
        long,
        env = "NEWSROOM_MAIL_OUTBOX",
        value_name = "NEWSROOM_MAIL_OUTBOX",
        default_value = "data/outbox",
        global = true
    )]
    pub mail_outbox: PathBuf,

    /// Sender of outgoing mail.
    #[arg(
        long,
        env = "NEWSROOM_MAIL_FROM",
        value_name = "NEWSROOM_MAIL_FROM",
        default_value = "newsroom <no-reply@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Comma-separated addresses and CIDR networks of reverse proxies whose
    /// `X-Forwarded-For` / `Forwarded` headers name the client.
    #[arg(
        long,
        env = "NEWSROOM_TRUSTED_PROXIES",
        value_name = "NEWSROOM_TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: String,

    /// Comma-separated allowed CORS origins, or `*`.
    #[arg(
        long,
        env = "NEWSROOM_CORS_ORIGINS",
        value_name = "NEWSROOM_CORS_ORIGINS",
        default_value = "*",
        global = true
    )]
    pub cors_origins: String,

    /// Access token lifetime in seconds.
    #[arg(
        long,
        env = "NEWSROOM_ACCESS_TOKEN_TTL",
        value_name = "NEWSROOM_ACCESS_TOKEN_TTL",
        default_value_t = 900,
        global = true
    )]
    pub access_token_ttl: u64,

    /// Refresh token lifetime in seconds.
    #[arg(
        long,
        env = "NEWSROOM_REFRESH_TOKEN_TTL",
        value_name = "NEWSROOM_REFRESH_TOKEN_TTL",
        default_value_t = 2_592_000,
        global = true
    )]
    pub refresh_token_ttl: u64,

    /// Password reset link lifetime in seconds.
    #[arg(
        long,
        env = "NEWSROOM_RESET_TOKEN_TTL",
        value_name = "NEWSROOM_RESET_TOKEN_TTL",
        default_value_t = 1800,
        global = true
    )]
    pub reset_token_ttl: u64,

    /// Requests per minute per client IP on `/api/v1/auth/*`; 0 disables.
    #[arg(
        long,
        env = "NEWSROOM_AUTH_RATE_LIMIT",
        value_name = "NEWSROOM_AUTH_RATE_LIMIT",
        default_value_t = 20,
        global = true
    )]
    pub auth_rate_limit: u32,

    /// Password reset mails asked per hour per client IP; 0 disables.
    #[arg(
        long,
        env = "NEWSROOM_RESET_RATE_LIMIT",
        value_name = "NEWSROOM_RESET_RATE_LIMIT",
        default_value_t = 10,
        global = true
    )]
    pub reset_rate_limit: u32,

    /// Vote changes per minute per user; 0 disables.
    #[arg(
        long,
        env = "NEWSROOM_VOTE_RATE_LIMIT",
        value_name = "NEWSROOM_VOTE_RATE_LIMIT",
        default_value_t = 60,
        global = true
    )]
    pub vote_rate_limit: u32,

    /// Most collections one user may have.
    #[arg(
        long,
        env = "NEWSROOM_MAX_COLLECTIONS",
        value_name = "NEWSROOM_MAX_COLLECTIONS",
        default_value_t = 500,
        global = true
    )]
    pub max_collections: u32,

    /// Most articles one collection may hold.
    #[arg(
        long,
        env = "NEWSROOM_MAX_COLLECTION_ARTICLES",
        value_name = "NEWSROOM_MAX_COLLECTION_ARTICLES",
        default_value_t = 10_000,
        global = true
    )]
    pub max_collection_articles: u32,

    /// Shortest password accepted.
    #[arg(
        long,
        env = "NEWSROOM_PASSWORD_MIN_LENGTH",
        value_name = "NEWSROOM_PASSWORD_MIN_LENGTH",
        default_value_t = 10,
        global = true
    )]
    pub password_min_length: usize,

    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "NEWSROOM_LOG", value_name = "NEWSROOM_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log format.
    #[arg(long, env = "NEWSROOM_LOG_FORMAT", value_name = "NEWSROOM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// `NEWSROOM_ARTICLE_URL` with `{PUBLIC_URL}` filled in: where the public
/// site shows an article, by its `{slug}` or `{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleUrl(String);

impl ArticleUrl {
    fn parse(pattern: &str, public_url: &Url) -> Result<Self, ConfigError> {
        const VARIABLE: &str = "NEWSROOM_ARTICLE_URL";
        if !pattern.contains("{slug}") && !pattern.contains("{id}") {
            return Err(ConfigError::new(VARIABLE, "must contain {slug} or {id}"));
        }
        let base = public_url.as_str().trim_end_matches('/');
        let filled = pattern.replace("{PUBLIC_URL}", base);
        let example = Url::parse(&filled.replace("{slug}", "slug").replace("{id}", "1"))
            .map_err(|e| ConfigError::new(VARIABLE, format!("not a URL once filled in: {e}")))?;
        if !matches!(example.scheme(), "http" | "https") || example.host().is_none() {
            return Err(ConfigError::new(VARIABLE, "must be an http(s) URL with a host"));
        }
        Ok(Self(filled))
    }

    /// The public URL of an article; the slug is percent-encoded as a path
    /// segment, so an Arabic slug stays a valid URL.
    pub fn of(&self, id: i32, slug: &str) -> String {
        let slug: String = url::form_urlencoded::byte_serialize(slug.as_bytes()).collect();
        self.0.replace("{slug}", &slug).replace("{id}", &id.to_string())
    }
}

/// A setting that cannot be used, named by its variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    variable: &'static str,
    reason: String,
}

impl ConfigError {
    fn new(variable: &'static str, reason: impl fmt::Display) -> Self {
        Self { variable, reason: reason.to_string() }
    }
}

/// Which CORS origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (`*`).
    Any,
    /// Only these exact origins.
    List(Vec<String>),
}

/// Validated configuration shared by every part of the server.
pub struct Config {
    pub database: Database,
    pub database_pool_size: u32,
    pub bind: SocketAddr,
    pub jwt_secret: SecretString,
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
    pub password_min_length: usize,
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
        if !(1..=1000).contains(&self.database_pool_size) {
            return Err(ConfigError::new("NEWSROOM_DATABASE_POOL_SIZE", "must be between 1 and 1000"));
        }
        let public_url = Url::parse(&self.public_url)
            .map_err(|e| ConfigError::new("NEWSROOM_PUBLIC_URL", e))
            .and_then(|url| match url.scheme() {
                "http" | "https" if url.host().is_some() => Ok(url),
                _ => Err(ConfigError::new("NEWSROOM_PUBLIC_URL", "must be an http(s) URL with a host")),
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
        let jwt_secret = match (self.jwt_secret, &database) {
            (Some(secret), _) => SecretString::from(secret),
            (None, Database::Sqlite(path)) => stored_jwt_secret(path)?,
            // Instances sharing a database must share the key, or each would
            // refuse the others' tokens.
            (None, Database::Postgres(_)) => {
                return Err(ConfigError::new(
                    "NEWSROOM_JWT_SECRET",
                    "must be set with PostgreSQL, the same for every instance of the site",
                ));
            }
        };
        if jwt_secret.expose_secret().len() < MIN_JWT_SECRET_BYTES {
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
        if !(1..=128).contains(&self.password_min_length) {
            return Err(ConfigError::new("NEWSROOM_PASSWORD_MIN_LENGTH", "must be between 1 and 128"));
        }
        Ok(Config {
            database,
            database_pool_size: self.database_pool_size,
            bind: self.bind,
            jwt_secret,
            public_url,
            article_url,
            site_name,
            sitemap_urls_per_file: self.sitemap_urls_per_file,
            smtp_url,
            mail_outbox: self.mail_outbox,
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
            password_min_length: self.password_min_length,
        })
    }
}

/// A database URL as `NEWSROOM_DATABASE_URL` (or `--from`, `--to`, named
/// `name` in errors) takes it: a `postgres://` or `postgresql://` URL, a
/// `sqlite://` URL or a plain path. Schemes are matched in any case; any
/// other `scheme://` is refused rather than taken for a path, which would
/// write the site under a folder named after the URL (password included).
pub fn database(url: &str, name: &'static str) -> Result<Database, ConfigError> {
    let scheme = url
        .split_once("://")
        .filter(|(scheme, _)| scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')));
    let path = match scheme {
        Some((scheme, rest)) if ["postgres", "postgresql"].iter().any(|known| scheme.eq_ignore_ascii_case(known)) => {
            // libpq reads the scheme in lower case only.
            let url = format!("{}://{rest}", scheme.to_ascii_lowercase());
            let parsed = Url::parse(&url).map_err(|e| ConfigError::new(name, format!("not a URL: {e}")))?;
            if parsed.host().is_none() && !parsed.query().is_some_and(|query| query.contains("host=")) {
                return Err(ConfigError::new(name, "a PostgreSQL URL needs a host"));
            }
            return Ok(Database::Postgres(SecretString::from(url)));
        }
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("sqlite") => rest,
        Some((scheme, _)) => {
            return Err(ConfigError::new(
                name,
                format!(
                    "{scheme}:// is not a database newsroom uses: give a postgres:// URL, a sqlite:// URL or a file path"
                ),
            ));
        }
        None => url,
    };
    if path.is_empty() || path.contains('\0') {
        return Err(ConfigError::new(name, "must be a file path or a postgres:// URL"));
    }
    Ok(Database::Sqlite(PathBuf::from(path)))
}

/// An SMTP URL as the mailer takes it: `smtps://` (TLS from the start), or
/// `smtp://` with STARTTLS required, so that a password is never sent to a
/// server (or a machine in between) that does not offer TLS. Only
/// `?tls=none` sends in clear, for a relay on the same host.
fn smtp_url(raw: &str) -> Result<SecretString, ConfigError> {
    let invalid = |message: &str| ConfigError::new("NEWSROOM_SMTP_URL", message);
    let mut url = Url::parse(raw).map_err(|e| ConfigError::new("NEWSROOM_SMTP_URL", e))?;
    match url.scheme() {
        "smtps" => return Ok(SecretString::from(raw.to_owned())),
        "smtp" => {}
        _ => return Err(invalid("scheme must be smtp or smtps")),
    }
    let (tls, others): (Vec<_>, Vec<_>) =
        url.query_pairs().map(|(key, value)| (key.into_owned(), value.into_owned())).partition(|(key, _)| key == "tls");
    let tls = match tls.iter().map(|(_, value)| value.as_str()).collect::<Vec<_>>().as_slice() {
        [] | ["required"] => Some("required"),
        ["none"] => None,
        _ => return Err(invalid("tls must be required (the default) or none")),
    };
    url.query_pairs_mut().clear().extend_pairs(&others);
    if let Some(tls) = tls {
        url.query_pairs_mut().append_pair("tls", tls);
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok(SecretString::from(url.to_string()))
}

fn cors_origins(value: &str) -> Result<CorsOrigins, ConfigError> {
    if value.trim() == "*" {
        return Ok(CorsOrigins::Any);
    }
    let origins = value
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| match Url::parse(origin) {
            Ok(url) if url.origin().is_tuple() => Ok(url.origin().ascii_serialization()),
            _ => Err(ConfigError::new(
                "NEWSROOM_CORS_ORIGINS",
                format!("{origin:?} is not an origin such as https://example.com"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if origins.is_empty() {
        return Err(ConfigError::new("NEWSROOM_CORS_ORIGINS", "lists no origin"));
    }
    Ok(CorsOrigins::List(origins))
}

/// Reads `jwt-secret` beside the database, creating it (mode 0600) on first use.
fn stored_jwt_secret(database_path: &Path) -> Result<SecretString, ConfigError> {
    const VARIABLE: &str = "NEWSROOM_JWT_SECRET";
    let folder = database_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let path = folder.join("jwt-secret");
    match std::fs::read_to_string(&path) {
        Ok(secret) => return Ok(SecretString::from(secret.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ConfigError::new(VARIABLE, format!("unset, and {} is unreadable: {e}", path.display()))),
    }
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let write = || -> std::io::Result<()> {
        private::create_folder(folder)?;
        private::create_file(&path)?.write_all(secret.as_bytes())
    };
    write().map_err(|e| ConfigError::new(VARIABLE, format!("unset, and {} cannot be written: {e}", path.display())))?;
    tracing::warn!(path = %path.display(), "NEWSROOM_JWT_SECRET is unset: generated a secret and stored it; set the variable in production");
    Ok(SecretString::from(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert!(database("postgres://localhost/newsroom", "NEWSROOM_DATABASE_URL").unwrap().is_postgres());
        assert!(database("postgresql://user:pw@db.example:5432/news", "NEWSROOM_DATABASE_URL").unwrap().is_postgres());
        assert!(!database("data/newsroom.db", "NEWSROOM_DATABASE_URL").unwrap().is_postgres());
        assert!(!database("sqlite://data/newsroom.db", "NEWSROOM_DATABASE_URL").unwrap().is_postgres());
        assert!(database("Postgres://localhost/newsroom", "NEWSROOM_DATABASE_URL").unwrap().is_postgres());
        assert!(database("POSTGRESQL://localhost/newsroom", "NEWSROOM_DATABASE_URL").unwrap().is_postgres());
        assert!(!database("SQLite://data/newsroom.db", "NEWSROOM_DATABASE_URL").unwrap().is_postgres());
        assert!(!database("data/with://in/it.db", "NEWSROOM_DATABASE_URL").unwrap().is_postgres());
        for other in ["postgress://user:pw@db/news", "mysql://user:pw@db/news", "HTTP://x"] {
            let err = database(other, "NEWSROOM_DATABASE_URL").unwrap_err().to_string();
            assert!(err.contains("is not a database newsroom uses") && !err.contains("pw@"), "{err}");
        }
        let err = database("postgres:///newsroom", "NEWSROOM_DATABASE_URL").unwrap_err();
        assert!(err.to_string().starts_with("NEWSROOM_DATABASE_URL:"), "{err}");
        assert!(database("", "NEWSROOM_DATABASE_URL").is_err());
    }

    #[test]
    fn smtp_requires_tls_unless_told_otherwise() {
        let url = |raw: &str| smtp_url(raw).map(|url| url.expose_secret().to_owned());
        assert_eq!(url("smtp://user:pass@mail.example:587").unwrap(), "smtp://user:pass@mail.example:587?tls=required");
        assert_eq!(url("smtp://mail.example?tls=required").unwrap(), "smtp://mail.example?tls=required");
        assert_eq!(url("smtp://localhost:2525?tls=none").unwrap(), "smtp://localhost:2525");
        assert_eq!(url("smtps://user:pass@mail.example").unwrap(), "smtps://user:pass@mail.example");
        for refused in
            ["smtp://mail.example?tls=opportunistic", "smtp://x?tls=none&tls=required", "http://mail.example"]
        {
            assert!(url(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn postgres_needs_a_shared_secret() {
        let settings = Settings::from_args(["--database-url", "postgres://localhost/newsroom"]).unwrap();
        let err = settings.into_config().unwrap_err();
        assert!(err.to_string().starts_with("NEWSROOM_JWT_SECRET: must be set with PostgreSQL"), "{err}");
    }

    #[test]
    fn cors_origins_are_normalised_origins() {
        assert_eq!(cors_origins("*").unwrap(), CorsOrigins::Any);
        assert_eq!(
            cors_origins("https://a.example, http://b.example:8080/").unwrap(),
            CorsOrigins::List(vec!["https://a.example".into(), "http://b.example:8080".into()])
        );
        assert!(cors_origins("not a url").is_err());
    }

    #[test]
    fn short_secrets_are_refused() {
        let settings = Settings::from_args(["--jwt-secret", "short"]).unwrap();
        let err = settings.into_config().unwrap_err();
        assert_eq!(err.to_string(), "NEWSROOM_JWT_SECRET: must be at least 32 bytes");
    }
}
