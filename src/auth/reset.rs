//! Password reset by emailed link: forgot → mail → verify → reset.
//!
//! Links carry a 256-bit token stored only as its SHA-256, valid for
//! `NEWSROOM_RESET_TOKEN_TTL`, and consumed by the statement that checks it.
//! Asking again does not cancel the links already mailed: the newest
//! [`RESET_REQUESTS_ALLOWED`](super::attempts::RESET_REQUESTS_ALLOWED) stay valid, so that nobody can keep a user from
//! resetting by asking for links in their name. Using one drops them all.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::attempts::RESET_REQUESTS;
use super::db::{consume_reset, find_reset, store_reset};
use super::password::{self, Password};
use super::tokens::{HashedToken, PlainToken};
use crate::error::{ApiError, Problem};
use crate::http::JsonBody;
use crate::limiter;
use crate::mail;
use crate::proxy;
use crate::state::AppState;
use crate::store;
use crate::time;
use crate::users::{self, Email};

/// The same answer whether or not an account exists.
const FORGOT_MESSAGE: &str =
    "If an account exists for this email, we have sent a link to reset its password. The link expires soon.";

/// Asks for a reset link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    /// The account's email.
    #[schema(example = "amal@example.com", max_length = 254)]
    pub email: String,
}

/// Acknowledges a forgot-password request, revealing nothing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForgotPasswordResponse {
    #[schema(
        example = "If an account exists for this email, we have sent a link to reset its password. The link expires soon."
    )]
    pub message: &'static str,
}

/// A reset token from the emailed link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyResetRequest {
    /// The `token` query parameter of the link.
    #[schema(value_type = String)]
    pub token: SecretString,
}

/// A reset token that can still be used.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResetResponse {
    /// Always true: an unusable token is a 400.
    pub valid: bool,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// A new password, authorised by a reset token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The `token` query parameter of the link.
    #[schema(value_type = String)]
    pub token: SecretString,
    /// The new password; the policy of registration applies.
    #[schema(format = Password, example = "a brand new passphrase", max_length = 128)]
    pub password: String,
}

/// Sends a reset link to the account's email, if there is such an account.
///
/// The answer is the same either way, and so is its timing: the look-up and the
/// mail happen after the answer. Each address gets at most 5 requests an hour,
/// counted whether or not it has an account, and each client IP at most
/// `NEWSROOM_RESET_RATE_LIMIT`. Earlier links stay valid (the newest 5).
#[utoipa::path(
    tag = "auth",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 202, description = "Accepted; a mail is sent if the account exists", body = ForgotPasswordResponse),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[post("/password/forgot")]
pub async fn forgot_password(
    body: JsonBody<ForgotPasswordRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let email = Email::parse(&body.email).map_err(|e| ApiError::Validation(vec![e]))?;
    if let (Some(limit), Some(client)) = (&state.limits.reset_requests_by_ip, proxy::client_address(&request)) {
        limit.hit(limiter::client_key(client))?;
    }
    RESET_REQUESTS.spend(&state.pool, &email.key()).await?;
    let ttl = chrono::Duration::from_std(state.config.reset_token_ttl).unwrap_or(chrono::Duration::MAX);
    let background = state.clone();
    actix_web::rt::spawn(async move {
        let token = PlainToken::generate();
        let hashed = token.hashed();
        let key = email.key();
        let minutes = background.config.reset_token_ttl.as_secs().div_ceil(60);
        let link = mail::reset_url(&background.config.public_url, token.expose());
        let stored = background
            .write(move |conn, effects| {
                let Some(user) = crate::users::db::find_by_email_key(conn, &key)?.filter(|user| !user.disabled) else {
                    return Ok(false);
                };
                let expires_at = store_reset(conn, user.id, &hashed, ttl)?;
                let link = link.clone();
                effects.mail_to(&user, move |to| mail::reset_link(to, link.as_ref()?, minutes, expires_at));
                diesel::QueryResult::Ok(true)
            })
            .await;
        match stored {
            Ok(true) => {}
            Ok(false) => tracing::info!("password reset asked for an unknown or disabled account"),
            Err(error) => tracing::error!(error = %error, "password reset not stored"),
        }
    });
    Ok(HttpResponse::Accepted().json(ForgotPasswordResponse { message: FORGOT_MESSAGE }))
}

/// Checks a reset link before showing the new-password form.
///
/// Answers when the link stops working; using it is `POST
/// /api/v1/auth/password/reset`. An unknown, expired or used link is a 400.
#[utoipa::path(
    tag = "auth",
    request_body = VerifyResetRequest,
    responses(
        (status = 200, description = "The link can be used", body = VerifyResetResponse),
        (status = 400, description = "Unknown, expired or used link (code `invalid_reset_token`)", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/password/reset/verify")]
pub async fn verify_reset(
    body: JsonBody<VerifyResetRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = HashedToken::of(body.token.expose_secret());
    let found = store::read(&state.pool, move |conn| find_reset(conn, &token)).await?;
    let (_, expires_at) = found.ok_or(ApiError::InvalidResetToken)?;
    Ok(HttpResponse::Ok().json(VerifyResetResponse { valid: true, expires_at: time::utc(expires_at) }))
}

/// Sets a new password with a reset link.
///
/// The policy is checked before the link is used up; success ends every session
/// of the user and sends a "password changed" mail. The user is not signed in:
/// they log in anew.
#[utoipa::path(
    tag = "auth",
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "Password changed; every session ended"),
        (status = 400, description = "Unknown, expired or used link (code `invalid_reset_token`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[post("/password/reset")]
pub async fn reset_password(
    body: JsonBody<ResetPasswordRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let token = HashedToken::of(body.token.expose_secret());
    let lookup = token.clone();
    let (user, _) =
        store::read(&state.pool, move |conn| find_reset(conn, &lookup)).await?.ok_or(ApiError::InvalidResetToken)?;
    let password = Password::parse(body.password, &user.email, state.config.password_min_length)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let hash = password::hash(password).await?;
    let consumed = state
        .write(move |conn, effects| {
            let Some(user_id) = consume_reset(conn, &token)? else {
                return Ok(false);
            };
            users::write::set_password(conn, effects, user_id, &hash, None)?;
            effects.mail_to(&users::db::find(conn, user_id)?, mail::password_changed);
            diesel::QueryResult::Ok(true)
        })
        .await?;
    if !consumed {
        return Err(ApiError::InvalidResetToken);
    }
    Ok(HttpResponse::NoContent().finish())
}
