//! Article endpoints: list and search, read, write, delete, and "Check Also".

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::access::{self, editable};
use super::cache::Cached;
use super::db::{self, ArticleRef, ArticleStatus};
use super::view::{self, ArticleListItem, ArticleResponse, hydrate};
use super::write::{self, Draft, Edit, History, Text};
use super::{fields, personal, slug};
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::categories::Tree;
use crate::error::{AllValid, ApiError, Problem};
use crate::http::{self, JsonBody, Patch, Tagged};
use crate::pagination::{Limit, Page};
use crate::state::AppState;
use crate::store;
use crate::time;
use crate::users::Role;
use crate::votes::mine::mine;

const RELATED_DEFAULT: u32 = 4;
const RELATED_MAX: u32 = 20;

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
    /// An image hosted elsewhere, by http(s) URL.
    #[schema(max_length = 2000)]
    pub cover_image_url: Option<String>,
    /// An image of the media library, by id; not with `cover_image_url`.
    #[schema(value_type = Option<i32>)]
    pub cover_image_id: Option<serde_json::Number>,
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
    /// An image hosted elsewhere; `null` removes the cover.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>)]
    pub cover_image_url: Patch<String>,
    /// An image of the media library; `null` removes the cover.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<i32>)]
    pub cover_image_id: Patch<serde_json::Number>,
}

/// One article by id or slug (former slugs too).
///
/// Drafts, archived and scheduled articles only for their author and editors;
/// 404 for others.
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
    if let Some(public) = state.caches.public.article(&segment, state.caches.hears_the_others()) {
        return respond_to(user.0.as_ref(), &public, Some(&request), &state).await;
    }
    let article = ArticleRef::parse(&segment).ok_or(ApiError::NotFound)?;
    let viewer = user.0.clone();
    let categories = state.caches.categories.clone();
    let media = state.media.urls.clone();
    let read_since = state.caches.public.forgotten();
    let found = store::read(&state.pool, move |conn| {
        let now = time::now();
        let Some(row) = db::resolve(conn, &article)?.filter(|row| access::can_see(viewer.as_ref(), row, now)) else {
            return Ok(None);
        };
        let tree = categories.tree(conn)?;
        // A public article is built as anonymous readers see it, to be shared.
        let public = row.is_public(now);
        let reader = if public { None } else { viewer.as_ref().map(|user| user.id) };
        Ok::<_, ApiError>(Some((view::full(conn, row, reader, &tree, &media)?, public)))
    })
    .await?;
    let Some((response, public)) = found else {
        state.caches.public.forget_segment(&segment);
        return Err(ApiError::NotFound);
    };
    let tagged = Tagged::of(&response)?;
    if !public {
        return Ok(tagged.respond(Some(&request), http::private(HttpResponse::Ok())));
    }
    let id = response.article.id;
    state.caches.public.keep_article(&segment, id, tagged.clone(), read_since);
    respond_to(user.0.as_ref(), &Cached { response: tagged, articles: vec![id] }, Some(&request), &state).await
}

/// A public response: as it is to anonymous readers, and with their own
/// votes written in (never to be shared) for a signed-in one. `conditional`
/// as for [`Tagged::respond`].
pub(super) async fn respond_to(
    user: Option<&AuthUser>,
    public: &Cached,
    conditional: Option<&HttpRequest>,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    let Some(user) = user else {
        return Ok(public.response.respond(conditional, http::public(HttpResponse::Ok())));
    };
    let votes = mine(state, user.id, &public.articles).await?;
    Ok(personal::with_votes(public, &votes).respond(conditional, http::private(HttpResponse::Ok())))
}

/// Writes an article (contributor, author, editor or admin).
///
/// `201` with its `Location`. A contributor writes a `draft` or submits it
/// for review (`pending`, which mails the editors); publishing or scheduling
/// is for authors and editors (403 for a contributor).
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
    user.require(Role::Contributor)?;
    let input = body.into_inner();
    let status = input.status.unwrap_or(ArticleStatus::Draft);
    access::ensure_may_set_status(&user, status)?;
    let (title, body, excerpt, slug, tags, cover, published_at) = (
        fields::title(&input.title),
        fields::body(&input.body),
        input.excerpt.as_deref().map(fields::excerpt).transpose().map(Option::flatten),
        input.slug.as_deref().map(|raw| slug::parse(raw, "slug")).transpose(),
        input.tags.as_deref().map(fields::tags).transpose(),
        fields::cover(input.cover_image_url.as_deref(), input.cover_image_id.as_ref()),
        input.published_at.map(fields::published_at).transpose(),
    )
        .all_valid()?;
    let draft = Draft {
        title,
        text: Text::render(body).await?,
        excerpt,
        slug,
        category: input.category,
        tags: tags.unwrap_or_default(),
        status,
        published_at,
        cover,
        author_id: Some(user.id),
        written_at: None,
    };
    let media = state.media.urls.clone();
    let created = state
        .write(move |conn, effects| {
            let tree = Tree::load(conn)?;
            let id = write::create(conn, effects, &tree, &media, draft.clone())?;
            let row = db::reload(conn, id)?;
            view::full(conn, row, Some(user.id), &tree, &media).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/articles/{}", created.article.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// Changes an article (its author, or an editor).
///
/// A contributor changes their own drafts and pending articles and moves them
/// between `draft` and `pending`; once published, editors alone change it.
/// A change to the title, excerpt, body, slug, category, tags or cover keeps
/// the state before as a revision.
///
/// With `If-Match`, only when the article is still as the client last saw it
/// (else 412).
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
    article: web::Path<ArticleRef>,
    body: JsonBody<UpdateArticleRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (article, input, if_match) = (article.into_inner(), body.into_inner(), http::if_match(&request)?);
    if let Some(status) = input.status {
        access::ensure_may_set_status(&user, status)?;
    }
    let (title, body, excerpt, slug, tags, cover, published_at) = (
        input.title.as_deref().map(fields::title).transpose(),
        input.body.as_deref().map(fields::body).transpose(),
        input.excerpt.try_map(|raw| fields::excerpt(&raw)).map(|excerpt| excerpt.map(Option::flatten)),
        input.slug.as_deref().map(|raw| slug::parse(raw, "slug")).transpose(),
        input.tags.as_deref().map(fields::tags).transpose(),
        fields::cover_change(input.cover_image_url, input.cover_image_id),
        input.published_at.try_map(fields::published_at),
    )
        .all_valid()?;
    let text = match body {
        Some(body) => {
            // Only someone who may change the article may make the server render a body.
            let (article, user) = (article.clone(), user.clone());
            store::read(&state.pool, move |conn| editable(conn, &article, &user)).await?;
            Some(Text::render(body).await?)
        }
        None => None,
    };
    let edit = Edit {
        title,
        text,
        excerpt,
        slug,
        category: input.category.into_change(),
        tags,
        status: input.status,
        published_at,
        cover,
    };
    let history = History { editor: Some(user.id), kept: state.config.revisions_kept };
    let media = state.media.urls.clone();
    let updated = state
        .write(move |conn, effects| {
            let row = editable(conn, &article, &user)?;
            let tree = Tree::load(conn)?;
            let before = view::full(conn, row.clone(), Some(user.id), &tree, &media)?;
            http::check_if_match(if_match.as_deref(), &before)?;
            write::apply_update(conn, effects, &tree, &media, &row, edit.clone(), history)?;
            let row = db::reload(conn, row.id)?;
            view::full(conn, row, Some(user.id), &tree, &media).map_err(ApiError::from)
        })
        .await?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &updated)
}

/// Deletes an article (its author, or an editor): it disappears for everyone.
///
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
    article: web::Path<ArticleRef>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (article, if_match) = (article.into_inner(), http::if_match(&request)?);
    let media = state.media.urls.clone();
    state
        .write(move |conn, effects| {
            let row = editable(conn, &article, &user)?;
            if if_match.is_some() {
                let tree = Tree::load(conn)?;
                let current = view::full(conn, row.clone(), Some(user.id), &tree, &media)?;
                http::check_if_match(if_match.as_deref(), &current)?;
            }
            write::delete(conn, effects, row.id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// "Check Also": related published articles.
///
/// Most shared tags first, then the same category, then newest.
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
    article: web::Path<ArticleRef>,
    query: web::Query<RelatedQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cache_key = format!("{}?{}", request.path(), request.query_string());
    if let Some(hit) = state.caches.public.list(&cache_key) {
        return Ok(hit.response.respond(None, http::public(HttpResponse::Ok())));
    }
    let article = article.into_inner();
    let limit = Limit::parse(query.limit, RELATED_DEFAULT, RELATED_MAX)?;
    let categories = state.caches.categories.clone();
    let media = state.media.urls.clone();
    let items = store::read(&state.pool, move |conn| {
        let row = db::resolve_public(conn, &article)?.ok_or(ApiError::NotFound)?;
        let related = db::related(conn, &row, i64::from(limit.get()))?;
        let tree = categories.tree(conn)?;
        hydrate(conn, related, None, &tree, &media).map_err(ApiError::from)
    })
    .await?;
    let tagged = Tagged::of(&Page { items, next_cursor: None })?;
    let response = tagged.respond(None, http::public(HttpResponse::Ok()));
    // "Check Also" is the same for everyone: nobody's votes are written in.
    state.caches.public.keep_list(&cache_key, tagged, Vec::new());
    Ok(response)
}
