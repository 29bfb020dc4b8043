//! Static pages such as the privacy policy: read by anyone, written by editors.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::articles::{markdown, slug};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http;
use crate::http::JsonBody;
use crate::pagination::{self, Limit, Page};
use crate::schema::pages;
use crate::state::AppState;
use crate::store;
use crate::text;
use crate::time;
use crate::users::Role;

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/pages").service(list_pages).service(get_page).service(put_page).service(delete_page),
    );
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = pages, check_for_backend(diesel::sqlite::Sqlite))]
struct PageRow {
    slug: String,
    title: String,
    body: String,
    body_html: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A static page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageResponse {
    #[schema(example = "privacy-policy")]
    pub slug: String,
    #[schema(example = "Privacy policy")]
    pub title: String,
    /// Markdown source.
    pub body: String,
    /// The body rendered to HTML and sanitized.
    pub body_html: String,
    pub updated_at: DateTime<Utc>,
}

impl From<PageRow> for PageResponse {
    fn from(row: PageRow) -> Self {
        Self {
            slug: row.slug,
            title: row.title,
            body: row.body,
            body_html: row.body_html,
            updated_at: time::utc(row.updated_at),
        }
    }
}

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
    let rows = store::run(&state.pool, move |conn| {
        let mut select = pages::table.select((pages::slug, pages::title, pages::updated_at)).into_boxed();
        if let Some(after) = after {
            select = select.filter(pages::slug.gt(after));
        }
        select.order(pages::slug).limit(limit.probe()).load::<(String, String, NaiveDateTime)>(conn)
    })
    .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |(slug, _, _)| slug.clone(),
        |(slug, title, updated_at)| PageSummary { slug, title, updated_at: time::utc(updated_at) },
    );
    Ok(http::with_link(http::public(HttpResponse::Ok()), &page, &request).json(page))
}

/// One static page.
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
    let row = store::run(&state.pool, move |conn| {
        pages::table.find(slug).select(PageRow::as_select()).first(conn).optional()
    })
    .await?
    .ok_or(ApiError::NotFound)?;
    http::json_with_etag(Some(&request), http::public(HttpResponse::Ok()), &PageResponse::from(row))
}

/// Creates (201) or replaces (200) a page (editor or admin). Honours `If-Match`.
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
    let page_slug = slug::parse(&slug, "slug");
    let title = text::single_line(&body.title, 1, 200).map_err(|m| crate::error::FieldError::new("title", m));
    let markdown_body = text::multi_line(&body.body, 1, crate::articles::MAX_BODY_CHARS)
        .map_err(|m| crate::error::FieldError::new("body", m));
    let (page_slug, title, markdown_body) = match (page_slug, title, markdown_body) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (a, b, c) => return Err(ApiError::fields([a.err(), b.err(), c.err()])),
    };
    let if_match = http::if_match(&request)?;
    let body_html = markdown::render(&markdown_body);
    let (row, created) = store::write(&state.pool, move |conn| {
        let existing = pages::table.find(&page_slug).select(PageRow::as_select()).first(conn).optional()?;
        let current = existing.clone().map(PageResponse::from);
        let precondition = match (&current, if_match.as_deref()) {
            (Some(current), if_match) => http::check_if_match(if_match, current),
            (None, Some(_)) => Err(ApiError::PreconditionFailed),
            (None, None) => Ok(()),
        };
        if let Err(failed) = precondition {
            return Ok(Err(failed));
        }
        let now = time::now();
        let row = PageRow {
            created_at: existing.as_ref().map_or(now, |page| page.created_at),
            slug: page_slug,
            title,
            body: markdown_body,
            body_html,
            updated_at: now,
        };
        diesel::replace_into(pages::table).values(&row).execute(conn)?;
        diesel::QueryResult::Ok(Ok((row, existing.is_none())))
    })
    .await??;
    let location = format!("/api/v1/pages/{}", row.slug);
    let mut response = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    if created {
        response.insert_header((header::LOCATION, location));
    }
    http::json_with_etag(None, response, &PageResponse::from(row))
}

/// Deletes a page (editor or admin). Honours `If-Match`.
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
    store::write(&state.pool, move |conn| {
        let current = pages::table.find(&slug).select(PageRow::as_select()).first(conn)?;
        http::check_if_match(if_match.as_deref(), &PageResponse::from(current))?;
        diesel::delete(pages::table.find(&slug)).execute(conn).map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
