//! The rules of writing a page, in one place for the API, the demo seeder
//! and the WordPress importer: its Markdown is rendered and sanitized as an
//! article's is, it keeps the date it was first made, and every write changes
//! the pages' sitemap.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::db::{self, PageRow};
use super::view::PageResponse;
use crate::articles::markdown::{self, TooDeep};
use crate::effects::{Change, Effects};
use crate::media::{self, MediaUrls};
use crate::store::Conn;
use crate::time;
use crate::webhooks::events::{Event, EventKind};

/// A page to store: valid fields, and its Markdown rendered.
#[derive(Debug, Clone)]
pub struct Page {
    pub slug: String,
    pub title: String,
    body: String,
    body_html: String,
}

impl Page {
    /// Renders `markdown`: CPU work that a request does off the async workers
    /// ([`crate::cpu::run`]).
    pub fn new(slug: String, title: String, markdown: String) -> Result<Self, TooDeep> {
        Ok(Self { body_html: markdown::render(&markdown)?, body: markdown, slug, title })
    }
}

/// Creates or replaces the page `page.slug`; returns it as stored and
/// whether it was created. A new page is dated `first_made` (the WordPress
/// date of an imported one) or now; a replaced one keeps its date. Images
/// of the media library in it are described in full, as they are now.
#[tracing::instrument(level = "debug", skip_all)]
pub fn put(
    conn: &mut Conn,
    effects: &mut Effects,
    media: &MediaUrls,
    page: Page,
    first_made: Option<NaiveDateTime>,
) -> QueryResult<(PageRow, bool)> {
    let existing = db::find(conn, &page.slug)?;
    let now = time::now();
    let row = PageRow {
        created_at: existing.as_ref().map_or(first_made.unwrap_or(now), |page| page.created_at),
        slug: page.slug,
        title: page.title,
        body: page.body,
        body_html: media::html::with_image_sizes(conn, media, &page.body_html)?,
        updated_at: now,
    };
    db::put(conn, &row)?;
    effects.changed(Change::Pages);
    let kind = if existing.is_none() { EventKind::PagePublished } else { EventKind::PageUpdated };
    effects.event(Event::of(kind, &PageResponse::from(row.clone())));
    Ok((row, existing.is_none()))
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn delete(conn: &mut Conn, effects: &mut Effects, slug: &str) -> QueryResult<()> {
    db::delete(conn, slug)?;
    effects.changed(Change::Pages);
    effects.event(Event::of(EventKind::PageDeleted, &serde_json::json!({"slug": slug})));
    Ok(())
}
