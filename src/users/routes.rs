//! Account endpoints: the caller's own account and public profiles.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, put, web};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::db::{self, ProfileChanges, UserRow};
use super::fields::{Bio, DisplayName, Email, Role};
use super::write;
use crate::auth::extract::AuthUser;
use crate::auth::password::{self, Password};
use crate::error::{AllValid, ApiError, AuthFailure, Problem};
use crate::http::JsonBody;
use crate::http::{self, Patch};
use crate::mail;
use crate::state::AppState;
use crate::store;
use crate::time;

/// The caller's own account, with the email only its owner sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    /// User id.
    #[schema(example = 42)]
    pub id: i32,
    /// Email address as registered (compared case-insensitively).
    #[schema(example = "amal@example.com")]
    pub email: String,
    /// Name shown on articles and collections.
    #[schema(example = "Amal Haddad")]
    pub display_name: String,
    /// Short biography; null when there is none.
    #[schema(required = true)]
    pub bio: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for Account {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            bio: row.bio,
            role: row.role,
            created_at: time::utc(row.created_at),
        }
    }
}

/// What anyone may see of a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicProfile {
    /// User id.
    #[schema(example = 42)]
    pub id: i32,
    /// Name shown on articles and collections.
    #[schema(example = "Amal Haddad")]
    pub display_name: String,
    /// Short biography; null when there is none.
    #[schema(required = true)]
    pub bio: Option<String>,
    /// The user's role.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for PublicProfile {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            display_name: row.display_name,
            bio: row.bio,
            role: row.role,
            created_at: time::utc(row.created_at),
        }
    }
}

/// Changes to the caller's profile; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// 1 to 100 characters.
    #[schema(example = "Amal Haddad", min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
    /// Up to 2,000 characters; `null` or an empty string clears it.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>)]
    pub bio: Patch<String>,
}

/// A password change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    #[schema(value_type = String, format = Password)]
    pub current_password: SecretString,
    /// The new password: see the password policy on registration.
    #[schema(value_type = String, format = Password, max_length = 128)]
    pub new_password: String,
}

/// Confirmation for deleting the caller's account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// The account's current password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

async fn load_account(state: &AppState, user_id: i32) -> Result<UserRow, ApiError> {
    db_user(state, user_id).await?.ok_or(ApiError::Unauthorized(AuthFailure::InvalidToken))
}

pub(super) async fn db_user(state: &AppState, user_id: i32) -> Result<Option<UserRow>, ApiError> {
    store::read(&state.pool, move |conn| db::find_optional(conn, user_id)).await
}

/// The caller's account.
///
/// With the email, which only its owner sees, and an `ETag` for `PATCH`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = Account,
            headers(("ETag" = String, description = "Strong entity tag of this representation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
    ),
)]
#[get("/me")]
pub async fn get_me(
    user: AuthUser,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let row = load_account(&state, user.id).await?;
    http::json_with_etag(Some(&request), http::private(HttpResponse::Ok()), &Account::from(row))
}

/// Changes the caller's display name or bio.
///
/// Honours `If-Match`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("If-Match" = Option<String>, Header, description = "ETag the change is based on")),
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "The updated account", body = Account,
            headers(("ETag" = String, description = "The new entity tag"))),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[patch("/me")]
pub async fn update_me(
    user: AuthUser,
    body: JsonBody<UpdateProfileRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let display_name = body.display_name.as_deref().map(DisplayName::parse).transpose();
    let bio = body.bio.try_map(|bio| Bio::parse(&bio));
    let (display_name, bio) = (display_name, bio).all_valid()?;
    let changes = ProfileChanges {
        display_name: display_name.map(|name| name.as_ref().to_owned()),
        // An empty bio is no bio.
        bio: bio.map(|bio| bio.map(|bio| bio.as_ref().to_owned()).filter(|bio| !bio.is_empty())),
    };
    let if_match = http::if_match(&request)?;
    let row = state
        .write(move |conn, effects| {
            let current = db::find(conn, user.id)?;
            http::check_if_match(if_match.as_deref(), &Account::from(current.clone()))?;
            if changes.display_name.is_none() && changes.bio.is_none() {
                Ok(current)
            } else {
                write::update_profile(conn, effects, user.id, &changes).map_err(ApiError::from)
            }
        })
        .await?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &Account::from(row))
}

/// Changes the caller's password.
///
/// Every other session ends; this one keeps its refresh token, and its access
/// token must be refreshed. Wrong current passwords count towards the account's
/// limit on failed logins (429).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("If-Match" = Option<String>, Header, description = "Only `*` can match: a password has no entity tag")),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Password changed; other sessions revoked"),
        (status = 403, description = "`current_password` is wrong (code `invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 422, response = crate::error::responses::ValidationFailed),
        (status = 429, response = crate::error::responses::TooManyRequests),
    ),
)]
#[put("/me/password")]
pub async fn change_password(
    user: AuthUser,
    body: JsonBody<ChangePasswordRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let row = load_account(&state, user.id).await?;
    let new_password =
        Password::parse_field(body.new_password, &row.email, state.config.password_min_length, "new_password")
            .map_err(|e| ApiError::Validation(vec![e]))?;
    http::check_if_match_untagged(http::if_match(&request)?.as_deref(), true)?;
    if !password::verify_limited(
        &state.pool,
        &Email::key_of(&row.email),
        body.current_password,
        Some(row.password_hash.clone()),
    )
    .await?
    {
        return Err(wrong_password());
    }
    let hash = password::hash(new_password).await?;
    state
        .write(move |conn, effects| {
            write::set_password(conn, effects, user.id, &hash, Some(&user.session))?;
            effects.mail_to(&row, mail::password_changed);
            diesel::QueryResult::Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A wrong current password from a signed-in user: 403, not 401, because the
/// access token itself is fine and the client must not log the user out.
fn wrong_password() -> ApiError {
    ApiError::Forbidden { code: "invalid_credentials", detail: "The password is wrong." }
}

/// Deletes the caller's account.
///
/// Their votes and collections go with it; articles they wrote stay, with
/// `author: null`. Wrong passwords count towards the account's limit on failed
/// logins (429). Honours `If-Match`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("If-Match" = Option<String>, Header, description = "ETag of the account as last read")),
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "Account deleted"),
        (status = 403, description = "The password is wrong (code `invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 429, response = crate::error::responses::TooManyRequests),
    ),
)]
#[delete("/me")]
pub async fn delete_me(
    user: AuthUser,
    body: JsonBody<DeleteAccountRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let if_match = http::if_match(&request)?;
    let row = load_account(&state, user.id).await?;
    http::check_if_match(if_match.as_deref(), &Account::from(row.clone()))?;
    if !password::verify_limited(
        &state.pool,
        &Email::key_of(&row.email),
        body.into_inner().password,
        Some(row.password_hash),
    )
    .await?
    {
        return Err(wrong_password());
    }
    state
        .write(move |conn, effects| {
            // Checked again where it counts: the account may have changed during the hash.
            http::check_if_match(if_match.as_deref(), &Account::from(db::find(conn, user.id)?))?;
            write::delete(conn, effects, user.id).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user's public profile.
///
/// No email. A disabled or unknown user is a 404.
#[utoipa::path(
    tag = "users",
    params(("id" = i32, Path, description = "User id")),
    responses(
        (status = 200, description = "The profile", body = PublicProfile),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{id}")]
pub async fn get_user(id: web::Path<i32>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = store::read(&state.pool, move |conn| db::find_enabled(conn, id)).await?.ok_or(ApiError::NotFound)?;
    Ok(http::public(HttpResponse::Ok()).json(PublicProfile::from(row)))
}
