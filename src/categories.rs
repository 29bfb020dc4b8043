//! Categories: a small tree ("Home / Politics / Elections") read whole and
//! shaped in Rust — breadcrumbs, children, descendants and cycle checks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::articles::{self, slug};
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError, Problem};
use crate::http::JsonBody;
use crate::http::{self, Patch};
use crate::schema::{articles as articles_table, categories};
use crate::state::AppState;
use crate::store;
use crate::text;
use crate::time;
use crate::users::Role;

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/categories")
            .service(list_categories)
            .service(get_category)
            .service(create_category)
            .service(update_category)
            .service(delete_category),
    );
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::sqlite::Sqlite))]
pub struct CategoryRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = categories)]
struct NewCategory<'a> {
    slug: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    parent_id: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = categories)]
struct CategoryChanges {
    slug: Option<String>,
    name: Option<String>,
    description: Option<Option<String>>,
    parent_id: Option<Option<i32>>,
}

/// Every category, indexed for tree walks.
pub struct Tree {
    rows: HashMap<i32, CategoryRow>,
}

impl Tree {
    pub fn load(conn: &mut SqliteConnection) -> QueryResult<Self> {
        let rows: Vec<CategoryRow> = categories::table.select(CategoryRow::as_select()).load(conn)?;
        Ok(Self { rows: rows.into_iter().map(|row| (row.id, row)).collect() })
    }

    pub fn get(&self, id: i32) -> Option<&CategoryRow> {
        self.rows.get(&id)
    }

    pub fn by_slug(&self, slug: &str) -> Option<&CategoryRow> {
        self.rows.values().find(|row| row.slug == slug)
    }

    /// The breadcrumb from the top category down to `id` itself. A cycle
    /// (impossible through the API) stops the walk instead of looping.
    pub fn path(&self, id: i32) -> Vec<Crumb> {
        let mut path = Vec::new();
        let mut next = self.rows.get(&id);
        while let Some(row) = next {
            if path.len() >= self.rows.len() {
                break;
            }
            path.push(Crumb { slug: row.slug.clone(), name: row.name.clone() });
            next = row.parent_id.and_then(|parent| self.rows.get(&parent));
        }
        path.reverse();
        path
    }

    /// `id` and every category below it.
    pub fn with_descendants(&self, id: i32) -> Vec<i32> {
        let mut found = vec![id];
        let mut index = 0;
        while let Some(&current) = found.get(index) {
            let mut children: Vec<i32> =
                self.rows.values().filter(|row| row.parent_id == Some(current)).map(|row| row.id).collect();
            children.sort_unstable();
            found.extend(children.into_iter().filter(|child| !found.contains(child)).collect::<Vec<_>>());
            index += 1;
        }
        found
    }

    fn children(&self, id: i32) -> Vec<&CategoryRow> {
        let mut children: Vec<&CategoryRow> = self.rows.values().filter(|row| row.parent_id == Some(id)).collect();
        children.sort_by(|a, b| a.name.cmp(&b.name));
        children
    }

    /// The category as articles show it.
    pub fn summary(&self, id: i32) -> Option<CategorySummary> {
        let row = self.rows.get(&id)?;
        Some(CategorySummary { id: row.id, slug: row.slug.clone(), name: row.name.clone(), path: self.path(id) })
    }

    /// What `GET /categories/{slug}` answers, whose ETag writes are checked against.
    fn detail(&self, row: &CategoryRow, counts: &HashMap<i32, i64>) -> CategoryDetail {
        CategoryDetail {
            category: self.response(row, counts),
            children: self.children(row.id).into_iter().map(|child| self.response(child, counts)).collect(),
        }
    }

    fn response(&self, row: &CategoryRow, counts: &HashMap<i32, i64>) -> CategoryResponse {
        let article_count = self.with_descendants(row.id).iter().map(|id| counts.get(id).copied().unwrap_or(0)).sum();
        CategoryResponse {
            id: row.id,
            slug: row.slug.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            parent: row.parent_id.and_then(|parent| self.rows.get(&parent)).map(|parent| parent.slug.clone()),
            path: self.path(row.id),
            article_count,
            created_at: time::utc(row.created_at),
            updated_at: time::utc(row.updated_at),
        }
    }
}

/// The tree as last read, shared by requests for a few seconds: every article
/// and list shows breadcrumbs, and reading all categories each time was most
/// of their cost. Category writes here clear it at once; a write made by
/// another instance shows within [`TREE_TTL`].
#[derive(Default)]
pub struct TreeCache {
    cached: Mutex<Option<(Instant, Arc<Tree>)>>,
}

/// How long a cached tree is trusted.
pub const TREE_TTL: Duration = Duration::from_secs(5);

impl TreeCache {
    pub fn tree(&self, conn: &mut SqliteConnection) -> QueryResult<Arc<Tree>> {
        let fresh = self
            .cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|(at, _)| at.elapsed() < TREE_TTL)
            .map(|(_, tree)| tree.clone());
        if let Some(tree) = fresh {
            return Ok(tree);
        }
        let tree = Arc::new(Tree::load(conn)?);
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), tree.clone()));
        Ok(tree)
    }

    pub fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// One step of a breadcrumb.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Crumb {
    #[schema(example = "politics")]
    pub slug: String,
    #[schema(example = "Politics")]
    pub name: String,
}

/// A category as an article shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategorySummary {
    pub id: i32,
    #[schema(example = "elections")]
    pub slug: String,
    #[schema(example = "Elections")]
    pub name: String,
    /// Breadcrumb from the top category down to this one.
    pub path: Vec<Crumb>,
}

/// A category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    pub id: i32,
    #[schema(example = "elections")]
    pub slug: String,
    #[schema(example = "Elections")]
    pub name: String,
    pub description: Option<String>,
    /// The parent's slug; null for a top-level category.
    #[schema(example = "politics")]
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

/// Published articles per category, counted directly (not rolled up).
fn article_counts(conn: &mut SqliteConnection) -> QueryResult<HashMap<i32, i64>> {
    let rows: Vec<(Option<i32>, i64)> = articles_table::table
        .filter(articles::db::publicly_visible(time::now()))
        .group_by(articles_table::category_id)
        .select((articles_table::category_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, count)| id.map(|id| (id, count))).collect())
}

fn slug_taken() -> ApiError {
    ApiError::conflict("slug_taken", "Another category has this slug.")
}

/// Every category with its breadcrumb and article count.
#[utoipa::path(tag = "categories", responses((status = 200, description = "All categories", body = CategoryList)))]
#[get("")]
pub async fn list_categories(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let cache = state.categories.clone();
    let (tree, counts) =
        store::run(&state.pool, move |conn| Ok::<_, diesel::result::Error>((cache.tree(conn)?, article_counts(conn)?)))
            .await?;
    let mut items: Vec<CategoryResponse> = tree.rows.values().map(|row| tree.response(row, &counts)).collect();
    items.sort_by(|a, b| {
        let key = |c: &CategoryResponse| c.path.iter().map(|crumb| crumb.name.to_lowercase()).collect::<Vec<_>>();
        key(a).cmp(&key(b))
    });
    Ok(http::public(HttpResponse::Ok()).json(CategoryList { items, next_cursor: None }))
}

/// One category, with its breadcrumb and its direct sub-categories.
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
    let cache = state.categories.clone();
    let (tree, counts) =
        store::run(&state.pool, move |conn| Ok::<_, diesel::result::Error>((cache.tree(conn)?, article_counts(conn)?)))
            .await?;
    let row = tree.by_slug(&slug).ok_or(ApiError::NotFound)?;
    http::json_with_etag(Some(&request), http::public(HttpResponse::Ok()), &tree.detail(row, &counts))
}

/// Creates a category (editor or admin).
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
    let slug = match body.slug.as_deref() {
        Some(raw) => slug::parse(raw, "slug"),
        None => name.as_ref().map_or(Ok(String::new()), |name| Ok(slug::slugify(name))).and_then(|slug| {
            if slug.is_empty() {
                Err(FieldError::new("slug", "cannot be made from the name; give one"))
            } else {
                Ok(slug)
            }
        }),
    };
    let description = body.description.as_deref().map(text::description).transpose().map(Option::flatten);
    let (name, slug, description) = match (name, slug, description) {
        (Ok(name), Ok(slug), Ok(description)) => (name, slug, description),
        (name, slug, description) => return Err(ApiError::fields([name.err(), slug.err(), description.err()])),
    };
    let parent_slug = body.parent;
    let created = store::write(&state.pool, move |conn| {
        let tree = Tree::load(conn)?;
        let parent_id = match parent_slug.as_deref() {
            Some(parent) => match tree.by_slug(parent) {
                Some(parent) => Some(parent.id),
                None => return Ok(Err(ApiError::invalid_field("parent", "no category has this slug"))),
            },
            None => None,
        };
        if tree.by_slug(&slug).is_some() {
            return Ok(Err(slug_taken()));
        }
        let now = time::now();
        let new = NewCategory {
            slug: &slug,
            name: &name,
            description: description.as_deref(),
            parent_id,
            created_at: now,
            updated_at: now,
        };
        let id: i32 = diesel::insert_into(categories::table).values(&new).returning(categories::id).get_result(conn)?;
        let tree = Tree::load(conn)?;
        let row = tree.get(id).ok_or(diesel::result::Error::NotFound)?;
        diesel::QueryResult::Ok(Ok(tree.response(row, &HashMap::new())))
    })
    .await??;
    state.categories.invalidate();
    state.public_cache.forget_all();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/categories/{}", created.slug)))
        .json(created))
}

/// Renames, re-describes or moves a category (editor or admin). Honours
/// `If-Match` with the ETag of `GET /api/v1/categories/{slug}`.
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
    let name = body.name.as_deref().map(text::name).transpose();
    let new_slug = body.slug.as_deref().map(|raw| slug::parse(raw, "slug")).transpose();
    let description = match &body.description {
        Patch::Absent => Ok(None),
        Patch::Null => Ok(Some(None)),
        Patch::Value(raw) => text::description(raw).map(Some),
    };
    let (name, new_slug, description) = match (name, new_slug, description) {
        (Ok(name), Ok(new_slug), Ok(description)) => (name, new_slug, description),
        (name, new_slug, description) => return Err(ApiError::fields([name.err(), new_slug.err(), description.err()])),
    };
    let (current_slug, parent, if_match) = (slug.into_inner(), body.parent, http::if_match(&request)?);
    let updated = store::write(&state.pool, move |conn| {
        let tree = Tree::load(conn)?;
        let Some(current) = tree.by_slug(&current_slug) else {
            return Ok(Err(ApiError::NotFound));
        };
        if let Err(failed) = http::check_if_match(if_match.as_deref(), &tree.detail(current, &article_counts(conn)?)) {
            return Ok(Err(failed));
        }
        let id = current.id;
        let parent_id = match parent {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(parent) => match tree.by_slug(&parent) {
                Some(parent) if tree.with_descendants(id).contains(&parent.id) => {
                    return Ok(Err(ApiError::invalid_field("parent", "a category cannot move below itself")));
                }
                Some(parent) => Some(Some(parent.id)),
                None => return Ok(Err(ApiError::invalid_field("parent", "no category has this slug"))),
            },
        };
        if let Some(new_slug) = &new_slug
            && tree.by_slug(new_slug).is_some_and(|other| other.id != id)
        {
            return Ok(Err(slug_taken()));
        }
        let changes = CategoryChanges { slug: new_slug, name, description, parent_id };
        if changes.slug.is_some()
            || changes.name.is_some()
            || changes.description.is_some()
            || changes.parent_id.is_some()
        {
            diesel::update(categories::table.find(id))
                .set((&changes, categories::updated_at.eq(time::now())))
                .execute(conn)?;
        }
        let (tree, counts) = (Tree::load(conn)?, article_counts(conn)?);
        let row = tree.get(id).ok_or(diesel::result::Error::NotFound)?;
        diesel::QueryResult::Ok(Ok(tree.response(row, &counts)))
    })
    .await??;
    state.categories.invalidate();
    state.public_cache.forget_all();
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes an empty category (editor or admin): one that still has articles
/// (of any status but deleted) or sub-categories is a 409. Honours `If-Match`.
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
    store::write(&state.pool, move |conn| {
        let tree = Tree::load(conn)?;
        let Some(current) = tree.by_slug(&slug) else {
            return Ok(Err(ApiError::NotFound));
        };
        if let Err(failed) = http::check_if_match(if_match.as_deref(), &tree.detail(current, &article_counts(conn)?)) {
            return Ok(Err(failed));
        }
        let id = current.id;
        let children: i64 = categories::table.filter(categories::parent_id.eq(id)).count().get_result(conn)?;
        let in_category = articles_table::table.filter(articles_table::category_id.eq(id));
        let articles: i64 = in_category.filter(articles::db::not_deleted()).count().get_result(conn)?;
        if children > 0 || articles > 0 {
            return Ok(Err(ApiError::conflict(
                "category_not_empty",
                format!("The category still has {children} sub-categories and {articles} articles; move them first."),
            )));
        }
        // Deleted articles are never shown again, but their rows stay (for
        // the tombstones of collections): they let go of the category.
        diesel::update(in_category).set(articles_table::category_id.eq(None::<i32>)).execute(conn)?;
        diesel::delete(categories::table.find(id)).execute(conn)?;
        diesel::QueryResult::Ok(Ok(()))
    })
    .await??;
    state.categories.invalidate();
    state.public_cache.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i32, slug: &str, parent_id: Option<i32>) -> CategoryRow {
        let now = time::now();
        CategoryRow {
            id,
            slug: slug.into(),
            name: slug.to_uppercase(),
            description: None,
            parent_id,
            created_at: now,
            updated_at: now,
        }
    }

    fn tree() -> Tree {
        let rows = [row(1, "world", None), row(2, "africa", Some(1)), row(3, "libya", Some(2)), row(4, "sports", None)];
        Tree { rows: rows.into_iter().map(|row| (row.id, row)).collect() }
    }

    #[test]
    fn paths_run_from_the_top() {
        let path: Vec<String> = tree().path(3).into_iter().map(|crumb| crumb.slug).collect();
        assert_eq!(path, ["world", "africa", "libya"]);
    }

    #[test]
    fn descendants_include_the_category_itself() {
        assert_eq!(tree().with_descendants(1), vec![1, 2, 3]);
        assert_eq!(tree().with_descendants(4), vec![4]);
    }

    #[test]
    fn a_cyclic_tree_does_not_loop() {
        let mut cyclic = tree();
        if let Some(world) = cyclic.rows.get_mut(&1) {
            world.parent_id = Some(3);
        }
        assert!(cyclic.path(3).len() <= 4);
    }
}
