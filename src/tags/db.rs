//! Tags in the database, as the public sees them.

use std::collections::HashMap;

use crate::store::Conn;
use diesel::prelude::*;

use crate::articles::db::publicly_visible;
use crate::schema::{article_tags, articles, tags};
use crate::time;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TagRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
}

/// Tags that a public article carries, in slug order: those whose slug starts
/// with `prefix`, after `after`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn public(conn: &mut Conn, prefix: Option<&str>, after: Option<&str>, limit: i64) -> QueryResult<Vec<TagRow>> {
    let on_a_public_article = article_tags::table
        .inner_join(articles::table)
        .filter(article_tags::tag_id.eq(tags::id))
        .filter(publicly_visible(time::now()));
    let mut select =
        tags::table.filter(diesel::dsl::exists(on_a_public_article)).select(TagRow::as_select()).into_boxed();
    if let Some(prefix) = prefix {
        // A range on the unique index, where LIKE would scan.
        select = select.filter(tags::slug.ge(prefix.to_owned())).filter(tags::slug.lt(format!("{prefix}\u{10FFFF}")));
    }
    if let Some(after) = after {
        select = select.filter(tags::slug.gt(after.to_owned()));
    }
    select.order(tags::slug).limit(limit).load(conn)
}

/// Public articles per tag in `ids`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn public_article_counts(conn: &mut Conn, ids: &[i32]) -> QueryResult<HashMap<i32, i64>> {
    let counts: Vec<(i32, i64)> = article_tags::table
        .inner_join(articles::table)
        .filter(article_tags::tag_id.eq_any(ids))
        .filter(publicly_visible(time::now()))
        .group_by(article_tags::tag_id)
        .select((article_tags::tag_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(counts.into_iter().collect())
}
