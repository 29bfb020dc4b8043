//! [`Settings`]: the flags and variables, as clap reads them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

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

    /// Longest wait for a database connection, in seconds: past it a request
    /// is answered 503 with `Retry-After`, and `/readyz` says not ready.
    #[arg(
        long,
        env = "NEWSROOM_DATABASE_TIMEOUT",
        value_name = "NEWSROOM_DATABASE_TIMEOUT",
        default_value_t = 2,
        global = true
    )]
    pub database_timeout: u64,

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

    /// Folder where outgoing mail is written as `.eml` files when no SMTP URL
    /// is set [default: `outbox` in the data folder].
    #[arg(long, env = "NEWSROOM_MAIL_OUTBOX", value_name = "NEWSROOM_MAIL_OUTBOX", global = true)]
    pub mail_outbox: Option<PathBuf>,

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

    /// Revisions kept per article, the oldest dropped first (1 to 10,000).
    #[arg(
        long,
        env = "NEWSROOM_REVISIONS_KEPT",
        value_name = "NEWSROOM_REVISIONS_KEPT",
        default_value_t = 50,
        global = true
    )]
    pub revisions_kept: u32,

    /// Allow webhook targets on loopback, private and link-local addresses
    /// (a receiver on the same machine or network).
    #[arg(
        long,
        env = "NEWSROOM_WEBHOOK_ALLOW_PRIVATE",
        value_name = "NEWSROOM_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub webhook_allow_private: bool,

    /// Milliseconds before the first retry of a failed delivery (webhook or
    /// mail); the later retries scale with it (5 s gives 5 min, 30 min, 2 h,
    /// 5 h, 10 h and 10 h after it, about 27 hours in all).
    #[arg(
        long,
        env = "NEWSROOM_DELIVERY_FIRST_RETRY_MS",
        value_name = "NEWSROOM_DELIVERY_FIRST_RETRY_MS",
        default_value_t = 5000,
        global = true
    )]
    pub delivery_first_retry_ms: u64,

    /// Where media files are kept: a folder, or `s3://bucket/prefix` (with
    /// the `AWS_*` variables and `AWS_ENDPOINT_URL` for an S3-compatible
    /// server), which several instances share [default: `media` in the data
    /// folder].
    #[arg(long, env = "NEWSROOM_MEDIA_STORE", value_name = "NEWSROOM_MEDIA_STORE", global = true)]
    pub media_store: Option<String>,

    /// The S3-compatible server of an `s3://` store (AWS itself when unset).
    #[arg(long, env = "AWS_ENDPOINT_URL", value_name = "AWS_ENDPOINT_URL", global = true)]
    pub aws_endpoint_url: Option<String>,

    /// The S3 region (`us-east-1` when unset).
    #[arg(long, env = "AWS_REGION", value_name = "AWS_REGION", global = true)]
    pub aws_region: Option<String>,

    /// The S3 access key; prefer the variable to the flag, which `ps` shows.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", value_name = "AWS_ACCESS_KEY_ID", global = true)]
    pub aws_access_key_id: Option<String>,

    /// The S3 secret key; prefer the variable to the flag, which `ps` shows.
    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        value_name = "AWS_SECRET_ACCESS_KEY",
        hide_env_values = true,
        global = true
    )]
    pub aws_secret_access_key: Option<String>,

    /// Where clients fetch media files (a CDN in front of the bucket, say);
    /// `{PUBLIC_URL}/media` when unset, which this server answers.
    #[arg(long, env = "NEWSROOM_MEDIA_PUBLIC_URL", value_name = "NEWSROOM_MEDIA_PUBLIC_URL", global = true)]
    pub media_public_url: Option<String>,

    /// Largest upload, in bytes.
    #[arg(
        long,
        env = "NEWSROOM_MEDIA_MAX_BYTES",
        value_name = "NEWSROOM_MEDIA_MAX_BYTES",
        default_value_t = 20 * 1024 * 1024,
        global = true
    )]
    pub media_max_bytes: u64,

    /// Most pixels (width × height) an uploaded image may have.
    #[arg(
        long,
        env = "NEWSROOM_MEDIA_MAX_PIXELS",
        value_name = "NEWSROOM_MEDIA_MAX_PIXELS",
        default_value_t = 50_000_000,
        global = true
    )]
    pub media_max_pixels: u64,

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
