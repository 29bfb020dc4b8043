//! Look-ups: an article by id, slug or former slug, its body, slugs still
//! free, and the tags and author names lists show.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::rows::{ArticleBody, ArticleRef, ArticleRow, not_deleted, with_tally};
use crate::articles::slug;
use crate::error::ApiError;
use crate::schema::{article_bodies, article_slugs, article_tags, articles, tags, users};
use crate::store::Conn;
use crate::text;
use crate::time;

/// Finds a live article by id, slug, or a slug it had before.
#[tracing::instrument(level = "debug", skip_all)]
pub fn resolve(conn: &mut Conn, article: &ArticleRef) -> QueryResult<Option<ArticleRow>> {
    if let ArticleRef::Slug(slug) = article
        && !text::can_match(slug)
    {
        return Ok(None);
    }
    let query = with_tally().filter(not_deleted()).select(ArticleRow::as_select());
    match article {
        ArticleRef::Id(id) => query.filter(articles::id.eq(id)).first(conn).optional(),
        ArticleRef::Slug(slug) => match query.filter(articles::slug.eq(slug)).first(conn).optional()? {
            Some(row) => Ok(Some(row)),
            None => with_tally()
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
    with_tally().filter(articles::id.eq(id)).select(ArticleRow::as_select()).first(conn).map_err(|error| match error {
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
pub(super) fn indexed_text(conn: &mut Conn, id: i32) -> QueryResult<(String, String, String)> {
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

/// Published articles whose time has come and whose going public has not
/// been announced (scheduled ones), oldest first, at most `limit`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn due_unannounced(conn: &mut Conn, now: chrono::NaiveDateTime, limit: i64) -> QueryResult<Vec<i32>> {
    articles::table
        .filter(articles::announced_at.is_null())
        .filter(articles::published_at.le(now))
        .filter(articles::status.eq(super::rows::ArticleStatus::Published))
        .filter(not_deleted())
        .order((articles::published_at, articles::id))
        .select(articles::id)
        .limit(limit)
        .load(conn)
}
