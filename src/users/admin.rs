//! Admin user management: list, read, change roles, disable.

use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::db::{self, AdminChanges, UserFilter, UserRow};
use super::fields::Role;
use super::routes::{Account, db_user};
use super::write::{self, AdminChangeOutcome};
use crate::auth::extract::AuthUser;
use crate::error::{ApiError, Problem};
use crate::http::{self, JsonBody};
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store;
use crate::time;

/// An account as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUser {
    #[serde(flatten)]
    pub account: Account,
    /// A disabled user cannot log in, and all their tokens are revoked.
    pub disabled: bool,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for AdminUser {
    fn from(row: UserRow) -> Self {
        let (disabled, updated_at) = (row.disabled, time::utc(row.updated_at));
        Self { account: row.into(), disabled, updated_at }
    }
}

/// Filters of the admin user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Case-insensitive text found in the email or the display name.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Admin changes to an account; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminUpdateUserRequest {
    /// The new role.
    pub role: Option<Role>,
    /// `true` blocks login and revokes every token of the user at once.
    pub disabled: Option<bool>,
}

/// All users, newest first (admin only).
///
/// Filter by `role`, or by `q`: text found in the email or the display name,
/// without regard to case. Keyset-paginated.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(ListUsersQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<AdminUser>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/users")]
pub async fn list_users(
    user: AuthUser,
    query: web::Query<ListUsersQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let query = query.into_inner();
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let search = query.q.filter(|q| !q.trim().is_empty());
    if search.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::bad_request("invalid_query", "q must be at most 200 characters"));
    }
    let filter = UserFilter {
        role: query.role,
        query: search.map(|q| q.trim().to_owned()),
        before_id: pagination::decode_cursor(query.cursor.as_deref())?,
        limit: limit.probe(),
    };
    let rows = store::read(&state.pool, move |conn| db::list(conn, &filter)).await?;
    let page = Page::from_rows(rows, limit, |row| row.id, AdminUser::from);
    Ok(http::with_link(http::private(HttpResponse::Ok()), &page, &request).json(page))
}

/// One user as administrators see it (admin only).
///
/// With `disabled` and `updated_at`; its `ETag` is what `PATCH` takes in
/// `If-Match`.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = AdminUser,
            headers(("ETag" = String, description = "Strong entity tag of this representation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/users/{id}")]
pub async fn get_user_as_admin(
    user: AuthUser,
    id: web::Path<i32>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let row = db_user(&state, id.into_inner()).await?.ok_or(ApiError::NotFound)?;
    http::json_with_etag(Some(&request), http::private(HttpResponse::Ok()), &AdminUser::from(row))
}

/// Changes a user's role or disables them (admin only).
///
/// Disabling revokes every token at once. The last enabled admin cannot be
/// demoted or disabled (409). Honours `If-Match` with the ETag of `GET
/// /api/v1/admin/users/{id}`.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on"),
    ),
    request_body = AdminUpdateUserRequest,
    responses(
        (status = 200, description = "The updated user", body = AdminUser,
            headers(("ETag" = String, description = "The new entity tag"))),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 409, description = "The change would leave no enabled admin (code `last_admin`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::error::responses::PreconditionFailed),
    ),
)]
#[patch("/users/{id}")]
pub async fn update_user(
    user: AuthUser,
    id: web::Path<i32>,
    body: JsonBody<AdminUpdateUserRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (id, body) = (id.into_inner(), body.into_inner());
    let changes = AdminChanges { role: body.role, disabled: body.disabled };
    let if_match = http::if_match(&request)?;
    let updated = state
        .write(move |conn, effects| {
            let current = db::find(conn, id)?;
            http::check_if_match(if_match.as_deref(), &AdminUser::from(current))?;
            match write::admin_update(conn, effects, id, &changes)? {
                AdminChangeOutcome::Updated(row) => Ok(row),
                AdminChangeOutcome::NotFound => Err(ApiError::NotFound),
                AdminChangeOutcome::LastAdmin => {
                    Err(ApiError::conflict("last_admin", "This is the last enabled admin; make another admin first."))
                }
            }
        })
        .await?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &AdminUser::from(updated))
}
