//! What feeds and sitemaps read: public articles with their HTML, and the
//! ids, slugs and times that sitemaps list.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::db::{ArticleRow, publicly_visible};
use crate::schema::{article_bodies, article_tags, articles, pages, tags};
use crate::store::Conn;

/// The rendered HTML of each article in `ids`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn html_of(conn: &mut Conn, ids: &[i32]) -> QueryResult<HashMap<i32, String>> {
    let rows: Vec<(i32, String)> = article_bodies::table
        .filter(article_bodies::article_id.eq_any(ids))
        .select((article_bodies::article_id, article_bodies::body_html))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// True when a public article carries the tag `slug`: a tag only drafts
/// carry is not yet public, and its feed would give them away.
pub fn tag_is_public(conn: &mut Conn, slug: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let carried = article_tags::table
        .inner_join(tags::table)
        .inner_join(articles::table)
        .filter(tags::slug.eq(slug))
        .filter(publicly_visible(now));
    diesel::select(diesel::dsl::exists(carried)).get_result(conn)
}

/// Every public article's id and last change, in id order: what the sitemap
/// index splits into files.
#[tracing::instrument(level = "debug", skip_all)]
pub fn public_changes(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<Vec<(i32, NaiveDateTime)>> {
    articles::table
        .filter(publicly_visible(now))
        .order(articles::id)
        .select((articles::id, articles::updated_at))
        .load(conn)
}

/// One sitemap file's public articles: id, slug, last change, in id order.
#[tracing::instrument(level = "debug", skip_all)]
pub fn public_slugs(
    conn: &mut Conn,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(i32, String, NaiveDateTime)>> {
    articles::table
        .filter(publicly_visible(now))
        .order(articles::id)
        .offset(offset)
        .limit(limit)
        .select((articles::id, articles::slug, articles::updated_at))
        .load(conn)
}

/// Public articles published since `since`, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub fn published_since(
    conn: &mut Conn,
    now: NaiveDateTime,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<ArticleRow>> {
    articles::table
        .filter(publicly_visible(now))
        .filter(articles::published_at.ge(since))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit)
        .select(ArticleRow::as_select())
        .load(conn)
}

/// Every page's slug and last change.
pub fn page_changes(conn: &mut Conn) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    pages::table.order(pages::slug).select((pages::slug, pages::updated_at)).load(conn)
}
