//! The rules of writing an article, in one place for the API, the seeders
//! and importers: what follows from the Markdown, how a slug is chosen and
//! renamed, when a publication is dated, and when the excerpt follows the body.

use crate::store::Conn;
use chrono::NaiveDateTime;

use super::db::{self, ArticleBody, ArticleChanges, ArticleRow, ArticleStatus, NewArticle};
use super::fields::Cover;
use super::markdown::TooDeep;
use super::{markdown, slug, view};
use crate::categories::Tree;
use crate::cpu;
use crate::effects::{Change, Effects};
use crate::error::ApiError;
use crate::mail;
use crate::media::{self, MediaUrls};
use crate::revisions::{self, db::Snapshot};
use crate::time;
use crate::users;
use crate::webhooks::events::{Event, EventKind};

/// A Markdown body and all that is derived from it.
#[derive(Debug, Clone)]
pub struct Text {
    pub body: ArticleBody,
    /// The first paragraph as plain text, cut on a word boundary.
    pub excerpt: String,
    pub reading_time_minutes: i32,
}

impl Text {
    /// Renders and sanitizes `markdown`: the costly part of a write, so it
    /// happens before the write transaction.
    pub fn new(markdown: String) -> Result<Self, TooDeep> {
        Ok(Self {
            excerpt: markdown::excerpt(&markdown),
            reading_time_minutes: markdown::reading_time_minutes(&markdown),
            body: ArticleBody { body_html: markdown::render(&markdown)?, body: markdown },
        })
    }

    /// [`Text::new`] for a request: off the async workers ([`cpu::run`]),
    /// refused as a 422 on `body` when it nests too deeply.
    pub async fn render(markdown: String) -> Result<Self, ApiError> {
        Ok(cpu::run(move || Self::new(markdown)).await??)
    }
}

/// A new article, its fields already valid.
#[derive(Debug, Clone)]
pub struct Draft {
    pub title: String,
    pub text: Text,
    /// Given by the writer; the first paragraph of the body when `None`.
    pub excerpt: Option<String>,
    /// Given by the writer (409 when taken); made from the title when `None`.
    pub slug: Option<String>,
    /// A category slug.
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub status: ArticleStatus,
    /// Defaults to now for a published article.
    pub published_at: Option<NaiveDateTime>,
    pub cover: Option<Cover>,
    pub author_id: Option<i32>,
    /// When the text was written, for content that moves in with its own
    /// history (an import, the demo): its feeds' and sitemaps' times are
    /// then its own, not the moment of the load. `None` (the API): now.
    pub written_at: Option<NaiveDateTime>,
}

/// Changes to an article, their fields already valid: `None` keeps a field,
/// `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub title: Option<String>,
    pub text: Option<Text>,
    /// `Some(None)` goes back to the first paragraph of the body.
    pub excerpt: Option<Option<String>>,
    pub slug: Option<String>,
    /// A category slug.
    pub category: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub status: Option<ArticleStatus>,
    pub published_at: Option<Option<NaiveDateTime>>,
    pub cover: Option<Option<Cover>>,
}

/// Who makes a change, and how many revisions an article keeps.
#[derive(Debug, Clone, Copy)]
pub struct History {
    /// The account making the change; `None` for an import.
    pub editor: Option<i32>,
    pub kept: u32,
}

fn slug_taken() -> ApiError {
    ApiError::conflict("slug_taken", "Another article has, or had, this slug.")
}

fn category_id(tree: &Tree, slug: &str) -> Result<i32, ApiError> {
    tree.by_slug(slug)
        .map(|category| category.id)
        .ok_or_else(|| ApiError::invalid_field("category", "no category has this slug"))
}

/// A cover from the library must be in it.
fn ensure_cover_exists(conn: &mut Conn, cover: Option<&Cover>) -> Result<(), ApiError> {
    if let Some(Cover::Library(id)) = cover
        && media::db::find(conn, *id)?.is_none()
    {
        return Err(ApiError::invalid_field("cover_image_id", "no image of the media library has this id"));
    }
    Ok(())
}

/// The body as stored: images of the media library described in full
/// (`width`, `height`, `srcset`), as they are at the time of writing.
fn stored_body(conn: &mut Conn, media: &MediaUrls, text: &Text) -> Result<ArticleBody, ApiError> {
    Ok(ArticleBody {
        body: text.body.body.clone(),
        body_html: media::html::with_image_sizes(conn, media, &text.body.body_html)?,
    })
}

/// A scheduled article needs a date ahead of now.
fn ensure_scheduled_ahead(status: ArticleStatus, published_at: Option<NaiveDateTime>) -> Result<(), ApiError> {
    if status == ArticleStatus::Scheduled && published_at.is_none_or(|at| at <= time::now()) {
        return Err(ApiError::invalid_field("published_at", "a scheduled article needs a time in the future"));
    }
    Ok(())
}

/// Creates an article; returns its id. `tree` must be read in this
/// transaction, so that a category made a moment ago elsewhere counts.
#[tracing::instrument(level = "debug", skip_all)]
pub fn create(
    conn: &mut Conn,
    effects: &mut Effects,
    tree: &Tree,
    media: &MediaUrls,
    draft: Draft,
) -> Result<i32, ApiError> {
    ensure_scheduled_ahead(draft.status, draft.published_at)?;
    ensure_cover_exists(conn, draft.cover.as_ref())?;
    let (cover_image_url, cover_image_id) = Cover::columns(draft.cover.as_ref());
    let status = draft.status.stored();
    let category_id = draft.category.as_deref().map(|slug| category_id(tree, slug)).transpose()?;
    let slug = match &draft.slug {
        Some(explicit) if !db::slug_available_for(conn, explicit, None)? => return Err(slug_taken()),
        Some(explicit) => explicit.clone(),
        // Replaced right after the insert, once the id is known.
        None => format!("new-{}", uuid::Uuid::new_v4()),
    };
    let published_at = draft.published_at.or_else(|| (status == ArticleStatus::Published).then(time::now));
    let now = time::now();
    let public = status == ArticleStatus::Published && published_at.is_some_and(|at| at <= now);
    let written_at = draft.written_at.filter(|at| *at < now).unwrap_or(now);
    let body = stored_body(conn, media, &draft.text)?;
    let new = NewArticle {
        slug: &slug,
        title: &draft.title,
        excerpt: draft.excerpt.as_deref().unwrap_or(&draft.text.excerpt),
        status,
        published_at,
        category_id,
        author_id: draft.author_id,
        cover_image_url: cover_image_url.as_deref(),
        cover_image_id,
        reading_time_minutes: draft.text.reading_time_minutes,
        created_at: written_at,
        updated_at: written_at,
        submitted_at: (status == ArticleStatus::Pending).then_some(now),
        // A scheduled article is announced by the timer when its time comes.
        announced_at: public.then_some(now),
    };
    let id = db::insert(conn, &new, &body)?;
    if draft.slug.is_none() {
        let slug = db::unique_slug(conn, &slug::for_title(&draft.title, id))?;
        db::name_new(conn, id, &slug)?;
    }
    if !draft.tags.is_empty() {
        db::set_tags(conn, id, &draft.tags)?;
    }
    if status == ArticleStatus::Pending {
        ask_for_review(conn, effects, id, &draft.title, draft.author_id)?;
    }
    if public {
        announce(conn, effects, tree, media, EventKind::ArticlePublished, id)?;
    }
    effects.changed(Change::Article(id));
    Ok(id)
}

/// Tells the webhooks of `kind` about the article `id` as the public reads it.
fn announce(
    conn: &mut Conn,
    effects: &mut Effects,
    tree: &Tree,
    media: &MediaUrls,
    kind: EventKind,
    id: i32,
) -> Result<(), ApiError> {
    let row = db::reload(conn, id)?;
    let article = view::full(conn, row, None, tree, media)?;
    effects.event(Event::of(kind, &article));
    Ok(())
}

/// Announces scheduled articles whose time has come, at most `limit`, each
/// once: run by one instance's timer at a time, in a write transaction.
pub fn announce_due(conn: &mut Conn, effects: &mut Effects, media: &MediaUrls, limit: i64) -> Result<usize, ApiError> {
    let now = time::now();
    let due = db::due_unannounced(conn, now, limit)?;
    if due.is_empty() {
        return Ok(0);
    }
    let tree = Tree::load(conn)?;
    let mut announced = 0;
    for id in due {
        if db::claim_announcement(conn, id, now)? {
            announce(conn, effects, &tree, media, EventKind::ArticlePublished, id)?;
            effects.changed(Change::Article(id));
            announced += 1;
        }
    }
    Ok(announced)
}

/// Mails every editor (and admin) that an article waits in the review queue.
fn ask_for_review(
    conn: &mut Conn,
    effects: &mut Effects,
    id: i32,
    title: &str,
    author_id: Option<i32>,
) -> Result<(), ApiError> {
    let author = author_id.map(|author| users::db::find(conn, author)).transpose()?;
    let author = author.map_or_else(|| "someone".to_owned(), |author| author.display_name);
    for reviewer in users::db::reviewers(conn)? {
        let (title, author) = (title.to_owned(), author.clone());
        effects.mail_to(&reviewer, move |to| mail::review_requested(to, id, &title, &author));
    }
    Ok(())
}

/// What readers read of the article `row`, as its revisions keep it.
fn snapshot(conn: &mut Conn, row: &ArticleRow) -> Result<Snapshot, ApiError> {
    let tags = db::tags_of(conn, &[row.id])?.remove(&row.id).unwrap_or_default();
    Ok(Snapshot {
        title: row.title.clone(),
        excerpt: row.excerpt.clone(),
        body: db::body(conn, row.id)?.body,
        slug: row.slug.clone(),
        category_id: row.category_id,
        tags: tags.into_iter().map(|tag| tag.name).collect(),
        cover_image_url: row.cover_image_url.clone(),
        cover_image_id: row.cover_image_id,
    })
}

/// Applies `edit` to the article `row`, read in this transaction with `tree`.
/// A new slug keeps the old one resolving; an excerpt made from the body
/// follows the body, while one the writer gave stays; publishing an article
/// with no date dates it now; going to the review queue dates the
/// submission and tells the editors. When what readers read changes (title,
/// excerpt, body, slug, category, tags, cover), the state before is kept as
/// a revision by `history.editor`.
#[tracing::instrument(level = "debug", skip_all, fields(article = row.id))]
pub fn apply_update(
    conn: &mut Conn,
    effects: &mut Effects,
    tree: &Tree,
    media: &MediaUrls,
    row: &ArticleRow,
    edit: Edit,
    history: History,
) -> Result<(), ApiError> {
    let before = snapshot(conn, row)?;
    let status = edit.status.map(ArticleStatus::stored);
    let mut changes = ArticleChanges { title: edit.title, status, ..Default::default() };
    if let Some(cover) = edit.cover {
        ensure_cover_exists(conn, cover.as_ref())?;
        let (url, id) = Cover::columns(cover.as_ref());
        (changes.cover_image_url, changes.cover_image_id) = (Some(url), Some(id));
    }
    if let Some(new_slug) = edit.slug.filter(|new_slug| *new_slug != row.slug) {
        if !db::slug_available_for(conn, &new_slug, Some(row.id))? {
            return Err(slug_taken());
        }
        db::rename(conn, row.id, &row.slug)?;
        changes.slug = Some(new_slug);
    }
    changes.excerpt = match (edit.excerpt, &edit.text) {
        (Some(Some(given)), _) => Some(given),
        (Some(None), Some(text)) => Some(text.excerpt.clone()),
        (Some(None), None) => Some(markdown::excerpt(&db::body(conn, row.id)?.body)),
        (None, Some(text)) if row.excerpt == markdown::excerpt(&db::body(conn, row.id)?.body) => {
            Some(text.excerpt.clone())
        }
        (None, _) => None,
    };
    changes.reading_time_minutes = edit.text.as_ref().map(|text| text.reading_time_minutes);
    changes.category_id =
        edit.category.map(|slug| slug.map(|slug| category_id(tree, &slug)).transpose()).transpose()?;
    changes.published_at = edit.published_at;
    if let Some(requested) = edit.status {
        ensure_scheduled_ahead(requested, changes.published_at.unwrap_or(row.published_at))?;
    }
    let publishing = changes.status.unwrap_or(row.status) == ArticleStatus::Published;
    let has_date = changes.published_at.unwrap_or(row.published_at).is_some();
    if publishing && !has_date {
        changes.published_at = Some(Some(time::now()));
    }
    let submitting = changes.status == Some(ArticleStatus::Pending) && row.status != ArticleStatus::Pending;
    if submitting {
        changes.submitted_at = Some(time::now());
    }
    let now = time::now();
    let was_public = row.is_public(now);
    let is_public = changes.status.unwrap_or(row.status) == ArticleStatus::Published
        && changes.published_at.unwrap_or(row.published_at).is_some_and(|at| at <= now);
    changes.announced_at = match (was_public, is_public) {
        (false, true) => Some(Some(now)),
        // Withdrawn or rescheduled: announced again when it goes public again.
        (_, false) if row.announced_at.is_some() => Some(None),
        _ => None,
    };
    let body = edit.text.as_ref().map(|text| stored_body(conn, media, text)).transpose()?;
    db::update(conn, row.id, &changes, body.as_ref())?;
    if let Some(tags) = &edit.tags {
        db::set_tags(conn, row.id, tags)?;
    }
    let updated = db::reload(conn, row.id)?;
    let after = snapshot(conn, &updated)?;
    let changed = before.changed_in(&after);
    if !changed.is_empty() {
        revisions::db::record(conn, row.id, history.editor, &changed, &before, history.kept)?;
    }
    if submitting {
        ask_for_review(conn, effects, row.id, &after.title, row.author_id)?;
    }
    match (was_public, is_public) {
        (false, true) => announce(conn, effects, tree, media, EventKind::ArticlePublished, row.id)?,
        (true, true) => announce(conn, effects, tree, media, EventKind::ArticleUpdated, row.id)?,
        (true, false) => announce(conn, effects, tree, media, EventKind::ArticleUnpublished, row.id)?,
        (false, false) => {}
    }
    effects.changed(Change::Article(row.id));
    Ok(())
}

/// Deletes an article for everyone: out of lists, search and feeds; its row
/// stays, so that its id and slugs are never given again.
#[tracing::instrument(level = "debug", skip_all, fields(article = id))]
pub fn delete(conn: &mut Conn, effects: &mut Effects, id: i32) -> Result<(), ApiError> {
    let row = db::reload(conn, id)?;
    db::soft_delete(conn, id)?;
    revisions::db::delete_all(conn, id)?;
    if row.is_public(time::now()) {
        effects.event(Event::of(EventKind::ArticleDeleted, &serde_json::json!({"id": id, "slug": row.slug})));
    }
    effects.changed(Change::Article(id));
    Ok(())
}
