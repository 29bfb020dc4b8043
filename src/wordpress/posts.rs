//! Posts become articles; what WordPress hides now is withdrawn.

use chrono::NaiveDateTime;

use super::db;
use super::import::{ImportError, Importer, WITHDRAWN, fingerprint, item_error};
use super::report::{Moved, MovedTo, Outcome};
use super::taxonomy::post_tags;
use super::text::{clipped, decoded_slug, markdown_body, one_line, plain_text, too_deep};
use super::wxr::Item;
use crate::articles::db::{self as articles_db, ArticleStatus};
use crate::articles::fields;
use crate::articles::write::{self, Draft, Edit, Text};
use crate::time;

impl Importer<'_> {
    pub(super) fn post(&mut self, item: Item) -> Result<(), ImportError> {
        let status = match item.status.as_str() {
            "publish" | "future" => ArticleStatus::Published,
            // A post waiting for review in WordPress waits in newsroom's queue.
            "pending" => ArticleStatus::Pending,
            "draft" | "private" => ArticleStatus::Draft,
            skipped @ ("trash" | "auto-draft" | "inherit") => {
                let reason = match skipped {
                    "trash" => "posts in the trash",
                    "auto-draft" => "auto-drafts",
                    _ => "revisions",
                };
                self.report.skip(reason, 1);
                if skipped == "trash" {
                    self.withdraw_post(&item)?;
                }
                return Ok(());
            }
            other => return Err(item_error(&item, format!("unknown status {other:?}"))),
        };
        // newsroom has no per-article passwords: published, the post would be
        // shown to everyone its author meant to keep it from.
        let protected = item.password_protected && status == ArticleStatus::Published;
        let status = if protected {
            self.report.skip_in("passwords of password-protected posts (imported as drafts)", 1, &item);
            ArticleStatus::Draft
        } else {
            status
        };
        let date = post_date(&item)?;
        let published_at = (status == ArticleStatus::Published).then_some(date);
        if item.is_sticky {
            self.report.skip_in("sticky flags (newsroom has no sticky articles)", 1, &item);
        }
        self.import_undeclared_categories(&item)?;
        let categories: Vec<i32> = item
            .terms
            .iter()
            .filter(|term| term.domain == "category")
            .filter_map(|term| self.categories.get(&term.nicename).copied())
            .collect();
        let deepest =
            categories.iter().copied().max_by_key(|id| (!self.catch_all.contains(id), self.tree.path(*id).len()));
        let (tags, left_out) = post_tags(item.terms.iter().filter_map(|term| {
            let tag = term.domain == "post_tag"
                || (term.domain == "category" && self.categories.get(&term.nicename).copied() != deepest);
            tag.then_some(term.name.as_str())
        }));
        let beyond = format!("tags beyond the {} a post may have", fields::MAX_TAGS);
        self.report.skip_in(beyond, left_out.beyond_limit, &item);
        self.report.skip_in("tags without a letter or digit", left_out.unusable, &item);
        let title = one_line(&item.title, 200).unwrap_or_else(|| "(untitled)".to_owned());
        let markdown = markdown_body(&item).map(|markdown| self.linked_to_library(markdown));
        let text = markdown.and_then(|markdown| Text::new(markdown).map_err(|_| too_deep()));
        let text = match text {
            Ok(text) => text,
            Err(reason) => {
                self.report.skip_in(format!("posts whose body {reason}"), 1, &item);
                return Ok(());
            }
        };
        let excerpt = clipped(&plain_text(&item.excerpt), 300);
        let author_id = self.authors.get(&item.creator).or_else(|| self.authors.get("")).copied();
        let thumbnail = item.meta.get("_thumbnail_id").cloned();
        // What the library adds: an import after the images came in updates
        // the posts that show them.
        let linked = text.body.body.contains(self.media.base());
        let cover_media = thumbnail.as_deref().and_then(|id| self.library.media_of(id));
        let from_library = match (linked, cover_media) {
            (false, None) => None,
            (linked, cover) => Some(format!("{}{cover:?}", if linked { text.body.body.as_str() } else { "" })),
        };
        let (date_text, terms) = (date.to_string(), format!("{:?}", item.terms));
        let mut parts: Vec<&str> = vec![
            &title,
            &item.content,
            &item.excerpt,
            if protected { "password-protected" } else { &item.status },
            &date_text,
            &item.post_name,
            &terms,
            thumbnail.as_deref().unwrap_or(""),
            &item.creator,
        ];
        // Only then: what earlier imports remembered stays the same.
        parts.extend(from_library.as_deref());
        let print = fingerprint(&parts);
        let category = deepest.and_then(|id| self.tree.get(id)).map(|c| c.slug.clone());
        let existing = db::find(self.conn, "post", &item.post_id)?;
        let (id, outcome) = match existing.and_then(|(id, old)| Some((id.parse::<i32>().ok()?, old))) {
            Some((id, old)) if old == print => (id, Outcome::Unchanged),
            Some((id, _)) => {
                let row = articles_db::reload(self.conn, id)?;
                let wanted = decoded_slug(&item.post_name);
                let slug = match wanted {
                    Some(wanted) if wanted != row.slug => Some(self.free_slug(&wanted, Some(id))?),
                    _ => None,
                };
                let edit = Edit {
                    title: Some(title),
                    text: Some(text),
                    excerpt: Some(excerpt),
                    slug,
                    category: Some(category),
                    tags: Some(tags),
                    status: Some(status),
                    published_at: Some(published_at),
                    cover: None,
                };
                write::apply_update(self.conn, &mut self.effects, &self.tree, &self.media, &row, edit, self.history)?;
                (id, Outcome::Updated)
            }
            None => {
                let slug = match decoded_slug(&item.post_name) {
                    Some(wanted) => Some(self.free_slug(&wanted, None)?),
                    None => None,
                };
                let written_at = Some(date);
                let draft = Draft {
                    title,
                    text,
                    excerpt,
                    slug,
                    category,
                    tags,
                    status,
                    published_at,
                    cover: None,
                    author_id,
                    written_at,
                };
                (write::create(self.conn, &mut self.effects, &self.tree, &self.media, draft)?, Outcome::Imported)
            }
        };
        if outcome != Outcome::Unchanged
            && let Some(thumbnail) = thumbnail
        {
            self.covers.push((id, thumbnail));
        }
        db::remember(self.conn, "post", &item.post_id, &id.to_string(), &print)?;
        self.report.count("posts", outcome);
        if outcome != Outcome::Unchanged {
            let scheduled = published_at.is_some_and(|at| at > time::now());
            let label = match status {
                ArticleStatus::Published | ArticleStatus::Scheduled if scheduled => "scheduled",
                ArticleStatus::Published | ArticleStatus::Scheduled => "published",
                ArticleStatus::Pending => "pending",
                ArticleStatus::Archived => "archived",
                ArticleStatus::Draft => "draft",
            };
            let outcome = if outcome == Outcome::Imported { "imported" } else { "updated" };
            *self.report.post_statuses.entry(outcome).or_default().entry(label).or_default() += 1;
        }
        if status == ArticleStatus::Published && !item.link.is_empty() {
            self.report.moved.push(Moved { from: item.link.clone(), to: MovedTo::Article(id) });
        }
        Ok(())
    }

    /// A post imported earlier and trashed in WordPress since goes back to
    /// being a draft: hidden from readers, its votes and links kept.
    fn withdraw_post(&mut self, item: &Item) -> Result<(), ImportError> {
        let Some((target, print)) = db::find(self.conn, "post", &item.post_id)? else {
            return Ok(());
        };
        let Ok(id) = target.parse::<i32>() else {
            return Ok(());
        };
        if print == WITHDRAWN {
            return Ok(());
        }
        let row = articles_db::reload(self.conn, id)?;
        if row.status != ArticleStatus::Draft {
            let edit = Edit { status: Some(ArticleStatus::Draft), ..Edit::default() };
            write::apply_update(self.conn, &mut self.effects, &self.tree, &self.media, &row, edit, self.history)?;
        }
        db::remember(self.conn, "post", &item.post_id, &target, WITHDRAWN)?;
        self.report.count("posts", Outcome::Withdrawn);
        Ok(())
    }

    /// `wanted`, or the first `wanted-2`, `wanted-3`… no other article has or had.
    fn free_slug(&mut self, wanted: &str, article: Option<i32>) -> Result<String, ImportError> {
        if articles_db::slug_available_for(self.conn, wanted, article)? {
            return Ok(wanted.to_owned());
        }
        Ok(articles_db::unique_slug(self.conn, wanted)?)
    }
}

/// A post's publication time: `post_date_gmt`, or `post_date` when the GMT
/// date is WordPress's zero date (drafts have it), read as UTC.
pub(super) fn post_date(item: &Item) -> Result<NaiveDateTime, ImportError> {
    let zero = |date: &str| date.is_empty() || date.starts_with("0000-00-00");
    let raw = if zero(&item.post_date_gmt) { &item.post_date } else { &item.post_date_gmt };
    if zero(raw) {
        return Ok(time::now());
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .map_err(|_| item_error(item, format!("invalid date {raw:?}")))
}
