//! [`ApiError`]: every failure a client can see, rendered as RFC 9457
//! `application/problem+json` with a stable `code` and the request id.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use super::weather::{Weather, weather};
use crate::telemetry;

/// A problem detail (RFC 9457), the body of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank", "title": "Validation failed", "status": 422,
    "detail": "One or more fields are invalid.", "code": "validation_failed",
    "errors": [{"field": "email", "message": "is not a valid email address"}],
    "request_id": "0b6e5ad5-5e5c-4a39-9a38-2f3bd2d8f0b4"
}))]
pub struct Problem {
    /// Always `about:blank`: `code` carries the machine-readable kind.
    #[serde(rename = "type")]
    pub problem_type: &'static str,
    /// Short human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable snake_case identifier that clients may switch on.
    pub code: &'static str,
    /// Per-field messages, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The `X-Request-Id` of the request, to quote in bug reports.
    pub request_id: String,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name in the request body or query.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// `bytes` as people say it: `1 MiB`, `20 MiB`, `500 KiB`, `1000 bytes`.
fn bytes_in_words(bytes: u64) -> String {
    match bytes {
        bytes if bytes >= 1 << 20 && bytes % (1 << 20) == 0 => format!("{} MiB", bytes >> 20),
        bytes if bytes >= 1 << 10 && bytes % (1 << 10) == 0 => format!("{} KiB", bytes >> 10),
        bytes => format!("{bytes} bytes"),
    }
}

/// Fields parsed one by one, checked all at once: every field's value, or a
/// 422 listing every field that failed, so that a client can show them all
/// together. Implemented for tuples of `Result<T, FieldError>`.
pub trait AllValid {
    type Values;
    fn all_valid(self) -> Result<Self::Values, ApiError>;
}

macro_rules! all_valid_for_tuples {
    ($(($($value:ident),+)),+ $(,)?) => {$(
        impl<$($value),+> AllValid for ($(Result<$value, FieldError>,)+) {
            type Values = ($($value,)+);

            #[allow(non_snake_case, reason = "the type parameters name the values")]
            fn all_valid(self) -> Result<Self::Values, ApiError> {
                match self {
                    ($(Ok($value),)+) => Ok(($($value,)+)),
                    ($($value,)+) => Err(ApiError::Validation([$($value.err()),+].into_iter().flatten().collect())),
                }
            }
        }
    )+};
}

all_valid_for_tuples!((A, B), (A, B, C), (A, B, C, D), (A, B, C, D, E), (A, B, C, D, E, F), (A, B, C, D, E, F, G));

/// Why a request was not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header on an endpoint that needs one.
    MissingToken,
    /// A bearer token that is malformed, expired, tampered with or revoked.
    InvalidToken,
    /// Wrong email or password (the same answer for both).
    InvalidCredentials,
    /// A refresh token that is unknown, expired, revoked or already used.
    InvalidRefreshToken,
}

/// Every error the API answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request ({code}): {detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0:?}")]
    Unauthorized(AuthFailure),
    #[error("forbidden ({code}): {detail}")]
    Forbidden { code: &'static str, detail: &'static str },
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<Method> },
    #[error("conflict ({code}): {detail}")]
    Conflict { code: &'static str, detail: String },
    /// A well-formed request the server will not act on, for a reason
    /// other than its fields (those are [`ApiError::Validation`]).
    #[error("unprocessable ({code}): {detail}")]
    Unprocessable { code: &'static str, detail: Cow<'static, str> },
    #[error("invalid or expired reset token")]
    InvalidResetToken,
    #[error("precondition failed")]
    PreconditionFailed,
    /// A body over the limit, in bytes, of what it carries.
    #[error("payload too large")]
    PayloadTooLarge(u64),
    #[error("unsupported media type")]
    /// A body of a type the operation does not take; the detail names the
    /// types it does.
    UnsupportedMediaType(&'static str),
    #[error("rate limited for {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    /// The database (or another part the request needs) cannot answer now:
    /// unreachable, a connection lost mid-request, every connection busy,
    /// a race lost too often. Worth retrying.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The disk, or the process's file-size limit, is full.
    #[error("storage full: {0}")]
    StorageFull(String),
    #[error("internal error: {0}")]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest { code, detail: detail.into() }
    }

    pub fn forbidden(detail: &'static str) -> Self {
        Self::Forbidden { code: "forbidden", detail }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict { code, detail: detail.into() }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Conflict { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Unprocessable { code, .. } => code,
            Self::Validation(_) => "validation_failed",
            Self::InvalidResetToken => "invalid_reset_token",
            Self::Unauthorized(AuthFailure::MissingToken) => "unauthenticated",
            Self::Unauthorized(AuthFailure::InvalidToken) => "invalid_token",
            Self::Unauthorized(AuthFailure::InvalidCredentials) => "invalid_credentials",
            Self::Unauthorized(AuthFailure::InvalidRefreshToken) => "invalid_refresh_token",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PreconditionFailed => "precondition_failed",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "service_unavailable",
            Self::StorageFull(_) => "storage_full",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The problem+json body of this error.
    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: "about:blank",
            title: self.title().into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: self.code(),
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            request_id: telemetry::current_request_id(),
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Validation(_) => "Validation failed",
            Self::InvalidResetToken => "Your password reset link appears to be invalid or expired.",
            Self::Unauthorized(AuthFailure::InvalidCredentials) => "Invalid email or password",
            Self::Unauthorized(_) => "Authentication required",
            _ => self.status_code().canonical_reason().unwrap_or("Error"),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Self::BadRequest { detail, .. } | Self::Conflict { detail, .. } => Some(detail.clone()),
            Self::Validation(_) => Some("One or more fields are invalid.".into()),
            Self::InvalidResetToken => Some("Ask for a new link with POST /api/v1/auth/password/forgot.".into()),
            Self::Unauthorized(AuthFailure::MissingToken) => {
                Some("Send an access token as `Authorization: Bearer <token>`.".into())
            }
            Self::Unauthorized(AuthFailure::InvalidToken) => {
                Some("The access token is malformed, expired or revoked.".into())
            }
            Self::Unauthorized(AuthFailure::InvalidCredentials) => None,
            Self::Unauthorized(AuthFailure::InvalidRefreshToken) => {
                Some("The refresh token is unknown, expired, revoked or already used; log in again.".into())
            }
            Self::Forbidden { detail, .. } => Some((*detail).into()),
            Self::Unprocessable { detail, .. } => Some(detail.to_string()),
            Self::NotFound => Some("No such resource.".into()),
            Self::MethodNotAllowed { .. } => Some("The resource does not support this method.".into()),
            Self::PreconditionFailed => Some("The resource has changed since the ETag given in If-Match.".into()),
            Self::PayloadTooLarge(limit) => {
                Some(format!("The request body is larger than {}.", bytes_in_words(*limit)))
            }
            Self::UnsupportedMediaType(detail) => Some((*detail).into()),
            Self::RateLimited { retry_after_secs } => {
                Some(format!("Too many requests; retry in {retry_after_secs} s."))
            }
            Self::Unavailable(_) => Some(format!("Try again in {UNAVAILABLE_RETRY_SECS} s.")),
            Self::StorageFull(_) => {
                Some("The server has no room to store this; nothing was changed. Try again later.".into())
            }
            // Say nothing of the internals: the cause goes to the log.
            Self::Internal(_) => None,
        }
    }

    fn www_authenticate(failure: AuthFailure) -> HeaderValue {
        HeaderValue::from_static(match failure {
            AuthFailure::InvalidToken => {
                r#"Bearer realm="newsroom", error="invalid_token", error_description="the access token is malformed, expired or revoked""#
            }
            _ => r#"Bearer realm="newsroom""#,
        })
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } | Self::InvalidResetToken => StatusCode::BAD_REQUEST,
            Self::Validation(_) | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error.chain = %Chain(cause.as_ref()), "request failed"),
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "service unavailable"),
            Self::StorageFull(cause) => tracing::error!(error = %cause, "storage full"),
            _ => {}
        }
        let status = self.status_code();
        let problem = self.problem();
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            Self::Unauthorized(failure) => {
                response.insert_header((header::WWW_AUTHENTICATE, Self::www_authenticate(*failure)));
            }
            Self::MethodNotAllowed { allow } => {
                let allow = allow.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
                response.insert_header((header::ALLOW, allow));
            }
            Self::RateLimited { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_SECS.to_string()));
            }
            Self::StorageFull(_) => {
                response.insert_header((header::RETRY_AFTER, STORAGE_FULL_RETRY_SECS.to_string()));
            }
            _ => {}
        }
        response.json(problem)
    }
}

/// Formats an error with its sources: `outer: middle: root`.
struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// How long a client waits before retrying after a 503: the database's
/// weather (a lost connection, a restart, a failover) passes in seconds.
const UNAVAILABLE_RETRY_SECS: u64 = 2;
/// After a 507: room is made by someone, not by waiting a moment.
const STORAGE_FULL_RETRY_SECS: u64 = 60;

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => Self::NotFound,
            // Kept whole, so that a transaction can tell a serialization
            // failure and run again; [`ApiError::settled`] names the weather
            // once it is over.
            other => Self::internal(other),
        }
    }
}

impl ApiError {
    /// The database's weather as the client should see it: a 503 or a 507,
    /// not a 500. Applied once a transaction is over (its retries spent),
    /// never inside one, where a retry needs the error as it is.
    pub fn settled(self) -> Self {
        let weather = match &self {
            Self::Internal(cause) => cause.downcast_ref::<diesel::result::Error>().and_then(weather),
            _ => None,
        };
        match weather {
            Some(Weather::Unavailable) => Self::Unavailable(self.to_string()),
            Some(Weather::StorageFull) => Self::StorageFull(self.to_string()),
            None => self,
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(error)
    }
}
