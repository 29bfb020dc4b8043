//! Collections in the database: names unique per owner by a Unicode-aware
//! key, exact article counts, and saved items that outlive their articles.

use std::collections::HashSet;

use crate::store::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::articles::db::{ArticleRow, publicly_visible, with_tally};
use crate::schema::{collection_items, collections, users};
use crate::time;

/// Who may see a collection.
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
pub enum Visibility {
    /// Only the owner (the default).
    Private,
    /// Anyone, read-only.
    Public,
}

crate::store::text_enum!(Visibility { Private => "private", Public => "public" });

/// The form names are compared in: NFKC (so composed and decomposed "Ä" are
/// one), Unicode lowercase, inner whitespace collapsed.
pub fn name_key(name: &str) -> String {
    name.nfkc().collect::<String>().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = collections, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CollectionRow {
    pub id: i32,
    pub owner_id: i32,
    pub name: String,
    pub description: Option<String>,
    pub visibility: Visibility,
    pub article_count: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = collections)]
pub struct NewCollection<'a> {
    pub owner_id: i32,
    pub name: &'a str,
    pub name_key: &'a str,
    pub description: Option<&'a str>,
    pub visibility: Visibility,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = collections)]
pub struct CollectionChanges {
    pub name: Option<String>,
    pub name_key: Option<String>,
    pub description: Option<Option<String>>,
    pub visibility: Option<Visibility>,
}

/// A collection with its owner's display name.
pub type CollectionWithOwner = (CollectionRow, String);

/// A collection, unless its owner is disabled: a disabled account's public
/// things (profile and collections) answer 404 everywhere, as if it had none.
#[tracing::instrument(level = "debug", skip_all)]
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<CollectionWithOwner>> {
    collections::table
        .inner_join(users::table)
        .filter(collections::id.eq(id))
        .filter(users::disabled.eq(false))
        .select((CollectionRow::as_select(), users::display_name))
        .first(conn)
        .optional()
}

/// Why a write was refused.
pub enum Refusal {
    NameTaken,
    LimitReached,
}

/// True when `owner` has another collection with this name key.
fn name_taken(conn: &mut Conn, owner: i32, key: &str, except: Option<i32>) -> QueryResult<bool> {
    let mut query = collections::table
        .filter(collections::owner_id.eq(owner))
        .filter(collections::name_key.eq(key))
        .select(collections::id)
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(collections::id.ne(except));
    }
    Ok(query.first::<i32>(conn).optional()?.is_some())
}

/// Creates a collection within the owner's limit; run in an immediate transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub fn create(conn: &mut Conn, new: &NewCollection<'_>, max: u32) -> QueryResult<Result<i32, Refusal>> {
    let owned: i64 = collections::table.filter(collections::owner_id.eq(new.owner_id)).count().get_result(conn)?;
    if owned >= i64::from(max) {
        return Ok(Err(Refusal::LimitReached));
    }
    if name_taken(conn, new.owner_id, new.name_key, None)? {
        return Ok(Err(Refusal::NameTaken));
    }
    diesel::insert_into(collections::table).values(new).returning(collections::id).get_result(conn).map(Ok)
}

/// Applies changes; a new name must stay unique for the owner.
#[tracing::instrument(level = "debug", skip_all)]
pub fn update(conn: &mut Conn, row: &CollectionRow, changes: &CollectionChanges) -> QueryResult<Result<(), Refusal>> {
    if let Some(key) = &changes.name_key
        && name_taken(conn, row.owner_id, key, Some(row.id))?
    {
        return Ok(Err(Refusal::NameTaken));
    }
    diesel::update(collections::table.find(row.id))
        .set((changes, collections::updated_at.eq(time::now())))
        .execute(conn)?;
    Ok(Ok(()))
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<()> {
    diesel::delete(collections::table.find(id)).execute(conn)?;
    Ok(())
}

/// A keyset page of collections, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub fn list(
    conn: &mut Conn,
    owner: i32,
    public_only: bool,
    before_id: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<CollectionWithOwner>> {
    let mut query = collections::table
        .inner_join(users::table)
        .filter(collections::owner_id.eq(owner))
        .select((CollectionRow::as_select(), users::display_name))
        .into_boxed();
    if public_only {
        query = query.filter(collections::visibility.eq(Visibility::Public));
    }
    if let Some(before) = before_id {
        query = query.filter(collections::id.lt(before));
    }
    query.order(collections::id.desc()).limit(limit).load(conn)
}

/// Which of `collection_ids` hold `article_id`: one query for the dialog.
#[tracing::instrument(level = "debug", skip_all)]
pub fn containing(conn: &mut Conn, collection_ids: &[i32], article_id: i32) -> QueryResult<HashSet<i32>> {
    let ids: Vec<i32> = collection_items::table
        .filter(collection_items::collection_id.eq_any(collection_ids))
        .filter(collection_items::article_id.eq(article_id))
        .select(collection_items::collection_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// Saves a public article, remembering its title and slug for the owner's
/// tombstone; `Ok(true)` when it was added, `Ok(false)` when already there.
#[tracing::instrument(level = "debug", skip_all)]
pub fn add_article(
    conn: &mut Conn,
    collection: &CollectionRow,
    article: &ArticleRow,
    max: u32,
) -> QueryResult<Result<bool, Refusal>> {
    let article_id = article.id;
    let present: i64 = collection_items::table.find((collection.id, article_id)).count().get_result(conn)?;
    if present > 0 {
        return Ok(Ok(false));
    }
    if collection.article_count >= i32::try_from(max).unwrap_or(i32::MAX) {
        return Ok(Err(Refusal::LimitReached));
    }
    let now = time::now();
    diesel::insert_into(collection_items::table)
        .values((
            collection_items::collection_id.eq(collection.id),
            collection_items::article_id.eq(article_id),
            collection_items::added_at.eq(now),
            collection_items::saved_title.eq(&article.title),
            collection_items::saved_slug.eq(&article.slug),
        ))
        .execute(conn)?;
    diesel::update(collections::table.find(collection.id))
        .set((collections::article_count.eq(collections::article_count + 1), collections::updated_at.eq(now)))
        .execute(conn)?;
    Ok(Ok(true))
}

/// Removes an article if it is there.
#[tracing::instrument(level = "debug", skip_all)]
pub fn remove_article(conn: &mut Conn, collection_id: i32, article_id: i32) -> QueryResult<()> {
    let removed = diesel::delete(collection_items::table.find((collection_id, article_id))).execute(conn)?;
    if removed > 0 {
        diesel::update(collections::table.find(collection_id))
            .set((
                collections::article_count.eq(collections::article_count - 1),
                collections::updated_at.eq(time::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Keyset position in a collection: newest additions first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemCursor {
    #[serde(deserialize_with = "time::deserialize_storable")]
    pub added_at: NaiveDateTime,
    pub article_id: i32,
}

impl ItemCursor {
    /// The position of a saved article.
    pub fn of(article: &ArticleRow, saved: &Saved) -> Self {
        Self { added_at: saved.added_at, article_id: article.id }
    }
}

/// When an article was saved, and what it was called then (or when it was
/// last public since).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = collection_items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Saved {
    pub added_at: NaiveDateTime,
    #[diesel(column_name = saved_title)]
    pub title: String,
    #[diesel(column_name = saved_slug)]
    pub slug: String,
}

/// A page of saved articles, newest additions first. Others see only public
/// articles; the owner sees everything (the caller turns the rest into
/// tombstones).
#[tracing::instrument(level = "debug", skip_all)]
pub fn items(
    conn: &mut Conn,
    collection_id: i32,
    owner_view: bool,
    after: Option<&ItemCursor>,
    limit: i64,
) -> QueryResult<Vec<(ArticleRow, Saved)>> {
    let mut query = collection_items::table
        .inner_join(with_tally())
        .filter(collection_items::collection_id.eq(collection_id))
        .select((ArticleRow::as_select(), Saved::as_select()))
        .into_boxed();
    if !owner_view {
        query = query.filter(publicly_visible(time::now()));
    }
    if let Some(after) = after {
        query =
            query.filter(collection_items::added_at.lt(after.added_at).or(
                collection_items::added_at.eq(after.added_at).and(collection_items::article_id.lt(after.article_id)),
            ));
    }
    query.order((collection_items::added_at.desc(), collection_items::article_id.desc())).limit(limit).load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case_in_any_script() {
        assert_eq!(name_key("Libya"), name_key("LIBYA"));
        assert_eq!(name_key("Ä"), name_key("ä"));
        assert_eq!(name_key("A\u{308}"), name_key("ä"), "decomposed and composed");
        assert_eq!(name_key("  Read   later "), "read later");
        assert_eq!(name_key("ΣΟΦΙΑ"), name_key("σοφια"));
        assert_ne!(name_key("Libya"), name_key("Lybia"));
    }
}
