//! Tags: listed by slug with a prefix search and their article counts.
//!
//! A tag is public once a public article carries it: tagging a draft creates
//! the tag at once, and its name alone can give the draft away.

pub mod db;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::articles::slug;
use crate::error::ApiError;
use crate::http;
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store;

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(scope::scope("/api/v1/tags").service(list_tags));
}

/// A tag and how many published articles carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagResponse {
    #[schema(example = "libya")]
    pub slug: String,
    #[schema(example = "Libya")]
    pub name: String,
    pub article_count: i64,
}

/// Prefix search and page of the tag list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTagsQuery {
    /// Tags whose slug starts with the slug of this text (`Lib` finds `libya`).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Tags in slug order: those that at least one published article carries.
///
/// `q` finds tags by the start of their slug; `article_count` counts published
/// articles only.
#[utoipa::path(
    tag = "tags",
    params(ListTagsQuery),
    responses((status = 200, description = "A page of tags", body = Page<TagResponse>,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page")))),
)]
#[get("")]
pub async fn list_tags(
    query: web::Query<ListTagsQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::bad_request("invalid_query", "q must be at most 100 characters"));
    }
    let prefix = query.q.as_deref().map(slug::slugify).filter(|prefix| !prefix.is_empty());
    let after: Option<String> = pagination::decode_cursor(query.cursor.as_deref())?;
    let page = store::read(&state.pool, move |conn| {
        let rows = db::public(conn, prefix.as_deref(), after.as_deref(), limit.probe())?;
        let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
        let counts = db::public_article_counts(conn, &ids)?;
        diesel::QueryResult::Ok(Page::from_rows(
            rows,
            limit,
            |row| row.slug.clone(),
            |row| TagResponse {
                article_count: counts.get(&row.id).copied().unwrap_or(0),
                slug: row.slug,
                name: row.name,
            },
        ))
    })
    .await?;
    Ok(http::with_link(http::public(HttpResponse::Ok()), &page, &request).json(page))
}
