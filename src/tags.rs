//! Tags: listed by slug with a prefix search and their article counts.
//!
//! A tag is public once a public article carries it: tagging a draft creates
//! the tag at once, and its name alone can give the draft away.

use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::articles::{db::publicly_visible, slug};
use crate::error::ApiError;
use crate::http;
use crate::pagination::{self, Limit, Page};
use crate::schema::{article_tags, articles, tags};
use crate::state::AppState;
use crate::store;
use crate::time;

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
    let page = store::run(&state.pool, move |conn| {
        let now = time::now();
        let on_a_public_article = article_tags::table
            .inner_join(articles::table)
            .filter(article_tags::tag_id.eq(tags::id))
            .filter(publicly_visible(now));
        let mut select = tags::table
            .filter(diesel::dsl::exists(on_a_public_article))
            .select((tags::id, tags::slug, tags::name))
            .into_boxed();
        if let Some(prefix) = &prefix {
            // A range on the unique index, where LIKE would scan.
            select = select.filter(tags::slug.ge(prefix.clone())).filter(tags::slug.lt(format!("{prefix}\u{10FFFF}")));
        }
        if let Some(after) = after {
            select = select.filter(tags::slug.gt(after));
        }
        let rows: Vec<(i32, String, String)> = select.order(tags::slug).limit(limit.probe()).load(conn)?;
        let ids: Vec<i32> = rows.iter().map(|(id, _, _)| *id).collect();
        let counts: Vec<(i32, i64)> = article_tags::table
            .inner_join(articles::table)
            .filter(article_tags::tag_id.eq_any(&ids))
            .filter(publicly_visible(now))
            .group_by(article_tags::tag_id)
            .select((article_tags::tag_id, diesel::dsl::count_star()))
            .load(conn)?;
        let counts: std::collections::HashMap<i32, i64> = counts.into_iter().collect();
        diesel::QueryResult::Ok(Page::from_rows(
            rows,
            limit,
            |(_, slug, _)| slug.clone(),
            |(id, slug, name)| TagResponse { article_count: counts.get(&id).copied().unwrap_or(0), slug, name },
        ))
    })
    .await?;
    Ok(http::with_link(http::public(HttpResponse::Ok()), &page, &request).json(page))
}
