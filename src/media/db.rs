//! Media rows: one per upload, its files named by the SHA-256 of the bytes
//! uploaded (shared by every row of the same bytes).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::schema::{article_bodies, articles, media, pages, users};
use crate::store::{Conn, on_backend};

/// One stored file of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    pub key: String,
    pub width: u32,
    pub height: u32,
    pub content_type: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MediaRow {
    pub id: i32,
    pub content_hash: String,
    pub file_key: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    /// [`StoredFile`]s as a JSON array.
    pub variants: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub uploaded_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl MediaRow {
    pub fn variants(&self) -> Vec<StoredFile> {
        serde_json::from_str(&self.variants).unwrap_or_default()
    }

    /// Every file of the upload, the original first.
    pub fn keys(&self) -> Vec<String> {
        std::iter::once(self.file_key.clone()).chain(self.variants().into_iter().map(|file| file.key)).collect()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia<'a> {
    pub content_hash: &'a str,
    pub file_key: &'a str,
    pub content_type: &'a str,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub variants: &'a str,
    pub alt: Option<&'a str>,
    pub caption: Option<&'a str>,
    pub credit: Option<&'a str>,
    pub uploaded_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Changes to the words of a media row; `None` keeps a field, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = media)]
pub struct MediaChanges {
    pub alt: Option<Option<String>>,
    pub caption: Option<Option<String>>,
    pub credit: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// A media row with its uploader's name.
pub type WithUploader = (MediaRow, Option<String>);

#[tracing::instrument(level = "debug", skip_all)]
pub fn insert(conn: &mut Conn, new: &NewMedia<'_>) -> QueryResult<i32> {
    on_backend!(conn, |conn| diesel::insert_into(media::table).values(new).returning(media::id).get_result(conn))
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<WithUploader>> {
    media::table
        .left_join(users::table)
        .filter(media::id.eq(id))
        .select((MediaRow::as_select(), users::display_name.nullable()))
        .first(conn)
        .optional()
}

/// Media `ids` that exist, with their uploaders' names.
#[tracing::instrument(level = "debug", skip_all)]
pub fn find_many(conn: &mut Conn, ids: &[i32]) -> QueryResult<Vec<WithUploader>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .left_join(users::table)
        .filter(media::id.eq_any(ids))
        .select((MediaRow::as_select(), users::display_name.nullable()))
        .load(conn)
}

/// An earlier upload of the same bytes, whose files this one can share.
#[tracing::instrument(level = "debug", skip_all)]
pub fn same_upload(conn: &mut Conn, content_hash: &str) -> QueryResult<Option<MediaRow>> {
    media::table.filter(media::content_hash.eq(content_hash)).select(MediaRow::as_select()).first(conn).optional()
}

/// Whether another row still names the files of `content_hash`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn files_shared(conn: &mut Conn, content_hash: &str, besides: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        media::table.filter(media::content_hash.eq(content_hash)).filter(media::id.ne(besides)),
    ))
    .get_result(conn)
}

/// Newest first, older than `before` when given; `uploader` alone when given.
#[tracing::instrument(level = "debug", skip_all)]
pub fn list(conn: &mut Conn, uploader: Option<i32>, before: Option<i32>, limit: i64) -> QueryResult<Vec<WithUploader>> {
    let mut query = media::table
        .left_join(users::table)
        .select((MediaRow::as_select(), users::display_name.nullable()))
        .order(media::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(uploader) = uploader {
        query = query.filter(media::uploaded_by.eq(uploader));
    }
    if let Some(before) = before {
        query = query.filter(media::id.lt(before));
    }
    query.load(conn)
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn update(conn: &mut Conn, id: i32, changes: &MediaChanges) -> QueryResult<()> {
    diesel::update(media::table.find(id)).set(changes).execute(conn)?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<()> {
    diesel::delete(media::table.find(id)).execute(conn)?;
    Ok(())
}

/// The articles (deleted ones too) whose cover is media `id`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn covered(conn: &mut Conn, id: i32) -> QueryResult<Vec<i32>> {
    articles::table.filter(articles::cover_image_id.eq(id)).select(articles::id).load(conn)
}

/// What keeps a media row from going, each as `article 12` or `page
/// privacy`: the articles (deleted ones too, which keep their cover) whose
/// cover it is, and, when its files would go with it (`files_too`), the
/// articles and pages whose body shows one of them.
#[tracing::instrument(level = "debug", skip_all)]
pub fn uses(conn: &mut Conn, row: &MediaRow, files_too: bool) -> QueryResult<Vec<String>> {
    let mut articles: Vec<i32> =
        articles::table.filter(articles::cover_image_id.eq(row.id)).select(articles::id).limit(20).load(conn)?;
    let mut pages: Vec<String> = Vec::new();
    if files_too {
        // Every file of an upload is in the folder its hash names; a hash is
        // hexadecimal, so it holds no LIKE wildcard.
        let folder = format!("%{}/%", row.content_hash);
        articles.extend(
            article_bodies::table
                .filter(article_bodies::body.like(&folder))
                .select(article_bodies::article_id)
                .limit(20)
                .load::<i32>(conn)?,
        );
        pages = pages::table.filter(pages::body.like(&folder)).select(pages::slug).limit(20).load(conn)?;
    }
    articles.sort_unstable();
    articles.dedup();
    Ok(articles
        .into_iter()
        .map(|id| format!("article {id}"))
        .chain(pages.into_iter().map(|slug| format!("page {slug}")))
        .collect())
}
