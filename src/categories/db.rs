//! Categories in the database.

use std::collections::HashMap;

use crate::store::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::db::{not_deleted, publicly_visible};
use crate::schema::{articles, categories};
use crate::time;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
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
pub struct NewCategory<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub parent_id: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update; `Some(None)` clears a nullable column.
#[derive(Debug, AsChangeset, Default)]
#[diesel(table_name = categories)]
pub struct CategoryChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub parent_id: Option<Option<i32>>,
}

impl CategoryChanges {
    fn is_empty(&self) -> bool {
        self.slug.is_none() && self.name.is_none() && self.description.is_none() && self.parent_id.is_none()
    }
}

/// Every category, in no order.
#[tracing::instrument(level = "debug", skip_all)]
pub fn all(conn: &mut Conn) -> QueryResult<Vec<CategoryRow>> {
    categories::table.select(CategoryRow::as_select()).load(conn)
}

/// Public articles per category, counted directly (not rolled up).
#[tracing::instrument(level = "debug", skip_all)]
pub fn public_article_counts(conn: &mut Conn) -> QueryResult<HashMap<i32, i64>> {
    let rows: Vec<(Option<i32>, i64)> = articles::table
        .filter(publicly_visible(time::now()))
        .group_by(articles::category_id)
        .select((articles::category_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, count)| id.map(|id| (id, count))).collect())
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn insert(conn: &mut Conn, new: &NewCategory<'_>) -> QueryResult<i32> {
    diesel::insert_into(categories::table).values(new).returning(categories::id).get_result(conn)
}

/// Applies `changes`, if there are any.
#[tracing::instrument(level = "debug", skip_all, fields(category = id))]
pub fn update(conn: &mut Conn, id: i32, changes: &CategoryChanges) -> QueryResult<()> {
    if !changes.is_empty() {
        diesel::update(categories::table.find(id))
            .set((changes, categories::updated_at.eq(time::now())))
            .execute(conn)?;
    }
    Ok(())
}

/// What still hangs on a category: sub-categories, and articles that are
/// not deleted (of any status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    pub children: i64,
    pub articles: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn contents(conn: &mut Conn, id: i32) -> QueryResult<Contents> {
    let children = categories::table.filter(categories::parent_id.eq(id)).count().get_result(conn)?;
    let articles =
        articles::table.filter(articles::category_id.eq(id)).filter(not_deleted()).count().get_result(conn)?;
    Ok(Contents { children, articles })
}

/// Deletes a category that [`contents`] found empty. Deleted articles are
/// never shown again, but their rows stay (for the tombstones of
/// collections): they let go of the category.
#[tracing::instrument(level = "debug", skip_all, fields(category = id))]
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<()> {
    diesel::update(articles::table.filter(articles::category_id.eq(id)))
        .set(articles::category_id.eq(None::<i32>))
        .execute(conn)?;
    diesel::delete(categories::table.find(id)).execute(conn)?;
    Ok(())
}
