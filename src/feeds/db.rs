//! What feeds and sitemaps read: public articles with their HTML, and the
//! ids, slugs and times that sitemaps list.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::db::{ArticleRow, publicly_visible, with_tally};
use crate::media::MediaUrls;
use crate::schema::{article_bodies, article_tags, articles, media, pages, tags};
use crate::store::Conn;

/// An article's cover as feeds and sitemaps carry it.
#[derive(Debug, Clone)]
pub struct FeedImage {
    pub url: String,
    pub content_type: String,
    /// Known for images of the media library.
    pub bytes: Option<i64>,
}

/// Where an article's cover is: `(article, cover_image_url, cover_image_id)`.
pub type CoverColumns = (i32, Option<String>, Option<i32>);

/// The covers of `articles`, by article id: images of the library as
/// stored, others by their URL (their type guessed from its ending).
#[tracing::instrument(level = "debug", skip_all)]
pub fn covers_of(conn: &mut Conn, urls: &MediaUrls, articles: &[CoverColumns]) -> QueryResult<HashMap<i32, FeedImage>> {
    let ids: Vec<i32> = articles.iter().filter_map(|(_, _, id)| *id).collect();
    let library: HashMap<i32, (String, String, i64)> = if ids.is_empty() {
        HashMap::new()
    } else {
        media::table
            .filter(media::id.eq_any(&ids))
            .select((media::id, media::file_key, media::content_type, media::bytes))
            .load::<(i32, String, String, i64)>(conn)?
            .into_iter()
            .map(|(id, key, content_type, bytes)| (id, (key, content_type, bytes)))
            .collect()
    };
    Ok(articles
        .iter()
        .filter_map(|(article, hosted, id)| {
            let image = match (id.and_then(|id| library.get(&id)), hosted) {
                (Some((key, content_type, bytes)), _) => {
                    FeedImage { url: urls.of(key), content_type: content_type.clone(), bytes: Some(*bytes) }
                }
                (None, Some(url)) => {
                    FeedImage { url: url.clone(), content_type: guessed_type(url).to_owned(), bytes: None }
                }
                (None, None) => return None,
            };
            Some((*article, image))
        })
        .collect())
}

/// The image type a URL's ending names; JPEG, the commonest, otherwise.
fn guessed_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url).to_ascii_lowercase();
    match path.rsplit_once('.').map(|(_, ending)| ending) {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("avif") => "image/avif",
        _ => "image/jpeg",
    }
}

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

/// One sitemap file's public article: where it is and its cover.
#[derive(Debug, Queryable)]
pub struct SitemapArticle {
    pub id: i32,
    pub slug: String,
    pub updated_at: NaiveDateTime,
    pub cover_image_url: Option<String>,
    pub cover_image_id: Option<i32>,
}

/// One sitemap file's public articles, in id order.
#[tracing::instrument(level = "debug", skip_all)]
pub fn public_slugs(conn: &mut Conn, now: NaiveDateTime, offset: i64, limit: i64) -> QueryResult<Vec<SitemapArticle>> {
    articles::table
        .filter(publicly_visible(now))
        .order(articles::id)
        .offset(offset)
        .limit(limit)
        .select((
            articles::id,
            articles::slug,
            articles::updated_at,
            articles::cover_image_url,
            articles::cover_image_id,
        ))
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
    with_tally()
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
