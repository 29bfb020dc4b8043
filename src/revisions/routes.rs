//! The revision endpoints, below each article: its author and editors list
//! and read them; whoever may change the article restores one.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::db::{self, RevisionListRow, RevisionRow};
use crate::articles::access::{self, editable};
use crate::articles::db::{self as articles_db, ArticleRef, ArticleRow};
use crate::articles::fields::Cover;
use crate::articles::view::{self, ArticleResponse};
use crate::articles::write::{self, Edit, History, Text};
use crate::auth::AuthUser;
use crate::categories::{CategorySummary, Tree};
use crate::error::ApiError;
use crate::http;
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store::{self, Conn};
use crate::time;
use crate::users::AuthorRef;

/// A revision in the list: who changed what, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionSummary {
    pub id: i32,
    /// When the change was made.
    pub created_at: DateTime<Utc>,
    /// Who made the change; null for an import or a deleted account.
    #[schema(required = true)]
    pub editor: Option<AuthorRef>,
    /// The title before the change.
    pub title: String,
    /// What the change touched, e.g. `changed title, body`.
    #[schema(example = "changed title, body")]
    pub summary_of_change: String,
}

/// The article as it read before a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionResponse {
    #[serde(flatten)]
    pub summary: RevisionSummary,
    pub excerpt: String,
    /// Markdown.
    pub body: String,
    pub slug: String,
    /// Null when it had none, or its category has been deleted since.
    #[schema(required = true)]
    pub category: Option<CategorySummary>,
    /// Tag names.
    pub tags: Vec<String>,
    #[schema(required = true)]
    pub cover_image_url: Option<String>,
    /// The cover from the media library; null once that image is deleted.
    #[schema(required = true)]
    pub cover_image_id: Option<i32>,
}

impl From<RevisionListRow> for RevisionSummary {
    fn from(row: RevisionListRow) -> Self {
        Self {
            id: row.id,
            created_at: time::utc(row.created_at),
            editor: AuthorRef::of(row.editor_id, row.editor_name),
            title: row.title,
            summary_of_change: row.summary_of_change,
        }
    }
}

impl RevisionResponse {
    fn new(row: RevisionRow, editor_name: Option<String>, tree: &Tree) -> Self {
        let snapshot = row.snapshot();
        Self {
            summary: RevisionSummary {
                id: row.id,
                created_at: time::utc(row.created_at),
                editor: AuthorRef::of(row.editor_id, editor_name),
                title: snapshot.title,
                summary_of_change: row.summary_of_change,
            },
            excerpt: snapshot.excerpt,
            body: snapshot.body,
            slug: snapshot.slug,
            category: snapshot.category_id.and_then(|id| tree.summary(id)),
            tags: snapshot.tags,
            cover_image_url: snapshot.cover_image_url,
            cover_image_id: snapshot.cover_image_id,
        }
    }
}

/// Page of a revision list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionsQuery {
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The article `article` names, if `user` may read its history: 404 for
/// what they may not see at all (a revision never tells more than the
/// article), 403 for an article they see but did not write.
fn with_history(conn: &mut Conn, article: &ArticleRef, user: &AuthUser) -> Result<ArticleRow, ApiError> {
    let row = articles_db::resolve(conn, article)?.ok_or(ApiError::NotFound)?;
    if !access::can_see(Some(user), &row, time::now()) {
        return Err(ApiError::NotFound);
    }
    if !access::can_review_history(user, &row) {
        return Err(ApiError::forbidden("Only the author and editors read an article's revisions."));
    }
    Ok(row)
}

/// An article's revisions, newest first (its author, editors).
///
/// Each is the state before one change to the title, excerpt, body, slug,
/// category, tags or cover, with who made the change and when; at most
/// `NEWSROOM_REVISIONS_KEPT` (50) per article.
#[utoipa::path(
    tag = "revisions",
    security(("bearer" = [])),
    params(("article" = String, Path, description = "Article id or slug"), RevisionsQuery),
    responses(
        (status = 200, description = "A page of revisions", body = Page<RevisionSummary>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, response = crate::error::responses::BadRequest),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/api/v1/articles/{article}/revisions")]
pub async fn list_revisions(
    user: AuthUser,
    article: web::Path<ArticleRef>,
    query: web::Query<RevisionsQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (article, query) = (article.into_inner(), query.into_inner());
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let before: Option<i32> = pagination::decode_cursor(query.cursor.as_deref())?;
    let page = store::read(&state.pool, move |conn| {
        let row = with_history(conn, &article, &user)?;
        let rows = db::list(conn, row.id, before, limit.probe())?;
        Ok::<_, ApiError>(Page::from_rows(rows, limit, |row| row.id, RevisionSummary::from))
    })
    .await?;
    let response = http::with_link(http::private(HttpResponse::Ok()), &page, &request);
    http::json_with_etag(None, response, &page)
}

/// One revision, whole (its author, editors).
///
/// The title, excerpt, body, slug, category, tags and cover the article had
/// before the change, with who made the change and when.
#[utoipa::path(
    tag = "revisions",
    security(("bearer" = [])),
    params(
        ("article" = String, Path, description = "Article id or slug"),
        ("id" = i32, Path, description = "Revision id"),
    ),
    responses(
        (status = 200, description = "The revision", body = RevisionResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/api/v1/articles/{article}/revisions/{id}")]
pub async fn get_revision(
    user: AuthUser,
    path: web::Path<(ArticleRef, i32)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (article, id) = path.into_inner();
    let categories = state.caches.categories.clone();
    let revision = store::read(&state.pool, move |conn| {
        let row = with_history(conn, &article, &user)?;
        let (revision, editor_name) = db::find(conn, row.id, id)?.ok_or(ApiError::NotFound)?;
        let tree = categories.tree(conn)?;
        Ok::<_, ApiError>(RevisionResponse::new(revision, editor_name, &tree))
    })
    .await?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &revision)
}

/// Restores a revision (whoever may change the article).
///
/// The article reads as it did before that change; the state it had until
/// now is kept as a new revision. A slug another article has taken since is
/// left as it is.
#[utoipa::path(
    tag = "revisions",
    security(("bearer" = [])),
    params(
        ("article" = String, Path, description = "Article id or slug"),
        ("id" = i32, Path, description = "Revision id"),
    ),
    responses(
        (status = 200, description = "The article, restored", body = ArticleResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[post("/api/v1/articles/{article}/revisions/{id}/restore")]
pub async fn restore_revision(
    user: AuthUser,
    path: web::Path<(ArticleRef, i32)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (article, id) = path.into_inner();
    let (looked_up, reader) = (article.clone(), user.clone());
    let revision = store::read(&state.pool, move |conn| {
        let row = editable(conn, &looked_up, &reader)?;
        db::find(conn, row.id, id)?.map(|(revision, _)| revision).ok_or(ApiError::NotFound)
    })
    .await?;
    let snapshot = revision.snapshot();
    let text = Text::render(snapshot.body.clone()).await?;
    let history = History { editor: Some(user.id), kept: state.config.revisions_kept };
    let media = state.media.urls.clone();
    let restored = state
        .write(move |conn, effects| {
            let row = editable(conn, &article, &user)?;
            let tree = Tree::load(conn)?;
            let slug_free = articles_db::slug_available_for(conn, &snapshot.slug, Some(row.id))?;
            let edit = Edit {
                title: Some(snapshot.title.clone()),
                // An excerpt that was the body's first paragraph follows the body again.
                excerpt: Some(Some(snapshot.excerpt.clone()).filter(|excerpt| *excerpt != text.excerpt)),
                text: Some(text.clone()),
                slug: slug_free.then(|| snapshot.slug.clone()),
                category: Some(snapshot.category_id.and_then(|id| tree.get(id)).map(|category| category.slug.clone())),
                tags: Some(snapshot.tags.clone()),
                cover: Some(Cover::from_columns(snapshot.cover_image_url.clone(), snapshot.cover_image_id)),
                ..Edit::default()
            };
            write::apply_update(conn, effects, &tree, &media, &row, edit, history)?;
            let row = articles_db::reload(conn, row.id)?;
            view::full(conn, row, Some(user.id), &tree, &media).map_err(ApiError::from)
        })
        .await?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &restored)
}
