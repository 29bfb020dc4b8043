//! Password reset by emailed link: forgot → mail → verify → reset.
//!
//! Links carry a 256-bit token stored only as its SHA-256, valid for
//! `NEWSROOM_RESET_TOKEN_TTL`, and consumed by the statement that checks it.
//! Asking again does not cancel the links already mailed: the newest
//! [`RESET_REQUESTS_ALLOWED`] stay valid, so that nobody can keep a user from
//! resetting by asking for links in their name. Using one drops them all.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::password::{self, Password};
use super::tokens::{HashedToken, PlainToken};
use crate::error::{ApiError, Problem};
use crate::http::JsonBody;
use crate::limiter::{self, TextKey};
use crate::mail::{Mail, html_escape};
use crate::schema::{password_resets, users};
use crate::state::{AppState, RESET_REQUESTS_ALLOWED};
use crate::store;
use crate::time;
use crate::users::Email;
use crate::users::db::UserRow;

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

#[derive(Insertable)]
#[diesel(table_name = password_resets)]
struct NewPasswordReset<'a> {
    user_id: i32,
    token_hash: &'a [u8],
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// Stores a reset token for the user beside the newest earlier ones; older
/// links than the newest [`RESET_REQUESTS_ALLOWED`] stop working.
fn store_reset(
    conn: &mut SqliteConnection,
    user_id: i32,
    token: &HashedToken,
    ttl: chrono::Duration,
) -> QueryResult<NaiveDateTime> {
    let now = time::now();
    let row = NewPasswordReset { user_id, token_hash: token.as_bytes(), created_at: now, expires_at: now + ttl };
    diesel::insert_into(password_resets::table).values(&row).execute(conn)?;
    let newest: Vec<Vec<u8>> = password_resets::table
        .filter(password_resets::user_id.eq(user_id))
        .order(password_resets::created_at.desc())
        .limit(i64::from(RESET_REQUESTS_ALLOWED))
        .select(password_resets::token_hash)
        .load(conn)?;
    diesel::delete(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::token_hash.ne_all(newest)),
    )
    .execute(conn)?;
    Ok(row.expires_at)
}

/// The user and expiry of a usable token, for an enabled account.
fn find_reset(conn: &mut SqliteConnection, token: &HashedToken) -> QueryResult<Option<(UserRow, NaiveDateTime)>> {
    password_resets::table
        .inner_join(users::table)
        .filter(password_resets::token_hash.eq(token.as_bytes()))
        .filter(password_resets::expires_at.gt(time::now()))
        .filter(users::disabled.eq(false))
        .select((UserRow::as_select(), password_resets::expires_at))
        .first(conn)
        .optional()
}

/// Deletes the token if it is still usable, returning its user: the check and
/// the use are one statement, so two concurrent resets cannot both pass.
fn consume_reset(conn: &mut SqliteConnection, token: &HashedToken) -> QueryResult<Option<i32>> {
    diesel::delete(
        password_resets::table
            .filter(password_resets::token_hash.eq(token.as_bytes()))
            .filter(password_resets::expires_at.gt(time::now())),
    )
    .returning(password_resets::user_id)
    .get_result(conn)
    .optional()
}

/// Drops a user's outstanding reset links (after any password change).
pub fn discard_resets(conn: &mut SqliteConnection, user_id: i32) -> QueryResult<()> {
    diesel::delete(password_resets::table.filter(password_resets::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// Deletes links that have expired; they can never be used.
pub fn delete_expired(conn: &mut SqliteConnection) -> QueryResult<usize> {
    diesel::delete(password_resets::table.filter(password_resets::expires_at.le(time::now()))).execute(conn)
}

fn mailbox(user: &UserRow) -> Option<Mailbox> {
    user.email.parse().ok().map(|address| Mailbox::new(Some(user.display_name.clone()), address))
}

fn reset_mail(state: &AppState, user: &UserRow, token: &PlainToken, expires_at: NaiveDateTime) -> Option<Mail> {
    let mut link = state.config.public_url.clone();
    // Appended, not joined: joining would replace a last path segment such as
    // the `/news` of `https://example.com/news`.
    link.path_segments_mut().ok()?.pop_if_empty().push("reset-password");
    link.query_pairs_mut().append_pair("token", token.expose());
    let minutes = state.config.reset_token_ttl.as_secs().div_ceil(60);
    let expires = expires_at.format("%Y-%m-%d %H:%M UTC");
    let text = format!(
        "Someone, hopefully you, asked to reset the password of the newsroom account for {email}.\n\n\
         Open this link to choose a new password:\n\n{link}\n\n\
         The link works once and expires in {minutes} minutes, at {expires}.\n\
         If you did not ask, ignore this mail: your password stays as it is.\n",
        email = user.email,
    );
    let html = format!(
        "<p>Someone, hopefully you, asked to reset the password of the newsroom account for {email}.</p>\
         <p><a href=\"{link}\">Choose a new password</a></p>\
         <p>The link works once and expires in {minutes} minutes, at {expires}.<br>\
         If you did not ask, ignore this mail: your password stays as it is.</p>",
        email = html_escape(&user.email),
        link = html_escape(link.as_str()),
    );
    Some(Mail { to: mailbox(user)?, subject: "Reset your newsroom password".into(), text, html })
}

/// Tells a user that their password changed, so that a change they did not make is noticed.
pub fn send_password_changed(state: &AppState, user: &UserRow) {
    let Some(to) = mailbox(user) else {
        return;
    };
    let at = time::now().format("%Y-%m-%d %H:%M UTC");
    let text = format!(
        "The password of the newsroom account for {email} was changed at {at}, and every session was signed out.\n\n\
         If you did not do this, use \"Forgot password?\" to choose a new one now.\n",
        email = user.email,
    );
    let html = format!(
        "<p>The password of the newsroom account for {email} was changed at {at}, and every session was signed out.</p>\
         <p>If you did not do this, use \"Forgot password?\" to choose a new one now.</p>",
        email = html_escape(&user.email),
    );
    let mail = Mail { to, subject: "Your newsroom password was changed".into(), text, html };
    state.mailer.send_later(state.config.mail_from.clone(), mail);
}

/// Sends a reset link to the account's email, if there is such an account.
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
    if let (Some(limit), Some(peer)) = (&state.limits.reset_requests_by_ip, request.peer_addr()) {
        limit.hit(limiter::client_key(peer.ip()))?;
    }
    state.limits.reset_requests.hit(TextKey::of(&email.key()))?;
    let ttl = chrono::Duration::from_std(state.config.reset_token_ttl).unwrap_or(chrono::Duration::MAX);
    let background = state.clone();
    actix_web::rt::spawn(async move {
        let token = PlainToken::generate();
        let hashed = token.hashed();
        let key = email.key();
        let stored = store::write(&background.pool, move |conn| {
            let Some(user) = crate::users::db::find_by_email_key(conn, &key)?.filter(|user| !user.disabled) else {
                return Ok(None);
            };
            let expires_at = store_reset(conn, user.id, &hashed, ttl)?;
            diesel::QueryResult::Ok(Some((user, expires_at)))
        })
        .await;
        match stored {
            Ok(Some((user, expires_at))) => {
                if let Some(mail) = reset_mail(&background, &user, &token, expires_at) {
                    background.mailer.send_later(background.config.mail_from.clone(), mail);
                }
            }
            Ok(None) => tracing::info!("password reset asked for an unknown or disabled account"),
            Err(error) => tracing::error!(error = %error, "password reset not stored"),
        }
    });
    Ok(HttpResponse::Accepted().json(ForgotPasswordResponse { message: FORGOT_MESSAGE }))
}

/// Checks a reset link before showing the new-password form.
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
    let found = store::run(&state.pool, move |conn| find_reset(conn, &token)).await?;
    let (_, expires_at) = found.ok_or(ApiError::InvalidResetToken)?;
    Ok(HttpResponse::Ok().json(VerifyResetResponse { valid: true, expires_at: time::utc(expires_at) }))
}

/// Sets a new password with a reset link. The policy is checked before the
/// link is used up; success ends every session of the user and sends a
/// "password changed" mail. The user is not signed in: they log in anew.
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
        store::run(&state.pool, move |conn| find_reset(conn, &lookup)).await?.ok_or(ApiError::InvalidResetToken)?;
    let password = Password::parse(body.password, &user.email, state.config.password_min_length)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let hash = password::hash(password).await?;
    let consumed = store::write(&state.pool, move |conn| {
        let Some(user_id) = consume_reset(conn, &token)? else {
            return Ok(None);
        };
        crate::users::db::set_password(conn, user_id, &hash, None)?;
        crate::users::db::find(conn, user_id).map(Some)
    })
    .await?;
    let user = consumed.ok_or(ApiError::InvalidResetToken)?;
    send_password_changed(&state, &user);
    Ok(HttpResponse::NoContent().finish())
}
