//! Revisions in the database: the state an article had before a change,
//! written in the transaction of the change, at most so many per article.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{article_revisions, users};
use crate::store::Conn;
use crate::time;

/// What readers read of an article at one moment: the fields a revision keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub title: String,
    pub excerpt: String,
    pub body: String,
    pub slug: String,
    pub category_id: Option<i32>,
    /// Tag names.
    pub tags: Vec<String>,
    pub cover_image_url: Option<String>,
    /// A cover from the media library; null once that image is deleted.
    pub cover_image_id: Option<i32>,
}

impl Snapshot {
    /// The fields of `next` that differ from these, in a fixed order, for the
    /// revision's summary; empty when nothing a revision keeps changed.
    pub fn changed_in(&self, next: &Self) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut compare = |name, differs| {
            if differs {
                changed.push(name);
            }
        };
        compare("title", self.title != next.title);
        compare("excerpt", self.excerpt != next.excerpt);
        compare("body", self.body != next.body);
        compare("slug", self.slug != next.slug);
        compare("category", self.category_id != next.category_id);
        compare("tags", self.tags != next.tags);
        compare("cover", self.cover_image_url != next.cover_image_url || self.cover_image_id != next.cover_image_id);
        changed
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_revisions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RevisionRow {
    pub id: i32,
    pub article_id: i32,
    pub editor_id: Option<i32>,
    pub created_at: NaiveDateTime,
    pub summary_of_change: String,
    pub title: String,
    pub excerpt: String,
    pub body: String,
    pub slug: String,
    pub category_id: Option<i32>,
    /// Tag names, a JSON array.
    pub tags: String,
    pub cover_image_url: Option<String>,
    pub cover_image_id: Option<i32>,
}

impl RevisionRow {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            title: self.title.clone(),
            excerpt: self.excerpt.clone(),
            body: self.body.clone(),
            slug: self.slug.clone(),
            category_id: self.category_id,
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            cover_image_url: self.cover_image_url.clone(),
            cover_image_id: self.cover_image_id,
        }
    }
}

/// A revision in a list: who changed what, when, without the text.
#[derive(Debug, Clone, Queryable)]
pub struct RevisionListRow {
    pub id: i32,
    pub created_at: NaiveDateTime,
    pub editor_id: Option<i32>,
    pub editor_name: Option<String>,
    pub title: String,
    pub summary_of_change: String,
}

/// Keeps `before`, the state of `article_id` that a change by `editor_id`
/// replaces, then drops its revisions beyond the newest `kept`.
#[tracing::instrument(level = "debug", skip_all, fields(article = article_id))]
pub fn record(
    conn: &mut Conn,
    article_id: i32,
    editor_id: Option<i32>,
    changed: &[&str],
    before: &Snapshot,
    kept: u32,
) -> QueryResult<()> {
    let tags = serde_json::to_string(&before.tags).map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(article_id),
            article_revisions::editor_id.eq(editor_id),
            article_revisions::created_at.eq(time::now()),
            article_revisions::summary_of_change.eq(format!("changed {}", changed.join(", "))),
            article_revisions::title.eq(&before.title),
            article_revisions::excerpt.eq(&before.excerpt),
            article_revisions::body.eq(&before.body),
            article_revisions::slug.eq(&before.slug),
            article_revisions::category_id.eq(before.category_id),
            article_revisions::tags.eq(tags),
            article_revisions::cover_image_url.eq(&before.cover_image_url),
            article_revisions::cover_image_id.eq(before.cover_image_id),
        ))
        .execute(conn)?;
    let oldest_kept: Option<i32> = article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .select(article_revisions::id)
        .order(article_revisions::id.desc())
        .offset(i64::from(kept) - 1)
        .first(conn)
        .optional()?;
    if let Some(oldest_kept) = oldest_kept {
        diesel::delete(
            article_revisions::table
                .filter(article_revisions::article_id.eq(article_id))
                .filter(article_revisions::id.lt(oldest_kept)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The revisions of `article_id`, newest first, older than `before` when given.
#[tracing::instrument(level = "debug", skip_all, fields(article = article_id))]
pub fn list(conn: &mut Conn, article_id: i32, before: Option<i32>, limit: i64) -> QueryResult<Vec<RevisionListRow>> {
    let mut query = article_revisions::table
        .left_join(users::table)
        .filter(article_revisions::article_id.eq(article_id))
        .select((
            article_revisions::id,
            article_revisions::created_at,
            article_revisions::editor_id,
            users::display_name.nullable(),
            article_revisions::title,
            article_revisions::summary_of_change,
        ))
        .order(article_revisions::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(article_revisions::id.lt(before));
    }
    query.load(conn)
}

/// Revision `id` of `article_id`, with its editor's name.
#[tracing::instrument(level = "debug", skip_all, fields(article = article_id))]
pub fn find(conn: &mut Conn, article_id: i32, id: i32) -> QueryResult<Option<(RevisionRow, Option<String>)>> {
    article_revisions::table
        .left_join(users::table)
        .filter(article_revisions::article_id.eq(article_id))
        .filter(article_revisions::id.eq(id))
        .select((RevisionRow::as_select(), users::display_name.nullable()))
        .first(conn)
        .optional()
}

/// Drops every revision of an article (deleted for everyone).
#[tracing::instrument(level = "debug", skip_all, fields(article = article_id))]
pub fn delete_all(conn: &mut Conn, article_id: i32) -> QueryResult<()> {
    diesel::delete(article_revisions::table.filter(article_revisions::article_id.eq(article_id))).execute(conn)?;
    Ok(())
}
