//! The article list: filters, orders, full-text search and keyset pages, with
//! what anonymous readers get shared through the public cache.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::cache::Cached;
use super::db::{self, ArticleStatus, Cursor, ListQuery, Scope, Sort};
use super::routes::respond_to;
use super::search;
use super::view::{ArticleListItem, hydrate};
use crate::auth::MaybeAuthUser;
use crate::error::ApiError;
use crate::feeds;
use crate::http::{self, Tagged};
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store;
use crate::users::Role;

/// List orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum SortParam {
    /// Newest first (the default without `q`).
    #[serde(rename = "-published_at")]
    NewestFirst,
    /// Oldest first.
    #[serde(rename = "published_at")]
    OldestFirst,
    /// Highest score first.
    #[serde(rename = "-score")]
    TopScore,
    /// Hacker News style: `(score + 1) / (age_hours + 2)^1.8`, stored and
    /// refreshed on every vote and every 5 minutes.
    #[serde(rename = "hot")]
    Hot,
    /// Best match first by bm25 (needs `q`; the default with `q`), among the
    /// 1,000 most recently written matches.
    #[serde(rename = "relevance")]
    Relevance,
}

/// Filters, order and page of the article list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListArticlesQuery {
    /// Category slug; its sub-categories are included.
    pub category: Option<String>,
    /// Tag slug.
    pub tag: Option<String>,
    /// Author's user id.
    pub author: Option<i32>,
    /// Full-text search over title, excerpt and body, in any language. Every
    /// word must match; punctuation and search operators are plain text.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Articles with this status (`scheduled`: published with a date ahead;
    /// `published`: public now): contributors and authors see their own,
    /// editors all. `pending` is the review queue, oldest submission first
    /// unless `sort` says otherwise. Without it, everyone sees published, due
    /// articles.
    pub status: Option<ArticleStatus>,
    pub sort: Option<SortParam>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (of the same order).
    pub cursor: Option<String>,
}

/// Lists and searches published articles.
///
/// Newest first, with filters, full-text search and other orders. With
/// `status`, contributors and authors list their own articles of that status
/// and editors everyone's (`?status=pending` is the review queue).
#[utoipa::path(
    tag = "articles",
    security((), ("bearer" = [])),
    params(ListArticlesQuery),
    responses(
        (status = 200, description = "A page of articles", body = Page<ArticleListItem>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("")]
pub async fn list_articles(
    user: MaybeAuthUser,
    query: web::Query<ListArticlesQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    // What everyone sees is shared between requests, signed-in readers' own
    // votes written in afterwards.
    let cache_key = query.status.is_none().then(|| format!("{}?{}", request.path(), request.query_string()));
    if let Some(hit) = cache_key.as_deref().and_then(|key| state.caches.public.list(key)) {
        return respond_to(user.0.as_ref(), &hit, None, &state).await;
    }
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let search = match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > search::MAX_QUERY_CHARS => {
            return Err(ApiError::bad_request("invalid_query", "q must be at most 200 characters"));
        }
        // `Some(None)`: a search with nothing searchable in it, which matches nothing.
        Some(q) => Some(search::Query::parse(q)),
        None => None,
    };
    let sort = match (query.sort, &search) {
        (Some(SortParam::Relevance), None) => {
            return Err(ApiError::bad_request("invalid_query", "sort=relevance needs q"));
        }
        (Some(SortParam::Relevance), Some(_)) | (None, Some(_)) => Sort::Relevance,
        (Some(SortParam::OldestFirst), _) => Sort::Oldest,
        (Some(SortParam::TopScore), _) => Sort::TopScore,
        (Some(SortParam::Hot), _) => Sort::Hot,
        // The review queue: oldest submission first.
        (None, None) if query.status == Some(ArticleStatus::Pending) => Sort::Queue,
        (Some(SortParam::NewestFirst), _) | (None, None) => Sort::Newest,
    };
    let scope = match (query.status, &user.0) {
        (None, _) => Scope::Public,
        (Some(_), None) => return Err(ApiError::Unauthorized(crate::error::AuthFailure::MissingToken)),
        (Some(status), Some(user)) => {
            user.require(Role::Contributor)?;
            Scope::Status { status, author: (user.role < Role::Editor).then_some(user.id) }
        }
    };
    let after: Option<Cursor> = pagination::decode_cursor(query.cursor.as_deref())?;
    let cursor_fits = matches!(
        (&after, sort),
        (None, _)
            | (Some(Cursor::Published { .. }), Sort::Newest | Sort::Oldest)
            | (Some(Cursor::Score { .. }), Sort::TopScore)
            | (Some(Cursor::Hot { .. }), Sort::Hot)
            | (Some(Cursor::Rank { .. }), Sort::Relevance)
            | (Some(Cursor::Submitted { .. }), Sort::Queue)
    );
    if !cursor_fits {
        return Err(ApiError::bad_request("invalid_cursor", "the cursor belongs to another order"));
    }
    // A tag no tag can have matches nothing, like any unknown tag.
    let query_tag = query.tag.clone();
    let tag_slug = query.tag.map(|tag| if crate::text::can_match(&tag) { tag } else { String::new() });
    let (category, author_id) = (query.category, query.author);
    let (feed_category, feed_tag) = (category.clone(), query_tag.clone());
    // Staff lists show the caller's votes at once; public ones get them written in.
    let viewer = if matches!(scope, Scope::Public) { None } else { user.id() };
    let categories = state.caches.categories.clone();
    let media = state.media.urls.clone();
    let page = store::read(&state.pool, move |conn| {
        // A read may run twice (`store::read`): each run takes its own copies.
        let (search, category, scope, tag_slug, after) =
            (search.clone(), category.clone(), scope.clone(), tag_slug.clone(), after.clone());
        let tree = categories.tree(conn)?;
        let nothing = || Ok(Page { items: Vec::new(), next_cursor: None });
        // A search with nothing searchable in it, or an unknown category, matches nothing.
        let search = match search {
            Some(None) => return nothing(),
            Some(Some(search)) => Some(search),
            None => None,
        };
        let category_ids = match category {
            Some(slug) => match tree.by_slug(&slug) {
                Some(category) => Some(tree.with_descendants(category.id)),
                None => return nothing(),
            },
            None => None,
        };
        let list = ListQuery { scope, category_ids, tag_slug, author_id, search, sort, after, limit: limit.probe() };
        let page = Page::from_rows(db::list(conn, &list)?, limit, |(_, cursor)| cursor.clone(), |(row, _)| row);
        page.try_map_items(|rows| hydrate(conn, rows, viewer, &tree, &media))
    })
    .await?;
    let mut tagged = Tagged::page(&page, &request)?;
    feeds::add_links(
        &mut tagged,
        &feeds::alternate_links(&state.config, feed_category.as_deref(), feed_tag.as_deref(), author_id),
    );
    let Some(key) = cache_key else {
        return Ok(tagged.respond(None, http::private(HttpResponse::Ok())));
    };
    let public = Cached { response: tagged, articles: page.items.iter().map(|item| item.id).collect() };
    state.caches.public.keep_list(&key, public.response.clone(), public.articles.clone());
    respond_to(user.0.as_ref(), &public, None, &state).await
}
