//! Page endpoints: read by anyone, written by editors.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::db;
use super::view::PageResponse;
use super::write;
use crate::articles::{fields, slug};
use crate::auth::AuthUser;
use crate::cpu;
use crate::error::{AllValid, ApiError};
use crate::http::{self, JsonBody};
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store;
use crate::time;
use crate::users::Role;

/// A page in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageSummary {
    #[schema(example = "privacy-policy")]
    pub slug: String,
    #[schema(example = "Privacy policy")]
    pub title: String,
    pub updated_at: DateTime<Utc>,
}

/// The content of a page.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutPageRequest {
    /// 1 to 200 characters.
    #[schema(example = "Privacy policy", min_length = 1, max_length = 200)]
    pub title: String,
    /// Markdown, 1 to 200,000 characters.
    #[schema(min_length = 1, max_length = 200000)]
    pub body: String,
}

/// Page of the page list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListPagesQuery {
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Every static page, by slug.
///
/// Titles only; `GET /api/v1/pages/{slug}` has the body.
#[utoipa::path(
    tag = "pages",
    params(ListPagesQuery),
    responses((status = 200, description = "A page of static pages", body = Page<PageSummary>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page")))),
)]
#[get("")]
pub async fn list_pages(
    query: web::Query<ListPagesQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let after: Option<String> = pagination::decode_cursor(query.cursor.as_deref())?;
    let rows = store::read(&state.pool, move |conn| db::list(conn, after.as_deref(), limit.probe())).await?;
    let page = Page::from_rows(
        rows,
        limit,
        |row| row.slug.clone(),
        |row| PageSummary { slug: row.slug, title: row.title, updated_at: time::utc(row.updated_at) },
    );
    Ok(http::with_link(http::public(HttpResponse::Ok()), &page, &request).json(page))
}

/// One static page.
///
/// With its Markdown body and the sanitized HTML rendering, and an `ETag`.
#[utoipa::path(
    tag = "pages",
    params(("slug" = String, Path, description = "Page slug, e.g. `privacy-policy`")),
    responses(
        (status = 200, description = "The page", body = PageResponse,
            headers(("ETag" = String, description = "Strong entity tag of this representation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{slug}")]
pub async fn get_page(
    slug: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let row = store::read(&state.pool, move |conn| db::find(conn, &slug)).await?.ok_or(ApiError::NotFound)?;
    http::json_with_etag(Some(&request), http::public(HttpResponse::Ok()), &PageResponse::from(row))
}

/// Creates (201) or replaces (200) a page (editor or admin).
///
/// Honours `If-Match`.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "Page slug: lowercase letters and digits separated by dashes"),
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on"),
    ),
    request_body = PutPageRequest,
    responses(
        (status = 200, description = "Replaced", body = PageResponse),
        (status = 201, description = "Created", body = PageResponse, headers(("Location" = String, description = "The page"))),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[put("/{slug}")]
pub async fn put_page(
    user: AuthUser,
    slug: web::Path<String>,
    body: JsonBody<PutPageRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Editor)?;
    let body = body.into_inner();
    // Titles and bodies follow the rules of articles.
    let (page_slug, title, markdown_body) =
        (slug::parse(&slug, "slug"), fields::title(&body.title), fields::body(&body.body)).all_valid()?;
    let if_match = http::if_match(&request)?;
    let page = cpu::run(move || write::Page::new(page_slug, title, markdown_body)).await??;
    let media = state.media.urls.clone();
    let (row, created) = state
        .write(move |conn, effects| {
            match (db::find(conn, &page.slug)?, if_match.as_deref()) {
                (Some(current), if_match) => http::check_if_match(if_match, &PageResponse::from(current))?,
                // An ETag can match no page that does not exist.
                (None, Some(_)) => return Err(ApiError::PreconditionFailed),
                (None, None) => {}
            }
            write::put(conn, effects, &media, page.clone(), None).map_err(ApiError::from)
        })
        .await?;
    let location = format!("/api/v1/pages/{}", row.slug);
    let mut response = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    if created {
        response.insert_header((header::LOCATION, location));
    }
    http::json_with_etag(None, response, &PageResponse::from(row))
}

/// Deletes a page (editor or admin).
///
/// Honours `If-Match`.
#[utoipa::path(
    tag = "pages",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "Page slug"),
        ("If-Match" = Option<String>, Header, description = "ETag of the page as last read"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 412, response = crate::error::responses::PreconditionFailed),
    ),
)]
#[delete("/{slug}")]
pub async fn delete_page(
    user: AuthUser,
    slug: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Editor)?;
    let (slug, if_match) = (slug.into_inner(), http::if_match(&request)?);
    state
        .write(move |conn, effects| {
            let current = db::find(conn, &slug)?.ok_or(ApiError::NotFound)?;
            http::check_if_match(if_match.as_deref(), &PageResponse::from(current))?;
            write::delete(conn, effects, &slug).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
