//! Sessions: register, login, refresh, logout and logout-all.

use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::db::{self, IssuedRefresh, Rotation};
use super::extract::AuthUser;
use super::password::{self, Password};
use super::tokens::HashedToken;
use crate::error::{AllValid, ApiError, AuthFailure, Problem};
use crate::http::JsonBody;
use crate::state::AppState;
use crate::store;
use crate::users::db::UserRow;
use crate::users::write::NewAccount;
use crate::users::{self, Account, DisplayName, Email, Role};

/// A new session: an access token for API calls and a refresh token to renew it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived HS256 JWT; send it as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Opaque, single-use token for `POST /api/v1/auth/refresh`.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    #[schema(example = 2_592_000)]
    pub refresh_expires_in: u64,
    /// The account the tokens belong to.
    pub user: Account,
}

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Unique, compared case-insensitively; surrounding spaces are trimmed.
    #[schema(example = "amal@example.com", max_length = 254)]
    pub email: String,
    /// 10 to 128 characters (the minimum is configurable), not a common
    /// password, not the email.
    #[schema(example = "correct horse battery staple", format = Password, max_length = 128)]
    pub password: String,
    /// 1 to 100 characters.
    #[schema(example = "Amal Haddad", min_length = 1, max_length = 100)]
    pub display_name: String,
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "amal@example.com", max_length = 254)]
    pub email: String,
    #[schema(value_type = String, format = Password, example = "correct horse battery staple")]
    pub password: SecretString,
}

/// A refresh token, to rotate or to end its session.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The `refresh_token` of a token response.
    #[schema(value_type = String)]
    pub refresh_token: SecretString,
}

fn token_response(state: &AppState, user: UserRow, session: IssuedRefresh) -> Result<HttpResponse, ApiError> {
    let config = &state.config;
    let access_ttl = config.access_token_ttl.as_secs();
    let access_token = state
        .jwt
        .issue(user.id, user.token_version, &session.family_id, i64::try_from(access_ttl).unwrap_or(i64::MAX))
        .map_err(ApiError::internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: access_ttl,
        refresh_token: session.token.expose().to_owned(),
        refresh_expires_in: config.refresh_token_ttl.as_secs(),
        user: Account::from(user),
    })
    .map(|body| HttpResponse::Ok().json(body))
}

fn refresh_ttl(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.config.refresh_token_ttl).unwrap_or(chrono::Duration::MAX)
}

/// Creates a reader account and signs it in.
///
/// The answer is a token response, as from login. The email is unique without
/// regard to case; the password follows the policy (length, not a common
/// password, not the email).
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = TokenResponse,
            headers(("Location" = String, description = "The new user's public profile"))),
        (status = 409, description = "The email is taken (code `email_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[post("/register")]
pub async fn register(body: JsonBody<RegisterRequest>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = Email::parse(&body.email);
    let display_name = DisplayName::parse(&body.display_name);
    let password = Password::parse(body.password, &body.email, state.config.password_min_length);
    let (email, display_name, password) = (email, display_name, password).all_valid()?;
    let password_hash = password::hash(password).await?;
    let ttl = refresh_ttl(&state);
    let created = store::write(&state.pool, move |conn| {
        let account = NewAccount {
            email: &email,
            display_name: display_name.as_ref(),
            password_hash: &password_hash,
            role: Role::Reader,
        };
        let Some(user) = users::write::create(conn, account)? else {
            return Ok(None);
        };
        let session = db::store_refresh(conn, user.id, None, ttl)?;
        diesel::QueryResult::Ok(Some((user, session)))
    })
    .await?;
    let (user, session) =
        created.ok_or_else(|| ApiError::conflict("email_taken", "An account with this email already exists."))?;
    let location = format!("/api/v1/users/{}", user.id);
    let mut response = token_response(&state, user, session)?;
    *response.status_mut() = actix_web::http::StatusCode::CREATED;
    response
        .headers_mut()
        .insert(header::LOCATION, header::HeaderValue::from_str(&location).map_err(ApiError::internal)?);
    Ok(response)
}

/// Signs in with email and password.
///
/// Unknown email and wrong password get the same answer in the same time.
/// Repeated failures for one account are throttled (429) for a while, never
/// locked for good.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong email or password (code `invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is disabled (code `account_disabled`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The email is longer than any address (code `validation_failed`)", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/login")]
pub async fn login(body: JsonBody<LoginRequest>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = Email::login_key(&body.email).map_err(|e| ApiError::Validation(vec![e]))?;
    let lookup = key.clone();
    let user = store::read(&state.pool, move |conn| crate::users::db::find_by_email_key(conn, &lookup)).await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matched = password::verify_limited(&state.pool, &key, body.password, stored_hash).await?;
    let (Some(user), true) = (user, matched) else {
        return Err(ApiError::Unauthorized(AuthFailure::InvalidCredentials));
    };
    if user.disabled {
        return Err(ApiError::Forbidden { code: "account_disabled", detail: "This account is disabled." });
    }
    let ttl = refresh_ttl(&state);
    let user_id = user.id;
    let session = store::run(&state.pool, move |conn| db::store_refresh(conn, user_id, None, ttl)).await?;
    token_response(&state, user, session)
}

/// Exchanges a refresh token for a new token pair.
///
/// Each refresh token works once; presenting a used one again revokes its whole
/// session (401).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token (code `invalid_refresh_token`)", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/refresh")]
pub async fn refresh(body: JsonBody<RefreshRequest>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let presented = HashedToken::of(body.refresh_token.expose_secret());
    let ttl = refresh_ttl(&state);
    enum Refreshed {
        Rotated(UserRow, IssuedRefresh),
        /// Unknown, expired, revoked, its user disabled, or reused (which
        /// revoked the session).
        Refused,
    }
    let refreshed = state
        .write(move |conn, effects| {
            Ok::<_, diesel::result::Error>(match db::rotate_refresh(conn, effects, &presented, ttl)? {
                Rotation::Rotated { user_id, next } => {
                    let user = crate::users::db::find(conn, user_id)?;
                    if user.disabled { Refreshed::Refused } else { Refreshed::Rotated(user, next) }
                }
                Rotation::Invalid => Refreshed::Refused,
                Rotation::Reused => {
                    tracing::warn!("a used refresh token was presented again; its session is revoked");
                    Refreshed::Refused
                }
            })
        })
        .await?;
    let Refreshed::Rotated(user, next) = refreshed else {
        return Err(ApiError::Unauthorized(AuthFailure::InvalidRefreshToken));
    };
    token_response(&state, user, next)
}

/// Ends the session of a refresh token.
///
/// Answers 204 whatever the token, so it reveals nothing. Access tokens of the
/// session expire on their own; use logout-all to end them at once.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "The session is over")),
)]
#[post("/logout")]
pub async fn logout(body: JsonBody<RefreshRequest>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let presented = HashedToken::of(body.refresh_token.expose_secret());
    state.write(move |conn, effects| db::revoke_family_of(conn, effects, &presented)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends every session of the caller.
///
/// All access and refresh tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Every session is over")),
)]
#[post("/logout-all")]
pub async fn logout_all(user: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.write(move |conn, effects| users::write::end_sessions(conn, effects, user.id, None)).await?;
    Ok(HttpResponse::NoContent().finish())
}
