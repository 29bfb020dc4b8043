//! Categories (with their hierarchy) and tags.

use std::collections::HashSet;

use super::db;
use super::import::{ImportError, Importer, fingerprint};
use super::report::Outcome;
use super::text::{clipped, decoded_slug, lines, one_line};
use super::wxr::{self, Item};
use crate::articles::{fields, slug};
use crate::categories::db::CategoryChanges;
use crate::categories::{self, Tree};

/// The fingerprint of a WordPress category that newsroom had before (same
/// slug): posts are filed under it, but no import renames or moves it.
const ADOPTED: &str = "adopted";

const ADOPTED_CATEGORIES: &str =
    "categories newsroom had already (same slug): posts filed under them, the categories unchanged";

impl Importer<'_> {
    pub(super) fn import_categories(&mut self, mut pending: Vec<wxr::Category>) -> Result<(), ImportError> {
        let known: Vec<String> = pending.iter().map(|category| category.nicename.clone()).collect();
        // Parents first: each pass places those whose parent is placed.
        while !pending.is_empty() {
            let (ready, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|category| {
                category.parent.is_empty()
                    || self.categories.contains_key(&category.parent)
                    || !known.contains(&category.parent)
            });
            if ready.is_empty() {
                return Err(ImportError::Refused(format!(
                    "the categories {:?} are each other's parents",
                    waiting.iter().map(|c| c.nicename.as_str()).collect::<Vec<_>>()
                )));
            }
            for category in ready {
                self.import_category(&category)?;
            }
            pending = waiting;
        }
        Ok(())
    }

    fn import_category(&mut self, category: &wxr::Category) -> Result<(), ImportError> {
        let parent_id = self.categories.get(&category.parent).copied();
        let name = one_line(&category.name, 100).unwrap_or_else(|| category.nicename.clone());
        let description = clipped(&lines(&category.description), 1000);
        let slug = decoded_slug(&category.nicename).unwrap_or_else(|| slug::slugify(&name));
        let print = fingerprint(&[&name, description.as_deref().unwrap_or(""), &category.parent]);
        let existing = db::find(self.conn, "category", &category.nicename)?
            .and_then(|(id, old_print)| Some((id.parse::<i32>().ok()?, old_print)));
        let (id, outcome) = match existing {
            Some((id, old_print)) if old_print == ADOPTED => {
                self.report.leave_alone(ADOPTED_CATEGORIES);
                self.remember_category(category, id);
                return Ok(());
            }
            Some((id, old_print)) if old_print == print => (id, Outcome::Unchanged),
            Some((id, _)) => {
                // Never below itself: newsroom's editors may have moved the
                // new parent below this category since the last import.
                let parent_id = match parent_id {
                    Some(parent) if self.tree.with_descendants(id).contains(&parent) => {
                        self.report.leave_alone("category moves that would have put a category below itself");
                        self.tree.get(id).and_then(|row| row.parent_id)
                    }
                    parent => parent,
                };
                let changes = CategoryChanges {
                    name: Some(name),
                    description: Some(description),
                    parent_id: Some(parent_id),
                    ..CategoryChanges::default()
                };
                categories::write::update(self.conn, &mut self.effects, id, &changes)?;
                (id, Outcome::Updated)
            }
            None => match self.tree.by_slug(&slug) {
                // A newsroom category of the same slug is that category, as
                // newsroom's editors keep it.
                Some(same) => {
                    db::remember(self.conn, "category", &category.nicename, &same.id.to_string(), ADOPTED)?;
                    self.report.leave_alone(ADOPTED_CATEGORIES);
                    self.remember_category(category, same.id);
                    return Ok(());
                }
                None => {
                    let draft = categories::write::Draft {
                        slug: &slug,
                        name: &name,
                        description: description.as_deref(),
                        parent_id,
                    };
                    (categories::write::create(self.conn, &mut self.effects, draft)?, Outcome::Imported)
                }
            },
        };
        db::remember(self.conn, "category", &category.nicename, &id.to_string(), &print)?;
        self.remember_category(category, id);
        self.report.count("categories", outcome);
        Ok(())
    }

    /// Files the posts of the WordPress `category` under the newsroom
    /// category `id`.
    fn remember_category(&mut self, category: &wxr::Category, id: i32) {
        // Term 1 is the category WordPress installs as the default.
        if category.term_id == "1" || category.nicename == "uncategorized" {
            self.catch_all.insert(id);
        }
        self.categories.insert(category.nicename.clone(), id);
    }

    /// Categories a post is filed under that the export does not list (a
    /// partial export lists none), made top-level ones as WordPress's own
    /// importer does, rather than lost.
    pub(super) fn import_undeclared_categories(&mut self, item: &Item) -> Result<(), ImportError> {
        let undeclared: Vec<wxr::Category> = item
            .terms
            .iter()
            .filter(|term| term.domain == "category" && !self.categories.contains_key(&term.nicename))
            .map(|term| wxr::Category {
                nicename: term.nicename.clone(),
                name: term.name.clone(),
                ..Default::default()
            })
            .collect();
        if undeclared.is_empty() {
            return Ok(());
        }
        for category in &undeclared {
            // Declared in an earlier export (WordPress.com splits a large site
            // into several files): taken as it is, its parent and description
            // kept, rather than "updated" to the little a post says of it.
            let earlier = db::find(self.conn, "category", &category.nicename)?;
            match earlier.and_then(|(id, _)| id.parse::<i32>().ok()) {
                Some(id) => {
                    if category.nicename == "uncategorized" {
                        self.catch_all.insert(id);
                    }
                    self.categories.insert(category.nicename.clone(), id);
                    self.report.count("categories", Outcome::Unchanged);
                }
                None => self.import_category(category)?,
            }
        }
        self.tree = Tree::load(self.conn)?;
        Ok(())
    }
}

/// Tags [`post_tags`] left out of a post.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct LeftOut {
    pub(super) beyond_limit: usize,
    pub(super) unusable: usize,
}

/// A post's tags within what the API accepts, so that a client can send back
/// what it reads: one line of at most 50 characters with a letter or digit,
/// one per slug, the first 20.
pub(super) fn post_tags<'a>(names: impl IntoIterator<Item = &'a str>) -> (Vec<String>, LeftOut) {
    let mut seen = HashSet::new();
    let mut tags = Vec::new();
    let mut left_out = LeftOut::default();
    for raw in names {
        let Some((name, tag_slug)) = one_line(raw, fields::MAX_TAG_CHARS)
            .map(|name| {
                let tag_slug = slug::slugify(&name);
                (name, tag_slug)
            })
            .filter(|(_, tag_slug)| !tag_slug.is_empty())
        else {
            left_out.unusable += 1;
            continue;
        };
        if !seen.insert(tag_slug) {
            continue;
        }
        if tags.len() < fields::MAX_TAGS {
            tags.push(name);
        } else {
            left_out.beyond_limit += 1;
        }
    }
    (tags, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_fitted_to_what_the_api_accepts() {
        let many: Vec<String> = (1..=25).map(|n| format!("Tag {n}")).collect();
        let names =
            ["Politics", "politics", "!!!", " \t ", "A\u{85}B"].into_iter().chain(many.iter().map(String::as_str));

        let (tags, left_out) = post_tags(names);

        assert_eq!(tags.len(), 20);
        assert_eq!(tags.get(..3), Some(&["Politics".to_owned(), "A B".to_owned(), "Tag 1".to_owned()][..]));
        assert_eq!(left_out, LeftOut { beyond_limit: 7, unusable: 2 });
    }
}
