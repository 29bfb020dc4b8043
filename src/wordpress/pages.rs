//! Published pages become pages; newsroom's own pages are never replaced.

use super::db;
use super::import::{ImportError, Importer, WITHDRAWN, fingerprint, item_error};
use super::posts::post_date;
use super::report::{Moved, MovedTo, Outcome};
use super::text::{decoded_slug, markdown_body, one_line, too_deep};
use super::wxr::Item;
use crate::articles::slug;
use crate::pages::{self, write::Page};

impl Importer<'_> {
    /// `wanted`, or the first `wanted-2`, `wanted-3`… that is free for the
    /// page `post_id`: no page has it, or this page was imported to it.
    /// WordPress keeps page slugs unique only among pages with the same
    /// parent, newsroom's are unique; and a page newsroom had before (its
    /// privacy policy) is never replaced.
    fn free_page_slug(&mut self, wanted: &str, post_id: &str) -> Result<String, ImportError> {
        let mut candidate = wanted.to_owned();
        let mut suffix = 1;
        loop {
            let free = match db::importer_of(self.conn, "page", &candidate)? {
                Some(owner) => owner == post_id,
                None => {
                    let taken = pages::db::find(self.conn, &candidate)?.is_some();
                    if taken {
                        self.report.leave_alone(
                            "pages newsroom had already whose slug a WordPress page has (that page gets -2)",
                        );
                    }
                    !taken
                }
            };
            if free {
                return Ok(candidate);
            }
            suffix += 1;
            candidate = slug::with_suffix(wanted, suffix);
        }
    }

    pub(super) fn page(&mut self, item: Item) -> Result<(), ImportError> {
        let hidden = if item.status != "publish" {
            Some(format!("pages with status {}", item.status))
        } else if item.password_protected {
            Some("pages protected by a password (newsroom's pages are public)".to_owned())
        } else {
            None
        };
        if let Some(reason) = hidden {
            self.report.skip(reason, 1);
            // Imported while it was public: WordPress hides it now, so must we.
            if let Some((slug, print)) = db::find(self.conn, "page", &item.post_id)?
                && print != WITHDRAWN
            {
                pages::write::delete(self.conn, &mut self.effects, &slug)?;
                db::remember(self.conn, "page", &item.post_id, &slug, WITHDRAWN)?;
                self.report.count("pages", Outcome::Withdrawn);
            }
            return Ok(());
        }
        let Some(slug) =
            decoded_slug(&item.post_name).or_else(|| Some(slug::slugify(&item.title)).filter(|s| !s.is_empty()))
        else {
            return Err(item_error(&item, "a page without a usable slug"));
        };
        let slug = self.free_page_slug(&slug, &item.post_id)?;
        let title = one_line(&item.title, 200).unwrap_or_else(|| slug.clone());
        let markdown = markdown_body(&item).map(|markdown| self.linked_to_library(markdown));
        let mut parts = vec![title.as_str(), item.content.as_str(), slug.as_str()];
        // Only when it shows images of the library: what earlier imports
        // remembered stays the same.
        if let Ok(linked) = markdown.as_deref()
            && linked.contains(self.media.base())
        {
            parts.push(linked);
        }
        let print = fingerprint(&parts);
        let remembered = db::find(self.conn, "page", &item.post_id)?;
        let outcome = match &remembered {
            Some((_, old)) if *old == print => Outcome::Unchanged,
            Some(_) => Outcome::Updated,
            None => Outcome::Imported,
        };
        if outcome != Outcome::Unchanged {
            let page = markdown.and_then(|markdown| Page::new(slug.clone(), title, markdown).map_err(|_| too_deep()));
            let page = match page {
                Ok(page) => page,
                Err(reason) => {
                    self.report.skip(format!("pages whose body {reason}"), 1);
                    return Ok(());
                }
            };
            // Pages have no former slugs: a renamed page moves.
            if let Some((old_slug, _)) = remembered.filter(|(old_slug, _)| *old_slug != slug) {
                pages::write::delete(self.conn, &mut self.effects, &old_slug)?;
            }
            pages::write::put(self.conn, &mut self.effects, &self.media, page, Some(post_date(&item)?))?;
        }
        db::remember(self.conn, "page", &item.post_id, &slug, &print)?;
        self.report.count("pages", outcome);
        if !item.link.is_empty() {
            self.report.moved.push(Moved { from: item.link.clone(), to: MovedTo::Page(slug) });
        }
        Ok(())
    }
}
