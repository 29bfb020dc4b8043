//! Single settings parsed into the values they stand for: database and SMTP
//! URLs, CORS origins, the article URL pattern, and the JWT secret kept
//! beside the database when none is given.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use secrecy::SecretString;
use url::Url;

use crate::private;
use crate::store::Database;

/// A setting that cannot be used, named by its variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    variable: &'static str,
    reason: String,
}

impl ConfigError {
    pub fn new(variable: &'static str, reason: impl fmt::Display) -> Self {
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

/// `NEWSROOM_ARTICLE_URL` with `{PUBLIC_URL}` filled in: where the public
/// site shows an article, by its `{slug}` or `{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleUrl(String);

impl ArticleUrl {
    pub(super) fn parse(pattern: &str, public_url: &Url) -> Result<Self, ConfigError> {
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

/// `NEWSROOM_MEDIA_STORE`: a folder, or an S3 bucket and key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaStoreUrl {
    Folder(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl MediaStoreUrl {
    pub(super) fn parse(value: &str) -> Result<Self, ConfigError> {
        const VARIABLE: &str = "NEWSROOM_MEDIA_STORE";
        let Some((scheme, rest)) = value.split_once("://") else {
            if value.trim().is_empty() {
                return Err(ConfigError::new(VARIABLE, "must name a folder or an s3://bucket/prefix"));
            }
            return Ok(Self::Folder(PathBuf::from(value)));
        };
        if !scheme.eq_ignore_ascii_case("s3") {
            return Err(ConfigError::new(VARIABLE, "must be a folder path or an s3://bucket/prefix URL"));
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(ConfigError::new(VARIABLE, "an s3:// URL must name a bucket"));
        }
        Ok(Self::S3 { bucket: bucket.to_owned(), prefix: prefix.trim_matches('/').to_owned() })
    }
}

/// `NEWSROOM_MEDIA_PUBLIC_URL`, or `{PUBLIC_URL}/media`, ending with `/`.
pub fn media_public_url(value: Option<&str>, public_url: &Url) -> Result<Url, ConfigError> {
    const VARIABLE: &str = "NEWSROOM_MEDIA_PUBLIC_URL";
    let value = match value.filter(|value| !value.is_empty()) {
        Some(value) => value.to_owned(),
        None => format!("{}/media", public_url.as_str().trim_end_matches('/')),
    };
    let url = Url::parse(&format!("{}/", value.trim_end_matches('/'))).map_err(|e| ConfigError::new(VARIABLE, e))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || url.query().is_some() {
        return Err(ConfigError::new(VARIABLE, "must be an http(s) URL with a host and no query"));
    }
    Ok(url)
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
pub(super) fn smtp_url(raw: &str) -> Result<SecretString, ConfigError> {
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

pub(super) fn cors_origins(value: &str) -> Result<CorsOrigins, ConfigError> {
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

/// Reads `jwt-secret` in the data folder, creating it (mode 0600) on first use.
pub(super) fn stored_jwt_secret(folder: &Path) -> Result<SecretString, ConfigError> {
    const VARIABLE: &str = "NEWSROOM_JWT_SECRET";
    let path = folder.join("jwt-secret");
    private::create_folder(folder).map_err(|e| {
        ConfigError::new(
            "NEWSROOM_DATABASE_URL",
            format!("cannot create the database folder {}: {e}", folder.display()),
        )
    })?;
    match std::fs::read_to_string(&path) {
        Ok(secret) => return Ok(SecretString::from(secret.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ConfigError::new(VARIABLE, format!("unset, and {} is unreadable: {e}", path.display()))),
    }
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    private::create_file(&path)
        .and_then(|mut file| file.write_all(secret.as_bytes()))
        .map_err(|e| ConfigError::new(VARIABLE, format!("unset, and {} cannot be written: {e}", path.display())))?;
    tracing::warn!(path = %path.display(), "NEWSROOM_JWT_SECRET is unset: generated a secret and stored it; set the variable in production");
    Ok(SecretString::from(secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

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
    fn cors_origins_are_normalised_origins() {
        assert_eq!(cors_origins("*").unwrap(), CorsOrigins::Any);
        assert_eq!(
            cors_origins("https://a.example, http://b.example:8080/").unwrap(),
            CorsOrigins::List(vec!["https://a.example".into(), "http://b.example:8080".into()])
        );
        assert!(cors_origins("not a url").is_err());
    }
}
