//! Category endpoints: the tree for everyone, writes for editors.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::db::{self, CategoryChanges, CategoryRow, Contents};
use super::tree::{Crumb, Tree};
use super::write;
use crate::articles::slug;
use crate::auth::AuthUser;
use crate::error::{AllValid, ApiError, FieldError, Problem};
use crate::http::{self, JsonBody, Patch};
use crate::state::AppState;
use crate::store;
use crate::text;
use crate::time;
use crate::users::Role;

/// A category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    pub id: i32,
    #[schema(example = "elections")]
    pub slug: String,
    #[schema(example = "Elections")]
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    /// The parent's slug; null for a top-level category.
    #[schema(example = "politics", required = true)]
    pub parent: Option<String>,
    /// Breadcrumb from the top category down to this one.
    pub path: Vec<Crumb>,
    /// Published articles in this category and all below it.
    pub article_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A category with its direct sub-categories.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDetail {
    #[serde(flatten)]
    pub category: CategoryResponse,
    /// Direct sub-categories, by name.
    pub children: Vec<CategoryResponse>,
}

/// All categories.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// Every category, top-level first, then by breadcrumb.
    pub items: Vec<CategoryResponse>,
    /// Always null: the whole tree fits in one answer.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// 1 to 100 characters.
    #[schema(example = "Elections", min_length = 1, max_length = 100)]
    pub name: String,
    /// Made from the name when absent.
    #[schema(example = "elections", min_length = 1, max_length = 100)]
    pub slug: Option<String>,
    /// Up to 1,000 characters.
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// The parent category's slug; absent or null for a top-level category.
    #[schema(example = "politics")]
    pub parent: Option<String>,
}

/// Changes to a category; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub slug: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    /// The new parent's slug; `null` makes it top-level. A category cannot
    /// move below itself (422).
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>)]
    pub parent: Patch<String>,
}

/// A category as lists show it, with its article count rolled up from the
/// categories below it.
fn response(tree: &Tree, row: &CategoryRow, counts: &HashMap<i32, i64>) -> CategoryResponse {
    let article_count = tree.with_descendants(row.id).iter().map(|id| counts.get(id).copied().unwrap_or(0)).sum();
    CategoryResponse {
        id: row.id,
        slug: row.slug.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        parent: row.parent_id.and_then(|parent| tree.get(parent)).map(|parent| parent.slug.clone()),
        path: tree.path(row.id),
        article_count,
        created_at: time::utc(row.created_at),
        updated_at: time::utc(row.updated_at),
    }
}

/// What `GET /categories/{slug}` answers, whose ETag writes are checked against.
fn detail(tree: &Tree, row: &CategoryRow, counts: &HashMap<i32, i64>) -> CategoryDetail {
    CategoryDetail {
        category: response(tree, row, counts),
        children: tree.children(row.id).into_iter().map(|child| response(tree, child, counts)).collect(),
    }
}

/// The category `slug` as last read, or 404.
fn current<'a>(tree: &'a Tree, slug: &str) -> Result<&'a CategoryRow, ApiError> {
    tree.by_slug(slug).ok_or(ApiError::NotFound)
}

/// Every category with its breadcrumb and article count.
///
/// The whole tree in one answer, top-level categories first, then by
/// breadcrumb; `article_count` includes the categories below.
#[utoipa::path(tag = "categories", responses((status = 200, description = "All categories", body = CategoryList)))]
#[get("")]
pub async fn list_categories(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let cache = state.caches.categories.clone();
    let (tree, counts) = store::read(&state.pool, move |conn| {
        Ok::<_, diesel::result::Error>((cache.tree(conn)?, db::public_article_counts(conn)?))
    })
    .await?;
    let mut items: Vec<CategoryResponse> = tree.rows().map(|row| response(&tree, row, &counts)).collect();
    items.sort_by(|a, b| {
        let key = |c: &CategoryResponse| c.path.iter().map(|crumb| crumb.name.to_lowercase()).collect::<Vec<_>>();
        key(a).cmp(&key(b))
    });
    Ok(http::public(HttpResponse::Ok()).json(CategoryList { items, next_cursor: None }))
}

/// One category, with its breadcrumb and its direct sub-categories.
///
/// `path` is the breadcrumb ("Home / Politics / Elections" without Home),
/// `children` the categories right below it, by name.
#[utoipa::path(
    tag = "categories",
    params(("slug" = String, Path, description = "Category slug")),
    responses(
        (status = 200, description = "The category", body = CategoryDetail,
            headers(("ETag" = String, description = "Strong entity tag of this representation"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{slug}")]
pub async fn get_category(
    slug: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let cache = state.caches.categories.clone();
    let (tree, counts) = store::read(&state.pool, move |conn| {
        Ok::<_, diesel::result::Error>((cache.tree(conn)?, db::public_article_counts(conn)?))
    })
    .await?;
    let row = current(&tree, &slug)?;
    http::json_with_etag(Some(&request), http::public(HttpResponse::Ok()), &detail(&tree, row, &counts))
}

/// Creates a category (editor or admin).
///
/// The slug is made from the name when absent; `parent` names the category
/// above it by slug.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = [])),
    request_body = CreateCategoryRequest,
    responses(
        (status = 201, description = "Created", body = CategoryResponse, headers(("Location" = String, description = "The new category"))),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 409, description = "The slug is taken (code `slug_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[post("")]
pub async fn create_category(
    user: AuthUser,
    body: JsonBody<CreateCategoryRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Editor)?;
    let body = body.into_inner();
    let name = text::name(&body.name);
    let slug = match (body.slug.as_deref(), &name) {
        (Some(raw), _) => slug::parse(raw, "slug"),
        (None, Ok(name)) => Some(slug::slugify(name))
            .filter(|slug| !slug.is_empty())
            .ok_or_else(|| FieldError::new("slug", "cannot be made from the name; give one")),
        // The name's own error says it all.
        (None, Err(_)) => Ok(String::new()),
    };
    let description = body.description.as_deref().map(text::description).transpose().map(Option::flatten);
    let (name, slug, description) = (name, slug, description).all_valid()?;
    let parent = body.parent;
    let created = state
        .write(move |conn, effects| {
            let tree = Tree::load(conn)?;
            let parent_id = parent.as_deref().map(|parent| tree.parent_id(parent)).transpose()?;
            tree.ensure_slug_free(&slug, None)?;
            let draft = write::Draft { slug: &slug, name: &name, description: description.as_deref(), parent_id };
            let id = write::create(conn, effects, draft)?;
            let tree = Tree::load(conn)?;
            let row =
                tree.get(id).ok_or_else(|| ApiError::Internal("a category vanished during its own write".into()))?;
            Ok::<_, ApiError>(response(&tree, row, &HashMap::new()))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/categories/{}", created.slug)))
        .json(created))
}

/// Renames, re-describes or moves a category (editor or admin).
///
/// Honours `If-Match` with the ETag of `GET /api/v1/categories/{slug}`.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "Category slug"),
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on"),
    ),
    request_body = UpdateCategoryRequest,
    responses(
        (status = 200, description = "The updated category", body = CategoryResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 409, description = "The slug is taken (code `slug_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 422, description = "Invalid fields, or a move below itself", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/{slug}")]
pub async fn update_category(
    user: AuthUser,
    slug: web::Path<String>,
    body: JsonBody<UpdateCategoryRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Editor)?;
    let body = body.into_inner();
    let (name, new_slug, description) = (
        body.name.as_deref().map(text::name).transpose(),
        body.slug.as_deref().map(|raw| slug::parse(raw, "slug")).transpose(),
        body.description.try_map(|raw| text::description(&raw)).map(|description| description.map(Option::flatten)),
    )
        .all_valid()?;
    let (current_slug, parent, if_match) = (slug.into_inner(), body.parent, http::if_match(&request)?);
    let updated = state
        .write(move |conn, effects| {
            let tree = Tree::load(conn)?;
            let row = current(&tree, &current_slug)?;
            http::check_if_match(if_match.as_deref(), &detail(&tree, row, &db::public_article_counts(conn)?))?;
            let parent_id = parent
                .clone()
                .into_change()
                .map(|parent| parent.map(|slug| tree.move_below(row.id, &slug)).transpose())
                .transpose()?;
            if let Some(new_slug) = &new_slug {
                tree.ensure_slug_free(new_slug, Some(row.id))?;
            }
            let id = row.id;
            write::update(
                conn,
                effects,
                id,
                &CategoryChanges {
                    slug: new_slug.clone(),
                    name: name.clone(),
                    description: description.clone(),
                    parent_id,
                },
            )?;
            let (tree, counts) = (Tree::load(conn)?, db::public_article_counts(conn)?);
            let row =
                tree.get(id).ok_or_else(|| ApiError::Internal("a category vanished during its own write".into()))?;
            Ok::<_, ApiError>(response(&tree, row, &counts))
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes an empty category (editor or admin).
///
/// One that still has articles (of any status but deleted) or sub-categories is
/// a 409. Honours `If-Match`.
#[utoipa::path(
    tag = "categories",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "Category slug"),
        ("If-Match" = Option<String>, Header, description = "ETag of the category as last read"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 409, description = "It still has articles or sub-categories (code `category_not_empty`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, response = crate::error::responses::PreconditionFailed),
    ),
)]
#[delete("/{slug}")]
pub async fn delete_category(
    user: AuthUser,
    slug: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Editor)?;
    let (slug, if_match) = (slug.into_inner(), http::if_match(&request)?);
    state
        .write(move |conn, effects| {
            let tree = Tree::load(conn)?;
            let row = current(&tree, &slug)?;
            http::check_if_match(if_match.as_deref(), &detail(&tree, row, &db::public_article_counts(conn)?))?;
            write::delete(conn, effects, row.id)?.map_err(|Contents { children, articles }| {
                ApiError::conflict(
                    "category_not_empty",
                    format!(
                        "The category still has {children} sub-categories and {articles} articles; move them first."
                    ),
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
