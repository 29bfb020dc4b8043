//! Article endpoints: list and search, read, write, delete, and "Check Also".

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::sqlite::SqliteConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::db::{
    self, ArticleBody, ArticleChanges, ArticleRef, ArticleRow, ArticleStatus, Cursor, ListQuery, NewArticle, Scope,
    Sort, TagRef,
};
use super::{markdown, search, slug};
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::categories::{CategorySummary, Tree};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::JsonBody;
use crate::http::{self, Patch, Tagged};
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::text;
use crate::time;
use crate::users::Role;
use crate::votes;

/// Longest Markdown body, in characters.
pub const MAX_BODY_CHARS: usize = 200_000;
const MAX_TAGS: usize = 20;
const RELATED_DEFAULT: u32 = 4;
const RELATED_MAX: u32 = 20;

/// An article's tally of votes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Votes {
    pub up: i32,
    pub down: i32,
    /// `up - down`.
    pub score: i32,
}

/// The author as articles show them; null once the account is deleted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorRef {
    pub id: i32,
    #[schema(example = "Amal Haddad")]
    pub display_name: String,
}

/// An article in a list: everything but the body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleListItem {
    pub id: i32,
    /// Unicode slug, never all digits; former slugs keep resolving.
    #[schema(example = "elections-in-libya")]
    pub slug: String,
    #[schema(example = "Elections in Libya")]
    pub title: String,
    /// Given by the writer, or the first paragraph cut at 300 characters.
    pub excerpt: String,
    pub status: ArticleStatus,
    /// When it is (or was) public; in the future for a scheduled article.
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub category: Option<CategorySummary>,
    /// By name.
    pub tags: Vec<TagRef>,
    pub author: Option<AuthorRef>,
    pub cover_image_url: Option<String>,
    pub reading_time_minutes: i32,
    pub votes: Votes,
    /// The caller's vote (1 or -1); null when anonymous or not voted.
    pub my_vote: Option<i32>,
}

/// A whole article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleResponse {
    #[serde(flatten)]
    pub article: ArticleListItem,
    /// Markdown source.
    pub body: String,
    /// The body rendered to HTML and sanitized (no scripts, event handlers or
    /// `javascript:` URLs).
    pub body_html: String,
}

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
    /// Articles with this status, including scheduled ones: authors see their
    /// own, editors all. Without it, everyone sees published, due articles.
    pub status: Option<ArticleStatus>,
    pub sort: Option<SortParam>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (of the same order).
    pub cursor: Option<String>,
}

/// How many related articles.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedQuery {
    /// 1 to 20.
    #[param(minimum = 1, maximum = 20, default = 4)]
    pub limit: Option<u32>,
}

/// A new article.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticleRequest {
    /// 1 to 200 characters.
    #[schema(example = "Elections in Libya", min_length = 1, max_length = 200)]
    pub title: String,
    /// Markdown, 1 to 200,000 characters.
    #[schema(
        example = "Voters went to the polls on Saturday.\n\nTurnout was high.",
        min_length = 1,
        max_length = 200000
    )]
    pub body: String,
    /// Up to 300 characters; the first paragraph when absent.
    #[schema(max_length = 300)]
    pub excerpt: Option<String>,
    /// Made from the title when absent (`-2`, `-3`… when taken); an explicit
    /// slug that is taken is a 409.
    #[schema(min_length = 1, max_length = 100)]
    pub slug: Option<String>,
    /// Category slug.
    #[schema(example = "politics")]
    pub category: Option<String>,
    /// Tag names, created when new; at most 20.
    #[schema(example = json!(["Libya", "Elections"]), max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// `draft` when absent.
    pub status: Option<ArticleStatus>,
    /// Defaults to now when published; a future time schedules the article.
    pub published_at: Option<DateTime<Utc>>,
    /// An http(s) URL.
    #[schema(max_length = 2000)]
    pub cover_image_url: Option<String>,
}

/// Changes to an article; absent fields stay as they are. Honours `If-Match`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticleRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 200000)]
    pub body: Option<String>,
    /// `null` goes back to the first paragraph of the body.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>)]
    pub excerpt: Patch<String>,
    /// A new slug; the old one keeps resolving.
    #[schema(min_length = 1, max_length = 100)]
    pub slug: Option<String>,
    /// Category slug; `null` removes the category.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>)]
    pub category: Patch<String>,
    /// Replaces all tags.
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    pub status: Option<ArticleStatus>,
    /// `null` unschedules a draft.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Patch<DateTime<Utc>>,
    /// `null` removes the cover image.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>)]
    pub cover_image_url: Patch<String>,
}

/// The caller's rights over one article.
fn can_see(user: Option<&AuthUser>, article: &ArticleRow, now: NaiveDateTime) -> bool {
    article.is_public(now) || user.is_some_and(|user| can_edit(user, article))
}

fn can_edit(user: &AuthUser, article: &ArticleRow) -> bool {
    user.role >= Role::Editor || (user.role >= Role::Author && article.author_id == Some(user.id))
}

/// 404 for what the caller may not see, 403 for what they may see but not change.
fn ensure_editable(user: &AuthUser, article: &ArticleRow) -> Result<(), ApiError> {
    if can_edit(user, article) {
        Ok(())
    } else if can_see(Some(user), article, time::now()) {
        Err(ApiError::forbidden("Only the author and editors may change this article."))
    } else {
        Err(ApiError::NotFound)
    }
}

/// Turns rows into list items as `viewer` sees them, with at most four more
/// queries whatever the page size.
pub fn hydrate(
    conn: &mut SqliteConnection,
    rows: Vec<ArticleRow>,
    viewer: Option<i32>,
    tree: &Tree,
) -> diesel::QueryResult<Vec<ArticleListItem>> {
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let author_ids: Vec<i32> = rows.iter().filter_map(|row| row.author_id).collect();
    let mut tags = db::tags_of(conn, &ids)?;
    let my_votes = match viewer {
        Some(viewer) => votes::my_votes(conn, viewer, &ids)?,
        None => Default::default(),
    };
    let authors = db::author_names(conn, &author_ids)?;
    Ok(rows
        .into_iter()
        .map(|row| ArticleListItem {
            id: row.id,
            tags: tags.remove(&row.id).unwrap_or_default(),
            author: row
                .author_id
                .and_then(|id| authors.get(&id).map(|name| AuthorRef { id, display_name: name.clone() })),
            category: row.category_id.and_then(|id| tree.summary(id)),
            slug: row.slug,
            title: row.title,
            excerpt: row.excerpt,
            status: row.status,
            published_at: row.published_at.map(time::utc),
            created_at: time::utc(row.created_at),
            updated_at: time::utc(row.updated_at),
            cover_image_url: row.cover_image_url,
            reading_time_minutes: row.reading_time_minutes,
            votes: Votes { up: row.votes_up, down: row.votes_down, score: row.score },
            my_vote: my_votes.get(&row.id).copied(),
        })
        .collect())
}

/// The whole article as `viewer` sees it.
fn full(
    conn: &mut SqliteConnection,
    row: ArticleRow,
    viewer: Option<i32>,
    tree: &Tree,
) -> diesel::QueryResult<ArticleResponse> {
    let body = db::body(conn, row.id)?;
    let article = hydrate(conn, vec![row], viewer, tree)?.pop().ok_or(diesel::result::Error::NotFound)?;
    Ok(ArticleResponse { article, body: body.body, body_html: body.body_html })
}

fn article_ref(segment: &str) -> Result<ArticleRef, ApiError> {
    ArticleRef::parse(segment).ok_or(ApiError::NotFound)
}

/// Cache headers: shared caches may keep public articles read anonymously.
fn cacheable(user: Option<&AuthUser>, public: bool) -> actix_web::HttpResponseBuilder {
    if user.is_none() && public { http::public(HttpResponse::Ok()) } else { http::private(HttpResponse::Ok()) }
}

/// Published articles, newest first, with filters, full-text search and
/// other orders. Staff list drafts and scheduled articles with `status`.
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
    // Only what anonymous readers see is shared between requests.
    let cache_key =
        (user.0.is_none() && query.status.is_none()).then(|| format!("{}?{}", request.path(), request.query_string()));
    if let Some(hit) = cache_key.as_deref().and_then(|key| state.public_cache.list(key)) {
        return Ok(hit.respond(None, http::public(HttpResponse::Ok())));
    }
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let search = match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > search::MAX_QUERY_CHARS => {
            return Err(ApiError::bad_request("invalid_query", "q must be at most 200 characters"));
        }
        Some(q) => Some(search::fts_query(q)),
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
        (Some(SortParam::NewestFirst), _) | (None, None) => Sort::Newest,
    };
    let scope = match (query.status, &user.0) {
        (None, _) => Scope::Public,
        (Some(_), None) => return Err(ApiError::Unauthorized(crate::error::AuthFailure::MissingToken)),
        (Some(status), Some(user)) => {
            user.require(Role::Author)?;
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
    );
    if !cursor_fits {
        return Err(ApiError::bad_request("invalid_cursor", "the cursor belongs to another order"));
    }
    let (category, tag_slug, author_id) = (query.category, query.tag, query.author);
    let viewer = user.id();
    let categories = state.categories.clone();
    let page = crate::store::run(&state.pool, move |conn| {
        let tree = categories.tree(conn)?;
        // A search with nothing searchable in it, or an unknown category, matches nothing.
        let Some(search) = search.unwrap_or(Some(String::new())) else {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        };
        let category_ids = match category {
            Some(slug) => match tree.by_slug(&slug) {
                Some(category) => Some(tree.with_descendants(category.id)),
                None => return Ok(Page { items: Vec::new(), next_cursor: None }),
            },
            None => None,
        };
        let list = ListQuery {
            scope,
            category_ids,
            tag_slug,
            author_id,
            search: Some(search).filter(|s| !s.is_empty()),
            sort,
            after,
            limit: limit.probe(),
        };
        let rows = db::list(conn, &list)?;
        let has_more = rows.len() > limit.get() as usize;
        let (rows, cursors): (Vec<ArticleRow>, Vec<Cursor>) = rows.into_iter().take(limit.get() as usize).unzip();
        let items = hydrate(conn, rows, viewer, &tree)?;
        let next_cursor = if has_more { cursors.last().map(pagination::encode_cursor) } else { None };
        diesel::QueryResult::Ok(Page { items, next_cursor })
    })
    .await?;
    let tagged = Tagged::page(&page, &request)?;
    let response = tagged.respond(None, cacheable(user.0.as_ref(), true));
    if let Some(key) = cache_key {
        state.public_cache.keep_list(&key, tagged);
    }
    Ok(response)
}

/// One article by id or slug (former slugs too). Drafts, archived and
/// scheduled articles only for their author and editors; 404 for others.
#[utoipa::path(
    tag = "articles",
    security((), ("bearer" = [])),
    params(("article" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The article", body = ArticleResponse,
            headers(("ETag" = String, description = "Strong entity tag of this representation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{article}")]
pub async fn get_article(
    user: MaybeAuthUser,
    article: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let segment = article.into_inner();
    if user.0.is_none()
        && let Some(hit) = state.public_cache.article(&segment)
    {
        return Ok(hit.respond(Some(&request), http::public(HttpResponse::Ok())));
    }
    let article = article_ref(&segment)?;
    let viewer = user.0.clone();
    let categories = state.categories.clone();
    let (response, public) = crate::store::run(&state.pool, move |conn| {
        let now = time::now();
        let Some(row) = db::resolve(conn, &article)?.filter(|row| can_see(viewer.as_ref(), row, now)) else {
            return Ok(None);
        };
        let public = row.is_public(now);
        let tree = categories.tree(conn)?;
        diesel::QueryResult::Ok(Some((full(conn, row, viewer.as_ref().map(|user| user.id), &tree)?, public)))
    })
    .await?
    .ok_or_else(|| {
        state.public_cache.forget_segment(&segment);
        ApiError::NotFound
    })?;
    let tagged = Tagged::of(&response)?;
    let answer = tagged.respond(Some(&request), cacheable(user.0.as_ref(), public));
    // Anonymous readers only ever get public articles.
    if user.0.is_none() {
        state.public_cache.keep_article(&segment, response.article.id, tagged);
    }
    Ok(answer)
}

fn parse_title(raw: &str) -> Result<String, FieldError> {
    text::single_line(raw, 1, 200).map_err(|message| FieldError::new("title", message))
}

fn parse_body(raw: &str) -> Result<String, FieldError> {
    text::multi_line(raw, 1, MAX_BODY_CHARS).map_err(|message| FieldError::new("body", message))
}

/// An explicit excerpt; empty means "make one from the body".
fn parse_excerpt(raw: &str) -> Result<Option<String>, FieldError> {
    text::multi_line(raw, 0, markdown::EXCERPT_MAX_CHARS)
        .map(|excerpt| Some(excerpt).filter(|excerpt| !excerpt.is_empty()))
        .map_err(|message| FieldError::new("excerpt", message))
}

fn parse_tags(raw: &[String]) -> Result<Vec<String>, FieldError> {
    if raw.len() > MAX_TAGS {
        return Err(FieldError::new("tags", format!("at most {MAX_TAGS} tags")));
    }
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for tag in raw {
        let name = text::single_line(tag, 1, 50).map_err(|message| FieldError::new("tags", message))?;
        let tag_slug = slug::slugify(&name);
        if tag_slug.is_empty() {
            return Err(FieldError::new("tags", format!("{name:?} has no letters or digits")));
        }
        if seen.insert(tag_slug) {
            names.push(name);
        }
    }
    Ok(names)
}

fn parse_cover(raw: &str) -> Result<String, FieldError> {
    let invalid = || FieldError::new("cover_image_url", "must be an http(s) URL of at most 2,000 characters");
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || raw.chars().count() > 2000 || url.host().is_none() {
        return Err(invalid());
    }
    Ok(url.to_string())
}

fn to_naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(0)
}

/// Writes an article (author, editor or admin). `201` with its `Location`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    request_body = CreateArticleRequest,
    responses(
        (status = 201, description = "Created", body = ArticleResponse, headers(("Location" = String, description = "The new article"))),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 409, description = "The explicit slug is taken (code `slug_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[post("")]
pub async fn create_article(
    user: AuthUser,
    body: JsonBody<CreateArticleRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Author)?;
    let input = body.into_inner();
    let title = parse_title(&input.title);
    let markdown_body = parse_body(&input.body);
    let excerpt = input.excerpt.as_deref().map(parse_excerpt).transpose().map(Option::flatten);
    let explicit_slug = input.slug.as_deref().map(|raw| slug::parse(raw, "slug")).transpose();
    let tags = input.tags.as_deref().map(parse_tags).transpose();
    let cover = input.cover_image_url.as_deref().map(parse_cover).transpose();
    let (title, markdown_body, excerpt, explicit_slug, tags, cover) =
        match (title, markdown_body, excerpt, explicit_slug, tags, cover) {
            (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e), Ok(f)) => (a, b, c, d, e, f),
            (a, b, c, d, e, f) => return Err(ApiError::fields([a.err(), b.err(), c.err(), d.err(), e.err(), f.err()])),
        };
    let status = input.status.unwrap_or(ArticleStatus::Draft);
    let published_at =
        input.published_at.map(to_naive).or_else(|| (status == ArticleStatus::Published).then(time::now));
    let body_html = markdown::render(&markdown_body);
    let excerpt = excerpt.unwrap_or_else(|| markdown::excerpt(&markdown_body));
    let reading_time = markdown::reading_time_minutes(&markdown_body);
    let category = input.category;
    let created = crate::store::write(&state.pool, move |conn| {
        // Writes read the tree fresh: a category made a moment ago elsewhere must count.
        let tree = Tree::load(conn)?;
        let category_id = match category.as_deref() {
            Some(category) => match tree.by_slug(category) {
                Some(found) => Some(found.id),
                None => return Ok(Err(ApiError::invalid_field("category", "no category has this slug"))),
            },
            None => None,
        };
        let slug = match &explicit_slug {
            Some(explicit) if !db::slug_available_for(conn, explicit, None)? => {
                return Ok(Err(ApiError::conflict("slug_taken", "Another article has, or had, this slug.")));
            }
            Some(explicit) => explicit.clone(),
            // Replaced by `article-{id}` or the title's slug right after the insert.
            None => format!("new-{}", uuid::Uuid::new_v4()),
        };
        let now = time::now();
        let id = db::insert(
            conn,
            &NewArticle {
                slug: &slug,
                title: &title,
                excerpt: &excerpt,
                status,
                published_at,
                category_id,
                author_id: Some(user.id),
                cover_image_url: cover.as_deref(),
                reading_time_minutes: reading_time,
                created_at: now,
                updated_at: now,
            },
            &ArticleBody { body: markdown_body, body_html },
        )?;
        if explicit_slug.is_none() {
            let base = slug::slugify(&title);
            let base = if base.is_empty() || slug::is_numeric(&base) { format!("article-{id}") } else { base };
            let slug = db::unique_slug(conn, &base)?;
            db::update(conn, id, &ArticleChanges { slug: Some(slug), ..Default::default() }, None)?;
        }
        if let Some(tags) = &tags {
            db::set_tags(conn, id, tags)?;
        }
        let row = db::resolve(conn, &ArticleRef::Id(id))?.ok_or(diesel::result::Error::NotFound)?;
        diesel::QueryResult::Ok(Ok(full(conn, row, Some(user.id), &tree)?))
    })
    .await??;
    state.public_cache.forget_article_and_lists(created.article.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/articles/{}", created.article.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// Changes an article (its author, or an editor). With `If-Match`, only when
/// the article is still as the client last saw it (else 412).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("article" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on"),
    ),
    request_body = UpdateArticleRequest,
    responses(
        (status = 200, description = "The updated article", body = ArticleResponse, headers(("ETag" = String, description = "The new entity tag"))),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 409, description = "The slug is taken (code `slug_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[patch("/{article}")]
pub async fn update_article(
    user: AuthUser,
    article: web::Path<String>,
    body: JsonBody<UpdateArticleRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article = article_ref(&article)?;
    let input = body.into_inner();
    let title = input.title.as_deref().map(parse_title).transpose();
    let markdown_body = input.body.as_deref().map(parse_body).transpose();
    let excerpt = match &input.excerpt {
        Patch::Absent => Ok(None),
        Patch::Null => Ok(Some(None)),
        Patch::Value(raw) => parse_excerpt(raw).map(Some),
    };
    let new_slug = input.slug.as_deref().map(|raw| slug::parse(raw, "slug")).transpose();
    let tags = input.tags.as_deref().map(parse_tags).transpose();
    let cover = match &input.cover_image_url {
        Patch::Absent => Ok(None),
        Patch::Null => Ok(Some(None)),
        Patch::Value(raw) => parse_cover(raw).map(|url| Some(Some(url))),
    };
    let (title, markdown_body, excerpt, new_slug, tags, cover) =
        match (title, markdown_body, excerpt, new_slug, tags, cover) {
            (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e), Ok(f)) => (a, b, c, d, e, f),
            (a, b, c, d, e, f) => return Err(ApiError::fields([a.err(), b.err(), c.err(), d.err(), e.err(), f.err()])),
        };
    let (category, status, published_at) = (input.category, input.status, input.published_at);
    let if_match = http::if_match(&request)?;
    let updated = crate::store::write(&state.pool, move |conn| {
        let Some(row) = db::resolve(conn, &article)? else {
            return Ok(Err(ApiError::NotFound));
        };
        if let Err(denied) = ensure_editable(&user, &row) {
            return Ok(Err(denied));
        }
        let id = row.id;
        let tree = Tree::load(conn)?;
        let current = full(conn, row.clone(), Some(user.id), &tree)?;
        if let Err(failed) = http::check_if_match(if_match.as_deref(), &current) {
            return Ok(Err(failed));
        }
        let mut changes = ArticleChanges { title, status, cover_image_url: cover, ..Default::default() };
        if let Some(new_slug) = new_slug.filter(|new_slug| *new_slug != row.slug) {
            if !db::slug_available_for(conn, &new_slug, Some(id))? {
                return Ok(Err(ApiError::conflict("slug_taken", "Another article has, or had, this slug.")));
            }
            db::rename(conn, id, &row.slug)?;
            changes.slug = Some(new_slug);
        }
        let body = markdown_body.as_deref().unwrap_or(&current.body);
        let new_body = markdown_body.as_ref().map(|new_body| {
            changes.reading_time_minutes = Some(markdown::reading_time_minutes(new_body));
            ArticleBody { body: new_body.clone(), body_html: markdown::render(new_body) }
        });
        // An excerpt made from the body follows the body; one the writer gave stays.
        let excerpt_was_derived = row.excerpt == markdown::excerpt(&current.body);
        changes.excerpt = match excerpt {
            Some(Some(given)) => Some(given),
            Some(None) => Some(markdown::excerpt(body)),
            None if markdown_body.is_some() && excerpt_was_derived => Some(markdown::excerpt(body)),
            None => None,
        };
        changes.category_id = match category {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(slug) => match tree.by_slug(&slug) {
                Some(found) => Some(Some(found.id)),
                None => return Ok(Err(ApiError::invalid_field("category", "no category has this slug"))),
            },
        };
        changes.published_at = match published_at {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(at) => Some(Some(to_naive(at))),
        };
        let publishing = changes.status.unwrap_or(row.status) == ArticleStatus::Published;
        let has_date = changes.published_at.unwrap_or(row.published_at).is_some();
        if publishing && !has_date {
            changes.published_at = Some(Some(time::now()));
        }
        db::update(conn, id, &changes, new_body.as_ref())?;
        if let Some(tags) = &tags {
            db::set_tags(conn, id, tags)?;
        }
        let row = db::resolve(conn, &ArticleRef::Id(id))?.ok_or(diesel::result::Error::NotFound)?;
        diesel::QueryResult::Ok(Ok(full(conn, row, Some(user.id), &tree)?))
    })
    .await??;
    state.public_cache.forget_article_and_lists(updated.article.id);
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &updated)
}

/// Deletes an article (its author, or an editor): it disappears for everyone.
/// Honours `If-Match`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("article" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "ETag of the article as last read"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 412, response = crate::error::responses::PreconditionFailed),
    ),
)]
#[delete("/{article}")]
pub async fn delete_article(
    user: AuthUser,
    article: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article = article_ref(&article)?;
    let if_match = http::if_match(&request)?;
    let deleted = crate::store::write(&state.pool, move |conn| {
        let Some(row) = db::resolve(conn, &article)? else {
            return Ok(Err(ApiError::NotFound));
        };
        if let Err(denied) = ensure_editable(&user, &row) {
            return Ok(Err(denied));
        }
        if if_match.is_some() {
            let tree = Tree::load(conn)?;
            let current = full(conn, row.clone(), Some(user.id), &tree)?;
            if let Err(failed) = http::check_if_match(if_match.as_deref(), &current) {
                return Ok(Err(failed));
            }
        }
        db::soft_delete(conn, row.id)?;
        diesel::QueryResult::Ok(Ok(row.id))
    })
    .await??;
    state.public_cache.forget_article_and_lists(deleted);
    Ok(HttpResponse::NoContent().finish())
}

/// "Check Also": other published articles, most shared tags first, then the
/// same category, then newest.
#[utoipa::path(
    tag = "articles",
    params(("article" = String, Path, description = "Article id or slug"), RelatedQuery),
    responses(
        (status = 200, description = "Related articles (not paginated)", body = Page<ArticleListItem>),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{article}/related")]
pub async fn related_articles(
    article: web::Path<String>,
    query: web::Query<RelatedQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cache_key = format!("{}?{}", request.path(), request.query_string());
    if let Some(hit) = state.public_cache.list(&cache_key) {
        return Ok(hit.respond(None, http::public(HttpResponse::Ok())));
    }
    let article = article_ref(&article)?;
    let limit = Limit::parse(query.limit, RELATED_DEFAULT, RELATED_MAX)?;
    let categories = state.categories.clone();
    let items = crate::store::run(&state.pool, move |conn| {
        let Some(row) = db::resolve(conn, &article)?.filter(|row| row.is_public(time::now())) else {
            return Ok(None);
        };
        let related = db::related(conn, &row, i64::from(limit.get()))?;
        let tree = categories.tree(conn)?;
        diesel::QueryResult::Ok(Some(hydrate(conn, related, None, &tree)?))
    })
    .await?
    .ok_or(ApiError::NotFound)?;
    let tagged = Tagged::of(&Page { items, next_cursor: None })?;
    let response = tagged.respond(None, http::public(HttpResponse::Ok()));
    state.public_cache.keep_list(&cache_key, tagged);
    Ok(response)
}
