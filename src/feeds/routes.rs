//! The feed endpoints, and the public cache every feed and sitemap is served from.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::links::{FeedFormat, FeedScope, authority, public_url};
use super::render::language_of;
use super::{db, render, responses};
use crate::articles::db::{self as articles_db, ArticleRow};
use crate::articles::db::{ListQuery, Scope, Sort};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{self, Tagged};
use crate::media::MediaUrls;
use crate::state::AppState;
use crate::users::db as users_db;
use crate::{store, time};

/// Articles per feed.
const FEED_LENGTH: i64 = 50;

/// The feed of the whole site.
///
/// The 50 newest published articles, newest first, each with its excerpt as
/// summary and its sanitised HTML as content, as `rss.xml` (RSS 2.0),
/// `atom.xml` (Atom 1.0) or `feed.json` (JSON Feed 1.1).
#[utoipa::path(
    tag = "feeds",
    params(("format" = inline(FeedFormat), Path, description = "`rss.xml`, `atom.xml` or `feed.json`")),
    responses(
        (status = 200, response = responses::Feed),
        (status = 304, response = responses::NotModified),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/feeds/{format}")]
pub async fn site_feed(
    format: web::Path<FeedFormat>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    serve(FeedScope::Site, format.into_inner(), &request, &state).await
}

/// The feed of a category, its sub-categories included.
///
/// As the site's feed, for the articles of one category and the categories
/// below it. An unknown category is a 404.
#[utoipa::path(
    tag = "feeds",
    params(
        ("slug" = String, Path, description = "Category slug"),
        ("format" = inline(FeedFormat), Path, description = "`rss.xml`, `atom.xml` or `feed.json`"),
    ),
    responses(
        (status = 200, response = responses::Feed),
        (status = 304, response = responses::NotModified),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/feeds/categories/{slug}/{format}")]
pub async fn category_feed(
    path: web::Path<(String, FeedFormat)>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (slug, format) = path.into_inner();
    serve(FeedScope::Category(slug), format, &request, &state).await
}

/// The feed of a tag.
///
/// As the site's feed, for the articles with one tag. A tag no public article
/// carries is a 404.
#[utoipa::path(
    tag = "feeds",
    params(
        ("slug" = String, Path, description = "Tag slug"),
        ("format" = inline(FeedFormat), Path, description = "`rss.xml`, `atom.xml` or `feed.json`"),
    ),
    responses(
        (status = 200, response = responses::Feed),
        (status = 304, response = responses::NotModified),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/feeds/tags/{slug}/{format}")]
pub async fn tag_feed(
    path: web::Path<(String, FeedFormat)>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (slug, format) = path.into_inner();
    serve(FeedScope::Tag(slug), format, &request, &state).await
}

/// The feed of an author.
///
/// As the site's feed, for the articles one user wrote. An unknown user is a 404.
#[utoipa::path(
    tag = "feeds",
    params(
        ("id" = i32, Path, description = "User id"),
        ("format" = inline(FeedFormat), Path, description = "`rss.xml`, `atom.xml` or `feed.json`"),
    ),
    responses(
        (status = 200, response = responses::Feed),
        (status = 304, response = responses::NotModified),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/feeds/authors/{id}/{format}")]
pub async fn author_feed(
    path: web::Path<(i32, FeedFormat)>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, format) = path.into_inner();
    serve(FeedScope::Author(id), format, &request, &state).await
}

/// A document of the public cache under `request`'s path, made by `make`
/// when missing; answered with its `ETag`, `Last-Modified` and 304s.
pub(crate) async fn cached_document<F>(
    request: &HttpRequest,
    state: &web::Data<AppState>,
    make: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnMut(&mut store::Conn) -> Result<Tagged, ApiError> + Send + 'static,
{
    let key = request.path().to_owned();
    if let Some(hit) = state.caches.public.list(&key) {
        return Ok(hit.response.respond(Some(request), http::public(HttpResponse::Ok())));
    }
    let tagged = store::read(&state.pool, make).await?;
    let response = tagged.respond(Some(request), http::public(HttpResponse::Ok()));
    state.caches.public.keep_list(&key, tagged, Vec::new());
    Ok(response)
}

async fn serve(
    scope: FeedScope,
    format: FeedFormat,
    request: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let config = state.config.clone();
    let categories = state.caches.categories.clone();
    let media = state.media.urls.clone();
    let url = public_url(&config, request.path());
    cached_document(request, state, move |conn| {
        let tree = categories.tree(conn)?;
        let now = time::now();
        let site = &config.site_name;
        let mut query = ListQuery {
            scope: Scope::Public,
            category_ids: None,
            tag_slug: None,
            author_id: None,
            search: None,
            sort: Sort::Newest,
            after: None,
            limit: FEED_LENGTH,
        };
        let title = match &scope {
            FeedScope::Site => site.clone(),
            FeedScope::Category(slug) => {
                let category = tree.by_slug(slug).ok_or(ApiError::NotFound)?;
                query.category_ids = Some(tree.with_descendants(category.id));
                format!("{site}: {}", category.name)
            }
            FeedScope::Tag(slug) => {
                if !db::tag_is_public(conn, slug, now)? {
                    return Err(ApiError::NotFound);
                }
                query.tag_slug = Some(slug.clone());
                format!("{site}: {slug}")
            }
            FeedScope::Author(id) => {
                let author = users_db::find_enabled(conn, *id)?.ok_or(ApiError::NotFound)?;
                query.author_id = Some(*id);
                format!("{site}: {}", author.display_name)
            }
        };
        // The public site's page of the same scope, percent-encoded as a
        // feed's links must be (`/tags/التراث` is no valid RSS link).
        let home = match scope {
            FeedScope::Site => public_url(&config, "/"),
            _ => public_url(&config, &scope.path()),
        };
        let rows: Vec<ArticleRow> = articles_db::list(conn, &query)?.into_iter().map(|(row, _)| row).collect();
        let entries = entries(conn, &config, &tree, &media, rows)?;
        let language = match entries.first() {
            Some(first) if entries.iter().all(|entry| entry.language == first.language) => first.language,
            _ => "en",
        };
        let info = render::FeedInfo {
            description: format!("The newest articles of {title}"),
            title,
            home,
            url: url.clone(),
            authority: authority(&config),
            language,
        };
        let body = match format {
            FeedFormat::Rss => render::rss(&info, &entries),
            FeedFormat::Atom => render::atom(&info, &entries),
            FeedFormat::Json => render::json(&info, &entries).map_err(ApiError::internal)?,
        };
        Ok(Tagged::document(body, format.content_type(), render::last_change(&entries)))
    })
    .await
}

/// The feed entries of `rows`, with their HTML, author, category and tags.
fn entries(
    conn: &mut store::Conn,
    config: &Config,
    tree: &crate::categories::Tree,
    media: &MediaUrls,
    rows: Vec<ArticleRow>,
) -> Result<Vec<render::FeedEntry>, ApiError> {
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let mut html = db::html_of(conn, &ids)?;
    let mut tags = articles_db::tags_of(conn, &ids)?;
    let author_ids: Vec<i32> = rows.iter().filter_map(|row| row.author_id).collect();
    let authors = articles_db::author_names(conn, &author_ids)?;
    let cover_columns: Vec<db::CoverColumns> =
        rows.iter().map(|row| (row.id, row.cover_image_url.clone(), row.cover_image_id)).collect();
    let mut covers = db::covers_of(conn, media, &cover_columns)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let category = row.category_id.and_then(|id| tree.get(id)).map(|category| category.name.clone());
            let tag_names = tags.remove(&row.id).unwrap_or_default().into_iter().map(|tag| tag.name);
            let published = time::utc(row.published_at.unwrap_or(row.created_at));
            render::FeedEntry {
                id: row.id,
                url: config.article_url.of(row.id, &row.slug),
                language: language_of(&format!("{} {}", row.title, row.excerpt)),
                html: html.remove(&row.id).unwrap_or_default(),
                published,
                updated: time::utc(row.updated_at),
                author: row.author_id.and_then(|id| authors.get(&id).cloned()),
                categories: distinct(category.into_iter().chain(tag_names)),
                cover: covers.remove(&row.id),
                title: row.title,
                summary: row.excerpt,
            }
        })
        .collect())
}

/// An entry's categories, each name once whatever its case: a category and
/// a tag of the same name are one subject to a feed reader (and JSON Feed
/// validators refuse repeated tags).
fn distinct(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names.filter(|name| seen.insert(name.to_lowercase())).collect()
}
