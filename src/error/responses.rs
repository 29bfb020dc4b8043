//! The reusable error responses of the OpenAPI document, which operations
//! name as `response = crate::error::responses::NotFound`.

use utoipa::ToResponse;

use super::Problem;

/// The request body or query is malformed (codes such as `invalid_body`,
/// `unknown_field`, `invalid_query`, `invalid_cursor`, `invalid_limit`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(pub Problem);

/// No valid access token (codes `unauthenticated`, `invalid_token`,
/// `invalid_credentials`, `invalid_refresh_token`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"newsroom\"`, with `error=\"invalid_token\"` when a token was sent"))
)]
pub struct Unauthorized(pub Problem);

/// Authenticated, but not allowed.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(pub Problem);

/// No such resource, or one the caller may not see.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// `If-Match` names a version that is no longer current (code
/// `precondition_failed`): fetch again, then retry.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionFailed(pub Problem);

/// The body is larger than 1 MiB.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(pub Problem);

/// The body is not `application/json`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(pub Problem);

/// One or more fields are invalid; `errors` lists them.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct ValidationFailed(pub Problem);

/// The request with this `Idempotency-Key` is still running (code
/// `idempotency_key_in_use`): retry once it has answered.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct IdempotencyKeyInUse(pub Problem);

/// This `Idempotency-Key` came with a different request in the last 24
/// hours (code `idempotency_key_reused`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct IdempotencyKeyReused(pub Problem);

/// Too many requests (code `rate_limited`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))
)]
pub struct TooManyRequests(pub Problem);

/// Something failed on our side; the body says nothing more, the log does.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct InternalError(pub Problem);

/// The database cannot answer now: unreachable, a connection lost, every
/// connection busy past `NEWSROOM_DATABASE_TIMEOUT` (code
/// `service_unavailable`). Nothing was changed; retry after the
/// `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))
)]
pub struct ServiceUnavailable(pub Problem);

/// The server's disk is full (code `storage_full`): nothing was changed.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))
)]
pub struct StorageFull(pub Problem);
