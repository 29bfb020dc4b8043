//! Collection endpoints: the caller's collections, the Add-to-Collection
//! dialog, saved articles with tombstones, and users' public collections.

use crate::store::Conn;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::db::{self, CollectionChanges, NewCollection, Refusal, Visibility};
use crate::articles::db::{self as articles_db, ArticleRef};
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::error::{AllValid, ApiError, Problem};
use crate::http::JsonBody;
use crate::http::{self, Patch};
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store;
use crate::text;
use crate::time;

/// The owner as collections show them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnerRef {
    pub id: i32,
    #[schema(example = "Amal Haddad")]
    pub display_name: String,
}

/// A named list of saved articles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionResponse {
    pub id: i32,
    #[schema(example = "Read later")]
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub visibility: Visibility,
    /// Every saved article, including ones no longer available.
    pub article_count: i32,
    pub owner: OwnerRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// With `?article=` on the caller's list only: whether the article is in
    /// this collection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contains_article: Option<bool>,
}

impl CollectionResponse {
    pub(super) fn new((row, owner_name): db::CollectionWithOwner) -> Self {
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            visibility: row.visibility,
            article_count: row.article_count,
            owner: OwnerRef { id: row.owner_id, display_name: owner_name },
            created_at: time::utc(row.created_at),
            updated_at: time::utc(row.updated_at),
            contains_article: None,
        }
    }
}

/// A new collection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCollectionRequest {
    /// 1 to 100 characters, unique among the owner's collections without
    /// regard to case (in any script).
    #[schema(example = "Read later", min_length = 1, max_length = 100)]
    pub name: String,
    /// Up to 1,000 characters.
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// `private` when absent.
    pub visibility: Option<Visibility>,
}

/// Changes to a collection; absent fields stay as they are. Honours `If-Match`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCollectionRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    pub visibility: Option<Visibility>,
}

/// Page of the caller's collections, and the article of the dialog.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCollectionsQuery {
    /// An article id or slug: adds `contains_article` to each collection.
    pub article: Option<String>,
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The configured limits, copied out so that database closures can carry them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    collections: u32,
    pub(super) articles: u32,
}

impl Limits {
    pub(super) fn of(state: &AppState) -> Self {
        Self { collections: state.config.max_collections, articles: state.config.max_collection_articles }
    }

    pub(super) fn refusal(self, refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::NameTaken => ApiError::conflict("name_taken", "You already have a collection with this name."),
            Refusal::LimitReached => ApiError::conflict(
                "limit_reached",
                format!(
                    "At most {} collections per user and {} articles per collection.",
                    self.collections, self.articles
                ),
            ),
        }
    }
}

/// The collection if `viewer` may see it: the owner always, others when public.
pub(super) fn visible(
    conn: &mut Conn,
    id: i32,
    viewer: Option<i32>,
) -> diesel::QueryResult<Option<db::CollectionWithOwner>> {
    Ok(db::find(conn, id)?.filter(|(row, _)| Some(row.owner_id) == viewer || row.visibility == Visibility::Public))
}

/// The collection if `user` owns it: 404 when they may not see it, 403 when
/// they may see it but not change it.
pub(super) fn owned(conn: &mut Conn, id: i32, user: &AuthUser) -> Result<db::CollectionWithOwner, ApiError> {
    match visible(conn, id, Some(user.id))? {
        Some(found) if found.0.owner_id == user.id => Ok(found),
        Some(_) => Err(ApiError::forbidden("Only the owner may change a collection.")),
        None => Err(ApiError::NotFound),
    }
}

fn collections_page(rows: Vec<db::CollectionWithOwner>, limit: Limit) -> Page<CollectionResponse> {
    Page::from_rows(rows, limit, |(row, _)| row.id, CollectionResponse::new)
}

/// A collection just written in this transaction: it cannot have gone, so a
/// missing row is a bug (500), not a 404.
pub(super) fn reload(conn: &mut Conn, id: i32) -> Result<db::CollectionWithOwner, ApiError> {
    db::find(conn, id)?
        .ok_or_else(|| ApiError::Internal(format!("collection {id} vanished during its own write").into()))
}

/// The caller's collections, newest first.
///
/// `{"items": [], "next_cursor": null}` when there are none. With `?article=`,
/// each says whether it holds that article (the Add-to-Collection dialog).
#[utoipa::path(
    tag = "collections",
    security(("bearer" = [])),
    params(ListCollectionsQuery),
    responses(
        (status = 200, description = "A page of the caller's collections", body = Page<CollectionResponse>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 404, description = "`article` names no article the caller can see", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("")]
pub async fn list_collections(
    user: AuthUser,
    query: web::Query<ListCollectionsQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let before: Option<i32> = pagination::decode_cursor(query.cursor.as_deref())?;
    let article = query.article.as_deref().map(|raw| ArticleRef::parse(raw).ok_or(ApiError::NotFound)).transpose()?;
    let page = store::read(&state.pool, move |conn| {
        let article_id = match &article {
            Some(article) => Some(articles_db::resolve_public(conn, article)?.ok_or(ApiError::NotFound)?.id),
            None => None,
        };
        let mut page = collections_page(db::list(conn, user.id, false, before, limit.probe())?, limit);
        if let Some(article_id) = article_id {
            let ids: Vec<i32> = page.items.iter().map(|collection| collection.id).collect();
            let holding = db::containing(conn, &ids, article_id)?;
            for collection in &mut page.items {
                collection.contains_article = Some(holding.contains(&collection.id));
            }
        }
        Ok::<_, ApiError>(page)
    })
    .await?;
    Ok(http::with_link(http::private(HttpResponse::Ok()), &page, &request).json(page))
}

/// Creates a collection.
///
/// Private unless `visibility` says `public`. Names are unique per owner
/// without regard to case, in any script; each user has at most a configured
/// number of collections.
#[utoipa::path(
    tag = "collections",
    security(("bearer" = [])),
    request_body = CreateCollectionRequest,
    responses(
        (status = 201, description = "Created", body = CollectionResponse, headers(("Location" = String, description = "The new collection"))),
        (status = 409, description = "The name is taken (code `name_taken`) or the limit is reached (code `limit_reached`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[post("")]
pub async fn create_collection(
    user: AuthUser,
    body: JsonBody<CreateCollectionRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = text::name(&body.name);
    let description = body.description.as_deref().map(text::description).transpose().map(Option::flatten);
    let (name, description) = (name, description).all_valid()?;
    let visibility = body.visibility.unwrap_or(Visibility::Private);
    let limits = Limits::of(&state);
    let created = store::write(&state.pool, move |conn| {
        let now = time::now();
        let new = NewCollection {
            owner_id: user.id,
            name: &name,
            name_key: &db::name_key(&name),
            description: description.as_deref(),
            visibility,
            created_at: now,
            updated_at: now,
        };
        let id = db::create(conn, &new, limits.collections)?.map_err(|refused| limits.refusal(refused))?;
        reload(conn, id)
    })
    .await?;
    let collection = CollectionResponse::new(created);
    Ok(http::private(HttpResponse::Created())
        .insert_header((header::LOCATION, format!("/api/v1/collections/{}", collection.id)))
        .json(collection))
}

/// One collection: the owner's, or anyone's public one.
///
/// Another user's private collection is a 404.
#[utoipa::path(
    tag = "collections",
    security((), ("bearer" = [])),
    params(("id" = i32, Path, description = "Collection id")),
    responses(
        (status = 200, description = "The collection", body = CollectionResponse,
            headers(("ETag" = String, description = "Strong entity tag of this representation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{id}")]
pub async fn get_collection(
    user: MaybeAuthUser,
    id: web::Path<i32>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, viewer) = (id.into_inner(), user.id());
    let found = store::read(&state.pool, move |conn| visible(conn, id, viewer)).await?.ok_or(ApiError::NotFound)?;
    http::json_with_etag(Some(&request), http::private(HttpResponse::Ok()), &CollectionResponse::new(found))
}

/// Renames, re-describes or changes the visibility of a collection (owner only).
///
/// Absent fields stay as they are; `description: null` clears it. Honours
/// `If-Match`.
#[utoipa::path(
    tag = "collections",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "Collection id"),
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on"),
    ),
    request_body = UpdateCollectionRequest,
    responses(
        (status = 200, description = "The updated collection", body = CollectionResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 409, description = "The name is taken (code `name_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[patch("/{id}")]
pub async fn update_collection(
    user: AuthUser,
    id: web::Path<i32>,
    body: JsonBody<UpdateCollectionRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (name, description) = (
        body.name.as_deref().map(text::name).transpose(),
        body.description.try_map(|raw| text::description(&raw)).map(|description| description.map(Option::flatten)),
    )
        .all_valid()?;
    let changes = CollectionChanges {
        name_key: name.as_deref().map(db::name_key),
        name,
        description,
        visibility: body.visibility,
    };
    let (id, if_match, limits) = (id.into_inner(), http::if_match(&request)?, Limits::of(&state));
    let updated = store::write(&state.pool, move |conn| {
        let found = owned(conn, id, &user)?;
        http::check_if_match(if_match.as_deref(), &CollectionResponse::new(found.clone()))?;
        db::update(conn, &found.0, &changes)?.map_err(|refused| limits.refusal(refused))?;
        reload(conn, id)
    })
    .await?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &CollectionResponse::new(updated))
}

/// Deletes a collection (owner only); the articles stay where they are.
///
/// Honours `If-Match`.
#[utoipa::path(
    tag = "collections",
    security(("bearer" = [])),
    params(
        ("id" = i32, Path, description = "Collection id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the collection as last read"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 412, response = crate::error::responses::PreconditionFailed),
    ),
)]
#[delete("/{id}")]
pub async fn delete_collection(
    user: AuthUser,
    id: web::Path<i32>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, if_match) = (id.into_inner(), http::if_match(&request)?);
    store::write(&state.pool, move |conn| {
        let found = owned(conn, id, &user)?;
        http::check_if_match(if_match.as_deref(), &CollectionResponse::new(found))?;
        db::delete(conn, id).map_err(ApiError::from)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user's public collections, newest first.
///
/// Private collections are never listed; a disabled or unknown user is a
/// 404.
#[utoipa::path(
    tag = "collections",
    params(("id" = i32, Path, description = "User id"), PageQuery),
    responses(
        (status = 200, description = "A page of public collections", body = Page<CollectionResponse>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{id}/collections")]
pub async fn list_user_collections(
    id: web::Path<i32>,
    query: web::Query<PageQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let before: Option<i32> = pagination::decode_cursor(query.cursor.as_deref())?;
    let owner = id.into_inner();
    let rows = store::read(&state.pool, move |conn| {
        if crate::users::db::find_enabled(conn, owner)?.is_none() {
            return Err(ApiError::NotFound);
        }
        db::list(conn, owner, true, before, limit.probe()).map_err(ApiError::from)
    })
    .await?;
    let page = collections_page(rows, limit);
    Ok(http::with_link(http::private(HttpResponse::Ok()), &page, &request).json(page))
}
