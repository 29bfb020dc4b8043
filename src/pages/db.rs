//! Static pages in the database, keyed by slug.

use crate::store::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::pages;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = pages, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PageRow {
    pub slug: String,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A page in the list.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pages, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PageListRow {
    pub slug: String,
    pub title: String,
    pub updated_at: NaiveDateTime,
}

/// Pages in slug order, after `after`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn list(conn: &mut Conn, after: Option<&str>, limit: i64) -> QueryResult<Vec<PageListRow>> {
    let mut select = pages::table.select(PageListRow::as_select()).into_boxed();
    if let Some(after) = after {
        select = select.filter(pages::slug.gt(after.to_owned()));
    }
    select.order(pages::slug).limit(limit).load(conn)
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn find(conn: &mut Conn, slug: &str) -> QueryResult<Option<PageRow>> {
    if !crate::text::can_match(slug) {
        return Ok(None);
    }
    pages::table.find(slug).select(PageRow::as_select()).first(conn).optional()
}

/// Writes the whole page, whether or not it existed.
#[tracing::instrument(level = "debug", skip_all)]
pub fn put(conn: &mut Conn, row: &PageRow) -> QueryResult<()> {
    let replaced = diesel::update(pages::table.find(&row.slug)).set(row).execute(conn)?;
    if replaced == 0 {
        diesel::insert_into(pages::table).values(row).execute(conn)?;
    }
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn delete(conn: &mut Conn, slug: &str) -> QueryResult<()> {
    diesel::delete(pages::table.find(slug)).execute(conn)?;
    Ok(())
}
