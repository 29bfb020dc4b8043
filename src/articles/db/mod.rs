//! Articles in the database: rows, visibility, look-ups, slugs, tags, and
//! writes that keep the search index and hot rank in step. Lists are in
//! [`list`].

mod list;

pub use list::{Cursor, ListQuery, Scope, Sort, list, related};

use std::collections::HashMap;

use crate::store::Conn;
use chrono::NaiveDateTime;
use diesel::dsl::{IsNull, LtEq};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::articles::search;
use crate::articles::{rank, slug};
use crate::error::ApiError;
use crate::schema::{article_bodies, article_slugs, article_tags, articles, collection_items, tags, users};
use crate::store::on_backend;
use crate::text;
use crate::time;

/// Where an article is in its life.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    /// Visible only to its author and editors.
    Draft,
    /// Public from `published_at` on (scheduled while that is in the future).
    Published,
    /// Withdrawn from the public; kept for its author and editors.
    Archived,
}

crate::store::text_enum!(ArticleStatus { Draft => "draft", Published => "published", Archived => "archived" });

/// An article without its body: what lists need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ArticleRow {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub category_id: Option<i32>,
    pub author_id: Option<i32>,
    pub cover_image_url: Option<String>,
    pub reading_time_minutes: i32,
    pub votes_up: i32,
    pub votes_down: i32,
    pub score: i32,
    pub hot_rank: f64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl ArticleRow {
    /// Published, due and not deleted: what anonymous readers may see.
    pub fn is_public(&self, now: NaiveDateTime) -> bool {
        self.status == ArticleStatus::Published
            && self.published_at.is_some_and(|at| at <= now)
            && self.deleted_at.is_none()
    }
}

/// The Markdown and its sanitized rendering, kept apart from the article row
/// and loaded only for single articles.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = article_bodies, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ArticleBody {
    pub body: String,
    pub body_html: String,
}

#[derive(Insertable)]
#[diesel(table_name = articles)]
pub struct NewArticle<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub excerpt: &'a str,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub category_id: Option<i32>,
    pub author_id: Option<i32>,
    pub cover_image_url: Option<&'a str>,
    pub reading_time_minutes: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update; `Some(None)` clears a nullable column.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = articles)]
pub struct ArticleChanges {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub status: Option<ArticleStatus>,
    pub published_at: Option<Option<NaiveDateTime>>,
    pub category_id: Option<Option<i32>>,
    pub cover_image_url: Option<Option<String>>,
    pub reading_time_minutes: Option<i32>,
}

pub type NotDeleted = IsNull<articles::deleted_at>;
pub type PubliclyVisible = diesel::dsl::And<
    diesel::dsl::And<diesel::dsl::Eq<articles::status, ArticleStatus>, LtEq<articles::published_at, NaiveDateTime>>,
    NotDeleted,
>;

pub fn not_deleted() -> NotDeleted {
    articles::deleted_at.is_null()
}

/// Published, due, and not deleted.
pub fn publicly_visible(now: NaiveDateTime) -> PubliclyVisible {
    articles::status.eq(ArticleStatus::Published).and(articles::published_at.le(now)).and(not_deleted())
}

/// An `{article}` path segment: an id when all ASCII digits, else a slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleRef {
    Id(i32),
    Slug(String),
}

impl ArticleRef {
    /// `None` for digits that overflow an id: such an article cannot exist.
    pub fn parse(segment: &str) -> Option<Self> {
        if slug::is_numeric(segment) {
            segment.parse().ok().map(Self::Id)
        } else {
            Some(Self::Slug(segment.to_owned()))
        }
    }
}

/// `web::Path<ArticleRef>` reads an `{article}` segment; one that can name
/// no article fails, which the path configuration answers with a 404.
impl<'de> Deserialize<'de> for ArticleRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let segment = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Self::parse(&segment).ok_or_else(|| serde::de::Error::custom("no article can have this id"))
    }
}

/// Finds a live article by id, slug, or a slug it had before.
#[tracing::instrument(level = "debug", skip_all)]
pub fn resolve(conn: &mut Conn, article: &ArticleRef) -> QueryResult<Option<ArticleRow>> {
    if let ArticleRef::Slug(slug) = article
        && !text::can_match(slug)
    {
        return Ok(None);
    }
    let query = articles::table.filter(not_deleted()).select(ArticleRow::as_select());
    match article {
        ArticleRef::Id(id) => query.filter(articles::id.eq(id)).first(conn).optional(),
        ArticleRef::Slug(slug) => match query.filter(articles::slug.eq(slug)).first(conn).optional()? {
            Some(row) => Ok(Some(row)),
            None => articles::table
                .inner_join(article_slugs::table)
                .filter(article_slugs::slug.eq(slug))
                .filter(not_deleted())
                .select(ArticleRow::as_select())
                .first(conn)
                .optional(),
        },
    }
}

/// The article `article` names, if the public may read it.
#[tracing::instrument(level = "debug", skip_all)]
pub fn resolve_public(conn: &mut Conn, article: &ArticleRef) -> QueryResult<Option<ArticleRow>> {
    Ok(resolve(conn, article)?.filter(|row| row.is_public(time::now())))
}

/// An article just written in this transaction. It cannot have gone, so a
/// missing row is a bug, answered as one (500) rather than as a 404.
#[tracing::instrument(level = "debug", skip_all)]
pub fn reload(conn: &mut Conn, id: i32) -> Result<ArticleRow, ApiError> {
    articles::table.find(id).select(ArticleRow::as_select()).first(conn).map_err(|error| match error {
        diesel::result::Error::NotFound => {
            ApiError::Internal(format!("article {id} vanished during its own write").into())
        }
        other => other.into(),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn body(conn: &mut Conn, id: i32) -> QueryResult<ArticleBody> {
    article_bodies::table.find(id).select(ArticleBody::as_select()).first(conn)
}

/// The indexed text of an article as stored now.
fn indexed_text(conn: &mut Conn, id: i32) -> QueryResult<(String, String, String)> {
    articles::table
        .inner_join(article_bodies::table)
        .filter(articles::id.eq(id))
        .select((articles::title, articles::excerpt, article_bodies::body))
        .first(conn)
}

/// True when no article has, or had, `slug`.
fn slug_is_free(conn: &mut Conn, slug: &str) -> QueryResult<bool> {
    let current: i64 = articles::table.filter(articles::slug.eq(slug)).count().get_result(conn)?;
    let former: i64 = article_slugs::table.filter(article_slugs::slug.eq(slug)).count().get_result(conn)?;
    Ok(current == 0 && former == 0)
}

/// `base`, or the first free `base-2`, `base-3`…
#[tracing::instrument(level = "debug", skip_all)]
pub fn unique_slug(conn: &mut Conn, base: &str) -> QueryResult<String> {
    if slug_is_free(conn, base)? {
        return Ok(base.to_owned());
    }
    let mut n = 2;
    loop {
        let candidate = slug::with_suffix(base, n);
        if slug_is_free(conn, &candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// Whether a client's explicit slug can be used by `article_id` (its own
/// former slugs included).
#[tracing::instrument(level = "debug", skip_all)]
pub fn slug_available_for(conn: &mut Conn, slug: &str, article_id: Option<i32>) -> QueryResult<bool> {
    let current: Option<i32> =
        articles::table.filter(articles::slug.eq(slug)).select(articles::id).first(conn).optional()?;
    let former: Option<i32> = article_slugs::table
        .filter(article_slugs::slug.eq(slug))
        .select(article_slugs::article_id)
        .first(conn)
        .optional()?;
    Ok([current, former].into_iter().flatten().all(|owner| Some(owner) == article_id))
}

/// Moves an article to a new slug; the old one keeps resolving.
#[tracing::instrument(level = "debug", skip_all)]
pub fn rename(conn: &mut Conn, id: i32, old_slug: &str) -> QueryResult<()> {
    let former = (article_slugs::slug.eq(old_slug), article_slugs::article_id.eq(id));
    on_backend!(conn, |conn| diesel::insert_into(article_slugs::table)
        .values(former)
        .on_conflict_do_nothing()
        .execute(conn))?;
    Ok(())
}

/// A tag as articles show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TagRef {
    #[schema(example = "libya")]
    pub slug: String,
    #[schema(example = "Libya")]
    pub name: String,
}

/// The tags of each article in `ids`, by name: one query for a whole page.
#[tracing::instrument(level = "debug", skip_all)]
pub fn tags_of(conn: &mut Conn, ids: &[i32]) -> QueryResult<HashMap<i32, Vec<TagRef>>> {
    let rows: Vec<(i32, String, String)> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(ids))
        .order((article_tags::article_id, tags::name))
        .select((article_tags::article_id, tags::slug, tags::name))
        .load(conn)?;
    let mut by_article: HashMap<i32, Vec<TagRef>> = HashMap::new();
    for (article_id, slug, name) in rows {
        by_article.entry(article_id).or_default().push(TagRef { slug, name });
    }
    Ok(by_article)
}

/// Display names of the authors in `ids`: one query for a whole page.
#[tracing::instrument(level = "debug", skip_all)]
pub fn author_names(conn: &mut Conn, ids: &[i32]) -> QueryResult<HashMap<i32, String>> {
    let rows: Vec<(i32, String)> =
        users::table.filter(users::id.eq_any(ids)).select((users::id, users::display_name)).load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Replaces the tags of an article with `names` (created when new; slugs
/// made from the names, so "Libya" and "libya" are one tag).
#[tracing::instrument(level = "debug", skip_all)]
pub fn set_tags(conn: &mut Conn, article_id: i32, names: &[String]) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id))).execute(conn)?;
    for name in names {
        let tag_slug = slug::slugify(name);
        let tag = (tags::slug.eq(&tag_slug), tags::name.eq(name));
        on_backend!(conn, |conn| diesel::insert_into(tags::table)
            .values(tag)
            .on_conflict(tags::slug)
            .do_nothing()
            .execute(conn))?;
        let tag_id: i32 = tags::table.filter(tags::slug.eq(&tag_slug)).select(tags::id).first(conn)?;
        let link = (article_tags::article_id.eq(article_id), article_tags::tag_id.eq(tag_id));
        on_backend!(conn, |conn| diesel::insert_into(article_tags::table)
            .values(link)
            .on_conflict_do_nothing()
            .execute(conn))?;
    }
    Ok(())
}

/// Inserts an article with its body, indexes it and ranks it; returns its id.
#[tracing::instrument(level = "debug", skip_all)]
pub fn insert(conn: &mut Conn, new: &NewArticle<'_>, body: &ArticleBody) -> QueryResult<i32> {
    let id: i32 = diesel::insert_into(articles::table).values(new).returning(articles::id).get_result(conn)?;
    diesel::insert_into(article_bodies::table)
        .values((
            article_bodies::article_id.eq(id),
            article_bodies::body.eq(&body.body),
            article_bodies::body_html.eq(&body.body_html),
        ))
        .execute(conn)?;
    search::index(conn, id, &search::IndexedText::new(new.title, new.excerpt, &body.body))?;
    rank::refresh_hot_rank(conn, id)?;
    Ok(id)
}

/// Inserts many articles at once, in multi-row statements, with their bodies
/// and search entries; returns their ids in order. Their hot ranks are left
/// to [`super::rank::refresh_all_hot_ranks`], once after the whole load.
#[tracing::instrument(level = "debug", skip_all, fields(articles = articles.len()))]
pub fn insert_many(conn: &mut Conn, articles: &[(NewArticle<'_>, &ArticleBody)]) -> QueryResult<Vec<i32>> {
    let rows: Vec<&NewArticle<'_>> = articles.iter().map(|(new, _)| new).collect();
    let ids: Vec<i32> = on_backend!(conn, |conn| diesel::insert_into(articles::table)
        .values(rows)
        .returning(articles::id)
        .get_results(conn))?;
    let bodies: Vec<_> = ids
        .iter()
        .zip(articles)
        .map(|(id, (_, body))| {
            (
                article_bodies::article_id.eq(*id),
                article_bodies::body.eq(&body.body),
                article_bodies::body_html.eq(&body.body_html),
            )
        })
        .collect();
    on_backend!(conn, |conn| diesel::insert_into(article_bodies::table).values(&bodies).execute(conn))?;
    for (id, (new, body)) in ids.iter().zip(articles) {
        search::index(conn, *id, &search::IndexedText::new(new.title, new.excerpt, &body.body))?;
    }
    Ok(ids)
}

/// Tags articles with existing tags, by id: `(article, tag)` pairs.
#[tracing::instrument(level = "debug", skip_all)]
pub fn link_tags(conn: &mut Conn, links: &[(i32, i32)]) -> QueryResult<()> {
    for chunk in links.chunks(10_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(article, tag)| (article_tags::article_id.eq(*article), article_tags::tag_id.eq(*tag)))
            .collect();
        on_backend!(conn, |conn| diesel::insert_into(article_tags::table).values(&rows).execute(conn))?;
    }
    Ok(())
}

/// Applies changes (and a new body) and keeps the search index in step.
#[tracing::instrument(level = "debug", skip_all)]
pub fn update(conn: &mut Conn, id: i32, changes: &ArticleChanges, new_body: Option<&ArticleBody>) -> QueryResult<()> {
    let (title, excerpt, body) = indexed_text(conn, id)?;
    let text_changes = changes.title.is_some() || changes.excerpt.is_some() || new_body.is_some();
    if text_changes {
        search::unindex(conn, id, &search::IndexedText::new(&title, &excerpt, &body))?;
    }
    diesel::update(articles::table.find(id)).set((changes, articles::updated_at.eq(time::now()))).execute(conn)?;
    if let Some(new_body) = new_body {
        diesel::update(article_bodies::table.find(id)).set(new_body).execute(conn)?;
    }
    if changes.status.is_some() || changes.published_at.is_some() {
        rank::refresh_hot_rank(conn, id)?;
    }
    if text_changes {
        let title = changes.title.as_deref().unwrap_or(&title);
        let excerpt = changes.excerpt.as_deref().unwrap_or(&excerpt);
        let body = new_body.map_or(body.as_str(), |new_body| &new_body.body);
        search::index(conn, id, &search::IndexedText::new(title, excerpt, body))?;
    }
    if changes.title.is_some() || changes.slug.is_some() || changes.status.is_some() || changes.published_at.is_some() {
        remember_public_names(conn, id)?;
    }
    Ok(())
}

/// Collections remember what a saved article was called while the public
/// could read it: after a write that leaves it public, its current title and
/// slug; after one that hides it, nothing changes, so that a later retitle
/// never shows in its owners' tombstones.
fn remember_public_names(conn: &mut Conn, id: i32) -> QueryResult<()> {
    let row = articles::table.find(id).select(ArticleRow::as_select()).first(conn)?;
    if row.is_public(time::now()) {
        diesel::update(collection_items::table.filter(collection_items::article_id.eq(id)))
            .set((collection_items::saved_title.eq(&row.title), collection_items::saved_slug.eq(&row.slug)))
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes an article for everyone: it leaves lists, search and look-ups.
#[tracing::instrument(level = "debug", skip_all)]
pub fn soft_delete(conn: &mut Conn, id: i32) -> QueryResult<()> {
    let (title, excerpt, body) = indexed_text(conn, id)?;
    search::unindex(conn, id, &search::IndexedText::new(&title, &excerpt, &body))?;
    let now = time::now();
    diesel::update(articles::table.find(id))
        .set((articles::deleted_at.eq(now), articles::updated_at.eq(now)))
        .execute(conn)?;
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id))).execute(conn)?;
    Ok(())
}
