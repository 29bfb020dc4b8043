//! The articles in a collection: saved ones with tombstones for their owner,
//! adding and removing.

use crate::store::Conn;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::db::{self, ItemCursor, Saved};
use super::routes::{CollectionResponse, Limits, PageQuery, owned, reload, visible};
use crate::articles::db::{self as articles_db, ArticleRef, ArticleRow};
use crate::articles::{ArticleListItem, hydrate};
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::categories::Tree;
use crate::error::{ApiError, Problem};
use crate::http;
use crate::media::MediaUrls;
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store;
use crate::time;

/// A saved article that can be read.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedArticle {
    #[serde(flatten)]
    pub article: ArticleListItem,
    /// Always true.
    pub available: bool,
    /// When it was saved.
    pub added_at: DateTime<Utc>,
}

/// What the owner sees of a saved article that was unpublished or deleted.
// `deny_unknown_fields` only shapes the schema (`additionalProperties: false`),
// so that a readable article never also matches this branch of the `oneOf`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnavailableArticle {
    pub id: i32,
    /// The title when it was saved, or when it was last public since.
    pub title: String,
    /// The slug when it was saved, or when it was last public since.
    pub slug: String,
    /// Always false.
    pub available: bool,
    pub added_at: DateTime<Utc>,
}

/// An item of a collection: a readable article or, for the owner, a tombstone.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CollectionItem {
    Available(Box<SavedArticle>),
    Unavailable(UnavailableArticle),
}

/// Saved rows as `viewer` sees them: readable articles in full, the others
/// (which only their owner is given) as tombstones.
fn items(
    conn: &mut Conn,
    rows: Vec<(ArticleRow, Saved)>,
    viewer: Option<i32>,
    tree: &Tree,
    media: &MediaUrls,
) -> diesel::QueryResult<Vec<CollectionItem>> {
    let now = time::now();
    let readable: Vec<ArticleRow> =
        rows.iter().filter(|(row, _)| row.is_public(now)).map(|(row, _)| row.clone()).collect();
    let mut hydrated: std::collections::HashMap<i32, ArticleListItem> =
        hydrate(conn, readable, viewer, tree, media)?.into_iter().map(|item| (item.id, item)).collect();
    Ok(rows
        .into_iter()
        .map(|(row, saved)| match hydrated.remove(&row.id) {
            Some(article) => CollectionItem::Available(Box::new(SavedArticle {
                article,
                available: true,
                added_at: time::utc(saved.added_at),
            })),
            None => CollectionItem::Unavailable(UnavailableArticle {
                id: row.id,
                title: saved.title,
                slug: saved.slug,
                available: false,
                added_at: time::utc(saved.added_at),
            }),
        })
        .collect())
}

/// The saved articles, most recently added first.
///
/// The owner also sees what was unpublished or deleted since, as `{id, title,
/// available: false, added_at}`; others see only what is still published.
#[utoipa::path(
    tag = "collections",
    security((), ("bearer" = [])),
    params(("id" = i32, Path, description = "Collection id"), PageQuery),
    responses(
        (status = 200, description = "A page of saved articles", body = Page<CollectionItem>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{id}/articles")]
pub async fn list_collection_articles(
    user: MaybeAuthUser,
    id: web::Path<i32>,
    query: web::Query<PageQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let after: Option<ItemCursor> = pagination::decode_cursor(query.cursor.as_deref())?;
    let (id, viewer) = (id.into_inner(), user.id());
    let categories = state.caches.categories.clone();
    let media = state.media.urls.clone();
    let page = store::read(&state.pool, move |conn| {
        let (collection, _) = visible(conn, id, viewer)?.ok_or(ApiError::NotFound)?;
        let owner_view = viewer == Some(collection.owner_id);
        let rows = db::items(conn, collection.id, owner_view, after.as_ref(), limit.probe())?;
        let page = Page::from_rows(rows, limit, |(row, saved)| ItemCursor::of(row, saved), |row| row);
        let tree = categories.tree(conn)?;
        page.try_map_items(|rows| items(conn, rows, viewer, &tree, &media)).map_err(ApiError::from)
    })
    .await?;
    Ok(http::with_link(http::private(HttpResponse::Ok()), &page, &request).json(page))
}

/// The id of the article a membership change names, if there is one: an id
/// needs no look-up, so that a deleted article can still be removed.
fn named_article(conn: &mut Conn, article: &ArticleRef) -> diesel::QueryResult<Option<i32>> {
    match article {
        ArticleRef::Id(article_id) => Ok(Some(*article_id)),
        ArticleRef::Slug(_) => Ok(articles_db::resolve(conn, article)?.map(|row| row.id)),
    }
}

/// Saves a published article in a collection (owner only).
///
/// 201 when added, 200 when it was already there.
#[utoipa::path(
    tag = "collections",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "Collection id"),
        ("article" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "`*`: only if the article is in the collection already"),
    ),
    responses(
        (status = 200, description = "Already in the collection", body = CollectionResponse),
        (status = 201, description = "Added", body = CollectionResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 409, description = "The collection is full (code `limit_reached`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::error::responses::PreconditionFailed),
    ),
)]
#[put("/{id}/articles/{article}")]
pub async fn add_collection_article(
    user: AuthUser,
    path: web::Path<(i32, ArticleRef)>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ((id, article), limits, if_match) = (path.into_inner(), Limits::of(&state), http::if_match(&request)?);
    let (added, collection) = store::write(&state.pool, move |conn| {
        let (collection, _) = owned(conn, id, &user)?;
        let row = articles_db::resolve_public(conn, &article)?.ok_or(ApiError::NotFound)?;
        if if_match.is_some() {
            let saved = !db::containing(conn, &[collection.id], row.id)?.is_empty();
            http::check_if_match_untagged(if_match.as_deref(), saved)?;
        }
        let added =
            db::add_article(conn, &collection, &row, limits.articles)?.map_err(|refused| limits.refusal(refused))?;
        Ok::<_, ApiError>((added, reload(conn, id)?))
    })
    .await?;
    let response = if added { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(http::private(response).json(CollectionResponse::new(collection)))
}

/// Removes an article from a collection (owner only).
///
/// 204 also when it was not there.
#[utoipa::path(
    tag = "collections",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "Collection id"),
        ("article" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "`*`: only if the article is in the collection"),
    ),
    responses(
        (status = 204, description = "Not in the collection any more"),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 412, response = crate::error::responses::PreconditionFailed),
    ),
)]
#[delete("/{id}/articles/{article}")]
pub async fn remove_collection_article(
    user: AuthUser,
    path: web::Path<(i32, String)>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ((id, segment), if_match) = (path.into_inner(), http::if_match(&request)?);
    store::write(&state.pool, move |conn| {
        let (collection, _) = owned(conn, id, &user)?;
        // Digits past any id name nothing, which is not there: done.
        let named = match ArticleRef::parse(&segment) {
            Some(article) => named_article(conn, &article)?,
            None => None,
        };
        if if_match.is_some() {
            let saved = match named {
                Some(article_id) => !db::containing(conn, &[collection.id], article_id)?.is_empty(),
                None => false,
            };
            http::check_if_match_untagged(if_match.as_deref(), saved)?;
        }
        if let Some(article_id) = named {
            db::remove_article(conn, collection.id, article_id)?;
        }
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
